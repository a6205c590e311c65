"""The monthly rules of a worker's life, as pure functions over numbers.

Every rule is written once, for one worker, over numbers, and compiled with numba:
the batched model runs it in a loop over the rows (``month_all`` here, and
``sim.firms.month`` under a firm), the per-agent reference calls it for its own row.
Both therefore run the same compiled rules and give the same numbers, bit for bit, for
the same draws. The parameters reach
the rules as ``Rules`` and the sector's month as ``Terms`` (named tuples, which
compiled code reads by attribute). The rules of teams and firms (``sim.firms``) work on
the rows of whole firms. No Mesa here.

Two structures share these rules (``quota_payer``): in the founding one each worker owes
its quota out of its own pay (``month``); under the dispatching firm the worker's pay
goes to the firm, which owes the state the quota for every worker it holds (``work``,
then ``sim.firms.settle``).

All money is in USD at the month's exchange rate.
"""

import hashlib
import math
import os
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

import llvmlite.binding
import numba
import numpy as np

# The loops over rows read and write many arrays; before vectorizing one, LLVM checks at
# run time that they do not overlap, and by default gives up past 128 such checks.
llvmlite.binding.set_option("quotasim", "-vectorize-memory-check-threshold=1000")
llvmlite.binding.set_option("quotasim", "-runtime-memory-check-threshold=200")

# Compiled code is cached on disk, but numba checks only the stamp of a function's own
# file, not those of the rules it calls from other files: a change to a rule here would
# leave the loops of ``sim.firms`` stale. So the cache lives in a folder named after the
# sources of every compiled module, and any change to them starts a fresh one.
_COMPILED_MODULES = ("economy.py", "firms.py", "metrics.py")
if not numba.config.CACHE_DIR:
    _sources = hashlib.sha256(b"".join((Path(__file__).with_name(name)).read_bytes()
                                       for name in _COMPILED_MODULES)).hexdigest()[:16]
    numba.config.CACHE_DIR = str(Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache"))
                                 / "quotasim" / f"numba-{_sources}")

# How every rule and loop is compiled. Without reference counting (``_nrt=False``, as
# numba's own hot kernels): nothing here allocates, and counting the arrays handed to
# each inlined rule, on every row, cost more than the rules themselves. ``inlined`` is
# for the rules of teams and firms, which loops call once per team or firm.
compiled = numba.njit(_nrt=False, error_model="numpy", cache=True)
inlined = numba.njit(_nrt=False, error_model="numpy", cache=True, inline="always")

DAYS_IN_MONTH = 30
FULL_MONTH_DAYS = 26  # a reported monthly wage is for this many days at normal hours
ABROAD, COMPLETED, HOME_ARREARS, HOME_INJURY, ESCAPED, HOME_COLLECTIVE, WITHDRAWN = range(7)
STATUS_NAMES = ("abroad", "completed", "sent_home_arrears", "sent_home_injury", "escaped",
                "sent_home_collective", "withdrawn")
# who left early and whose slot a replacement may take (``replacement_supply``)
REPLACEABLE = (HOME_ARREARS, HOME_INJURY, ESCAPED)
N_DRAWS = 4  # uniform draws per worker per month: days off, weather, injury, severity


