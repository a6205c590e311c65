"""Figure 2: the state's revenue per year of the slots its workers fill, against the
hike; where it peaks once repatriations are counted (and the share sent home at the
peak, named in the legend so that no label sits on the curves), with the slots of those
sent home left empty (solid) or refilled (dashed); bands where 95% of the runs fall
(over the seeds, and over the calibrated posterior's draws when the experiment names
one, as its legend says)."""

import matplotlib.pyplot as plt

from sim import colors
from sim.labels import SECTOR_LABELS, outcome_axis
from sim.plotting import (
    HIKE_AXIS, SECTOR_COLORS, WIDTH, band, band_title, mark_reported_hikes, outcome,
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
    ax.set_xlabel(HIKE_AXIS)
    ax.set_ylabel(outcome_axis(REVENUE))
    ax.set_ylim(bottom=0)
    fig.legend(loc="outside lower left", fontsize=5.5,
               title=band_title("pi", data["provenance"]), title_fontsize=5.5,
               alignment="left")
    return fig
