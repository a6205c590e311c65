"""An experiment, declared in TOML: a base preset, fixed overrides, what varies (a full
grid under ``[vary]`` or a sampled design under ``[sample]``), the replicates, a root
seed and the months. ``load_experiment`` checks all of it, and every design point's
scenario, before anything runs; sizes that cannot fit are refused before allocating.

Each run has an identity (``Run.run_id``): a hash of the model's code, the versions of
the numerics packages, every resolved parameter, the seed and the months. A stored run
with the same identity is the same computation, and is reused; stored results whose
identities differ from the experiment's are stale.

Example::

    name = "demo"
    replicates = 5
    root_seed = 2021
    tables = ["summary"]          # also "monthly", "take_home"
    [fixed]
    n_workers = 2000
    [vary]
    preset = ["russia-2021", "sakhalin-dalian-2025"]
    hike = { start = 0.0, stop = 2.0, step = 0.25 }
"""

import hashlib
import itertools
import json
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from sim import provenance
from sim.record import PER_RUN
from sim.scenario import (
    DEFAULT_PRESET, QuotaScenario, ScenarioError, TYPES, check_months, check_name, coerce,
    load_preset, read_toml,
)

SPEC_KEYS = {"name", "description", "base", "months", "replicates", "root_seed",
             "common_random_numbers", "tables", "fixed", "vary", "sample", "posterior",
             "discover"}
SAMPLE_KEYS = {"method", "n", "bounds"}
TABLES = ("summary", "monthly", "take_home")  # written on request; runs always
DEFAULT_TABLES = ("summary",)
# tables of an analysis of the runs, written whenever the design calls for it: Sobol
# indices for a Saltelli design, PRIM's boxes for a sampled design with [discover] (each
# with the code that makes it, whose fingerprint its provenance records)
ANALYSES = tuple(provenance.ANALYSIS_CODE)
SAMPLE_METHODS = ("lhs", "sobol", "saltelli")
MAX_RUNS = 1_000_000  # runs in one experiment: more is a typo, or a job for several
MAX_GRID_VALUES = 10_000  # values of one [vary] parameter
MAX_SAMPLE = 1_000_000  # sample.n
POSTERIOR_STREAM = 0x9057  # the posterior's draws: a stream of the root seed of their own


@dataclass(frozen=True)
class Run:
    """One simulation: where it sits in the design, what it runs, and its identity."""

    run_id: str
    point: int
    replicate: int
    seed: int
    params: dict  # every parameter, resolved and checked
    months: int | None


@dataclass(frozen=True)
class Experiment:
    """A checked experiment: its text, its design points and its runs."""

    name: str
    description: str
    text: str  # the TOML it was read from
    months: int | None
    replicates: int
    root_seed: int
    varied: list[str]  # names that differ between design points, "preset" included
    points: list[dict]  # the varied values of each design point
    runs: list[Run]
    seeds: list[int]  # the replicate seeds, shared by every point (empty without CRN:
    # each run's seed is then in the runs table)
    sample: dict | None  # method, n, names and bounds of a sampled design
    tables: tuple[str, ...]  # tables written besides "runs", the analyses' included
    posterior: dict | None = None  # path, digest, and the row each replicate drew (a
    # list per design point, or one list for all of them with common random numbers)
    discover: dict | None = None  # scenario discovery's question: outcome, above or below

    @property
    def run_ids_digest(self) -> str:
        """One hash of every run's identity, in design order: equal digests, equal data."""
        return hashlib.sha256("".join(r.run_id for r in self.runs).encode()).hexdigest()[:16]

    @property
    def per_run(self) -> tuple[str, ...]:
        """The tables with many rows per run that this experiment records."""
        return tuple(t for t in self.tables if t in PER_RUN)


def load_experiment(path: str | Path) -> Experiment:
    """Read and check an experiment file; nothing runs until all of it is valid."""
    path = Path(path)
    doc = read_toml(path)
    try:
        return experiment_from_dict(doc, name=path.stem, text=path.read_text(),
                                    folder=path.parent)
    except ScenarioError as e:
        raise ScenarioError(f"{path}: {e}") from None