@dataclass
class Workers:
    """State of every worker, one row each; rows are grouped by sector, then by firm,
    then by team."""

    sector: np.ndarray  # int8 index into sectors.SECTORS
    firm: np.ndarray  # index of the dispatching firm that holds the worker
    team: np.ndarray  # index of its work team (teams never span two firms)
    arrived: np.ndarray  # the month it arrived (0: at the start)
    skill: np.ndarray  # multiplies the sector wage
    goal: np.ndarray  # savings goal, USD
    debt: np.ndarray  # entry bribe owed at home, USD
    target: np.ndarray  # ledger needed at return to meet goal and debt after deductions
    months_left: np.ndarray  # of the contract
    ledger: np.ndarray  # owed to the worker, paid out at return (negative: owed by it)
    arrears: np.ndarray  # unpaid quota carried forward (owed to the firm, under a firm)
    balance: np.ndarray  # with its team: > 0 borrowed from team mates, < 0 lent to them
    net_total: np.ndarray  # pay less quota and food so far: the firm's view of the worker
    fatigue: np.ndarray  # 0 rested .. 1 exhausted
    hours: np.ndarray  # hours a day worked last month
    days: np.ndarray  # days of main work last month
    status: np.ndarray  # ABROAD, COMPLETED, HOME_ARREARS, HOME_INJURY, ESCAPED, ...
    # 1 once seriously injured while the border was closed: it goes home injured the
    # first month the border is open (the sick went first; FACTS, Daily NK 2023)
    injured: np.ndarray
    payout: np.ndarray  # paid at return
    # totals over the stay, for the outcomes and the money check
    gross: np.ndarray  # pay for main work and side work
    side: np.ndarray
    quota_due: np.ndarray  # the quota (and levies) due for this worker's months abroad
    quota_paid: np.ndarray  # what of it the state received
    living: np.ndarray
    credited: np.ndarray  # added to the ledger from pay (before any deduction)
    margin: np.ndarray  # kept by the firm: its cut of the surplus, punishments
    team_transfer: np.ndarray  # team balances taken over from team mates who left
    hours_worked: np.ndarray
    days_worked: np.ndarray
    months_abroad: np.ndarray

    @property
    def n(self) -> int:
        return len(self.sector)


# running totals of a stay, all zero at arrival
TOTALS = ("gross", "side", "quota_due", "quota_paid", "living", "credited", "margin",
          "team_transfer", "hours_worked", "days_worked", "months_abroad")


def draw_workers(p: dict, counts: np.ndarray, rng: np.random.Generator, *,
                 arrived: int = 0, mid_contract: bool = False) -> Workers:
    """A cohort: ``counts[s]`` workers in sector s, personal traits drawn from ``rng``,
    held by firms of ``firm_size`` workers of one sector, in teams of ``team_size``
    (numbered from 0), arriving in month ``arrived``. ``mid_contract``: workers already
    abroad, each with a uniform share of its contract still to run."""
    n = int(counts.sum())
    sigma = p["skill_sigma"]
    skill = np.exp(rng.normal(-sigma**2 / 2, sigma, n))  # mean 1
    goal = p["savings_goal_median_usd"] * np.exp(rng.normal(0.0, p["savings_goal_sigma"], n))
    debt = rng.uniform(p["entry_debt_min_usd"], p["entry_debt_max_usd"], n)
    spread = p["contract_spread_months"]
    months = rng.integers(p["contract_months"] - spread, p["contract_months"] + spread + 1, n)
    if mid_contract:
        months = rng.integers(1, months + 1)
    firm, team = organise(counts, p["firm_size"], p["team_size"])
    zeros = np.zeros(n)
    return Workers(
        sector=np.repeat(np.arange(len(counts), dtype=np.int8), counts),
        firm=firm,
        team=team,
        arrived=np.full(n, float(arrived)),
        skill=skill,
        goal=goal,
        debt=debt,
        target=(goal + debt + p["airfare_usd"]) / (1 - p["settlement_deduction_share"]),
        months_left=months.astype(np.float64),
        ledger=zeros.copy(),
        arrears=zeros.copy(),
        balance=zeros.copy(),
        net_total=zeros.copy(),
        fatigue=zeros.copy(),
        hours=zeros.copy(),
        days=zeros.copy(),
        status=np.zeros(n, dtype=np.int8),
        injured=zeros.copy(),
        payout=zeros.copy(),
        **{name: zeros.copy() for name in TOTALS},
    )


