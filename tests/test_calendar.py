"""A workforce in calendar time: arrivals and replacements, the border closure and
withdrawals, the rouble series and the quota history, the adaptive state."""

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim import economy, history
from sim.cli import main
from sim.model import QuotaModel
from sim.scenario import V1_STRUCTURE, ScenarioError, load_preset, make_scenario
from sim.sectors import SECTOR_KEYS, SECTORS

from conftest import preset

LEAVING = list(range(1, len(economy.STATUS_NAMES)))  # every status but abroad
CONSTRUCTION = {"share_construction_rfe": 1.0, "share_logging_rfe": 0.0}


def write(path, text: str) -> str:
    path.write_text(text)
    return str(path)


def steady_schedule(tmp_path, stock: int, per_month: float, sector="construction_rfe",
                    start="2000-01", months=240) -> str:
    """A dispatch schedule: a stock at the start, then the same arrivals every month."""
    year, month = (int(x) for x in start.split("-"))
    first = history.month_number(year, month)
    rows = [f"{start},{sector},stock,{stock}"] + [
        f"{history.month_label(first + k)},{sector},arrivals,{per_month}" for k in range(months)]
    return write(tmp_path / "dispatch.csv", "month,sector,kind,workers\n" + "\n".join(rows))


def counts(model: QuotaModel) -> np.ndarray:
    """Workers by sector and status, over every worker who ever arrived."""
    w = model.workers
    table = np.zeros((len(SECTORS), len(economy.STATUS_NAMES)), dtype=np.int64)
    np.add.at(table, (w.sector, w.status), 1)
    return table


def test_stocks_are_conserved_by_site_and_cause_every_month():
    model = QuotaModel(make_scenario(preset(
        "history-russia-2017-2026", dispatch_scale=0.02, replacement_supply=0.05,
        replacement_delay_months=1, escape_rate=0.01, site_deportation_prob=0.2,
        firm_size=30), seed=3), worker_agents=False)
    before, n_before = counts(model), model.workers.n
    causes_seen = np.zeros(len(economy.STATUS_NAMES), dtype=bool)
    while model.running:
        model.step()
        after, w = counts(model), model.workers
        arrivals = np.bincount(w.sector[n_before:], minlength=len(SECTORS))
        departures = (after - before)[:, LEAVING]
        assert (departures >= 0).all()  # nobody comes back
        # abroad next month = abroad + arrivals - departures, by site and cause
        np.testing.assert_array_equal(after[:, economy.ABROAD],
                                      before[:, economy.ABROAD] + arrivals
                                      - departures.sum(axis=1))
        # and the monthly record says the same
        assert model.abroad == after[:, economy.ABROAD].sum()
        assert model.arrivals == arrivals.sum()
        assert (model.completed, model.sent_home_arrears, model.sent_home_injury,
                model.escaped, model.sent_home_collective, model.withdrawn) == \
            tuple(after[:, LEAVING].sum(axis=0))
        causes_seen[LEAVING] |= departures.sum(axis=0) > 0
        before, n_before = after, w.n
    assert causes_seen[LEAVING].all(), causes_seen  # every cause was exercised
    # the yearly table adds up to the run
    years = model.outcomes()["by_year"]
    assert list(years) == [str(y) for y in range(2017, 2027)]
    total = {k: sum(y[k] for y in years.values()) for k in ("arrivals", "completed",
                                                            "escaped", "left_other")}
    w = model.workers
    assert total["arrivals"] == w.n - model.counts.sum()
    assert total["completed"] == (w.status == economy.COMPLETED).sum()
    assert total["escaped"] == (w.status == economy.ESCAPED).sum()
    assert total["left_other"] == np.isin(w.status, (economy.WITHDRAWN,
                                                     economy.HOME_COLLECTIVE)).sum()
    assert years["2026"]["abroad_end"] == (w.status == economy.ABROAD).sum()