def experiment_from_dict(doc: dict, *, name: str = "experiment", text: str = "",
                         folder: Path = Path(".")) -> Experiment:
    """An experiment from its TOML content as a dict (the Python API's entry point);
    a posterior file is found relative to ``folder`` (the spec's)."""
    unknown = set(doc) - SPEC_KEYS
    if unknown:
        raise ScenarioError(f"unknown key(s) {', '.join(sorted(unknown))} "
                            f"(allowed: {', '.join(sorted(SPEC_KEYS))})")
    replicates = _whole(doc, "replicates", 1, 1)
    root_seed = _whole(doc, "root_seed", 0, 0)
    months = doc.get("months")
    if months is not None:
        check_months(months)
    tables = doc.get("tables", list(DEFAULT_TABLES))
    if (not isinstance(tables, list) or not all(isinstance(t, str) for t in tables)
            or set(tables) - set(TABLES) or len(set(tables)) != len(tables)):
        raise ScenarioError(f"tables must be a list of distinct names drawn from "
                            f"{', '.join(TABLES)}, not {tables!r}")
    name = doc.get("name", name)
    if not isinstance(name, str) or not name or Path(name).name != name or name.startswith("."):
        raise ScenarioError(f"name must be a plain file name, not {name!r}")
    description = doc.get("description", "")
    if not isinstance(description, str):
        raise ScenarioError(f"description must be a string, not {description!r}")
    for key in ("fixed", "vary", "sample"):
        if not isinstance(doc.get(key, {}), dict):
            raise ScenarioError(f"[{key}] must be a table")
    crn = doc.get("common_random_numbers", True)
    if not isinstance(crn, bool):
        raise ScenarioError("common_random_numbers must be true or false")

    base = _preset_params(doc.get("base", DEFAULT_PRESET))
    fixed = {k: coerce(k, v) for k, v in doc.get("fixed", {}).items()}
    grid = {k: _grid_values(k, v) for k, v in doc.get("vary", {}).items()}
    sample = _check_sample(doc["sample"]) if "sample" in doc else None
    sampled = sample["names"] if sample else []
    discover = _discover(doc, sample)
    clash = set(grid) & set(sampled)
    if clash:
        raise ScenarioError(f"{', '.join(sorted(clash))} both in [vary] and [sample]")
    n_points = math.prod(len(v) for v in grid.values()) * (_sample_size(sample) if sample else 1)
    if n_points * replicates > MAX_RUNS:
        raise ScenarioError(f"{n_points:,} design points x {replicates:,} replicates is more "
                            f"than {MAX_RUNS:,} runs; split the experiment")

    sample_points = _sample_points(sample, root_seed) if sample else [{}]
    combos = [dict(zip(grid, values)) for values in itertools.product(*grid.values())]
    points = [dict(c, **s) for c in combos for s in sample_points]
    posterior = _posterior(doc, folder, [*fixed, *grid, *sampled])
    seeds = spawn_seeds(root_seed, replicates)
    versions = provenance.result_versions()
    fingerprint = provenance.model_fingerprint()
    presets = {}  # each preset read once
    runs, seen = [], {}
    for i, point in enumerate(points):
        # a varied preset replaces the base: nothing of one preset leaks into another
        if "preset" in point:
            if point["preset"] not in presets:
                presets[point["preset"]] = _preset_params(point["preset"])
            params = dict(presets[point["preset"]])
        else:
            params = dict(base)
        params.update(fixed)
        params.update({k: v for k, v in point.items() if k != "preset"})
        try:
            resolved = QuotaScenario(**params).params
        except ScenarioError as e:
            raise ScenarioError(f"design point {_describe(point)}: {e}") from None
        same = seen.setdefault(json.dumps(sorted(resolved.items()), default=str), i)
        if same != i:
            raise ScenarioError(f"design points {_describe(points[same])} and "
                                f"{_describe(point)} run the same parameters")
        point_seeds = seeds if crn else spawn_seeds(root_seed, replicates, point=i)
        if posterior and (i == 0 or not crn):  # with common random numbers, one set
            drawn = posterior_draws(posterior["weights"], root_seed, replicates,
                                    None if crn else i)
            posterior["draws"].append(drawn.tolist())
        for r, seed in enumerate(point_seeds):
            # each replicate runs with its draw of the posterior's parameters, which the
            # preset's give way to
            run_params = resolved if not posterior else _with_draw(
                params, posterior["rows"][drawn[r]], point)
            run_id = run_identity(fingerprint, versions, run_params, seed, months)
            runs.append(Run(run_id, i, r, seed, run_params, months))
    if discover:  # the question's sector present in every run, checked before any runs
        from sim.discovery import check_sector, question

        check_sector(question(discover), [run.params for run in runs])
    return Experiment(
        name=name, description=description, text=text, months=months,
        replicates=replicates, root_seed=root_seed, varied=[*grid, *sampled], points=points,
        runs=runs, seeds=seeds if crn else [], sample=sample,
        tables=(*(t for t in TABLES if t in tables),
                *(("sobol",) if sample and sample["method"] == "saltelli" else ()),
                *(("boxes", "peeling") if discover else ())),
        posterior={k: posterior[k] for k in ("path", "digest", "draws")} if posterior
        else None,
        discover=discover,
    )


