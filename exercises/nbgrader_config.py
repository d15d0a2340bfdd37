"""nbgrader settings for the CRM Casebook exercises. Run nbgrader from this folder.

    cd exercises && nbgrader generate_assignment segmentation --force
    crmkit course generate | autograde | feedback | export   # the same, for all assignments

See docs/instructors_widget_tasks.md for per-student data and widget answers.
"""

import os

from crmkit.grading.feedback_page import FeedbackExporter
from crmkit.grading.preprocessors import feedback_preprocessors, generate_preprocessors

c = get_config()  # noqa: F821  (provided by nbgrader when it reads this file)

c.CourseDirectory.root = os.path.dirname(os.path.abspath(__file__))
c.CourseDirectory.course_id = "crm-casebook"

# Release versions: bilingual stubs where the solution was.
c.ClearSolutions.code_stub = {
    "python": "# 在这里写代码 / YOUR CODE HERE\nraise NotImplementedError()"
}
c.ClearSolutions.text_stub = "在这里作答 / YOUR ANSWER HERE"

# Widget answer keys (### BEGIN ANSWER KEY) are removed from the release version too.
c.GenerateAssignment.preprocessors = generate_preprocessors()

# Feedback for students leaves out the hidden tests and the tracebacks that would quote them,
# shows a written answer not graded yet as 待评 / pending, and says what the total includes.
c.GenerateFeedback.preprocessors = feedback_preprocessors()
c.GenerateFeedback.exporter_class = FeedbackExporter

# `nbgrader collect` on a shared exchange (JupyterHub): a submission counts only as its owner's,
# at the time its files last changed if that is later than the time it states, and links in it
# are not followed. See docs/deployment.md.
c.ExchangeFactory.collect = "crmkit.grading.trusted_collect.TrustedCollect"

# Each notebook runs in a few seconds; a cell taking a minute is a student's endless loop.
c.Execute.timeout = 60
# Kernels log only errors, so grading output stays readable.
c.Execute.extra_arguments = ["--IPKernelApp.log_level=ERROR"]
