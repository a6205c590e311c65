"""``quotasim bench``: the report's shape and its internal consistency, never its speed."""

import json
import subprocess
import sys

import pytest

from sim.bench import ENGINE_NS, format_report


@pytest.fixture(scope="module")
def quick_report():
    out = subprocess.run([sys.executable, "-m", "sim.cli", "bench", "--quick", "--json"],
                         capture_output=True, text=True, check=True)
    return json.loads(out.stdout)


@pytest.mark.slow
def test_quick_json_has_every_key(quick_report):
    r = quick_report
    for key in ("wm_per_s", "ref_wm_per_s", "ratio", "peak_rss_mb_1m", "sweep_wall_s",
                "machine", "date", "notes"):
        assert key in r
    for key in ("cpu", "cores", "python", "numpy", "mesa"):
        assert r["machine"][key]
    assert list(r["wm_per_s"]) == [str(n) for n in ENGINE_NS]
    assert all(v > 0 for v in r["wm_per_s"].values())
    assert r["ref_wm_per_s"] and set(r["ratio"]) == set(r["ref_wm_per_s"])
    for n, ratio in r["ratio"].items():
        assert ratio == pytest.approx(r["wm_per_s"][n] / r["ref_wm_per_s"][n])
    frames = r["frame_ms"]  # the browser view's frame, server side (the viz extra is here)
    assert 0 < frames["median"] <= frames["p90"] <= frames["max"] and frames["frames"] == 12
    # --quick says what it left out: no million-worker run, no sweep
    assert r["quick"] and r["peak_rss_mb_1m"] is None and r["sweep_wall_s"] is None
    assert any("--quick" in note for note in r["notes"])


@pytest.mark.slow
def test_peak_memory_is_measured_in_a_fresh_process(quick_report):
    mem = quick_report["peak_rss"]
    for run in (mem["arrays_only"], mem["with_worker_agents"]):
        # the peak of the whole process, imports included: at least what the imports took
        # (how many MiB depends on the machine and its libraries, so no bound here)
        assert 0 < run["imports_rss_mb"] <= run["peak_rss_mb"]
        assert run["wall_s"] > 0
        # the model's own memory is there (not a measurement of the imports alone)
        assert run["peak_rss_mb"] > run["imports_rss_mb"]
    # (no comparison of the two: without agents, a firm's months run on a compacted copy
    # of the rows still abroad, which at 100,000 workers costs about what the agents do)


@pytest.mark.slow
def test_readable_table_names_every_size(quick_report):
    text = format_report(quick_report)
    for n in ENGINE_NS:
        assert f"{n:,}" in text
    assert "not timed" in text



def test_against_an_unknown_commit_is_one_line(capsys):
    from sim.cli import main

    assert main(["bench", "--against", "no-such-commit"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "cannot compare with 'no-such-commit'" in err[0]