def _discover(doc: dict, sample: dict | None) -> dict | None:
    """The ``[discover]`` question, checked: it needs a sampled design to answer it."""
    if "discover" not in doc:
        return None
    from sim.discovery import prim_module, question

    if sample is None:
        raise ScenarioError("[discover] needs a sampled design ([sample]) to search")
    q = question(doc["discover"])
    prim_module()  # EMA Workbench installed, or one line now rather than after the runs
    return q.as_dict()


def _posterior(doc: dict, folder: Path, explicit: list[str]) -> dict | None:
    """The experiment's posterior file, read and checked: its rows (parameter values),
    their weights, and where it came from."""
    if "posterior" not in doc:
        return None
    from sim.calibrate import read_posterior
    from sim.patterns import digest

    name = doc["posterior"]
    if not isinstance(name, str) or not name.strip():
        raise ScenarioError(f"posterior must name a posterior file (CSV), not {name!r}")
    path = folder / name
    table = read_posterior(path)
    names = [c for c in table.columns if c != "weight"]
    clash = set(names) & set(explicit)
    if clash:
        raise ScenarioError(f"{', '.join(sorted(clash))}: both set by the experiment and "
                            f"drawn from the posterior {name}")
    return {"path": str(path), "digest": digest(path), "draws": [],
            "weights": table["weight"].to_numpy(), "rows": table[names].to_dict("records")}


def _with_draw(params: dict, row: dict, point: dict) -> dict:
    """A design point's parameters with a posterior draw, checked together."""
    try:
        return QuotaScenario(**{**params, **row}).params
    except ScenarioError as e:
        raise ScenarioError(f"design point {_describe(point)} with a posterior draw: "
                            f"{e}") from None


def posterior_draws(weights: np.ndarray, root_seed: int, replicates: int,
                    point: int | None = None) -> np.ndarray:
    """The posterior row each replicate runs with, drawn by weight from a stream of the
    root seed of its own (one per design point without common random numbers)."""
    key = [root_seed, POSTERIOR_STREAM] + ([] if point is None else [point])
    return np.random.default_rng(np.random.SeedSequence(key)).choice(
        len(weights), size=replicates, p=weights)


def _whole(doc: dict, key: str, default: int, least: int) -> int:
    """A whole-number setting of the experiment, at least ``least``."""
    value = doc.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int) or value < least:
        raise ScenarioError(f"{key} must be a whole number >= {least}, not {value!r}")
    return value


def _describe(point: dict) -> str:
    return ", ".join(f"{k}={v}" for k, v in point.items()) or "(the base)"


def _preset_params(name) -> dict:
    if not isinstance(name, str):
        raise ScenarioError(f"a preset is a name or a .toml path, not {name!r}")
    return load_preset(name)[0]


def _is_number(x) -> bool:
    return isinstance(x, int | float) and not isinstance(x, bool) and math.isfinite(x)


def _grid_values(name: str, spec) -> list:
    """The values a ``[vary]`` entry takes: a list, or a start/stop/step range (inclusive)."""
    if name == "preset":
        values = spec if isinstance(spec, list) else [spec]
        for v in values:
            _preset_params(v)
    elif isinstance(spec, dict):
        if set(spec) != {"start", "stop", "step"}:
            raise ScenarioError(f"vary.{name} takes a list or {{start, stop, step}}, "
                                f"not keys {', '.join(sorted(spec))}")
        start, stop, step = spec["start"], spec["stop"], spec["step"]
        if not all(_is_number(x) for x in (start, stop, step)):
            raise ScenarioError(f"vary.{name}: start, stop and step must be finite numbers")
        if step <= 0 or stop < start:
            raise ScenarioError(f"vary.{name}: empty range (start={start}, stop={stop}, "
                                f"step={step}); it needs step > 0 and stop >= start")
        span = (stop - start) / step
        if not math.isfinite(span) or span + 1 > MAX_GRID_VALUES:
            raise ScenarioError(f"vary.{name}: more than {MAX_GRID_VALUES:,} values; use a "
                                f"larger step")
        count = math.floor(span + 1e-9) + 1
        # round away the float noise of start + i * step so that 0.3 is 0.3
        values = [round(start + i * step, 12) for i in range(count)]
    else:
        values = spec if isinstance(spec, list) else [spec]
    if not values:
        raise ScenarioError(f"vary.{name} is an empty list")
    if len(values) > MAX_GRID_VALUES:
        raise ScenarioError(f"vary.{name}: more than {MAX_GRID_VALUES:,} values")
    if name != "preset":
        values = [coerce(name, v) for v in values]
    if len(set(map(repr, values))) != len(values):
        raise ScenarioError(f"vary.{name} lists a value twice: {values!r}")
    return values


