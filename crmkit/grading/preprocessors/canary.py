"""A last cell the grader adds to every submission, to see whether the kernel still tells the truth.

Hidden tests run in the student's own kernel (that is how nbgrader works), so a submission can
try to make them pass at run time: replace ``pandas.testing.assert_frame_equal`` or
``numpy.isclose``, patch ``builtins``, register an input transformer that empties later cells,
or swallow exceptions with ``set_custom_exc``. The grader appends one cell after the hidden
tests (:class:`AddCanary`) that makes checks which must fail, on random numbers drawn for this
run, and ends by raising an error carrying a random token. :class:`ReadCanary` removes the cell
and records the verdict in the notebook's metadata: ``ok`` only if the exact error came back
and every check failed as it should. Anything else (but a kernel that stopped before the end)
means the kernel lied: the grader withholds every automatic point of that notebook for the
instructor to grade by hand, and flags it.

It cannot stop a student who reads this file and writes a bypass aimed at it; it catches the
generic tricks, and the static scan in :mod:`crmkit.grading.tamper` names the obvious ones.
"""

from __future__ import annotations

import secrets

from nbformat.v4 import new_code_cell
from nbgrader.preprocessors import NbGraderPreprocessor

METADATA_KEY = "crmkit_canary"

_CANARY = """\
def _crmkit_canary():
    import builtins, math
    import numpy, pandas
    left, right = {left!r}, {right!r}
    broken = []
    def must_fail(name, check):
        try:
            outcome = check()
        except AssertionError:
            return
        if outcome is False or (hasattr(outcome, "all") and not bool(numpy.asarray(outcome).all())):
            return
        broken.append(name)
    def assert_statement():
        assert left == right
    must_fail("assert", assert_statement)
    must_fail("==", lambda: left == right)
    must_fail("math.isclose", lambda: math.isclose(left, right))
    must_fail("numpy.isclose", lambda: numpy.isclose(left, right))
    must_fail("numpy.allclose", lambda: numpy.allclose([left], [right]))
    must_fail("numpy.testing.assert_allclose", lambda: numpy.testing.assert_allclose(left, right))
    must_fail("pandas.testing.assert_frame_equal", lambda: pandas.testing.assert_frame_equal(
        pandas.DataFrame({{"v": [left]}}), pandas.DataFrame({{"v": [right]}})))
    must_fail("pandas.testing.assert_series_equal", lambda: pandas.testing.assert_series_equal(
        pandas.Series([left]), pandas.Series([right])))
    if builtins.abs(-left) != left or builtins.round(left, 3) != round(left, 3):
        broken.append("builtins")
    raise RuntimeError("{token} " + ",".join(broken))
_crmkit_canary()
"""


class AddCanary(NbGraderPreprocessor):
    """Append the canary cell (run it last, after the hidden tests)."""

    def preprocess(self, nb, resources):
        rng = secrets.SystemRandom()
        token = f"crmkit-canary-{secrets.token_hex(8)}"
        left = round(rng.uniform(1, 1000), 6)
        right = round(left + rng.uniform(1, 100), 6)
        cell = new_code_cell(_CANARY.format(left=left, right=right, token=token))
        cell.metadata[METADATA_KEY] = True
        nb.cells.append(cell)
        resources.setdefault("crmkit", {})["canary_token"] = token
        return nb, resources


class ReadCanary(NbGraderPreprocessor):
    """Remove the canary cell; record ``ok`` or what went wrong in ``nb.metadata[METADATA_KEY]``."""

    def preprocess(self, nb, resources):
        token = resources.get("crmkit", {}).get("canary_token", "")
        canaries = [c for c in nb.cells if c.get("metadata", {}).get(METADATA_KEY)]
        nb.cells = [c for c in nb.cells if not c.get("metadata", {}).get(METADATA_KEY)]
        nb.metadata[METADATA_KEY] = verdict(canaries[-1] if canaries else None, token)
        return nb, resources


STOPPED = "the kernel stopped before the end"
OK = "ok"


def verdict(cell, token: str) -> str:
    """``ok``; :data:`STOPPED` when the canary never ran; otherwise how the kernel was tampered with."""
    if cell is None or not token:
        return "no canary cell"
    if cell.get("execution_count") is None:
        return STOPPED  # a dead kernel or the wall limit; reported on its own, not tampering
    errors = [o for o in cell.get("outputs", []) if o.get("output_type") == "error"]
    if not errors:
        return "no error came back (errors silenced or cells rewritten)"
    error = errors[-1]
    if error.get("ename") != "RuntimeError" or not str(error.get("evalue", "")).startswith(token):
        return f"unexpected error {error.get('ename')}"
    broken = str(error["evalue"])[len(token) :].strip()
    return OK if not broken else f"checks that must fail passed: {broken}"


def tampered(notebook) -> str | None:
    """How the kernel that ran ``notebook`` was tampered with, or None if it was not (or stopped)."""
    found = notebook.metadata.get(METADATA_KEY, OK)
    return None if found in (OK, STOPPED) else found
