"""The rows a month runs on.

Every worker keeps its row in ``all`` (the model's ``workers``) for the whole run. Under
the dispatching firm the batched model runs each month on a compacted copy, ``live``,
that holds the rows of workers still abroad, with its own team and firm segments. Rows
of workers who have gone home are written back to ``all`` and dropped from ``live``
once carrying them to the end of the run would cost more than dropping them (copying
the rows that stay costs about as much as a month over them); until then the rules skip
them, as they do in ``all``.

The founding structure (whose draws are one per row, as in the founding model) and a
model with an agent per worker (whose agents read fixed rows) run on ``all`` itself.
"""

from dataclasses import fields

import numpy as np

from sim import metrics
from sim.economy import ABROAD, STATUS_NAMES, Workers
from sim.firms import Segments

# what copying a row costs, in months of the rules over it (measured: docs/BENCHMARKS.md)
COPY_COST = 1.0


class Workforce:
    """``all`` workers, the ``live`` rows a month runs on (``rows``: their rows in
    ``all``) and their ``segments``."""

    def __init__(self, workers: Workers, compacting: bool):
        self.all = workers
        self.live = workers
        self.rows = np.arange(workers.n)
        self.segments = Segments.of(workers.team, workers.firm)
        self.compacting = compacting
        # the rows dropped from ``live``, by status, for the monthly tally
        self.dropped_by_status = np.zeros(len(STATUS_NAMES), dtype=np.int64)
        self._written_back = True

    def workers(self) -> Workers:
        """Every worker, with the live rows written back."""
        if self.live is not self.all and not self._written_back:
            for f in fields(Workers):
                getattr(self.all, f.name)[self.rows] = getattr(self.live, f.name)
            self._written_back = True
        return self.all

    def lived(self) -> None:
        """A month has changed the live rows."""
        self._written_back = self.live is self.all

    def tally(self, pressure: np.ndarray, worked: np.ndarray, max_hours: float
              ) -> metrics.Tally:
        """``metrics.tally`` of the live rows (``worked``: who of them was abroad this
        month), counting the rows dropped in their status."""
        t = metrics.tally(self.live, pressure, worked, max_hours)
        return t._replace(by_status=t.by_status + self.dropped_by_status)

    def compact(self, months_to_run: int) -> bool:
        """Drop the rows of workers gone home (writing them back to ``all``) if they
        would cost more over the ``months_to_run`` than copying the others does. Returns
        whether it did."""
        live = self.live
        home = live.status != ABROAD
        if not self.compacting or np.count_nonzero(home) * months_to_run < COPY_COST * live.n:
            return False
        self.dropped_by_status += np.bincount(live.status[home], minlength=len(STATUS_NAMES))
        if live is not self.all:
            dropped = np.flatnonzero(home)
            for f in fields(Workers):
                column = getattr(live, f.name)
                getattr(self.all, f.name)[self.rows[dropped]] = column.take(dropped)
        keep = np.flatnonzero(~home)
        self.rows = self.rows[keep]
        self.live = Workers(**{f.name: getattr(live, f.name).take(keep) for f in fields(Workers)})
        self.segments = Segments.of(self.live.team, self.live.firm)
        self._written_back = False
        return True
