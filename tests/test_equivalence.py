"""The per-agent reference (each Worker's own step, through Mesa's shuffle_do) and the
batched engine compute the same thing: the same numbers, bit for bit, for the same seed."""

from dataclasses import fields

import numpy as np
import pandas as pd
import pytest

import json

from sim import economy
from sim.agents import Worker
from sim.model import QuotaModel
from sim.scenario import V1_STRUCTURE, make_scenario
from sim.sectors import SECTOR_KEYS

from conftest import preset

EVEN_SECTORS = {f"share_{key}": 0.25 for key in SECTOR_KEYS}

# each scenario names what it must exercise, checked on the run so the comparison is
# never vacuous
SCENARIOS = {
    # the founding structure: each worker pays its own quota
    "v1_russia_hike_berries_and_odd_jobs": (
        preset("russia-2021", n_workers=400, **V1_STRUCTURE), ("berries", "odd_jobs")),
    "v1_doubled_quota_levy_rouble_shock": (
        preset("sakhalin-dalian-2025", n_workers=400, levy_usd=300.0, levy_month=8,
               fx_path="shock", fx_shock_month=7, **V1_STRUCTURE),
        ("arrears",)),
    "v1_injuries": (
        preset("russia-2021", n_workers=400, injury_rate_base=0.05, injury_rate_fatigue=0.3,
               serious_injury_share=0.3, **V1_STRUCTURE),
        ("injury",)),
    "v1_random_rouble_ratchet_four_sectors": (
        {**EVEN_SECTORS, "n_workers": 401, "hike": 0.6, "ratchet_per_year": 0.2,
         "fx_path": "random", "fx_volatility": 0.1, "enforcement_months": 1.0,
         **V1_STRUCTURE},
        ("arrears", "berries", "odd_jobs")),
    "v1_no_side_work": (
        preset("russia-2021", n_workers=300, side_work=False, hike=1.0, **V1_STRUCTURE),
        ("arrears",)),
    # the dispatching firm, with teams, escapes and punishment
    "firm_russia_teams_loans": (
        preset("russia-2021", n_workers=400, team_size=8, firm_size=60),
        ("berries", "odd_jobs", "arrears", "loans")),
    "firm_doubled_escapes_deportation": (
        preset("sakhalin-dalian-2025", n_workers=400, escape_rate=0.01,
               site_deportation_prob=0.1, firm_size=50, team_size=5),
        ("escape", "collective", "arrears")),
    "firm_pressure_credit_shortfall": (
        preset("sakhalin-dalian-2025", n_workers=300, hike=2.0, firm_credit_months=0.5,
               firm_reserve_months=0.0, firm_size=40),
        ("pressure", "shortfall")),
    "firm_threshold_rouble_random_four_sectors": (
        {**EVEN_SECTORS, "n_workers": 401, "hike": 0.6, "enforcement": "threshold",
         "enforcement_months": 1.0, "fx_path": "random", "fx_volatility": 0.1,
         "team_size": 3, "firm_size": 33},
        ("arrears", "berries", "odd_jobs", "loans")),
    # calendar time: a schedule's arrivals, replacements, a withdrawal and a closure
    "firm_history_arrivals_replacements_events": (
        preset("history-russia-2017-2026", dispatch_scale=0.01, end_year=2024,
               replacement_supply=0.05, replacement_delay_months=2, escape_rate=0.01,
               firm_size=30, team_size=5),
        ("arrivals", "replacements", "withdrawn", "arrears", "escape")),
    "v1_history_arrivals_replacements_events": (
        preset("history-russia-2017-2026", dispatch_scale=0.01, end_year=2024,
               replacement_supply=0.05, replacement_delay_months=2, hike=1.0, hike_month=0,
               firm_size=30, **V1_STRUCTURE),
        ("arrivals", "replacements", "withdrawn", "arrears")),
    "firm_injuries_no_teams": (
        preset("russia-2021", n_workers=300, team_size=1, injury_rate_base=0.05,
               serious_injury_share=0.3, escape_rate=0.02),
        ("injury", "escape")),
}


def run(params, engine, seed=5, shuffle_seed=None):
    model = QuotaModel(make_scenario(params, seed=seed), engine=engine)
    if shuffle_seed is not None:
        model.random.seed(shuffle_seed)  # another activation order; same numpy draws
    return model.run()


