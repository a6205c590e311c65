"""Running an experiment: in memory, or resumably into a folder.

``run_experiment(exp)`` computes every run and returns the tables. With ``out=FOLDER``
it first takes what the folder's store already holds (``sim.store``), computes only the
missing runs, stores each chunk as it finishes, and writes the tables once every run is
there. Data that are current (the same run identities as the experiment) are read, not
recomputed or rewritten. The tables are assembled in design order from the runs alone,
so they are the same however the work was split, interrupted or executed.
"""

import functools
import json
import math
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from sim import provenance
from sim.executors import make_executor
from sim.experiment import Experiment, Run
from sim.record import run_chunk
from sim.results import ExperimentResult, assemble, load_results, save
from sim.scenario import longest_contract
from sim.store import ChunkStore, StoreError, lock, make_folder, write_atomic

CHUNK_WORKER_MONTHS = 5e6  # a chunk is a second or two of work
Progress = Callable[[int, int, int], None]  # (runs done, failed, to do)


def run_experiment(exp: Experiment, *, executor="serial", jobs: int | None = None,
                   scheduler: str | None = None, out: str | Path | None = None,
                   fresh: bool = False, progress: Progress | None = None,
                   log: Callable[[str], None] = lambda message: None) -> ExperimentResult:
    """Run ``exp`` on an executor ("serial", "processes", "dask", or an executor object).

    Without ``out`` everything stays in memory. With ``out``, the folder keeps every
    finished run (``fresh`` discards them first), a second sweep into it is refused,
    and the tables are written once no run is missing or failed."""
    executor = make_executor(executor, jobs, scheduler) if isinstance(executor, str) else executor
    record = provenance_record(exp)
    with executor:  # a remote cluster is reached before anything is written
        if out is None:
            rows, per_run = {}, {name: {} for name in exp.per_run}
            for chunk in _compute(exp, exp.runs, executor, progress):
                _collect(chunk, rows, per_run)
            return assemble(exp, rows, per_run, record, computed=len(exp.runs))
        out = make_folder(Path(out))
        with lock(out):
            log(f"{exp.name}: {len(exp.points)} design points x {exp.replicates} replicates "
                f"= {len(exp.runs)} runs")
            return _run_into(exp, out, executor, record, fresh, progress, log)


def _run_into(exp: Experiment, out: Path, executor, record: dict, fresh: bool,
              progress: Progress | None, log) -> ExperimentResult:
    """The stored runs, the missing ones computed and stored, then the tables."""
    store = ChunkStore(out)
    store.remove_leftovers()
    other = _experiment_in(out)
    if other not in (None, exp.name) and not fresh:
        raise StoreError(f"{out} holds the results of experiment {other!r}; choose another "
                         f"--out, or --fresh to replace them")
    if fresh:
        log(f"{store.clear()} stored chunk files deleted (--fresh)")
    elif is_current(exp, out):
        log(f"{exp.name}: all {len(exp.runs)} runs are current in {out}/; nothing to do")
        result = load_results(out)
        result.reused = len(exp.runs)
        return result
    wanted = {run.run_id for run in exp.runs}
    stored = store.load(wanted, exp.per_run)
    for line in stored.damaged:
        log(line)
    if stored.others:
        log(f"{stored.others} stored runs belong to another design; they stay in "
            f"{store.folder}/ (--fresh deletes them)")
    pending = [run for run in exp.runs if not stored.done(run.run_id)]
    started = datetime.now(UTC)
    for chunk in _compute(exp, pending, executor, progress):
        store.save(chunk)
    stored = store.load(wanted, exp.per_run)
    result = assemble(exp, stored.rows, stored.per_run, record, computed=len(pending),
                      reused=len(exp.runs) - len(pending))
    save(result, out)
    _log_run(out, executor, started, result)
    return result


