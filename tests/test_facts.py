"""The seed reports' facts, as tests on the presets (FACTS.md)."""

import numpy as np
import pytest

from sim import economy
from sim.metrics import berry_kg_to_cover_quota, days_needed_share
from sim.model import simulate
from sim.scenario import validate

from conftest import preset, run_model, sector_rows


def test_loggers_without_side_work_cannot_pay_the_2021_forestry_quota():
    """Daily NK 2021: workers who cannot pay must return; loggers need the berries."""
    model = run_model(preset("russia-2021", n_workers=2000, side_work=False))
    loggers = sector_rows(model, "logging_rfe")
    w = model.workers
    sent_home = loggers & (w.status == economy.HOME_ARREARS)
    assert sent_home.sum() > 0.5 * loggers.sum()
    # they are sent home in the off-season (May-October), when logging stops
    last_month = w.months_abroad[sent_home].astype(int) - 1
    calendar = np.array([model.calendar_month(m) for m in last_month])
    assert np.isin(calendar, [5, 6, 7, 8, 9, 10]).all()


def test_with_berries_most_loggers_pay_the_2021_quota():
    model = run_model(preset("russia-2021", n_workers=2000))
    loggers = sector_rows(model, "logging_rfe")
    assert (model.workers.status[loggers] == economy.HOME_ARREARS).mean() < 0.1


def test_berry_kilograms_that_cover_the_forestry_quota_are_near_150_a_month():
    """Daily NK 2021: loggers must harvest 150 kg or more a month to cover contributions."""
    kg = berry_kg_to_cover_quota(validate(preset("russia-2021")))
    assert kg == pytest.approx(150, rel=0.05)


def test_construction_at_10000_usd_a_year_takes_nearly_every_available_day():
    p = validate(preset("russia-2021"))
    share = days_needed_share(p, "construction_rfe", 10_000)
    # nearly every day at a normal day's hours, yet payable with longer days
    assert 0.9 <= share <= p["max_hours"] / p["normal_hours"]
    assert days_needed_share(p, "construction_rfe", 7_200) < days_needed_share(
        p, "construction_rfe", 10_000)
    # and in the model they work longer days once the quota is raised
    before = run_model(dict(p, hike=0.0))
    after = run_model(p)
    rows = sector_rows(after, "construction_rfe")
    hours = lambda m: m.workers.hours_worked[rows].sum() / m.workers.days_worked[rows].sum()  # noqa: E731
    assert hours(after) > hours(before) + 0.5


def test_doubling_sakhalin_and_dalian_quotas_raises_hours_and_leaves_most_short():
    """HNGN 2025: workers work longer hours and 'won't see a penny'."""
    before = simulate(preset("sakhalin-dalian-2025", n_workers=2000, hike=0.0), seed=3).outcomes
    after = simulate(preset("sakhalin-dalian-2025", n_workers=2000), seed=3).outcomes
    for sector in ("construction_sakhalin", "seafood_dalian"):
        assert after["by_sector"][sector]["mean_hours_per_day"] > \
            before["by_sector"][sector]["mean_hours_per_day"]
        assert after["by_sector"][sector]["share_missed_goal"] > 0.5


@pytest.mark.parametrize("name", ["russia-2021", "sakhalin-dalian-2025"])
def test_without_a_hike_few_are_sent_home_for_arrears(name):
    result = simulate(preset(name, n_workers=2000, hike=0.0), seed=7).outcomes
    assert result["share_sent_home_arrears"] < 0.05


@pytest.mark.parametrize("name", ["russia-2021", "sakhalin-dalian-2025"])
def test_with_common_random_numbers_the_share_sent_home_does_not_fall_as_the_hike_grows(name):
    shares = [
        simulate(preset(name, n_workers=1000, hike=h), seed=21).outcomes["share_sent_home"]
        for h in np.arange(0, 2.01, 0.25)
    ]
    assert all(b >= a - 0.01 for a, b in zip(shares, shares[1:]))
    assert shares[-1] > shares[0] + 0.5