def test_during_a_closure_nobody_arrives_or_leaves_but_by_escape(tmp_path):
    events = write(tmp_path / "events.csv", "kind,sector,start,end,share\n"
                   "closure,construction_rfe,2000-07,2001-06,\n")
    params = {**CONSTRUCTION, "start_year": 2000, "end_year": 2002, "arrivals": "schedule",
              "dispatch_schedule": steady_schedule(tmp_path, 1000, 50, months=36),
              "dispatch_scale": 1.0,
              "events": events, "contract_months": 12, "contract_spread_months": 6,
              "hike": 1.5, "hike_month": 0, "escape_rate": 0.0005, "injury_rate_base": 0.05,
              "serious_injury_share": 0.5, "replacement_supply": 0.1}
    model = QuotaModel(make_scenario(params, seed=2), worker_agents=False).run()
    monthly = model.datacollector.get_model_vars_dataframe()
    lived = monthly.iloc[1:].reset_index(drop=True)  # row m: month m of the run
    closed, after = lived.iloc[6:18], lived.iloc[18:]
    assert (closed["arrivals"] == 0).all()
    for cause in ("completed", "sent_home_arrears", "sent_home_injury",
                  "sent_home_collective", "withdrawn"):
        assert (monthly[cause].iloc[7:19].diff().dropna() == 0).all(), cause
    assert closed["escaped"].iloc[-1] > lived["escaped"].iloc[5]  # escapes go on
    # contracts that ended in the closure ran on; once it ends, the overdue go home and
    # the arrivals held back come
    left = ["completed", "sent_home_arrears", "sent_home_injury"]
    assert (after[left].iloc[0] - closed[left].iloc[-1]).sum() > 200
    assert after["arrivals"].iloc[0] >= 50 * 12
    assert after["sent_home_arrears"].iloc[-1] > closed["sent_home_arrears"].iloc[-1]
    w = model.workers
    stayed = (w.arrived == 0) & (w.status == economy.COMPLETED)
    assert (w.months_abroad[stayed] > w.months_abroad[stayed].min()).any()
    assert w.months_abroad.max() > params["contract_months"] + params["contract_spread_months"]


@pytest.mark.parametrize("agents", [False, True], ids=["batched", "agents"])
@pytest.mark.parametrize("structure", [{}, V1_STRUCTURE], ids=["firm", "v1"])
def test_the_seriously_injured_wait_out_a_closure_and_go_home_first_when_it_ends(
        tmp_path, structure, agents):
    """FACTS (Daily NK 2023): after the closure "the sick went first". A worker seriously
    injured while the border is closed stays; the first month it is open, every such
    worker still abroad goes home injured."""
    events = write(tmp_path / "events.csv", "kind,sector,start,end,share\n"
                   "closure,construction_rfe,2000-07,2001-06,\n")
    params = {**CONSTRUCTION, **structure, "start_year": 2000, "end_year": 2001,
              "arrivals": "schedule", "dispatch_scale": 1.0, "events": events,
              "dispatch_schedule": steady_schedule(tmp_path, 1000, 0, months=24),
              "contract_months": 36, "contract_spread_months": 6, "hike": 0.0,
              "injury_rate_base": 0.02, "serious_injury_share": 0.5}
    model = QuotaModel(make_scenario(params, seed=4), worker_agents=agents)
    injured_home = [model.sent_home_injury]
    while model.month < 19:  # it lives months 0-18; 6-17 (July 2000 - June 2001) closed
        model.step()
        injured_home.append(model.sent_home_injury)
        if model.month == 18:
            w = model.workers
            waiting = np.flatnonzero(w.injured > 0)
            assert (w.status[waiting] == economy.ABROAD).all()
    per_month = np.diff(injured_home)
    assert (per_month[6:18] == 0).all()  # nobody goes home in the closure
    # a year of serious injuries (about 1% a month) waited: 10% or so of the 1,000
    assert len(waiting) > 60
    w = model.workers
    assert (w.status[waiting] == economy.HOME_INJURY).all()
    assert (w.injured[w.status == economy.ABROAD] == 0).all()
    # the first open month sends home the waiting and that month's own
    assert per_month[18] >= len(waiting) > 5 * per_month[:6].max()


