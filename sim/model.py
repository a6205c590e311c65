"""QuotaModel: builds the cohort, its firms and the state, states the monthly schedule,
records it."""

from typing import NamedTuple

import mesa
import numpy as np
import pandas as pd
from mesa.datacollection import DataCollector

from sim import economy, firms, history
from sim.agents import Firm, State, Worker
from sim.metrics import Tally, by_year, outcomes
from sim.scenario import DEFAULT_SEED, QuotaScenario, ScenarioError, check_months, run_months
from sim.sectors import SECTOR_KEYS, SECTORS
from sim.workforce import Workforce


# model-level series recorded each month: name -> meaning
SERIES = {
    "abroad": "workers still abroad",
    "share_in_arrears": "share of workers abroad with unpaid quota",
    "sent_home_arrears": "workers sent home for arrears so far",
    "sent_home_injury": "workers sent home injured so far",
    "completed": "workers whose contract ended so far",
    "mean_hours_per_day": "hours per day worked, over the days worked this month",
    "revenue_usd": "quota the state collected this month, USD",
    "mean_ledger_usd": "mean ledger balance of workers abroad, USD",
    "quota_usd": "mean monthly quota in force for workers abroad, USD",
    "rub_per_usd": "roubles per US dollar this month",
    "escaped": "workers escaped so far",
    "sent_home_collective": "workers sent home with their whole site after an escape, so far",
    "mean_pressure": "mean pressure on the firms (0-1), over workers abroad",
    "coerced_hours_per_day": "hours a day beyond max_hours, over the days worked this month",
    "team_loans_usd": "loans outstanding between team mates, USD",
    "firm_reserve_usd": "the firms' cash (below zero: drawing on credit), USD",
    "arrivals": "workers who arrived this month (the schedule's, and replacements)",
    "stock": "workers abroad during the month (those who left at its end included)",
    "withdrawn": "workers their host withdrew so far",
}


