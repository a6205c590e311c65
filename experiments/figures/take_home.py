"""Figure 3: take-home pay at return for hikes of 0, +39%, +56% and +100%: the share of
workers bringing home at most x, with the distribution of savings goals for comparison."""

import matplotlib.pyplot as plt

from sim import colors

EXPERIMENT = "take_home"


def plot(data):
    quantiles = data["take_home"].merge(data["runs"][["run_id", "preset", "hike"]], on="run_id")
    presets = list(dict.fromkeys(quantiles["preset"]))
    fig, axes = plt.subplots(1, len(presets), figsize=(6.8, 2.7), sharey=True, squeeze=False)
    for ax, preset in zip(axes[0], presets):
        rows = quantiles[quantiles["preset"] == preset]
        # the mean of the replicates' quantile functions (Vincent averaging)
        mean = rows.groupby(["hike", "quantile"], sort=True).mean(numeric_only=True)
        for color, (hike, curve) in zip(colors.HIKES, mean.groupby(level="hike")):
            ax.plot(curve["take_home_usd"], curve.index.get_level_values("quantile"),
                    color=color, label=f"hike +{hike:.0%}")
        goals = mean.xs(mean.index.get_level_values("hike")[0], level="hike")
        ax.plot(goals["goal_usd"], goals.index, color=colors.GOAL, ls="--", label="savings goals")
        ax.set_title(preset)
        ax.set_xlabel("Take-home pay at return (USD)")
        ax.set_xlim(0, goals["goal_usd"].quantile(0.95) * 2.5)
    axes[0][0].set_ylabel("Share of workers with at most this")
    axes[0][-1].legend(loc="lower right")
    return fig