def test_enough_supply_keeps_a_site_full_and_none_lets_it_fall():
    params = preset("russia-2021", n_workers=1500, hike=2.0, hike_month=0, escape_rate=0.001,
                    site_deportation_prob=0.0,
                    injury_rate_base=0.03, serious_injury_share=0.5)
    first_end = params.get("contract_months", 36) - params.get("contract_spread_months", 6)

    def stock(**kw):
        model = QuotaModel(make_scenario({**params, **kw}, seed=4), worker_agents=False).run()
        return model, model.datacollector.get_model_vars_dataframe()["stock"].iloc[1:].to_numpy()

    full, full_stock = stock(replacement_supply=1.0, replacement_delay_months=0)
    none, none_stock = stock(replacement_delay_months=60)  # the firm's view: no one comes
    # slots refilled the month after they empty: the site holds its 1,500 until
    # contracts start to end; without replacements it loses them
    assert (full_stock[:first_end] == 1500).all()
    assert full.workers.n > 1500
    assert none_stock[min(first_end, len(none_stock)) - 1] < 1500 * 0.9
    # a supply that never arrives (delay past the run) changes nothing at all
    late, late_stock = stock(replacement_supply=1.0, replacement_delay_months=60)
    np.testing.assert_array_equal(late_stock, none_stock)
    assert late.outcomes() == none.outcomes()


def test_the_adaptive_state_settles_near_the_revenue_peak_a_sweep_finds():
    # a stationary workforce: contracts longer than the run, and every worker sent home
    # replaced three months later, at a constant rate; each worker pays its own quota
    params = {**CONSTRUCTION, **V1_STRUCTURE, "n_workers": 3000, "start_year": 2000,
              "end_year": 2009, "end_month": 11, "contract_months": 120,
              "contract_spread_months": 0, "hike_month": 0, "replacement_supply": 0.2,
              "replacement_delay_months": 3}

    def run(**kw):
        return QuotaModel(make_scenario({**params, **kw}, seed=1), worker_agents=False).run()

    def steady_revenue(model):  # a year's revenue once the workforce has settled
        years = model.outcomes()["by_year"]
        return np.mean([years[str(y)]["revenue_usd"] for y in range(2003, 2009)])

    grid = np.arange(0.0, 3.01, 0.25)
    swept = np.array([steady_revenue(run(hike=h)) for h in grid])
    peak = grid[np.argmax(swept)]
    assert 0 < peak < 2  # an interior peak: past it, arrears send too many home
    path = run(state_policy="adaptive", adaptive_step=0.25).outcomes()["policy_path"]
    settled = path[-1]["hike"]["construction_rfe"]
    hikes = [p["hike"]["construction_rfe"] for p in path]
    # within one step of a sweep at half-steps of the hike ...
    assert abs(settled - grid[2 * np.argmax(swept[::2])]) <= 0.5, (peak, hikes)
    # ... and where the steady revenue is within 5% of the most the sweep found
    assert np.interp(settled, grid, swept) >= 0.95 * swept.max(), (peak, hikes)
    assert abs(hikes[-1] - hikes[-2]) < 0.25  # the climb has settled: its steps shrank


def test_firms_that_left_get_no_replacements():
    model = QuotaModel(make_scenario(preset(
        "history-russia-2017-2026", dispatch_scale=0.05, end_year=2024,
        replacement_supply=0.2, replacement_delay_months=1, escape_rate=0.002,
        site_deportation_prob=0.5), seed=1), worker_agents=False).run()
    w, f = model.workers, model.firms
    deadline = 35  # December 2019, the month of the withdrawal
    withdrawn = f.withdrawn[w.firm] > 0
    assert withdrawn.any() and (w.arrived[withdrawn] < deadline + 1).all()
    # a deported site's slots stay empty too: nobody arrives after its last departure
    deported = w.status == economy.HOME_COLLECTIVE
    assert deported.any()
    for firm in np.unique(w.firm[deported]):
        mine = w.firm == firm
        last = (w.arrived + w.months_abroad)[mine & (w.status == economy.HOME_COLLECTIVE)]
        assert (w.arrived[mine] < last.max()).all()


