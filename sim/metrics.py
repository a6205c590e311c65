"""Outcomes of a run: pure functions from the workers' final state to named numbers."""

import numpy as np

from sim import economy
from sim.economy import Workers
from sim.sectors import SECTOR_KEYS, SECTORS, season

OUTCOMES = {
    "share_sent_home": "share of workers sent home early, all causes",
    "share_sent_home_arrears": "share of workers sent home for arrears",
    "share_sent_home_injury": "share of workers sent home injured",
    "share_still_abroad": "share still abroad when the run stopped (valued as if paid out)",
    "share_missed_goal": "share whose take-home pay, less the entry debt, is below the goal",
    "median_take_home_usd": "median pay received at return, USD",
    "revenue_per_worker_year_usd": "quota collected per worker-year of contract slots, USD",
    "state_share_of_gross": "quota paid / gross earnings",
    "mean_hours_per_day": "hours per day over all days worked",
}


def outcomes(w: Workers, months_run: int) -> dict:
    """The run's outcomes, overall and in ``by_sector`` for each sector present.

    Workers still abroad when the run stops are valued as if paid out then."""
    result = _outcomes(w, np.ones(w.n, dtype=bool), months_run)
    result["by_sector"] = {
        key: _outcomes(w, w.sector == s, months_run)
        for s, key in enumerate(SECTOR_KEYS) if (w.sector == s).any()
    }
    return result


def _outcomes(w: Workers, rows: np.ndarray, months_run: int) -> dict:
    n = rows.sum()
    status = w.status[rows]
    home_arrears = (status == economy.HOME_ARREARS).mean()
    home_injury = (status == economy.HOME_INJURY).mean()
    take_home = w.payout[rows]
    contract = np.minimum(w.months_left[rows] + w.months_abroad[rows], months_run)
    gross = w.gross[rows].sum()
    return {
        "share_sent_home": float(home_arrears + home_injury),
        "share_sent_home_arrears": float(home_arrears),
        "share_sent_home_injury": float(home_injury),
        "share_still_abroad": float((status == economy.ABROAD).mean()),
        "share_missed_goal": float(missed_goal(take_home, w.debt[rows], w.goal[rows]).mean()),
        "median_take_home_usd": float(np.median(take_home)),
        "revenue_per_worker_year_usd": float(w.quota_paid[rows].sum() / (contract.sum() / 12)),
        "state_share_of_gross": float(w.quota_paid[rows].sum() / gross) if gross else 0.0,
        "mean_hours_per_day": float(w.hours_worked[rows].sum() / w.days_worked[rows].sum())
        if w.days_worked[rows].sum() else 0.0,
        "n_workers": int(n),
    }


def missed_goal(take_home, debt, goal):
    """A worker misses its goal when what it brings home, once the entry debt is repaid,
    falls short of the savings goal."""
    return take_home - debt < goal


def berry_kg_to_cover_quota(p: dict) -> float:
    """Kilograms of berries a logger must sell a month to pay the forestry quota in force
    after the hike (Daily NK 2021: "150 kg or more a month to cover contributions")."""
    quota_year = p["quota_logging_rfe"] * economy.quota_factor(p, "logging_rfe", p["hike_month"])
    price_usd = p["berry_price_rub"] / p["rub_per_usd"]
    return quota_year / 12 / price_usd


def days_needed_share(p: dict, sector_key: str, quota_year_usd: float) -> float:
    """Share of a year's available workdays a skill-1 worker must work, at a normal day's
    hours, to pay a yearly quota (USD) and living costs (in a RUB-paid sector)."""
    s = SECTOR_KEYS.index(sector_key)
    assert SECTORS[s].currency == "RUB"
    day_wage = p[f"wage_{sector_key}"] / p["rub_per_usd"] / economy.FULL_MONTH_DAYS
    days = (
        (economy.DAYS_IN_MONTH - p["days_off_per_month"])
        * season(p)[s, 1:].mean() * (1 - p["weather_days_lost"])
    )
    return (quota_year_usd / 12 + p["living_cost_usd"]) / (day_wage * days)
