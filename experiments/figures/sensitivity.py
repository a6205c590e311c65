"""Figure 6: which uncertain inputs matter for the share sent home and for revenue:
first-order and total Sobol indices with their 95% confidence intervals, read from the
table the sweep stored beside the runs (sobol.parquet, sim/sensitivity.py)."""

import matplotlib.pyplot as plt
import numpy as np

from sim import colors
from sim.scenario import plain_name

EXPERIMENT = "sensitivity"
OUTPUTS = {"share_sent_home": "Share of workers sent home early",
           "revenue_per_worker_year_usd": "State revenue per worker-year"}


def plot(data):
    table = data["sobol"]
    sample = data["provenance"]["sample"]
    names = sample["names"]
    fig, axes = plt.subplots(len(OUTPUTS), 1, figsize=(3.4, 4.8), sharex=True)
    y = np.arange(len(names))
    for ax, (output, title) in zip(axes, OUTPUTS.items()):
        si = table[table["outcome"] == output].set_index("input").loc[names]
        # a first-order index below zero is sampling error around a small one: drawn as
        # zero, its interval kept
        ax.barh(y - 0.2, si["ST"], 0.4, xerr=si["ST_conf"], color=colors.TOTAL,
                label="total (alone and with others)", error_kw={"lw": 0.7})
        ax.barh(y + 0.2, si["S1"].clip(lower=0), 0.4, xerr=si["S1_conf"],
                color=colors.FIRST_ORDER, label="first order (alone)", error_kw={"lw": 0.7})
        ax.set_yticks(y, [plain_name(n) for n in names])
        ax.invert_yaxis()
        ax.set_title(title, loc="left")
        ax.set_xlim(0, 1)
    axes[-1].set_xlabel("Share of the outcome's variance explained (Sobol index)")
    axes[0].legend(loc="lower right", title="lines: 95% confidence", title_fontsize=6)
    return fig
