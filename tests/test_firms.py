"""The dispatching firm: its responses to a shortfall come in the order the sources
describe, teams shield their members, forfeiture and punishment fall where they should.
Every comparison runs the same cohort with the same seed (common random numbers)."""

import numpy as np
import pytest

from sim import economy
from sim.model import QuotaModel, simulate
from sim.scenario import ScenarioError, make_scenario

from conftest import preset

RUSSIA = preset("russia-2021", n_workers=3000)


def series(params, seed=11):
    return simulate(params, seed=seed).monthly


def first_month(condition) -> int:
    months = np.flatnonzero(condition.to_numpy())
    return int(months[0]) if len(months) else 10**6


def test_a_hike_lengthens_days_and_thins_credit_before_it_sends_anyone_home():
    """Acemoglu and Wolitzky: coercion and effort first; repatriation last."""
    calm, hiked = series({**RUSSIA, "hike": 0.0}), series({**RUSSIA, "hike": 0.5})
    hours = first_month(hiked["mean_hours_per_day"] > calm["mean_hours_per_day"] + 0.1)
    credit = first_month(hiked["mean_ledger_usd"] < calm["mean_ledger_usd"] - 10)
    home = first_month(hiked["sent_home_arrears"] > calm["sent_home_arrears"]
                       + 0.005 * RUSSIA["n_workers"])
    assert RUSSIA["hike_month"] < hours < home and credit < home
    assert home < 10**6  # and it does send more home, in the end
    # the firm's pressure (longer days it imposes, cheaper food) rises with the hike
    assert hiked["mean_pressure"].mean() > calm["mean_pressure"].mean()


def test_teams_send_home_fewer_than_workers_on_their_own():
    alone = simulate({**RUSSIA, "team_size": 1}, seed=3).outcomes
    teams = simulate({**RUSSIA, "team_size": 10}, seed=3).outcomes
    assert teams["share_sent_home_arrears"] < alone["share_sent_home_arrears"] - 0.02


def test_forfeiture_lowers_the_take_home_of_those_sent_home():
    runs = {share: QuotaModel(make_scenario({**RUSSIA, "ledger_forfeit_share": share},
                                            seed=5), worker_agents=False).run()
            for share in (0.0, 0.5)}
    kept, lost = runs[0.0].workers, runs[0.5].workers
    np.testing.assert_array_equal(kept.status, lost.status)  # the same workers leave
    home = kept.status == economy.HOME_ARREARS
    assert home.sum() > 20
    assert (lost.payout[home] <= kept.payout[home]).all()
    assert lost.payout[home].sum() < 0.9 * kept.payout[home].sum()
    others = kept.status == economy.COMPLETED
    np.testing.assert_array_equal(lost.payout[others], kept.payout[others])


def test_escapes_per_worker_year_do_not_fall_as_the_hike_grows():
    rates = []
    for hike in (0.0, 0.5, 1.0, 1.5, 2.0):
        result = simulate({**RUSSIA, "hike": hike, "escape_rate": 0.002}, seed=8)
        worker_years = result.monthly["abroad"].sum() / 12
        escaped = result.outcomes["share_escaped"] * RUSSIA["n_workers"]
        rates.append(escaped / worker_years)
    assert all(b >= a * 0.95 for a, b in zip(rates, rates[1:])), rates
    assert rates[-1] > 1.5 * rates[0]


def test_an_escape_is_punished_across_the_whole_team():
    """The month of the first escape, against the same run without punishment: every
    team mate who stays loses punishment_usd from its ledger, nobody else anything."""
    params = {**RUSSIA, "n_workers": 600, "escape_rate": 0.01, "site_deportation_prob": 0.0}
    punished = QuotaModel(make_scenario(params, seed=2), worker_agents=False)
    spared = QuotaModel(make_scenario({**params, "punishment_usd": 0.0}, seed=2),
                        worker_agents=False)
    while True:
        punished.step()
        spared.step()
        escaped = punished.workers.status == economy.ESCAPED
        if escaped.any():
            break
    w = punished.workers
    teams = np.unique(w.team[escaped])
    mates = np.isin(w.team, teams) & (w.status == economy.ABROAD)
    difference = spared.workers.ledger - w.ledger
    per_team = {t: escaped[w.team == t].sum() for t in teams}
    expected = np.array([per_team.get(t, 0) for t in w.team]) * punished.p["punishment_usd"]
    np.testing.assert_allclose(difference[mates], expected[mates])
    assert mates.sum() >= len(teams)  # the punishment reached someone
    np.testing.assert_array_equal(difference[~mates & ~escaped], 0.0)


def test_an_escape_can_send_the_whole_site_home():
    params = {**RUSSIA, "n_workers": 600, "escape_rate": 0.01, "site_deportation_prob": 1.0}
    model = QuotaModel(make_scenario(params, seed=2), worker_agents=False).run()
    w = model.workers
    deported = np.flatnonzero(model.firms.deported)
    assert len(deported) > 0
    for firm in deported:
        rows = w.firm == firm
        assert ((w.status[rows] == economy.HOME_COLLECTIVE)
                | (w.status[rows] == economy.ESCAPED)
                | (w.months_abroad[rows] < w.months_abroad[rows].max())).all()
    assert (w.status == economy.HOME_COLLECTIVE).any()


def test_the_state_is_paid_short_only_once_the_firm_has_no_credit_left():
    doubled = preset("sakhalin-dalian-2025", n_workers=1000, hike=2.0)
    ample = simulate({**doubled, "firm_credit_months": 60.0}, seed=1).outcomes
    none = simulate({**doubled, "firm_credit_months": 0.0, "firm_reserve_months": 0.0},
                    seed=1).outcomes
    assert none["quota_shortfall_share"] > 0.05
    assert ample["quota_shortfall_share"] < none["quota_shortfall_share"] / 2
    assert ample["share_quota_covered_by_firm"] > 0
    calm = simulate({**doubled, "hike": 0.0}, seed=1).outcomes
    assert calm["quota_shortfall_share"] == 0.0


def test_under_the_founding_structure_no_firm_keeps_or_covers_anything():
    from sim.scenario import V1_STRUCTURE

    result = simulate({**RUSSIA, **V1_STRUCTURE}, seed=4).outcomes
    assert result["firm_margin_per_worker_year_usd"] == 0.0
    assert result["share_quota_covered_by_firm"] == 0.0
    assert result["share_escaped"] == 0.0


@pytest.mark.parametrize("change, message", [
    ({"quota_payer": "worker"}, "quota_payer = worker is the founding structure"),
    ({"quota_payer": "state"}, "quota_payer must be one of firm, worker"),
    ({"enforcement": "lenient"}, "enforcement must be one of firm, threshold"),
    ({"team_size": 0}, "team_size = 0 is out of range"),
    ({"firm_size": 2.5}, "firm_size must be a whole number"),
    ({"ledger_forfeit_share": 1.5}, "out of range"),
    ({"escape_rate": -0.1}, "out of range"),
    ({"coerced_max_hours": 14.0}, "coerced_max_hours must be at least max_hours"),
    ({"full_pressure_shortfall": 0.0}, "out of range"),
    ({"replacement_delay_months": 61}, "out of range"),
])
def test_bad_structure_values_are_one_clear_error(change, message):
    with pytest.raises(ScenarioError, match=message):
        make_scenario({**RUSSIA, **change})
