"""The reported patterns and `quotasim validate`: the shipped file is valid and its
readings exist; rival structures are told apart; a broken structure fails the patterns it
should; the committed validation table is what the code gives; bad files are one line."""

import json
import math
from pathlib import Path

import pytest

from sim.cli import main
from sim.patterns import load_patterns, pattern_values, read
from sim.scenario import DEFAULT_STRUCTURE, STRUCTURES, V1_STRUCTURE
from sim.validation import ROOT_SEED, as_json, validate

ROOT = Path(__file__).resolve().parent.parent
COMMITTED = ROOT / "results" / "validation" / "validation.json"
# every wage zero: nobody can pay anything
BROKEN = {"wage_construction_rfe": 0.0, "wage_construction_sakhalin": 0.0,
          "wage_logging_rfe": 0.0, "wage_seafood_dalian": 0.0}


@pytest.fixture(scope="module")
def patterns():
    return load_patterns()


def test_the_shipped_patterns_cover_what_the_issue_asks(patterns):
    names = {p.name for p in patterns}
    assert {"china_worker_share", "hours_per_day", "berries_for_the_quota",
            "settlement_deductions", "construction_every_day", "no_departures_in_the_closure",
            "entries_2023", "entries_2024", "escapes_per_worker_year",
            "sent_home_under_the_hike"} <= names
    for p in patterns:
        assert p.source and p.fact and p.low <= p.high


def test_every_pattern_reads_a_number_the_default_structure_gives(patterns):
    values = pattern_values(patterns, STRUCTURES[DEFAULT_STRUCTURE], seed=3)
    assert set(values) == {p.name for p in patterns}
    assert all(math.isfinite(v) for v in values.values()), values


def test_distance_is_zero_inside_and_grows_outside(patterns):
    hours = next(p for p in patterns if p.name == "hours_per_day")  # [12, 16]
    assert hours.distance(12) == hours.distance(14) == hours.distance(16) == 0
    assert 0 < hours.distance(17) < hours.distance(18) == hours.distance(10)
    assert hours.distance(math.nan) > hours.distance(30)  # nothing to read: far outside
    escapes = next(p for p in patterns if p.name == "escapes_per_worker_year")
    assert escapes.log and escapes.distance(0.0) >= escapes.distance(1e-5) > 0


def test_a_reading_per_a_parameter_of_zero_is_nothing_to_read(patterns):
    entries = next(p for p in patterns if p.per)
    outcomes = {"by_year": {"2023": {"arrivals": 5}, "2024": {"arrivals": 5,
                                                             "abroad_end": 5}}}
    assert entries.value(outcomes, {entries.per: 0.5}) == 10
    assert math.isnan(entries.value(outcomes, {entries.per: 0.0}))


def test_read_walks_the_run_json_and_gives_nan_where_the_run_has_nothing():
    outcomes = {"share_escaped": 0.1, "by_sector": {"logging_rfe": {"share_escaped": 0.2}},
                "by_year": {"2023": {"arrivals": 5}}}
    assert read(outcomes, "by_sector.logging_rfe.share_escaped") == 0.2
    assert read(outcomes, "by_year.2023.arrivals") == 5
    assert math.isnan(read(outcomes, "by_sector.seafood_dalian.share_escaped"))
    assert math.isnan(read(outcomes, "by_year.2030.arrivals"))


@pytest.fixture(scope="module")
def table(patterns):
    return validate(patterns, {"v1-worker-levy": V1_STRUCTURE,
                               DEFAULT_STRUCTURE: STRUCTURES[DEFAULT_STRUCTURE],
                               "broken": BROKEN}, seeds=2)


def outside(table, structure):
    rows = table[table["structure"] == structure]
    return set(rows.loc[~rows["inside"], "pattern"])


def test_a_broken_structure_fails_the_patterns_it_should(table):
    # no pay: every worker falls into arrears and is sent home, nothing is credited,
    # nobody completes with savings, and nobody works a normal day's worth of pay
    assert {"china_worker_share", "settlement_deductions", "sent_home_under_the_hike",
            "construction_every_day"} <= outside(table, "broken")
    assert len(outside(table, "broken")) > len(outside(table, DEFAULT_STRUCTURE))


def test_the_v1_structure_fails_what_it_cannot_do(table):
    # each worker paying its own levy has no escapes, and no firm between host and
    # worker to take a cut: it misses the escapes and the worker's share of pay
    assert {"escapes_per_worker_year", "china_worker_share"} <= outside(table, "v1-worker-levy")
    assert "escapes_per_worker_year" not in outside(table, DEFAULT_STRUCTURE)


def test_the_validation_is_deterministic_for_its_seeds(patterns, table):
    again = validate(patterns, {"broken": BROKEN}, seeds=2)
    mine = table[table["structure"] == "broken"].reset_index(drop=True)
    assert again["mean"].equals(mine["mean"])


