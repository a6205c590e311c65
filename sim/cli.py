"""The quotasim command line: a thin layer over the library (see the README's Python
API for the same things in a notebook).

Bad input prints one line on stderr and exits with status 2, having written nothing
(a sweep keeps its finished runs). Numbers on the command line are plain decimals.
"""

import argparse
import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

import sim
from sim.executors import EXECUTORS
from sim.scenario import (
    DEFAULT_PRESET, DEFAULT_SEED, RunsFailed, ScenarioError, check_months, load_preset,
    parse_assignments, preset_names,
)


class Interrupted(BaseException):
    """Ctrl-C or SIGTERM: stop, keep what is finished, say so in one line."""


class Parser(argparse.ArgumentParser):
    """argparse, with its errors in one line."""

    def error(self, message):
        command = self.prog.partition(" ")[2]  # "quotasim run" -> "run"
        raise ScenarioError(f"{command}: {message}" if command else message)


def whole(text: str) -> int:
    """A whole number typed on the command line: plain decimal digits."""
    if not re.fullmatch(r"[+-]?\d+", text.strip()):
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}")
    return int(text)


def number(text: str) -> float:
    """A number typed on the command line: a plain decimal."""
    from sim.scenario import parse_number

    try:
        return parse_number(text, "value")
    except ScenarioError as e:
        raise argparse.ArgumentTypeError(str(e)) from None


def scenario_params(args) -> dict:
    """Parameters from ``--scenario`` and ``--set``, checked."""
    params, _ = load_preset(args.scenario)
    params.update(parse_assignments(args.set))
    return params


def cmd_run(args) -> int:
    from sim.model import simulate

    params = scenario_params(args)
    if args.months is not None:
        check_months(args.months)
    result = simulate(params, seed=args.seed, months=args.months).outcomes
    if args.json:
        print(json.dumps(without_nan(result), indent=2))
    else:
        print(format_outcomes(result, f"{args.scenario}, seed {args.seed}"))
    return 0


def without_nan(value):
    """Outcomes over nobody (NaN) as JSON's null."""
    if isinstance(value, dict):
        return {k: without_nan(v) for k, v in value.items()}
    return None if isinstance(value, float) and value != value else value


def format_outcomes(result: dict, title: str) -> str:
    """Outcomes as a table: one column for all workers, one per sector."""
    from sim.metrics import OUTCOMES

    columns = {"all": result, **result["by_sector"]}
    width = max(len(k) for k in OUTCOMES) + 2
    head = " " * width + "".join(f"{name:>22}" for name in columns)
    lines = [title, head]
    for key in [*OUTCOMES, "n_workers"]:
        cells = "".join(f"{_fmt(col[key]):>22}" for col in columns.values())
        lines.append(f"{key:<{width}}{cells}")
    return "\n".join(lines)


def _fmt(x) -> str:
    if isinstance(x, int):
        return f"{x:,}"
    if x != x:
        return "-"  # over nobody
    return f"{x:,.0f}" if abs(x) >= 100 else f"{x:.3f}"


def cmd_scenarios(args) -> int:
    names = preset_names()
    width = max(map(len, names)) + 2
    for name in names:
        _, description = load_preset(name)
        print(f"{name:<{width}}{description}")
    return 0


def cmd_params(args) -> int:
    from sim.scenario import param_table

    print(param_table())
    return 0


def cmd_viz(args) -> int:
    """Serve the browser view (sim/app.py) until interrupted."""
    import os
    import socket

    if not 0 < args.port < 65536:
        raise ScenarioError(f"--port must be between 1 and 65535, not {args.port}")
    # a busy port or an unknown host in one line, rather than the server's log
    with socket.socket(socket.AF_INET6 if ":" in args.host else socket.AF_INET) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as the server does
        try:
            s.bind((args.host, args.port))
        except OSError as e:
            raise ScenarioError(f"cannot serve on {args.host} port {args.port}: "
                                f"{e.strerror or e}") from None
    # solara reads these when first imported: serve the front end from solara-assets
    # rather than a CDN, and send nothing home, so that the page works offline
    os.environ.setdefault("SOLARA_ASSETS_PROXY", "true")
    os.environ.setdefault("SOLARA_TELEMETRY_MIXPANEL_ENABLE", "false")
    try:
        from solara.__main__ import run
    except ImportError:
        raise ScenarioError("the browser view needs the viz extra: "
                            "pip install 'quotasim[viz]'") from None

    host = f"[{args.host}]" if ":" in args.host else args.host
    print(f"quotasim: the browser view is at http://{host}:{args.port}/ (Ctrl-C stops it)",
          flush=True)
    run.main(["sim.app", "--host", args.host, "--port", str(args.port), "--production",
              "--no-open", "--no-check-version"], prog_name="quotasim viz",
             standalone_mode=False)
    return 0


