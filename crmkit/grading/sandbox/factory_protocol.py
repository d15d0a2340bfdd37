"""What the grader and the kernel factory say to each other: one JSON object a line, typed here.

The grader (:class:`crmkit.grading.sandbox.bubblewrap.Sandbox`) writes a :class:`Request` to the
factory's stdin and reads a :class:`Reply` from its stdout; the factory hands a prepared kernel
its :class:`GoOrder` through a pipe (:mod:`crmkit.grading.sandbox.kernel_factory` says what each
request does). They stay JSON on the wire, so they are TypedDicts, and :func:`encode_line` and
the ``decode_*`` functions are the only places they become text and back.

Imported by the kernel factory inside the sandbox: the standard library only.
"""

from __future__ import annotations

import json
from typing import TypedDict, cast


class Quota(TypedDict):
    """Sizes of a kernel's private tmpfs folders (its working folder and its scratch folder)."""

    work_bytes: int
    work_files: int
    scratch_bytes: int
    scratch_files: int


class KernelSpec(TypedDict):
    """``prepare``: how to fork and initialize the next kernel."""

    connection_file: str  # inside the sandbox, in the grader's runtime folder
    log: str  # the kernel's stderr, beside it
    arguments: list[str]  # more ipykernel command-line options
    env: dict[str, str]  # the kernel's whole environment
    rlimits: dict[str, int]  # hard limits by ``resource`` constant name (``RLIMIT_CPU``, ...)
    quota: Quota


class GoOrder(TypedDict):
    """``go``: let the prepared kernel ``pid`` start, as ``student``'s kernel."""

    pid: int
    student: str
    inbox: bool  # copy the submission's files into its working folder (a student kernel)
    env: dict[str, str]  # added to its environment
    variants: str  # the folder of the student's data the grader made (variant_cache.preload)


class Request(TypedDict, total=False):
    """One request to the factory: exactly one of these keys."""

    prepare: KernelSpec
    go: GoOrder
    poll: int  # a kernel's pid
    signal: list[int]  # [pid, signal number]
    usage: bool
    reset: bool


class Reply(TypedDict, total=False):
    """The factory's answer to a :class:`Request` (and its first line, ``ready``)."""

    ready: int  # the factory's pid, once it has imported everything
    pid: int  # prepare: the prepared kernel
    ok: bool  # go, signal: whether it was done
    status: int | None  # poll: the kernel's exit status, None while it runs
    seconds: float  # usage: processor seconds of the factory and the kernels it reaped
    killed: int  # reset: processes killed
    error: str  # a request the factory does not know


def encode_line(message: Request | Reply | GoOrder) -> str:
    """``message`` as one line of JSON."""
    return json.dumps(message) + "\n"


# Both ends are the kit's own code (the factory never runs student code), so a line is taken as
# the record it should be, as it was before these types.
def decode_request(line: str | bytes) -> Request:
    return cast(Request, json.loads(line))


def decode_reply(line: str | bytes) -> Reply:
    return cast(Reply, json.loads(line))


def decode_order(line: str | bytes) -> GoOrder:
    return cast(GoOrder, json.loads(line))
