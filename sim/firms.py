"""The dispatching firm and its work teams: what happens to the pay of the workers a firm
holds, once each has worked the month (``economy.work``).

Under ``quota_payer = "firm"`` the host employer pays the firm for the work done, the
firm owes the state the quota for every worker it holds, and it answers a shortfall in
this order (coercion and effort are complements: Acemoglu and Wolitzky 2011):

1. longer hours, up to a cap that its pressure raises, and cheaper food (in
   ``economy.work``, from last month's pressure);
2. the team: members' savings cover another's shortfall as a loan, repaid from its
   later surplus before anything reaches its ledger (``pool_teams``);
3. a smaller credit: the firm keeps a share of each surplus, more under pressure;
4. its reserve, then its credit, covers what is left, booked as the worker's arrears
   to the firm (the state is paid short only once the credit is used up);
5. only then it sends a worker home: one in arrears who, over a record of at least
   ``firm_review_months`` (or sooner, once it owes ``enforcement_months`` of quota),
   loses it money month after month, and whom an average replacement, after
   ``replacement_delay_months``, would earn it more than (``enforce``).

Escapes (a hazard that rises with arrears, hours and a lost savings goal) bring
collective punishment: the team's ledgers are docked, and with a small chance the
whole site is sent home.

Every function here works on the rows of whole firms (rows sorted by firm, then team),
with team and firm totals as segment sums (``np.add.reduceat``), never a loop over
agents: the batched model calls it once for all firms, each ``Firm`` agent for its own
rows, with the same numbers.
"""

from dataclasses import dataclass, fields

import numpy as np

from sim import economy
from sim.economy import ABROAD, COMPLETED, ESCAPED, HOME_ARREARS, HOME_COLLECTIVE, HOME_INJURY


@dataclass
class Firms:
    """State of every firm, one row each."""

    sector: np.ndarray
    reserve: np.ndarray  # cash, USD; below zero it is drawing on its credit
    pressure: np.ndarray  # 0 .. 1: how much of its quota bill it covered, last month
    start_reserve: np.ndarray  # at arrival, for its result over the run
    # totals over the run
    quota_due: np.ndarray
    quota_paid: np.ndarray
    covered: np.ndarray  # shortfalls the firm covered from its reserve or credit
    escapes: np.ndarray
    deported: np.ndarray  # 1 once its site was sent home after an escape

    def rows(self, part: slice) -> "Firms":
        return Firms(*(getattr(self, f.name)[part] for f in fields(self)))


@dataclass(frozen=True)
class Segments:
    """Where the teams and the firms of a range of rows start, relative to the range."""

    team_starts: np.ndarray
    team_sizes: np.ndarray
    firm_starts: np.ndarray
    firm_sizes: np.ndarray

    @classmethod
    def of(cls, team: np.ndarray, firm: np.ndarray) -> "Segments":
        team_starts = np.flatnonzero(np.r_[True, team[1:] != team[:-1]])
        firm_starts = np.flatnonzero(np.r_[True, firm[1:] != firm[:-1]])
        n = len(team)
        return cls(team_starts, np.diff(np.r_[team_starts, n]),
                   firm_starts, np.diff(np.r_[firm_starts, n]))

    def team_sum(self, values: np.ndarray) -> np.ndarray:
        """Each row's team total."""
        return np.repeat(np.add.reduceat(values, self.team_starts), self.team_sizes)

    def firm_totals(self, values: np.ndarray) -> np.ndarray:
        """Each firm's total, one per firm."""
        return np.add.reduceat(values, self.firm_starts)

    def by_row(self, per_firm: np.ndarray) -> np.ndarray:
        return np.repeat(per_firm, self.firm_sizes)


def start_firms(p: dict, w: economy.Workers, quota_usd: np.ndarray) -> Firms:
    """Firms at arrival, with a reserve of ``firm_reserve_months`` of their quota bill
    (``quota_usd``: this month's quota of each sector)."""
    n_firms = int(w.firm[-1]) + 1 if w.n else 0
    sector = np.zeros(n_firms, dtype=np.int8)
    sector[w.firm] = w.sector
    size = np.bincount(w.firm, minlength=n_firms)
    reserve = p["firm_reserve_months"] * quota_usd[sector] * size
    zeros = np.zeros(n_firms)
    return Firms(sector=sector, reserve=reserve, pressure=zeros.copy(),
                 start_reserve=reserve.copy(), quota_due=zeros.copy(), quota_paid=zeros.copy(),
                 covered=zeros.copy(), escapes=zeros.copy(), deported=zeros.copy())


