"""Regenerate every experiment's data and every figure, or check that they reproduce.

Experiments are ``experiments/*.toml``; their data go to ``results/data/<name>/`` (see
``sim.results``); data whose runs are current are neither recomputed nor rewritten.
Figure scripts are ``experiments/figures/*.py``: each names the ``EXPERIMENT`` whose data
it reads and exposes ``plot(data) -> Figure``; it never runs the model. Figures go to
``results/figures/<script>.pdf`` and ``.png``.
"""

import importlib.util
import sys
from pathlib import Path

import pandas as pd

from sim import plotting
from sim.experiment import Experiment, load_experiment
from sim.paths import Layout
from sim.results import TABLES, load_results
from sim.runner import is_current, run_experiment
from sim.scenario import RunsFailed, ScenarioError, param_table


def experiments(layout: Layout, only: set[str] | None = None) -> list[Experiment]:
    """Every experiment (or those named in ``only``), checked before anything runs."""
    paths = sorted(layout.experiments.glob("*.toml"))
    found = [load_experiment(p) for p in paths]
    names = [e.name for e in found]
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:
        raise ScenarioError(f"two experiments in {layout.experiments}/ are named "
                            f"{', '.join(twice)}: their results would share a folder")
    if not found:
        raise ScenarioError(f"no experiments (*.toml) in {layout.experiments.resolve()}/: "
                            "run quotasim reproduce from a project folder (quotasim init "
                            "makes one)")
    if only:
        unknown = only - {e.name for e in found}
        if unknown:
            raise ScenarioError(f"no experiment named {', '.join(sorted(unknown))} in "
                                f"{layout.experiments}/ (have: {', '.join(e.name for e in found)})")
        found = [e for e in found if e.name in only]
    return found


def figure_scripts(layout: Layout) -> list[Path]:
    return sorted(p for p in layout.figure_scripts.glob("*.py") if not p.name.startswith("_"))


def load_script(path: Path):
    """Import a figure script by path (its folder on sys.path, for shared plots)."""
    folder = str(path.parent.resolve())
    if folder not in sys.path:
        sys.path.insert(0, folder)
    spec = importlib.util.spec_from_file_location(f"figure_{path.stem}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def reproduce(layout: Layout = Layout(), *, only: set[str] | None = None,
              executor: str = "processes", jobs: int | None = None,
              log=print) -> list[Path]:
    """Run the experiments whose data are missing or stale, then draw every figure."""
    written = []
    for exp in experiments(layout, only):
        folder = layout.data(exp.name)
        if is_current(exp, folder):
            log(f"{exp.name}: data are current")
            continue
        result = run_experiment(exp, executor=executor, jobs=jobs, out=folder, log=log)
        if result.failed:
            raise RunsFailed(f"{exp.name}: {result.failed} of {len(exp.runs)} runs failed; "
                             f"see {folder / 'failed_runs.csv'}")
    names = only or {e.name for e in experiments(layout)}
    for script in figure_scripts(layout):
        module = load_script(script)
        if module.EXPERIMENT not in names:
            continue
        with plotting.style():
            fig = module.plot(load_results(layout.data(module.EXPERIMENT)))
            written += plotting.save(fig, layout.figures / script.stem)
        log(f"{script.stem}: drawn from {module.EXPERIMENT}")
    table = layout.tables / "parameters.md"
    text = ("# Parameters\n\nGenerated from `sim/scenario.py` by `quotasim reproduce`.\n\n"
            + param_table() + "\n")
    if not table.exists() or table.read_text() != text:
        table.parent.mkdir(parents=True, exist_ok=True)
        table.write_text(text)
    return [*written, table]


def check(layout: Layout = Layout(), *, only: set[str] | None = None,
          executor: str = "processes", jobs: int | None = None, log=print) -> str | None:
    """Re-run every experiment in memory and compare its tables with the stored ones,
    value for value. Returns the first difference, or None."""
    for exp in experiments(layout, only):
        folder = layout.data(exp.name)
        if not (folder / "provenance.json").exists():
            return f"{folder} holds no results"
        log(f"{exp.name}: re-running {len(exp.runs)} runs")
        fresh = run_experiment(exp, executor=executor, jobs=jobs)
        if fresh.failed:
            return f"{exp.name}: {fresh.failed} runs failed when re-run"
        stored = load_results(folder)
        for name in TABLES:
            difference = first_difference(f"{folder / name}.parquet", getattr(stored, name),
                                          getattr(fresh, name))
            if difference:
                return difference
    return None


def first_difference(where: str, stored: pd.DataFrame | None,
                     fresh: pd.DataFrame | None) -> str | None:
    """Where a stored table first differs from a freshly computed one."""
    if stored is None or fresh is None:
        return None if stored is fresh else f"{where} is {'missing' if stored is None else 'extra'}"
    if list(stored.columns) != list(fresh.columns):
        return f"{where}: columns differ from a fresh run"
    if len(stored) != len(fresh):
        return f"{where} has {len(stored)} rows; a fresh run gives {len(fresh)}"
    for column in stored.columns:
        a, b = stored[column], fresh[column]
        same = (a == b) | (a.isna() & b.isna())
        if not same.all():
            row = int((~same).to_numpy().argmax())
            return (f"{where} row {row}, column {column} differs from a fresh run: "
                    f"stored {a.iloc[row]!r}, fresh {b.iloc[row]!r}")
    return None
