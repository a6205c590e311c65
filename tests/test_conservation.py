"""Money is conserved for every worker every month, whatever the scenario."""

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim import economy, firms
from sim.model import QuotaModel
from sim.scenario import DEFAULTS, make_scenario

scenarios = st.fixed_dictionaries({
    "n_workers": st.integers(1, 60),
    "share_construction_rfe": st.just(0.25),
    "share_construction_sakhalin": st.just(0.25),
    "share_logging_rfe": st.just(0.25),
    "share_seafood_dalian": st.just(0.25),
    "hike": st.floats(0, 3),
    "hike_month": st.integers(0, 20),
    "ratchet_per_year": st.floats(0, 0.3),
    "levy_usd": st.floats(0, 2000),
    "levy_month": st.integers(0, 20),
    "enforcement_months": st.floats(0.5, 8),
    "side_work": st.booleans(),
    "fx_path": st.sampled_from(["constant", "shock", "random"]),
    "fx_volatility": st.floats(0, 0.2),
    "start_month": st.integers(1, 12),
    "skill_sigma": st.floats(0, 1),
    "injury_rate_base": st.floats(0, 0.2),
    "living_cost_usd": st.floats(0, 800),
    "wage_construction_rfe": st.floats(0, 200_000),
    "settlement_deduction_share": st.floats(0, 0.9),
})


V1 = {"quota_payer": "worker", "enforcement": "threshold", "team_size": 1,
      "ledger_forfeit_share": 0.0, "escape_rate": 0.0}
firm_structures = st.fixed_dictionaries({
    "quota_payer": st.just("firm"),
    "enforcement": st.sampled_from(["firm", "threshold"]),
    "firm_size": st.integers(1, 40),
    "team_size": st.integers(1, 8),
    "firm_cut_share": st.floats(0, 1),
    "firm_reserve_months": st.floats(0, 3),
    "firm_credit_months": st.floats(0, 3),
    "food_cut_share": st.floats(0, 1),
    "firm_review_months": st.integers(1, 12),
    "ledger_forfeit_share": st.floats(0, 1),
    "escape_rate": st.sampled_from([0.0, 0.001, 0.05]),
    "punishment_usd": st.floats(0, 2000),
    "site_deportation_prob": st.floats(0, 1),
})


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(params=scenarios, seed=st.integers(0, 2**32 - 1))
def test_money_is_conserved_every_month_when_each_worker_pays(params, seed):
    model = QuotaModel(make_scenario({**params, **V1}, seed=seed), months=24,
                       worker_agents=False)
    w = model.workers
    while model.running:
        before = {k: getattr(w, k).copy() for k in
                  ("ledger", "arrears", "gross", "quota_paid", "living", "status")}
        abroad = before["status"] == economy.ABROAD
        model.step()
        due = np.repeat(model.state.terms.quota_usd, model.counts)  # rows grouped by sector
        income = w.gross - before["gross"]
        paid = w.quota_paid - before["quota_paid"]
        living = w.living - before["living"]
        d_ledger = w.ledger - before["ledger"]
        d_arrears = w.arrears - before["arrears"]
        # income = quota paid + living costs + change in the ledger
        np.testing.assert_allclose(income, paid + living + d_ledger, rtol=1e-9, atol=1e-6)
        # unpaid quota becomes arrears: quota due = quota paid + change in arrears
        np.testing.assert_allclose(due[abroad], (paid + d_arrears)[abroad], rtol=1e-9, atol=1e-6)
        assert (paid >= 0).all() and (w.arrears >= 0).all()
        # workers at home are frozen
        assert (income[~abroad] == 0).all() and (d_ledger[~abroad] == 0).all()
    # over the whole stay: everything earned was paid to the state, spent on living,
    # or left on the ledger, which is paid out less deductions (or forgiven if negative)
    np.testing.assert_allclose(w.gross, w.quota_paid + w.living + w.ledger, rtol=1e-9, atol=1e-6)
    home = w.status != economy.ABROAD
    np.testing.assert_array_equal(
        w.payout[home], [economy.settle(model.rules, x) for x in w.ledger[home]])
    # what the state booked is what the workers paid
    np.testing.assert_allclose(model.state.revenue_total, w.quota_paid.sum(), rtol=1e-9)
    series = model.datacollector.get_model_vars_dataframe()
    np.testing.assert_allclose(series["revenue_usd"].sum(), w.quota_paid.sum(), rtol=1e-9)


