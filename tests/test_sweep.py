"""Experiments: designs, seeds, executors, the store, resume after a kill, failures,
intervals, and results in memory and on disk."""

import os
import signal
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from sim.cli import main
from sim.experiment import load_experiment
from sim.results import load_results
from sim.runner import run_experiment
from sim.scenario import SPECS, ScenarioError
from sim.store import ChunkStore, lock
from sim.summary import BOOTSTRAP_RESAMPLES, BOOTSTRAP_SEED

TINY = """
name = "tiny"
months = 12
replicates = 3
root_seed = 7
tables = ["summary", "monthly", "take_home"]
[fixed]
n_workers = 150
[vary]
preset = ["russia-2021", "sakhalin-dalian-2025"]
hike = {start = 0.0, stop = 1.0, step = 0.5}
"""
FILES = ("runs.parquet", "summary.parquet", "summary.csv", "monthly.parquet",
         "take_home.parquet", "provenance.json")


def write(tmp_path: Path, text: str, name: str = "spec.toml") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def files(out: Path) -> dict:
    return {name: (out / name).read_bytes() for name in FILES}


def chunk_files(out: Path) -> list[Path]:
    return sorted((out / "chunks").glob("chunk-*.runs.parquet"))


@pytest.fixture
def tiny(tmp_path):
    return load_experiment(write(tmp_path, TINY))


def test_grid_design_with_common_random_numbers(tmp_path, tiny):
    assert tiny.varied == ["preset", "hike"]
    assert [p["hike"] for p in tiny.points] == [0.0, 0.5, 1.0, 0.0, 0.5, 1.0]
    assert len(tiny.runs) == 18
    seeds = {}
    for run in tiny.runs:
        seeds.setdefault(run.replicate, set()).add(run.seed)
    assert all(len(s) == 1 for s in seeds.values())  # the same seed at every point
    assert len({run.run_id for run in tiny.runs}) == 18
    independent = load_experiment(write(tmp_path, TINY.replace(
        "root_seed = 7", "root_seed = 7\ncommon_random_numbers = false")))
    assert len({run.seed for run in independent.runs}) == 18


def test_every_run_carries_every_parameter_resolved(tiny):
    for run in tiny.runs:
        assert set(run.params) == set(SPECS)
    sakhalin = [r for r in tiny.runs if tiny.points[r.point]["preset"] == "sakhalin-dalian-2025"]
    assert all(r.params["share_construction_sakhalin"] > 0 for r in sakhalin)


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


def test_in_memory_results_equal_the_stored_parquet(tmp_path, tiny):
    memory = run_experiment(tiny)
    stored = run_experiment(tiny, out=tmp_path / "out")
    loaded = load_results(tmp_path / "out")
    for name in ("runs", "summary", "monthly", "take_home"):
        pd.testing.assert_frame_equal(memory[name], loaded[name])
        pd.testing.assert_frame_equal(stored[name], loaded[name])
    assert loaded.provenance["run_ids_digest"] == tiny.run_ids_digest
    assert set(SPECS) - {"hike"} <= set(loaded.runs.columns)
    assert list(loaded.runs["run_id"]) == [r.run_id for r in tiny.runs]


def test_parquet_files_carry_their_provenance(tmp_path, tiny):
    import json

    import pyarrow.parquet as pq

    run_experiment(tiny, out=tmp_path / "out")
    meta = pq.read_schema(tmp_path / "out" / "runs.parquet").metadata
    record = json.loads(meta[b"quotasim"])
    assert record["root_seed"] == 7 and record["replicate_seeds"] == tiny.seeds
    assert record["versions"]["numpy"] == np.__version__
    stored = load_results(tmp_path / "out").provenance
    assert record == {k: v for k, v in stored.items() if k != "design_points"}


def summary_row(summary, point, sector, outcome):
    rows = summary[(summary["point"] == point) & (summary["sector"] == sector)
                   & (summary["outcome"] == outcome)]
    assert len(rows) == 1
    return rows.iloc[0]