def cmd_sweep(args) -> int:
    from sim.executors import make_executor
    from sim.experiment import load_experiment
    from sim.paths import Layout
    from sim.runner import run_experiment

    exp = load_experiment(args.spec)
    if args.out is not None and not args.out.strip():
        raise ScenarioError("--out names no folder")
    executor = make_executor(args.executor, args.jobs, args.scheduler)
    out = Path(args.out) if args.out else Layout().data(exp.name)
    result = run_experiment(exp, executor=executor, out=out, fresh=args.fresh,
                            progress=Progress(), log=lambda m: print(m, file=sys.stderr))
    if result.failed:
        first = result.failures["error"].iloc[0]
        print(f"quotasim: {result.failed} of {len(exp.runs)} runs failed (first: {first}); "
              f"{len(exp.runs) - result.failed} finished runs are kept in {out}/chunks/, the "
              f"failures are listed in {out / 'failed_runs.csv'}; no tables written",
              file=sys.stderr)
        return 1
    print(f"{result.computed} runs computed, {result.reused} reused; tables in {out}/",
          file=sys.stderr)
    if result.summary is not None:
        print(format_summary(result.summary, exp.varied))
    return 0


def cmd_discover(args) -> int:
    """Scenario discovery (PRIM) over a sampled experiment's runs, stored or run now."""
    from dataclasses import replace

    from sim import discovery, plotting
    from sim.executors import make_executor
    from sim.experiment import load_experiment
    from sim.paths import Layout
    from sim.results import load_results
    from sim.runner import is_current, run_experiment

    discovery.prim_module()  # installed, or one line before anything runs
    q = discovery.question({"outcome": args.outcome, "above": args.above,
                            "below": args.below})
    exp = load_experiment(args.spec)
    if exp.sample is None:
        raise ScenarioError(f"{args.spec}: discover needs a sampled design ([sample]), "
                            f"not a grid")
    discovery.check_sector(q, [run.params for run in exp.runs])
    out = Path(args.out) if args.out else Layout().discovery(exp.name)
    data = Path(args.data) if args.data else Layout().data(exp.name)
    spec = exp
    own = exp.discover in (None, q.as_dict())  # the spec asks this question, or none
    if not own:  # its own question is not asked here: the runs only, no boxes
        exp = replace(exp, discover=None,
                      tables=tuple(t for t in exp.tables if t not in ("boxes", "peeling")))
    log = lambda m: print(m, file=sys.stderr)  # noqa: E731
    if not own and not args.data and is_current(spec, data, analyses=False):
        result = load_results(data)  # the sweep's folder, read, never rewritten
        log(f"{exp.name}: all {len(exp.runs)} runs read from {data}/")
    else:
        if not own and not args.data:  # the sweep's folder keeps the spec's own tables
            data = out / "runs"
        result = run_experiment(exp, executor=make_executor(args.executor, args.jobs,
                                                            args.scheduler),
                                out=data, progress=Progress(), log=log)
    if result.failed:
        raise RunsFailed(f"{result.failed} of {len(exp.runs)} runs failed; see "
                         f"{data / 'failed_runs.csv'}")
    boxes, peeling = discovery.discover(result.runs, exp.sample["names"], q)
    for number, (line, again) in enumerate(zip(discovery.sentences(boxes, q),
                                               discovery.stability(boxes)), 1):
        print(f"box {number}: {line}.\n  found again: {again}")
    print(discovery.CAVEAT)
    out.mkdir(parents=True, exist_ok=True)
    boxes.to_csv(out / "boxes.csv", index=False, float_format="%.10g")
    peeling.to_csv(out / "peeling.csv", index=False, float_format="%.10g")
    with plotting.style():
        figures = plotting.save(discovery.figure(result.runs, boxes, peeling, q,
                                                 exp.sample["bounds"]), out / "discovery")
    log(f"written: {out / 'boxes.csv'}, {out / 'peeling.csv'}, "
        f"{', '.join(map(str, figures))}")
    return 0


