"""The Mesa agents: the State that sets and collects the quota, the dispatching Firms
and the Workers they hold.

A Worker's numbers live in one row of the model's arrays (``model.workers``), a Firm's
in one row of ``model.firms``, so that a month can be applied to every worker and firm
at once; an agent reads its own row. ``Worker.step`` and ``Firm.step`` apply the same
monthly rules to their own rows alone: the per-agent reference path.
"""

import mesa
import numpy as np

from sim import economy, firms
from sim.economy import MonthTerms
from sim.sectors import SECTORS, in_berry_season, season


class State(mesa.Agent):
    """The state: quota policy per sector, the exchange rates, enforcement and revenue."""

    def __init__(self, model, p: dict):
        super().__init__(model)
        self.p = p
        self.season = season(p)
        # its own stream, so that choosing a rouble path leaves the cohort's draws alone
        self.rub_path = rouble_path(p, model.months, model.rng.spawn(1)[0])
        base_rate = np.array([self.per_usd(s.currency, 0) for s in SECTORS])
        self.living_local = p["living_cost_usd"] * base_rate  # fixed in local prices
        self.terms: MonthTerms | None = None
        self.terms_by_sector: tuple[economy.Terms, ...] = ()  # the month's terms, by sector
        self.terms_matrix: np.ndarray | None = None  # the same, as an array
        self.revenue_total = 0.0  # USD collected so far

    def per_usd(self, currency: str, month: int) -> float:
        """Units of ``currency`` (USD, RUB or CNY) per US dollar in ``month``."""
        return {"USD": 1.0, "RUB": self.rub_path[month], "CNY": self.p["cny_per_usd"]}[currency]

    def quota_usd(self, sector, month: int) -> float:
        """The monthly quota in force, in USD at this month's rate."""
        amount = self.p[f"quota_{sector.key}"] / sector.quota_months
        factor = economy.quota_factor(self.p, sector.key, month)
        return amount * factor / self.per_usd(sector.quota_currency, month)

    def quota_at_arrival(self) -> np.ndarray:
        """Each sector's monthly quota in month 0, USD: what a firm's reserve is
        measured in."""
        return np.array([self.quota_usd(s, 0) for s in SECTORS])

    def set_policy(self) -> None:
        """Announce the month's terms: quota, levy, enforcement threshold, and prices."""
        p, month = self.p, self.model.month
        calendar = self.model.calendar_month(month)
        rate = np.array([self.per_usd(s.currency, month) for s in SECTORS])
        quota = np.array([self.quota_usd(s, month) for s in SECTORS])
        levy = p["levy_usd"] if month == p["levy_month"] else 0.0
        berries = p["side_work"] and in_berry_season(p, calendar)
        picks = np.array([s.side_work == "berries" and berries for s in SECTORS], dtype=float)
        self.terms = MonthTerms(
            season=self.season[:, calendar],
            wage_usd=np.array([p[f"wage_{s.key}"] for s in SECTORS]) / rate,
            quota_usd=quota + levy,
            threshold_usd=p["enforcement_months"] * quota,
            living_usd=self.living_local / rate,
            berries=picks,
            odd_jobs=float(p["side_work"]) - picks,
            berry_usd_per_day=np.full(len(SECTORS), p["berry_kg_per_day"] * p["berry_price_rub"]
                                      / self.rub_path[month]),
            berry_usd_per_kg=np.full(len(SECTORS), p["berry_price_rub"] / self.rub_path[month]),
        )
        # split once a month, not once per worker: every worker in a sector shares them
        self.terms_by_sector = self.terms.by_sector()
        self.terms_matrix = np.array(self.terms_by_sector)  # sectors x fields, for loops

    def collect(self, paid_usd: float) -> None:
        """Book what the workers paid this month."""
        self.revenue_total += paid_usd


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
