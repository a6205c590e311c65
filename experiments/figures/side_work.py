"""Figure 7: the share of workers missing their savings goals, and sent home, with and
without side work (berries for loggers, odd jobs for others), against the hike."""

import matplotlib.pyplot as plt

from sim.plotting import sector_curves, share_against_hike

EXPERIMENT = "side_work"
PANELS = {"share_missed_goal": "Missing their savings goal (share)",
          "share_sent_home": "Sent home early (share)"}


def plot(data):
    summary = data["summary"]
    fig, axes = plt.subplots(1, 2, figsize=(6.8, 2.8), sharey=True)
    for ax, (name, label) in zip(axes, PANELS.items()):
        sector_curves(ax, summary[summary["side_work"]], name)
        sector_curves(ax, summary[~summary["side_work"]], name, ls="--",
                      suffix=", no side work")
        share_against_hike(ax, label)
    handles, labels = axes[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside lower center", ncol=2, fontsize=6)
    return fig
