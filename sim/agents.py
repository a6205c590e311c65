"""The Mesa agents: the State that sets and collects the quota, the dispatching Firms
and the Workers they hold.

A Worker's numbers live in one row of the model's arrays (``model.workers``), a Firm's
in one row of ``model.firms``, so that a month can be applied to every worker and firm
at once; an agent reads its own row. ``Worker.step`` and ``Firm.step`` apply the same
monthly rules to their own rows alone: the per-agent reference path.
"""

from dataclasses import fields

import mesa
import numpy as np

from sim import economy, firms, history
from sim.economy import MonthTerms
from sim.sectors import SECTOR_KEYS, SECTORS, in_berry_season, season


class State(mesa.Agent):
    """The state: quota policy per sector, the exchange rates, enforcement and revenue.

    Its terms for every month are worked out at the start, as arrays over months and
    sectors (``terms_path``), and ``set_policy`` announces a month's. Under
    ``state_policy = "adaptive"`` it revises them once a year (``adapt``)."""

    def __init__(self, model, p: dict):
        super().__init__(model)
        self.p = p
        # its own stream, so that choosing a rouble path leaves the cohort's draws alone
        stream = model.rng.spawn(1)[0]
        self.rub_path = history.rouble(p, model.months) if p["fx_path"] == "series" \
            else rouble_path(p, model.months, stream)
        self.events = history.Events.of(p, model.months)
        # the adaptive state's own hike, on top of the schedule: months x sectors
        self.raised = np.ones((model.months + 1, len(SECTORS)))
        self.climb = HillClimb(p, len(SECTORS))
        self.policy_path: list[dict] = []  # the adaptive state's decisions
        levels, levies = history.quota_levels(p, model.months)
        self.scheduled = scheduled_quota_usd(p, self.rub_path, levels)
        self.levies = levies_usd(p, self.rub_path, levies)
        self._build()
        self.terms: MonthTerms | None = None  # the month's terms, one value per sector
        self.terms_matrix: np.ndarray | None = None  # the same as sectors x fields
        self.terms_by_sector: tuple[economy.Terms, ...] = ()  # the same, by sector
        self.revenue_total = 0.0  # USD collected so far

    def _build(self) -> None:
        """The quota in force (as scheduled, times the adaptive state's own hike) and
        the terms of every month."""
        self.quota = self.scheduled * self.raised
        self.path = terms_path(self.p, self.rub_path, self.model.calendar_month,
                               self.quota[:-1], self.levies, self.events)

    def quota_usd(self, month: int) -> np.ndarray:
        """Each sector's monthly quota in force in ``month``, USD at that month's rate,
        levy excluded."""
        return self.quota[month]

    def set_policy(self) -> None:
        """Announce the month's terms: quota, levy, enforcement threshold, and prices."""
        self.terms_matrix = matrix = self.path[self.model.month]
        self.terms = MonthTerms(*matrix.T)
        self.terms_by_sector = tuple(map(economy.Terms._make, matrix.tolist()))

    def adapt(self, revenue: np.ndarray, lost: np.ndarray, supply: np.ndarray,
              present: np.ndarray) -> None:
        """Once a year, the adaptive state moves each sector's hike to raise its revenue
        (``HillClimb``): ``revenue`` it collects a year (at the pace of the past
        half-year), ``lost`` the workers sent home for arrears or escaped, ``supply``
        the replacements the sector could have had, ``present`` the sectors with
        workers. From this month on."""
        month = self.model.month
        # with no replacements at all, the supply sets no limit of its own
        hikes = self.climb.step(revenue, (supply > 0) & (lost > supply), present)
        self.raised[month:] = 1 + hikes
        self._build()
        self.policy_path.append({"month": month, "hike": dict(zip(SECTOR_KEYS, hikes.tolist())),
                                 "revenue_usd": dict(zip(SECTOR_KEYS, revenue.tolist()))})

    def collect(self, paid_usd: float) -> None:
        """Book what the workers paid this month."""
        self.revenue_total += paid_usd