def _check_sample(spec: dict) -> dict:
    """The ``[sample]`` table, checked: method, n and bounds."""
    unknown = set(spec) - SAMPLE_KEYS
    if unknown:
        raise ScenarioError(f"sample: unknown key(s) {', '.join(sorted(unknown))} "
                            f"(allowed: {', '.join(sorted(SAMPLE_KEYS))})")
    method = spec.get("method", "lhs")
    if method not in SAMPLE_METHODS:
        raise ScenarioError(f"sample.method must be one of {', '.join(SAMPLE_METHODS)}, "
                            f"not {method!r}")
    n = spec.get("n")
    if isinstance(n, bool) or not isinstance(n, int) or not 1 <= n <= MAX_SAMPLE:
        raise ScenarioError(f"sample.n must be a whole number from 1 to {MAX_SAMPLE:,}, "
                            f"not {n!r}")
    if method in ("sobol", "saltelli") and n & (n - 1):
        raise ScenarioError(f"sample.n must be a power of 2 for method {method!r} (its "
                            f"balance properties need it), not {n}")
    bounds = spec.get("bounds")
    if bounds is not None and not isinstance(bounds, dict):
        raise ScenarioError("[sample.bounds] must be a table of NAME = [low, high]")
    if not bounds:
        raise ScenarioError("a sampled design needs [sample.bounds] with at least one "
                            "parameter = [low, high]")
    for name, pair in bounds.items():
        check_name(name)
        if (not isinstance(pair, list) or len(pair) != 2
                or not all(_is_number(x) for x in pair) or pair[0] >= pair[1]):
            raise ScenarioError(f"sample.bounds.{name} must be [low, high], two finite "
                                f"numbers with low < high")
        if TYPES[name] not in (int, float):
            raise ScenarioError(f"sample.bounds.{name}: only numeric parameters can be sampled")
        coerce(name, pair[0])
        coerce(name, pair[1])
    return {"method": method, "n": n, "names": list(bounds),
            "bounds": {k: list(v) for k, v in bounds.items()}}


def _sample_size(sample: dict) -> int:
    """Design points of a sampled design (Saltelli: n x (inputs + 2))."""
    return sample["n"] * (len(sample["names"]) + 2 if sample["method"] == "saltelli" else 1)


def _sample_points(sample: dict, root_seed: int) -> list[dict]:
    """A sampled design over bounds: Latin hypercube, Sobol, or Saltelli (for Sobol indices)."""
    names, bounds = sample["names"], sample["bounds"]
    lo = np.array([bounds[k][0] for k in names], dtype=float)
    hi = np.array([bounds[k][1] for k in names], dtype=float)
    if sample["method"] == "saltelli":
        from SALib.sample import sobol as saltelli

        problem = {"num_vars": len(names), "names": names, "bounds": [bounds[k] for k in names]}
        values = saltelli.sample(problem, sample["n"], calc_second_order=False, seed=root_seed)
    else:
        from scipy.stats import qmc

        engine = qmc.Sobol if sample["method"] == "sobol" else qmc.LatinHypercube
        values = qmc.scale(engine(len(names), seed=root_seed).random(sample["n"]), lo, hi)
    return [{k: _cast(k, v) for k, v in zip(names, row)} for row in values]


def _cast(name: str, value: float):
    return int(round(value)) if TYPES[name] is int else float(value)


def spawn_seeds(root_seed: int, replicates: int, point: int | None = None) -> list[int]:
    """Replicate seeds spawned from the root seed (one set per design point if ``point``)."""
    root = np.random.SeedSequence(root_seed if point is None else [root_seed, point])
    return [int(child.generate_state(1, np.uint32)[0]) for child in root.spawn(replicates)]


def run_identity(fingerprint: str, versions: dict, params: dict, seed: int,
                 months: int | None) -> str:
    """The hash of everything a run's numbers depend on."""
    text = json.dumps([fingerprint, sorted(versions.items()), sorted(params.items()), seed,
                       months], default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]
