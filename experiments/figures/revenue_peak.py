"""Figure 2: the state's revenue per year of the slots its workers fill, against the
hike; where it peaks once repatriations are counted (and the share sent home at the
peak, named in the legend so that no label sits on the curves), with the slots of those
sent home left empty (solid) or refilled (dashed); bands where 95% of the runs fall,
each replicate with its own draw of the calibrated posterior."""

import matplotlib.pyplot as plt

from sim import colors
from sim.plotting import (
    BANDS, SECTOR_COLORS, SECTOR_LABELS, WIDTH, band, mark_reported_hikes, outcome,
)

EXPERIMENT = "laffer"
REVENUE = "revenue_per_slot_year_usd"


def plot(data):
    summary = data["summary"]
    supply = data["runs"].groupby("point")["replacement_supply"].first()
    fig, ax = plt.subplots(figsize=(WIDTH, 4.2))
    for refilled, ls in ((False, "-"), (True, "--")):
        points = supply.index[(supply > 0) == refilled]
        for sector, color in SECTOR_COLORS.items():
            rows = outcome(summary, REVENUE, sector)
            rows = rows[rows["point"].isin(points)]
            if rows.empty:
                continue
            label = None  # one legend entry a sector, the refilled curves named once below
            if not refilled:
                peak = rows.loc[rows["mean"].idxmax()]
                sent = outcome(summary, "share_sent_home", sector).set_index("point").loc[
                    peak["point"]]
                ax.plot(peak["hike"] * 100, peak["mean"], "o", color=color, ms=4)
                label = (f"{SECTOR_LABELS[sector]}: peak (dot) at "
                         f"+{peak['hike']:.0%}, {sent['mean']:.0%} sent home")
            band(ax, rows["hike"] * 100, rows["mean"], rows["pi_low"], rows["pi_high"], color,
                 label, ls=ls)
    ax.plot([], [], color=colors.REFERENCE, ls="--",
            label="dashed: slots of those sent home refilled")
    mark_reported_hikes(ax)
    ax.set_xlabel("Quota hike (%)")
    ax.set_ylabel("State revenue per slot-year (USD)")
    ax.set_ylim(bottom=0)
    fig.legend(loc="outside lower left", fontsize=5.5, title=BANDS["pi"][2],
              title_fontsize=5.5, alignment="left")
    return fig
