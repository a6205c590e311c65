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
    for table in LAYOUT.experiments.glob("*.csv"):  # the posterior a spec may draw from
        (root / table.name).write_bytes(table.read_bytes())
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
def test_plot_draws_from_a_tiny_table(script, drawn):
    ax = drawn(script).axes[0]
    assert (ax.get_xlabel(), ax.get_ylabel()) == LABELS[script]
    assert ax.has_data()


def every_axes(fig) -> list:
    """The figure's axes and their children (secondary axes, e.g. the reported hikes
    named above a panel)."""
    found, todo = [], list(fig.axes)
    while todo:
        ax = todo.pop()
        found.append(ax)
        todo += ax.child_axes
    return found


def tick_labels(fig) -> list:
    """The tick labels the figure draws, on both sides (label2: a twin or secondary
    axis), only of ticks inside the axis' view (those outside are not drawn)."""
    drawn = []
    for ax in every_axes(fig):
        for axis in (ax.xaxis, ax.yaxis):
            low, high = sorted(axis.get_view_interval())
            slack = 1e-9 * max(high - low, 1)
            for locs, ticks in ((axis.get_majorticklocs(), axis.get_major_ticks),
                                (axis.get_minorticklocs(), axis.get_minor_ticks)):
                for loc, tick in zip(locs, ticks(len(locs))):
                    if low - slack <= loc <= high + slack:
                        drawn += [t for t in (tick.label1, tick.label2) if t.get_visible()]
    return drawn


def texts(fig) -> list:
    """Every visible, non-empty text the figure draws: tick labels, titles, axis labels,
    legends' entries and titles, annotations."""
    from matplotlib.text import Text

    fig.canvas.draw()
    ticks = tick_labels(fig)
    every_tick = {id(t) for ax in every_axes(fig) for axis in (ax.xaxis, ax.yaxis)
                  for tick in [*axis.get_major_ticks(), *axis.get_minor_ticks()]
                  for t in (tick.label1, tick.label2)}
    found = ticks + [t for t in fig.findobj(Text) if id(t) not in every_tick]
    return [t for t in found if t.get_visible() and t.get_text().strip()]


def overlaps(fig) -> list[tuple[str, str]]:
    """The pairs of texts whose drawn boxes intersect by more than a pixel each way."""
    renderer = fig.canvas.get_renderer()
    boxes = [(t.get_text(), t.get_window_extent(renderer)) for t in texts(fig)]
    return [(a, b) for (a, p), (b, q) in itertools.combinations(boxes, 2)
            if min(p.x1, q.x1) - max(p.x0, q.x0) > 1 and min(p.y1, q.y1) - max(p.y0, q.y0) > 1]


def outside(fig) -> list[str]:
    """The texts that reach past the figure's canvas (which a tight bounding box would
    then widen beyond the width asked for)."""
    renderer = fig.canvas.get_renderer()
    page = fig.bbox
    return [t.get_text() for t in texts(fig)
            if (box := t.get_window_extent(renderer)).x0 < page.x0 - 1
            or box.x1 > page.x1 + 1 or box.y0 < page.y0 - 1 or box.y1 > page.y1 + 1]


