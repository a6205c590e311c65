"""Sweeps: a TOML experiment -> design points x seeds -> runs on an executor -> tables.

An experiment file names a base preset, fixed overrides, what varies (a full grid under
``[vary]`` or a sampled design under ``[sample]``), the replicates, a root seed and the
months. Every name and value is checked before the first run.

Runs are grouped in chunks; each finished chunk is written atomically under
``<out>/chunks/``, so a sweep that is stopped (Ctrl-C, a crash, a killed machine) resumes
where it stopped: a run is identified by a hash of the code, its parameters, its seed and
its months, and only runs without a stored result are computed. The final tables are
assembled from the chunks in design order, so they are the same however the sweep was
split, interrupted or executed.
"""

import hashlib
import itertools
import json
import math
import os
import pickle
import platform
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats

from sim.metrics import OUTCOMES
from sim.scenario import (
    DEFAULT_PRESET, ScenarioError, TYPES, check_name, coerce, load_preset, read_toml, validate,
)
from sim.sectors import SECTOR_KEYS

SPEC_KEYS = {"name", "description", "base", "months", "replicates", "root_seed",
             "common_random_numbers", "tables", "fixed", "vary", "sample"}
TABLES = ("runs", "summary", "monthly", "take_home")  # runs.csv is always written
QUANTILES = np.linspace(0, 1, 51)  # of take-home pay and savings goals, per run
SAMPLE_METHODS = ("lhs", "sobol", "saltelli")
RESULTS_DIR = Path("results") / "data"
# what a stored run depends on: the model, and how a run's results are recorded
MODEL_FILES = ("economy.py", "agents.py", "model.py", "scenario.py", "sectors.py", "metrics.py",
               "sweep.py")


@dataclass(frozen=True)
class Run:
    """One simulation: where it sits in the design, what it runs, and its identity."""

    run_id: str
    point: int
    replicate: int
    seed: int
    params: dict  # what the run sets: the preset's, the fixed and the design's values
    months: int | None


@dataclass
class Experiment:
    """A checked experiment: its text, its design points and its runs."""

    name: str
    text: str
    months: int | None
    replicates: int
    root_seed: int
    varied: list[str]  # names that differ between design points, "preset" included
    points: list[dict]  # the varied values of each design point
    runs: list[Run]
    seeds: list[int] = field(default_factory=list)
    sample: dict | None = None  # method, n and bounds of a sampled design
    tables: tuple[str, ...] = ("runs", "summary", "monthly")  # the CSV files written


def code_version() -> str:
    """A fingerprint of the model's code: a run computed by other code is not reused."""
    digest = hashlib.sha256()
    here = Path(__file__).parent
    for name in MODEL_FILES:
        digest.update((here / name).read_bytes())
    return digest.hexdigest()[:12]