def assert_same_run(a: QuotaModel, b: QuotaModel):
    assert a.month == b.month
    for f in fields(economy.Workers):
        np.testing.assert_array_equal(getattr(a.workers, f.name), getattr(b.workers, f.name),
                                      err_msg=f.name, strict=True)
    for f in fields(a.firms):
        np.testing.assert_array_equal(getattr(a.firms, f.name), getattr(b.firms, f.name),
                                      err_msg=f.name, strict=True)
    assert json.dumps(a.outcomes()) == json.dumps(b.outcomes())  # NaN-safe: the same text
    pd.testing.assert_frame_equal(a.datacollector.get_model_vars_dataframe(),
                                  b.datacollector.get_model_vars_dataframe(), check_exact=True)
    assert a.state.revenue_total == b.state.revenue_total


def assert_exercises(model: QuotaModel, features):
    w = model.workers
    logging = w.sector == SECTOR_KEYS.index("logging_rfe")
    checks = {
        "berries": (w.side[logging] > 0).any(),
        "odd_jobs": (w.side[~logging] > 0).any(),
        "arrears": (w.status == economy.HOME_ARREARS).any(),
        "injury": (w.status == economy.HOME_INJURY).any(),
        "escape": (w.status == economy.ESCAPED).any(),
        "collective": (w.status == economy.HOME_COLLECTIVE).any(),
        "loans": (w.team_transfer != 0).any() or (w.balance != 0).any()
        or model.datacollector.get_model_vars_dataframe()["team_loans_usd"].gt(0).any(),
        "pressure": (model.datacollector.get_model_vars_dataframe()["mean_pressure"] > 0).any(),
        "shortfall": model.outcomes()["quota_shortfall_share"] > 0,
        "arrivals": (w.arrived > 0).any(),
        # more workers than the schedule brought: some came as replacements
        "replacements": model.dispatch is not None
        and w.n > model.dispatch.stock.sum() + model.dispatch.arrivals.sum(),
        "withdrawn": (w.status == economy.WITHDRAWN).any(),
    }
    assert all(checks[f] for f in features), {f: checks[f] for f in features}


@pytest.mark.parametrize("name", SCENARIOS)
def test_agents_and_batched_give_identical_runs(name):
    params, features = SCENARIOS[name]
    batched = run(params, "batched")
    assert_exercises(batched, features)
    assert_same_run(run(params, "agents"), batched)


@pytest.mark.parametrize("name", [name for name in SCENARIOS if name.startswith("firm")])
def test_months_on_the_rows_still_abroad_give_identical_runs(name):
    # without an agent per worker, a firm's month runs on a compacted copy of the rows
    params = SCENARIOS[name][0]
    every_row = QuotaModel(make_scenario(params, seed=5), worker_agents=True).run()
    compacted = QuotaModel(make_scenario(params, seed=5), worker_agents=False)
    live_rows = []
    while compacted.running:
        compacted.step()
        live_rows.append(compacted.workforce.live.n)
    assert min(live_rows) < compacted.workers.n and len(set(live_rows)) > 2
    assert_same_run(every_row, compacted)


def test_agents_run_in_a_shuffled_order_that_does_not_matter(monkeypatch):
    params = SCENARIOS["firm_threshold_rouble_random_four_sectors"][0]
    order = []
    step = Worker.step

    def recording_step(self):
        order.append(self.row)
        step(self)

    monkeypatch.setattr(Worker, "step", recording_step)
    model = QuotaModel(make_scenario(params, seed=5), engine="agents")
    months = []
    for _ in range(2):
        order.clear()
        model.step()
        months.append(list(order))
    assert sorted(months[0]) == sorted(months[1]) == list(range(model.workers.n))
    assert months[0] != sorted(months[0]) and months[0] != months[1]
    monkeypatch.undo()

    reordered = run(params, "agents", shuffle_seed=12345)
    assert_same_run(reordered, run(params, "agents"))
    assert_same_run(reordered, run(params, "batched"))


@pytest.mark.slow
def test_identical_across_the_real_block_size():
    """Thousands of workers in a sector, as in the benchmark and the sweeps."""
    params = {"share_construction_rfe": 0.7, "share_construction_sakhalin": 0.1,
              "share_logging_rfe": 0.1, "share_seafood_dalian": 0.1,
              "n_workers": 12_288, "hike": 0.8,
              "injury_rate_base": 0.02, "fx_path": "random", "escape_rate": 0.01}
    batched = run(params, "batched", seed=8)
    assert_same_run(run(params, "agents", seed=8), batched)
