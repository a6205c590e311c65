"""Outcomes of a run: pure functions from the workers' and firms' final state to named
numbers."""

import math
from typing import NamedTuple

import numba
import numpy as np
import pandas as pd

from sim import economy
from sim.economy import Workers
from sim.firms import Firms
from sim.sectors import SECTOR_KEYS, SECTORS, season

# "one worker owed over 5,000 USD received 2,000" (Daily NK 2024): the ledgers that
# payout_share_of_large_ledgers looks at
LARGE_LEDGER_USD = 5000.0

OUTCOMES = {
    "share_sent_home": "share of workers sent home early, all causes",
    "share_sent_home_arrears": "share of workers sent home for arrears",
    "share_sent_home_injury": "share of workers sent home injured",
    "share_sent_home_collective": "share sent home with their whole site after an escape",
    "share_escaped": "share of workers who escaped",
    "escapes_per_worker_year": "escapes per worker-year abroad",
    "share_withdrawn": "share of workers whose host withdrew them (an event)",
    "share_still_abroad": "share still abroad when the run stopped (valued as if paid out)",
    "share_missed_goal": "share whose take-home pay, less the entry debt, is below the goal",
    "median_take_home_usd": "median pay received at return, USD",
    "median_take_home_completed_usd": "median pay received at return by those who "
                                      "completed their contract, USD",
    "ledger_credit_per_month_usd": "median, over those who completed, of what was credited "
                                   "to the ledger per month abroad, USD (before deductions)",
    "ledger_share_of_gross": "what was credited to the workers' ledgers / their gross pay "
                             "(the worker's share of what the host pays; under the firm "
                             "the credits include team loans repaid to the worker)",
    "payout_share_of_large_ledgers": "median, over those who completed with a ledger of "
                                     f"{LARGE_LEDGER_USD:,.0f} USD or more, of the share "
                                     "of it paid out",
    "revenue_per_worker_year_usd": "quota collected per worker-year of contract slots, USD",
    "revenue_per_slot_year_usd": "quota collected per year of the slots the workers at the "
                                 "start came to fill, refilled or not, USD",
    "firm_margin_per_worker_year_usd": "the firms' result (cash, less what they owe those "
                                       "still abroad) per worker-year of slots, USD",
    "quota_shortfall_share": "share of the quota due that the state did not receive",
    "share_quota_covered_by_firm": "share of the quota due that firms covered from their "
                                   "reserve or credit for workers short of it",
    "state_share_of_gross": "quota paid / gross earnings",
    "mean_hours_per_day": "hours per day over all days worked",
    "days_needed_share": "share of the days worked that, at the pay a day of main work "
                         "earned, would just pay the quota due and living costs",
    "berry_kg_needed_per_month": "kg of berries a logger must sell to pay a month of the "
                                 "quota in force, over the off-season months lived (loggers)",
}


# outcomes that are shares of a whole, in [0, 1]
SHARE_OUTCOMES = {name for name in OUTCOMES
                  if name.startswith("share_") or name == "quota_shortfall_share"}


def outcomes(w: Workers, months_run: int, firms: Firms | None = None,
             berry_kg: float = math.nan) -> dict:
    """The run's outcomes, overall and in ``by_sector`` for each sector present.

    ``firms`` are the dispatching firms' accounts (None when each worker pays its own
    quota: no firm stands in between). Workers still abroad when the run stops are
    valued as if paid out then; outcomes over nobody (no one completed, no loggers)
    are NaN."""
    result = _outcomes(w, np.ones(w.n, dtype=bool), months_run, firms, None, berry_kg)
    logging = SECTOR_KEYS.index("logging_rfe")
    result["by_sector"] = {
        key: _outcomes(w, w.sector == s, months_run, firms, s,
                       berry_kg if s == logging else math.nan)
        for s, key in enumerate(SECTOR_KEYS) if (w.sector == s).any()
    }
    return result


