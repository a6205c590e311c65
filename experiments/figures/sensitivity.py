"""Figure 6: global sensitivity of the share sent home and of revenue to the uncertain
inputs: first-order and total Sobol indices with 95% confidence intervals (SALib)."""

import matplotlib.pyplot as plt
import numpy as np
from SALib.analyze import sobol

from sim import colors

EXPERIMENT = "sensitivity"
OUTPUTS = {"share_sent_home": "Share sent home",
           "revenue_per_worker_year_usd": "Revenue per worker-year"}


def indices(data, output: str) -> dict:
    """Sobol indices of one output, from the runs of a Saltelli design in design order."""
    sample = data["provenance"]["sample"]
    problem = {"num_vars": len(sample["names"]), "names": sample["names"],
               "bounds": [sample["bounds"][k] for k in sample["names"]]}
    y = data["runs"].sort_values("point")[output].to_numpy()
    return sobol.analyze(problem, y, calc_second_order=False, seed=1)


def plot(data):
    names = data["provenance"]["sample"]["names"]
    fig, axes = plt.subplots(1, len(OUTPUTS), figsize=(6.8, 3.0), sharey=True)
    y = np.arange(len(names))
    for ax, (output, title) in zip(axes, OUTPUTS.items()):
        si = indices(data, output)
        ax.barh(y + 0.2, si["S1"], 0.4, xerr=si["S1_conf"], color=colors.FIRST_ORDER,
                label="first order", error_kw={"lw": 0.7})
        ax.barh(y - 0.2, si["ST"], 0.4, xerr=si["ST_conf"], color=colors.TOTAL,
                label="total", error_kw={"lw": 0.7})
        ax.set_title(title)
        ax.set_xlabel("Sobol index")
        ax.set_xlim(left=min(0, float(np.nanmin(si["S1"] - si["S1_conf"]))))
    axes[0].set_yticks(y, names)
    axes[0].invert_yaxis()
    axes[0].legend(loc="lower right")
    fig.suptitle(f"{len(data['runs'])} runs (Saltelli, N = {data['provenance']['sample']['n']}); "
                 "bars: 95% confidence", fontsize=7)
    return fig
