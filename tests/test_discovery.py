"""Scenario discovery (PRIM, EMA Workbench) and the stored Sobol indices: a known rule is
recovered, the boxes are told in plain words, bad questions are one-line errors, the
Sobol table is SALib's for the stored runs, and the figure reads it, never SALib."""

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim import plotting
from sim.cli import main
from sim.discovery import Question, condition, find_boxes, sentences
from sim.experiment import experiment_from_dict, load_experiment
from sim.reproduce import load_script
from sim.results import load_results
from sim.runner import is_current, run_experiment
from sim.scenario import ScenarioError

FIGURES = Path(__file__).resolve().parents[1] / "experiments" / "figures"

SAMPLED = """
name = "tiny_discovery"
months = 12
replicates = 1
root_seed = 3
tables = []
[fixed]
n_workers = 100
[sample]
method = "lhs"
n = 40
[sample.bounds]
hike = [0.0, 2.0]
weather_days_lost = [0.0, 0.4]
"""


def test_prim_recovers_a_known_rule_within_five_hundredths():
    rng = np.random.default_rng(11)
    inputs = pd.DataFrame(rng.uniform(size=(2000, 4)), columns=["x", "y", "z", "w"])
    cases = ((inputs["x"] > 0.6) & (inputs["y"] < 0.3)).to_numpy()
    boxes, peeling = find_boxes(inputs, cases)
    first = boxes[boxes["box"] == 1].set_index("input")
    assert set(first.index) == {"x", "y"}  # z and w, pure noise, are not restricted
    assert abs(first.loc["x", "low"] - 0.6) < 0.05 and math.isnan(first.loc["x", "high"])
    assert abs(first.loc["y", "high"] - 0.3) < 0.05 and math.isnan(first.loc["y", "low"])
    assert first["density"].iloc[0] > 0.9 and first["coverage"].iloc[0] > 0.9
    assert peeling.loc[peeling["reported"], "box"].tolist() == sorted(boxes["box"].unique())


def test_a_box_is_told_in_plain_words_with_units():
    boxes = pd.DataFrame({"box": [1, 1], "input": ["hike", "weather_days_lost"],
                          "low": [0.35, 0.15], "high": [math.nan, math.nan],
                          "coverage": [0.71, 0.71], "density": [0.82, 0.82],
                          "runs": [120, 120], "cases": [98, 98]})
    [line] = sentences(boxes, Question("share_sent_home", 0.2, above=True))
    assert line == ("Quota hike above +35% and days lost to weather above 15%: 82% of "
                    "these 120 runs have the share of workers sent home early above 20%, "
                    "and they are 71% of all runs that have it")
    assert condition("living_cost_usd", 60.0, 150.0) == (
        "food and lodging between 60 USD/month and 150 USD/month")


@pytest.mark.parametrize("args, message", [
    (["--outcome", "no_such_outcome", "--above", "0.2"], "unknown outcome"),
    (["--outcome", "share_sent_home", "--above", "0.2", "--below", "0.5"], "exactly one"),
    (["--outcome", "share_sent_home"], "exactly one"),
    (["--outcome", "share_sent_home", "--above", "lots"], "plain decimal"),
])
def test_a_bad_question_is_one_line_and_exit_2(tmp_path, capsys, args, message):
    spec = tmp_path / "s.toml"
    spec.write_text(SAMPLED)
    assert main(["discover", str(spec), *args, "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and message in err, err
    assert not (tmp_path / "out").exists()


def test_a_grid_experiment_cannot_be_searched(tmp_path, capsys):
    spec = tmp_path / "grid.toml"
    spec.write_text('name = "grid"\n[vary]\nhike = [0.0, 0.5]\n')
    assert main(["discover", str(spec), "--outcome", "share_sent_home", "--above", "0.2"]) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and "[sample]" in err, err
    with pytest.raises(ScenarioError, match=r"needs a sampled design"):
        experiment_from_dict({"vary": {"hike": [0.0, 0.5]},
                              "discover": {"outcome": "share_sent_home", "above": 0.2}})


@pytest.mark.slow  # 40 small runs
def test_discover_prints_each_box_and_writes_the_table_and_figure(tmp_path, capsys,
                                                                  monkeypatch):
    monkeypatch.chdir(tmp_path)  # the runs go to results/data/<name>/ here
    spec = tmp_path / "s.toml"
    spec.write_text(SAMPLED)
    assert main(["discover", str(spec), "--outcome", "share_sent_home", "--above", "0.6",
                 "--executor", "serial"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("box 1: Quota hike above +") and "% of all runs that have it" in out
    folder = tmp_path / "results" / "discovery" / "tiny_discovery"
    boxes = pd.read_csv(folder / "boxes.csv")
    assert "hike" in set(boxes.loc[boxes["box"] == 1, "input"])
    assert (folder / "peeling.csv").exists() and (folder / "discovery.png").exists()


@pytest.mark.slow  # a Saltelli design of 32 small runs, stored and read back
def test_the_stored_sobol_table_is_salibs_for_the_stored_runs(tmp_path):
    from SALib.analyze import sobol

    spec = tmp_path / "sobol.toml"
    spec.write_text(SAMPLED.replace('"lhs"', '"saltelli"').replace("n = 40", "n = 8"))
    exp = load_experiment(spec)
    assert exp.tables == ("sobol",)
    run_experiment(exp, out=tmp_path / "data")
    assert is_current(exp, tmp_path / "data")
    stored = load_results(tmp_path / "data")
    problem = {"num_vars": 2, "names": ["hike", "weather_days_lost"],
               "bounds": [[0.0, 2.0], [0.0, 0.4]]}
    for outcome in ["share_sent_home", "revenue_per_worker_year_usd"]:
        y = stored.runs.sort_values("point")[outcome].to_numpy()
        direct = sobol.analyze(problem, y, calc_second_order=False, seed=1)
        table = stored.sobol[stored.sobol["outcome"] == outcome].set_index("input")
        for key in ["S1", "S1_conf", "ST", "ST_conf"]:
            np.testing.assert_allclose(table.loc[problem["names"], key], direct[key])


def test_the_sensitivity_figure_reads_the_stored_table_not_salib(monkeypatch):
    import SALib.analyze.sobol

    def refuse(*args, **kwargs):
        raise AssertionError("the figure recomputed the indices")

    monkeypatch.setattr(SALib.analyze.sobol, "analyze", refuse)
    names = ["hike", "wage_construction_rfe"]
    table = pd.DataFrame([
        {"outcome": o, "input": n, "S1": s1, "S1_conf": 0.05, "ST": s1 + 0.1, "ST_conf": 0.04}
        for o in ["share_sent_home", "revenue_per_worker_year_usd"]
        for n, s1 in zip(names, [0.5, -0.02])])
    data = {"sobol": table, "provenance": {"sample": {"names": names, "n": 8}}}
    module = load_script(FIGURES / "sensitivity.py")
    with plotting.style():
        fig = module.plot(data)
    labels = [t.get_text() for t in fig.axes[0].get_yticklabels()]
    assert labels == ["Quota hike", "Builders' wage (Far East)"]  # plain names, not code
    widths = [p.get_width() for p in fig.axes[0].patches]
    assert min(widths) >= 0  # the first-order index below zero is drawn as zero
