"""What the class is given: a term's tasks drawn and rendered, and the student pack checked for
the answer key.

* :mod:`.task_parameters`: each task's parameters, declared once per task
  (``templates/<assignment>/parameters.toml``), drawn per term;
* :mod:`.task_templates`: one template per task gives its text, constants, solution and hidden
  tests for a term, so the four always agree;
* :mod:`.term`: ``crmkit course new-term`` and ``crmkit course render``: a private course folder
  with a term's tasks, its ``source/`` and ``release/``;
* :mod:`.student_pack`: ``crmkit course student-pack``: what students get, as a folder or zip;
* :mod:`.key_leaks`: the course's answer key searched for in what students can open; a leak
  stops the pack.
"""