@pytest.mark.slow
def test_the_committed_validation_is_what_the_code_gives(patterns):
    """results/validation/ (shown in the README) is refreshed with `quotasim validate`;
    a change to the model or the patterns that moves a number shows here."""
    committed = json.loads(COMMITTED.read_text())
    fresh = as_json(validate(patterns, seeds=len(committed["seeds"]), root_seed=ROOT_SEED))
    for name, structure in committed["structures"].items():
        got = {p["name"]: p for p in fresh["structures"][name]["patterns"]}
        for p in structure["patterns"]:
            assert got[p["name"]]["inside"] == p["inside"], (name, p["name"])
            if p["value"] is None:
                assert got[p["name"]]["value"] is None or math.isnan(got[p["name"]]["value"])
            else:
                assert got[p["name"]]["value"] == pytest.approx(p["value"], rel=1e-9), \
                    (name, p["name"])


def test_validate_json_on_the_command_line(tmp_path, capsys):
    assert main(["validate", "--structure", "firm", "--seeds", "2", "--json",
                 "--executor", "serial", "--out", str(tmp_path)]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["default"] == DEFAULT_STRUCTURE
    firm = out["structures"]["firm"]
    assert firm["total"] == len(firm["patterns"]) == len(load_patterns())
    assert firm["inside"] == sum(p["inside"] for p in firm["patterns"])
    assert {"name", "inside", "value", "range"} <= set(firm["patterns"][0])
    assert {p.name for p in tmp_path.iterdir()} >= {"validation.csv", "validation.json",
                                                     "validation.png"}


ONE = '''[[pattern]]
name = "h"
fact = "f"
source = "s"
scenario = "russia-2021"
reads = "mean_hours_per_day"
range = [12, 16]
'''


@pytest.mark.parametrize("text, says", [
    ("[[pattern]\n", "not valid TOML"),
    ("x = 1\n", "holds [[pattern]] entries"),
    (ONE.replace('fact = "f"\n', ""), "missing fact"),
    (ONE + "colour = 1\n", "unknown key(s) colour"),
    (ONE.replace("mean_hours_per_day", "mean_hours"), "not an outcome"),
    (ONE.replace("mean_hours_per_day", "by_sector.mars.share_escaped"), "not an outcome"),
    (ONE.replace("[12, 16]", "[16, 12]"), "low <= high"),
    (ONE.replace("[12, 16]", '["a", 1]'), "range must be"),
    (ONE.replace("russia-2021", "atlantis"), "unknown preset"),
    (ONE + "set = { hike = -1 }\n", "out of range"),
    (ONE + "per = \"events\"\n", "per must name a numeric parameter"),
    (ONE + "scale = 0\n", "scale must be"),
    (ONE + "log = 1\n", "log must be"),
    (ONE + ONE, "names must differ"),
])
def test_a_malformed_patterns_file_is_one_line_and_exit_2(tmp_path, capsys, text, says):
    path = tmp_path / "patterns.toml"
    path.write_text(text)
    assert main(["validate", "--patterns", str(path), "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert says in err and err.count("\n") == 1, err
    assert not (tmp_path / "out").exists()  # nothing written


def test_an_unknown_structure_is_one_line(capsys):
    assert main(["validate", "--structure", "v2"]) == 2
    assert "invalid choice" in capsys.readouterr().err


def test_the_readme_shows_the_committed_validation_and_calibration():
    """The README's table and posterior are made from results/validation/ and
    results/calibration/ by `python -m sim.docs`; they go stale together or not at all."""
    from sim.docs import README, with_results

    text = README.read_text()
    assert with_results(text) == text, "README is stale: run `python -m sim.docs`"


def test_validate_with_a_posterior_runs_each_seed_with_its_draw(patterns, tmp_path, capsys):
    """A posterior check: the defaults pay out 65% of a large ledger, outside the
    reported 30-50%; drawn from a posterior around 0.55 deducted, the pattern is met."""
    (tmp_path / "posterior.csv").write_text(
        "weight,settlement_deduction_share\n1,0.54\n1,0.56\n")
    settlement = [p for p in patterns if p.name == "settlement_deductions"]
    assert main(["validate", "--structure", DEFAULT_STRUCTURE, "--seeds", "2", "--json",
                 "--executor", "serial", "--out", str(tmp_path / "plain")]) == 0
    plain = json.loads(capsys.readouterr().out)
    assert main(["validate", "--structure", DEFAULT_STRUCTURE, "--seeds", "2", "--json",
                 "--executor", "serial", "--posterior", str(tmp_path / "posterior.csv"),
                 "--out", str(tmp_path / "checked")]) == 0
    checked = json.loads(capsys.readouterr().out)

    def settled(out):
        rows = out["structures"][DEFAULT_STRUCTURE]["patterns"]
        return next(p for p in rows if p["name"] == settlement[0].name)

    assert not settled(plain)["inside"] and settled(checked)["inside"]
    record = json.loads((tmp_path / "checked" / "validation.json").read_text())
    assert record["posterior"]["digest"]
