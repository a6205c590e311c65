"""Money is conserved for every worker every month, whatever the scenario."""

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim import economy
from sim.model import QuotaModel
from sim.scenario import make_scenario

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


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(params=scenarios, seed=st.integers(0, 2**32 - 1))
def test_money_is_conserved_every_month(params, seed):
    model = QuotaModel(make_scenario(params, seed=seed), months=24, worker_agents=False)
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
        w.payout[home], economy.settle(model.p, w.ledger[home], economy.ARRAYS))
    # what the state booked is what the workers paid
    np.testing.assert_allclose(model.state.revenue_total, w.quota_paid.sum(), rtol=1e-9)
    series = model.datacollector.get_model_vars_dataframe()
    np.testing.assert_allclose(series["revenue_usd"].sum(), w.quota_paid.sum(), rtol=1e-9)


@settings(max_examples=30, deadline=None)
@given(ledger=st.floats(-1e5, 1e6), share=st.floats(0, 0.95), fare=st.floats(0, 5000))
def test_settlement_pays_out_ledger_less_deductions_never_below_zero(ledger, share, fare):
    p = {"settlement_deduction_share": share, "airfare_usd": fare}
    payout = economy.settle(p, ledger, economy.SCALARS)
    assert 0 <= payout <= max(ledger, 0)
    assert payout == max(ledger * (1 - share) - fare, 0)


def test_returned_workers_are_paid_their_settled_ledger():
    model = QuotaModel(make_scenario({"n_workers": 500, "hike": 1.0}, seed=4),
                       worker_agents=False).run()
    w = model.workers
    assert (w.status != economy.ABROAD).all()
    np.testing.assert_array_equal(w.payout, economy.settle(model.p, w.ledger, economy.ARRAYS))