def load_experiment(path: str | Path) -> Experiment:
    """Read and check an experiment file; nothing runs until all of it is valid."""
    path = Path(path)
    doc = read_toml(path)
    where = f"{path}"
    unknown = set(doc) - SPEC_KEYS
    if unknown:
        raise ScenarioError(f"{where}: unknown key(s) {', '.join(sorted(unknown))} "
                            f"(allowed: {', '.join(sorted(SPEC_KEYS))})")
    replicates = _whole(doc, "replicates", 1, 1, where)
    months = _whole(doc, "months", None, 1, where)
    root_seed = _whole(doc, "root_seed", 0, 0, where)
    tables = doc.get("tables", ["summary", "monthly"])
    if not isinstance(tables, list) or set(tables) - set(TABLES):
        raise ScenarioError(f"{where}: tables must be a list drawn from {', '.join(TABLES[1:])}")
    name = doc.get("name", path.stem)
    if not isinstance(name, str) or not name or Path(name).name != name or name.startswith("."):
        raise ScenarioError(f"{where}: name must be a plain file name, not {name!r}")
    for key in ("fixed", "vary", "sample"):
        if not isinstance(doc.get(key, {}), dict):
            raise ScenarioError(f"{where}: [{key}] must be a table")

    try:
        base = _preset_params(doc.get("base", DEFAULT_PRESET))
        fixed = {k: coerce(k, v) for k, v in doc.get("fixed", {}).items()}
        grid = {k: _grid_values(k, v) for k, v in doc.get("vary", {}).items()}
        sample = _sample_points(doc["sample"], root_seed) if "sample" in doc else None
    except ScenarioError as e:
        raise ScenarioError(f"{where}: {e}") from None

    names = list(grid) + (list(sample[0][0]) if sample else [])
    clash = set(grid) & set(sample[0][0]) if sample else set()
    if clash:
        raise ScenarioError(f"{where}: {', '.join(sorted(clash))} both in [vary] and [sample]")
    combos = [dict(zip(grid, values)) for values in itertools.product(*grid.values())]
    points = [dict(c, **s) for c in combos for s in (sample[0] if sample else [{}])]

    seeds = spawn_seeds(root_seed, replicates)
    crn = doc.get("common_random_numbers", True)
    if not isinstance(crn, bool):
        raise ScenarioError(f"{where}: common_random_numbers must be true or false")
    if not crn:
        seeds_by_point = [spawn_seeds(root_seed, replicates, point=i) for i in range(len(points))]
    version = code_version()
    runs = []
    for i, point in enumerate(points):
        params = dict(base)
        if "preset" in point:
            params.update(_preset_params(point["preset"]))
        params.update(fixed)
        params.update({k: v for k, v in point.items() if k != "preset"})
        try:
            validate(params)
        except ScenarioError as e:
            raise ScenarioError(f"{where}: design point {_describe(point)}: {e}") from None
        for r in range(replicates):
            seed = seeds[r] if crn else seeds_by_point[i][r]
            runs.append(Run(run_identity(version, params, seed, months), i, r, seed,
                            params, months))
    return Experiment(
        name=name, text=path.read_text(), months=months,
        replicates=replicates, root_seed=root_seed, varied=names, points=points, runs=runs,
        seeds=seeds, sample=sample[1] if sample else None,
        tables=tuple(t for t in TABLES if t in {"runs", *tables}),
    )


def _whole(doc: dict, key: str, default, least: int, where: str):
    """A whole-number setting of the experiment, at least ``least``."""
    value = doc.get(key, default)
    if value is not default and (isinstance(value, bool) or not isinstance(value, int)
                                 or value < least):
        raise ScenarioError(f"{where}: {key} must be a whole number >= {least}, not {value!r}")
    return value


def _describe(point: dict) -> str:
    return ", ".join(f"{k}={v}" for k, v in point.items()) or "(the base)"


def _preset_params(name) -> dict:
    if not isinstance(name, str):
        raise ScenarioError(f"a preset is a name or a .toml path, not {name!r}")
    return load_preset(name)[0]


def _grid_values(name: str, spec) -> list:
    """The values a ``[vary]`` entry takes: a list, or a start/stop/step range (inclusive)."""
    if name == "preset":
        values = spec if isinstance(spec, list) else [spec]
        for v in values:
            _preset_params(v)
        if not values:
            raise ScenarioError("vary.preset is an empty list")
        return values
    if isinstance(spec, dict):
        if set(spec) != {"start", "stop", "step"}:
            raise ScenarioError(f"vary.{name} takes a list or {{start, stop, step}}, "
                                f"not keys {', '.join(sorted(spec))}")
        start, stop, step = spec["start"], spec["stop"], spec["step"]
        if not all(isinstance(x, int | float) for x in (start, stop, step)):
            raise ScenarioError(f"vary.{name}: start, stop and step must be numbers")
        if step <= 0 or stop < start:
            raise ScenarioError(f"vary.{name}: empty range (start={start}, stop={stop}, "
                                f"step={step}); it needs step > 0 and stop >= start")
        count = math.floor((stop - start) / step + 1e-9) + 1
        # round away the float noise of start + i * step so that 0.3 is 0.3
        values = [round(start + i * step, 12) for i in range(count)]
    elif isinstance(spec, list):
        values = spec
    else:
        values = [spec]
    if not values:
        raise ScenarioError(f"vary.{name} is an empty list")
    return [coerce(name, v) for v in values]


