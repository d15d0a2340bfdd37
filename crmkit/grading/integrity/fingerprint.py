"""Code fingerprints that are the same in every process.

copydetect hashes each k-gram of the tokenized code with Python's ``hash()``, which is salted
afresh in every process (unless PYTHONHASHSEED is set). Winnowing keeps the smallest hash of each
window, so each run kept other k-grams and the report's overlap of the same pair moved by a few
tokens from one run to the next. Here the k-grams are hashed with BLAKE2b (8 bytes read as a
signed 64-bit integer, as ``hash()`` gives) and the rest is copydetect's own: its tokenizer,
winnowing and token coverage (boilerplate is left out as copydetect means to, see below). The
result has the attributes copydetect's ``compare_files`` reads, so pairs are compared by copydetect
itself.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np


def stable_hash(text: str) -> int:
    """A 64-bit hash of ``text`` that is the same in every process and on every machine."""
    digest = hashlib.blake2b(text.encode("utf-8"), digest_size=8).digest()
    return int.from_bytes(digest, "little", signed=True)


def kgram_hashes(text: str, k: int) -> np.ndarray:
    """The stable hash of each run of ``k`` characters of ``text``, in order
    (copydetect's ``hashed_kgrams`` with :func:`stable_hash`)."""
    return np.array(
        [stable_hash(text[start : start + k]) for start in range(len(text) - k + 1)],
        dtype=np.int64,
    )


@dataclass(frozen=True, eq=False)
class CodeFingerprint:
    """One piece of code fingerprinted as copydetect's ``CodeFingerprint`` does, with
    :func:`stable_hash`; the attribute names are the ones copydetect's ``compare_files`` reads."""

    raw_code: str
    filtered_code: str  # names replaced by V, F, O and strings by S
    offsets: np.ndarray  # characters removed by filtering, to map back to raw_code
    hashes: set[int]  # the winnowed fingerprints, boilerplate left out
    hash_idx: dict[int, list[int]]  # where each fingerprint starts in filtered_code
    k: int
    token_coverage: float  # characters of filtered_code covered by a fingerprint


def code_fingerprint(
    code: str, k: int, window: int, boilerplate: Iterable[int] = (), language: str = "python"
) -> CodeFingerprint:
    """``code`` tokenized, hashed ``k`` tokens at a time and winnowed with ``window``; the
    fingerprints in ``boilerplate`` are left out."""
    from copydetect.utils import filter_code, get_token_coverage, winnow

    filtered, offsets = filter_code(code, "answer.py", language)
    hashes, idx = winnow(kgram_hashes(filtered, k), window, remove_duplicates=False)
    # Leave out the boilerplate. copydetect's get_document_fingerprints does it with
    # intersect1d(assume_unique=True), but a fingerprint that recurs in the code is not unique
    # here, and intersect1d then also drops all but its last place; isin keeps every place.
    kept = ~np.isin(hashes, np.array(sorted(set(boilerplate)), dtype=np.int64))
    hashes, idx = hashes[kept], idx[kept]
    hash_idx: dict[int, list[int]] = {}
    for value, start in zip(hashes.tolist(), idx.tolist(), strict=True):
        hash_idx.setdefault(value, []).append(start)
    return CodeFingerprint(
        raw_code=code,
        filtered_code=filtered,
        offsets=offsets,
        hashes=set(hash_idx),
        hash_idx=hash_idx,
        k=k,
        token_coverage=float(get_token_coverage(hash_idx, k, len(filtered))),
    )
