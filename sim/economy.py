"""The monthly rules of a worker's life, as pure functions over numbers.

Every worker-level rule takes ``xp``, the few operations it needs (``minimum``,
``maximum``, ``where``, ``floor``): ``ARRAYS`` applies a rule to every worker at once over
numpy arrays, ``SCALARS`` to one worker over Python floats. The batched model and the
per-agent reference therefore run the same rules, and give the same numbers for the
same draws. The rules of teams and firms (``sim.firms``) work on the rows of whole firms.
No Mesa here.

Two structures share these rules (``quota_payer``): in the founding one each worker owes
its quota out of its own pay (``month``); under the dispatching firm the worker's pay
goes to the firm, which owes the state the quota for every worker it holds (``work``,
then ``sim.firms.settle``).

All money is in USD at the month's exchange rate.
"""

import math
from dataclasses import dataclass, fields
from types import SimpleNamespace

import numpy as np

ARRAYS = SimpleNamespace(minimum=np.minimum, maximum=np.maximum, where=np.where, floor=np.floor)
SCALARS = SimpleNamespace(
    minimum=min, maximum=max, where=lambda c, a, b: a if c else b, floor=math.floor
)

DAYS_IN_MONTH = 30
FULL_MONTH_DAYS = 26  # a reported monthly wage is for this many days at normal hours
ABROAD, COMPLETED, HOME_ARREARS, HOME_INJURY, ESCAPED, HOME_COLLECTIVE = range(6)
STATUS_NAMES = ("abroad", "completed", "sent_home_arrears", "sent_home_injury", "escaped",
                "sent_home_collective")
N_DRAWS = 4  # uniform draws per worker per month: days off, weather, injury, severity


@dataclass
class Workers:
    """State of every worker, one row each; rows are grouped by sector, then by firm,
    then by team."""

    sector: np.ndarray  # int8 index into sectors.SECTORS
    firm: np.ndarray  # index of the dispatching firm that holds the worker
    team: np.ndarray  # index of its work team (teams never span two firms)
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
    status: np.ndarray  # ABROAD, COMPLETED, HOME_ARREARS, HOME_INJURY, ESCAPED, ...
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

    def rows(self, part: slice) -> "Workers":
        """A view of a range of rows: writing to it writes to those workers."""
        return Workers(*(getattr(self, f.name)[part] for f in fields(self)))


# running totals of a stay, all zero at arrival
TOTALS = ("gross", "side", "quota_due", "quota_paid", "living", "credited", "margin",
          "team_transfer", "hours_worked", "days_worked", "months_abroad")


