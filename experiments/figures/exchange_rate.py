"""Figure 5: who bears the exchange-rate risk. Far East builders under the 2022 rouble
shock against a constant rate, for a quota fixed in USD and the same quota fixed in
roubles."""

import matplotlib.pyplot as plt

from sim import colors
from sim.plotting import BANDS, WIDTH, band, outcome

EXPERIMENT = "exchange_rate"
# in this experiment the two construction groups differ only in the quota's currency
GROUPS = {"construction_rfe": ("quota in USD", colors.QUOTA_USD),
          "construction_sakhalin": ("quota in roubles", colors.QUOTA_RUB)}
PANELS = {"share_missed_goal": "Missing their savings\ngoal (share)",
          "revenue_per_worker_year_usd": "State revenue per\nworker-year (USD)"}


def plot(data):
    summary = data["summary"]
    fig, axes = plt.subplots(2, 1, figsize=(WIDTH, 4.6), sharex=True)
    for ax, (name, label) in zip(axes, PANELS.items()):
        # at a constant rate the two groups are the same workers: one line
        rows = outcome(summary, name, "construction_rfe")
        sub = rows[rows["fx_path"] == "constant"]
        band(ax, sub["hike"] * 100, sub["mean"], sub["ci_low"], sub["ci_high"],
             colors.OKABE_ITO["black"], "either quota, rouble constant")
        for sector, (group, color) in GROUPS.items():
            rows = outcome(summary, name, sector)
            sub = rows[rows["fx_path"] == "shock"]
            band(ax, sub["hike"] * 100, sub["mean"], sub["ci_low"], sub["ci_high"], color,
                 f"{group}, 2022 rouble shock", ls="--")
        ax.set_ylabel(label)
    axes[0].set_title("Far East builders, 7,200 USD a year before the hike", loc="left")
    axes[0].set_ylim(0, 1.02)
    axes[1].set_ylim(bottom=0)
    axes[-1].set_xlabel("Quota hike (%)")
    axes[-1].legend(loc="lower left", fontsize=6, title=BANDS["ci"][2], title_fontsize=5.5)
    return fig
