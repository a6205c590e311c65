"""How fast the model runs: the batched engine against the per-agent Mesa reference,
the peak memory of a large run, the wall time of the default hike sweep, and the
browser view's frame time.

Every timing is one user's run: building the model (drawing the cohort, and for the
reference creating a Mesa agent per worker) and running it for ``MONTHS`` months. Speed
is counted in worker-months lived abroad (``Workers.months_abroad``), the months a Worker
agent's ``step`` actually simulates; both engines give the same count for the same seed,
so their ratio is a ratio of times. ``quotasim bench`` is the command line over
``run_benchmarks``.
"""

import contextlib
import functools
import io
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from sim import __version__

PRESET = "russia-2021"
MONTHS = 36
SEED = 0
ENGINE_NS = (1_000, 10_000, 100_000)
REFERENCE_NS = (1_000, 10_000)
MEMORY_N = 1_000_000
SWEEP_SPEC = Path("experiments/hike_sweep.toml")  # relative to the checkout, as in the README
# the targets on a 2-core machine
TARGET_WM_PER_S_10K = 8e6
TARGET_RATIO_10K = 25
TARGET_RSS_MB_1M = 1024
TARGET_SWEEP_S = 30  # for the 630 runs (21 hikes x 30 replicates); scaled by runs
TARGET_SWEEP_RUNS = 630
TARGET_FRAME_MS = 200  # a browser-view frame (a Step of both models, views redrawn), server side


def build_model(n: int, engine: str = "batched", *, worker_agents: bool | None = None,
                seed: int = SEED):
    """The benchmark scenario with n workers. By default the batched engine runs as
    ``quotasim run`` and the sweeps run it, without a Mesa agent per worker; the
    reference needs them."""
    from sim.model import QuotaModel
    from sim.scenario import make_scenario

    if worker_agents is None:
        worker_agents = engine == "agents"
    return QuotaModel(make_scenario(dict(_preset_params(), n_workers=n), seed=seed),
                      months=MONTHS, engine=engine, worker_agents=worker_agents)


@functools.cache
def _preset_params() -> dict:
    """Read once: reading the file is not part of the model's time."""
    from sim.scenario import load_preset

    return load_preset(PRESET)[0]


def throughput(n: int, *, engine: str = "batched", repeats: int = 5, seed: int = SEED) -> float:
    """Worker-months per second at n workers: the median of ``repeats`` timed runs
    (construction included) after one untimed warm-up run."""
    build_model(n, engine, seed=seed).run()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        model = build_model(n, engine, seed=seed).run()
        times.append(time.perf_counter() - start)
    return float(model.workers.months_abroad.sum()) / statistics.median(times)


HISTORY_PRESET = "history-russia-2017-2026"
HISTORY_WORKERS = 100_000  # at the start of the ten years
TARGET_HISTORY_RATIO = 0.5  # of the cohort's worker-months per second (issue 12)


def history_against_cohort(repeats: int = 3) -> dict:
    """Worker-months per second of the ten-year history (arrivals, replacements, events,
    the rouble series, the quota history) at ``HISTORY_WORKERS`` workers abroad at its
    start, against a cohort of as many workers for its 42 months, interleaved: medians
    of ``repeats`` timed runs each, after a warm-up run (construction included)."""
    from sim.model import QuotaModel
    from sim.scenario import load_preset, make_scenario

    params = load_preset(HISTORY_PRESET)[0]
    stock = sum(int(row.workers) for row in _stock_rows(params))
    history = {**params, "dispatch_scale": HISTORY_WORKERS / stock}
    cohort = {**_preset_params(), "n_workers": HISTORY_WORKERS}

    def speed(p):
        start = time.perf_counter()
        model = QuotaModel(make_scenario(p, seed=SEED), worker_agents=False).run()
        return float(model.workers.months_abroad.sum()) / (time.perf_counter() - start)

    speed(history), speed(cohort)
    runs = {"history": [], "cohort": []}
    for _ in range(repeats):
        runs["history"].append(speed(history))
        runs["cohort"].append(speed(cohort))
    medians = {k: statistics.median(v) for k, v in runs.items()}
    return {"workers": HISTORY_WORKERS, "wm_per_s": medians,
            "ratio": medians["history"] / medians["cohort"]}


def _stock_rows(params: dict):
    from sim import history

    table = history.read("dispatch_schedule", params["dispatch_schedule"])
    return table[table["kind"] == "stock"].itertuples()


