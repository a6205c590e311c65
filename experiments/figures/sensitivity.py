"""Figure 6: which uncertain inputs matter for the share sent home and for revenue:
first-order and total Sobol indices with their 95% confidence intervals, read from the
table the sweep stored beside the runs (sobol.parquet, sim/sensitivity.py)."""

import matplotlib.pyplot as plt
import numpy as np

from sim import colors
from sim.labels import outcome_title
from sim.plotting import WIDTH
from sim.scenario import plain_name

EXPERIMENT = "sensitivity"
OUTPUTS = ["share_sent_home", "revenue_per_worker_year_usd"]


def plot(data):
    table = data["sobol"]
    sample = data["provenance"]["sample"]
    names = sample["names"]
    fig, axes = plt.subplots(len(OUTPUTS), 1, figsize=(WIDTH, 4.8), sharex=True)
    y = np.arange(len(names))
    ends = []
    for ax, output in zip(axes, OUTPUTS):
        si = table[table["outcome"] == output].set_index("input").loc[names]
        # an index is an estimate: a first-order one below zero is sampling error around
        # a small one, drawn as it is, its interval about it
        for offset, index, color, label in (
                (-0.2, "ST", colors.TOTAL, "total (alone and with others)"),
                (0.2, "S1", colors.FIRST_ORDER, "first order (alone)")):
            ax.barh(y + offset, si[index], 0.4, xerr=si[f"{index}_conf"], color=color,
                    label=label, error_kw={"lw": 0.7})
            ends += [*(si[index] - si[f"{index}_conf"]), *(si[index] + si[f"{index}_conf"])]
        ax.set_yticks(y, [plain_name(n) for n in names])
        ax.invert_yaxis()
        ax.set_title(outcome_title(output), loc="left")
        ax.axvline(0, color=colors.REFERENCE, lw=0.6)
    # from the data: every bar and interval shown, zero included
    pad = 0.03 * (max(max(ends), 0) - min(min(ends), 0))
    axes[-1].set_xlim(min(min(ends), 0) - pad, max(max(ends), 0) + pad)
    axes[-1].set_xlabel("Share of the outcome's variance\nexplained (Sobol index)")
    fig.legend(*axes[0].get_legend_handles_labels(), loc="outside lower left",
               title="lines: 95% confidence intervals", title_fontsize=6,
               alignment="left")
    return fig
