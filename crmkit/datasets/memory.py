"""Tables kept in memory between calls of ``load()``: parsed once, handed out as copies.

Reading and typing a case's CSVs takes 0.2-0.7 s; a notebook that loads the same table twice (or
an explorer's setup that loads its case again) paid that every time. Kept here:

- keyed by what decides the data: for a CSV its resolved path, its file's inode, size and
  modification time (a folder the instructor edits, or datasets rebuilt, are read again) and the
  table it is read as; for generated data the case, seed, student and size. A file written in
  the last two seconds is read every time (its stamp might not change on a second quick write);
- bounded by size (``MAX_BYTES``), the least recently used dropped first;
- every caller gets its own deep copy (under a millisecond for a case's default tables), so what
  one caller changes never reaches the next. pandas' copy-on-write would make the copies cheaper
  still, but a write through ``Series.array`` bypasses it and would change the kept table
  (tests/test_datasets.py tries that).
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from pathlib import Path

import pandas as pd

MAX_BYTES = 256 * 2**20  # the default data of every case is about 10 MB in memory
SETTLE_SECONDS = 2.0  # a file's time stamp moves in steps of milliseconds or more

Tables = dict[str, pd.DataFrame]
_kept: OrderedDict[Hashable, tuple[Tables, int]] = OrderedDict()
_kept_bytes = 0


def tables(key: Hashable, make: Callable[[], Tables]) -> Tables:
    """Copies of the tables kept under ``key``; ``make()`` builds them the first time."""
    if key in _kept:
        _kept.move_to_end(key)
        kept = _kept[key][0]
    else:
        kept = make()
        keep(key, kept)
    return {name: frame.copy(deep=True) for name, frame in kept.items()}


def keep(key: Hashable, kept: Tables) -> None:
    """Keep ``kept`` under ``key`` (not if larger than ``MAX_BYTES``), the least recently used
    dropped beyond that bound."""
    global _kept_bytes
    if key in _kept:
        _kept_bytes -= _kept.pop(key)[1]
    size = sum(_nbytes(frame) for frame in kept.values())
    if size <= MAX_BYTES:
        _kept[key] = (kept, size)
        _kept_bytes += size
        while _kept_bytes > MAX_BYTES:
            _, (_, dropped) = _kept.popitem(last=False)
            _kept_bytes -= dropped


def csv_key(path: Path, *what: Hashable) -> tuple | None:
    """The key for the CSV at ``path`` read as ``what``; None if it is not to be kept: the file
    cannot be looked at (the reader then says what is wrong), or was written in the last
    ``SETTLE_SECONDS`` (a second write that soon may leave size and time as they were)."""
    try:
        resolved = path.resolve()
        stamp = resolved.stat()
    except OSError:
        return None
    if time.time_ns() - stamp.st_mtime_ns < SETTLE_SECONDS * 1e9:
        return None
    return ("csv", str(resolved), stamp.st_ino, stamp.st_size, stamp.st_mtime_ns, *what)


def clear() -> None:
    """Forget every kept table."""
    global _kept_bytes
    _kept.clear()
    _kept_bytes = 0


def _nbytes(frame: pd.DataFrame) -> int:
    """The frame's size in memory, from its arrays (quick; strings backed by Arrow report their
    buffers, so nothing needs a deep walk)."""
    return int(frame.memory_usage(index=True, deep=False).sum())
