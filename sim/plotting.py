"""What every figure script shares: the style, sector colours and the reported hikes.
Figure scripts live in ``experiments/figures/``; each gets an experiment's results
(``sim.results.ExperimentResult``) and returns a Figure."""

from contextlib import contextmanager
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402
from matplotlib.lines import Line2D  # noqa: E402

from sim import colors  # noqa: E402
from sim.economy import quota_factor  # noqa: E402
from sim.labels import SECTOR_LABELS, axis_label, outcome_axis  # noqa: E402
from sim.scenario import load_preset, validate  # noqa: E402

STYLE = Path(__file__).with_name("quotasim.mplstyle")
SECTOR_COLORS = colors.SECTOR
HIKE_AXIS = axis_label("hike")  # "Quota hike (%)": every figure against the hike
# the two shares every hike figure shows, in one order, with one wording
SHARE_PANELS = {name: outcome_axis(name) for name in ("share_sent_home",
                                                      "share_missed_goal")}
# the founding reports' workforces, as a reader would name them
PRESET_TITLES = {"russia-2021": "Russian Far East: builders and loggers (2021)",
                 "sakhalin-dalian-2025": "Sakhalin builders, Dalian plants (2025)"}
WIDTH = 3.4  # inches: one column of a journal page


def reported_hikes() -> dict[str, float]:
    """The hikes the reports give, read from the presets: label -> fraction."""
    russia = validate(load_preset("russia-2021")[0])
    doubled = validate(load_preset("sakhalin-dalian-2025")[0])

    def rise(p, sector):
        return quota_factor(p, sector, p["hike_month"]) - 1

    return {
        "2021 construction": rise(russia, "construction_rfe"),
        "2021 forestry": rise(russia, "logging_rfe"),
        "2025 doubling": rise(doubled, "construction_sakhalin"),
    }


def mark_reported_hikes(ax, percent: bool = True, labels: bool = True) -> None:
    """Dotted vertical lines at the reported hikes, named on an axis above the panel,
    off the curves (not on a panel whose neighbour above already names them)."""
    scale = 100 if percent else 1
    hikes = reported_hikes()
    for hike in hikes.values():
        ax.axvline(hike * scale, color=colors.REFERENCE, lw=0.7, ls=":", zorder=0)
    if labels:
        top = ax.secondary_xaxis("top")
        # upright, so that hikes close together (+39%, +56%) keep apart
        top.set_xticks([h * scale for h in hikes.values()],
                       [f"{h:+.0%}" for h in hikes.values()], fontsize=6, color="0.35",
                       rotation=90)
        top.tick_params(length=2, pad=1)
        top.set_xlabel("dotted: hikes reported (" + ", ".join(hikes) + ")", fontsize=5.5,
                       color="0.35")


# what a band shows: the 95% interval of the mean over the seeds, or where 95% of the
# runs fall: the summary's columns
BANDS = {"ci": ("ci_low", "ci_high"), "pi": ("pi_low", "pi_high")}


def band_title(interval: str, provenance: dict) -> str:
    """What a band covers, for a legend's title: chance only, or chance and the
    parameters' uncertainty when the experiment drew each replicate's parameters from a
    posterior (its provenance names the file; without one it is None)."""
    if interval == "ci":
        return "band: 95% interval of the mean\n(chance only)"
    if provenance.get("posterior"):
        return ("band: where 95% of runs fall (chance\nand the calibrated parameters' "
                "uncertainty)")
    return "band: where 95% of runs fall\n(chance only: parameters fixed)"


def band(ax, x, mean, low, high, color, label=None, ls="-"):
    """A mean line with its 95% band."""
    ax.fill_between(x, low, high, color=color, alpha=0.2, lw=0)
    ax.plot(x, mean, color=color, label=label, ls=ls)


def sector_curves(ax, summary: pd.DataFrame, name: str, *, ls: str = "-",
                  interval: str = "ci", labelled: bool = True) -> None:
    """One outcome against the hike (%) for every sector in ``summary``, with bands
    (``interval``: a key of ``BANDS``), each curve named after its sector."""
    low, high = BANDS[interval]
    for sector, color in SECTOR_COLORS.items():
        rows = outcome(summary, name, sector)
        if not rows.empty:
            band(ax, rows["hike"] * 100, rows["mean"], rows[low], rows[high], color,
                 SECTOR_LABELS[sector] if labelled else None, ls=ls)


def share_against_hike(ax, ylabel: str, labels: bool = True) -> None:
    """Axes for a share against the hike, with the reported hikes marked."""
    mark_reported_hikes(ax, labels=labels)
    ax.set_ylabel(ylabel)
    ax.set_ylim(0, 1.02)


def shares_against_hike(data, interval: str, styles=(("", "-", None),)):
    """Figure 1's layout, shared by the figures that follow it: the share sent home
    above the share missing their goal, against the hike, one x axis labelled at the
    bottom, each sector a colour. ``data``: an experiment's results (its summary, and
    its provenance for what the band covers); ``styles``: (name, line style, rows of
    the summary or None for all) for each group of curves, the sectors named once and
    each named group's line style once; the legend, below the panels, names what the
    band shows."""
    summary = data["summary"]
    fig, axes = plt.subplots(2, 1, figsize=(WIDTH, 5.2), sharex=True)
    for i, (ax, (name, label)) in enumerate(zip(axes, SHARE_PANELS.items())):
        for group, (_, ls, rows) in enumerate(styles):
            sector_curves(ax, summary if rows is None else summary[rows], name, ls=ls,
                          interval=interval, labelled=group == 0)
        share_against_hike(ax, label, labels=i == 0)
    axes[-1].set_xlabel(HIKE_AXIS)
    handles, labels = axes[-1].get_legend_handles_labels()
    for style, ls, _ in styles:
        if style:
            handles.append(Line2D([], [], color=colors.REFERENCE, ls=ls))
            labels.append(style)
    fig.legend(handles, labels, loc="outside lower left",
               title=band_title(interval, data["provenance"]), title_fontsize=5.5,
               fontsize=6, alignment="left")
    return fig


def outcome(summary: pd.DataFrame, name: str, sector: str = "all") -> pd.DataFrame:
    """One outcome's rows of a summary table, for one sector, in design order."""
    rows = summary[(summary["outcome"] == name) & (summary["sector"] == sector)]
    return rows.sort_values("point")


@contextmanager
def style():
    with plt.style.context(STYLE):
        yield


def save(fig, stem: Path) -> list[Path]:
    """The figure as PDF (vector, fonts embedded) and PNG, without timestamps, so the
    same data give the same files."""
    stem.parent.mkdir(parents=True, exist_ok=True)
    paths = [stem.with_suffix(".pdf"), stem.with_suffix(".png")]
    fig.savefig(paths[0], metadata={"CreationDate": None, "ModDate": None})
    fig.savefig(paths[1], metadata={"Software": None})
    plt.close(fig)
    return paths