def draw_workers(p: dict, counts: np.ndarray, rng: np.random.Generator) -> Workers:
    """A cohort: ``counts[s]`` workers in sector s, personal traits drawn from ``rng``,
    held by firms of ``firm_size`` workers of one sector, in teams of ``team_size``."""
    n = int(counts.sum())
    sigma = p["skill_sigma"]
    skill = np.exp(rng.normal(-sigma**2 / 2, sigma, n))  # mean 1
    goal = p["savings_goal_median_usd"] * np.exp(rng.normal(0.0, p["savings_goal_sigma"], n))
    debt = rng.uniform(p["entry_debt_min_usd"], p["entry_debt_max_usd"], n)
    spread = p["contract_spread_months"]
    months = rng.integers(p["contract_months"] - spread, p["contract_months"] + spread + 1, n)
    firm, team = organise(counts, p["firm_size"], p["team_size"])
    zeros = np.zeros(n)
    return Workers(
        sector=np.repeat(np.arange(len(counts), dtype=np.int8), counts),
        firm=firm,
        team=team,
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
        status=np.zeros(n, dtype=np.int8),
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

    def by_sector(self) -> list["MonthTerms"]:
        """One MonthTerms of Python numbers for each sector."""
        columns = (getattr(self, f.name).tolist() for f in fields(self))
        return [MonthTerms(*values) for values in zip(*columns)]


def quota_factor(p, sector_key: str, month: int) -> float:
    """The state's rule: a sector's base quota times the hike (from its month on) and the
    yearly ratchet."""
    hike = p["hike"] * p[f"hike_weight_{sector_key}"] if month >= p["hike_month"] else 0.0
    return (1 + hike) * (1 + p["ratchet_per_year"]) ** (month // 12)


def workdays(p, season, u_off, u_weather, xp):
    """1. The days the sector and month allow, less days off and weather or no-project days.

    Returns (days of main work, days without main work fit for side work)."""
    base = DAYS_IN_MONTH - xp.floor(p["days_off_per_month"] + u_off)
    work = base * season * (1 - 2 * p["weather_days_lost"] * u_weather)
    return work, base - work


def injuries(p, fatigue, work, idle, u_injury, u_severity, xp):
    """Fatigue raises the risk of injury; a minor one costs days, a serious one the job.

    Returns (work, idle, seriously injured)."""
    injured = u_injury < p["injury_rate_base"] + p["injury_rate_fatigue"] * fatigue
    serious = injured & (u_severity < p["serious_injury_share"])
    work = xp.where(serious, 0.0, xp.where(injured, xp.maximum(work - p["injury_days_lost"], 0.0), work))
    idle = xp.where(injured, 0.0, idle)  # an injured worker takes no side work
    return work, idle, serious


def side_income(p, t, idle, day_wage, xp):
    """3. Side work on days without main work: berries for loggers in season, else odd jobs."""
    berries = idle * t.berry_usd_per_day * t.berries
    odd_jobs = idle * p["odd_job_share"] * p["odd_job_pay"] * day_wage * t.odd_jobs
    return berries + odd_jobs


def choose_hours(p, work, hourly, need, fatigue, longest, xp):
    """2. A normal day, longer when behind on the quota or the savings goal, up to a cap
    (``longest``: ``max_hours``, or more when a firm under pressure imposes it) that
    fatigue lowers. Returns (hours a day, new fatigue)."""
    wanted = need / xp.maximum(work * hourly, 1e-9)
    cap = longest - p["fatigue_hours_cut"] * fatigue
    hours = xp.where(work > 0, xp.minimum(xp.maximum(wanted, p["normal_hours"]), cap), 0.0)
    overtime = (
        xp.maximum(hours - p["normal_hours"], 0.0)
        / max(p["max_hours"] - p["normal_hours"], 1e-9)
        * work / FULL_MONTH_DAYS
    )
    r = p["fatigue_recovery"]
    return hours, xp.minimum((1 - r) * fatigue + r * overtime, 1.0)


def pay(income, due, living, ledger, xp):
    """4. Income pays the quota due (arrears first), then savings do; living costs come
    out of what is left, then out of the ledger, which may go below zero.

    Returns (quota paid, new arrears, new ledger)."""
    from_income = xp.minimum(income, due)
    from_ledger = xp.minimum(xp.maximum(ledger, 0.0), due - from_income)
    arrears = (due - from_income) - from_ledger
    return from_income + from_ledger, arrears, ledger - from_ledger + (income - from_income) - living


def fate(arrears, threshold, months_left, serious, xp):
    """5. Sent home when injured seriously or when arrears reach the threshold; home when
    the contract ends; otherwise abroad another month."""
    # tolerance: arrears summed month by month may miss an exact multiple by one ulp
    enforced = (arrears > 0) & (arrears >= threshold * (1 - 1e-9))
    return xp.where(
        serious, HOME_INJURY,
        xp.where(enforced, HOME_ARREARS, xp.where(months_left <= 0, COMPLETED, ABROAD)),
    )


def settle(p, ledger, xp):
    """At return the ledger is paid out less the deductions and the fare, never below zero."""
    return xp.maximum(ledger * (1 - p["settlement_deduction_share"]) - p["airfare_usd"], 0.0)


def month(p, t: MonthTerms, w, u, xp) -> dict:
    """One month for the workers in ``w`` (arrays or one worker's numbers) under terms ``t``.

    ``u`` holds the month's uniform draws (days off, weather, injury, severity).
    Returns the new state and the month's flows, by name."""
    work, idle = workdays(p, t.season, u[0], u[1], xp)
    work, idle, serious = injuries(p, w.fatigue, work, idle, u[2], u[3], xp)
    day_wage = t.wage_usd * w.skill / FULL_MONTH_DAYS
    side = side_income(p, t, idle, day_wage, xp)
    due = w.arrears + t.quota_usd
    on_pace = xp.maximum(w.target - w.ledger, 0.0) / xp.maximum(w.months_left, 1.0)
    need = due + t.living_usd + on_pace - side
    hours, fatigue = choose_hours(p, work, day_wage / p["normal_hours"], need, w.fatigue,
                                  p["max_hours"], xp)
    main = work * hours * day_wage / p["normal_hours"]
    income = main + side
    paid, arrears, ledger = pay(income, due, t.living_usd, w.ledger, xp)
    months_left = w.months_left - 1
    status = fate(arrears, t.threshold_usd, months_left, serious, xp)
    return dict(
        ledger=ledger, arrears=arrears, fatigue=fatigue, hours=hours, months_left=months_left,
        status=status, payout=settle(p, ledger, xp),
        gross=income, side=side, quota_due=t.quota_usd, quota_paid=paid, living=t.living_usd,
        credited=ledger - w.ledger, hours_worked=hours * work, days_worked=work,
        months_abroad=1.0,
    )


def work(p, t: MonthTerms, w, u, pressure, xp) -> dict:
    """A month's work under the dispatching firm, for the workers in ``w``: days, injury,
    side work, and hours (which a firm under ``pressure``, 0 to 1, drives towards
    ``coerced_max_hours``); the pay goes to the firm, which feeds and lodges the worker
    (less, under pressure) and owes the state its quota. Returns the worker's side of
    the month: what it earned, what it nets after quota and food, what of that repays
    its arrears to the firm and its debts to its team, and its surplus or shortfall,
    which the firm settles with the team (``sim.firms.settle``)."""
    work_days, idle = workdays(p, t.season, u[0], u[1], xp)
    work_days, idle, serious = injuries(p, w.fatigue, work_days, idle, u[2], u[3], xp)
    day_wage = t.wage_usd * w.skill / FULL_MONTH_DAYS
    side = side_income(p, t, idle, day_wage, xp)
    living = t.living_usd * (1 - p["food_cut_share"] * pressure)
    borrowed = xp.maximum(w.balance, 0.0)
    on_pace = xp.maximum(w.target - w.ledger, 0.0) / xp.maximum(w.months_left, 1.0)
    need = t.quota_usd + living + w.arrears + borrowed + on_pace - side
    longest = p["max_hours"] + (p["coerced_max_hours"] - p["max_hours"]) * pressure
    hours, fatigue = choose_hours(p, work_days, day_wage / p["normal_hours"], need, w.fatigue,
                                  longest, xp)
    income = work_days * hours * day_wage / p["normal_hours"] + side
    net = income - t.quota_usd - living
    spare = xp.maximum(net, 0.0)
    repay_arrears = xp.minimum(spare, w.arrears)
    repay_team = xp.minimum(spare - repay_arrears, borrowed)
    return dict(
        fatigue=fatigue, hours=hours, serious=serious, gross=income, side=side,
        living=living, quota_due=t.quota_usd, threshold=t.threshold_usd, net=net,
        repay_arrears=repay_arrears, repay_team=repay_team,
        surplus=spare - repay_arrears - repay_team, shortfall=xp.maximum(-net, 0.0),
        hours_worked=hours * work_days, days_worked=work_days,
    )


# what ``work`` hands to the firm's settlement, one number per worker
WORK_OUT = ("fatigue", "hours", "serious", "gross", "side", "living", "quota_due", "threshold",
            "net", "repay_arrears", "repay_team", "surplus", "shortfall", "hours_worked",
            "days_worked")


# what month and work read of a worker, what month writes, and what it adds up
READS = ("skill", "target", "months_left", "ledger", "arrears", "fatigue", "balance")
STATE = ("ledger", "arrears", "fatigue", "hours", "months_left", "status", "payout")
FLOWS = ("gross", "side", "quota_due", "quota_paid", "living", "credited", "hours_worked",
         "days_worked", "months_abroad")


def commit(w: Workers, out: dict, rows) -> None:
    """Write a month's results into the rows still abroad (a boolean mask or one index).

    The payout is written for every row but only read once a worker has left."""
    if isinstance(rows, np.ndarray):
        for name in STATE:
            np.copyto(getattr(w, name), out[name], where=rows, casting="unsafe")
        for name in FLOWS:
            np.add(getattr(w, name), out[name], out=getattr(w, name), where=rows)
    else:
        for name in STATE:
            getattr(w, name)[rows] = out[name]
        for name in FLOWS:
            getattr(w, name)[rows] += out[name]