def _compute(exp: Experiment, runs: list[Run], executor, progress: Progress | None):
    """Yield each chunk's results as it finishes, reporting progress."""
    done = failed = 0
    if progress:
        progress(0, 0, len(runs))
    work = functools.partial(run_chunk, per_run=exp.per_run)
    for chunk in executor.imap(work, chunks(runs, executor.jobs)):
        done += len(chunk["runs"])
        failed += int((chunk["runs"]["error"] != "").sum())
        if progress:
            progress(done, failed, len(runs))
        yield chunk


def _collect(chunk: dict, rows: dict, per_run: dict) -> None:
    for row in chunk["runs"].to_dict("records"):
        rows[row["run_id"]] = row
    for name, tables in per_run.items():
        if chunk[name] is not None:
            tables.update(dict(iter(chunk[name].groupby("run_id", sort=False))))


def chunks(runs: list[Run], jobs: int) -> list[list[Run]]:
    """Split the runs into chunks of about ``CHUNK_WORKER_MONTHS`` worker-months, or
    smaller so that every worker gets at least four."""
    if not runs:
        return []
    largest = max(r.params["n_workers"] * (r.months or longest_contract(r.params)) for r in runs)
    size = max(1, min(int(CHUNK_WORKER_MONTHS // largest), math.ceil(len(runs) / (4 * jobs))))
    return [runs[i:i + size] for i in range(0, len(runs), size)]


def provenance_record(exp: Experiment) -> dict:
    """What made an experiment's tables: the spec, the seeds, the design, the code and
    the packages. Current data are never rewritten, so the record of the computation
    that made them (its commit among others) stays with them."""
    return {
        "experiment": exp.name,
        "description": exp.description,
        "spec": exp.text,
        "root_seed": exp.root_seed,
        "replicate_seeds": exp.seeds,
        "design_points": exp.points,
        "sample": exp.sample,
        "posterior": exp.posterior,  # the file, its digest, each replicate's row
        "discover": exp.discover,  # the question the boxes answer
        "months": exp.months,
        "tables": ["runs", *exp.tables],
        "runs": len(exp.runs),
        "run_ids_digest": exp.run_ids_digest,
        **provenance.identity(),
        "analysis_fingerprints": provenance.analysis_fingerprints(exp.tables),
    }


def _experiment_in(folder: Path) -> str | None:
    """The name of the experiment whose results a folder holds, if any."""
    try:
        stored = json.loads((folder / "provenance.json").read_text())
    except (OSError, ValueError):
        return None
    return stored.get("experiment") if isinstance(stored, dict) else None


def is_current(exp: Experiment, folder: Path, analyses: bool = True) -> bool:
    """Whether a folder holds this experiment's tables (those it records, no others),
    made from runs with the same identities (code, packages, parameters, seeds, months)
    and none failed, its boxes answering the same question, and (unless not
    ``analyses``: the runs are what is asked for) its analyses (Sobol indices, boxes)
    made by the same analysis code."""
    try:
        stored = json.loads((Path(folder) / "provenance.json").read_text())
    except (OSError, ValueError):
        return False
    return (isinstance(stored, dict) and stored.get("run_ids_digest") == exp.run_ids_digest
            and stored.get("tables") == ["runs", *exp.tables]
            and stored.get("discover") == exp.discover
            and (not analyses or stored.get("analysis_fingerprints", {})
                 == provenance.analysis_fingerprints(exp.tables))
            and not (Path(folder) / "failed_runs.csv").exists()
            and all((Path(folder) / f"{t}.parquet").exists() for t in ["runs", *exp.tables]))


def _log_run(out: Path, executor, started: datetime, result: ExperimentResult) -> None:
    """Append where and when this sweep ran to ``runlog.jsonl`` (not part of the data)."""
    entry = {"started": started.isoformat(timespec="seconds"),
             "finished": datetime.now(UTC).isoformat(timespec="seconds"),
             "executor": executor.name, "jobs": executor.jobs, "computed": result.computed,
             "reused": result.reused, "failed": result.failed, **provenance.machine()}
    path = out / "runlog.jsonl"
    old = path.read_text() if path.exists() else ""
    write_atomic(path, lambda p: p.write_text(old + json.dumps(entry) + "\n"))