# One timed run, in a child process whose sys.path starts at CODE (this checkout or a
# worktree of another commit); only the API every version has: presets, make_scenario,
# QuotaModel(scenario, months=..., worker_agents=False).run()
_COMPARE_CHILD = """
import json, statistics, sys, time
sys.path.insert(0, sys.argv[1])
import sim
from sim.model import QuotaModel
from sim.scenario import load_preset, make_scenario
n, months, seed, extra = int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), json.loads(sys.argv[5])
params = {**load_preset(sys.argv[6])[0], "n_workers": n, **extra}
def once():
    model = QuotaModel(make_scenario(params, seed=seed), months=months, worker_agents=False)
    start = time.perf_counter()
    model.run()
    return float(model.workers.months_abroad.sum()) / (time.perf_counter() - start)
once()
print(json.dumps({"file": sim.__file__, "wm_per_s": statistics.median(once() for _ in range(3))}))
"""


def compare_with(ref: str, *, n: int = 10_000, rounds: int = 3,
                 sides: dict[str, dict] | None = None,
                 log: Callable[[str], None] = lambda message: None) -> dict:
    """Worker-months per second of this checkout against commit ``ref`` (a git worktree
    made for the purpose and removed after), each side in fresh processes, interleaved
    A B A B over ``rounds``, the model run alone (construction excluded). ``sides``: the
    extra parameters of each side of this checkout (default: the default structure and
    the founding one); the other commit runs its own defaults."""
    from sim.scenario import V1_STRUCTURE

    sides = sides or {"this": {}, "this, V1_STRUCTURE": V1_STRUCTURE}
    here = Path(__file__).resolve().parent.parent
    with tempfile.TemporaryDirectory() as tmp:
        tree = Path(tmp) / "ref"
        subprocess.run(["git", "-C", str(here), "worktree", "add", "--detach", "--quiet",
                        str(tree), ref], check=True, capture_output=True, text=True)
        try:
            runs = {ref: [], **{name: [] for name in sides}}
            for r in range(rounds):
                for name, code, extra in [(ref, tree, {}),
                                          *((k, here, v) for k, v in sides.items())]:
                    log(f"round {r + 1}: {name}")
                    child = subprocess.run(
                        [sys.executable, "-c", _COMPARE_CHILD, str(code), str(n), str(MONTHS),
                         str(SEED), json.dumps(extra), PRESET],
                        capture_output=True, text=True, check=True, cwd=tmp)
                    runs[name].append(json.loads(child.stdout)["wm_per_s"])
        finally:
            subprocess.run(["git", "-C", str(here), "worktree", "remove", "--force",
                            str(tree)], capture_output=True)
    medians = {name: statistics.median(v) for name, v in runs.items()}
    return {"ref": ref, "workers": n, "months": MONTHS, "scenario": PRESET, "runs": runs,
            "median_wm_per_s": medians,
            "ratio_to_ref": {name: medians[name] / medians[ref] for name in sides}}


def peak_rss(n: int, *, worker_agents: bool) -> dict:
    """Peak resident memory of an n-worker, ``MONTHS``-month batched run in a fresh
    process: ``peak_rss_mb`` (MiB, imports included), ``imports_rss_mb`` (the process
    before the model is built) and ``wall_s``."""
    mode = "agents" if worker_agents else "arrays"
    child = subprocess.run([sys.executable, "-m", "sim.bench", str(n), mode],
                           capture_output=True, text=True, check=True)
    return json.loads(child.stdout)


def _peak_rss_child(n: int, worker_agents: bool) -> None:
    """The body of ``peak_rss``'s child process: run, then print what it measured."""
    import sim.model  # noqa: F401  (counted in imports_rss_mb, not in the run)

    imports = _max_rss_mb()
    start = time.perf_counter()
    build_model(n, worker_agents=worker_agents).run()
    wall = time.perf_counter() - start
    print(json.dumps({"peak_rss_mb": _max_rss_mb(), "imports_rss_mb": imports, "wall_s": wall}))


def _max_rss_mb() -> float:
    """This process's peak resident memory, MiB."""
    # Linux carries ru_maxrss across exec, so a child started by a big parent would
    # report the parent's peak; VmHWM belongs to this process's own address space.
    try:
        with open("/proc/self/status") as f:
            kib = next(int(line.split()[1]) for line in f if line.startswith("VmHWM:"))
    except OSError:
        import resource

        kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        if sys.platform == "darwin":  # which counts bytes
            kib /= 1024
    return kib / 1024