def settle(p: dict, w: economy.Workers, m: dict, abroad: np.ndarray, f: Firms, seg: Segments,
           u_escape: np.ndarray | None, u_site: np.ndarray | None) -> None:
    """The firm's side of the month for the rows of whole firms: ``m`` holds what each
    worker did (``economy.work``; zero for those not abroad). Updates ``w`` and ``f``."""
    pool = pool_teams(w, m, abroad, seg)
    pressure = seg.by_row(f.pressure)
    cut = p["firm_cut_share"] + (1 - p["firm_cut_share"]) * pressure
    kept = m["surplus"]
    credited = (1 - cut) * kept + pool["receive"]
    covered = m["shortfall"] - pool["borrow"]
    paid_share = pay_state(p, m, f, seg, covered)

    n = np.where(abroad, 1.0, 0.0)
    _add(w, abroad, gross=m["gross"], side=m["side"], quota_due=m["quota_due"],
         quota_paid=m["quota_due"] * seg.by_row(paid_share), living=m["living"],
         credited=credited, margin=cut * kept, hours_worked=m["hours_worked"],
         days_worked=m["days_worked"], months_abroad=n, net_total=m["net"])
    _set(w, abroad, ledger=w.ledger + credited - pool["lend"],
         arrears=w.arrears + covered - m["repay_arrears"],
         balance=pool["balance"], fatigue=m["fatigue"], hours=m["hours"],
         months_left=w.months_left - 1)

    status = enforce(p, w, m, abroad, seg, u_escape)
    punish(p, w, status, abroad, f, seg, u_site)
    leave(p, w, abroad, f, seg)


def pool_teams(w: economy.Workers, m: dict, abroad: np.ndarray, seg: Segments) -> dict:
    """2. Within each team: what members repaid goes to those who lent, in proportion to
    what each is owed; then the savings (ledgers) of those not short this month cover
    the shortfalls of those who are, as loans, in proportion to what each has and
    needs. A team's balances add up to zero."""
    owed = np.maximum(-w.balance, 0.0)
    repaid, claims = seg.team_sum(m["repay_team"]), seg.team_sum(owed)
    receive = np.where(claims > 0, owed * (repaid / np.where(claims > 0, claims, 1.0)), 0.0)
    savings = np.where(abroad & (m["shortfall"] == 0), np.maximum(w.ledger, 0.0), 0.0)
    spare, short = seg.team_sum(savings), seg.team_sum(m["shortfall"])
    lent = np.minimum(spare, short)
    borrow = np.where(short > 0, m["shortfall"] * (lent / np.where(short > 0, short, 1.0)), 0.0)
    lend = np.where(spare > 0, savings * (lent / np.where(spare > 0, spare, 1.0)), 0.0)
    balance = w.balance - m["repay_team"] + receive + borrow - lend
    return {"receive": receive, "borrow": borrow, "lend": lend, "balance": balance}


def pay_state(p: dict, m: dict, f: Firms, seg: Segments, covered: np.ndarray) -> np.ndarray:
    """4. The firm's cash: the host's pay in, food and the state's quota out, drawing on
    its credit (``firm_credit_months`` of its quota bill) before it pays the state
    short. Returns the share of its quota each firm paid; sets next month's pressure
    from the shortfalls it covered."""
    inflow, food = seg.firm_totals(m["gross"]), seg.firm_totals(m["living"])
    due = seg.firm_totals(m["quota_due"])
    credit = p["firm_credit_months"] * due
    paid = np.clip(f.reserve + inflow - food + credit, 0.0, due)
    f.reserve += inflow - food - paid
    f.quota_due += due
    f.quota_paid += paid
    short = seg.firm_totals(covered)
    f.covered += short
    # pressure: the share of its quota bill the firm had to cover for workers short of
    # it, against the share at which it is at its harshest
    full = p["full_pressure_shortfall"] * due
    f.pressure[:] = np.clip(short / np.where(full > 0, full, 1.0), 0.0, 1.0)
    return np.where(due > 0, paid / np.where(due > 0, due, 1.0), 0.0)


