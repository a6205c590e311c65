"""What a run of an experiment records: its outcomes (one row), and on request its
monthly series and the quantiles of take-home pay and savings goals.

A run that raises is recorded with its error: a failure is data, and the other runs of
the chunk go on.
"""

import numpy as np
import pandas as pd

from sim.metrics import OUTCOMES
from sim.sectors import SECTOR_KEYS

QUANTILES = np.linspace(0, 1, 51)  # of take-home pay and savings goals, per run
PER_RUN = ("monthly", "take_home")  # the tables with many rows per run
OUTCOME_COLUMNS = [*OUTCOMES, *(f"{s}.{k}" for s in SECTOR_KEYS for k in OUTCOMES)]


def run_chunk(runs: list, per_run: tuple[str, ...] = ()) -> dict[str, pd.DataFrame]:
    """Simulate runs (each with ``run_id``, ``params``, ``seed``, ``months``) and return
    ``{"runs": one row each, "monthly": ..., "take_home": ...}``; the per-run tables
    only when named in ``per_run``."""
    import sim.model  # looked up at call time, so a test can stand in for simulate

    rows, tables = [], {name: [] for name in per_run}
    for run in runs:
        row = {"run_id": run.run_id, "error": ""}
        try:
            result = sim.model.simulate(run.params, seed=run.seed, months=run.months)
        except Exception as e:  # noqa: BLE001 - recorded, the sweep goes on
            if (interrupt := _interrupt_behind(e)) is not None:
                raise interrupt from None  # Ctrl-C, surfacing as another error: not a failure
            row["error"] = f"{type(e).__name__}: {e}".splitlines()[0]
        else:
            row.update(flatten(result.outcomes))
            if "monthly" in tables:
                series = result.monthly.reset_index(drop=True)
                series.insert(0, "month", np.arange(len(series)))
                series.insert(0, "run_id", run.run_id)
                tables["monthly"].append(series)
            if "take_home" in tables:
                tables["take_home"].append(pd.DataFrame({
                    "run_id": run.run_id, "quantile": QUANTILES,
                    "take_home_usd": np.quantile(result.workers.payout, QUANTILES),
                    "goal_usd": np.quantile(result.workers.goal, QUANTILES),
                }))
        rows.append(row)
    runs_table = pd.DataFrame.from_records(rows, columns=["run_id", "error", *OUTCOME_COLUMNS])
    return {"runs": runs_table.astype({c: "float64" for c in OUTCOME_COLUMNS}),
            **{name: pd.concat(frames, ignore_index=True) if frames else None
               for name, frames in tables.items()}}


def _interrupt_behind(error: BaseException) -> KeyboardInterrupt | None:
    """The Ctrl-C behind an error, if any: an interrupt that lands in compiled code can
    come back as another exception (a SystemError, "returned a result with an exception
    set"), with the KeyboardInterrupt as its cause."""
    seen = set()
    while error is not None and id(error) not in seen:
        if isinstance(error, KeyboardInterrupt):
            return error
        seen.add(id(error))
        error = error.__cause__ or error.__context__
    return None


def flatten(outcomes: dict) -> dict:
    """Outcomes as one flat row: ``share_sent_home``, ``logging_rfe.share_sent_home``..."""
    flat = {k: outcomes[k] for k in OUTCOMES}
    for sector, values in outcomes["by_sector"].items():
        flat.update({f"{sector}.{k}": values[k] for k in OUTCOMES})
    return flat
