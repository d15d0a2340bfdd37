"""Grades out of the gradebook, as files other programs read: ``crmkit course export``.

* :mod:`.class_grades`: the gradebook as plain data (each assignment's tasks, the students, each
  hand-in's points per task);
* :mod:`.roster`: the class roster an LMS needs and the excused work, read from CSV files;
* :mod:`.lms_export`: pure functions from those to the import file of Canvas, Moodle,
  Brightspace or an Excel sheet;
* :mod:`.generic_csv`: nbgrader's own CSV export, every text cell made safe.

:func:`crmkit.grading.steps.export_for_lms` and :func:`~crmkit.grading.steps.export_grades` read
the course and write the files.
"""