class HillClimb:
    """The adaptive state's rule, for each sector apart: raise the hike by a step; while
    the year's revenue rises keep going; when it falls (or the workers lost for arrears
    or by escape exceed what replacements, if any, can make up: the supply is the limit
    of how hard it can push) turn back with half the step. It settles where a step
    either way loses revenue, within a step that halves each time it turns."""

    def __init__(self, p: dict, n: int):
        self.hike = np.zeros(n)
        self.step_size = np.full(n, p["adaptive_step"])
        self.direction = np.ones(n)
        self.last = np.full(n, np.nan)  # revenue of the year before
        self.top = p["adaptive_max_hike"]

    def step(self, revenue: np.ndarray, overdrawn: np.ndarray, present: np.ndarray
             ) -> np.ndarray:
        worse = (revenue < self.last) | (overdrawn & (self.direction > 0))
        turn = present & worse
        self.direction[turn] *= -1
        self.step_size[turn] /= 2
        self.last = np.where(present, revenue, self.last)
        moved = self.hike + self.direction * self.step_size
        self.hike = np.where(present, np.clip(moved, 0.0, self.top), self.hike)
        return self.hike.copy()


def per_usd(p: dict, currency, rub_per_usd: np.ndarray) -> np.ndarray:
    """Units of ``currency`` (USD, RUB or CNY; one, or one a month) per US dollar, month
    by month."""
    if isinstance(currency, str):
        return {"USD": np.ones_like(rub_per_usd), "RUB": rub_per_usd,
                "CNY": np.full_like(rub_per_usd, p["cny_per_usd"])}[currency]
    return np.select([currency == "RUB", currency == "CNY"],
                     [rub_per_usd, np.full_like(rub_per_usd, p["cny_per_usd"])], 1.0)


def scheduled_quota_usd(p: dict, rub_per_usd: np.ndarray, levels: dict) -> np.ndarray:
    """The monthly quota in force as scheduled (``levels``: ``history.quota_levels``,
    times the hike and the ratchet), USD, levy excluded: one row for each month of
    ``rub_per_usd``, a column a sector."""
    months = np.arange(len(rub_per_usd))
    return np.column_stack([
        levels[s.key][0] * economy.quota_factor(p, s.key, months)
        / per_usd(p, levels[s.key][1], rub_per_usd) for s in SECTORS])


def levies_usd(p: dict, rub_per_usd: np.ndarray, levies: list) -> np.ndarray:
    """One-off levies due each month, USD: months x sectors (``levy_usd`` in its month,
    and the schedule's ``levies``: ``history.quota_levels``)."""
    months = len(rub_per_usd) - 1
    levy = np.zeros((months, len(SECTORS)))
    if 0 <= p["levy_month"] < months:
        levy[p["levy_month"]] += p["levy_usd"]
    for month, key, amount, currency in levies:
        rate = per_usd(p, currency, rub_per_usd[month:month + 1])[0]
        levy[month, SECTOR_KEYS.index(key)] += amount / rate
    return levy


def terms_path(p: dict, rub_path: np.ndarray, calendar_month, quota: np.ndarray,
               levies: np.ndarray, events: "history.Events") -> np.ndarray:
    """The terms (``economy.Terms``) of every month of the run in every sector, as the
    state sets them (``quota``: the quota in force, ``levies`` those due, each months x
    sectors): months x sectors x fields."""
    months = np.arange(len(rub_path) - 1)
    rub = rub_path[:-1]
    calendar = np.array([calendar_month(m) for m in months], dtype=np.int64)
    rate = np.column_stack([per_usd(p, s.currency, rub) for s in SECTORS])
    berries = np.array([bool(p["side_work"]) and in_berry_season(p, c) for c in calendar])
    picks = berries[:, None] & np.array([s.side_work == "berries" for s in SECTORS])
    column = np.ones((1, len(SECTORS)))
    terms = MonthTerms(
        season=season(p)[:, calendar].T,
        wage_usd=np.array([p[f"wage_{s.key}"] for s in SECTORS]) / rate,
        quota_usd=quota + levies,
        threshold_usd=p["enforcement_months"] * quota,
        living_usd=p["living_cost_usd"] * rate[:1] / rate,  # fixed in local prices
        berries=picks.astype(float),
        odd_jobs=float(p["side_work"]) - picks,
        berry_usd_per_day=column * (p["berry_kg_per_day"] * p["berry_price_rub"]
                                    / rub)[:, None],
        berry_usd_per_kg=column * (p["berry_price_rub"] / rub)[:, None],
        border_open=events.border_open,
    )
    return np.stack([getattr(terms, f.name) for f in fields(terms)], axis=-1)


