"""Figure 7: the share of workers missing their savings goals, and sent home, with and
without side work (berries for loggers, odd jobs for others), against the hike."""

import matplotlib.pyplot as plt

from sim.plotting import SECTOR_COLORS, SECTOR_LABELS, band, mark_reported_hikes, outcome

EXPERIMENT = "side_work"
PANELS = {"share_missed_goal": "Missing their savings goal (share)",
          "share_sent_home": "Sent home early (share)"}


def plot(data):
    summary = data["summary"]
    fig, axes = plt.subplots(1, 2, figsize=(6.8, 2.8), sharey=True)
    for ax, (name, label) in zip(axes, PANELS.items()):
        for sector, color in SECTOR_COLORS.items():
            rows = outcome(summary, name, sector)
            for allowed, ls in ((True, "-"), (False, "--")):
                sub = rows[rows["side_work"] == allowed]
                if sub.empty:
                    continue
                band(ax, sub["hike"] * 100, sub["mean"], sub["ci_low"], sub["ci_high"], color,
                     f"{SECTOR_LABELS[sector]}{'' if allowed else ', no side work'}", ls=ls)
        mark_reported_hikes(ax)
        ax.set_xlabel("Quota hike (%)")
        ax.set_ylabel(label)
        ax.set_ylim(0, 1.02)
    handles, labels = axes[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside lower center", ncol=2,
               fontsize=6)
    return fig