def format_summary(summary, varied: list[str]) -> str:
    """The summary's headline outcomes for all workers, one row per design point."""
    headline = ["share_sent_home", "share_missed_goal", "revenue_per_worker_year_usd",
                "mean_hours_per_day"]
    rows = summary[(summary["sector"] == "all") & summary["outcome"].isin(headline)]
    cell = rows.apply(lambda r: f"{r['mean']:.3g} [{r['ci_low']:.3g}, {r['ci_high']:.3g}]",
                      axis=1)
    table = rows.assign(cell=cell).pivot_table(index=["point", *varied], columns="outcome",
                                               values="cell", aggfunc="first")
    return table[[h for h in headline if h in table]].reset_index("point", drop=True) \
        .to_string()


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


def cmd_reproduce(args) -> int:
    from sim.executors import check_jobs
    from sim.paths import Layout
    from sim.reproduce import check, reproduce

    check_jobs(args.jobs)
    layout = Layout(Path(args.experiments), Path(args.results))
    only = set(args.only) if args.only else None
    log = lambda message: print(message, file=sys.stderr)  # noqa: E731
    if args.check:
        difference = check(layout, only=only, executor=args.executor, jobs=args.jobs, log=log)
        if difference:
            print(f"quotasim: not reproduced: {difference}", file=sys.stderr)
            return 1
        print("every table reproduces value for value", file=sys.stderr)
        return 0
    for path in reproduce(layout, only=only, executor=args.executor, jobs=args.jobs, log=log):
        print(path)
    return 0


def cmd_init(args) -> int:
    from sim.project import init

    folder = init(Path(args.folder))
    print(f"a quotasim project in {folder}/: experiments/ holds the shipped experiments and "
          f"figure scripts; run 'cd {args.folder} && quotasim reproduce' to regenerate them",
          file=sys.stderr)
    return 0


def cmd_validate(args) -> int:
    from sim.executors import check_jobs
    from sim.paths import Layout
    from sim.patterns import load_patterns
    from sim.scenario import DEFAULT_STRUCTURE, STRUCTURES, structure
    from sim.validation import ROOT_SEED, as_json, format_matrix, format_table, validate, write

    check_jobs(args.jobs)
    if not 1 <= args.seeds <= 1000:
        raise ScenarioError(f"--seeds must be a whole number from 1 to 1000, not {args.seeds}")
    names = args.structure or list(STRUCTURES)
    structures = {name: structure(name) for name in names}
    patterns = load_patterns(args.patterns)
    posterior = None
    if args.posterior:
        from sim.calibrate import read_posterior

        posterior = read_posterior(args.posterior)
    table = validate(patterns, structures, seeds=args.seeds, executor=args.executor,
                     jobs=args.jobs, scheduler=args.scheduler, posterior=posterior)
    out = Path(args.out) if args.out else \
        Layout().posterior_check if args.posterior else Layout().validation
    paths = write(table, out, patterns_file=Path(args.patterns), root_seed=ROOT_SEED,
                  posterior_file=Path(args.posterior) if args.posterior else None)
    if args.json:
        print(json.dumps(without_nan(as_json(table)), indent=2))
    else:
        shown = args.structure[0] if args.structure else DEFAULT_STRUCTURE
        print(f"{shown}, mean over {args.seeds} seeds:\n{format_table(table, shown)}\n")
        print(format_matrix(table))
    print(f"written: {', '.join(str(p) for p in paths)}", file=sys.stderr)
    return 0


