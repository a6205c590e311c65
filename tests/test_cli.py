"""The command line: outcomes as a table or JSON; every bad input is one line on
stderr, exit 2, and writes nothing (a sweep keeps its finished runs)."""

import errno
import json
import subprocess
import sys
from pathlib import Path

import pytest

import sim
from sim.cli import main

EXPERIMENTS = Path(__file__).resolve().parents[1] / "experiments"

KEYS = ["share_sent_home", "share_sent_home_arrears", "share_missed_goal",
        "median_take_home_usd", "revenue_per_worker_year_usd", "state_share_of_gross",
        "mean_hours_per_day"]

SPEC = """
name = "tiny"
months = 12
replicates = 2
root_seed = 7
[fixed]
n_workers = 100
[vary]
preset = ["russia-2021", "sakhalin-dalian-2025"]
hike = {start = 0.0, stop = 1.0, step = 0.5}
"""


def one_line_error(capsys, message: str) -> str:
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1, err
    assert err.startswith("quotasim: error: ") and message in err, err
    return err


def test_run_json_has_every_outcome_overall_and_by_sector(capsys):
    assert main(["run", "--scenario", "sakhalin-dalian-2025", "--set", "n_workers=200",
                 "--seed", "3", "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    for key in KEYS:
        assert isinstance(result[key], float)
    assert set(result["by_sector"]) == {"construction_sakhalin", "seafood_dalian"}
    for sector in result["by_sector"].values():
        assert all(isinstance(sector[k], float) for k in KEYS)


def test_the_python_api_agrees_with_quotasim_run(capsys):
    from sim.cli import without_nan
    from sim.scenario import load_preset

    assert main(["run", "--scenario", "sakhalin-dalian-2025", "--set", "hike=0.5",
                 "--set", "n_workers=300", "--seed", "4", "--json"]) == 0
    cli = json.loads(capsys.readouterr().out)
    params = {**load_preset("sakhalin-dalian-2025")[0], "hike": 0.5, "n_workers": 300}
    model = sim.QuotaModel(**params, seed=4, worker_agents=False).run()
    assert without_nan(model.outcomes()) == cli
    assert without_nan(sim.simulate(params, seed=4).outcomes) == cli
    assert without_nan(sim.simulate(**params, seed=4).outcomes) == cli
    assert cli["berry_kg_needed_per_month"] is None  # no loggers: null, not NaN


def test_run_prints_a_readable_table(capsys):
    assert main(["run", "--set", "n_workers=100", "--months", "12"]) == 0
    out = capsys.readouterr().out
    assert "share_missed_goal" in out and "construction_rfe" in out


def test_scenarios_lists_presets_one_line_each(capsys):
    assert main(["scenarios"]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert [line.split()[0] for line in lines] == ["history-china-2017-2026", "history-russia-2017-2026",
                                                  "russia-2021", "sakhalin-dalian-2025"]


def test_version(capsys):
    with pytest.raises(SystemExit) as stop:
        main(["--version"])
    assert stop.value.code == 0
    assert capsys.readouterr().out.strip() == f"quotasim {sim.__version__}"


@pytest.mark.parametrize("args, message", [
    (["--set", "hikee=1"], "unknown parameter 'hikee'; did you mean hike"),
    (["--set", "hike=-0.5"], "out of range"),
    (["--set", "share_logging_rfe=1.2"], "out of range"),
    (["--set", "side_work=perhaps"], "true or false"),
    (["--scenario", "mars-2030"], "unknown preset 'mars-2030'"),
    (["--scenario", "missing.toml"], "no such file"),
    (["--months", "0"], "months must be a whole number from 1 to 1200"),
    (["--months", "1000000000"], "months must be a whole number from 1 to 1200"),
    (["--months", "1_0"], "not a whole number"),
    (["--set", "hike=abc"], "plain decimal number"),
    (["--set", "hike=1_0"], "plain decimal number, not '1_0'"),
    (["--set", "hike=inf"], "plain decimal number"),
    (["--set", "hike=nan"], "plain decimal number"),
    (["--set", "n_workers=0x10"], "plain decimal number"),
    (["--set", "n_workers=1e12"], "out of range"),
    (["--set", "n_workers=2.5"], "whole number"),
    (["--set", "hike"], "--set takes NAME=VALUE"),
    (["--seed", "-1"], "seed must be a whole number >= 0"),
    (["--seed", "x"], "not a whole number"),
    (["--scenario", str(EXPERIMENTS / "demo.toml")], "is an experiment, not a scenario"),
    (["--scenario", f"{EXPERIMENTS}/"], "is a folder"),
    (["--bogus"], "unrecognized arguments: --bogus"),
])
def test_bad_run_input_is_one_line_on_stderr_and_exit_2(args, message, capsys):
    assert main(["run", *args]) == 2
    one_line_error(capsys, message)


@pytest.mark.parametrize("argv, message", [
    ([], "the following arguments are required: command"),
    (["nope"], "invalid choice: 'nope'"),
    (["sweep"], "the following arguments are required: spec"),
    (["sweep", "x.toml", "--executor", "threads"], "invalid choice: 'threads'"),
    (["reproduce", "--jobs", "-1"], "--jobs must be a whole number from 1 to 1024"),
    (["reproduce", "--jobs", "0"], "--jobs must be a whole number from 1 to 1024"),
    (["reproduce", "--only", "nope"], "no experiment named nope"),
    (["viz", "--port", "70000"], "--port must be between 1 and 65535"),
])
def test_bad_commands_are_one_line_and_exit_2(argv, message, capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(EXPERIMENTS.parent)
    assert main(argv) == 2
    one_line_error(capsys, message)


def scenario_file(tmp_path, text: str) -> Path:
    path = tmp_path / "scenario.toml"
    path.write_text(text)
    return path


@pytest.mark.parametrize("text, message", [
    ('description = ["a", "list"]\n[params]\nhike = 0.5\n', "description must be a string"),
    ("[params]\nhike = true\n", "hike must be a number"),
    ("[params]\nhike = = 2\n", "not valid TOML"),
    ("hike = 0.5\n", "put parameters under [params]"),
])
def test_bad_scenario_files(tmp_path, capsys, text, message):
    assert main(["run", "--scenario", str(scenario_file(tmp_path, text))]) == 2
    one_line_error(capsys, message)


@pytest.mark.parametrize("edit, message", [
    (("root_seed = 7", 'root_seed = 7\ntables = [["x"]]'), "tables must be a list of distinct"),
    (("root_seed = 7", 'root_seed = 7\ntables = ["summary", "summary"]'), "tables must be"),
    (("root_seed = 7", 'root_seed = 7\ntables = ["runs.csv"]'), "tables must be"),
    (("root_seed = 7", 'root_seed = 7\ndescription = ["a"]'), "description must be a string"),
    (("months = 12", "months = 1000000000"), "months must be a whole number from 1 to 1200"),
    (("months = 12", "months = 1000000000000"), "months must be a whole number from 1 to 1200"),
    (("months = 12", "months = true"), "months must be a whole number"),
    (("replicates = 2", "replicates = 100000000"), "more than 1,000,000 runs"),
    (("replicates = 2", "replicates = true"), "replicates must be a whole number"),
    (("stop = 1.0", "stop = inf"), "start, stop and step must be finite numbers"),
    (("step = 0.5", "step = nan"), "start, stop and step must be finite numbers"),
    (("step = 0.5", "step = 1e-12"), "use a larger step"),
    (("step = 0.5", "step = 1e-320"), "use a larger step"),
    (("stop = 1.0", "stop = 1e308"), "use a larger step"),
    (('preset = ["russia-2021", "sakhalin-dalian-2025"]',
      f'preset = ["russia-2021", "{Path(sim.__file__).parent}/presets/russia-2021.toml"]'),
     "run the same parameters"),
    (("start = 0.0, stop = 1.0, step = 0.5", "start = false, stop = true, step = true"),
     "must be finite numbers"),
    (("hike = {start = 0.0, stop = 1.0, step = 0.5}", "hike = [0.5, 0.5]"),
     "lists a value twice"),
    (('preset = ["russia-2021", "sakhalin-dalian-2025"]', 'preset = ["russia-2021", "russia-2021"]'),
     "lists a value twice"),
    (("hike = {", "hikee = {"), "unknown parameter 'hikee'; did you mean hike"),
    (("stop = 1.0", "stop = -1.0"), "empty range"),
    (("[vary]", "[vary"), "not valid TOML"),
    (("n_workers = 100", "n_workers = 0"), "out of range"),
    (("n_workers = 100", "share_logging_rfe = 0.9"), "must add up to 1"),
    (("months = 12", "months = 12\nrepeats = 3"), "unknown key(s) repeats"),
    (("root_seed = 7", "root_seed = -7"), "root_seed must be a whole number >= 0"),
    (('name = "tiny"', 'name = "../escape"'), "name must be a plain file name"),
    (("[fixed]\nn_workers = 100", "fixed = 3"), "[fixed] must be a table"),
] + [
    (("[vary]", f"[sample]\n{body}\n[vary]"), message) for body, message in [
        ('method = "lhs"\nn = 4', "needs [sample.bounds]"),
        ('method = "lhs"\nn = 4\nbounds = 5', "[sample.bounds] must be a table"),
        ("n = true\n[sample.bounds]\nhike = [0, 1]", "sample.n must be a whole number"),
        ("n = 1000000000\n[sample.bounds]\nhike = [0, 1]", "sample.n must be a whole number from 1 to"),
        ("n = 4\nseed = 3\n[sample.bounds]\nhike = [0, 1]", "sample: unknown key(s) seed"),
        ('n = 4\nmethod = "grid"\n[sample.bounds]\nhike = [0, 1]', "sample.method must be one of"),
        ("n = 4\n[sample.bounds]\nhike = [false, true]", "two finite numbers"),
        ("n = 4\n[sample.bounds]\nhike = [0, inf]", "two finite numbers"),
        ("n = 4\n[sample.bounds]\nfx_path = [0, 1]", "only numeric parameters"),
        ("n = 600000\n[sample.bounds]\nwage_logging_rfe = [4e4, 7e4]", "more than 1,000,000 runs"),
        ('n = 100\nmethod = "sobol"\n[sample.bounds]\nwage_logging_rfe = [4e4, 7e4]',
         "must be a power of 2"),
    ]
])
def test_bad_specs_are_one_line_exit_2_and_write_nothing(tmp_path, capsys, edit, message):
    spec = tmp_path / "spec.toml"
    spec.write_text(SPEC.replace(*edit))
    out = tmp_path / "out"
    assert main(["sweep", str(spec), "--executor", "serial", "--out", str(out)]) == 2
    one_line_error(capsys, message)
    assert not out.exists()


@pytest.fixture
def spec(tmp_path) -> Path:
    path = tmp_path / "spec.toml"
    path.write_text(SPEC)
    return path


@pytest.mark.parametrize("args, message", [
    (["--jobs", "0"], "--jobs must be a whole number from 1 to 1024"),
    (["--jobs", "-1"], "--jobs must be a whole number from 1 to 1024"),
    (["--jobs", "1_0"], "not a whole number"),
    (["--out", " "], "--out names no folder"),
    (["--scheduler", "tcp://127.0.0.1:8786"], "--scheduler needs --executor dask"),
    (["--executor", "dask", "--scheduler", "not a url"], "--scheduler must be an address"),
    (["--executor", "dask", "--scheduler", "tcp://127.0.0.1"], "--scheduler must be an address"),
])
def test_bad_sweep_options_write_nothing(spec, tmp_path, capsys, args, message):
    out = tmp_path / "out"
    assert main(["sweep", str(spec), "--out", str(out), *args]) == 2
    one_line_error(capsys, message)
    assert not out.exists()


@pytest.mark.slow
def test_an_unreachable_scheduler_is_one_line_and_writes_nothing(spec, tmp_path, capsys):
    out = tmp_path / "out"
    assert main(["sweep", str(spec), "--out", str(out), "--executor", "dask",
                 "--scheduler", "tcp://127.0.0.1:1"]) == 2
    one_line_error(capsys, "cannot reach the Dask scheduler at tcp://127.0.0.1:1")
    assert not out.exists()


def test_out_naming_a_file_is_refused(spec, tmp_path, capsys):
    out = tmp_path / "a-file"
    out.write_text("keep me")
    assert main(["sweep", str(spec), "--executor", "serial", "--out", str(out)]) == 2
    one_line_error(capsys, "is a file, not a folder")
    assert out.read_text() == "keep me"


def test_out_inside_a_file_is_refused(spec, tmp_path, capsys):
    assert main(["sweep", str(spec), "--executor", "serial", "--out", "/proc/version/x"]) == 2
    one_line_error(capsys, "cannot write /proc/version/x")


@pytest.mark.parametrize("code, words", [(errno.EROFS, "read-only"),
                                         (errno.EACCES, "permission denied")])
def test_a_folder_that_cannot_be_made_is_one_line(spec, tmp_path, capsys, monkeypatch, code,
                                                   words):
    def refuse(self, *args, **kwargs):
        raise OSError(code, "refused", str(self))

    monkeypatch.setattr(Path, "mkdir", refuse)
    assert main(["sweep", str(spec), "--executor", "serial", "--out", str(tmp_path / "o")]) == 2
    one_line_error(capsys, words)


def test_a_full_disk_keeps_finished_runs_and_leaves_no_temporary_file(spec, tmp_path, capsys,
                                                                     monkeypatch):
    import pyarrow.parquet as pq

    real = pq.write_table
    written = []

    def fills_up(table, where, *args, **kwargs):
        if len(written) == 2:  # two chunks of three runs stored, then the disk is full
            Path(where).write_bytes(b"partial")
            raise OSError(errno.ENOSPC, "No space left on device")
        written.append(where)
        return real(table, where, *args, **kwargs)

    monkeypatch.setattr(pq, "write_table", fills_up)
    out = tmp_path / "out"
    assert main(["sweep", str(spec), "--executor", "serial", "--out", str(out)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert "Traceback" not in str(err) and err[-1].startswith("quotasim: error: cannot write")
    assert err[-1].endswith("the disk is full") and len(err) == 2  # after the sweep's heading
    assert not list(out.rglob(".tmp-*"))
    assert len(list((out / "chunks").glob("chunk-*.runs.parquet"))) == 2
    assert not (out / "runs.parquet").exists()
    monkeypatch.setattr(pq, "write_table", real)
    assert main(["sweep", str(spec), "--executor", "serial", "--out", str(out)]) == 0
    assert "6 runs computed, 6 reused" in capsys.readouterr().err


def test_output_closed_early_is_one_line_not_a_traceback():
    proc = subprocess.run(f"{sys.executable} -m sim.cli params | head -3", shell=True,
                          capture_output=True, text=True)
    assert len(proc.stdout.splitlines()) == 3
    assert "Traceback" not in proc.stderr
    assert len(proc.stderr.strip().splitlines()) <= 1


def test_malformed_toml_through_the_installed_script(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text("[params]\nhike = = 2\n")
    proc = subprocess.run([sys.executable, "-m", "sim.cli", "run", "--scenario", str(bad)],
                          capture_output=True, text=True)
    assert proc.returncode == 2
    assert "not valid TOML" in proc.stderr and "Traceback" not in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1
