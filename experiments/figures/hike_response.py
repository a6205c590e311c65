"""Figure 1: share of workers sent home and share missing their savings goal against the
size of the hike, by sector (mean and 95% band over replicates), reported hikes marked."""

import matplotlib.pyplot as plt

from sim.plotting import SECTOR_COLORS, SECTOR_LABELS, band, mark_reported_hikes, outcome

EXPERIMENT = "hike_sweep"
PANELS = {"share_sent_home": "Sent home early (share)",
          "share_missed_goal": "Missing their savings goal (share)"}


def plot(data):
    summary = data["summary"]
    fig, axes = plt.subplots(1, 2, figsize=(6.8, 2.7), sharey=True)
    for ax, (name, label) in zip(axes, PANELS.items()):
        for sector, color in SECTOR_COLORS.items():
            rows = outcome(summary, name, sector)
            if rows.empty:
                continue
            band(ax, rows["hike"] * 100, rows["mean"], rows["ci_low"], rows["ci_high"],
                 color, SECTOR_LABELS[sector])
        mark_reported_hikes(ax)
        ax.set_xlabel("Quota hike (%)")
        ax.set_ylabel(label)
        ax.set_ylim(0, 1.02)
    axes[1].legend(loc="lower right")
    return fig