def cmd_calibrate(args) -> int:
    from sim.calibrate import FULL, QUICK, calibrate, load_priors
    from sim.executors import check_jobs
    from sim.paths import Layout
    from sim.patterns import load_patterns
    from sim.scenario import STRUCTURES, structure

    check_jobs(args.jobs)
    if args.scheduler and args.executor != "dask":
        raise ScenarioError("--scheduler needs --executor dask")
    structures = {name: structure(name) for name in (args.structure or STRUCTURES)}
    patterns, priors = load_patterns(args.patterns), load_priors(args.priors)
    out = Path(args.out) if args.out else Layout().calibration
    record = calibrate(patterns, priors, out, structures=structures,
                       budget=QUICK if args.quick else FULL, executor=args.executor,
                       jobs=args.jobs, scheduler=args.scheduler, seed=args.seed,
                       fresh=args.fresh, files={"patterns": Path(args.patterns),
                                                "priors": Path(args.priors)},
                       log=lambda message: print(message, file=sys.stderr))
    print(f"{record['simulations']:,} simulations in {record['populations']} populations; "
          f"acceptance rate {record['acceptance_rates'][-1]:.0%} in the last, final "
          f"threshold {record['final_epsilon']:.3g} (0: every pattern met)")
    print("structure probabilities: " + ", ".join(
        f"{name} {p:.2f}" for name, p in record["structure_probabilities"].items()))
    print(f"posterior of {record['structure']}, 5% / median / 95%:")
    for name, q in record["posterior_90"].items():
        print(f"  {name:<28}{q['q05']:>12.4g}{q['q50']:>12.4g}{q['q95']:>12.4g}")
    print(f"written: {out}/ (posterior.csv, posterior.json, structures.csv, marginals.png)",
          file=sys.stderr)
    return 0


