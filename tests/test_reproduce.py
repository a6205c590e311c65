"""`quotasim reproduce`: writes data and figures, is idempotent, and --check catches edits."""

import shutil
from pathlib import Path

import pytest

from sim.cli import main
from sim.reproduce import Layout, check, reproduce

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
    return {p.name: p.read_bytes() for p in folder.glob("*.csv")}


def test_reproduce_writes_data_figures_and_the_parameter_table(layout):
    written = reproduce(layout, executor="serial", log=lambda m: None)
    data = layout.results / "data" / "tiny"
    for name in ("runs.csv", "summary.csv", "provenance.json"):
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
    assert "tiny: running 8 runs" in messages


def test_check_passes_on_reproduced_tables_and_names_an_altered_one(layout, capsys):
    reproduce(layout, executor="serial", log=lambda m: None)
    assert check(layout, executor="serial", log=lambda m: None) is None
    runs = layout.results / "data" / "tiny" / "runs.csv"
    lines = runs.read_text().splitlines()
    lines[3] = lines[3].replace(",0.", ",0.9", 1)
    runs.write_text("\n".join(lines) + "\n")
    difference = check(layout, executor="serial", log=lambda m: None)
    assert difference.startswith(f"{runs} line 4 differs")
    args = ["reproduce", "--check", "--executor", "serial",
            "--experiments", str(layout.experiments), "--results", str(layout.results)]
    assert main(args) == 1
    assert "not reproduced" in capsys.readouterr().err


def test_unknown_experiment_is_a_clear_error(layout, capsys):
    args = ["reproduce", "--only", "nope", "--experiments", str(layout.experiments),
            "--results", str(layout.results)]
    assert main(args) == 2
    assert "no experiment named nope" in capsys.readouterr().err


def test_committed_results_come_from_the_current_specs_and_model_code():
    """A change to the model or to an experiment must come with regenerated results
    (`make figures`); `quotasim reproduce --check` then verifies them byte for byte."""
    from sim.reproduce import experiments, figure_scripts, is_current

    layout = Layout(HERE, HERE.parent / "results")
    stale = [e.name for e in experiments(layout) if not is_current(e, layout.data(e.name))]
    assert not stale, f"stale results for {stale}: run `make figures`"
    for script in figure_scripts(layout):
        for suffix in (".pdf", ".png"):
            assert (layout.results / "figures" / f"{script.stem}{suffix}").exists()


def test_data_with_failed_runs_are_never_current(layout):
    import json

    from sim.reproduce import experiments, is_current

    reproduce(layout, executor="serial", log=lambda m: None)
    exp = experiments(layout)[0]
    folder = layout.results / "data" / "tiny"
    assert is_current(exp, folder)
    provenance = json.loads((folder / "provenance.json").read_text())
    provenance["runs"]["failed"] = 1
    (folder / "provenance.json").write_text(json.dumps(provenance))
    assert not is_current(exp, folder)


def test_no_experiments_is_a_clear_error(tmp_path, capsys):
    args = ["reproduce", "--experiments", str(tmp_path), "--results", str(tmp_path / "r")]
    assert main(args) == 2
    assert "no experiments" in capsys.readouterr().err