def test_intervals_t_for_amounts_bootstrap_for_shares(tiny):
    result = run_experiment(tiny)
    runs, summary = result.runs, result.summary
    for point in range(len(tiny.points)):
        values = runs.loc[runs["point"] == point, "mean_hours_per_day"].to_numpy()
        row = summary_row(summary, point, "all", "mean_hours_per_day")
        low, high = stats.t.interval(0.95, len(values) - 1, loc=values.mean(),
                                     scale=stats.sem(values))
        assert row["interval"] == "t"
        assert (row["mean"], row["ci_low"], row["ci_high"]) == pytest.approx(
            (values.mean(), low, high), rel=1e-9)
        shares = runs.loc[runs["point"] == point, "share_missed_goal"].to_numpy()
        row = summary_row(summary, point, "all", "share_missed_goal")
        ci = stats.bootstrap((shares,), np.mean, method="percentile",
                             n_resamples=BOOTSTRAP_RESAMPLES,
                             rng=np.random.default_rng(BOOTSTRAP_SEED)).confidence_interval
        assert row["interval"] == "bootstrap"
        assert row["ci_low"] == pytest.approx(min(ci.low, shares.mean()), abs=1e-12)
        assert row["ci_high"] == pytest.approx(max(ci.high, shares.mean()), abs=1e-12)
    assert set(summary["sector"]) == {"all", "construction_rfe", "logging_rfe",
                                      "construction_sakhalin", "seafood_dalian"}


def test_a_share_interval_stays_in_0_1_with_two_replicates(tmp_path):
    exp = load_experiment(write(tmp_path, TINY.replace("replicates = 3", "replicates = 2")
                                .replace("n_workers = 150", "n_workers = 40")))
    summary = run_experiment(exp).summary
    shares = summary[summary["outcome"].str.startswith("share_")]
    assert (shares["ci_low"] >= 0).all() and (shares["ci_high"] <= 1).all()
    assert (shares["ci_low"] <= shares["mean"]).all() and (shares["mean"] <= shares["ci_high"]).all()


def test_a_second_sweep_reuses_every_run_and_rewrites_nothing(tmp_path, tiny):
    out = tmp_path / "out"
    first = run_experiment(tiny, out=out)
    before = files(out)
    stamps = {name: (out / name).stat().st_mtime_ns for name in FILES}
    again = run_experiment(tiny, out=out)
    assert (first.computed, again.computed, again.reused) == (18, 0, 18)
    assert files(out) == before
    assert {name: (out / name).stat().st_mtime_ns for name in FILES} == stamps
    fresh = run_experiment(tiny, out=out, fresh=True)
    assert fresh.computed == 18 and files(out) == before


def test_tables_lost_but_chunks_kept_are_rebuilt_without_computing(tmp_path, tiny):
    out = tmp_path / "out"
    run_experiment(tiny, out=out)
    before = files(out)
    (out / "runs.parquet").unlink()
    again = run_experiment(tiny, out=out)
    assert (again.computed, again.reused) == (0, 18) and files(out) == before