def cmd_bench(args) -> int:
    from sim.bench import compare_with, format_report, run_benchmarks

    if args.against:
        log = lambda message: print(message, file=sys.stderr)  # noqa: E731
        try:
            result = compare_with(args.against, log=log)
        except subprocess.CalledProcessError as e:
            said = (e.stderr or "").strip().splitlines()
            raise ScenarioError(f"cannot compare with {args.against!r}: "
                                f"{said[-1] if said else e}") from None
        print(json.dumps(result, indent=2) if args.json else "\n".join(
            f"{name}: {speed / 1e6:.2f} M worker-months/s"
            + (f" ({result['ratio_to_ref'][name]:.2f} x {args.against})"
               if name in result["ratio_to_ref"] else "")
            for name, speed in result["median_wm_per_s"].items()))
        return 0

    report = run_benchmarks(quick=args.quick, sweep=not args.no_sweep,
                            log=lambda message: print(message, file=sys.stderr))
    print(json.dumps(report, indent=2) if args.json else format_report(report))
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(
        prog="quotasim",
        description="Agent-based model of North Korean workers abroad under state quotas.",
    )
    parser.add_argument("--version", action="version", version=f"quotasim {sim.__version__}")
    sub = parser.add_subparsers(dest="command", required=True)

    run = sub.add_parser("run", help="run one simulation and print its outcomes")
    run.add_argument("--scenario", default=DEFAULT_PRESET,
                     help=f"preset name or scenario .toml file (default: {DEFAULT_PRESET})")
    run.add_argument("--set", action="append", default=[], metavar="NAME=VALUE",
                     help="override a parameter (repeatable); see 'quotasim params'")
    run.add_argument("--seed", type=whole, default=DEFAULT_SEED,
                     help=f"root seed (default: {DEFAULT_SEED})")
    run.add_argument("--months", type=whole, help="months to run (default: every contract)")
    run.add_argument("--json", action="store_true", help="print one JSON object")
    run.set_defaults(func=cmd_run)

    scen = sub.add_parser("scenarios", help="list the presets")
    scen.set_defaults(func=cmd_scenarios)

    sweep = sub.add_parser("sweep", help="run an experiment (TOML): design x replicates")
    sweep.add_argument("spec", help="experiment file, e.g. experiments/hike_sweep.toml")
    sweep.add_argument("--executor", choices=list(EXECUTORS),
                       default="processes", help="where runs execute (default: processes)")
    sweep.add_argument("--jobs", type=whole, help="parallel workers (default: all cores)")
    sweep.add_argument("--scheduler", metavar="ADDRESS",
                       help="an existing Dask scheduler, e.g. tcp://host:8786")
    sweep.add_argument("--out", help="output folder (default: results/data/<name>/)")
    sweep.add_argument("--fresh", action="store_true",
                       help="delete the folder's stored runs and start over")
    sweep.set_defaults(func=cmd_sweep)

    disc = sub.add_parser("discover", help="scenario discovery (PRIM): the inputs under "
                                           "which an outcome lies above or below a value")
    disc.add_argument("spec", help="a sampled experiment, e.g. experiments/discovery.toml")
    disc.add_argument("--outcome", required=True,
                      help="an outcome (see quotasim run), or SECTOR.OUTCOME")
    disc.add_argument("--above", type=number, help="the runs of interest: outcome above this")
    disc.add_argument("--below", type=number, help="the runs of interest: outcome below this")
    disc.add_argument("--out", help="folder for the boxes and the figure "
                                    "(default: results/discovery/<name>/)")
    disc.add_argument("--data", help="folder of the runs, stored ones reused (default: "
                                     "the sweep's, results/data/<name>/; for another "
                                     "question than the spec's [discover], that folder "
                                     "is only read, and missing runs go to OUT/runs/)")
    disc.add_argument("--executor", choices=list(EXECUTORS), default="processes",
                      help="where missing runs execute (default: processes)")
    disc.add_argument("--jobs", type=whole, help="parallel workers (default: all cores)")
    disc.add_argument("--scheduler", metavar="ADDRESS", help="an existing Dask scheduler")
    disc.set_defaults(func=cmd_discover)

    repro = sub.add_parser("reproduce", help="regenerate stale experiment data and every figure")
    repro.add_argument("--check", action="store_true",
                       help="re-run the experiments into a temporary folder and compare "
                            "the tables with the stored ones")
    repro.add_argument("--only", action="append", metavar="NAME",
                       help="only this experiment and its figures (repeatable)")
    repro.add_argument("--executor", choices=list(EXECUTORS),
                       default="processes")
    repro.add_argument("--jobs", type=whole, help="parallel workers (default: all cores)")
    repro.add_argument("--experiments", default="experiments",
                       help="folder of experiments and figures/ (default: experiments)")
    repro.add_argument("--results", default="results",
                       help="folder for data, figures and tables (default: results)")
    repro.set_defaults(func=cmd_reproduce)

    params = sub.add_parser("params", help="every parameter: default, unit, range, source")
    params.set_defaults(func=cmd_params)

    viz = sub.add_parser("viz", help="serve the browser view: two policies side by side")
    viz.add_argument("--port", type=whole, default=8765, help="port (default: 8765)")
    viz.add_argument("--host", default="127.0.0.1",
                     help="address to listen on (default: 127.0.0.1, this machine only)")
    viz.set_defaults(func=cmd_viz)

    bench = sub.add_parser("bench", help="speed of the engine against per-agent Mesa, "
                                         "peak memory, sweep wall time")
    bench.add_argument("--quick", action="store_true",
                       help="under a minute: fewer repeats and sizes, no sweep")
    bench.add_argument("--no-sweep", action="store_true",
                       help="skip timing the hike sweep (the longest part)")
    bench.add_argument("--json", action="store_true", help="print one JSON object")
    bench.add_argument("--against", metavar="COMMIT",
                       help="only compare this checkout's speed with another commit's "
                            "(a git worktree; runs interleaved; 10,000 workers)")
    bench.set_defaults(func=cmd_bench)

    from sim.calibrate import PRIORS_FILE, ROOT_SEED as CALIBRATION_SEED
    from sim.patterns import PATTERNS_FILE
    from sim.scenario import STRUCTURES
    from sim.validation import DEFAULT_SEEDS

    val = sub.add_parser("validate", help="hold each rival structure against the reported "
                                          "patterns: a table and a figure")
    val.add_argument("--structure", action="append", choices=list(STRUCTURES),
                     help="only this structure (repeatable; default: all)")
    val.add_argument("--seeds", type=whole, default=DEFAULT_SEEDS,
                     help=f"runs of each scenario (default: {DEFAULT_SEEDS})")
    val.add_argument("--patterns", default=str(PATTERNS_FILE),
                     help="patterns file (default: the package's sim/data/patterns.toml)")
    val.add_argument("--posterior", metavar="FILE",
                     help="draw each seed's unsourced parameters from this posterior "
                          "(e.g. results/calibration/posterior.csv): a posterior check")
    val.add_argument("--out", help="folder for the table and figure (default: "
                                   "results/validation/, or results/validation-posterior/ "
                                   "with --posterior)")
    val.add_argument("--executor", choices=list(EXECUTORS), default="processes")
    val.add_argument("--jobs", type=whole, help="parallel workers (default: all cores)")
    val.add_argument("--scheduler", metavar="ADDRESS", help="an existing Dask scheduler")
    val.add_argument("--json", action="store_true", help="print one JSON object")
    val.set_defaults(func=cmd_validate)

    cal = sub.add_parser("calibrate", help="ABC-SMC (pyabc) of the unsourced parameters "
                                           "against the patterns, and each structure's "
                                           "probability")
    cal.add_argument("--quick", action="store_true",
                     help="a small budget (about a minute or two on 2 cores)")
    cal.add_argument("--structure", action="append", choices=list(STRUCTURES),
                     help="only this structure (repeatable; default: all, as rivals)")
    cal.add_argument("--patterns", default=str(PATTERNS_FILE), help="patterns file")
    cal.add_argument("--priors", default=str(PRIORS_FILE),
                     help="priors file (default: the package's sim/data/priors.toml)")
    cal.add_argument("--out", help="folder (default: results/calibration/); an "
                                   "interrupted calibration there continues")
    cal.add_argument("--fresh", action="store_true", help="start over in --out")
    cal.add_argument("--seed", type=whole, default=CALIBRATION_SEED,
                     help=f"root seed (default: {CALIBRATION_SEED}; reproducible with "
                          f"--executor serial)")
    cal.add_argument("--executor", choices=list(EXECUTORS), default="processes",
                     help="pyabc's sampler: one process, a pool, or Dask")
    cal.add_argument("--jobs", type=whole, help="parallel workers (default: all cores)")
    cal.add_argument("--scheduler", metavar="ADDRESS",
                     help="a Dask scheduler to sample on (with --executor dask)")
    cal.set_defaults(func=cmd_calibrate)

    init = sub.add_parser("init", help="make a project folder with the shipped experiments "
                                       "and figure scripts, to reproduce every result")
    init.add_argument("folder", help="a new or empty folder")
    init.set_defaults(func=cmd_init)
    return parser




