"""Writing a file whole or not at all.

A file is written under a temporary name in its own folder and moved over the target only when
writing succeeded, so a crash never leaves half a file where a good one was. If writing fails,
the temporary file is removed and the error passed on. Neutral ground: the student side
(``crmkit.course``), the grader and ``crmkit.datasets`` all use it.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def atomic_write(target: Path | str, *, permissions: int | None = None) -> Iterator[Path]:
    """Yield an empty temporary file beside ``target``; on success it replaces ``target``.

    Write the yielded path (``write_bytes``, ``open``, a SQLite URL ...). ``permissions``
    sets the file's mode exactly; without it the file gets the mode ``open()`` would give a
    new file (0666 less the umask). On any exception the temporary file is removed and the
    exception re-raised; ``target`` is left as it was.
    """
    target = Path(target)
    creation_mode = 0o666 if permissions is None else 0o600  # never wider than asked, meanwhile
    while True:
        temporary = target.with_name(f".{target.name}.{secrets.token_hex(4)}.partial")
        try:
            handle = os.open(temporary, os.O_CREAT | os.O_EXCL | os.O_WRONLY, creation_mode)
            break
        except FileExistsError:
            continue
    try:
        try:
            if permissions is not None:
                os.fchmod(handle, permissions)
        finally:
            os.close(handle)
        yield temporary
        os.replace(temporary, target)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
