"""Parameters: one place for defaults, validated, loadable from TOML."""

import pytest

from sim.scenario import (
    DEFAULTS, SPECS, QuotaScenario, ScenarioError, coerce, load_preset, make_scenario,
    param_table, parse_assignments, preset_names, validate,
)


def test_every_parameter_has_a_unit_or_choice_a_meaning_and_a_source():
    assert set(SPECS) == set(DEFAULTS)
    for name, spec in SPECS.items():
        assert spec.doc and spec.source, name
        assert spec.source.startswith(("S", "D", "A")), name


def test_every_default_is_valid():
    assert validate({}) == DEFAULTS
    for name, value in DEFAULTS.items():
        assert coerce(name, value) == value


def test_presets_are_valid_and_named():
    assert preset_names() == ["history-china-2017-2026", "history-russia-2017-2026",
                              "russia-2021", "sakhalin-dalian-2025"]
    for name in preset_names():
        params, description = load_preset(name)
        assert description
        validate(params)


@pytest.mark.parametrize("params, message", [
    ({"hikee": 1.0}, "did you mean hike"),
    ({"hike": -0.1}, "hike = -0.1 is out of range"),
    ({"side_work": "maybe"}, "true or false"),
    ({"n_workers": 2.5}, "whole number"),
    ({"share_logging_rfe": 1.5}, "out of range"),
    ({"share_logging_rfe": 0.5}, "must add up to 1"),
    ({"fx_path": "crash"}, "constant, shock, random"),
    ({"normal_hours": 17.0, "max_hours": 16.0}, "max_hours"),
    ({"hike": float("nan")}, "NaN"),
])
def test_bad_parameters_are_rejected_with_a_clear_message(params, message):
    with pytest.raises(ScenarioError, match=message):
        validate(params)


def test_command_line_values_are_read_in_the_parameter_type():
    assert parse_assignments(["hike=0.5", "side_work=false", "n_workers=200",
                              "fx_path=shock"]) == {
        "hike": 0.5, "side_work": False, "n_workers": 200, "fx_path": "shock"}
    with pytest.raises(ScenarioError, match="NAME=VALUE"):
        parse_assignments(["hike"])
    with pytest.raises(ScenarioError, match="must be a plain decimal number"):
        parse_assignments(["hike=lots"])


def test_toml_files_bad_and_good(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text("[params\nhike = 1")
    with pytest.raises(ScenarioError, match="not valid TOML"):
        load_preset(str(bad))
    with pytest.raises(ScenarioError, match="no such file"):
        load_preset(str(tmp_path / "missing.toml"))
    typo = tmp_path / "typo.toml"
    typo.write_text("[params]\nhkie = 1.0\n")
    with pytest.raises(ScenarioError, match="typo.toml: unknown parameter 'hkie'"):
        load_preset(str(typo))
    good = tmp_path / "good.toml"
    good.write_text('description = "mine"\n[params]\nhike = 0.5\n')
    assert load_preset(str(good)) == ({"hike": 0.5}, "mine")


def test_unknown_preset_names_the_presets():
    with pytest.raises(ScenarioError, match="presets: history-china-2017-2026, history-russia-2017"):
        load_preset("russia")


def test_scenario_is_a_mesa_scenario_with_the_defaults():
    s = make_scenario({"hike": 0.3}, seed=9)
    assert isinstance(s, QuotaScenario)
    assert s.hike == 0.3 and s.rng == 9 and s.n_workers == DEFAULTS["n_workers"]


def test_parameter_table_lists_every_parameter_once():
    table = param_table()
    for name in SPECS:
        assert table.count(f"| `{name}` |") == 1


def test_odd_parameter_table_is_the_generated_one():
    from sim.docs import ODD, with_table

    text = ODD.read_text()
    assert with_table(text) == text, "docs/ODD.md is stale: run `python -m sim.docs`"
