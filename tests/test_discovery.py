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
from sim.discovery import Question, condition, discover, find_boxes, sentences
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
        "food and lodging between 60 USD a month and 150 USD a month")


@pytest.mark.parametrize("name, low, high, words", [
    ("escape_rate", 3e-5, math.nan, "escape chance above 0.003% a month"),
    ("hike_month", 3.0, math.nan, "month of the hike above month 3 after arrival"),
    ("wage_construction_sakhalin", math.nan, 90_500.4,
     "builders' wage (Sakhalin) below 90,500 RUB a month"),
    ("hike", 0.2034, 0.5, "quota hike between +20.3% and +50%"),
])
def test_a_limit_keeps_its_unit_and_its_digits(name, low, high, words):
    assert condition(name, low, high) == words


def test_a_threshold_is_told_with_its_unit_and_not_rounded_away():
    assert Question("share_sent_home", 1e-3, above=True).words() == (
        "the share of workers sent home early above 0.1%")
    assert Question("logging_rfe.median_take_home_usd", 1500, above=False).words() == (
        "the median pay received at return (Logging, Russian Far East) below 1,500 USD")
    below = Question("share_sent_home", 0.2, above=False)
    runs = pd.DataFrame({"share_sent_home": [0.1, 0.2, 0.3]})
    assert below.cases(runs).tolist() == [True, False, False]


def test_every_numeric_parameter_has_a_name_of_its_own():
    from sim.scenario import SPECS, plain_name

    numeric = [k for k, s in SPECS.items() if not s.choices and not s.table
               and k != "side_work"]
    names = [plain_name(k) for k in numeric]
    assert all(SPECS[k].label for k in numeric)
    assert len(set(names)) == len(names), sorted(n for n in names if names.count(n) > 1)


def test_a_second_box_is_counted_over_every_run_inside_its_limits():
    # two regions: PRIM finds one, then the other among the runs outside the first;
    # the second box's runs, cases, density and coverage are those of every run inside
    # its limits, as its sentence says, not only of those outside box 1
    rng = np.random.default_rng(5)
    inputs = pd.DataFrame(rng.uniform(size=(2000, 3)),
                          columns=["hike", "weather_days_lost", "living_cost_usd"])
    cases = ((inputs["hike"] > 0.7) | (inputs["weather_days_lost"] > 0.75)).to_numpy()
    boxes, peeling = find_boxes(inputs, cases)
    assert sorted(boxes["box"].unique()) == [1, 2]
    for number, rows in boxes.groupby("box"):
        inside = np.ones(len(inputs), dtype=bool)
        for _, r in rows.iterrows():
            values = inputs[r["input"]]
            inside &= ((math.isnan(r["low"]) | (values >= r["low"]))
                       & (math.isnan(r["high"]) | (values <= r["high"]))).to_numpy()
        first = rows.iloc[0]
        assert first["runs"] == inside.sum() and first["cases"] == (inside & cases).sum()
        assert first["coverage"] == pytest.approx((inside & cases).sum() / cases.sum())
        assert first["density"] == pytest.approx((inside & cases).sum() / inside.sum())
    second = boxes[boxes["box"] == 2].iloc[0]
    assert second["input"] == "weather_days_lost" and abs(second["low"] - 0.75) < 0.05
    # PRIM's own count for it (outside box 1) is smaller: the trajectory keeps it
    reported = peeling[peeling["reported"] & (peeling["box"] == 2)].iloc[0]
    assert reported["coverage"] < second["coverage"] - 0.1
    [_, line] = sentences(boxes, Question("share_sent_home", 0.5, above=True))
    assert line.startswith("Days lost to weather above 7")
    assert f"of these {second['runs']:,} runs" in line
    assert f"they are {second['coverage']:.0%} of all runs that have it" in line
    # both boxes come back on every random half of the runs
    assert (boxes["resampled"] == 1).all()


@pytest.mark.parametrize("values, message", [
    ([0.9, 0.8, 0.7], "every run has"),
    ([0.1, 0.2, 0.3], "no run has"),
    ([0.9, math.nan, 0.1], "missing from some runs"),
])
def test_a_question_without_an_answer_is_refused(values, message):
    runs = pd.DataFrame({"hike": [0.1, 0.2, 0.3], "share_sent_home": values})
    with pytest.raises(ScenarioError, match=message):
        discover(runs, ["hike"], Question("share_sent_home", 0.5, above=True))


