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

from sim import economy, firms
from sim.economy import MonthTerms
from sim.sectors import SECTORS, in_berry_season, season


class State(mesa.Agent):
    """The state: quota policy per sector, the exchange rates, enforcement and revenue.

    Its policy is known in advance, so the terms of every month are worked out once,
    as arrays over months and sectors (``terms_path``); ``set_policy`` announces a
    month's."""

    def __init__(self, model, p: dict):
        super().__init__(model)
        self.p = p
        # its own stream, so that choosing a rouble path leaves the cohort's draws alone
        self.rub_path = rouble_path(p, model.months, model.rng.spawn(1)[0])
        self.path = terms_path(p, self.rub_path, model.calendar_month)
        self.terms: MonthTerms | None = None  # the month's terms, one value per sector
        self.terms_matrix: np.ndarray | None = None  # the same as sectors x fields
        self.terms_by_sector: tuple[economy.Terms, ...] = ()  # the same, by sector
        self.revenue_total = 0.0  # USD collected so far

    def quota_usd(self, month: int) -> np.ndarray:
        """Each sector's monthly quota in force in ``month``, USD at that month's rate,
        levy excluded."""
        return quota_usd(self.p, self.rub_path[month:month + 1], np.array([month]))[0]

    def set_policy(self) -> None:
        """Announce the month's terms: quota, levy, enforcement threshold, and prices."""
        self.terms_matrix = matrix = self.path[self.model.month]
        self.terms = MonthTerms(*matrix.T)
        self.terms_by_sector = tuple(map(economy.Terms._make, matrix.tolist()))

    def collect(self, paid_usd: float) -> None:
        """Book what the workers paid this month."""
        self.revenue_total += paid_usd


def per_usd(p: dict, currency: str, rub_per_usd: np.ndarray) -> np.ndarray:
    """Units of ``currency`` (USD, RUB or CNY) per US dollar, month by month."""
    return {"USD": np.ones_like(rub_per_usd), "RUB": rub_per_usd,
            "CNY": np.full_like(rub_per_usd, p["cny_per_usd"])}[currency]


def quota_usd(p: dict, rub_per_usd: np.ndarray, months: np.ndarray) -> np.ndarray:
    """The monthly quota in force, USD, levy excluded: months x sectors."""
    return np.column_stack([
        p[f"quota_{s.key}"] / s.quota_months * economy.quota_factor(p, s.key, months)
        / per_usd(p, s.quota_currency, rub_per_usd) for s in SECTORS])


def terms_path(p: dict, rub_path: np.ndarray, calendar_month) -> np.ndarray:
    """The terms (``economy.Terms``) of every month of the run in every sector, as the
    state sets them: months x sectors x fields."""
    months = np.arange(len(rub_path) - 1)
    rub = rub_path[:-1]
    calendar = np.array([calendar_month(m) for m in months], dtype=np.int64)
    rate = np.column_stack([per_usd(p, s.currency, rub) for s in SECTORS])
    quota = quota_usd(p, rub, months)
    levy = np.where(months == p["levy_month"], p["levy_usd"], 0.0)[:, None]
    berries = np.array([bool(p["side_work"]) and in_berry_season(p, c) for c in calendar])
    picks = berries[:, None] & np.array([s.side_work == "berries" for s in SECTORS])
    column = np.ones((1, len(SECTORS)))
    terms = MonthTerms(
        season=season(p)[:, calendar].T,
        wage_usd=np.array([p[f"wage_{s.key}"] for s in SECTORS]) / rate,
        quota_usd=quota + levy,
        threshold_usd=p["enforcement_months"] * quota,
        living_usd=p["living_cost_usd"] * rate[:1] / rate,  # fixed in local prices
        berries=picks.astype(float),
        odd_jobs=float(p["side_work"]) - picks,
        berry_usd_per_day=column * (p["berry_kg_per_day"] * p["berry_price_rub"]
                                    / rub)[:, None],
        berry_usd_per_kg=column * (p["berry_price_rub"] / rub)[:, None],
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
        model, w, row = self.model, self.model.workers, self.row
        if w.status.item(row) != economy.ABROAD:
            return
        terms = model.state.terms_by_sector[w.sector.item(row)]
        if model.p["quota_payer"] == "worker":
            draws = model.draws[:, row].tolist()
            out = economy.month(model.rules, terms, *(w.skill.item(row), w.target.item(row),
                                w.months_left.item(row), w.ledger.item(row),
                                w.arrears.item(row), w.fatigue.item(row)), *draws)
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
        firms.settle(model.rules, model.workers, model.worked, model.abroad_at_start,
                     model.firms, segments, range(self.index, self.index + 1),
                     model.draw_column(first_row), *model.fate_draws)
