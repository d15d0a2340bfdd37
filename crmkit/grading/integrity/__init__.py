"""Signs of copied work, for the instructor to look at: never a verdict.

* :mod:`.other_data`: an answer that fails on the student's own data but equals what another
  student's data (or the kit's default data) gives. Per-student data makes a pasted number fail;
  this says whose number it was.
* :mod:`.similarity`: two students' code for a task, or their written answers, sharing much more
  than the starter code, the instructor's solution and what most of the class wrote anyway.
* :mod:`.expected`: the answers the instructor's solution gives on every student's data (and on
  the default data), computed once per assignment and kept beside the gradebook.
* :mod:`.model`: the evidence as plain data; the class report shows it (``crmkit course report``).
"""
