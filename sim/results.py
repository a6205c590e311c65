"""An experiment's results as pandas tables, in memory or stored in a folder.

A folder of results holds:

- ``runs.parquet``: one row per run in design order: ``run_id``, ``point``,
  ``replicate``, ``seed``, the varied values, every outcome (overall and
  ``<sector>.<outcome>``), then every parameter as resolved for the run;
- ``summary.parquet`` and ``summary.csv`` (see ``sim.summary``);
- ``monthly.parquet`` and ``take_home.parquet`` when the experiment records them;
- ``sobol.parquet`` and ``.csv`` for a Saltelli design (``sim.sensitivity``), and
  ``boxes`` and ``peeling`` (Parquet and CSV) for a design with ``[discover]``
  (``sim.discovery``): analyses of the runs, made when they are assembled;
- ``provenance.json``: the spec, seeds, design, code and package versions (the same
  record, less the design points, is in every Parquet file's metadata, ``quotasim``);
- ``failed_runs.csv`` instead of the tables (and the provenance) when some runs failed.

``load_results(folder)`` reads it back as an ``ExperimentResult``.
"""

import json
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from sim.experiment import ANALYSES, Experiment
from sim.record import OUTCOME_COLUMNS, PER_RUN
from sim.scenario import ScenarioError
from sim.store import write_atomic, write_parquet
from sim.summary import summarize

TABLES = ("runs", "summary", *PER_RUN, *ANALYSES)
CSV_TABLES = ("summary", *ANALYSES)  # small enough to read as text too
PROVENANCE_KEY = "quotasim"


@dataclass
class ExperimentResult:
    """What an experiment gave: its tables (None when not recorded, or when runs failed),
    the failed runs, and its provenance. ``result["runs"]`` is ``result.runs``."""

    runs: pd.DataFrame | None
    summary: pd.DataFrame | None
    monthly: pd.DataFrame | None
    take_home: pd.DataFrame | None
    provenance: dict
    sobol: pd.DataFrame | None = None
    boxes: pd.DataFrame | None = None
    peeling: pd.DataFrame | None = None
    failures: pd.DataFrame = field(default_factory=pd.DataFrame)
    computed: int = 0  # runs computed by this call
    reused: int = 0  # runs found in the store

    def __getitem__(self, name: str):
        value = getattr(self, name) if name in (*TABLES, "provenance") else None
        if value is None:
            raise KeyError(f"no {name!r} table in these results")
        return value

    @property
    def failed(self) -> int:
        return len(self.failures)


def design_rows(exp: Experiment) -> pd.DataFrame:
    """run_id, point, replicate, seed and the varied values of every run, in order."""
    return pd.DataFrame.from_records(
        [{"run_id": r.run_id, "point": r.point, "replicate": r.replicate, "seed": r.seed,
          **exp.points[r.point]} for r in exp.runs],
        columns=["run_id", "point", "replicate", "seed", *exp.varied])


def assemble(exp: Experiment, rows: dict[str, dict], per_run: dict[str, dict],
             provenance: dict, computed: int = 0, reused: int = 0) -> ExperimentResult:
    """The experiment's tables from each run's stored row and per-run tables."""
    design = design_rows(exp)
    outcomes = pd.DataFrame.from_records([rows[r.run_id] for r in exp.runs])
    failed = outcomes["error"] != ""
    if failed.any():
        failures = design[failed.to_numpy()].assign(error=outcomes.loc[failed, "error"].to_numpy())
        return ExperimentResult(None, None, None, None, provenance,
                                failures=failures.reset_index(drop=True),
                                computed=computed, reused=reused)
    present = [c for c in OUTCOME_COLUMNS if c in outcomes and outcomes[c].notna().any()]
    params = pd.DataFrame.from_records([r.params for r in exp.runs])
    params = params[[c for c in params.columns if c not in exp.varied]]
    runs = pd.concat([design, outcomes[present], params], axis=1)
    tables = {name: pd.concat([per_run[name][r.run_id] for r in exp.runs], ignore_index=True)
              if name in exp.per_run else None for name in PER_RUN}
    summary = summarize(runs, exp.varied, exp.replicates) if "summary" in exp.tables else None
    return ExperimentResult(runs, summary, tables["monthly"], tables["take_home"], provenance,
                            **analyses(exp, runs), computed=computed, reused=reused)


def analyses(exp: Experiment, runs: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """The analyses the design calls for: Sobol indices, PRIM's boxes."""
    tables = {}
    if "sobol" in exp.tables:
        from sim.sensitivity import sobol_table

        tables["sobol"] = sobol_table(runs, exp.sample)
    if exp.discover:
        from sim.discovery import discover, question

        tables["boxes"], tables["peeling"] = discover(runs, exp.sample["names"],
                                                      question(exp.discover))
    return tables


def save(result: ExperimentResult, folder: Path) -> None:
    """Write the tables (or, when runs failed, only ``failed_runs.csv``) and provenance."""
    # the design points are the runs table's own columns: not repeated in its metadata
    compact = {k: v for k, v in result.provenance.items() if k != "design_points"}
    meta = {PROVENANCE_KEY: json.dumps(compact, sort_keys=True)}
    failed_csv = folder / "failed_runs.csv"
    if result.failed:
        # no table stands for a design that did not finish: the runs stay in the store
        for path in [*(folder / f"{name}.parquet" for name in TABLES),
                     *(folder / f"{name}.csv" for name in CSV_TABLES),
                     folder / "provenance.json"]:
            path.unlink(missing_ok=True)
        write_atomic(failed_csv, lambda p: result.failures.to_csv(p, index=False))
        return
    for name in TABLES:
        table = getattr(result, name)
        if table is not None:
            write_parquet(folder / f"{name}.parquet", table, meta)
        else:  # a table an earlier design recorded and this one does not
            (folder / f"{name}.parquet").unlink(missing_ok=True)
    for name in CSV_TABLES:
        table = getattr(result, name)
        if table is None:
            (folder / f"{name}.csv").unlink(missing_ok=True)
        else:
            write_atomic(folder / f"{name}.csv",
                         lambda p, t=table: t.to_csv(p, index=False, float_format="%.10g"))
    write_atomic(folder / "provenance.json",
                 lambda p: p.write_text(json.dumps(result.provenance, indent=2) + "\n"))
    failed_csv.unlink(missing_ok=True)


def load_results(folder: str | Path) -> ExperimentResult:
    """An experiment's stored tables and provenance, e.g.
    ``load_results("results/data/hike_sweep").summary``."""
    folder = Path(folder)
    path = folder / "provenance.json"
    try:
        provenance = json.loads(path.read_text())
    except FileNotFoundError:
        raise ScenarioError(f"no results in {folder} (no provenance.json)") from None
    except (OSError, ValueError) as e:
        raise ScenarioError(f"cannot read {path}: {e}") from None
    tables = {}
    for name in TABLES:
        file = folder / f"{name}.parquet"
        try:
            tables[name] = pq.read_table(file).to_pandas() if file.exists() else None
        except (OSError, pa.ArrowException) as e:
            raise ScenarioError(f"{file} is damaged ({str(e).splitlines()[0][:80]}); run "
                                f"the experiment again") from None
    return ExperimentResult(**tables, provenance=provenance)
