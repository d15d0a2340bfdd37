"""Random streams derived from a seed and, optionally, a student id.

The same (case, seed, student) always gives the same stream on every machine; different
students get independent streams, so their data differ but follow the same calibration.
"""

from __future__ import annotations

import hashlib

import numpy as np

DEFAULT_SEED = 20260101


def normalise_student_id(student: object) -> str:
    """The form of a student id that decides their data: trimmed and lower-case."""
    return str(student).strip().lower()


def rng_for(case: str, seed: int = DEFAULT_SEED, student: str | None = None) -> np.random.Generator:
    """A generator for one case's dataset; ``student`` selects that student's variant."""
    parts = [case]
    if student is not None:
        parts.append("student:" + normalise_student_id(student))
    digest = hashlib.sha256("\x1f".join(parts).encode("utf-8")).digest()
    words = np.frombuffer(digest[:16], dtype="<u4").tolist()
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence([int(seed), *words])))
