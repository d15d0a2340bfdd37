"""JupyterHub for one CRM Casebook course on one server (docs/deployment.md, section 3).

Copy to /etc/jupyterhub/jupyterhub_config.py, change the names in the first block and start the
hub as root: `/opt/jupyterhub/bin/jupyterhub -f /etc/jupyterhub/jupyterhub_config.py`.
tests/test_hub.py runs this very file with its own accounts, folders and ports in place of the
first block's values (it replaces each `NAME = ...` line), so keep one assignment per line there.

Set up as nbgrader's multiple-graders demo for JupyterHub 4/5: a Linux account per person, each
user's server started as that user (the local process spawner), the formgrader as a hub service
run by the course account, and the instructors and assistants in the service's group.
"""

c = get_config()  # noqa: F821  (provided by JupyterHub when it reads this file)

# ---- what a department changes
HUB_ENV = "/opt/jupyterhub"  # the environment with JupyterHub, nbgrader and the kit
COURSE = "crm-casebook"  # = CourseDirectory.course_id in nbgrader_config.py = the service's name
COURSE_ACCOUNT = "grader-crm"  # owns the course folder; nobody logs in as it
COURSE_HOME = "/home/grader-crm"  # its home; the course folder is COURSE_HOME/crm-casebook
INSTRUCTORS = ["teacher1"]
ASSISTANTS = ["ta1", "ta2"]
STUDENTS = ["s2025001", "s2025002", "s2025003"]
FORMGRADER_PORT = 9999  # where the formgrader service listens (on this machine only)
FORMGRADER_GROUP = f"formgrade-{COURSE}"

# ---- who may log in: Linux accounts and their passwords (PAM, JupyterHub's default).
# For the university's single sign-on see docs/deployment.md, "Logging in".
c.Authenticator.allowed_users = set(INSTRUCTORS + ASSISTANTS + STUDENTS)
c.Authenticator.admin_users = set(INSTRUCTORS)

# ---- each user's own server, started as that user
c.Spawner.cmd = [f"{HUB_ENV}/bin/jupyterhub-singleuser"]
c.Spawner.default_url = "/lab"
c.Spawner.environment = {"PATH": f"{HUB_ENV}/bin:/usr/local/bin:/usr/bin:/bin"}
# a server starts in a few seconds; a class logging in at once on a busy machine takes longer
c.Spawner.start_timeout = 180
c.Spawner.http_timeout = 180

# ---- the formgrader, as a service run by the course account, for its group
c.JupyterHub.load_groups = {FORMGRADER_GROUP: {"users": INSTRUCTORS + ASSISTANTS}}
c.JupyterHub.load_roles = [
    {
        "name": FORMGRADER_GROUP,
        "groups": [FORMGRADER_GROUP],
        "scopes": [
            f"access:services!service={COURSE}",
            # the course list extension finds the course's service through the hub's API
            "list:services",
            f"read:services!service={COURSE}",
        ],
    },
    # each user's server may act for its user (the course list extension needs it)
    {"name": "server", "scopes": ["inherit"]},
]
c.JupyterHub.services = [
    {
        "name": COURSE,
        "url": f"http://127.0.0.1:{FORMGRADER_PORT}",
        "command": [f"{HUB_ENV}/bin/jupyterhub-singleuser"],
        "user": COURSE_ACCOUNT,
        "cwd": COURSE_HOME,
        "environment": {
            "JUPYTERHUB_DEFAULT_URL": "/lab",
            "PATH": f"{HUB_ENV}/bin:/usr/local/bin:/usr/bin:/bin",
        },
    }
]
