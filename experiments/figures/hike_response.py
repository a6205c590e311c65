"""Figure 1: share of workers sent home and share missing their savings goal against the
size of the hike, by sector (the mean, and where 95% of the runs fall, each replicate with
its own draw of the calibrated posterior), reported hikes marked."""

import matplotlib.pyplot as plt

from sim.plotting import BANDS, sector_curves, share_against_hike

EXPERIMENT = "hike_sweep"
PANELS = {"share_sent_home": "Sent home early (share)",
          "share_missed_goal": "Missing their savings goal (share)"}


def plot(data):
    fig, axes = plt.subplots(1, 2, figsize=(6.8, 2.7), sharey=True)
    for ax, (name, label) in zip(axes, PANELS.items()):
        sector_curves(ax, data["summary"], name, interval="pi")
        share_against_hike(ax, label)
    axes[1].legend(loc="lower right", title=BANDS["pi"][2], title_fontsize=5.5)
    return fig