class QuotaModel(mesa.Model):
    """North Korean workers abroad under a state quota, one step a month.

    ``QuotaModel(hike=0.5, n_workers=2000, seed=3)`` builds a scenario from parameter
    names (see ``quotasim params``); ``QuotaModel(scenario)`` takes a ``QuotaScenario``.

    Args:
        scenario: the parameters, checked; its ``rng`` seeds the run. Give either a
            scenario or parameters by name, not both.
        seed: the root seed when parameters are given by name (default 0, as
            ``quotasim run``).
        months: months to run (default: the longest contract; at most ``MAX_MONTHS``).
        engine: "batched" applies each month's rules to all workers at once over arrays;
            "agents" has each Worker apply them to itself through ``shuffle_do``
            (the per-agent reference: same numbers, about 100 times slower at 10,000
            workers; see docs/BENCHMARKS.md).
        worker_agents: create a Mesa agent per worker (views on the arrays); sweeps and
            large runs switch it off to save time and memory. The "agents" engine needs it.
        **params: parameters by name, each checked by ``QuotaScenario``.
    """

    def __init__(self, scenario: QuotaScenario | None = None, *, seed: int | None = None,
                 months: int | None = None, engine: str = "batched",
                 worker_agents: bool = True, **params):
        if scenario is not None and (params or seed is not None):
            raise ScenarioError("give QuotaModel a scenario or parameters by name, not both")
        if scenario is None:
            scenario = QuotaScenario(rng=DEFAULT_SEED if seed is None else seed, **params)
        super().__init__(scenario=scenario)
        if engine not in ("batched", "agents"):
            raise ValueError(f"engine must be 'batched' or 'agents', not {engine!r}")
        if engine == "agents" and not worker_agents:
            raise ValueError("the 'agents' engine needs worker_agents=True")
        self.p = p = scenario.params
        if months is not None:
            check_months(months)
        self.engine = engine
        self.worker_agents = worker_agents
        self.months = months or run_months(p)
        self.month = 0  # months completed
        self.dispatch = history.Dispatch.of(p, self.months) if p["arrivals"] == "schedule" \
            else None
        self.counts = self.dispatch.stock if self.dispatch is not None else sector_counts(p)
        self.state = State(self, p)
        w = economy.draw_workers(p, self.counts, self.rng,
                                 mid_contract=self.dispatch is not None)
        # under a firm, the batched month runs on the rows of those still abroad only
        self.workforce = Workforce(w, compacting=not worker_agents and p["quota_payer"] == "firm",
                                   refilling=p["replacement_supply"] > 0)
        # escapes and arrivals draw from their own streams, so that the founding
        # structure's draws are the same whether or not anyone may escape or arrive
        self.fate_rng = self.rng.spawn(1)[0]
        self.arrival_rng = self.rng.spawn(1)[0]
        self.waiting = np.zeros(len(SECTORS), dtype=np.int64)  # scheduled, border closed
        self.allowance = np.zeros(len(SECTORS))  # replacements the supply allows now
        self.arrivals = 0  # this month's
        self._reviewed = (np.zeros(len(SECTORS)), np.zeros(len(SECTORS)))  # see _review
        # this month's draws (``_draw``): under a firm drawn anew each month
        self.draws = np.zeros((economy.N_DRAWS, w.n) if p["quota_payer"] == "worker" else (2, 0))
        self._abroad_before: np.ndarray | None = None  # see draw_column
        self.firms = firms.start_firms(p, w, self.state.quota_usd(0))
        self.rules = economy.Rules.of(p)
        # this month's work of each worker (rows: WORK_OUT), for each Firm.step in the
        # per-agent path; the batched path keeps one firm's at a time
        self.worked = np.zeros((len(economy.WORK_OUT), 0))
        self.scratch = self.row_draws = np.zeros((0, 0))
        self._size_buffers()
        self.abroad_at_start = w.status == economy.ABROAD
        self.paid_so_far = 0.0  # the quota the state has received
        self.fate_draws = (None, None)
        # kg of berries that pay a month's logging quota, summed over logger-months of
        # the off-season, and those logger-months
        self.berry_kg_months = [0.0, 0]
        for index in range(len(self.firms.reserve)):
            Firm(self, index)
        if worker_agents:
            for row in range(w.n):
                Worker(self, row)
        self.tally = self._tally()
        self._record_month(self.tally)
        self.datacollector = DataCollector(model_reporters={name: name for name in SERIES})
        self.datacollector.collect(self)

    def calendar_month(self, month: int) -> int:
        """Calendar month (1-12) of a month counted from arrival."""
        return (self.p["start_month"] - 1 + month) % 12 + 1

    def step(self):
        """One month: workers arrive (the schedule's, and replacements for those who
        left early) and hosts withdraw theirs (``_arrive``); once a year an adaptive
        state revises its quotas (``_adapt``); the state sets its terms; every worker
        abroad works; under the founding structure each pays its own quota, under a
        firm each firm settles the month of its workers (team loans, its cut, the quota,
        who leaves); the state books the revenue, and the month is recorded."""
        self._arrive()
        if self.p["state_policy"] == "adaptive" and self.month % 12 in (0, 6) and self.month:
            self._review(adapt=self.month % 12 == 0)
        self.state.set_policy()
        live = self.workforce.live
        self.abroad_at_start = abroad = live.status == economy.ABROAD
        self._draw(abroad)
        self.fate_draws = self._fate_draws(abroad)
        if self.engine == "agents":
            self.worked = np.zeros((len(economy.WORK_OUT), live.n))
        if self.p["quota_payer"] == "worker":
            if self.engine == "batched":
                self.work_all()
            else:
                self.agents_by_type[Worker].shuffle_do("step")
            self._withdraw_own(abroad)
        elif self.engine == "batched":
            firms.month(self.rules, self.state.terms_matrix, self.draws, live, abroad,
                        self.firms, self.workforce.segments, self.scratch, self.row_draws,
                        *self.fate_draws)
        else:
            self.agents_by_type[Worker].shuffle_do("step")
            self.agents_by_type[Firm].shuffle_do("step")
        self.workforce.lived()
        self._vacate(abroad)
        before, self.tally = self.tally, self._tally()
        paid_so_far = self._paid()
        paid, self.paid_so_far = paid_so_far - self.paid_so_far, paid_so_far
        self.state.collect(paid)
        self.month += 1
        self._record_month(self.tally, before, paid)
        self.datacollector.collect(self)
        self.running = self.month < self.months and (self.abroad > 0 or self._more_to_come())
        if self.running and self.workforce.compact(self.months - self.month):
            # a firm left with nobody is under no pressure, as its next (empty) month
            # would set it
            held = np.zeros(len(self.firms.pressure), dtype=bool)
            held[self.workforce.segments.firm_ids] = True
            self.firms.pressure[~held] = 0.0

    @property
    def workers(self) -> economy.Workers:
        """Every worker's state, one row each (``economy.Workers``), as of the last
        month. Read it anew after a step: under a firm, a model without worker agents
        lives its months on a compacted copy (``sim.workforce``) and writes it back
        when asked."""
        return self.workforce.workers()

    def _arrive(self) -> None:
        """The month's arrivals and departures decided before it starts: hosts withdraw
        the workers of whole firms (``events``), the schedule's new firms arrive
        (``dispatch_schedule``; while the border is closed they wait), and replacements
        take the slots of workers who left early (``replacement_supply``)."""
        month, events = self.month, self.state.events
        self.arrivals = 0
        if events.withdrawal[month].any():
            self._withdraw(events.withdrawal[month])
        border_open = events.border_open[month] > 0
        if self.dispatch is not None:
            self.waiting += self.dispatch.arrivals[month]
            coming = np.where(border_open, self.waiting, 0)
            if coming.any():
                self.waiting -= coming
                self._new_firms(coming)
        if self.p["replacement_supply"] > 0:
            self._replace(border_open)

    def _new_firms(self, counts: np.ndarray) -> None:
        """``counts[s]`` new workers in sector s arrive, in new firms and teams."""
        new = economy.draw_workers(self.p, counts, self.arrival_rng, arrived=self.month)
        new_firms = firms.start_firms(self.p, new, self.state.quota_usd(self.month))
        first_firm = len(self.firms.reserve)
        new.firm += first_firm
        new.team += int(self.workforce.all.team.max(initial=-1)) + 1
        self.firms = firms.joined(self.firms, new_firms)
        for index in range(first_firm, len(self.firms.reserve)):
            Firm(self, index)
        self._settle_in(new, lambda: self.workforce.arrive(new))
        self._size_buffers()

    def _replace(self, border_open: np.ndarray) -> None:
        """Workers who left early (sent home or escaped) are replaced after
        ``replacement_delay_months``, oldest vacancy first, as far as each site's supply
        allows: ``replacement_supply`` of the slots it holds a month, carried over up to
        a month's worth (or one worker)."""
        wf, p = self.workforce, self.p
        live, vacated = wf.live, wf.vacated
        held = (live.status == economy.ABROAD) | (vacated >= 0)
        per_month = p["replacement_supply"] * np.bincount(live.sector[held],
                                                          minlength=len(SECTORS))
        self.allowance = np.minimum(self.allowance + per_month, np.maximum(per_month, 1.0))
        due = np.flatnonzero((vacated >= 0)
                             & (self.month >= vacated + 1 + p["replacement_delay_months"]))
        if not len(due):
            return
        due = due[np.lexsort((due, vacated[due], live.sector[due]))]
        chosen = []
        for s in np.flatnonzero(border_open):
            slots = due[live.sector[due] == s][:int(self.allowance[s])]
            self.allowance[s] -= len(slots)
            chosen.append(slots)
        slots = np.concatenate(chosen) if chosen else due[:0]
        if not len(slots):
            return
        # the newcomers are drawn grouped by sector, the order of ``slots``
        counts = np.bincount(live.sector[slots], minlength=len(SECTORS))
        new = economy.draw_workers(self.p, counts, self.arrival_rng, arrived=self.month)
        new.firm[:] = live.firm[slots]
        new.team[:] = live.team[slots]
        self._settle_in(new, lambda: wf.refill(slots, new))

    def _settle_in(self, new: economy.Workers, place) -> None:
        """Place ``new`` workers (``place``), count them, and give each an agent."""
        first = self.workforce.n
        place()
        self.arrivals += new.n
        if self.worker_agents:
            for row in range(first, self.workforce.n):
                Worker(self, row)

    def _vacate(self, abroad: np.ndarray) -> None:
        """Slots of workers who left early this month wait for a replacement; a firm
        that has left (deported, or withdrawn by its host) has no slots to fill."""
        if self.p["replacement_supply"] == 0:
            return
        live, vacated = self.workforce.live, self.workforce.vacated
        gone = self.firms.deported[live.firm] + self.firms.withdrawn[live.firm] > 0
        vacated[gone] = -1.0
        vacated[abroad & np.isin(live.status, economy.REPLACEABLE) & ~gone] = self.month

    def _withdraw(self, shares: np.ndarray) -> None:
        """Hosts withdraw ``shares[s]`` of the workers abroad in sector s: whole firms,
        in the order they arrived, until the share is reached. Their empty slots are
        not refilled."""
        live = self.workforce.live
        abroad = live.status == economy.ABROAD
        per_firm = np.bincount(live.firm[abroad], minlength=len(self.firms.reserve))
        for s in np.flatnonzero(shares):
            mine = np.flatnonzero((self.firms.sector == s) & (per_firm > 0)
                                  & (self.firms.withdrawn == 0))
            before = np.cumsum(per_firm[mine]) - per_firm[mine]
            self.firms.withdrawn[mine[before < shares[s] * per_firm[mine].sum()]] = 1.0
        self.workforce.vacated[self.firms.withdrawn[live.firm] > 0] = -1.0

    def _withdraw_own(self, abroad: np.ndarray) -> None:
        """Under the founding structure no firm settles the month: workers abroad in a
        withdrawn firm leave at its end, their ledger paid out as if completed."""
        if not self.firms.withdrawn.any():
            return
        live, open_ = self.workforce.live, self.state.terms.border_open
        leave = (abroad & (live.status == economy.ABROAD)
                 & (self.firms.withdrawn[live.firm] > 0) & (open_[live.sector] > 0))
        live.status[leave] = economy.WITHDRAWN

    def _more_to_come(self) -> bool:
        """Whether anyone may still arrive: the schedule, or replacements."""
        if self.dispatch is not None and (self.waiting.any()
                                          or self.dispatch.arrivals[self.month:].any()):
            return True
        if self.p["replacement_supply"] == 0:
            return False
        vacated = self.workforce.vacated
        arrive = vacated[vacated >= 0] + 1 + self.p["replacement_delay_months"]
        return bool((arrive < self.months).any())

    def _review(self, adapt: bool) -> None:
        """The adaptive state reviews each sector: halfway through the year it notes what
        it has collected; at the year's end it adapts (``State.adapt``) to the revenue of
        the second half-year (once a change has worked through: the arrears it causes
        take months to send anyone home, and the first months' revenue would flatter
        it), the workers the sector lost over the year for arrears or by escape, and the
        replacements it could have had."""
        w = self.workers
        if self.p["quota_payer"] == "firm":
            paid = np.bincount(self.firms.sector, weights=self.firms.quota_paid,
                               minlength=len(SECTORS))
        else:
            paid = np.bincount(w.sector, weights=w.quota_paid, minlength=len(SECTORS))
        # the workers its quota cost it: sent home for arrears, or escaped
        lost_so_far = np.bincount(
            w.sector[np.isin(w.status, (economy.HOME_ARREARS, economy.ESCAPED))],
            minlength=len(SECTORS)).astype(float)
        if not adapt:
            self._reviewed = (paid, self._reviewed[1])
            return
        revenue, lost = paid - self._reviewed[0], lost_so_far - self._reviewed[1]
        self._reviewed = (paid, lost_so_far)
        abroad = self.tally.abroad_by_sector
        self.state.adapt(2 * revenue, lost, 12 * self.p["replacement_supply"] * abroad,
                         abroad > 0)

    def _size_buffers(self) -> None:
        """One firm's work and draws (``scratch``, ``row_draws``), for the largest firm."""
        largest = int(self.workforce.segments.firm_sizes.max(initial=0))
        if self.scratch.shape[1] < largest:
            self.scratch = np.zeros((len(economy.WORK_OUT), largest))
            self.row_draws = np.zeros((economy.N_DRAWS, largest))

    def _draw(self, abroad: np.ndarray) -> None:
        """This month's draws, ``draws``: under the founding structure a column of four
        uniform draws for every row (as the founding model drew them), under a firm a
        column of two random 64-bit integers (``economy.uniforms``) for each worker
        abroad, in row order (``draw_column``)."""
        if self.p["quota_payer"] == "worker":
            if self.draws.shape[1] != len(abroad):
                self.draws = np.zeros((economy.N_DRAWS, len(abroad)))
            self.rng.random(out=self.draws)
        else:
            n = np.count_nonzero(abroad)
            self.draws = self.rng.bit_generator.random_raw(2 * n).reshape(2, n)
            self._abroad_before = None

    def draw_column(self, row: int) -> int:
        """Under a firm, the column of ``draws`` (and of the escape draws) of the worker
        in ``row``: the workers abroad before it (the per-agent path asks)."""
        if self._abroad_before is None:
            self._abroad_before = np.cumsum(self.abroad_at_start) - self.abroad_at_start
        return int(self._abroad_before[row])

    def _paid(self) -> float:
        """The quota the state has received so far: from the firms, or under the founding
        structure from the workers."""
        if self.p["quota_payer"] == "firm":
            return float(self.firms.quota_paid.sum())
        return float(self.workforce.live.quota_paid.sum()) + self.workforce.dropped_paid

    def work_all(self) -> None:
        """Every worker abroad lives the month and pays its own quota (``Worker.step``,
        compiled and batched over the rows)."""
        w = self.workforce.live
        economy.month_all(self.rules, self.state.terms_matrix, w.sector, self.draws,
                          w.skill, w.target, w.months_left, w.ledger, w.arrears, w.fatigue,
                          w.injured, w.hours, w.days, w.status, w.payout, w.gross, w.side,
                          w.quota_due, w.quota_paid, w.living, w.credited, w.hours_worked,
                          w.days_worked, w.months_abroad)

    def outcomes(self) -> dict:
        """The run's outcomes so far (``metrics.outcomes``)."""
        firms_ = self.firms if self.p["quota_payer"] == "firm" else None
        kg = self.berry_kg_months[0] / self.berry_kg_months[1] if self.berry_kg_months[1] \
            else float("nan")
        result = outcomes(self.workers, self.month, firms_, kg)
        if self.p["end_year"]:
            result["by_year"] = by_year(self.datacollector.get_model_vars_dataframe(),
                                        self.p["start_year"], self.p["start_month"])
        if self.p["state_policy"] == "adaptive":
            result["policy_path"] = self.state.policy_path
        return result

    def _fate_draws(self, abroad: np.ndarray) -> tuple[np.ndarray | None, np.ndarray | None]:
        """This month's uniform draws for escapes (one for each worker abroad, in row
        order) and for a site's deportation (one a firm), when anyone may escape."""
        if self.p["escape_rate"] == 0:
            return None, None
        n = np.count_nonzero(abroad)
        u = self.fate_rng.random(n + len(self.firms.reserve))
        return u[:n], u[n:]

    def run(self) -> "QuotaModel":
        """Run to the end: all months, or until every worker has gone home."""
        while self.running:
            self.step()
        return self

    def _tally(self) -> Tally:
        return self.workforce.tally(self.firms.pressure, self.abroad_at_start,
                                    self.p["max_hours"])

    def _record_month(self, t: Tally, before: Tally | None = None, paid: float = 0.0) -> None:
        """The model-level series for this month (``t``: its tally; ``before``: last
        month's; ``paid``: the quota the state received), read by the DataCollector."""
        n = int(t.by_status[economy.ABROAD])
        self.abroad = n
        (self.completed, self.sent_home_arrears, self.sent_home_injury, self.escaped,
         self.sent_home_collective, self.withdrawn) = (int(c) for c in t.by_status[1:])
        self.stock = int(np.count_nonzero(self.abroad_at_start)) if before is not None else n
        self.share_in_arrears = t.in_arrears / n if n else 0.0
        self.mean_pressure = t.pressure / n if n else 0.0
        self.team_loans_usd = t.team_loans
        self.mean_ledger_usd = t.ledger / n if n else 0.0
        self.firm_reserve_usd = float(self.firms.reserve.sum())
        hours, days = t.hours_worked, t.days_worked
        self.revenue_usd = float(paid)
        self.mean_hours_per_day = float(hours / days) if days else 0.0
        self.coerced_hours_per_day = float(t.coerced_hours / days) if days else 0.0
        terms = self.state.terms
        self.quota_usd = float((t.abroad_by_sector * terms.quota_usd).sum() / n) \
            if n and terms is not None else 0.0
        if before is not None:
            self._count_berry_kg(before.abroad_by_sector)
        # the rate of the month just lived, like every flow in this row
        self.rub_per_usd = float(self.state.rub_path[max(self.month - 1, 0)])

    def _count_berry_kg(self, abroad_by_sector: np.ndarray) -> None:
        """This month's kilograms of berries that pay a logger's quota, counted for the
        loggers abroad at its start if logging has stopped (the off-season)."""
        terms, s = self.state.terms, SECTOR_KEYS.index("logging_rfe")
        if terms is None or terms.season[s] > 0 or not terms.berry_usd_per_kg[s]:
            return
        loggers = int(abroad_by_sector[s])
        self.berry_kg_months[0] += loggers * float(terms.quota_usd[s] / terms.berry_usd_per_kg[s])
        self.berry_kg_months[1] += loggers


