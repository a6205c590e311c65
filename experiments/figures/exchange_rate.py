"""Figure 5: who bears the exchange-rate risk. Far East builders under the 2022 rouble
shock against a constant rate, for a quota fixed in USD and the same quota fixed in
roubles."""

import textwrap
import tomllib

import matplotlib.pyplot as plt

from sim import colors
from sim.labels import SECTOR_LABELS, outcome_axis
from sim.plotting import HIKE_AXIS, WIDTH, band, band_title, outcome
from sim.scenario import SPECS, load_preset, validate

EXPERIMENT = "exchange_rate"
# in this experiment the two construction groups differ only in the quota's currency
GROUPS = {"construction_rfe": ("quota in USD", colors.QUOTA_USD),
          "construction_sakhalin": ("quota in roubles", colors.QUOTA_RUB)}
PANELS = {name: textwrap.fill(outcome_axis(name), 22)
          for name in ("share_missed_goal", "revenue_per_worker_year_usd")}
QUOTA = "quota_construction_rfe"  # the quota both groups start from


def plot(data):
    summary = data["summary"]
    fig, axes = plt.subplots(2, 1, figsize=(WIDTH, 5.0), sharex=True)
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
    spec = tomllib.loads(data["provenance"]["spec"])
    quota = validate({**load_preset(spec["base"])[0], **spec.get("fixed", {})})[QUOTA]
    axes[0].set_title(textwrap.fill(
        f"{SECTOR_LABELS['construction_rfe']}: a quota of {quota:,.0f} "
        f"{SPECS[QUOTA].unit.replace('/', ' a ')} before the hike", 44), loc="left")
    axes[0].set_ylim(0, 1.02)
    axes[1].set_ylim(bottom=0)
    axes[-1].set_xlabel(HIKE_AXIS)
    fig.legend(*axes[-1].get_legend_handles_labels(), loc="outside lower left",
               fontsize=6, title=band_title("ci", data["provenance"]), title_fontsize=5.5,
               alignment="left")
    return fig
