"""The numbers the README's figure gallery quotes are those of the committed tables
(results/data/): each check writes the phrase from the tables and looks for it in the
README, so a regenerated result that moves a number fails here until the README says
the new one."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim.discovery import RESAMPLES, question, sentences
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
    return f"With no hike {span(hike_sweep_at(0, 'share_sent_home'))} are sent home"


def hike_sweep_at(hike: float, name: str) -> pd.Series:
    """An outcome's mean in each sector at one hike of figure 1's sweep."""
    summary = load_results(DATA / "hike_sweep").summary
    rows = summary[(summary["hike"].round(6) == hike) & (summary["outcome"] == name)
                   & (summary["sector"] != "all")]
    return rows.set_index("sector")["mean"]


def no_hike_causes() -> str:
    escaped = hike_sweep_at(0, "share_escaped").mean()
    return (f"({span(hike_sweep_at(0, 'share_sent_home_arrears'))} for arrears, "
            f"{span(hike_sweep_at(0, 'share_sent_home_injury'))} injured, about "
            f"{escaped:.1%} escaped) and {span(hike_sweep_at(0, 'share_missed_goal'))} "
            f"miss their goal")


def doubling() -> str:
    return (f"a doubling sends home {span(hike_sweep_at(1.0, 'share_sent_home'))} and "
            f"leaves {span(hike_sweep_at(1.0, 'share_missed_goal'))} short")


def loggers_band() -> str:
    summary = load_results(DATA / "hike_sweep").summary
    row = summary[(summary["hike"] == 0) & (summary["outcome"] == "share_sent_home")
                  & (summary["sector"] == "logging_rfe")].iloc[0]
    return (f"with no hike anywhere from {row['pi_low']:.0%} to {row['pi_high']:.0%} of "
            f"them are sent home")


SECTORS = ("construction_rfe", "construction_sakhalin", "seafood_dalian", "logging_rfe")


def laffer_peaks(replacements: bool) -> pd.DataFrame:
    """Figure 2's peak in each sector, without replacements or with them: its hike, its
    revenue per slot-year and the share sent home there."""
    result = load_results(DATA / "laffer")
    supply = result.runs.groupby("point")["replacement_supply"].first()
    chosen = supply > 0 if replacements else supply == 0
    peaks = {}
    for sector in SECTORS:
        rows = outcome(result.summary, "revenue_per_slot_year_usd", sector)
        peak = rows[rows["point"].map(chosen)].loc[lambda r: r["mean"].idxmax()]
        sent = outcome(result.summary, "share_sent_home", sector)
        peaks[sector] = {"hike": peak["hike"], "revenue": peak["mean"],
                         "sent": sent.loc[sent["point"] == peak["point"], "mean"].iloc[0]}
    return pd.DataFrame(peaks).T


def revenue_peaks() -> str:
    without = laffer_peaks(replacements=False)
    peaks = without["hike"].map(lambda h: f"+{h:.0%}")
    return (f"peaks at a hike of {peaks['construction_rfe']} for Far East construction, "
            f"{peaks['construction_sakhalin']} in Sakhalin, {peaks['seafood_dalian']} for "
            f"Dalian and {peaks['logging_rfe']} for loggers, when "
            f"{span(without['sent'])} of the workers are already being sent home")


def peaks_with_replacements() -> str:
    without, with_ = laffer_peaks(replacements=False), laffer_peaks(replacements=True)
    return (f"the peaks move up (+{with_['hike'].min():.0%} to +{with_['hike'].max():.0%}, "
            f"with {span(with_['sent'])} of the workers sent home) and the state collects "
            f"{span(with_['revenue'] / without['revenue'] - 1)} more at them")


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


def at_forty_percent() -> str:
    sent = hike_sweep_at(0.4, "share_sent_home")
    missed = hike_sweep_at(0.4, "share_missed_goal")
    return (f"at +40% {sent['construction_rfe']:.0%} of Far East builders, "
            f"{sent['logging_rfe']:.0%} of loggers and "
            f"{span([sent['construction_sakhalin'], sent['seafood_dalian']])} in Sakhalin "
            f"and Dalian are sent home and {span(missed)} miss their goal")


def without_side_work() -> str:
    summary = load_results(DATA / "side_work").summary
    rows = summary[(summary["hike"] == 0) & (summary["outcome"] == "share_sent_home")
                   & (summary["sector"] == "logging_rfe")].set_index("side_work")["mean"]
    return (f"Without side work {rows[False]:.0%} of loggers are sent home even with no "
            f"hike ({rows[True]:.0%} with it)")


def discovery_runs():
    result = load_results(DATA / "discovery")
    q = question(result.provenance["discover"])
    box = result.boxes
    inside = np.ones(len(result.runs), dtype=bool)
    for _, r in box[box["box"] == 1].iterrows():
        values = result.runs[r["input"]]
        inside &= ((np.isnan(r["low"]) | (values >= r["low"]))
                   & (np.isnan(r["high"]) | (values <= r["high"]))).to_numpy()
    return result, q.cases(result.runs), inside


def discovery_share() -> str:
    _, cases, _ = discovery_runs()
    return f"In {cases.mean():.0%} of the runs more than half are sent home"


def discovery_stability() -> str:
    result, _, _ = discovery_runs()
    first = result.boxes[result.boxes["box"] == 1]
    assert (first["resampled"] == 1).all(), "the README says every limit comes back"
    words = {1: "one", 2: "two", 3: "three", 4: "four"}[len(first)]
    return f"Each of the {words} limits comes back on all {RESAMPLES} random halves"


def discovery_hike_inside_the_box() -> str:
    result, cases, inside = discovery_runs()
    hike = result.runs["hike"].to_numpy()

    def share(where, low, high):
        chosen = where & (hike > low) & (hike <= high)
        return f"{cases[chosen].mean():.0%}"

    return (f"more than half are sent home in {share(inside, 0.2, 0.3)} of its runs with "
            f"a hike of +20-30% and in {share(inside, 0.5, 0.6)} with +50-60%; outside "
            f"it, in {share(~inside, 0.5, 0.6)} of runs at +50-60%")


@pytest.mark.parametrize("phrase", [
    no_hike_sent_home, no_hike_causes, at_forty_percent, doubling, loggers_band,
    revenue_peaks, peaks_with_replacements, sobol_ranking, without_side_work,
    discovery_box, discovery_share, discovery_stability, discovery_hike_inside_the_box])
def test_the_readme_quotes_the_committed_tables(phrase):
    text = phrase()
    assert text in " ".join(README.split()), f"the README should say: {text}"


def test_span_writes_a_range_as_the_readme_does():
    assert span(pd.Series([0.071, 0.13, 0.09])) == "7-13%"
    assert span([0.2]) == "20%"
