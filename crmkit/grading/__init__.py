"""The grading side: what only the instructor's process runs (``crmkit course ...``).

The pipeline, in the order a term uses it:

* :mod:`.course_folder`: the nbgrader course folder and nbgrader's API on it;
* :mod:`.steps`: generate the student versions, write feedback, export grades;
* :mod:`.autograde`: grade a class in parallel, one gradebook writer, resumable (:mod:`.resume`);
* :mod:`.sandbox` and :mod:`.kernel_factory`: where student code runs (bubblewrap, a user id
  per slot, resource limits, kernels forked warm);
* :mod:`.preprocessors`: the kit's nbgrader preprocessors, one per file;
* :mod:`.tamper`: signs of tampering found in graded notebooks;
* :mod:`.gradebook` and :mod:`.scores`: the gradebook (SQLite or PostgreSQL) and what it holds;
* :mod:`.report`: the class report (model, analysis, reading, rendering);
* :mod:`.tables`: text tables for the terminal;
* :mod:`.inert` and :mod:`.spreadsheet`: text a student chose, shown inert on a terminal, a page
  or in a CSV cell, and every CSV cell kept from being a formula (:mod:`.generic_csv` does it for
  nbgrader's own CSV export; :mod:`.lms_export` writes the LMS files);
* :mod:`.answer_store`: what each submission's tests saw, kept (bounded) for the class report;
* :mod:`.submissions`, :mod:`.demo`, :mod:`.demo_mistakes`: hand in made-up work, the demo term;
* :mod:`.student_pack` and :mod:`.key_leaks`: what students get, searched for the answer key;
* :mod:`.cli`: the ``crmkit course`` commands.

It imports the student side (:mod:`crmkit.course`) where it must agree with it (the answers
file's name); the student side never imports this package.
"""