def sweep_runs(spec: Path = SWEEP_SPEC) -> int:
    """How many runs the sweep SPEC holds (design points x replicates)."""
    from sim.experiment import load_experiment

    return len(load_experiment(spec).runs)


def sweep_wall_s(spec: Path = SWEEP_SPEC) -> float:
    """Wall time of ``quotasim sweep SPEC`` end to end (process start to exit, default
    executor and jobs), written to a temporary folder so no stored run is reused."""
    with tempfile.TemporaryDirectory() as out:
        start = time.perf_counter()
        subprocess.run([sys.executable, "-m", "sim.cli", "sweep", str(spec), "--out", out],
                       capture_output=True, text=True, check=True)
        return time.perf_counter() - start


def frame_times_ms(months: int = 42) -> dict | None:
    """The browser view's frame: one Step (both models, policy A and policy B, live a
    month; the answer and every view are redrawn) in the page rendered in this process,
    as a server renders it, timed for ``months`` Steps of the default page. None without
    the viz extra."""
    try:
        import ipyvuetify as v
        import solara
    except ImportError:
        return None
    from sim import app

    # outside a server solara prints the app bar's widgets: keep stdout for the report
    with contextlib.redirect_stdout(io.StringIO()):
        _, rc = solara.render(app.Layout(children=[app.Page()]), handle_error=False)
    try:
        step = rc.find(v.Btn, children=["Step"]).widget
        times = []
        for _ in range(months):
            start = time.perf_counter()
            step.click()
            times.append((time.perf_counter() - start) * 1000)
    finally:
        rc.close()
    times.sort()
    return {"frames": months, "workers_shown": app.SHOWN_WORKERS,
            "median": statistics.median(times), "p90": times[int(0.9 * (months - 1))],
            "max": times[-1]}


def machine() -> dict:
    """The CPU, the cores and the versions the figures depend on."""
    import mesa
    import numpy

    cpu = platform.processor() or platform.machine()
    with contextlib.suppress(OSError):  # no /proc off Linux
        with open("/proc/cpuinfo") as f:
            names = [line.split(":", 1)[1].strip() for line in f if line.startswith("model name")]
        cpu = names[0] if names else cpu
    return {"cpu": cpu, "cores": os.cpu_count(), "python": platform.python_version(),
            "numpy": numpy.__version__, "mesa": mesa.__version__, "os": platform.platform()}


def run_benchmarks(*, quick: bool = False, sweep: bool = True,
                   log: Callable[[str], None] = lambda message: None) -> dict:
    """Every measurement, in one process and on one scenario, as a JSON-ready dict.

    ``quick`` (under a minute): 3 engine repeats instead of 7, the reference at 1,000
    workers only, memory at 100,000 workers, no sweep. ``sweep=False`` skips the sweep."""
    engine_repeats, reference_repeats = (3, 3) if quick else (7, 3)
    reference_ns = REFERENCE_NS[:1] if quick else REFERENCE_NS
    memory_n = 100_000 if quick else MEMORY_N
    notes = []
    if quick:
        notes.append("--quick: fewer repeats, reference at 1,000 workers only, "
                     f"peak memory at {memory_n:,} workers (not 1,000,000), no sweep")

    wm_per_s, ref_wm_per_s = {}, {}
    for n in ENGINE_NS:
        log(f"batched engine, {n:,} workers")
        wm_per_s[str(n)] = throughput(n, repeats=engine_repeats)
    for n in reference_ns:
        log(f"per-agent reference, {n:,} workers")
        ref_wm_per_s[str(n)] = throughput(n, engine="agents", repeats=reference_repeats)
    ratio = {n: wm_per_s[n] / ref_wm_per_s[n] for n in ref_wm_per_s}

    log(f"peak memory, {memory_n:,} workers, in fresh processes")
    memory = {"workers": memory_n,
              "arrays_only": peak_rss(memory_n, worker_agents=False),
              "with_worker_agents": peak_rss(memory_n, worker_agents=True)}

    wall = runs = None
    if sweep and not quick:
        if SWEEP_SPEC.is_file():
            runs = sweep_runs()
            log(f"quotasim sweep {SWEEP_SPEC} ({runs:,} runs)")
            wall = sweep_wall_s()
        else:
            notes.append(f"sweep not timed: no {SWEEP_SPEC} here")
    elif not quick:
        notes.append("sweep not timed (--no-sweep)")

    log(f"a ten-year history against a cohort, {HISTORY_WORKERS:,} workers")
    history = None if quick else history_against_cohort()

    log("browser view: frame times of the page rendered in this process")
    frames = frame_times_ms(12 if quick else 42)
    if frames is None:
        notes.append("frame times not measured: the viz extra is not installed")

    rss_1m = memory["arrays_only"]["peak_rss_mb"] if memory_n == MEMORY_N else None
    return {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "command": "quotasim bench" + " --quick" * quick + " --no-sweep" * (not sweep),
        "quotasim": __version__,
        "scenario": PRESET, "months": MONTHS, "seed": SEED, "quick": quick,
        "machine": machine(),
        "repeats": {"engine": engine_repeats, "reference": reference_repeats},
        "wm_per_s": wm_per_s,
        "ref_wm_per_s": ref_wm_per_s,
        "ratio": ratio,
        "peak_rss_mb_1m": rss_1m,
        "peak_rss": memory,
        "sweep_wall_s": wall,
        "sweep_runs": runs,
        "frame_ms": frames,
        "history": history,
        "targets_met": {
            "engine_8m_wm_per_s_at_10k": wm_per_s["10000"] >= TARGET_WM_PER_S_10K,
            "ratio_25_at_10k": ratio["10000"] >= TARGET_RATIO_10K if "10000" in ratio else None,
            "rss_1gb_at_1m": rss_1m <= TARGET_RSS_MB_1M if rss_1m is not None else None,
            "sweep_30_s_per_630_runs":
                wall / runs * TARGET_SWEEP_RUNS <= TARGET_SWEEP_S if wall is not None else None,
            "frame_200_ms_median": frames["median"] <= TARGET_FRAME_MS if frames else None,
            "history_half_the_cohort": history["ratio"] >= TARGET_HISTORY_RATIO
            if history else None,
        },
        "notes": notes,
    }


