"""The browser view without a browser: the page rendered by reacton, its widgets driven
from Python."""

import socket

import ipyvuetify as v
import ipywidgets
import numpy as np
import pytest
import solara

from sim import app, economy
from sim.cli import main
from sim.scenario import DEFAULT_PRESET, DEFAULTS, SPECS, load_preset, preset_names


class Page:
    """One rendered session of the page, with the widgets a user would touch."""

    def __init__(self):
        # AppLayout, as solara-server wraps every page: it shows the sidebar's controls
        _, self.rc = solara.render(solara.AppLayout(children=[app.Page()]),
                                   handle_error=False)

    def button(self, label):
        return self.rc.find(v.Btn, children=[label]).widget

    def control(self, kind, label):
        return self.rc.find(kind, label=label).widget

    def click(self, label, times=1):
        for _ in range(times):
            self.button(label).click()

    @property
    def text(self) -> str:
        return self.rc.find(solara.widgets.HTML).widget.unsafe_innerHTML

    @property
    def images(self) -> list[bytes]:
        return [bytes(w.value) for w in self.rc.find(ipywidgets.Image).widgets]


    def close(self):
        # outside a server every page shares Mesa's update counter: unmount, or each
        # Step would redraw the pages of earlier tests too
        self.rc.close()


@pytest.fixture
def page():
    page = Page()
    yield page
    page.close()


def label(name):
    return app.CONTROLS[name][0]


def test_the_page_offers_the_cohort_presets():
    assert app.cohort_presets() == ["russia-2021", "sakhalin-dalian-2025"]
    assert set(app.cohort_presets()) < set(preset_names())


@pytest.mark.parametrize("preset", app.cohort_presets())
def test_controls_start_at_the_scenario_defaults_and_the_preset_values(preset):
    params, _ = load_preset(preset)
    controls = app.model_params(preset)
    for name in app.CONTROLS:
        expected = app.SHOWN_WORKERS if name == "n_workers" else params.get(name, DEFAULTS[name])
        assert controls[name]["value"] == expected, name
        if SPECS[name].choices:
            assert controls[name]["values"] == list(SPECS[name].choices)
        elif SPECS[name].lo is not None:
            assert controls[name]["min"] == SPECS[name].lo
    # every preset parameter reaches the model, through a control or fixed
    assert all(name in controls for name in params)
    # the controls' defaults are the scenario defaults where the preset is silent
    silent = [name for name in app.CONTROLS if name not in params and name != "n_workers"]
    assert silent and all(controls[name]["value"] == DEFAULTS[name] for name in silent)


def test_page_shows_the_controls_at_their_defaults(page):
    params, _ = load_preset(DEFAULT_PRESET)
    values = {**DEFAULTS, **params}
    for name in ("hike", "hike_month", "enforcement_months"):
        slider = page.control(v.Slider, label(name))
        assert slider.v_model == values[name]
        assert slider.min == SPECS[name].lo
        assert slider.max <= SPECS[name].hi  # the view may reach less far
    assert page.control(v.Slider, label("hike")).max == app.MAX_HIKE
    assert page.control(v.Slider, label("hike_month")).max == \
        values["contract_months"] + values["contract_spread_months"]
    assert page.control(v.Checkbox, label("side_work")).v_model == DEFAULTS["side_work"]
    rouble = page.control(v.Select, label("fx_path"))
    assert rouble.v_model == DEFAULTS["fx_path"] and rouble.items == list(SPECS["fx_path"].choices)
    assert page.control(v.Slider, label("n_workers")).v_model == app.SHOWN_WORKERS
    assert page.control(v.Slider, "Seed").v_model == app.DEFAULT_SEED
    assert page.control(v.Select, "Preset").v_model == DEFAULT_PRESET
    assert "January 2021, month 0 of" in page.text
    assert f"Workers abroad:</b> {app.SHOWN_WORKERS} of {app.SHOWN_WORKERS}" in page.text
    assert len(page.images) == 3


def test_step_advances_the_month_and_redraws(page):
    before = page.images
    page.click("Step", times=3)
    assert "April 2021, month 3 of" in page.text
    after = page.images
    assert all(a != b for a, b in zip(before, after))