def _sample_points(spec: dict, root_seed: int) -> tuple[list[dict], dict]:
    """A sampled design over bounds: Latin hypercube, Sobol, or Saltelli (for Sobol indices)."""
    method = spec.get("method", "lhs")
    if method not in SAMPLE_METHODS:
        raise ScenarioError(f"sample.method must be one of {', '.join(SAMPLE_METHODS)}, "
                            f"not {method!r}")
    n = spec.get("n")
    if not isinstance(n, int) or n < 1:
        raise ScenarioError(f"sample.n must be a whole number >= 1, not {n!r}")
    bounds = spec.get("bounds")
    if bounds is not None and not isinstance(bounds, dict):
        raise ScenarioError("[sample.bounds] must be a table of NAME = [low, high]")
    if not bounds:
        raise ScenarioError("a sampled design needs [sample.bounds] with at least one "
                            "parameter = [low, high]")
    for name, pair in bounds.items():
        check_name(name)
        if (not isinstance(pair, list) or len(pair) != 2
                or not all(isinstance(x, int | float) for x in pair) or pair[0] >= pair[1]):
            raise ScenarioError(f"sample.bounds.{name} must be [low, high] with low < high")
        coerce(name, pair[0])
        coerce(name, pair[1])
    names = list(bounds)
    lo = np.array([bounds[k][0] for k in names], dtype=float)
    hi = np.array([bounds[k][1] for k in names], dtype=float)
    if method == "saltelli":
        from SALib.sample import sobol as saltelli

        problem = {"num_vars": len(names), "names": names, "bounds": [bounds[k] for k in names]}
        values = saltelli.sample(problem, n, calc_second_order=False, seed=root_seed)
    else:
        from scipy.stats import qmc

        engine = qmc.Sobol if method == "sobol" else qmc.LatinHypercube
        values = qmc.scale(engine(len(names), seed=root_seed).random(n), lo, hi)
    points = [{k: _cast(k, v) for k, v in zip(names, row)} for row in values]
    return points, {"method": method, "n": n, "names": names, "bounds": bounds}


def _cast(name: str, value: float):
    return int(round(value)) if TYPES[name] is int else float(value)


def spawn_seeds(root_seed: int, replicates: int, point: int | None = None) -> list[int]:
    """Replicate seeds spawned from the root seed (one set per design point if ``point``)."""
    root = np.random.SeedSequence(root_seed if point is None else [root_seed, point])
    return [int(child.generate_state(1, np.uint32)[0]) for child in root.spawn(replicates)]