def test_a_failing_run_is_recorded_and_no_table_is_written(tmp_path, monkeypatch, capsys):
    import sim.model

    real = sim.model.simulate

    def fragile(params, seed=None, months=None, **kw):
        if params["hike"] == 0.5:
            raise RuntimeError("injected failure\nwith a second line")
        return real(params, seed=seed, months=months, **kw)

    monkeypatch.setattr(sim.model, "simulate", fragile)
    spec = write(tmp_path, TINY)
    out = tmp_path / "out"
    assert main(["sweep", str(spec), "--executor", "serial", "--out", str(out)]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert "6 of 18 runs failed (first: RuntimeError: injected failure)" in err[-1]
    assert not any((out / name).exists() for name in FILES)
    failed = pd.read_csv(out / "failed_runs.csv")
    assert len(failed) == 6 and (failed["hike"] == 0.5).all()
    # once the cause is gone, only the failed runs are computed again
    monkeypatch.setattr(sim.model, "simulate", real)
    again = run_experiment(load_experiment(spec), out=out)
    assert (again.computed, again.reused, again.failed) == (6, 12, 0)
    assert not (out / "failed_runs.csv").exists()
    run_experiment(load_experiment(spec), out=tmp_path / "ref")
    assert files(out) == files(tmp_path / "ref")


def test_ctrl_c_surfacing_as_another_error_is_an_interruption_not_a_failure(
        tmp_path, monkeypatch, capsys):
    # a Ctrl-C that lands in compiled code can come back as a SystemError caused by it
    import sim.model

    def interrupted(*args, **kwargs):
        try:
            raise KeyboardInterrupt
        except KeyboardInterrupt as e:
            raise SystemError("returned a result with an exception set") from e

    monkeypatch.setattr(sim.model, "simulate", interrupted)
    out = tmp_path / "out"
    assert main(["sweep", str(write(tmp_path, TINY)), "--executor", "serial",
                 "--out", str(out)]) == 130
    assert capsys.readouterr().err.strip().splitlines()[-1].startswith("quotasim: interrupted")
    assert not (out / "failed_runs.csv").exists()


def test_a_sweep_where_every_run_fails_is_one_line(tmp_path, monkeypatch, capsys):
    import sim.model

    def broken(*args, **kwargs):
        raise ValueError("nothing works")

    monkeypatch.setattr(sim.model, "simulate", broken)
    out = tmp_path / "out"
    assert main(["sweep", str(write(tmp_path, TINY)), "--executor", "serial",
                 "--out", str(out)]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert err[-1].startswith("quotasim: 18 of 18 runs failed")
    assert "Traceback" not in "\n".join(err)
    assert not any((out / name).exists() for name in FILES)


def test_another_design_keeps_the_stored_runs_and_says_so(tmp_path):
    out = tmp_path / "out"
    run_experiment(load_experiment(write(tmp_path, TINY)), out=out)
    before = set((out / "chunks").iterdir())
    narrower = load_experiment(write(tmp_path, TINY.replace(
        'preset = ["russia-2021", "sakhalin-dalian-2025"]', 'preset = ["russia-2021"]')))
    messages = []
    result = run_experiment(narrower, out=out, log=messages.append)
    assert (result.computed, result.reused) == (0, 9)
    assert any("9 stored runs belong to another design" in m for m in messages)
    other = load_experiment(write(tmp_path, TINY.replace("root_seed = 7", "root_seed = 8")))
    run_experiment(other, out=out)
    assert before <= set((out / "chunks").iterdir())  # nothing of the old design is lost


def test_an_older_versions_chunks_are_kept_as_another_design_not_damaged(tmp_path, tiny):
    """Runs stored by a version with fewer outcomes (before an outcome was added) belong
    to another design: kept where they are and counted, not moved aside as damaged."""
    out = tmp_path / "out"
    run_experiment(tiny, out=out)
    for path in chunk_files(out):  # as the version before ``ledger_share_of_gross``
        pd.read_parquet(path).drop(columns="ledger_share_of_gross").to_parquet(path)
    before = set((out / "chunks").iterdir())
    other = load_experiment(write(tmp_path, TINY.replace("root_seed = 7", "root_seed = 8")))
    messages = []
    run_experiment(other, out=out, log=messages.append)
    assert not any("damaged" in m for m in messages), messages
    assert any("18 stored runs belong to another design" in m for m in messages)
    assert before <= set((out / "chunks").iterdir())


def test_a_chunk_of_runs_asked_for_that_lacks_an_outcome_is_damaged(tmp_path, tiny):
    out = tmp_path / "out"
    run_experiment(tiny, out=out)
    victim = chunk_files(out)[0]
    pd.read_parquet(victim).drop(columns="ledger_share_of_gross").to_parquet(victim)
    (out / "runs.parquet").unlink()
    messages = []
    again = run_experiment(tiny, out=out, log=messages.append)
    damaged = [m for m in messages if "damaged" in m]
    assert len(damaged) == 1 and "outcome ledger_share_of_gross missing" in damaged[0]
    assert 0 < again.computed < 18
    assert not any("another design" in m for m in messages)


def test_a_damaged_chunk_is_reported_and_recomputed(tmp_path, tiny):
    out = tmp_path / "out"
    run_experiment(tiny, out=out)
    reference_files = files(out)
    victim = chunk_files(out)[0]
    victim.write_bytes(victim.read_bytes()[:100])  # truncated
    (out / "runs.parquet").unlink()
    messages = []
    again = run_experiment(tiny, out=out, log=messages.append)
    damaged = [m for m in messages if "damaged" in m]
    assert len(damaged) == 1 and victim.name.removesuffix(".runs.parquet") in damaged[0]
    assert 0 < again.computed < 18 and files(out) == reference_files
    assert (out / "chunks" / "damaged" / victim.name).exists()


def test_a_crafted_chunk_cannot_run_code(tmp_path, tiny):
    """Chunks are Parquet read as data: a pickle dropped into the store, under any name,
    is never executed."""
    import pickle

    out = tmp_path / "out"
    run_experiment(tiny, out=out)
    marker = tmp_path / "pwned"

    class Exploit:
        def __reduce__(self):
            return (os.system, (f"touch {marker}",))

    payload = pickle.dumps({"runs": Exploit()})
    victim = chunk_files(out)[0]
    victim.write_bytes(payload)
    (out / "chunks" / "chunk-0000000000000000.pkl").write_bytes(payload)
    (out / "runs.parquet").unlink()
    messages = []
    run_experiment(tiny, out=out, log=messages.append)
    assert not marker.exists()
    assert any("damaged" in m for m in messages)


def test_a_chunk_whose_runs_do_not_match_its_name_is_not_trusted(tmp_path, tiny):
    out = tmp_path / "out"
    run_experiment(tiny, out=out)
    first, second = chunk_files(out)[:2]
    first.write_bytes(second.read_bytes())  # a valid chunk under another chunk's name
    (out / "runs.parquet").unlink()
    messages = []
    run_experiment(tiny, out=out, log=messages.append)
    assert any("do not match its name" in m for m in messages)


def test_a_second_sweep_into_a_busy_folder_is_refused(tmp_path, capsys):
    spec = write(tmp_path, TINY)
    out = tmp_path / "out"
    out.mkdir()
    with lock(out):
        assert main(["sweep", str(spec), "--executor", "serial", "--out", str(out)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "another sweep" in err[0] and "is writing to" in err[0]
    assert not list(out.glob("*.parquet")) and not (out / "chunks").exists()
    assert main(["sweep", str(spec), "--executor", "serial", "--out", str(out)]) == 0


def test_stored_per_run_tables_are_required_when_the_spec_asks(tmp_path):
    out = tmp_path / "out"
    lean = load_experiment(write(tmp_path, TINY.replace(
        'tables = ["summary", "monthly", "take_home"]', 'tables = ["summary"]')))
    run_experiment(lean, out=out)
    assert not list((out / "chunks").glob("*.monthly.parquet"))
    full = load_experiment(write(tmp_path, TINY))
    result = run_experiment(full, out=out)
    assert result.computed == 18 and len(result.monthly) == 18 * 13


@pytest.mark.slow
def test_serial_processes_and_dask_give_identical_tables(tmp_path, tiny):
    outs = {ex: tmp_path / ex for ex in ("serial", "processes", "dask")}
    for executor, out in outs.items():
        run_experiment(tiny, executor=executor, jobs=2, out=out)
    assert files(outs["serial"]) == files(outs["processes"]) == files(outs["dask"])


def sweep_process(spec: Path, out: Path, executor: str) -> subprocess.Popen:
    cmd = [sys.executable, "-m", "sim.cli", "sweep", str(spec), "--executor", executor,
           "--jobs", "2", "--out", str(out)]
    return subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            start_new_session=True)


def wait_for(condition, what: str, proc: subprocess.Popen | None = None):
    """Poll until ``condition()`` holds; a generous cap only guards against a hang."""
    import time

    for _ in range(6000):
        if condition():
            return
        if proc is not None and proc.poll() is not None:
            raise AssertionError(f"the sweep ended before {what}: {proc.stderr.read()}")
        time.sleep(0.05)
    raise AssertionError(f"gave up waiting for {what}")


def session_processes(sid: int) -> list[int]:
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if os.getsid(int(entry.name)) == sid:
                    pids.append(int(entry.name))
            except ProcessLookupError:
                continue
    return pids


BIG = TINY.replace("replicates = 3", "replicates = 8").replace("n_workers = 150",
                                                                "n_workers = 4000")


@pytest.mark.slow
@pytest.mark.parametrize("executor", ["serial", "processes"])
def test_a_sweep_killed_partway_resumes_to_identical_tables(tmp_path, executor):
    spec = write(tmp_path, BIG)
    reference = tmp_path / "ref"
    run_experiment(load_experiment(spec), out=reference)

    out = tmp_path / "killed"
    proc = sweep_process(spec, out, executor)
    wait_for(lambda: chunk_files(out), "a chunk was stored", proc)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    assert not (out / "runs.parquet").exists()

    resumed = run_experiment(load_experiment(spec), out=out)
    assert 0 < resumed.reused < 48 and resumed.computed == 48 - resumed.reused
    assert files(out) == files(reference)
    assert not list(out.rglob(".tmp-*"))


@pytest.mark.slow
@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM])
def test_a_killed_processes_sweep_leaves_no_process(tmp_path, sig):
    spec = write(tmp_path, BIG)
    out = tmp_path / "out"
    proc = sweep_process(spec, out, "processes")
    # the pool's workers are up once a chunk is stored
    wait_for(lambda: chunk_files(out), "a chunk was stored", proc)
    assert len(session_processes(proc.pid)) >= 3  # the sweep and its two workers
    os.kill(proc.pid, sig)  # the parent only: its children must follow it
    proc.wait()
    wait_for(lambda: not session_processes(proc.pid), "every child ended")
    if sig == signal.SIGTERM:
        err = proc.stderr.read().decode().strip().splitlines()
        assert proc.returncode == 143 and len(err) <= 3 and "interrupted" in err[-1]
        assert not list(out.rglob(".tmp-*"))  # removed on the way out
    # a SIGKILL mid-write can leave one: the next sweep into the folder removes it
    run_experiment(load_experiment(spec), out=out)
    assert not list(out.rglob(".tmp-*"))


@pytest.mark.slow
def test_two_sweeps_into_one_folder_the_second_refused_the_first_intact(tmp_path):
    spec = write(tmp_path, BIG)
    reference = tmp_path / "ref"
    run_experiment(load_experiment(spec), out=reference)
    out = tmp_path / "out"
    first = sweep_process(spec, out, "serial")
    holds = lambda: (out / ".lock").exists() and (out / ".lock").read_text() == f"pid {first.pid}"  # noqa: E731
    wait_for(holds, "the first sweep holds the folder", first)
    os.kill(first.pid, signal.SIGSTOP)  # paused while it holds the folder, however fast it is
    try:
        assert holds()
        second = subprocess.run([sys.executable, "-m", "sim.cli", "sweep", str(spec),
                                 "--executor", "serial", "--out", str(out)],
                                capture_output=True, text=True)
    finally:
        os.kill(first.pid, signal.SIGCONT)
    assert second.returncode == 2 and len(second.stderr.strip().splitlines()) == 1
    assert f"another sweep (pid {first.pid}) is writing to" in second.stderr
    assert first.wait() == 0
    assert files(out) == files(reference)


def test_malformed_spec_never_reaches_a_run(tmp_path):
    with pytest.raises(ScenarioError, match="unknown parameter 'hikee'"):
        load_experiment(write(tmp_path, TINY.replace("hike = {", "hikee = {")))


@pytest.mark.slow
@pytest.mark.parametrize("executor", ["serial", "processes", "dask"])
def test_ctrl_c_is_one_line_and_keeps_the_finished_runs(tmp_path, executor):
    # runs of 20,000 workers: seconds of work left after the first chunk is stored, so a
    # test process slowed by a busy machine still interrupts a sweep that is running
    spec = write(tmp_path, BIG.replace("replicates = 8", "replicates = 30")
                 .replace("n_workers = 4000", "n_workers = 20000"))
    out = tmp_path / "out"
    proc = sweep_process(spec, out, executor)
    wait_for(lambda: chunk_files(out), "a chunk was stored", proc)
    # paused while Ctrl-C arrives, so that however fast the machine, the sweep cannot
    # finish its other runs first
    os.kill(proc.pid, signal.SIGSTOP)
    os.killpg(proc.pid, signal.SIGINT)  # as a terminal's Ctrl-C: the whole process group
    os.kill(proc.pid, signal.SIGCONT)
    err = proc.communicate()[1].decode().strip().splitlines()
    assert proc.returncode == 130
    assert err[-1].startswith("quotasim: interrupted")
    assert not any("Traceback" in line for line in err) and len(err) <= 3  # heading, progress
    wait_for(lambda: not session_processes(proc.pid), "every child ended")
    kept = chunk_files(out)
    resumed = run_experiment(load_experiment(spec), out=out)
    assert resumed.reused >= len(kept) and resumed.computed + resumed.reused == 180


def test_a_folder_of_another_experiment_is_refused_unless_fresh(tmp_path, tiny):
    out = tmp_path / "out"
    run_experiment(tiny, out=out)
    other = load_experiment(write(tmp_path, TINY.replace('name = "tiny"', 'name = "other"')))
    with pytest.raises(ScenarioError, match="holds the results of experiment 'tiny'"):
        run_experiment(other, out=out)
    assert run_experiment(other, out=out, fresh=True).computed == 18


def test_tables_of_an_earlier_design_do_not_outlive_it(tmp_path, tiny, monkeypatch):
    out = tmp_path / "out"
    run_experiment(tiny, out=out)
    lean = load_experiment(write(tmp_path, TINY.replace(
        'tables = ["summary", "monthly", "take_home"]', 'tables = ["summary"]')))
    run_experiment(lean, out=out)
    assert not (out / "monthly.parquet").exists() and not (out / "take_home.parquet").exists()
    import sim.model

    def broken(*args, **kwargs):
        raise ValueError("nothing works")

    monkeypatch.setattr(sim.model, "simulate", broken)
    changed = load_experiment(write(tmp_path, TINY.replace("root_seed = 7", "root_seed = 9")))
    assert run_experiment(changed, out=out).failed == 18
    assert not list(out.glob("*.parquet")) and not (out / "provenance.json").exists()
    with pytest.raises(ScenarioError, match="no results"):
        load_results(out)


def test_a_summary_keeps_a_point_where_some_replicates_have_nobody_to_count():
    import pandas as pd

    from sim.summary import summarize

    runs = pd.DataFrame({"point": [0, 0, 0, 1, 1, 1], "replicate": [0, 1, 2] * 2,
                         "hike": [0.0] * 3 + [1.0] * 3,
                         "median_take_home_completed_usd": [10.0, np.nan, 20.0, 5.0, 6.0, 7.0],
                         "share_sent_home": [0.1, 0.2, 0.3, 0.4, 0.5, 0.6]})
    summary = summarize(runs, ["hike"], 3)
    rows = summary[summary["outcome"] == "median_take_home_completed_usd"]
    assert list(rows["point"]) == [0, 1] and list(rows["n"]) == [2, 3]
    assert rows.iloc[0]["mean"] == 15.0


def test_a_temporary_file_a_killed_writer_left_is_removed_by_the_next_sweep(tmp_path, tiny):
    out = tmp_path / "out"
    (out / "chunks").mkdir(parents=True)
    (out / "chunks" / ".tmp-999999-chunk-x.runs.parquet").write_bytes(b"half")
    (out / ".tmp-999999-runs.parquet").write_bytes(b"half")
    run_experiment(tiny, out=out)
    assert not list(out.rglob(".tmp-*"))