def on_data(fig) -> list[str]:
    """Legends, and texts inside a panel, that lie on a curve, a band, a bar or a point
    of the data (reference lines across a whole panel aside)."""
    from matplotlib.collections import PathCollection

    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    legends = [*fig.legends, *(ax.get_legend() for ax in fig.axes if ax.get_legend())]
    labels = [(f"legend {lg.get_title().get_text() or lg.texts[0].get_text()!r}",
               lg.get_window_extent(renderer)) for lg in legends]
    labels += [(f"text {t.get_text()!r}", t.get_window_extent(renderer))
               for ax in fig.axes for t in ax.texts if t.get_visible()]
    hits = []
    for ax in fig.axes:
        for artist in [*ax.lines, *ax.collections, *ax.patches]:
            transform = artist.get_transform()
            if not artist.get_visible() or not transform.contains_branch(ax.transData):
                continue  # a line across the panel (axvline), or not data
            if isinstance(artist, PathCollection):  # scatter: its points
                points = [transform.transform(artist.get_offsets())]
                paths = []
            elif hasattr(artist, "get_xydata") and artist.get_linestyle() in ("None", ""):
                points = [transform.transform(artist.get_xydata())]  # markers only
                paths = []
            else:
                points = []
                raw = artist.get_paths() if hasattr(artist, "get_paths") else [
                    artist.get_path()]
                paths = [p.transformed(transform) for p in raw]
                filled = not hasattr(artist, "get_xydata")  # a band, a bar
            for name, box in labels:
                shrunk = box.expanded(0.98, 0.9)  # a touch at the very edge is not a hit
                if any(shrunk.count_contains(xy) for xy in points) or any(
                        len(p.vertices) and p.intersects_bbox(shrunk, filled=filled)
                        for p in paths):
                    hits.append(f"{name} on {artist.get_label() or type(artist).__name__}")
    return sorted(set(hits))


@pytest.fixture
def drawn(tiny_data):
    """Each figure script's figure from the tiny tables, closed afterwards."""
    import matplotlib.pyplot as plt

    figures = []

    def draw(script):
        module = load_script(LAYOUT.figure_scripts / f"{script}.py")
        fig = module.plot(tiny_data[module.EXPERIMENT])
        figures.append(fig)
        return fig

    with plotting.style():
        yield draw
    for fig in figures:
        plt.close(fig)


@pytest.mark.slow  # tiny_data runs every experiment
@pytest.mark.parametrize("script", sorted(LABELS))
def test_every_text_is_readable_and_on_the_page(script, drawn):
    fig = drawn(script)
    assert overlaps(fig) == []
    assert outside(fig) == []
    assert on_data(fig) == []
    assert fig.get_figwidth() == plotting.WIDTH


def test_the_checks_see_labels_on_one_spot_off_the_page_and_on_a_curve():
    import matplotlib.pyplot as plt

    with plotting.style():
        fig, ax = plt.subplots()
        try:
            ax.text(0.5, 0.5, "peak +35%")
            assert overlaps(fig) == [] and outside(fig) == [] and on_data(fig) == []
            ax.text(0.5, 0.5, "2021 construction", rotation=90)
            assert overlaps(fig) == [("peak +35%", "2021 construction")]
            ax.set_title("a title far too long for a single column of a journal page, and more",
                         loc="left")
            assert outside(fig) == [
                "a title far too long for a single column of a journal page, and more"]
            ax.plot([0, 1], [0.5, 0.5], label="curve")
            ax.fill_between([0, 1], [0.1, 0.1], [0.2, 0.2])
            ax.legend(loc="lower left")
            assert "text 'peak +35%' on curve" in on_data(fig)
            assert any(h.startswith("legend 'curve' on ") for h in on_data(fig))
            ax2 = ax.twinx()  # a twin axis' tick labels (label2) are seen too
            ax2.set_yticks([0.5], ["peak +35%, right"])
            assert "peak +35%, right" in [t.get_text() for t in texts(fig)]
        finally:
            plt.close(fig)


@pytest.mark.parametrize("posterior, covers", [
    (None, "chance only"), ({"path": "posterior.csv"}, "calibrated parameters")])
def test_a_band_says_the_parameters_are_uncertain_only_with_a_posterior(posterior, covers):
    import matplotlib.pyplot as plt
    import pandas as pd

    summary = pd.DataFrame([
        {"point": p, "hike": h, "sector": "construction_rfe", "outcome": o, "mean": 0.5,
         "pi_low": 0.4, "pi_high": 0.6}
        for p, h in enumerate([0.0, 0.5]) for o in plotting.SHARE_PANELS])
    module = load_script(LAYOUT.figure_scripts / "hike_response.py")
    with plotting.style():
        fig = module.plot({"summary": summary, "provenance": {"posterior": posterior}})
    try:
        title = " ".join(fig.legends[0].get_title().get_text().split())
        assert covers in title and "95% of runs" in title
    finally:
        plt.close(fig)
