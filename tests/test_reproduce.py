"""`quotasim reproduce`: writes data and figures, is idempotent, and --check catches edits."""

import shutil
from pathlib import Path

import pytest

from sim.cli import main
from sim.paths import Layout
from sim.reproduce import check, reproduce

HERE = Path(__file__).resolve().parent.parent / "experiments"
SPEC = """
name = "tiny"
months = 12
replicates = 2
root_seed = 3
tables = ["summary"]
[fixed]
n_workers = 60
hike_weight_logging_rfe = 1.0
[vary]
preset = ["russia-2021", "sakhalin-dalian-2025"]
hike = [0.0, 1.0]
"""


@pytest.fixture
def layout(tmp_path):
    (tmp_path / "experiments" / "figures").mkdir(parents=True)
    (tmp_path / "experiments" / "tiny.toml").write_text(SPEC)
    script = (HERE / "figures" / "hike_response.py").read_text()
    (tmp_path / "experiments" / "figures" / "tiny_figure.py").write_text(
        script.replace('EXPERIMENT = "hike_sweep"', 'EXPERIMENT = "tiny"'))
    return Layout(tmp_path / "experiments", tmp_path / "results")


def snapshot(folder: Path) -> dict:
    return {p.name: p.read_bytes() for p in folder.iterdir() if p.suffix in (".csv", ".parquet", ".json")}


def test_reproduce_writes_data_figures_and_the_parameter_table(layout):
    written = reproduce(layout, executor="serial", log=lambda m: None)
    data = layout.results / "data" / "tiny"
    for name in ("runs.parquet", "summary.parquet", "summary.csv", "provenance.json"):
        assert (data / name).exists()
    for suffix in (".pdf", ".png"):
        assert (layout.results / "figures" / f"tiny_figure{suffix}") in written
    assert "`hike`" in (layout.results / "tables" / "parameters.md").read_text()


def test_running_twice_leaves_the_data_byte_identical_and_reruns_nothing(layout):
    reproduce(layout, executor="serial", log=lambda m: None)
    first = snapshot(layout.results / "data" / "tiny")
    messages = []
    reproduce(layout, executor="serial", log=messages.append)
    assert snapshot(layout.results / "data" / "tiny") == first
    assert "tiny: data are current" in messages


def test_a_changed_spec_is_run_again(layout):
    reproduce(layout, executor="serial", log=lambda m: None)
    spec = layout.experiments / "tiny.toml"
    spec.write_text(spec.read_text().replace("hike = [0.0, 1.0]", "hike = [0.0, 0.5]"))
    messages = []
    reproduce(layout, executor="serial", log=messages.append)
    assert "tiny: 4 design points x 2 replicates = 8 runs" in messages


def test_check_passes_on_reproduced_tables_and_names_an_altered_one(layout, capsys):
    import pandas as pd

    from sim.store import write_parquet

    reproduce(layout, executor="serial", log=lambda m: None)
    assert check(layout, executor="serial", log=lambda m: None) is None
    path = layout.results / "data" / "tiny" / "runs.parquet"
    runs = pd.read_parquet(path)
    runs.loc[3, "share_missed_goal"] += 0.25
    write_parquet(path, runs)
    difference = check(layout, executor="serial", log=lambda m: None)
    assert difference.startswith(f"{path} row 3, column share_missed_goal differs")
    args = ["reproduce", "--check", "--executor", "serial",
            "--experiments", str(layout.experiments), "--results", str(layout.results)]
    assert main(args) == 1
    assert "not reproduced" in capsys.readouterr().err


def test_a_preset_edit_makes_the_data_stale(layout):
    preset = layout.experiments.parent / "my-preset.toml"
    preset.write_text('[params]\nrub_per_usd = 73.65\n')
    spec = layout.experiments / "tiny.toml"
    spec.write_text(spec.read_text().replace('name = "tiny"', f'name = "tiny"\nbase = "{preset}"')
                    .replace('preset = ["russia-2021", "sakhalin-dalian-2025"]\n', ""))
    reproduce(layout, executor="serial", log=lambda m: None)
    messages = []
    reproduce(layout, executor="serial", log=messages.append)
    assert "tiny: data are current" in messages
    preset.write_text('[params]\nrub_per_usd = 90.0\n')
    messages = []
    reproduce(layout, executor="serial", log=messages.append)
    assert "tiny: 2 design points x 2 replicates = 4 runs" in messages


