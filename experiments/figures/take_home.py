"""Figure 3: take-home pay at return for hikes of 0, +39%, +56% and +100%: the share of
workers bringing home at most x, with the distribution of savings goals for comparison;
one panel per founding report, the whole range of pay shown."""

import matplotlib.pyplot as plt

from sim import colors
from sim.plotting import PRESET_TITLES, WIDTH

EXPERIMENT = "take_home"


def plot(data):
    quantiles = data["take_home"].merge(data["runs"][["run_id", "preset", "hike"]], on="run_id")
    presets = list(dict.fromkeys(quantiles["preset"]))
    fig, axes = plt.subplots(len(presets), 1, figsize=(WIDTH, 2.3 * len(presets) + 0.4),
                             sharex=True, squeeze=False)
    axes = axes[:, 0]
    for ax, preset in zip(axes, presets):
        rows = quantiles[quantiles["preset"] == preset]
        # the mean of the replicates' quantile functions (Vincent averaging)
        mean = rows.groupby(["hike", "quantile"], sort=True).mean(numeric_only=True)
        for color, (hike, curve) in zip(colors.HIKES, mean.groupby(level="hike")):
            ax.plot(curve["take_home_usd"] / 1000, curve.index.get_level_values("quantile"),
                    color=color, label="no hike" if hike == 0 else f"hike +{hike:.0%}")
        goals = mean.xs(mean.index.get_level_values("hike")[0], level="hike")
        ax.plot(goals["goal_usd"] / 1000, goals.index, color=colors.GOAL, ls="--",
                label="savings goals")
        ax.set_title(PRESET_TITLES.get(preset, preset), loc="left")
        ax.set_ylabel("Share of workers\nbringing home at most x")
        ax.set_ylim(0, 1.02)
    # to the largest pay or goal of any run: no worker is cut off
    top = quantiles[["take_home_usd", "goal_usd"]].max().max() / 1000
    axes[-1].set_xlim(0, top * 1.02)
    axes[-1].set_xlabel("x: take-home pay at return (thousand USD)")
    axes[0].legend(loc="lower right", fontsize=6)
    return fig
