"""Every figure script draws from a tiny version of its experiment's tables."""

import re
import tomllib
from pathlib import Path

import pytest

from sim import plotting
from sim.experiment import load_experiment
from sim.paths import Layout
from sim.reproduce import figure_scripts, load_script
from sim.runner import run_experiment

LAYOUT = Layout(Path(__file__).resolve().parent.parent / "experiments")
LABELS = {  # script -> (x label, y label) of its first axes
    "hike_response": ("Quota hike (%)", "Sent home early (share)"),
    "demo": ("Quota hike (%)", "Sent home early (share)"),
    "revenue_peak": ("Quota hike (%)", "Revenue per slot-year (USD)"),
    "history": ("", "Workers abroad (reported scale)"),
    "take_home": ("Take-home pay at return (USD)", "Share of workers with at most this"),
    "dynamics_2025": ("", "Hours per day worked"),
    "exchange_rate": ("Quota hike (%)", "Missing their savings goal (share)"),
    "sensitivity": ("", ""),  # the shared x label is on the lower panel
    "discovery": ("Coverage: share of all such runs in the box (%)",
                  "Density: share of its runs\nthat are such runs (%)"),
    "side_work": ("Quota hike (%)", "Missing their savings goal (share)"),
}


def shrink(text: str) -> str:
    """The experiment at toy size: few workers, two replicates, a small sample."""
    text = re.sub(r"n_workers = \d+", "n_workers = 40", text)
    text = re.sub(r"replicates = \d+", "replicates = 2", text)
    return re.sub(r"^n = \d+", "n = 8", text, flags=re.M)


@pytest.fixture(scope="module")
def tiny_data(tmp_path_factory):
    """Tables of every experiment at toy size, made by the real experiment code (in
    memory: nothing is stored)."""
    root = tmp_path_factory.mktemp("tiny")
    data = {}
    for spec in sorted(LAYOUT.experiments.glob("*.toml")):
        path = root / spec.name
        path.write_text(shrink(spec.read_text()))
        exp = load_experiment(path)
        data[exp.name] = run_experiment(exp, executor="serial")
    return data


def test_every_figure_has_a_label_check_and_an_experiment():
    scripts = {p.stem for p in figure_scripts(LAYOUT)}
    assert scripts == set(LABELS)
    names = {tomllib.loads(p.read_text()).get("name", p.stem)
             for p in LAYOUT.experiments.glob("*.toml")}
    for script in figure_scripts(LAYOUT):
        assert load_script(script).EXPERIMENT in names


@pytest.mark.slow  # tiny_data runs all eight experiments
@pytest.mark.parametrize("script", sorted(LABELS))
def test_plot_draws_from_a_tiny_table(script, tiny_data):
    module = load_script(LAYOUT.figure_scripts / f"{script}.py")
    with plotting.style():
        fig = module.plot(tiny_data[module.EXPERIMENT])
    ax = fig.axes[0]
    assert (ax.get_xlabel(), ax.get_ylabel()) == LABELS[script]
    assert ax.has_data()