def test_the_model_fingerprint_ignores_comments_and_docstrings_but_not_code(tmp_path):
    import shutil

    from sim import provenance

    code = tmp_path / "sim"
    shutil.copytree(Path(provenance.__file__).parent, code)
    before = provenance.fingerprint(code)
    assert before == provenance.model_fingerprint()
    economy = code / "economy.py"
    text = economy.read_text()
    economy.write_text(text.replace('"""The monthly rules', '"""Reworded: the monthly rules', 1)
                       .replace("\nDAYS_IN_MONTH = 30", "\n# a comment\n\nDAYS_IN_MONTH = 30"))
    (code / "cli.py").write_text((code / "cli.py").read_text() + "\nx = 1  # not the model\n")
    assert provenance.fingerprint(code) == before
    economy.write_text(text.replace("DAYS_IN_MONTH = 30", "DAYS_IN_MONTH = 31"))
    changed = provenance.fingerprint(code)
    assert changed != before
    # the tables the model reads count too
    series = code / "data" / "rub_per_usd.csv"
    series.write_text(series.read_text().replace("2017-01,64.74", "2017-01,64.75"))
    assert provenance.fingerprint(code) != changed


def test_package_versions_are_part_of_every_run_identity(layout, monkeypatch):
    from sim import provenance
    from sim.reproduce import experiments
    from sim.runner import is_current

    reproduce(layout, executor="serial", log=lambda m: None)
    assert is_current(experiments(layout)[0], layout.data("tiny"))
    other = {**provenance.result_versions(), "numpy": "0.0.1"}
    monkeypatch.setattr(provenance, "result_versions", lambda: other)
    assert not is_current(experiments(layout)[0], layout.data("tiny"))


def test_other_analysis_code_leaves_an_experiment_without_analyses_current(layout,
                                                                           monkeypatch):
    from sim import provenance
    from sim.reproduce import experiments
    from sim.runner import is_current

    reproduce(layout, executor="serial", log=lambda m: None)
    monkeypatch.setattr(provenance, "ANALYSIS_CODE",
                        {t: ("model.py", "numpy") for t in provenance.ANALYSIS_CODE})
    assert is_current(experiments(layout)[0], layout.data("tiny"))


def test_unknown_experiment_is_a_clear_error(layout, capsys):
    args = ["reproduce", "--only", "nope", "--experiments", str(layout.experiments),
            "--results", str(layout.results)]
    assert main(args) == 2
    assert "no experiment named nope" in capsys.readouterr().err


def test_committed_results_come_from_the_current_specs_and_model_code():
    """A change to the model or to an experiment must come with regenerated results
    (`make figures`); `quotasim reproduce --check` then verifies them value for value."""
    from sim.reproduce import experiments, figure_scripts
    from sim.runner import is_current

    layout = Layout(HERE, HERE.parent / "results")
    stale = [e.name for e in experiments(layout) if not is_current(e, layout.data(e.name))]
    assert not stale, f"stale results for {stale}: run `make figures`"
    for script in figure_scripts(layout):
        for suffix in (".pdf", ".png"):
            assert (layout.results / "figures" / f"{script.stem}{suffix}").exists()


def test_data_with_failed_runs_are_never_current(layout):
    from sim.reproduce import experiments
    from sim.runner import is_current

    reproduce(layout, executor="serial", log=lambda m: None)
    exp = experiments(layout)[0]
    folder = layout.results / "data" / "tiny"
    assert is_current(exp, folder)
    (folder / "failed_runs.csv").write_text("run_id,error\nx,boom\n")
    assert not is_current(exp, folder)


def test_no_experiments_is_a_clear_error(tmp_path, capsys):
    args = ["reproduce", "--experiments", str(tmp_path), "--results", str(tmp_path / "r")]
    assert main(args) == 2
    assert "no experiments" in capsys.readouterr().err


def test_the_exchange_rate_twins_differ_only_in_the_quota_currency():
    """exchange_rate.toml writes out two numbers derived from the Far East group; they
    must follow that group's values, or the twins are no longer alike."""
    from sim.experiment import load_experiment

    exp = load_experiment(HERE / "exchange_rate.toml")
    for run in exp.runs[:1]:
        p = run.params
        assert p["wage_construction_sakhalin"] == p["wage_construction_rfe"]
        assert p["quota_construction_sakhalin"] == pytest.approx(
            p["quota_construction_rfe"] / 12 * p["rub_per_usd"])


def test_every_module_the_model_imports_is_in_its_fingerprint():
    """A change to any code that computes a run's numbers must make stored runs stale."""
    import ast

    from sim import provenance

    here = Path(provenance.__file__).parent
    seen, todo = set(), ["model.py", "record.py", "summary.py"]
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        for node in ast.walk(ast.parse((here / name).read_text())):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("sim"):
                modules = [node.module] if node.module != "sim" else \
                    [f"sim.{a.name}" for a in node.names]
                todo += [m.split(".")[1] + ".py" for m in modules
                         if (here / (m.split(".")[1] + ".py")).exists()]
    # scenario.py's defaults reach a run through its resolved parameters, which are hashed
    assert seen - {"scenario.py"} <= set(provenance.MODEL_MODULES)
