"""Where grading a notebook spends its time, phase by phase (for benchmarks/autograde_class.py).

Each phase's seconds (wall time) are summed per submission, in the worker or the parent, and
carried back with the result, beside the processor time each kind of process used meanwhile
(:data:`PROCESSOR`: on a busy machine wall time says as much about the other jobs). Nothing here
changes what is graded.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager

# The phases, in the order the benchmark prints them.
PHASES = (
    "student kernel: fork",
    "student kernel: setup",
    "student kernel: student cells",
    "tests kernel: fork",
    "tests kernel: data",
    "tests kernel: binding",
    "tests kernel: hidden tests",
    "probes",
    "worker: the student's data",
    "worker: read, sanitize, recycle",
    "gradebook and files",
)


# Processor seconds, by who used them: the student sandbox's factory and kernels, the test
# sandbox's, the worker process, and the parent (the gradebook and the autograded files).
PROCESSOR = (
    "processor: student sandbox",
    "processor: tests sandbox",
    "processor: worker",
    "processor: gradebook and files",
)


class Timings(dict):
    """Seconds per phase; :meth:`phase` adds the time a block takes."""

    @contextmanager
    def phase(self, name: str) -> Iterator[None]:
        started = time.perf_counter()
        try:
            yield
        finally:
            self.add(name, time.perf_counter() - started)

    def add(self, name: str, seconds: float) -> None:
        self[name] = self.get(name, 0.0) + seconds

    def merge(self, other: dict[str, float]) -> None:
        for name, seconds in other.items():
            self.add(name, seconds)


def total(timings: Iterable[dict[str, float]]) -> Timings:
    """The phases of many submissions summed."""
    summed = Timings()
    for each in timings:
        summed.merge(each)
    return summed
