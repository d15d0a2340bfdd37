"""``crmkit course ...`` run in the test's own process, errors raised rather than printed, so a
test can match the exception (``crmkit.cli.main`` turns them into an exit code)."""

from __future__ import annotations

import argparse

from crmkit.grading.cli import add_course_commands


def crmkit(*argv: str) -> int:
    """Run ``crmkit course ...`` the way the lead's CLI does: our subcommands on a parser."""
    parser = argparse.ArgumentParser(prog="crmkit")
    groups = parser.add_subparsers(dest="group")
    groups.required = True
    add_course_commands(groups)
    args = parser.parse_args(list(argv))
    return args.func(args)
