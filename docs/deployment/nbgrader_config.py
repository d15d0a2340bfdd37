"""nbgrader settings for everyone on the hub: /etc/jupyter/nbgrader_config.py
(docs/deployment.md, section 3). tests/test_hub.py runs it with its own exchange folder."""

c = get_config()  # noqa: F821  (provided by nbgrader when it reads this file)

COURSE = "crm-casebook"  # = the course's CourseDirectory.course_id = the hub service's name
EXCHANGE = "/srv/nbgrader/exchange"  # chmod 1777: everyone writes, nobody moves another's

c.CourseDirectory.course_id = COURSE
c.Exchange.root = EXCHANGE