def _outcomes(w: Workers, rows: np.ndarray, months_run: int, firms: Firms | None,
              sector: int | None, berry_kg: float) -> dict:
    n = rows.sum()
    status = w.status[rows]
    home_arrears = (status == economy.HOME_ARREARS).mean()
    home_injury = (status == economy.HOME_INJURY).mean()
    home_collective = (status == economy.HOME_COLLECTIVE).mean()
    take_home = w.payout[rows]
    completed = status == economy.COMPLETED
    # each worker's slot: its contract (or its stay, if a closure stretched it), within
    # the months of the run since it arrived
    contract = np.minimum(np.maximum(w.months_left[rows] + w.months_abroad[rows],
                                     w.months_abroad[rows]), months_run - w.arrived[rows])
    slot_years = contract.sum() / 12
    first_slot_years = contract[w.arrived[rows] == 0].sum() / 12
    gross = w.gross[rows].sum()
    due = w.quota_due[rows].sum()
    abroad = status == economy.ABROAD
    firm_result = covered = 0.0
    if firms is not None:
        mine = np.ones(len(firms.sector), dtype=bool) if sector is None \
            else firms.sector == sector
        # cash gained, less the payouts still owed to those abroad
        firm_result = (firms.reserve[mine] - firms.start_reserve[mine]).sum() \
            - take_home[abroad].sum()
        covered = firms.covered[mine].sum()
    credit_per_month = w.credited[rows][completed] / w.months_abroad[rows][completed]
    # what is owed at departure, as the firm's settlement reads it (the founding
    # structure pays out on the ledger alone, so its workers with arrears read high)
    owed = (w.ledger[rows] - w.arrears[rows])[completed]
    large = owed >= LARGE_LEDGER_USD
    main_pay = gross - w.side[rows].sum()
    years_abroad = w.months_abroad[rows].sum() / 12
    return {
        "share_sent_home": float(home_arrears + home_injury + home_collective),
        "share_sent_home_arrears": float(home_arrears),
        "share_sent_home_injury": float(home_injury),
        "share_sent_home_collective": float(home_collective),
        "share_escaped": float((status == economy.ESCAPED).mean()),
        "escapes_per_worker_year": float((status == economy.ESCAPED).sum() / years_abroad)
        if years_abroad else math.nan,
        "share_withdrawn": float((status == economy.WITHDRAWN).mean()),
        "share_still_abroad": float(abroad.mean()),
        "share_missed_goal": float(missed_goal(take_home, w.debt[rows], w.goal[rows]).mean()),
        "median_take_home_usd": float(np.median(take_home)),
        "median_take_home_completed_usd": _median(take_home[completed]),
        "ledger_credit_per_month_usd": _median(credit_per_month),
        "ledger_share_of_gross": float(w.credited[rows].sum() / gross) if gross else math.nan,
        "payout_share_of_large_ledgers": _median(take_home[completed][large] / owed[large]),
        "revenue_per_worker_year_usd": float(w.quota_paid[rows].sum() / slot_years),
        "revenue_per_slot_year_usd": float(w.quota_paid[rows].sum() / first_slot_years)
        if first_slot_years else math.nan,
        "firm_margin_per_worker_year_usd": float(firm_result / slot_years),
        "quota_shortfall_share": float(1 - w.quota_paid[rows].sum() / due) if due else 0.0,
        "share_quota_covered_by_firm": float(covered / due) if due else 0.0,
        "state_share_of_gross": float(w.quota_paid[rows].sum() / gross) if gross else 0.0,
        "mean_hours_per_day": float(w.hours_worked[rows].sum() / w.days_worked[rows].sum())
        if w.days_worked[rows].sum() else 0.0,
        "days_needed_share": float((due + w.living[rows].sum()) / main_pay)
        if main_pay else math.nan,
        "berry_kg_needed_per_month": float(berry_kg),
        "n_workers": int(n),
    }


# what ``by_year`` reports for each calendar year
BY_YEAR = {
    "abroad_end": "workers abroad at the end of the year (or of the run)",
    "arrivals": "workers who arrived (the schedule's and replacements)",
    "completed": "workers whose contract ended",
    "sent_home_arrears": "workers sent home for arrears",
    "sent_home_injury": "workers sent home injured",
    "escaped": "workers who escaped",
    "left_other": "workers who left with a host's withdrawal or with their site after an "
                  "escape",
    "revenue_usd": "quota the state collected, USD",
    "revenue_per_worker_year_usd": "quota collected per worker-year abroad, USD",
}