def format_report(report: dict) -> str:
    """The report as a table a person reads."""
    m = report["machine"]
    lines = [
        f"quotasim bench: {report['scenario']}, {report['months']} months, {report['date']}",
        f"machine: {m['cpu']}, {m['cores']} cores, Python {m['python']}, "
        f"numpy {m['numpy']}, Mesa {m['mesa']}",
        "worker-months per second (median, model construction included):",
        f"{'workers':>10}{'engine':>14}{'reference':>14}{'ratio':>8}",
    ]
    for n, speed in report["wm_per_s"].items():
        ref = report["ref_wm_per_s"].get(n)
        ref_cell = f"{ref / 1e6:.3f} M" if ref else "-"
        ratio_cell = f"{report['ratio'][n]:.0f}" if ref else "-"
        lines.append(f"{int(n):>10,}{speed / 1e6:>12.2f} M{ref_cell:>14}{ratio_cell:>8}")
    mem = report["peak_rss"]
    lines.append(
        f"peak memory, {mem['workers']:,} workers x {report['months']} months: "
        f"{mem['arrays_only']['peak_rss_mb']:.0f} MiB without Worker agents, "
        f"{mem['with_worker_agents']['peak_rss_mb']:.0f} MiB with one per worker "
        f"(imports alone {mem['arrays_only']['imports_rss_mb']:.0f} MiB)")
    wall = report["sweep_wall_s"]
    lines.append(f"hike sweep, end to end: {wall:.1f} s for {report['sweep_runs']:,} runs"
                 if wall is not None else "hike sweep: not timed")
    frames = report.get("frame_ms")
    lines.append(f"browser view, server side: a frame (Step and redraw, policies A and B, "
                 f"{frames['workers_shown']} workers shown under each) "
                 f"{frames['median']:.0f} ms median, {frames['p90']:.0f} ms 90th "
                 f"percentile, {frames['max']:.0f} ms slowest of {frames['frames']}"
                 if frames else "browser view: not timed")
    history = report.get("history")
    if history:
        lines.append(f"ten-year history ({HISTORY_PRESET}, {history['workers']:,} workers at "
                     f"its start): {history['wm_per_s']['history'] / 1e6:.2f} M worker-months/s, "
                     f"{history['ratio']:.2f} x a cohort's "
                     f"({history['wm_per_s']['cohort'] / 1e6:.2f} M)")
    met = ", ".join(f"{k} {'yes' if v else 'NO'}" for k, v in report["targets_met"].items()
                    if v is not None)
    lines.append(f"targets met: {met}")
    lines += [f"note: {note}" for note in report["notes"]]
    return "\n".join(lines)


if __name__ == "__main__":  # the child process of peak_rss
    _peak_rss_child(int(sys.argv[1]), sys.argv[2] == "agents")
