"""Sweeps: designs, seeds, executors, resume after a kill, failures, bad specs."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from sim.cli import main
from sim.scenario import ScenarioError
from sim.sweep import load_experiment, mean_ci, run_sweep

TINY = """
name = "tiny"
months = 12
replicates = 3
root_seed = 7
[fixed]
n_workers = 150
[vary]
preset = ["russia-2021", "sakhalin-dalian-2025"]
hike = {start = 0.0, stop = 1.0, step = 0.5}
"""
TABLES = ("runs.csv", "summary.csv", "monthly.csv")


def write(tmp_path: Path, text: str, name: str = "spec.toml") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def tables(out: Path) -> dict:
    return {name: (out / name).read_bytes() for name in TABLES}


def test_grid_design_with_common_random_numbers(tmp_path):
    exp = load_experiment(write(tmp_path, TINY))
    assert exp.varied == ["preset", "hike"]
    assert [p["hike"] for p in exp.points] == [0.0, 0.5, 1.0, 0.0, 0.5, 1.0]
    assert len(exp.runs) == 18
    seeds = {}
    for run in exp.runs:
        seeds.setdefault(run.replicate, set()).add(run.seed)
    assert all(len(s) == 1 for s in seeds.values())  # the same seed at every point
    assert len({run.run_id for run in exp.runs}) == 18
    independent = load_experiment(write(tmp_path, TINY.replace(
        "root_seed = 7", "root_seed = 7\ncommon_random_numbers = false")))
    assert len({run.seed for run in independent.runs}) == 18


def test_ranges_include_the_stop_without_float_noise(tmp_path):
    exp = load_experiment(write(tmp_path, TINY.replace(
        "hike = {start = 0.0, stop = 1.0, step = 0.5}", "hike = {start = 0.0, stop = 2.0, step = 0.1}")))
    hikes = sorted({p["hike"] for p in exp.points})
    assert len(hikes) == 21 and hikes[3] == 0.3 and hikes[-1] == 2.0


def test_sampled_design_is_seeded_and_within_bounds(tmp_path):
    text = TINY.replace("hike = {start = 0.0, stop = 1.0, step = 0.5}", "").replace(
        "[vary]", '[sample]\nmethod = "lhs"\nn = 8\n[sample.bounds]\n'
        'hike = [0.0, 2.0]\nwage_logging_rfe = [40000, 70000]\n[vary]')
    a, b = load_experiment(write(tmp_path, text)), load_experiment(write(tmp_path, text))
    assert a.points == b.points
    assert len(a.points) == 2 * 8 and len(a.runs) == 2 * 8 * 3
    hikes = np.array([p["hike"] for p in a.points])
    assert ((0 <= hikes) & (hikes <= 2)).all() and len(set(hikes)) == 8


@pytest.mark.parametrize("edit, message", [
    (("hike = {", "hikee = {"), "unknown parameter 'hikee'; did you mean hike"),
    (("stop = 1.0", "stop = -1.0"), "empty range"),
    (("replicates = 3", "replicates = -2"), "replicates must be a whole number >= 1"),
    (("[vary]", "[vary"), "not valid TOML"),
    (("[vary]", "[sample]\nmethod = \"lhs\"\nn = 4\n[vary]"), "needs [sample.bounds]"),
    (("n_workers = 150", "n_workers = 0"), "out of range"),
    (("n_workers = 150", "share_logging_rfe = 0.9"), "must add up to 1"),
    (("months = 12", "months = 12\nrepeats = 3"), "unknown key(s) repeats"),
    (("months = 12", "months = true"), "months must be a whole number >= 1"),
    (("root_seed = 7", "root_seed = -7"), "root_seed must be a whole number >= 0"),
    (('name = "tiny"', 'name = "../escape"'), "name must be a plain file name"),
    (("[fixed]\nn_workers = 150", "fixed = 3"), "[fixed] must be a table"),
    (("[vary]", "[sample]\nmethod = \"lhs\"\nn = 4\nbounds = 5\n[vary]"),
     "[sample.bounds] must be a table"),
])
def test_malformed_specs_fail_before_any_run(tmp_path, capsys, edit, message):
    spec = write(tmp_path, TINY.replace(*edit))
    with pytest.raises(ScenarioError, match=message.replace("(", r"\(").replace(")", r"\)")
                       .replace("[", r"\[")):
        load_experiment(spec)
    out = tmp_path / "out"
    assert main(["sweep", str(spec), "--executor", "serial", "--out", str(out)]) == 2
    assert len(capsys.readouterr().err.strip().splitlines()) == 1
    assert not out.exists()


def test_summary_intervals_match_a_direct_computation(tmp_path):
    exp = load_experiment(write(tmp_path, TINY))
    result = run_sweep(exp, executor="serial", out=tmp_path / "out")
    runs = pd.read_csv(result.out / "runs.csv")
    summary = pd.read_csv(result.out / "summary.csv")
    for (point, sector, outcome), row in summary.set_index(["point", "sector", "outcome"]).iterrows():
        column = outcome if sector == "all" else f"{sector}.{outcome}"
        values = runs.loc[runs["point"] == point, column].to_numpy()
        low, high = stats.t.interval(0.95, len(values) - 1, loc=values.mean(),
                                     scale=stats.sem(values)) if values.std() > 0 else (
            values.mean(), values.mean())
        assert row["mean"] == pytest.approx(values.mean(), rel=1e-8)
        assert row["ci_low"] == pytest.approx(low, rel=1e-6, abs=1e-9)
        assert row["ci_high"] == pytest.approx(high, rel=1e-6, abs=1e-9)
    assert set(summary["sector"]) == {"all", "construction_rfe", "logging_rfe",
                                      "construction_sakhalin", "seafood_dalian"}


def test_mean_ci_of_one_value_is_the_value():
    assert mean_ci(np.array([2.5])) == (2.5, 2.5, 2.5)


def test_a_second_run_reuses_every_stored_run(tmp_path):
    exp = load_experiment(write(tmp_path, TINY))
    first = run_sweep(exp, executor="serial", out=tmp_path / "out")
    before = tables(first.out)
    again = run_sweep(exp, executor="serial", out=tmp_path / "out")
    assert (first.computed, again.computed, again.reused) == (18, 0, 18)
    assert tables(again.out) == before
    fresh = run_sweep(exp, executor="serial", out=tmp_path / "out", fresh=True)
    assert fresh.computed == 18 and tables(fresh.out) == before


def test_a_failing_run_is_recorded_and_the_others_complete(tmp_path, monkeypatch, capsys):
    import sim.model

    real = sim.model.simulate

    def fragile(params, seed=None, months=None, **kw):
        if params["hike"] == 0.5:
            raise RuntimeError("injected failure")
        return real(params, seed=seed, months=months, **kw)

    monkeypatch.setattr(sim.model, "simulate", fragile)
    spec = write(tmp_path, TINY)
    out = tmp_path / "out"
    assert main(["sweep", str(spec), "--executor", "serial", "--out", str(out)]) == 1
    assert "6 of 18 runs failed" in capsys.readouterr().err
    runs = pd.read_csv(out / "runs.csv", keep_default_na=False)
    failed = runs[runs["error"] != ""]
    assert len(failed) == 6 and (failed["hike"] == 0.5).all()
    assert failed["error"].str.contains("injected failure").all()
    assert (pd.to_numeric(runs.loc[runs["error"] == "", "share_sent_home"]) >= 0).all()
    # once the cause is gone, only the failed runs are computed again
    monkeypatch.setattr(sim.model, "simulate", real)
    again = run_sweep(load_experiment(spec), executor="serial", out=out)
    assert (again.computed, again.failed) == (6, 0)


@pytest.mark.slow
def test_serial_processes_and_dask_give_identical_tables(tmp_path):
    exp = load_experiment(write(tmp_path, TINY))
    outs = {ex: run_sweep(exp, executor=ex, jobs=2, out=tmp_path / ex).out
            for ex in ("serial", "processes", "dask")}
    assert tables(outs["serial"]) == tables(outs["processes"]) == tables(outs["dask"])


@pytest.mark.slow
def test_a_sweep_killed_partway_resumes_to_identical_tables(tmp_path):
    spec = write(tmp_path, TINY.replace("replicates = 3", "replicates = 8")
                 .replace("n_workers = 150", "n_workers = 4000"))
    reference = run_sweep(load_experiment(spec), executor="serial", out=tmp_path / "ref")

    out = tmp_path / "killed"
    cmd = [sys.executable, "-m", "sim.cli", "sweep", str(spec), "--executor", "serial",
           "--out", str(out)]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while not list((out / "chunks").glob("chunk-*.pkl")) and time.monotonic() < deadline:
        time.sleep(0.05)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    stored = len(list((out / "chunks").glob("chunk-*.pkl")))
    assert stored >= 1 and not (out / "runs.csv").exists()

    resumed = run_sweep(load_experiment(spec), executor="serial", out=out)
    assert 0 < resumed.reused < resumed.total
    assert resumed.computed == resumed.total - resumed.reused
    assert tables(resumed.out) == tables(reference.out)


def test_chunks_of_another_design_are_dropped_and_shared_runs_reused(tmp_path):
    out = tmp_path / "out"
    run_sweep(load_experiment(write(tmp_path, TINY)), executor="serial", out=out)
    before = set((out / "chunks").iterdir())
    narrower = load_experiment(write(tmp_path, TINY.replace(
        'preset = ["russia-2021", "sakhalin-dalian-2025"]', 'preset = ["russia-2021"]')))
    result = run_sweep(narrower, executor="serial", out=out)
    assert (result.computed, result.reused) == (0, 9)
    other = load_experiment(write(tmp_path, TINY.replace("root_seed = 7", "root_seed = 8")))
    run_sweep(other, executor="serial", out=out)
    assert not before & set((out / "chunks").iterdir())  # nothing of the old seeds is left
