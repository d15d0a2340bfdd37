"""The grading side: what only the instructor's process runs (``crmkit course ...``).

Its rooms, in the order a term uses them (``crmkit/grading/README.md`` maps every module):

* :mod:`.release`: a term's tasks drawn and rendered, the student pack checked for the answer
  key (``new-term``, ``render``, ``student-pack``);
* :mod:`.run`: grading a class: submissions read safely, each notebook in two kernels, one
  gradebook writer, resumable (``autograde``);
* :mod:`.sandbox`: where student code runs: bubblewrap, a user id per slot, seccomp, resource
  limits, kernels forked warm, cells run with time and output limits;
* :mod:`.report` and :mod:`.integrity`: the class report, and the signs of copied work in it;
* :mod:`.export`: grades as files other programs read (LMS imports, nbgrader's CSV);
* :mod:`.safe_output`: text a student chose, shown inert on a terminal, in a CSV cell, on a page;
* :mod:`.demo`: ``crmkit course demo``, a whole term on a made-up class, built on all of the above.

Shared by the rooms, at this level: :mod:`.settings` (every limit and default),
:mod:`.course_folder` (the nbgrader course folder and nbgrader's API on it), :mod:`.gradebook`
and :mod:`.scores` (the gradebook, SQLite or PostgreSQL, and what it holds), :mod:`.submissions`
(a course's notebooks read, and made-up hand-ins put in), :mod:`.steps` (nbgrader's generate,
feedback and export steps), :mod:`.cli` and :mod:`.tables` (the ``crmkit course`` commands and
their terminal tables), :mod:`.try_notebook` (``crmkit course try``, on top of :mod:`.run` and
:mod:`.report`). Also here, because a course's ``nbgrader_config.py`` names them by
dotted path and instructors' course folders keep a copy of that file: :mod:`.preprocessors`,
:mod:`.feedback_page` (the students' feedback page) and :mod:`.trusted_collect` (``nbgrader
collect`` on a shared exchange).

It imports the student side (:mod:`crmkit.course`) where it must agree with it (the answers
file's name); the student side never imports this package.
"""
