"""What every figure script shares: the style, sector colours and the reported hikes.
Figure scripts live in ``experiments/figures/``; each gets an experiment's results
(``sim.results.ExperimentResult``) and returns a Figure."""

from contextlib import contextmanager
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402

from sim import colors  # noqa: E402
from sim.economy import quota_factor  # noqa: E402
from sim.scenario import load_preset, validate  # noqa: E402
from sim.sectors import SECTORS  # noqa: E402

STYLE = Path(__file__).with_name("quotasim.mplstyle")
SECTOR_COLORS = colors.SECTOR
SECTOR_LABELS = {s.key: s.label for s in SECTORS}
# the two shares every hike figure shows, in one order, with one wording
SHARE_PANELS = {"share_sent_home": "Sent home early (share)",
                "share_missed_goal": "Missing their savings goal (share)"}
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
    """Dotted vertical lines at the reported hikes, labelled at the top (not on a panel
    whose neighbour above already names them)."""
    scale = 100 if percent else 1
    for label, hike in reported_hikes().items():
        ax.axvline(hike * scale, color=colors.REFERENCE, lw=0.7, ls=":", zorder=0)
        if labels:
            ax.text(hike * scale, 1.0, f" {label}", transform=ax.get_xaxis_transform(),
                    rotation=90, va="top", ha="right", fontsize=6, color="0.35")


# what a band shows: the 95% interval of the mean (chance only, over the seeds), or where
# 95% of the runs fall (with a posterior: chance and parameter uncertainty)
BANDS = {"ci": ("ci_low", "ci_high", "band: 95% interval of the mean\n(chance only)"),
         "pi": ("pi_low", "pi_high", "band: where 95% of runs fall (chance\n"
                                     "and the unsourced parameters' uncertainty)")}


def band(ax, x, mean, low, high, color, label=None, ls="-"):
    """A mean line with its 95% band."""
    ax.fill_between(x, low, high, color=color, alpha=0.2, lw=0)
    ax.plot(x, mean, color=color, label=label, ls=ls)


def sector_curves(ax, summary: pd.DataFrame, name: str, *, ls: str = "-",
                  suffix: str = "", interval: str = "ci") -> None:
    """One outcome against the hike (%) for every sector in ``summary``, with bands
    (``interval``: a key of ``BANDS``)."""
    low, high, _ = BANDS[interval]
    for sector, color in SECTOR_COLORS.items():
        rows = outcome(summary, name, sector)
        if not rows.empty:
            band(ax, rows["hike"] * 100, rows["mean"], rows[low], rows[high], color,
                 SECTOR_LABELS[sector] + suffix, ls=ls)


def share_against_hike(ax, ylabel: str, labels: bool = True) -> None:
    """Axes for a share against the hike, with the reported hikes marked."""
    mark_reported_hikes(ax, labels=labels)
    ax.set_ylabel(ylabel)
    ax.set_ylim(0, 1.02)


def shares_against_hike(summary: pd.DataFrame, interval: str, styles=(("", "-", None),)):
    """Figure 1's layout, shared by the figures that follow it: the share sent home
    above the share missing their goal, against the hike, one x axis labelled at the
    bottom, each sector a colour. ``styles``: (suffix, line style, rows of ``summary``
    or None for all) for each group of curves; the legend names what the band shows."""
    fig, axes = plt.subplots(2, 1, figsize=(WIDTH, 4.6), sharex=True)
    for i, (ax, (name, label)) in enumerate(zip(axes, SHARE_PANELS.items())):
        for suffix, ls, rows in styles:
            sector_curves(ax, summary if rows is None else summary[rows], name, ls=ls,
                          suffix=suffix, interval=interval)
        share_against_hike(ax, label, labels=i == 0)
    axes[-1].set_xlabel("Quota hike (%)")
    axes[-1].legend(loc="lower right", title=BANDS[interval][2], title_fontsize=5.5,
                    fontsize=6)
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
