"""Every limit and default of the grader, in one place: :data:`SETTINGS`.

The sandbox, the cell runner and the instructor's commands read their defaults from here, so a
number is changed once and ``crmkit course ... --help`` shows the value the grader uses.
Constants of an interface (system call numbers, message formats) stay beside the code that
speaks it; this module holds choices. It imports nothing of the kit: any module may read it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the type only: at run time this module imports nothing of the kit
    from .sandbox.factory_protocol import Quota

MIB = 1024**2


@dataclass(frozen=True)
class Limits:
    """What one submission may use. Seconds, bytes and counts."""

    # a cell's run time: the kit's cells take seconds; a minute lets a slow (busy) machine finish
    # them and still stops an endless loop early (``--cell-timeout``)
    cell_timeout: int = 60
    # a whole submission (both kernels): one stuck notebook holds a worker 5 minutes at most
    # (``--wall-limit``)
    wall_seconds: int = 300
    # processor time of a kernel (RLIMIT_CPU): under the wall limit, so a kernel spinning on
    # several threads is killed by its own limit before it takes a worker's whole share
    cpu_seconds: int = 240
    # address space of a kernel (RLIMIT_AS, not resident memory: numpy and matplotlib map much
    # more than they touch); room for a student's frames while N workers' kernels fit a server
    memory_bytes: int = 3 * 1024**3
    # processes and threads of the role's user id (RLIMIT_NPROC): enough for numerical libraries'
    # thread pools, not for a fork bomb
    processes: int = 64
    # the largest file a kernel may write (RLIMIT_FSIZE): half its working folder
    file_bytes: int = 64 * MIB
    # the kernel's working folder (a private tmpfs, so RAM): the submission's files and what the
    # student writes, with room; a fill-the-disk loop stops here
    work_bytes: int = 128 * MIB
    work_files: int = 2000  # files in that folder: a loop making empty files stops here
    # its home and temporary files (a private tmpfs): matplotlib's and IPython's caches fit
    scratch_bytes: int = 128 * MIB
    scratch_files: int = 2000  # files there, for the same reason as work_files
    # output one cell keeps in the graded notebook and the feedback: a chart or a long table
    # fits, a 25 MB print is cut (docs/grading_safety.md)
    cell_output_bytes: int = 2 * MIB
    # output the whole notebook keeps: four cells' worth, so a class's graded notebooks stay
    # small enough to open and to keep
    notebook_output_bytes: int = 8 * MIB
    # after interrupting a cell at its time limit, how long it has to stop before the kernel is
    # given up (IPython stops a Python loop at once; a C call ignoring SIGINT does not)
    interrupt_grace_seconds: float = 5.0
    # how long a prepared kernel may take to answer: it is ready in milliseconds, so only a
    # broken sandbox waits this long
    kernel_start_seconds: float = 60.0

    def rlimits(self) -> dict[str, int]:
        """The hard resource limits of a kernel, by ``resource`` constant name."""
        return {
            "RLIMIT_CPU": self.cpu_seconds,
            "RLIMIT_AS": self.memory_bytes,
            "RLIMIT_NPROC": self.processes,
            "RLIMIT_FSIZE": self.file_bytes,
        }

    def quota(self) -> Quota:
        """Sizes of a kernel's private folders."""
        return {
            "work_bytes": self.work_bytes,
            "work_files": self.work_files,
            "scratch_bytes": self.scratch_bytes,
            "scratch_files": self.scratch_files,
        }


@dataclass(frozen=True)
class Settings:
    """The grader's defaults: a submission's :class:`Limits` and the commands' other defaults."""

    limits: Limits = field(default_factory=Limits)
    # the report flags a student whose auto score is below this share of the maximum: under
    # half is where an instructor usually wants to talk to someone (``--threshold``)
    report_threshold: float = 0.5
    # the demo class (``crmkit course demo --students``): over the demo's 8 needed for its copy
    # cases, so it shows copying beside every kind of mistake, and grades in a few minutes
    demo_class_size: int = 12
    # fewer than 5 leaves no room for the reference student, a tamperer, an absentee and the
    # partial, wrong and blank hand-ins every assignment gets; ids have two digits (s01-wang)
    demo_min_class_size: int = 5
    demo_max_class_size: int = 99
    # the seed deciding who hands in what in the demo (``--seed``): any fixed number keeps the
    # demo the same from run to run
    demo_seed: int = 2024


SETTINGS = Settings()