TRACKED = ("ledger", "arrears", "balance", "team_transfer", "gross", "quota_due", "quota_paid",
           "living", "margin", "payout", "status")


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(params=scenarios, structure=firm_structures, seed=st.integers(0, 2**32 - 1))
def test_money_is_conserved_for_every_worker_team_and_firm_under_a_firm(params, structure,
                                                                        seed):
    model = QuotaModel(make_scenario({**params, **structure}, seed=seed), months=24,
                       worker_agents=False)
    w, f = model.workers, model.firms
    seg = firms.Segments.of(w.team, w.firm)  # of every row (the month runs on fewer)
    while model.running:
        before = {k: getattr(w, k).copy() for k in TRACKED}
        reserve, paid_before = f.reserve.copy(), f.quota_paid.copy()
        abroad = before["status"] == economy.ABROAD
        model.step()
        w = model.workers
        d = {k: getattr(w, k) - before[k] for k in TRACKED if k != "status"}
        # a worker: what it is owed (ledger) less what it owes (arrears to the firm,
        # loans from its team) moves by its pay, less quota, food and the firm's cut
        equity = d["ledger"] - d["arrears"] - d["balance"] + d["team_transfer"]
        np.testing.assert_allclose(equity, d["gross"] - d["quota_due"] - d["living"]
                                   - d["margin"], rtol=1e-9, atol=1e-6)
        assert (w.arrears >= -1e-9).all() and (d["quota_paid"] <= d["quota_due"] + 1e-9).all()
        assert (d["gross"][~abroad] == 0).all() and (d["ledger"][~abroad] == 0).all()
        # a team: loans between team mates add up to nothing
        stays = w.status == economy.ABROAD
        np.testing.assert_allclose(np.add.reduceat(np.where(stays, w.balance, 0.0),
                                                   seg.team_starts), 0.0, atol=1e-6)
        # a firm: cash moves by the host's pay, less food, the quota it paid, payouts
        left = abroad & ~stays
        def firm(values):  # each firm's total
            return np.add.reduceat(values, seg.firm_starts)
        paid = f.quota_paid - paid_before
        np.testing.assert_allclose(
            f.reserve - reserve,
            firm(d["gross"]) - firm(d["living"]) - paid - firm(np.where(left, w.payout, 0.0)),
            rtol=1e-9, atol=1e-6)
        np.testing.assert_allclose(paid, firm(d["quota_paid"]), rtol=1e-9, atol=1e-6)
        assert (f.pressure >= 0).all() and (f.pressure <= 1).all()
    # the state booked what the firms paid
    np.testing.assert_allclose(model.state.revenue_total, f.quota_paid.sum(), rtol=1e-9,
                               atol=1e-6)
    assert (w.payout >= 0).all() and (w.payout[w.status == economy.ESCAPED] == 0).all()


@settings(max_examples=30, deadline=None)
@given(ledger=st.floats(-1e5, 1e6), share=st.floats(0, 0.95), fare=st.floats(0, 5000))
def test_settlement_pays_out_ledger_less_deductions_never_below_zero(ledger, share, fare):
    rules = economy.Rules.of({**DEFAULTS, "settlement_deduction_share": share,
                              "airfare_usd": fare})
    payout = economy.settle(rules, ledger)
    assert 0 <= payout <= max(ledger, 0)
    assert payout == max(ledger * (1 - share) - fare, 0)


def test_returned_workers_are_paid_their_settled_ledger():
    model = QuotaModel(make_scenario({"n_workers": 500, "hike": 1.0, **V1}, seed=4),
                       worker_agents=False).run()
    w = model.workers
    assert (w.status != economy.ABROAD).all()
    np.testing.assert_array_equal(w.payout, [economy.settle(model.rules, x) for x in w.ledger])