def enforce(p: dict, w: economy.Workers, m: dict, abroad: np.ndarray, seg: Segments,
            u_escape: np.ndarray | None) -> np.ndarray:
    """5. Who leaves this month: seriously injured; escaped; sent home for arrears
    (by the firm's valuation, or at the threshold); home at the contract's end."""
    arrears = w.arrears
    if p["enforcement"] == "firm":
        expected = w.net_total / np.maximum(w.months_abroad, 1.0)  # the firm's estimate
        count = seg.firm_totals(np.where(abroad, 1.0, 0.0))
        average = seg.by_row(seg.firm_totals(np.where(abroad, expected, 0.0))
                             / np.maximum(count, 1.0))
        replaced = average * np.maximum(w.months_left - p["replacement_delay_months"], 0.0)
        # judged on a record of at least firm_review_months, or sooner once its arrears
        # reach enforcement_months of quota: in arrears, losing the firm money month
        # after month, and worth less than a replacement after the delay
        judged = (w.months_abroad >= p["firm_review_months"]) \
            | (arrears >= m["threshold"] * (1 - 1e-9))
        enforced = ((arrears > 1e-9) & judged & (expected < 0)
                    & (expected * w.months_left < replaced))
    else:
        enforced = (arrears > 0) & (arrears >= m["threshold"] * (1 - 1e-9))
    escaped = escapes(p, w, m, u_escape) if u_escape is not None else False
    status = np.where(
        m["serious"] > 0, HOME_INJURY,
        np.where(escaped, ESCAPED,
                 np.where(enforced, HOME_ARREARS,
                          np.where(w.months_left <= 0, COMPLETED, ABROAD))))
    return np.where(abroad, status, w.status).astype(np.int8)


def escapes(p: dict, w: economy.Workers, m: dict, u: np.ndarray) -> np.ndarray:
    """Who escapes: a base hazard that rises with arrears (months of quota, up to 6),
    with hours beyond a normal day (at the coerced maximum: ``escape_hours_weight``),
    and once the savings goal is out of reach at the pace so far."""
    months_behind = np.minimum(w.arrears / np.maximum(m["quota_due"], 1e-9), 6.0)
    span = max(p["coerced_max_hours"] - p["normal_hours"], 1e-9)
    overtime = np.clip((m["hours"] - p["normal_hours"]) / span, 0.0, 1.0)
    pace = np.maximum(w.net_total / np.maximum(w.months_abroad, 1.0), 0.0)
    at_return = (w.ledger - w.arrears + pace * w.months_left) \
        * (1 - p["settlement_deduction_share"]) - p["airfare_usd"]
    lost = at_return - w.debt < w.goal
    hazard = p["escape_rate"] * np.exp(p["escape_arrears_weight"] * months_behind
                                       + p["escape_hours_weight"] * overtime
                                       + p["escape_goal_weight"] * lost)
    return u < hazard


def punish(p: dict, w: economy.Workers, status: np.ndarray, abroad: np.ndarray, f: Firms,
           seg: Segments, u_site: np.ndarray | None) -> None:
    """After an escape the team's ledgers are docked (``punishment_usd`` each, kept by
    the firm); with ``site_deportation_prob`` the whole site is sent home."""
    escaped = (status == ESCAPED) & abroad
    if not escaped.any():
        w.status[:] = status
        return
    stays = status == ABROAD
    docked = np.where(stays, p["punishment_usd"] * seg.team_sum(escaped.astype(float)), 0.0)
    w.ledger -= docked
    w.margin += docked
    per_firm = seg.firm_totals(escaped.astype(float))
    f.escapes += per_firm
    deport = (per_firm > 0) & (u_site < p["site_deportation_prob"])
    f.deported[deport] = 1.0
    w.status[:] = np.where(stays & seg.by_row(deport), HOME_COLLECTIVE, status)


def leave(p: dict, w: economy.Workers, abroad: np.ndarray, f: Firms, seg: Segments) -> None:
    """Those who left this month: their team balance is shared by the team mates who
    stay; the firm nets their arrears against their ledger, keeps a share of it as
    forfeit (all of an escapee's), deducts the settlement's fees and the fare, and pays
    out the rest from its cash."""
    left = abroad & (w.status != ABROAD)
    stays = w.status == ABROAD
    if left.any():
        gone = seg.team_sum(np.where(left, w.balance, 0.0))
        staying = seg.team_sum(stays.astype(float))
        share = np.where(stays & (staying > 0), gone / np.maximum(staying, 1.0), 0.0)
        moved = np.where(left, -w.balance, share)
        w.team_transfer += np.where(abroad, moved, 0.0)
        w.balance += np.where(abroad, moved, 0.0)
    net = w.ledger - w.arrears
    forfeit = np.where(w.status == ESCAPED, 1.0,
                       np.where((w.status == HOME_ARREARS) | (w.status == HOME_COLLECTIVE),
                                p["ledger_forfeit_share"], 0.0)) * np.maximum(net, 0.0)
    payout = np.maximum((net - forfeit) * (1 - p["settlement_deduction_share"])
                        - p["airfare_usd"], 0.0)
    w.payout[:] = np.where(abroad, payout, w.payout)
    f.reserve -= seg.firm_totals(np.where(left, payout, 0.0))


def _add(w, rows, **flows):
    for name, value in flows.items():
        np.add(getattr(w, name), value, out=getattr(w, name), where=rows)


def _set(w, rows, **values):
    for name, value in values.items():
        np.copyto(getattr(w, name), value, where=rows, casting="unsafe")