def test_without_replacements_the_adaptive_state_follows_its_revenue():
    path = QuotaModel(make_scenario(preset(
        "history-russia-2017-2026", dispatch_scale=0.02, replacement_supply=0.0,
        state_policy="adaptive"), seed=0), worker_agents=False).run().outcomes()["policy_path"]
    hikes = [p["hike"]["construction_rfe"] for p in path]
    # revenue rose with the first raises (an injury or two sets no limit when there
    # is no supply to measure it by)
    assert hikes[:2] == [0.2, 0.4]


def test_a_start_after_the_schedule_counted_its_stock_is_refused():
    with pytest.raises(ScenarioError, match="counts the stock of construction_rfe in 2017-01"):
        make_scenario(preset("history-russia-2017-2026", start_year=2020))


BAD_SERIES = {
    "a missing month": ("month,rub_per_usd\n2021-01,73\n2021-03,74\n", "no rate for 2021-02"),
    "text for a rate": ("month,rub_per_usd\n2021-01,lots\n", "line 2: rub_per_usd must be"),
    "a negative rate": ("month,rub_per_usd\n2021-01,-73\n", "must be a positive number"),
    "a bad month": ("month,rub_per_usd\n2021-13,73\n", "written YYYY-MM"),
    "a missing column": ("month,rate\n2021-01,73\n", "lacks the column(s) rub_per_usd"),
    "a month twice": ("month,rub_per_usd\n2021-01,73\n2021-01,74\n", "2021-01 appears twice"),
}


@pytest.mark.parametrize("case", BAD_SERIES)
def test_a_malformed_rouble_series_is_one_line_and_exit_2(case, tmp_path, capsys):
    text, message = BAD_SERIES[case]
    path = write(tmp_path / "rub.csv", text)
    code = main(["run", "--set", "fx_path=series", "--set", f"fx_series={path}",
                 "--set", "end_year=2021", "--set", "end_month=3"])
    err = capsys.readouterr().err.strip()
    assert code == 2 and len(err.splitlines()) == 1 and message in err, err


@pytest.mark.parametrize("name, value, message", [
    ("dispatch_schedule", "mars", "must be one of russia, china or a .csv file"),
    ("events", "nowhere.csv", "no such file"),
    ("quota_history", "nowhere.csv", "no such file"),
])
def test_a_bad_table_name_is_one_line_and_exit_2(name, value, message, capsys):
    extra = {"dispatch_schedule": ["arrivals=schedule", "end_year=2022"],
             "quota_history": ["quota_schedule=history"]}.get(name, [])
    code = main(["run", "--set", f"{name}={value}",
                 *[arg for pair in extra for arg in ("--set", pair)]])
    err = capsys.readouterr().err.strip()
    assert code == 2 and len(err.splitlines()) == 1 and message in err, err


def test_a_malformed_schedule_names_its_line(tmp_path):
    path = write(tmp_path / "d.csv", "month,sector,kind,workers\n2021-01,mines,stock,5\n")
    with pytest.raises(ScenarioError, match=r"d.csv, line 2: sector must be one of"):
        make_scenario({"arrivals": "schedule", "dispatch_schedule": path, "end_year": 2022})


@pytest.mark.parametrize("name", ["history-russia-2017-2026", "history-china-2017-2026"])
def test_the_shipped_tables_cover_every_month_of_the_history_presets(name):
    p = make_scenario(load_preset(name)[0]).params
    months = (p["end_year"] - p["start_year"]) * 12 + p["end_month"] - p["start_month"] + 1
    rates = history.rouble({**p, "fx_path": "series"}, months)
    assert len(rates) == months + 1 and (rates > 0).all()
    table = history.read("fx_series", "builtin")
    start = history.start_number(p)
    assert set(range(start, start + months)) <= set(table["month"])


