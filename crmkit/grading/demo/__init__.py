"""``crmkit course demo``: a whole term of grading on a made-up class, in a scratch folder.

It sits on top of the grader and uses it as an instructor would; only the ``crmkit course demo``
command (and the tests and benchmarks, which grade the same made-up class) import it.

* :mod:`.class_term`: the term drawn, the class enrolled, every hand-in made, graded and reported;
* :mod:`.mistakes`: what honest students write (their own right answers) and their typical
  mistakes, taken from the course's vetted answers;
* :mod:`.copies`: the copied work planted for the report's integrity section to find.
"""
