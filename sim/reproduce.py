"""Regenerate every experiment's data and every figure, or check that they reproduce.

Experiments are ``experiments/*.toml``; their data go to ``results/data/<name>/``.
Figure scripts are ``experiments/figures/*.py``: each names the ``EXPERIMENT`` whose data
it reads and exposes ``plot(data) -> Figure``; it never runs the model. Figures go to
``results/figures/<script>.pdf`` and ``.png``.
"""

import importlib.util
import json
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from sim import plotting
from sim.scenario import RunsFailed, ScenarioError, param_table
from sim.sweep import Experiment, code_version, load_experiment, run_sweep


@dataclass(frozen=True)
class Layout:
    """Where experiments, figure scripts and results live."""

    experiments: Path = Path("experiments")
    results: Path = Path("results")

    @property
    def figures(self) -> Path:
        return self.experiments / "figures"

    def data(self, name: str) -> Path:
        return self.results / "data" / name


def experiments(layout: Layout, only: set[str] | None = None) -> list[Experiment]:
    """Every experiment (or those named in ``only``), checked before anything runs."""
    found = [load_experiment(p) for p in sorted(layout.experiments.glob("*.toml"))]
    if not found:
        raise ScenarioError(f"no experiments (*.toml) in {layout.experiments.resolve()}/: "
                            "run quotasim reproduce from the project's folder")
    if only:
        unknown = only - {e.name for e in found}
        if unknown:
            raise ScenarioError(f"no experiment named {', '.join(sorted(unknown))} in "
                                f"{layout.experiments}/ (have: {', '.join(e.name for e in found)})")
        found = [e for e in found if e.name in only]
    return found


def is_current(exp: Experiment, folder: Path) -> bool:
    """Whether stored data were made from this spec text by this model code."""
    try:
        provenance = json.loads((folder / "provenance.json").read_text())
    except (OSError, ValueError):
        return False
    return (provenance.get("spec") == exp.text
            and provenance.get("code_version") == code_version()
            and provenance.get("runs", {}).get("failed") == 0
            and all((folder / f"{t}.csv").exists() for t in exp.tables))


def figure_scripts(layout: Layout) -> list[Path]:
    return sorted(p for p in layout.figures.glob("*.py") if not p.name.startswith("_"))


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
        log(f"{exp.name}: running {len(exp.runs)} runs")
        result = run_sweep(exp, executor=executor, jobs=jobs, out=folder)
        if result.failed:
            raise RunsFailed(f"{exp.name}: {result.failed} of {result.total} runs failed; "
                             f"see the 'error' column of {folder / 'runs.csv'}")
    names = only or {e.name for e in experiments(layout)}
    for script in figure_scripts(layout):
        module = load_script(script)
        if module.EXPERIMENT not in names:
            continue
        with plotting.style():
            fig = module.plot(plotting.load_data(layout.data(module.EXPERIMENT)))
            written += plotting.save(fig, layout.results / "figures" / script.stem)
        log(f"{script.stem}: drawn from {module.EXPERIMENT}")
    table = layout.results / "tables" / "parameters.md"
    table.parent.mkdir(parents=True, exist_ok=True)
    table.write_text("# Parameters\n\nGenerated from `sim/scenario.py` by `quotasim reproduce`."
                     "\n\n" + param_table() + "\n")
    return [*written, table]


def check(layout: Layout = Layout(), *, only: set[str] | None = None,
          executor: str = "processes", jobs: int | None = None, log=print) -> str | None:
    """Re-run every experiment into a temporary folder and compare its tables with the
    stored ones byte for byte. Returns the first difference, or None."""
    for exp in experiments(layout, only):
        with tempfile.TemporaryDirectory() as tmp:
            log(f"{exp.name}: re-running {len(exp.runs)} runs")
            fresh = run_sweep(exp, executor=executor, jobs=jobs, out=Path(tmp)).out
            for table in exp.tables:
                stored = layout.data(exp.name) / f"{table}.csv"
                difference = first_difference(stored, fresh / f"{table}.csv")
                if difference:
                    return difference
    return None


def first_difference(stored: Path, fresh: Path) -> str | None:
    """Where a stored table first differs from a freshly computed one."""
    if not stored.exists():
        return f"{stored} is missing"
    old, new = stored.read_text().splitlines(), fresh.read_text().splitlines()
    for number, (a, b) in enumerate(zip(old, new), start=1):
        if a != b:
            return f"{stored} line {number} differs from a fresh run:\n  stored: {a}\n  fresh:  {b}"
    if len(old) != len(new):
        return f"{stored} has {len(old)} lines; a fresh run gives {len(new)}"
    return None
