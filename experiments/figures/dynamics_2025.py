"""Figure 4: a cohort in Sakhalin and Dalian month by month through the March 2025
doubling (and without it): hours, arrears, workers sent home, savings."""

import tomllib

import matplotlib.dates as mdates
import matplotlib.pyplot as plt
import pandas as pd

from sim import colors
from sim.plotting import WIDTH
from sim.scenario import load_preset, validate

EXPERIMENT = "dynamics_2025"
PANELS = [
    ("mean_hours_per_day", "Hours worked\na day"),
    ("share_in_arrears", "In arrears (share\nof those abroad)"),
    ("sent_home", "Sent home so far\n(share of cohort)"),
    ("mean_ledger_usd", "Mean ledger\nbalance (USD)"),
]


def plot(data):
    runs = data["runs"][["run_id", "hike"]]
    monthly = data["monthly"].merge(runs, on="run_id")
    cohort = monthly.loc[monthly["month"] == 0, "abroad"].iloc[0]
    monthly = monthly.assign(
        arrears=monthly["sent_home_arrears"] / cohort,
        injury=monthly["sent_home_injury"] / cohort,
    )
    start, hike_month = calendar(data["provenance"]["spec"])
    fig, axes = plt.subplots(len(PANELS), 1, figsize=(WIDTH, 6.8), sharex=True)
    for hike, color in zip(sorted(monthly["hike"].unique()), [colors.NO_HIKE, colors.HIKE]):
        mean = monthly[monthly["hike"] == hike].groupby("month").mean(numeric_only=True)
        # month 0 is the arrival, before any work; the last months average a handful
        mean = mean[(mean.index > 0) & (mean["abroad"] >= 0.01 * cohort)]
        dates = [start + pd.DateOffset(months=int(m) - 1) for m in mean.index]
        label = "no hike" if hike == 0 else f"hike +{hike:.0%}"
        for ax, (name, title) in zip(axes, PANELS):
            if name == "sent_home":
                ax.plot(dates, mean["arrears"], color=color, label=f"{label}: arrears")
                ax.plot(dates, mean["injury"], color=color, ls=":", label=f"{label}: injury")
            else:
                ax.plot(dates, mean[name], color=color, label=label)
            ax.set_ylabel(title)
    hike_date = start + pd.DateOffset(months=hike_month)
    for ax in axes:
        ax.axvline(hike_date, color=colors.REFERENCE, lw=0.7, ls=":")
    # the doubling named above the panels, off the curves
    top = axes[0].secondary_xaxis("top")
    top.set_xticks([hike_date], [f"quota doubled, {hike_date:%B %Y}"], fontsize=6,
                   color="0.35")
    top.tick_params(length=2, pad=1)
    axes[0].set_title("A cohort of Sakhalin builders\nand Dalian plant workers", loc="left")
    # one legend below the panels: the colours (with the hike or not) and, for those
    # sent home, the cause (solid: arrears, dotted: injury)
    fig.legend(*axes[2].get_legend_handles_labels(), loc="outside lower left",
               fontsize=6, ncol=2)
    # a few ticks, the year written once: no labels run into each other at this width
    locator = mdates.MonthLocator(bymonth=[1, 7])
    axes[-1].xaxis.set_major_locator(locator)
    axes[-1].xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))
    axes[-1].set_xlabel("Month")
    return fig


def calendar(spec_text: str) -> tuple[pd.Timestamp, int]:
    """The cohort's arrival date and the hike's month, from the experiment's spec."""
    spec = tomllib.loads(spec_text)
    p = validate({**load_preset(spec["base"])[0], **spec.get("fixed", {})})
    return pd.Timestamp(year=p["start_year"], month=p["start_month"], day=1), p["hike_month"]