def test_reset_with_untouched_controls_rebuilds_the_same_model(page):
    before = (page.text, page.images)
    page.click("Step", times=2)
    page.click("Reset")
    assert (page.text, page.images) == before


def test_reset_applies_the_changed_controls(page):
    assert "Construction, Russian Far East 600 (833 from May 2021)" in page.text
    page.control(v.Slider, label("hike")).v_model = 1.0
    page.control(v.Slider, label("hike_month")).v_model = 0
    page.control(v.Slider, label("n_workers")).v_model = 50
    page.control(v.Slider, "Seed").v_model = 7
    page.click("Step")
    assert "month 1 of" in page.text  # nothing changes before Reset
    page.click("Reset")
    text = page.text
    assert "month 0 of" in text and "Construction, Russian Far East 1,200;" in text
    assert "of 50</p>" in text and "seed 7" in text


def test_choosing_a_preset_rebuilds_controls_and_model(page):
    page.click("Step")
    page.control(v.Select, "Preset").v_model = "sakhalin-dalian-2025"
    params, _ = load_preset("sakhalin-dalian-2025")
    assert page.control(v.Slider, label("hike")).v_model == params["hike"]
    assert "September 2024, month 0 of" in page.text
    assert "Construction, Sakhalin" in page.text and "Logging" not in page.text


def test_each_session_has_its_own_model():
    first, second = Page(), Page()
    first.click("Step", times=2)
    assert "month 2 of" in first.text
    assert "month 0 of" in second.text
    first.close()
    second.close()


def test_every_step_redraws_every_view(page):
    """One Step click is a frame: a month of the model and every view redrawn. (How long
    a frame takes is a measurement, in docs/BENCHMARKS.md, not a test.)"""
    for month in range(1, 13):
        before = page.images
        page.click("Step")
        assert f"month {month} of" in page.text
        assert all(a != b for a, b in zip(before, page.images, strict=True))


def test_view_status_follows_the_worker_arrays():
    model = app.build_model(app.model_params(DEFAULT_PRESET))
    w = model.workers
    assert (app.view_status(w) == app.ON_PACE).all()  # nothing owed before the first month
    w.months_abroad[:] = 10
    w.months_left[:] = 30
    w.ledger[:] = w.target / 4  # a quarter of the contract served: just on pace
    w.ledger[1] = w.target[1] / 4 - 1
    w.arrears[2] = 5.0
    w.status[3:8] = [economy.HOME_ARREARS, economy.HOME_INJURY, economy.COMPLETED,
                     economy.ESCAPED, economy.HOME_COLLECTIVE]
    assert list(app.view_status(w)[:9]) == [
        app.ON_PACE, app.BEHIND, app.IN_ARREARS, app.HOME_ARREARS, app.HOME_INJURY,
        app.COMPLETED, app.ESCAPED, app.HOME_COLLECTIVE, app.ON_PACE]


def test_views_draw_when_every_worker_has_gone_home():
    model = app.build_model(app.model_params(DEFAULT_PRESET))
    model.run()
    assert model.abroad == 0
    for plot in (app.GridPlot, app.SeriesPlot, app.LedgerPlot):
        assert plot(model).png().startswith(b"\x89PNG")
    assert "Workers abroad:</b> 0 of" in app.summary_html(model)


@pytest.mark.parametrize("x, expected", [(0, 1), (-3, 1), (0.07, 0.1), (1, 1), (1.01, 2),
                                         (2.5, 3), (13_000, 20_000), (4.2e5, 5e5)])
def test_axis_limits_grow_in_round_steps(x, expected):
    assert app.nice_ceiling(x) == pytest.approx(expected)


@pytest.mark.parametrize("port", ["0", "70000"])
def test_viz_rejects_a_bad_port(port, capsys):
    assert main(["viz", "--port", port]) == 2
    err = capsys.readouterr().err
    assert err.startswith("quotasim: error: --port") and err.count("\n") == 1


def test_viz_says_in_one_line_that_the_port_is_taken(capsys):
    with socket.create_server(("127.0.0.1", 0)) as taken:
        port = taken.getsockname()[1]
        assert main(["viz", "--port", str(port)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"quotasim: error: cannot serve on 127.0.0.1 port {port}: ")
    assert err.count("\n") == 1