def test_the_quota_history_is_what_the_state_levies():
    p = load_preset("history-russia-2017-2026")[0]
    model = QuotaModel(make_scenario({**p, "dispatch_scale": 0.01}, seed=0),
                       worker_agents=False)
    rub = model.state.rub_path
    month = {label: history.month_number(*map(int, label.split("-"))) - history.start_number(
        model.p) for label in ("2021-04", "2021-05", "2023-04", "2024-08", "2025-03")}
    c, s = SECTOR_KEYS.index("construction_rfe"), SECTOR_KEYS.index("construction_sakhalin")
    quota = model.state.quota
    assert quota[month["2021-04"], c] == pytest.approx(600.0)
    assert quota[month["2021-05"], c] == pytest.approx(10_000 / 12)
    assert quota[month["2023-04"], c] == pytest.approx(70_000 / rub[month["2023-04"]])
    assert quota[month["2025-03"], s] == pytest.approx(124_000 / rub[month["2025-03"]])
    levied = model.state.path[month["2024-08"], c, economy.Terms._fields.index("quota_usd")]
    assert levied == pytest.approx(quota[month["2024-08"], c] + 70.0)


calendar_scenarios = st.fixed_dictionaries({
    "hike": st.floats(0, 3),
    "hike_month": st.integers(0, 20),
    "replacement_supply": st.floats(0, 1),
    "replacement_delay_months": st.integers(0, 6),
    "escape_rate": st.sampled_from([0.0, 0.01, 0.05]),
    "site_deportation_prob": st.floats(0, 1),
    "team_size": st.integers(1, 8),
    "firm_size": st.integers(1, 40),
    "dispatch_scale": st.sampled_from([0.002, 0.005]),
    "end_year": st.integers(2019, 2024),
    "quota_payer": st.sampled_from(["firm", "worker"]),
})


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(params=calendar_scenarios, seed=st.integers(0, 2**32 - 1))
def test_money_is_conserved_as_workers_come_and_go(params, seed):
    if params["quota_payer"] == "worker":
        params = {**params, "enforcement": "threshold", "team_size": 1, "escape_rate": 0.0,
                  "ledger_forfeit_share": 0.0}
    model = QuotaModel(make_scenario(preset("history-russia-2017-2026", **params), seed=seed),
                       worker_agents=False)
    names = ("ledger", "arrears", "balance", "team_transfer", "gross", "quota_due",
             "quota_paid", "living", "margin")
    while model.running:
        w, f = model.workers, model.firms
        before = {k: getattr(w, k).copy() for k in (*names, "status")}
        reserve = f.reserve.copy()
        model.step()
        w, f = model.workers, model.firms
        new = w.n - len(before["status"])
        d = {k: getattr(w, k) - np.r_[before[k], np.zeros(new)] for k in names}
        equity = d["ledger"] - d["arrears"] - d["balance"] + d["team_transfer"]
        np.testing.assert_allclose(equity, d["gross"] - d["quota_due"] - d["living"]
                                   - d["margin"], rtol=1e-9, atol=1e-6)
        stays = w.status == economy.ABROAD
        # loans between team mates add up to nothing in every team
        np.testing.assert_allclose(np.bincount(w.team, np.where(stays, w.balance, 0.0)), 0.0,
                                   atol=1e-6)
        if params["quota_payer"] == "firm":
            # a firm's cash (new firms start from their reserve) moves by the host's pay,
            # less food, the quota it paid and the payouts of those who left
            was_abroad = np.r_[before["status"] == economy.ABROAD, np.ones(new, dtype=bool)]
            left = was_abroad & ~stays
            start = np.r_[reserve, f.start_reserve[len(reserve):]]
            def firm(values):
                return np.bincount(w.firm, values, minlength=len(f.reserve))
            np.testing.assert_allclose(
                f.reserve - start,
                firm(d["gross"]) - firm(d["living"]) - firm(d["quota_paid"])
                - firm(np.where(left, w.payout, 0.0)), rtol=1e-9, atol=1e-6)
    np.testing.assert_allclose(model.state.revenue_total, model.workers.quota_paid.sum(),
                               rtol=1e-9, atol=1e-6)
