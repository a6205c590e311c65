"""Every figure script draws from a tiny version of its experiment's tables, with
its labels, and no two of its texts overlap."""

import itertools
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
    # panels stacked on one x axis, labelled at the bottom
    "hike_response": ("", "Sent home early (share)"),
    "demo": ("", "Sent home early (share)"),
    "revenue_peak": ("Quota hike (%)", "State revenue per slot-year (USD)"),
    "history": ("", "Workers abroad (reported scale)"),
    "take_home": ("", "Share of workers\nbringing home at most x"),
    "dynamics_2025": ("", "Hours worked\na day"),
    "exchange_rate": ("", "Missing their savings\ngoal (share)"),
    "sensitivity": ("", ""),  # the shared x label is on the lower panel
    "discovery": ("Coverage: share of all such runs in the box (%)",
                  "Density: share of its runs\nthat are such runs (%)"),
    "side_work": ("", "Sent home early (share)"),
}


def shrink(text: str) -> str:
    """The experiment at toy size: few workers, two replicates, a small sample (enough
    runs for scenario discovery to find a box)."""
    text = re.sub(r"n_workers = \d+", "n_workers = 40", text)
    text = re.sub(r"replicates = \d+", "replicates = 2", text)
    return re.sub(r"^n = \d+", "n = 64" if "[discover]" in text else "n = 8", text,
                  flags=re.M)


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


def overlaps(fig) -> list[tuple[str, str]]:
    """The pairs of visible texts (titles, labels, tick labels, legends, annotations)
    whose drawn boxes intersect by more than a pixel each way."""
    from matplotlib.text import Text

    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    drawn = []
    for ax in fig.axes:  # only the tick labels the axes draw (not those off its limits)
        for axis in (ax.xaxis, ax.yaxis):
            drawn += [t.label1 for t in axis._update_ticks() if t.label1.get_visible()]
    ticks = {id(t) for ax in fig.axes for t in [*ax.xaxis.get_major_ticks(),
                                                 *ax.yaxis.get_major_ticks(),
                                                 *ax.xaxis.get_minor_ticks(),
                                                 *ax.yaxis.get_minor_ticks()]
             for t in (t.label1, t.label2)}
    texts = drawn + [t for t in fig.findobj(Text) if id(t) not in ticks]
    boxes = [(t.get_text(), t.get_window_extent(renderer)) for t in texts
             if t.get_visible() and t.get_text().strip()]
    return [(a, b) for (a, p), (b, q) in itertools.combinations(boxes, 2)
            if min(p.x1, q.x1) - max(p.x0, q.x0) > 1 and min(p.y1, q.y1) - max(p.y0, q.y0) > 1]


@pytest.mark.slow  # tiny_data runs every experiment
@pytest.mark.parametrize("script", sorted(LABELS))
def test_no_two_texts_of_a_figure_overlap(script, tiny_data):
    module = load_script(LAYOUT.figure_scripts / f"{script}.py")
    with plotting.style():
        fig = module.plot(tiny_data[module.EXPERIMENT])
        assert overlaps(fig) == []


def test_the_overlap_check_sees_two_labels_on_one_spot():
    import matplotlib.pyplot as plt

    with plotting.style():
        fig, ax = plt.subplots()
        ax.text(0.5, 0.5, "peak +35%")
        assert overlaps(fig) == []
        ax.text(0.5, 0.5, "2021 construction", rotation=90)
        assert overlaps(fig) == [("peak +35%", "2021 construction")]
