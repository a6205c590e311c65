"""Figure 2: the state's revenue per worker-year against the hike; where it peaks once
repatriations are counted, and the share sent home at the peak."""

import matplotlib.pyplot as plt

from sim.plotting import SECTOR_COLORS, SECTOR_LABELS, band, mark_reported_hikes, outcome

EXPERIMENT = "laffer"


def plot(data):
    summary = data["summary"]
    fig, ax = plt.subplots(figsize=(4.6, 3.0))
    for sector, color in SECTOR_COLORS.items():
        rows = outcome(summary, "revenue_per_worker_year_usd", sector)
        if rows.empty:
            continue
        band(ax, rows["hike"] * 100, rows["mean"], rows["ci_low"], rows["ci_high"], color,
             SECTOR_LABELS[sector])
        peak = rows.loc[rows["mean"].idxmax()]
        sent = outcome(summary, "share_sent_home", sector).set_index("point").loc[peak["point"]]
        ax.plot(peak["hike"] * 100, peak["mean"], "o", color=color, ms=4)
        ax.annotate(f"+{peak['hike']:.0%}: {sent['mean']:.0%} sent home",
                    (peak["hike"] * 100, peak["mean"]), textcoords="offset points",
                    xytext=(4, 4), fontsize=6.5, color=color)
    mark_reported_hikes(ax)
    ax.set_xlabel("Quota hike (%)")
    ax.set_ylabel("Revenue per worker-year (USD)")
    ax.set_ylim(bottom=0)
    ax.legend(loc="lower right")
    return fig