def main(argv: list[str] | None = None) -> int:
    """Run a command; bad input is one line on stderr and exit 2."""
    main_thread = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGTERM, _stop) if main_thread else None
    try:
        args = build_parser().parse_args(argv)
        return args.func(args)
    except ScenarioError as e:
        print(f"quotasim: error: {e}", file=sys.stderr)
        return 2
    except RunsFailed as e:
        print(f"quotasim: {e}", file=sys.stderr)
        return 1
    except BrokenProcessPool:
        print("quotasim: a worker process died (out of memory?); the finished runs are kept: "
              "the same command resumes", file=sys.stderr)
        return 1
    except BrokenPipeError:
        # the reader went away (e.g. `quotasim run | head -3`): say so once, quietly exit
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        print("quotasim: error: the output was closed before it was all written",
              file=sys.stderr)
        return 2
    except OSError as e:
        where = f" {e.filename}" if e.filename else ""
        print(f"quotasim: error: cannot use{where}: {e.strerror or e}", file=sys.stderr)
        return 2
    except (KeyboardInterrupt, Interrupted) as e:
        print("quotasim: interrupted (a sweep keeps its finished runs, a calibration its "
              "finished populations: the same command resumes it)", file=sys.stderr)
        return 143 if isinstance(e, Interrupted) else 130
    finally:
        if main_thread:
            signal.signal(signal.SIGTERM, previous)


def _stop(signum, frame):
    raise Interrupted


if __name__ == "__main__":
    sys.exit(main())