def sector_counts(p: dict) -> np.ndarray:
    """Workers per sector from the shares, rounded so they add up to n_workers."""
    shares = np.array([p[f"share_{k}"] for k in SECTOR_KEYS])
    exact = shares * p["n_workers"]
    counts = np.floor(exact).astype(np.int64)
    short = p["n_workers"] - counts.sum()
    counts[np.argsort(-(exact - counts), kind="stable")[:short]] += 1
    return counts


def simulate(params: dict | None = None, seed: int | None = DEFAULT_SEED,
             months: int | None = None, *, worker_agents: bool = False,
             **overrides) -> "RunResult":
    """Run one scenario to the end: ``simulate({"hike": 0.5}, seed=3)`` or
    ``simulate(hike=0.5, seed=3)``; the same numbers as ``quotasim run``."""
    scenario = QuotaScenario(rng=seed, **{**(params or {}), **overrides})
    model = QuotaModel(scenario, months=months, worker_agents=worker_agents).run()
    return RunResult(model.outcomes(), model.datacollector.get_model_vars_dataframe(),
                     model.workers)


class RunResult(NamedTuple):
    outcomes: dict  # metrics.outcomes: overall and by_sector
    monthly: pd.DataFrame  # the SERIES, one row a month from month 0
    workers: economy.Workers  # final state of every worker