def run_identity(version: str, params: dict, seed: int, months: int | None) -> str:
    text = json.dumps([version, sorted(params.items()), seed, months], default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


# --- running ------------------------------------------------------------------------

def run_chunk(runs: list[Run]) -> dict:
    """Simulate a chunk of runs; a run that raises is recorded with its error."""
    import sim.model

    rows, monthly, take_home = [], [], []
    for run in runs:
        row = {"run_id": run.run_id, "error": ""}
        try:
            result, series, workers = sim.model.simulate(run.params, seed=run.seed,
                                                         months=run.months)
        except Exception as e:  # noqa: BLE001 - recorded, the sweep goes on
            row["error"] = f"{type(e).__name__}: {e}"
        else:
            row.update(_flatten(result))
            series.insert(0, "month", np.arange(len(series)))
            series.insert(0, "run_id", run.run_id)
            monthly.append(series)
            take_home.append(pd.DataFrame({
                "run_id": run.run_id, "quantile": QUANTILES,
                "take_home_usd": np.quantile(workers.payout, QUANTILES),
                "goal_usd": np.quantile(workers.goal, QUANTILES),
            }))
        rows.append(row)
    return {"runs": rows, "monthly": _stack(monthly), "take_home": _stack(take_home)}


def _stack(frames: list[pd.DataFrame]) -> pd.DataFrame | None:
    return pd.concat(frames, ignore_index=True) if frames else None


def _flatten(result: dict) -> dict:
    flat = {k: result[k] for k in OUTCOMES}
    for sector, values in result["by_sector"].items():
        flat.update({f"{sector}.{k}": values[k] for k in OUTCOMES})
    return flat


def chunks(runs: list[Run], jobs: int) -> list[list[Run]]:
    """Split the runs into chunks of about 5 million worker-months (a second or two of
    work), or smaller so that every worker gets at least four."""
    if not runs:
        return []
    p = validate(runs[0].params)
    months = runs[0].months or p["contract_months"] + p["contract_spread_months"]
    size = max(1, min(int(5e6 // (p["n_workers"] * months)), math.ceil(len(runs) / (4 * jobs))))
    return [runs[i:i + size] for i in range(0, len(runs), size)]


def execute(batches: list[list[Run]], executor: str, jobs: int,
            scheduler: str | None) -> Iterator[dict]:
    """Yield each chunk's results as it finishes, on the chosen executor."""
    if executor == "serial":
        for batch in batches:
            yield run_chunk(batch)
    elif executor == "processes":
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor, as_completed

        ctx = multiprocessing.get_context("forkserver" if sys.platform == "linux" else "spawn")
        with ProcessPoolExecutor(max_workers=jobs, mp_context=ctx) as pool:
            futures = [pool.submit(run_chunk, batch) for batch in batches]
            try:
                for future in as_completed(futures):
                    yield future.result()
            finally:
                for future in futures:
                    future.cancel()
    elif executor == "dask":
        from dask.distributed import Client, LocalCluster, as_completed

        cluster = None
        if scheduler is None:
            cluster = LocalCluster(n_workers=jobs, threads_per_worker=1, processes=True,
                                   dashboard_address=None)
        with Client(scheduler or cluster) as client:
            futures = client.map(run_chunk, batches, pure=False)
            try:
                for future in as_completed(futures):
                    yield future.result()
            finally:
                client.cancel(futures)
        if cluster is not None:
            cluster.close()
    else:
        raise ScenarioError(f"unknown executor '{executor}' (serial, processes, dask)")


def cluster_threads(scheduler: str) -> int:
    """How many runs an existing Dask cluster can compute at once."""
    from dask.distributed import Client

    with Client(scheduler) as client:
        return sum(client.nthreads().values())


# --- the store ----------------------------------------------------------------------

def write_atomic(path: Path, write: Callable[[Path], None]) -> None:
    """Write through a temporary file in the same folder, then rename into place."""
    tmp = path.with_name(f".tmp-{os.getpid()}-{path.name}")
    write(tmp)
    os.replace(tmp, path)


def stored_results(chunk_dir: Path, keep: set[str]) -> tuple[dict, dict]:
    """Rows of the stored runs in ``keep``, and their per-run tables (monthly,
    take_home), by run id; a success wins over a failure. A chunk holding none of them
    was made by other code or another design, and is deleted."""
    rows, per_run = {}, {name: {} for name in PER_RUN}
    for path in sorted(chunk_dir.glob("chunk-*.pkl")):
        with open(path, "rb") as f:
            chunk = pickle.load(f)
        if not any(row["run_id"] in keep for row in chunk["runs"]):
            path.unlink()
            continue
        split = {name: dict(iter(chunk[name].groupby("run_id", sort=False)))
                 if chunk.get(name) is not None else {} for name in PER_RUN}
        for row in chunk["runs"]:
            run_id = row["run_id"]
            if run_id in rows and not rows[run_id]["error"]:
                continue
            rows[run_id] = row
            for name in PER_RUN:
                if run_id in split[name]:
                    per_run[name][run_id] = split[name][run_id]
    return rows, per_run


PER_RUN = ("monthly", "take_home")


@dataclass
class SweepResult:
    out: Path
    total: int
    computed: int
    reused: int
    failed: int


def run_sweep(exp: Experiment, *, executor: str = "serial", jobs: int | None = None,
              scheduler: str | None = None, out: str | Path | None = None,
              fresh: bool = False, progress: Callable[[int, int, int], None] | None = None
              ) -> SweepResult:
    """Run every run of ``exp`` that has no stored result, then write the tables."""
    out = Path(out) if out else RESULTS_DIR / exp.name
    chunk_dir = out / "chunks"
    if fresh and chunk_dir.exists():
        for path in chunk_dir.iterdir():
            path.unlink()
    chunk_dir.mkdir(parents=True, exist_ok=True)
    jobs = jobs or (cluster_threads(scheduler) if scheduler else os.cpu_count()) or 1
    started = datetime.now(UTC)

    wanted = {run.run_id for run in exp.runs}
    stored, _ = stored_results(chunk_dir, wanted)
    pending = [r for r in exp.runs if r.run_id not in stored or stored[r.run_id]["error"]]
    done = failed = 0
    if progress:
        progress(0, 0, len(pending))
    for result in execute(chunks(pending, jobs), executor, jobs, scheduler):
        ids = "".join(row["run_id"] for row in result["runs"])
        name = f"chunk-{hashlib.sha256(ids.encode()).hexdigest()[:16]}.pkl"
        write_atomic(chunk_dir / name, lambda p, r=result: p.write_bytes(pickle.dumps(r)))
        done += len(result["runs"])
        failed += sum(1 for row in result["runs"] if row["error"])
        if progress:
            progress(done, failed, len(pending))

    rows, per_run = stored_results(chunk_dir, wanted)
    runs_table = assemble_runs(exp, rows)
    n_failed = int((runs_table["error"] != "").sum())
    write_tables(exp, out, runs_table, per_run)
    provenance = build_provenance(exp, executor, jobs, started, total=len(exp.runs),
                                  computed=len(pending), reused=len(exp.runs) - len(pending),
                                  failed=n_failed)
    write_atomic(out / "provenance.json",
                 lambda p: p.write_text(json.dumps(provenance, indent=2) + "\n"))
    return SweepResult(out, len(exp.runs), len(pending), len(exp.runs) - len(pending), n_failed)


def assemble_runs(exp: Experiment, rows: dict) -> pd.DataFrame:
    """One row per run, in design order: design values, replicate, seed, outcomes, error."""
    records = []
    for run in exp.runs:
        record = {"run_id": run.run_id, "point": run.point, "replicate": run.replicate,
                  "seed": run.seed, **exp.points[run.point]}
        record.update(rows[run.run_id])
        records.append(record)
    table = pd.DataFrame.from_records(records)
    first = ["run_id", "point", *exp.varied, "replicate", "seed"]
    outcome_cols = [c for c in _outcome_columns() if c in table.columns]
    return table[first + outcome_cols + ["error"]]


def _outcome_columns() -> list[str]:
    return [*OUTCOMES, *(f"{s}.{k}" for s in SECTOR_KEYS for k in OUTCOMES)]


def summarize(runs: pd.DataFrame, varied: list[str]) -> pd.DataFrame:
    """Per design point and sector, the mean of each outcome and its 95% confidence
    interval across replicates (Student's t); tidy: one row per point, sector, outcome."""
    ok = runs[runs["error"] == ""]
    records = []
    for point, group in ok.groupby("point", sort=True):
        design = {k: group[k].iloc[0] for k in varied}
        for column in _outcome_columns():
            if column not in group or group[column].isna().all():
                continue
            sector, _, outcome = column.rpartition(".")
            values = group[column].dropna().to_numpy()
            mean, low, high = mean_ci(values)
            records.append({"point": point, **design, "sector": sector or "all",
                            "outcome": outcome, "mean": mean, "ci_low": low, "ci_high": high,
                            "n": len(values)})
    return pd.DataFrame.from_records(records)


def mean_ci(values: np.ndarray, level: float = 0.95) -> tuple[float, float, float]:
    """Mean and two-sided Student-t confidence interval (the mean itself if n = 1)."""
    mean = float(np.mean(values))
    if len(values) < 2:
        return mean, mean, mean
    half = stats.t.ppf((1 + level) / 2, len(values) - 1) * stats.sem(values)
    half = 0.0 if np.isnan(half) else float(half)
    return mean, mean - half, mean + half


def write_tables(exp: Experiment, out: Path, runs: pd.DataFrame, per_run: dict) -> None:
    """The experiment's tables as CSV, each written atomically, runs in design order."""
    def csv(name, frame):
        write_atomic(out / f"{name}.csv",
                     lambda p: frame.to_csv(p, index=False, float_format="%.10g", na_rep="NaN"))

    csv("runs", runs)
    if "summary" in exp.tables:
        csv("summary", summarize(runs, exp.varied))
    for name in PER_RUN:
        if name in exp.tables:
            frames = [per_run[name][r.run_id] for r in exp.runs if r.run_id in per_run[name]]
            csv(name, pd.concat(frames, ignore_index=True) if frames else pd.DataFrame())


def build_provenance(exp: Experiment, executor: str, jobs: int, started: datetime,
                     **counts) -> dict:
    """What made these tables: the spec, the seeds, the code and the machine."""
    commit, dirty = git_state()
    return {
        "experiment": exp.name,
        "spec": exp.text,
        "root_seed": exp.root_seed,
        "replicate_seeds": exp.seeds,
        "design_points": exp.points,
        "sample": exp.sample,
        "months": exp.months,
        "code_version": code_version(),
        "git_commit": commit,
        "git_dirty": dirty,
        "versions": package_versions(),
        "host": socket.gethostname(),
        "platform": platform.platform(),
        "executor": executor,
        "jobs": jobs,
        "started": started.isoformat(timespec="seconds"),
        "finished": datetime.now(UTC).isoformat(timespec="seconds"),
        "runs": counts,
    }


def git_state() -> tuple[str | None, bool | None]:
    """The commit of the code and whether the tree had uncommitted changes."""
    here = Path(__file__).resolve().parent
    try:
        commit = subprocess.run(["git", "rev-parse", "HEAD"], cwd=here, capture_output=True,
                                text=True, check=True).stdout.strip()
        status = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"],
                                cwd=here, capture_output=True, text=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        return None, None
    return commit, bool(status.strip())


def package_versions() -> dict:
    names = ("quotasim", "mesa", "numpy", "scipy", "pandas", "SALib", "dask", "distributed")
    versions = {"python": platform.python_version()}
    for name in names:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return versions


class Progress:
    """A bar on a terminal (runs done, failed, rate, ETA); a plain line every few
    seconds otherwise."""

    def __init__(self, stream=sys.stderr, every: float = 5.0):
        self.stream, self.every = stream, every
        self.tty = stream.isatty()
        self.bar = None
        self.start = self.last = time.monotonic()

    def __call__(self, done: int, failed: int, total: int) -> None:
        if self.tty:
            from tqdm import tqdm

            if self.bar is None:
                self.bar = tqdm(total=total, unit="run", file=self.stream, dynamic_ncols=True)
            self.bar.update(done - self.bar.n)
            self.bar.set_postfix(failed=failed)
            if done >= total:
                self.bar.close()
            return
        now = time.monotonic()
        if not done or (done < total and now - self.last < self.every):
            return
        self.last = now
        rate = done / max(now - self.start, 1e-9)
        print(f"{done}/{total} runs, {failed} failed, {rate:.1f} runs/s, "
              f"ETA {(total - done) / rate:.0f} s", file=self.stream, flush=True)
