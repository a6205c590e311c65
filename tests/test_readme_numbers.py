"""The numbers the README's figure gallery quotes are those of the committed tables
(results/data/): each check writes the phrase from the tables and looks for it in the
README, so a regenerated result that moves a number fails here until the README says
the new one."""

from pathlib import Path

import pandas as pd
import pytest

from sim.discovery import question, sentences
from sim.plotting import outcome
from sim.results import load_results
from sim.scenario import plain_name

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text()
DATA = ROOT / "results" / "data"


def span(values) -> str:
    """Shares as the README writes a range: "7-13%"."""
    low, high = round(min(values) * 100), round(max(values) * 100)
    return f"{low}%" if low == high else f"{low}-{high}%"


def no_hike_sent_home() -> str:
    summary = load_results(DATA / "hike_sweep").summary
    rows = summary[(summary["outcome"] == "share_sent_home") & (summary["hike"] == 0)
                   & (summary["sector"] != "all")]
    return f"With no hike {span(rows['mean'])} are sent home"


def revenue_peaks() -> str:
    result = load_results(DATA / "laffer")
    empty = result.runs.groupby("point")["replacement_supply"].first() == 0
    peaks = {}
    for sector in ("construction_rfe", "construction_sakhalin", "seafood_dalian",
                   "logging_rfe"):
        rows = outcome(result.summary, "revenue_per_slot_year_usd", sector)
        rows = rows[rows["point"].map(empty)]
        peaks[sector] = f"+{rows.loc[rows['mean'].idxmax(), 'hike']:.0%}"
    return (f"peaks at a hike of {peaks['construction_rfe']} for Far East construction, "
            f"{peaks['construction_sakhalin']} in Sakhalin, {peaks['seafood_dalian']} for "
            f"Dalian and {peaks['logging_rfe']} for loggers")


def sobol_ranking() -> str:
    table = load_results(DATA / "sensitivity").sobol

    def first_three(name):
        rows = table[table["outcome"] == name].sort_values("ST", ascending=False)
        return ", ".join(f"{label[:1].lower()}{label[1:]} {r['ST']:.2f}"
                         for _, r in rows.head(3).iterrows()
                         for label in [plain_name(r["input"])])

    return (f"total indices of the share sent home: {first_three('share_sent_home')}; "
            f"of revenue: {first_three('revenue_per_worker_year_usd')}")


def discovery_box() -> str:
    result = load_results(DATA / "discovery")
    return sentences(result.boxes, question(result.provenance["discover"]))[0]


@pytest.mark.parametrize("phrase", [no_hike_sent_home, revenue_peaks, sobol_ranking,
                                    discovery_box])
def test_the_readme_quotes_the_committed_tables(phrase):
    text = phrase()
    assert text in " ".join(README.split()), f"the README should say: {text}"


def test_span_writes_a_range_as_the_readme_does():
    assert span(pd.Series([0.071, 0.13, 0.09])) == "7-13%"
    assert span([0.2]) == "20%"
