"""The command line: outcomes as a table or JSON; bad input is one line and exit 2."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from sim.cli import main

EXPERIMENTS = Path(__file__).resolve().parents[1] / "experiments"

KEYS = ["share_sent_home", "share_sent_home_arrears", "share_missed_goal",
        "median_take_home_usd", "revenue_per_worker_year_usd", "state_share_of_gross",
        "mean_hours_per_day"]


def test_run_json_has_every_outcome_overall_and_by_sector(capsys):
    assert main(["run", "--scenario", "sakhalin-dalian-2025", "--set", "n_workers=200",
                 "--seed", "3", "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    for key in KEYS:
        assert isinstance(result[key], float)
    assert set(result["by_sector"]) == {"construction_sakhalin", "seafood_dalian"}
    for sector in result["by_sector"].values():
        assert all(isinstance(sector[k], float) for k in KEYS)


def test_run_prints_a_readable_table(capsys):
    assert main(["run", "--set", "n_workers=100", "--months", "12"]) == 0
    out = capsys.readouterr().out
    assert "share_missed_goal" in out and "construction_rfe" in out


def test_scenarios_lists_presets_one_line_each(capsys):
    assert main(["scenarios"]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert [line.split()[0] for line in lines] == ["russia-2021", "sakhalin-dalian-2025"]


@pytest.mark.parametrize("args, message", [
    (["--set", "hikee=1"], "unknown parameter 'hikee'; did you mean hike"),
    (["--set", "hike=-0.5"], "out of range"),
    (["--set", "share_logging_rfe=1.2"], "out of range"),
    (["--set", "side_work=perhaps"], "true or false"),
    (["--scenario", "mars-2030"], "unknown preset 'mars-2030'"),
    (["--scenario", "missing.toml"], "no such file"),
    (["--months", "0"], "--months"),
    (["--set", "hike=abc"], "must be a number"),
    (["--seed", "-1"], "seed must be a whole number >= 0"),
    (["--scenario", str(EXPERIMENTS / "demo.toml")], "is an experiment, not a scenario"),
    (["--scenario", f"{EXPERIMENTS}/"], "is a folder"),
])
def test_bad_input_is_one_line_on_stderr_and_exit_2(args, message, capsys):
    assert main(["run", *args]) == 2
    err = capsys.readouterr().err
    assert message in err
    assert len(err.strip().splitlines()) == 1


def test_malformed_toml_through_the_installed_script(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text("[params]\nhike = = 2\n")
    proc = subprocess.run([sys.executable, "-m", "sim.cli", "run", "--scenario", str(bad)],
                          capture_output=True, text=True)
    assert proc.returncode == 2
    assert "not valid TOML" in proc.stderr and "Traceback" not in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1
