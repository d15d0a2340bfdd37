"""``np.searchsorted`` for millions of unsorted keys, the same answers in a fraction of the time.

numpy searches each key by bisection, about 100 ns a key when keys come in random order (a cache
miss and a mispredicted branch per step): 1.5 s for the 13 million trades of a 1,000,000-client
futures build. Here each key starts from a guess (a table of where evenly spaced values fall, or
the caller's own) and steps to its exact place with a whole-array comparison per step; values
that repeat (days with no weight) are passed in one step. Guesses only decide how many steps are
taken, never the answer. Measured slower than numpy when keys come nearly in order (each
client's trades searched in the client's row: numpy's bisection then stays in cache) or the
values are few (24 hours of a day): use it for a calendar's running total and shuffled keys.
"""

from __future__ import annotations

import numpy as np


class SortedSearch:
    """Searches in ``values`` (ascending, finite floats): ``search(keys, side)`` is
    ``np.searchsorted(values, keys, side)`` for float ``keys`` (NaN included)."""

    def __init__(self, values: np.ndarray):
        self.values = np.asarray(values, dtype=float)
        n = len(self.values)
        if not np.all(np.isfinite(self.values)) or np.any(np.diff(self.values) < 0):
            raise ValueError("values must be finite and ascending")
        # each index's run of equal values: where it starts and where the next one starts
        starts = (
            np.flatnonzero(np.r_[True, self.values[1:] != self.values[:-1]])
            if n
            else np.zeros(0, np.int64)
        )
        lengths = np.diff(np.r_[starts, n]).astype(np.int64)
        self._run_start = np.repeat(np.asarray(starts, dtype=np.int64), lengths)
        self._run_end = self._run_start + np.repeat(lengths, lengths)
        self._table: tuple[float, float, np.ndarray] | None = None

    def search(
        self, keys: np.ndarray, side: str = "left", guess: np.ndarray | None = None
    ) -> np.ndarray:
        """Where each of ``keys`` would be inserted to keep ``values`` sorted (int64)."""
        if side not in ("left", "right"):
            raise ValueError(f"side must be 'left' or 'right', not {side!r}")
        keys = np.asarray(keys, dtype=float)
        n = len(self.values)
        if n == 0:
            return np.zeros(keys.shape, dtype=np.int64)
        place = self._guess(keys) if guess is None else np.asarray(guess, dtype=np.int64)
        place = np.clip(place, 0, n)  # a copy: the caller's guess stays as it was
        place[np.isnan(keys)] = n  # numpy puts NaN after every number
        right = side == "right"

        def settle(step_down: bool) -> None:
            rows = None  # every key on the first pass, then those that moved
            while True:
                at = place if rows is None else place[rows]
                key = keys if rows is None else keys[rows]
                if step_down:  # the value before the place belongs after the key
                    before = self.values[np.maximum(at - 1, 0)]
                    move = (at > 0) & ((before > key) if right else (before >= key))
                else:  # the value at the place belongs before the key
                    here = self.values[np.minimum(at, n - 1)]
                    move = (at < n) & ((here <= key) if right else (here < key))
                rows = np.flatnonzero(move) if rows is None else rows[move]
                if len(rows) == 0:
                    return
                if step_down:
                    place[rows] = self._run_start[place[rows] - 1]
                else:
                    place[rows] = self._run_end[place[rows]]

        settle(step_down=True)
        settle(step_down=False)
        return place

    def _guess(self, keys: np.ndarray) -> np.ndarray:
        """A start for each key from where evenly spaced values fall (four per value)."""
        if self._table is None:
            low, high = float(self.values[0]), float(self.values[-1])
            buckets = 4 * len(self.values)
            scale = buckets / (high - low) if high > low else 0.0
            edges = low + np.arange(buckets) / scale if scale else np.full(buckets, low)
            table = np.r_[np.searchsorted(self.values, edges), len(self.values)]
            self._table = (low, scale, table.astype(np.int64))
        low, scale, table = self._table
        with np.errstate(invalid="ignore"):  # an infinite key times a zero scale: NaN, the end
            bucket = (keys - low) * scale
        bucket = np.maximum(np.where(bucket < len(table) - 1, bucket, len(table) - 1), 0)
        return table[bucket.astype(np.int64)]