def organise(counts: np.ndarray, firm_size: int, team_size: int) -> tuple[np.ndarray, np.ndarray]:
    """Firm and team of each row: a sector's workers split into firms of ``firm_size``
    (the last one smaller), each firm into teams of ``team_size`` (the last smaller)."""
    firms, teams = [], []
    next_firm = next_team = 0
    for n in counts.tolist():
        for start in range(0, n, firm_size):
            size = min(firm_size, n - start)
            firms.append(np.full(size, next_firm, dtype=np.int32))
            teams.append(next_team + np.arange(size, dtype=np.int32) // team_size)
            next_firm += 1
            next_team += -(-size // team_size)
    if not firms:
        return np.zeros(0, dtype=np.int32), np.zeros(0, dtype=np.int32)
    return np.concatenate(firms), np.concatenate(teams)


@dataclass
class MonthTerms:
    """What a month offers and demands in each sector: arrays of one value per sector
    (from the State), or one sector's values (``by_sector``)."""

    season: np.ndarray  # share of normal workdays the sector can work this month
    wage_usd: np.ndarray  # monthly wage at normal hours for skill 1
    quota_usd: np.ndarray  # quota due this month, levy included
    threshold_usd: np.ndarray  # arrears that get a worker sent home
    living_usd: np.ndarray
    berries: np.ndarray  # 1 if side work is berry picking this month, else 0
    odd_jobs: np.ndarray  # 1 if side work is odd jobs this month, else 0
    berry_usd_per_day: np.ndarray
    berry_usd_per_kg: np.ndarray
    border_open: np.ndarray  # 0 while the border is closed: nobody leaves but by escape


class Terms(NamedTuple):
    """One sector's ``MonthTerms``, as numbers."""

    season: float
    wage_usd: float
    quota_usd: float
    threshold_usd: float
    living_usd: float
    berries: float
    odd_jobs: float
    berry_usd_per_day: float
    berry_usd_per_kg: float
    border_open: float


class Rules(NamedTuple):
    """The parameters the monthly rules read, as numbers (``Rules.of(p)``): compiled code
    reads them as attributes."""

    days_off_per_month: float
    weather_days_lost: float
    injury_rate_base: float
    injury_rate_fatigue: float
    serious_injury_share: float
    injury_days_lost: float
    odd_job_share: float
    odd_job_pay: float
    normal_hours: float
    max_hours: float
    coerced_max_hours: float
    fatigue_hours_cut: float
    fatigue_recovery: float
    food_cut_share: float
    settlement_deduction_share: float
    airfare_usd: float
    # the firm's (sim.firms)
    firm_cut_share: float
    firm_credit_months: float
    full_pressure_shortfall: float
    firm_review_months: float
    replacement_delay_months: float
    firm_enforces: float  # 1 when enforcement = "firm", 0 at the threshold
    escape_rate: float
    escape_arrears_weight: float
    escape_hours_weight: float
    escape_goal_weight: float
    punishment_usd: float
    site_deportation_prob: float
    ledger_forfeit_share: float

    @classmethod
    def of(cls, p: dict) -> "Rules":
        values = {**p, "firm_enforces": p["enforcement"] == "firm"}
        return cls(*(float(values[name]) for name in cls._fields))


def quota_factor(p, sector_key: str, month):
    """The state's rule: a sector's base quota times the hike (from its month on) and the
    yearly ratchet; ``month`` a number or an array of them."""
    hike = np.where(month >= p["hike_month"], p["hike"] * p[f"hike_weight_{sector_key}"], 0.0)
    return (1 + hike) * (1 + p["ratchet_per_year"]) ** (month // 12)


def workdays(r, season, u_off, u_weather):
    """1. The days the sector and month allow, less days off and weather or no-project days.

    Returns (days of main work, days without main work fit for side work)."""
    base = DAYS_IN_MONTH - math.floor(r.days_off_per_month + u_off)
    work = base * season * (1 - 2 * r.weather_days_lost * u_weather)
    return work, base - work


def injuries(r, fatigue, work, idle, u_injury, u_severity):
    """Fatigue raises the risk of injury; a minor one costs days, a serious one the job.

    Returns (work, idle, seriously injured)."""
    injured = u_injury < r.injury_rate_base + r.injury_rate_fatigue * fatigue
    serious = injured and u_severity < r.serious_injury_share
    if serious:
        work = 0.0
    elif injured:
        work = max(work - r.injury_days_lost, 0.0)
    if injured:
        idle = 0.0  # an injured worker takes no side work
    return work, idle, serious


def side_income(r, t, idle, day_wage):
    """3. Side work on days without main work: berries for loggers in season, else odd jobs."""
    berries = idle * t.berry_usd_per_day * t.berries
    odd_jobs = idle * r.odd_job_share * r.odd_job_pay * day_wage * t.odd_jobs
    return berries + odd_jobs


def choose_hours(r, work, hourly, need, fatigue, longest):
    """2. A normal day, longer when behind on the quota or the savings goal, up to a cap
    (``longest``: ``max_hours``, or more when a firm under pressure imposes it) that
    fatigue lowers. Returns (hours a day, new fatigue)."""
    wanted = need / max(work * hourly, 1e-9)
    cap = longest - r.fatigue_hours_cut * fatigue
    hours = min(max(wanted, r.normal_hours), cap) if work > 0 else 0.0
    overtime = (max(hours - r.normal_hours, 0.0) / max(r.max_hours - r.normal_hours, 1e-9)
                * work / FULL_MONTH_DAYS)
    recovery = r.fatigue_recovery
    return hours, min((1 - recovery) * fatigue + recovery * overtime, 1.0)


def pay(income, due, living, ledger):
    """4. Income pays the quota due (arrears first), then savings do; living costs come
    out of what is left, then out of the ledger, which may go below zero.

    Returns (quota paid, new arrears, new ledger)."""
    from_income = min(income, due)
    from_ledger = min(max(ledger, 0.0), due - from_income)
    arrears = (due - from_income) - from_ledger
    return from_income + from_ledger, arrears, ledger - from_ledger + (income - from_income) - living


def fate(arrears, threshold, months_left, serious, border_open):
    """5. Sent home when injured seriously (this month, or while the border was closed)
    or when arrears reach the threshold; home when the contract ends; otherwise abroad
    another month. While the border is closed nobody leaves: the injured wait (and are
    the first to go once it opens), contracts run on."""
    if not border_open:
        return ABROAD
    # tolerance: arrears summed month by month may miss an exact multiple by one ulp
    if serious:
        return HOME_INJURY
    if arrears > 0 and arrears >= threshold * (1 - 1e-9):
        return HOME_ARREARS
    return COMPLETED if months_left <= 0 else ABROAD


def settle(r, ledger):
    """At return the ledger is paid out less the deductions and the fare, never below zero."""
    return max(ledger * (1 - r.settlement_deduction_share) - r.airfare_usd, 0.0)


def month(r, t, skill, target, months_left, ledger, arrears, fatigue, injured, u0, u1, u2,
          u3):
    """One month of one worker who pays its own quota (the founding structure), under
    the sector's terms ``t``; ``injured``: 1 if seriously injured while the border was
    closed; ``u0``-``u3`` are its uniform draws (days off, weather, injury, severity).
    Returns the new state and the month's flows, in the order of ``MONTH_OUT``."""
    work, idle = workdays(r, t.season, u0, u1)
    work, idle, serious = injuries(r, fatigue, work, idle, u2, u3)
    serious = serious or injured > 0
    day_wage = t.wage_usd * skill / FULL_MONTH_DAYS
    side = side_income(r, t, idle, day_wage)
    due = arrears + t.quota_usd
    on_pace = max(target - ledger, 0.0) / max(months_left, 1.0)
    need = due + t.living_usd + on_pace - side
    hours, fatigue = choose_hours(r, work, day_wage / r.normal_hours, need, fatigue,
                                  r.max_hours)
    main = work * hours * day_wage / r.normal_hours
    income = main + side
    paid, new_arrears, new_ledger = pay(income, due, t.living_usd, ledger)
    months_left = months_left - 1
    status = fate(new_arrears, t.threshold_usd, months_left, serious, t.border_open)
    waiting = 1.0 if serious and status == ABROAD else 0.0
    return (new_ledger, new_arrears, fatigue, hours, months_left, status,
            settle(r, new_ledger), waiting, income, side, t.quota_usd, paid, t.living_usd,
            new_ledger - ledger, hours * work, work)


# what ``month`` returns: the new state, then the month's flows
MONTH_OUT = ("ledger", "arrears", "fatigue", "hours", "months_left", "status", "payout",
             "injured", "gross", "side", "quota_due", "quota_paid", "living", "credited",
             "hours_worked", "days_worked")
MONTH_STATE = MONTH_OUT[:8]


def work(r, t, pressure, skill, target, months_left, ledger, arrears, fatigue, balance,
         u0, u1, u2, u3):
    """A month's work of one worker under the dispatching firm: days, injury, side work,
    and hours (which a firm under ``pressure``, 0 to 1, drives towards
    ``coerced_max_hours``); the pay goes to the firm, which feeds and lodges the worker
    (less, under pressure) and owes the state its quota. Returns, in the order of
    ``WORK_OUT``, the worker's side of the month: what it earned, what it nets after
    quota and food, what of that repays its arrears to the firm and its debts to its
    team, and its surplus or shortfall, which the firm settles with the team
    (``sim.firms.settle``)."""
    work_days, idle = workdays(r, t.season, u0, u1)
    work_days, idle, serious = injuries(r, fatigue, work_days, idle, u2, u3)
    day_wage = t.wage_usd * skill / FULL_MONTH_DAYS
    side = side_income(r, t, idle, day_wage)
    living = t.living_usd * (1 - r.food_cut_share * pressure)
    borrowed = max(balance, 0.0)
    on_pace = max(target - ledger, 0.0) / max(months_left, 1.0)
    need = t.quota_usd + living + arrears + borrowed + on_pace - side
    longest = r.max_hours + (r.coerced_max_hours - r.max_hours) * pressure
    hours, fatigue = choose_hours(r, work_days, day_wage / r.normal_hours, need, fatigue,
                                  longest)
    income = work_days * hours * day_wage / r.normal_hours + side
    net = income - t.quota_usd - living
    spare = max(net, 0.0)
    repay_arrears = min(spare, arrears)
    repay_team = min(spare - repay_arrears, borrowed)
    return (fatigue, hours, 1.0 if serious else 0.0, income, side, living, t.quota_usd,
            t.threshold_usd, net, repay_arrears, repay_team,
            spare - repay_arrears - repay_team, max(-net, 0.0), hours * work_days, work_days)


# what ``work`` hands to the firm's settlement, one number per worker
WORK_OUT = ("fatigue", "hours", "serious", "gross", "side", "living", "quota_due", "threshold",
            "net", "repay_arrears", "repay_team", "surplus", "shortfall", "hours_worked",
            "days_worked")


# the rules above, compiled: the batched loops run them, and so does each agent
for _rule in (workdays, injuries, side_income, choose_hours, pay, fate, settle, month, work):
    globals()[_rule.__name__] = compiled(_rule)


_LOW32, _SHIFT32, _PER_32_BITS = np.uint64(0xFFFFFFFF), np.uint64(32), 2.0 ** -32


@compiled
def uniforms(x, y):
    """A worker's four uniform draws in [0, 1) from two random 64-bit integers, 32 bits
    each (how they are drawn under a firm): steps of 2.3e-10, ample for the chances
    they are compared with, at half the cost of four random doubles."""
    return ((x >> _SHIFT32) * _PER_32_BITS, (x & _LOW32) * _PER_32_BITS,
            (y >> _SHIFT32) * _PER_32_BITS, (y & _LOW32) * _PER_32_BITS)


@compiled
def terms_of(terms, s):
    """Sector s's ``Terms`` from the month's terms as an array (sectors x fields)."""
    return Terms(terms[s, 0], terms[s, 1], terms[s, 2], terms[s, 3], terms[s, 4], terms[s, 5],
                 terms[s, 6], terms[s, 7], terms[s, 8], terms[s, 9])


@compiled
def month_all(r, terms, sector, draws, skill, target, months_left, ledger, arrears, fatigue,
              injured, hours, days, status, payout, gross, side, quota_due, quota_paid, living,
              credited, hours_worked, days_worked, months_abroad):
    """``month`` for every worker abroad, in place: the batched founding structure."""
    for i in range(len(sector)):
        if status[i] != ABROAD:
            continue
        out = month(r, terms_of(terms, sector[i]), skill[i], target[i], months_left[i], ledger[i],
                    arrears[i], fatigue[i], injured[i], draws[0, i], draws[1, i], draws[2, i],
                    draws[3, i])
        ledger[i], arrears[i], fatigue[i], hours[i], months_left[i] = out[:5]
        status[i], payout[i], injured[i] = out[5], out[6], out[7]
        days[i] = out[15]
        gross[i] += out[8]
        side[i] += out[9]
        quota_due[i] += out[10]
        quota_paid[i] += out[11]
        living[i] += out[12]
        credited[i] += out[13]
        hours_worked[i] += out[14]
        days_worked[i] += out[15]
        months_abroad[i] += 1.0