def test_a_sector_absent_from_the_runs_is_refused_before_any_run(tmp_path, capsys):
    doc = {"fixed": {"share_construction_sakhalin": 0.0}, "sample": {
        "method": "lhs", "n": 4, "bounds": {"hike": [0.0, 1.0]}}}
    with pytest.raises(ScenarioError, match="no Sakhalin construction|no .*Sakhalin"):
        experiment_from_dict({**doc, "discover": {
            "outcome": "construction_sakhalin.share_sent_home", "above": 0.5}})
    spec = tmp_path / "s.toml"
    spec.write_text(SAMPLED)
    assert main(["discover", str(spec), "--outcome", "construction_sakhalin.share_sent_home",
                 "--above", "0.5", "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and "share_construction_sakhalin = 0" in err
    assert not (tmp_path / "out").exists() and not (tmp_path / "results").exists()


def test_without_ema_workbench_a_discover_spec_is_refused_at_loading(monkeypatch):
    import sys

    monkeypatch.setitem(sys.modules, "ema_workbench.analysis", None)  # not installed
    with pytest.raises(ScenarioError, match=r"quotasim\[discovery\]"):
        experiment_from_dict({"sample": {"method": "lhs", "n": 4,
                                         "bounds": {"hike": [0.0, 1.0]}},
                              "discover": {"outcome": "share_sent_home", "above": 0.5}})


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
    assert "found again: quota hike" in out and "same runs" in out
    folder = tmp_path / "results" / "discovery" / "tiny_discovery"
    boxes = pd.read_csv(folder / "boxes.csv")
    assert "hike" in set(boxes.loc[boxes["box"] == 1, "input"])
    assert (folder / "peeling.csv").exists() and (folder / "discovery.png").exists()
    # the runs are the sweep's, in its folder; asking the other way round reuses them
    data = tmp_path / "results" / "data" / "tiny_discovery"
    assert is_current(load_experiment(spec), data)
    assert main(["discover", str(spec), "--outcome", "share_sent_home", "--below", "0.6",
                 "--executor", "serial", "--out", str(tmp_path / "below")]) == 0
    captured = capsys.readouterr()
    assert "below 60%" in captured.out and "nothing to do" in captured.err
    below = pd.read_csv(tmp_path / "below" / "boxes.csv")
    assert below.loc[below["input"] == "hike", "high"].notna().all()  # low hikes


@pytest.mark.slow  # 40 small runs
def test_another_question_than_the_specs_leaves_its_folder_alone(tmp_path, capsys,
                                                                 monkeypatch):
    monkeypatch.chdir(tmp_path)
    spec = tmp_path / "s.toml"
    # the spec's own question has no answer (no run sends everyone home): asking
    # another one must neither compute nor fail on it
    spec.write_text(SAMPLED + '[discover]\noutcome = "share_sent_home"\nabove = 1.0\n')
    assert main(["discover", str(spec), "--outcome", "share_sent_home", "--above", "0.6",
                 "--executor", "serial", "--out", str(tmp_path / "mine")]) == 0
    assert capsys.readouterr().out.startswith("box 1: ")
    assert (tmp_path / "mine" / "runs" / "runs.parquet").exists()
    assert not (tmp_path / "results" / "data").exists()  # the sweep's folder untouched


@pytest.mark.slow  # a Saltelli design of 32 small runs, stored and read back
def test_the_stored_sobol_table_is_salibs_for_the_stored_runs(tmp_path, monkeypatch):
    from SALib.analyze import sobol

    from sim import provenance

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
    # other analysis code (or another SALib) makes the table stale, and it is made
    # again from the stored runs, none computed again
    monkeypatch.setattr(provenance, "ANALYSIS_CODE",
                        {**provenance.ANALYSIS_CODE, "sobol": ("discovery.py", "SALib")})
    assert not is_current(exp, tmp_path / "data")
    assert is_current(exp, tmp_path / "data", analyses=False)  # the runs still are
    again = run_experiment(exp, out=tmp_path / "data")
    assert again.computed == 0 and is_current(exp, tmp_path / "data")


def test_the_sobol_table_analyses_the_mean_over_replicates():
    from SALib.analyze import sobol
    from SALib.sample import sobol as saltelli

    from sim.sensitivity import sobol_table

    sample = {"names": ["hike", "weather_days_lost"],
              "bounds": {"hike": [0.0, 2.0], "weather_days_lost": [0.0, 0.4]}}
    problem = {"num_vars": 2, "names": sample["names"],
               "bounds": [[0.0, 2.0], [0.0, 0.4]]}
    x = saltelli.sample(problem, 16, calc_second_order=False, seed=2)
    rng = np.random.default_rng(4)
    truth = 0.3 * x[:, 0] + x[:, 1] ** 2
    runs = pd.DataFrame([{"point": p, "replicate": r,
                          "share_sent_home": truth[p] + rng.normal(0, 0.05)}
                         for p in range(len(x)) for r in range(3)])
    table = sobol_table(runs, sample).set_index("input")
    means = runs.groupby("point")["share_sent_home"].mean().to_numpy()
    direct = sobol.analyze(problem, means, calc_second_order=False, seed=1)
    for key in ["S1", "S1_conf", "ST", "ST_conf"]:
        np.testing.assert_allclose(table.loc[sample["names"], key], direct[key])
    first = sobol.analyze(problem, runs[runs["replicate"] == 0]["share_sent_home"]
                          .to_numpy(), calc_second_order=False, seed=1)
    assert not np.allclose(table.loc[sample["names"], "ST"], first["ST"])


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
    try:
        # the first-order index below zero is drawn as it is, its interval about it,
        # and the axis shows the whole interval
        widths = sorted(p.get_width() for p in fig.axes[0].patches)
        assert widths[0] == pytest.approx(-0.02)
        low, high = fig.axes[-1].get_xlim()
        assert low <= -0.02 - 0.05 and high >= 0.5 + 0.1 + 0.04
        caps = [seg for c in fig.axes[0].collections for seg in c.get_segments()]
        assert any(np.allclose(sorted(x for x, _ in seg), [-0.07, 0.03]) for seg in caps)
    finally:
        import matplotlib.pyplot as plt

        plt.close(fig)


def test_the_discovery_experiment_samples_the_priors_ranges():
    """experiments/discovery.toml copies the calibration's priors (an experiment cannot
    read sim/data/priors.toml): every input the two share has the same range."""
    import tomllib
    from importlib.resources import files

    priors = tomllib.loads(files("sim").joinpath("data/priors.toml").read_text())["priors"]
    spec = tomllib.loads((FIGURES.parent / "discovery.toml").read_text())
    bounds = spec["sample"]["bounds"]
    shared = set(priors) & set(bounds)
    assert shared == set(priors) - {"wage_seafood_dalian"}  # no Dalian worker here
    for name in shared:
        assert bounds[name] == priors[name]["range"], name
