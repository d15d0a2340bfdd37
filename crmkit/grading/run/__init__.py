"""Grading a class: the submissions read, each notebook graded in two sandboxed kernels, the
results saved by one gradebook writer.

* :mod:`.autograde`: ``crmkit course autograde``: planning, the worker pool, the one writer,
  resuming (:mod:`.resume`), where the time went (:mod:`.timings`), nbgrader's costs cut
  (:mod:`.nbgrader_speedups`);
* :mod:`.submission_files`: a submission folder read safely (regular files only, sizes capped);
* :mod:`.student_data`: each student's data variants generated once per run;
* :mod:`.notebook_grading`: one notebook, the student's cells in one kernel and the hidden tests
  in another; :mod:`.test_cells` says which cell runs where;
* :mod:`.plain_data_decode` and :mod:`.test_run`: in the test kernel, what the student's kernel
  sent checked and rebuilt, and each hidden test run on it;
* :mod:`.answer_store`: what the tests saw, kept (bounded) for the report's integrity section;
* :mod:`.tamper`: what an instructor should look at beside a score (deleted cells, the grader's
  notes).

``crmkit course try`` (:mod:`crmkit.grading.try_notebook`) grades one notebook through
:mod:`.autograde` and explains it with the report's analysis, so it sits above both.

Kept free of imports: grading kernels import :mod:`.test_run` and :mod:`.plain_data_decode`.
"""
