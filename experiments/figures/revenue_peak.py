"""Figure 2: the state's revenue per year of the slots its workers fill, against the
hike; where it peaks once repatriations are counted (and the share sent home at the
peak), with the slots of those sent home left empty (solid) or refilled (dashed); bands
where 95% of the runs fall, each replicate with its own draw of the calibrated posterior."""

import matplotlib.pyplot as plt

from sim.plotting import (
    BANDS, SECTOR_COLORS, SECTOR_LABELS, band, mark_reported_hikes, outcome,
)

EXPERIMENT = "laffer"
REVENUE = "revenue_per_slot_year_usd"


def plot(data):
    summary = data["summary"]
    supply = data["runs"].groupby("point")["replacement_supply"].first()
    fig, ax = plt.subplots(figsize=(4.6, 3.0))
    for refilled, ls in ((False, "-"), (True, "--")):
        points = supply.index[(supply > 0) == refilled]
        for sector, color in SECTOR_COLORS.items():
            rows = outcome(summary, REVENUE, sector)
            rows = rows[rows["point"].isin(points)]
            if rows.empty:
                continue
            label = SECTOR_LABELS[sector] + (", slots refilled" if refilled else "")
            band(ax, rows["hike"] * 100, rows["mean"], rows["pi_low"], rows["pi_high"], color,
                 label, ls=ls)
            if refilled:
                continue
            peak = rows.loc[rows["mean"].idxmax()]
            sent = outcome(summary, "share_sent_home", sector).set_index("point").loc[
                peak["point"]]
            ax.plot(peak["hike"] * 100, peak["mean"], "o", color=color, ms=4)
            ax.annotate(f"+{peak['hike']:.0%}: {sent['mean']:.0%} sent home",
                        (peak["hike"] * 100, peak["mean"]), textcoords="offset points",
                        xytext=(4, 4), fontsize=6.5, color=color)
    mark_reported_hikes(ax)
    ax.set_xlabel("Quota hike (%)")
    ax.set_ylabel("Revenue per slot-year (USD)")
    ax.set_ylim(bottom=0)
    ax.legend(loc="lower right", fontsize=5.5, title=BANDS["pi"][2], title_fontsize=5)
    return fig