def by_year(monthly: pd.DataFrame, start_year: int, start_month: int) -> dict:
    """The monthly record (``QuotaModel`` SERIES; row k > 0 is month k - 1 of the run)
    summed by calendar year: ``{"2017": {name: value for name in BY_YEAR}, ...}``."""
    lived = monthly.iloc[1:].reset_index(drop=True)
    counts = ("completed", "sent_home_arrears", "sent_home_injury", "escaped")
    # the counts so far at each year's end, less those at the year's start
    so_far = monthly[list(counts)].assign(
        left_other=monthly["withdrawn"] + monthly["sent_home_collective"])
    years = start_year + (start_month - 1 + np.arange(len(lived))) // 12
    result = {}
    for year in np.unique(years):
        months = np.flatnonzero(years == year)
        first, last = months[0], months[-1]
        flows = so_far.iloc[last + 1] - so_far.iloc[first]
        revenue = float(lived["revenue_usd"].iloc[months].sum())
        worker_years = float(lived["stock"].iloc[months].sum()) / 12
        result[str(year)] = {
            "abroad_end": int(lived["abroad"].iloc[last]),
            "arrivals": int(lived["arrivals"].iloc[months].sum()),
            **{name: int(flows[name]) for name in (*counts, "left_other")},
            "revenue_usd": revenue,
            "revenue_per_worker_year_usd": revenue / worker_years if worker_years else math.nan,
        }
    return result


def _median(values: np.ndarray) -> float:
    return float(np.median(values)) if len(values) else math.nan


def missed_goal(take_home, debt, goal):
    """A worker misses its goal when what it brings home, once the entry debt is repaid,
    falls short of the savings goal."""
    return take_home - debt < goal


class Tally(NamedTuple):
    """One pass over the workers at a month's end (``tally``): what the monthly series
    are made of. The month's sums run over the workers in row order and skip those not
    concerned, so they do not depend on which rows of those gone home are still held."""

    by_status: np.ndarray  # workers in each status (economy.STATUS_NAMES)
    abroad_by_sector: np.ndarray
    in_arrears: int  # workers abroad with unpaid quota
    pressure: float  # sum over workers abroad of their firm's pressure
    team_loans: float  # sum of what workers abroad owe their team mates
    ledger: float  # sum of the ledgers of workers abroad
    hours_worked: float  # this month, over those who worked it
    days_worked: float
    coerced_hours: float  # hours beyond ``max_hours``, over this month's days worked


@numba.njit(cache=True)  # it allocates its counts: with reference counting
def _tally(status, sector, n_sectors, arrears, balance, ledger, firm, pressure, worked,
           hours_a_day, days_of_work, max_hours):
    by_status = np.zeros(len(economy.STATUS_NAMES), dtype=np.int64)
    abroad_by_sector = np.zeros(n_sectors, dtype=np.int64)
    in_arrears = 0
    pressure_sum = loans = ledger_sum = hours = days = coerced = 0.0
    for i in range(len(status)):
        by_status[status[i]] += 1
        if worked[i]:
            # the products the month's rules computed (economy.work, economy.month)
            hours += hours_a_day[i] * days_of_work[i]
            days += days_of_work[i]
            coerced += max(hours_a_day[i] - max_hours, 0.0) * days_of_work[i]
        if status[i] == economy.ABROAD:
            abroad_by_sector[sector[i]] += 1
            in_arrears += arrears[i] > 0
            pressure_sum += pressure[firm[i]]
            loans += max(balance[i], 0.0)
            ledger_sum += ledger[i]
    return (by_status, abroad_by_sector, in_arrears, pressure_sum, loans, ledger_sum, hours,
            days, coerced)


def tally(w: Workers, pressure: np.ndarray, worked: np.ndarray, max_hours: float) -> Tally:
    """The month's counts and sums over the workers, in one compiled pass (recording a
    month must stay cheap next to living it): ``pressure`` is each firm's, ``worked``
    says who was abroad this month."""
    return Tally(*_tally(w.status, w.sector, len(SECTORS), w.arrears, w.balance, w.ledger,
                         w.firm, pressure, worked, w.hours, w.days, max_hours))


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
