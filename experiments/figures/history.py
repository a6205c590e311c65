"""Figure 8: workers abroad and the state's revenue month by month, 2017-2026, in
Russia and in Dalian's plants, with the border closures shaded and the hosts'
withdrawals dashed (the tables in sim/data/), the legend below the panels saying so."""

import tomllib

import matplotlib.dates as mdates
import matplotlib.pyplot as plt
import pandas as pd
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from sim import colors, history
from sim.plotting import WIDTH
from sim.scenario import load_preset, validate

EXPERIMENT = "history"
TITLES = {"history-russia-2017-2026": "Russia", "history-china-2017-2026": "Dalian"}
CLOSED_ALPHA = 0.12  # the shading of a border closure


def plot(data):
    runs = data["runs"][["run_id", "preset"]]
    monthly = data["monthly"].merge(runs, on="run_id")
    spec = tomllib.loads(data["provenance"]["spec"])
    presets = [p for p in spec["vary"]["preset"] if p in set(runs["preset"])]
    fig, axes = plt.subplots(2, len(presets), figsize=(WIDTH, 4.0), sharex=True,
                             squeeze=False)
    for column, name in enumerate(presets):
        p = validate({**load_preset(name)[0], **spec.get("fixed", {})})
        start = pd.Timestamp(year=p["start_year"], month=p["start_month"], day=1)
        rows = monthly[(monthly["preset"] == name) & (monthly["month"] > 0)]
        mean = rows.groupby("month").mean(numeric_only=True)
        low = rows.groupby("month").quantile(0.05, numeric_only=True)
        high = rows.groupby("month").quantile(0.95, numeric_only=True)
        dates = [start + pd.DateOffset(months=int(m) - 1) for m in mean.index]
        scale = 1 / p["dispatch_scale"]  # back to reported workers
        for ax, series, factor, label in (
                (axes[0][column], "stock", scale, "Workers abroad (reported scale)"),
                (axes[1][column], "revenue_usd", scale / 1e6,
                 "State revenue\n(million USD a month)")):
            ax.fill_between(dates, low[series] * factor, high[series] * factor,
                            color=colors.HIKE, alpha=0.2, lw=0, label="5-95% of runs")
            ax.plot(dates, mean[series] * factor, color=colors.HIKE, label="mean of runs")
            mark_events(ax, p, start, len(mean))
            ax.set_ylim(bottom=0)
            if column == 0:
                ax.set_ylabel(label)
        axes[0][column].set_title(TITLES.get(name, name))
        # a tick every third year, written as the year: room for both columns
        axes[1][column].xaxis.set_major_locator(mdates.YearLocator(3))
        axes[1][column].xaxis.set_major_formatter(mdates.DateFormatter("%Y"))
    handles, labels = axes[0][0].get_legend_handles_labels()
    handles += [Patch(color=colors.REFERENCE, alpha=CLOSED_ALPHA, lw=0),
                Line2D([], [], color=colors.REFERENCE, lw=0.7, ls="--")]
    labels += ["border closed", "host withdraws its workers"]
    fig.legend(handles, labels, loc="outside lower left", fontsize=6, ncol=2)
    return fig


def mark_events(ax, p: dict, start: pd.Timestamp, months: int) -> None:
    """Border closures shaded, withdrawals dashed."""
    events = history.Events.of(p, months)
    present = [s for s in range(events.border_open.shape[1])
               if p["events"] != "none" and (events.border_open[:, s] < 1).any()
               or events.withdrawal[:, s].any()]
    def date(m):
        return start + pd.DateOffset(months=int(m))
    for s in present[:1]:  # the sites of a preset share their events
        closed = (events.border_open[:, s] < 1).nonzero()[0]
        if len(closed):
            ax.axvspan(date(closed[0]), date(closed[-1] + 1), color=colors.REFERENCE,
                       alpha=CLOSED_ALPHA, lw=0)
        for m in events.withdrawal[:, s].nonzero()[0]:
            ax.axvline(date(m), color=colors.REFERENCE, lw=0.7, ls="--")
