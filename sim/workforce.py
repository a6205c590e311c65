"""The workers of a run, and the rows a month runs on.

Every worker who ever arrives keeps a row in ``all`` (the model's ``workers``) for the
whole run; arrivals are appended. A month runs on ``live``: its rows are the slots the
firms hold, sorted by firm, then team (``segments``), and ``rows`` says which worker of
``all`` holds each.

- A replacement takes the slot of a worker who left early (``refill``): the worker who
  left is written back to ``all``, the newcomer gets a new row there and the slot in
  ``live``, in its firm and team.
- New firms arrive with their workers at the end (``arrive``).
- Under the dispatching firm, without worker agents, the rows of workers gone home
  (and not waiting for a replacement) are written back to ``all`` and dropped from
  ``live`` once carrying them to the end of the run would cost more than dropping
  them (``compact``: copying the rows that stay costs about as much as a month over
  them); until then the rules skip them.

``live`` is ``all`` itself until the first compaction, and throughout a run with neither
replacement nor compaction: the founding structure (whose draws are one per row, as in
the founding model) and a cohort with an agent per worker.
"""

from dataclasses import fields

import numpy as np

from sim import metrics
from sim.economy import ABROAD, STATUS_NAMES, Workers
from sim.firms import Segments

# what copying a row costs, in months of the rules over it (measured: docs/BENCHMARKS.md)
COPY_COST = 1.0
NAMES = tuple(f.name for f in fields(Workers))


class Workforce:
    """``all`` workers, the ``live`` rows a month runs on (``rows``: their rows in
    ``all``) and their ``segments``; ``vacated``: for each live row, the month its
    worker left if a replacement may take the slot, else -1."""

    def __init__(self, workers: Workers, compacting: bool, refilling: bool):
        self._store = workers  # ``all`` and room to grow
        self.n = workers.n
        self.all = workers
        self.live = _copy(workers) if refilling else workers
        self.rows = np.arange(workers.n)
        self.segments = Segments.of(workers.team, workers.firm)
        self.vacated = np.full(workers.n, -1.0)
        self.compacting = compacting
        # the rows dropped from ``live``, by status, for the monthly tally
        self.dropped_by_status = np.zeros(len(STATUS_NAMES), dtype=np.int64)
        self.dropped_paid = 0.0  # quota paid by workers no longer live
        self._written_back = True
        self._slots: np.ndarray | None = None

    def workers(self) -> Workers:
        """Every worker, with the live rows written back."""
        if self.live is not self.all and not self._written_back:
            for name in NAMES:
                getattr(self.all, name)[self.rows] = getattr(self.live, name)
            self._written_back = True
        return self.all

    def lived(self) -> None:
        """A month has changed the live rows."""
        self._written_back = self.live is self.all

    def slot(self, row: int) -> int:
        """The live row of worker ``row`` of ``all``, or -1 if it holds none."""
        if self._slots is None:
            self._slots = np.full(self.n, -1)
            self._slots[self.rows] = np.arange(len(self.rows))
        return int(self._slots[row])

    def tally(self, pressure: np.ndarray, worked: np.ndarray, max_hours: float
              ) -> metrics.Tally:
        """``metrics.tally`` of the live rows (``worked``: who of them was abroad this
        month), counting the rows no longer live in their status."""
        t = metrics.tally(self.live, pressure, worked, max_hours)
        return t._replace(by_status=t.by_status + self.dropped_by_status)

    def _append(self, new: Workers) -> np.ndarray:
        """Add ``new`` workers to ``all``; returns their rows there."""
        start, self.n = self.n, self.n + new.n
        if self.n > self._store.n:
            room = max(self.n, 2 * self._store.n)
            grown = {}
            for name in NAMES:
                old = getattr(self._store, name)
                grown[name] = np.zeros(room, dtype=old.dtype)
                grown[name][:start] = old[:start]
            self._store = Workers(**grown)
        for name in NAMES:
            getattr(self._store, name)[start:self.n] = getattr(new, name)
        was_all = self.live is self.all
        self.all = Workers(**{name: getattr(self._store, name)[:self.n] for name in NAMES})
        if was_all:
            self.live = self.all
        self._slots = None
        return np.arange(start, self.n)

    def arrive(self, new: Workers) -> None:
        """New firms arrive with their workers (``new``, rows sorted by firm and team,
        whose firm and team numbers follow those already here)."""
        rows = self._append(new)
        if self.live is not self.all:
            self.live = Workers(**{name: np.concatenate([getattr(self.live, name),
                                                         getattr(new, name)])
                                   for name in NAMES})
        self.rows = np.concatenate([self.rows, rows])
        self.vacated = np.concatenate([self.vacated, np.full(new.n, -1.0)])
        self.segments = Segments.of(self.live.team, self.live.firm)
        self._written_back = False

    def refill(self, slots: np.ndarray, new: Workers) -> None:
        """Replacements (``new``, one for each live row in ``slots``, with its firm,
        team and sector) take the slots of workers who left."""
        self._retire(slots)
        rows = self._append(new)
        for name in NAMES:
            getattr(self.live, name)[slots] = getattr(new, name)
        self.rows[slots] = rows
        self.vacated[slots] = -1.0
        self._written_back = False

    def _retire(self, slots: np.ndarray) -> None:
        """The workers in live rows ``slots`` leave ``live``: written back to ``all``,
        and counted in their status and in what they paid."""
        live = self.live
        if live is not self.all:
            for name in NAMES:
                getattr(self.all, name)[self.rows[slots]] = getattr(live, name).take(slots)
        self.dropped_by_status += np.bincount(live.status[slots], minlength=len(STATUS_NAMES))
        self.dropped_paid += float(live.quota_paid[slots].sum())

    def compact(self, months_to_run: int) -> bool:
        """Drop the rows of workers gone home and not waiting for a replacement (writing
        them back to ``all``) if they would cost more over the ``months_to_run`` than
        copying the others does. Returns whether it did."""
        live = self.live
        gone = (live.status != ABROAD) & (self.vacated < 0)
        if not self.compacting or np.count_nonzero(gone) * months_to_run < COPY_COST * live.n:
            return False
        self._retire(np.flatnonzero(gone))
        keep = np.flatnonzero(~gone)
        self.rows = self.rows[keep]
        self.vacated = self.vacated[keep]
        self.live = Workers(**{name: getattr(live, name).take(keep) for name in NAMES})
        self.segments = Segments.of(self.live.team, self.live.firm)
        self._written_back = False
        self._slots = None
        return True


def _copy(w: Workers) -> Workers:
    return Workers(**{name: getattr(w, name).copy() for name in NAMES})