def rouble_path(p: dict, months: int, rng: np.random.Generator) -> np.ndarray:
    """RUB per USD for each month of the run (plus one): constant, shock or random."""
    t = np.arange(months + 1)
    base = p["rub_per_usd"]
    if p["fx_path"] == "shock":
        since = t - p["fx_shock_month"]
        decay = np.where(since >= 0, 0.5 ** (np.maximum(since, 0) / p["fx_shock_halflife_months"]), 0)
        return base * (1 + p["fx_shock_size"] * decay)
    if p["fx_path"] == "random":
        steps = rng.normal(0.0, p["fx_volatility"], months + 1)
        steps[0] = 0.0
        return base * np.exp(np.cumsum(steps))
    return np.full(months + 1, base)


class Worker(mesa.Agent):
    """A worker abroad; its numbers are row ``row`` of ``model.workers``."""

    def __init__(self, model, row: int):
        super().__init__(model)
        self.row = row

    def _get(self, name):
        return getattr(self.model.workers, name).item(self.row)

    @property
    def sector(self) -> str:
        return SECTORS[self._get("sector")].key

    @property
    def status(self) -> str:
        return economy.STATUS_NAMES[self._get("status")]

    hours = property(lambda self: self._get("hours"), doc="Hours a day worked last month.")
    ledger = property(lambda self: self._get("ledger"), doc="Owed to the worker, USD.")
    arrears = property(lambda self: self._get("arrears"), doc="Unpaid quota, USD.")
    goal = property(lambda self: self._get("goal"), doc="Savings goal, USD.")
    payout = property(lambda self: self._get("payout"), doc="Paid at return, USD.")

    def step(self):
        """One month abroad: 1. get the workdays the sector and season allow; 2. choose
        hours, longer when behind, capped by fatigue (and raised by a firm under
        pressure), with the injury risk it brings; 3. take side work on idle days;
        4. earn, and either pay the quota, then living costs, the rest to the ledger
        (quota_payer = worker), or hand the pay to the firm, which settles the month
        with the team (``Firm.step``); 5. go home on arrears, serious injury or the
        contract's end.

        The rules are those of ``economy.month`` and ``economy.work``, applied to this
        worker's row alone."""
        model = self.model
        w, row = model.workforce.live, model.workforce.slot(self.row)
        if row < 0 or w.status.item(row) != economy.ABROAD:
            return
        terms = model.state.terms_by_sector[w.sector.item(row)]
        if model.p["quota_payer"] == "worker":
            draws = model.draws[:, row].tolist()
            out = economy.month(model.rules, terms, *(w.skill.item(row), w.target.item(row),
                                w.months_left.item(row), w.ledger.item(row),
                                w.arrears.item(row), w.fatigue.item(row),
                                w.injured.item(row)), *draws)
            for name, value in zip(economy.MONTH_STATE, out):
                getattr(w, name)[row] = value
            for name, value in zip(economy.MONTH_OUT[len(economy.MONTH_STATE):],
                                   out[len(economy.MONTH_STATE):]):
                getattr(w, name)[row] += value
            w.months_abroad[row] += 1.0
            w.days[row] = out[economy.MONTH_OUT.index("days_worked")]
            return
        column = model.draw_column(row)
        draws = economy.uniforms(model.draws[0, column], model.draws[1, column])
        pressure = model.firms.pressure.item(w.firm.item(row))
        model.worked[:, row] = economy.work(
            model.rules, terms, pressure, w.skill.item(row), w.target.item(row),
            w.months_left.item(row), w.ledger.item(row), w.arrears.item(row),
            w.fatigue.item(row), w.balance.item(row), *draws)


class Firm(mesa.Agent):
    """A dispatching firm: holds the workers of one site, receives their pay, owes the
    state the quota for each of them, and decides what reaches their ledgers and who is
    sent home. Its numbers are row ``index`` of ``model.firms``; its workers are the
    rows of ``model.workers`` whose ``firm`` is ``index``, in teams."""

    def __init__(self, model, index: int):
        super().__init__(model)
        self.index = index

    @property
    def reserve(self) -> float:
        return self.model.firms.reserve.item(self.index)

    @property
    def pressure(self) -> float:
        return self.model.firms.pressure.item(self.index)

    def step(self):
        """Settle the month of its workers (``firms.settle``): team loans, its cut,
        the state's quota from its cash, then who leaves, punishment, payouts."""
        model = self.model
        segments = model.workforce.segments
        first_row = segments.firm_starts[self.index]
        firms.settle(model.rules, model.state.terms_matrix, model.workforce.live, model.worked,
                     model.abroad_at_start,
                     model.firms, segments, range(self.index, self.index + 1),
                     model.draw_column(first_row), *model.fate_draws)
