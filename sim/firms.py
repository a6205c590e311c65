"""The dispatching firm and its work teams: what happens to the pay of the workers a firm
holds, once each has worked the month (``economy.work``).

Under ``quota_payer = "firm"`` the host employer pays the firm for the work done, the
firm owes the state the quota for every worker it holds, and it answers a shortfall in
this order (coercion and effort are complements: Acemoglu and Wolitzky 2011):

1. longer hours, up to a cap that its pressure raises, and cheaper food (in
   ``economy.work``, from last month's pressure);
2. the team: members' savings cover another's shortfall as a loan, repaid from its
   later surplus before anything reaches its ledger (``settle_team``);
3. a smaller credit: the firm keeps a share of each surplus, more under pressure;
4. its reserve, then its credit, covers what is left, booked as the worker's arrears
   to the firm (the state is paid short only once the credit is used up);
5. only then it sends a worker home: one in arrears who, over a record of at least
   ``firm_review_months`` (or sooner, once it owes ``enforcement_months`` of quota),
   loses it money month after month, and whom an average replacement, after
   ``replacement_delay_months``, would earn it more than (``leave_or_stay``).

Escapes (a hazard that rises with arrears, hours and a lost savings goal) bring
collective punishment: the team's ledgers are docked, and with a small chance the
whole site is sent home.

Every rule here is compiled (numba) and works on the rows of whole firms (rows sorted
by firm, then team), team and firm totals summed in passes over their rows: the
batched model runs it for all firms at once (``month``: each firm's workers work, then
it settles), each ``Firm`` agent for its own (``settle``), with the same compiled code
and so the same numbers.
"""

import math
from dataclasses import dataclass
from typing import NamedTuple

import numba
import numpy as np

from sim import economy
from sim.economy import (
    ABROAD, COMPLETED, ESCAPED, HOME_ARREARS, HOME_COLLECTIVE, HOME_INJURY, WITHDRAWN, compiled,
    inlined,
)


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
    withdrawn: np.ndarray  # 1 in the month its host withdraws its workers (an event)


class Segments(NamedTuple):
    """Where each team and each firm starts among the rows, and which teams each firm
    has: the rows are sorted by firm, then team. A firm's segment is the rows it holds;
    ``firm_ids`` says which firm (row of ``Firms``) each segment is."""

    team_starts: np.ndarray
    team_sizes: np.ndarray
    firm_starts: np.ndarray
    firm_sizes: np.ndarray
    first_team: np.ndarray  # of each firm
    teams: np.ndarray  # how many each firm has
    firm_ids: np.ndarray

    @classmethod
    def of(cls, team: np.ndarray, firm: np.ndarray) -> "Segments":
        n = len(team)
        team_starts = np.flatnonzero(np.r_[n > 0, team[1:] != team[:-1]])
        firm_starts = np.flatnonzero(np.r_[n > 0, firm[1:] != firm[:-1]])
        first_team = np.searchsorted(team_starts, firm_starts)
        return cls(team_starts, np.diff(np.r_[team_starts, n]),
                   firm_starts, np.diff(np.r_[firm_starts, n]),
                   first_team, np.diff(np.r_[first_team, len(team_starts)]),
                   firm[firm_starts].astype(np.int64))


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
                 covered=zeros.copy(), escapes=zeros.copy(), deported=zeros.copy(),
                 withdrawn=zeros.copy())


def joined(f: Firms, new: Firms) -> Firms:
    """The firms ``f`` and, after them, the ``new`` ones."""
    return Firms(**{name: np.concatenate([getattr(f, name), getattr(new, name)])
                    for name in f.__dataclass_fields__})


NO_DRAWS = np.zeros(0)

class WorkerRows(NamedTuple):
    """The worker arrays (``economy.Workers``) a firm's month reads and writes, as compiled
    code reads them: by name."""

    sector: np.ndarray
    skill: np.ndarray
    target: np.ndarray
    ledger: np.ndarray
    arrears: np.ndarray
    balance: np.ndarray
    net_total: np.ndarray
    fatigue: np.ndarray
    hours: np.ndarray
    days: np.ndarray
    months_left: np.ndarray
    status: np.ndarray
    injured: np.ndarray
    payout: np.ndarray
    debt: np.ndarray
    goal: np.ndarray
    gross: np.ndarray
    side: np.ndarray
    quota_due: np.ndarray
    quota_paid: np.ndarray
    living: np.ndarray
    credited: np.ndarray
    margin: np.ndarray
    team_transfer: np.ndarray
    hours_worked: np.ndarray
    days_worked: np.ndarray
    months_abroad: np.ndarray


class FirmRows(NamedTuple):
    """The firm arrays (``Firms``) a firm's month reads and writes."""

    reserve: np.ndarray
    pressure: np.ndarray
    quota_due: np.ndarray
    quota_paid: np.ndarray
    covered: np.ndarray
    escapes: np.ndarray
    deported: np.ndarray
    withdrawn: np.ndarray


def _rows(w: economy.Workers, f: Firms, u_escape, u_site) -> tuple:
    """What the compiled month reads besides its rules: the worker and firm arrays, and
    the escape draws (none when nobody may escape)."""
    draws = (NO_DRAWS, NO_DRAWS) if u_escape is None else (u_escape, u_site)
    return (WorkerRows(*(getattr(w, name) for name in WorkerRows._fields)),
            FirmRows(*(getattr(f, name) for name in FirmRows._fields)), *draws)


def month(r: economy.Rules, terms: np.ndarray, draws: np.ndarray, w: economy.Workers,
          abroad: np.ndarray, f: Firms, seg: Segments, scratch: np.ndarray,
          row_draws: np.ndarray, u_escape: np.ndarray | None,
          u_site: np.ndarray | None) -> None:
    """The batched month under the dispatching firm: firm by firm, each worker abroad
    works (``economy.work``, under the sector's ``terms`` and its ``draws``: a column
    of two random integers for each worker abroad, in row order (``economy.uniforms``),
    as ``u_escape`` has a draw) and the firm settles the
    month (``settle_firm``). ``scratch`` holds one firm's work (rows of ``WORK_OUT``, a
    column per worker of the largest firm), ``row_draws`` its draws (``N_DRAWS`` rows).
    Updates ``w`` and ``f``."""
    month_firms(r, terms, draws, scratch, row_draws, abroad, seg, *_rows(w, f, u_escape, u_site))


def settle(r: economy.Rules, terms: np.ndarray, w: economy.Workers, worked: np.ndarray,
           abroad: np.ndarray, f: Firms, seg: Segments, firms: range, first_column: int,
           u_escape: np.ndarray | None, u_site: np.ndarray | None) -> None:
    """The firm's side of the month for the firms in ``firms`` (one, in ``Firm.step``),
    once each worker has worked it: ``worked`` holds what each worker did
    (``economy.work``, one row per name of ``WORK_OUT``; zero for those not abroad);
    the first of their workers abroad has column ``first_column`` of ``u_escape``.
    Updates ``w`` and ``f`` in place."""
    settle_firms(r, terms, firms.start, firms.stop, first_column, worked, abroad, seg,
                 *_rows(w, f, u_escape, u_site))


# the rows of ``worked`` (economy.WORK_OUT)
(_FATIGUE, _HOURS, _SERIOUS, _GROSS, _SIDE, _LIVING, _QUOTA, _THRESHOLD, _NET, _REPAY_ARREARS,
 _REPAY_TEAM, _SURPLUS, _SHORTFALL, _HOURS_WORKED, _DAYS_WORKED) = range(15)
assert len(economy.WORK_OUT) == 15


@compiled
def month_firms(r, terms, draws, scratch, row_draws, abroad, seg, ws, fs, u_escape, u_site):
    """``month``: every firm's workers work, then the firm settles."""
    firm_starts, firm_sizes, firm_ids = seg.firm_starts, seg.firm_sizes, seg.firm_ids
    pressure = fs.pressure
    sector, skill, target, months_left = ws.sector, ws.skill, ws.target, ws.months_left
    ledger, arrears, fatigue, balance = ws.ledger, ws.arrears, ws.fatigue, ws.balance
    most = highest_hazard(r)
    d = 0  # the draws' column of the next worker abroad
    for f in range(len(firm_starts)):
        a, b, firm = firm_starts[f], firm_starts[f] + firm_sizes[f], firm_ids[f]
        first_column = d
        for i in range(a, b):  # the draws of the firm's workers abroad, in their rows
            if abroad[i]:
                (row_draws[0, i - a], row_draws[1, i - a], row_draws[2, i - a],
                 row_draws[3, i - a]) = economy.uniforms(draws[0, d], draws[1, d])
                d += 1
        # Every row works, and the work of those not abroad is discarded: a loop without
        # a branch, over a firm's workers (who share its sector and its pressure), is one
        # LLVM vectorizes, and runs several times faster.
        t = economy.terms_of(terms, sector[a])
        for i in range(a, b):
            j = i - a
            out = economy.work(r, t, pressure[firm], skill[i], target[i], months_left[i],
                               ledger[i], arrears[i], fatigue[i], balance[i],
                               row_draws[0, j], row_draws[1, j], row_draws[2, j],
                               row_draws[3, j])
            here = abroad[i]
            k = 0
            for value in numba.literal_unroll(out):
                scratch[k, j] = value if here else 0.0
                k += 1
        settle_firm(r, f, a, first_column, most, t.border_open, scratch, abroad, seg, ws, fs,
                    u_escape, u_site)


@compiled
def settle_firms(r, terms, first, last, first_column, worked, abroad, seg, ws, fs, u_escape,
                 u_site):
    """``settle``: the firms ``first`` .. ``last`` settle the month ``worked``; the
    first of their workers abroad has column ``first_column`` of the draws."""
    most = highest_hazard(r)
    for f in range(first, last):
        border_open = economy.terms_of(terms, ws.sector[seg.firm_starts[f]]).border_open
        settle_firm(r, f, 0, first_column, most, border_open, worked, abroad, seg, ws, fs,
                    u_escape, u_site)
        for i in range(seg.firm_starts[f], seg.firm_starts[f] + seg.firm_sizes[f]):
            first_column += abroad[i]


@inlined
def highest_hazard(r):
    """The largest monthly escape hazard (``escape_hazard``): a draw above it needs no
    closer look."""
    return r.escape_rate * math.exp(6 * r.escape_arrears_weight + r.escape_hours_weight
                                    + r.escape_goal_weight)


@inlined
def settle_firm(r, f, o, c, most, border_open, m, abroad, seg, ws, fs, u_escape, u_site):
    """The firm of segment f settles the month its workers worked (worker i's work in
    column i - o of ``m``; its first worker abroad has column c of ``u_escape``, the
    next one c + 1 and so on): 2. its teams (``settle_team``), 3. its cut, the month
    booked, 4. its cash and the state's quota (``pay_state``), 5. who leaves
    (``leave_or_stay``; all who stay, in a month its host withdraws them), punishment
    after an escape, and payouts."""
    first_team, teams, team_starts, team_sizes = (seg.first_team, seg.teams,
                                                  seg.team_starts, seg.team_sizes)
    ledger, arrears, status, quota_paid = ws.ledger, ws.arrears, ws.status, ws.quota_paid
    net_total, months_abroad, months_left = ws.net_total, ws.months_abroad, ws.months_left
    reserve, pressure = fs.reserve, fs.pressure
    a, b, firm = seg.firm_starts[f], seg.firm_starts[f] + seg.firm_sizes[f], seg.firm_ids[f]
    cut = r.firm_cut_share + (1 - r.firm_cut_share) * pressure[firm]
    # its teams' month, and its own: pay in, food and quota out, what it covered, and
    # the net so far of its average worker
    short = inflow = food = due = count = expected_sum = 0.0
    for k in range(first_team[f], first_team[f] + teams[f]):
        month = settle_team(r, team_starts[k], team_starts[k] + team_sizes[k], o, cut, m,
                            abroad, ws)
        short += month[0]
        inflow += month[1]
        food += month[2]
        due += month[3]
        count += month[4]
        expected_sum += month[5]
    average = expected_sum / max(count, 1.0)
    paid_share = pay_state(r, firm, inflow, food, due, short, fs)
    escaped_here = 0
    withdrawn = fs.withdrawn[firm] > 0 and border_open > 0
    for i in range(a, b):
        if abroad[i]:
            j = i - o
            quota_paid[i] += m[_QUOTA, j] * paid_share
            u = u_escape[c] if len(u_escape) else math.inf
            c += 1
            serious = max(m[_SERIOUS, j], ws.injured[i])  # this month, or while closed
            status[i] = leave_or_stay(r, serious, m[_THRESHOLD, j], m[_QUOTA, j],
                                      m[_HOURS, j], u, most, average, arrears[i], ledger[i],
                                      net_total[i], months_abroad[i], months_left[i],
                                      ws.debt[i], ws.goal[i], border_open)
            ws.injured[i] = serious if status[i] == ABROAD else 0.0
            if withdrawn and status[i] == ABROAD:
                status[i] = WITHDRAWN
            escaped_here += status[i] == ESCAPED
    if escaped_here:
        punish(r, f, firm, seg, abroad, status, ledger, ws.margin, u_site, fs, escaped_here,
               border_open)
    for k in range(first_team[f], first_team[f] + teams[f]):
        close_team(r, team_starts[k], team_starts[k] + team_sizes[k], abroad, ws, reserve,
                   firm)


@inlined
def settle_team(r, a, b, o, cut, m, abroad, ws):
    """2. Within a team: what members repaid goes to those who lent, in proportion to
    what each is owed; then the savings (ledgers) of those not short this month cover
    the shortfalls of those who are, as loans, in proportion to what each has and needs
    (a team's balances add up to zero); 3. the firm keeps ``cut`` of each surplus and
    credits the rest, and books each member's month. Returns what the firm covers of
    the team's shortfalls (booked as arrears to it), the team's pay, food and quota,
    the members abroad and the sum of their net pay per month so far."""
    ledger, arrears, balance, net_total = ws.ledger, ws.arrears, ws.balance, ws.net_total
    credited, margin, gross, side = ws.credited, ws.margin, ws.gross, ws.side
    quota_due, living, hours_worked = ws.quota_due, ws.living, ws.hours_worked
    days_worked, months_abroad, months_left = ws.days_worked, ws.months_abroad, ws.months_left
    fatigue, hours, days = ws.fatigue, ws.hours, ws.days
    repaid = claims = spare = short = 0.0
    for i in range(a, b):
        repaid += m[_REPAY_TEAM, i - o]
        claims += max(-balance[i], 0.0)
        if abroad[i] and m[_SHORTFALL, i - o] == 0:
            spare += max(ledger[i], 0.0)
        short += m[_SHORTFALL, i - o]
    lent = min(spare, short)
    # the shares each member receives, borrows and lends, per unit owed, short or saved
    received = repaid / claims if claims > 0 else 0.0
    borrowed = lent / short if short > 0 else 0.0
    lending = lent / spare if spare > 0 else 0.0
    covered = inflow = food = due = count = expected_sum = 0.0
    for i in range(a, b):
        j = i - o
        receive = max(-balance[i], 0.0) * received
        savings = max(ledger[i], 0.0) if abroad[i] and m[_SHORTFALL, j] == 0 else 0.0
        borrow = m[_SHORTFALL, j] * borrowed
        lend = savings * lending
        balance[i] = balance[i] - m[_REPAY_TEAM, j] + receive + borrow - lend
        if not abroad[i]:
            continue
        kept = m[_SURPLUS, j]
        credit = (1 - cut) * kept + receive
        credited[i] += credit
        margin[i] += cut * kept
        ledger[i] = ledger[i] + credit - lend
        firm_covers = m[_SHORTFALL, j] - borrow
        arrears[i] = arrears[i] + firm_covers - m[_REPAY_ARREARS, j]
        covered += firm_covers
        # the month, booked
        gross[i] += m[_GROSS, j]
        side[i] += m[_SIDE, j]
        quota_due[i] += m[_QUOTA, j]
        living[i] += m[_LIVING, j]
        hours_worked[i] += m[_HOURS_WORKED, j]
        days_worked[i] += m[_DAYS_WORKED, j]
        months_abroad[i] += 1.0
        net_total[i] += m[_NET, j]
        fatigue[i] = m[_FATIGUE, j]
        hours[i] = m[_HOURS, j]
        days[i] = m[_DAYS_WORKED, j]
        months_left[i] -= 1
        inflow += m[_GROSS, j]
        food += m[_LIVING, j]
        due += m[_QUOTA, j]
        count += 1.0
        expected_sum += net_total[i] / max(months_abroad[i], 1.0)
    return covered, inflow, food, due, count, expected_sum


@inlined
def pay_state(r, f, inflow, food, due, short, fs):
    """4. The firm's cash: the host's pay in (``inflow``), food and the state's quota
    (``due``) out, drawing on its credit (``firm_credit_months`` of its quota bill)
    before it pays the state short. Sets next month's pressure: the share of its quota
    bill it covered for workers short of it (``short``), against
    ``full_pressure_shortfall``. Returns the share of its quota it paid."""
    reserve, pressure = fs.reserve, fs.pressure
    credit = r.firm_credit_months * due
    paid = min(max(reserve[f] + inflow - food + credit, 0.0), due)
    reserve[f] += inflow - food - paid
    fs.quota_due[f] += due
    fs.quota_paid[f] += paid
    fs.covered[f] += short
    full = r.full_pressure_shortfall * due
    pressure[f] = min(max(short / (full if full > 0 else 1.0), 0.0), 1.0)
    return paid / due if due > 0 else 0.0


@inlined
def leave_or_stay(r, serious, threshold, quota, hours, u, most, average, arrears, ledger,
                  net_total, months_abroad, months_left, debt, goal, border_open):
    """5. Seriously injured; escaped (``u``: the worker's uniform draw); sent home for
    arrears (by the firm's valuation: in arrears, judged on a record of
    ``firm_review_months`` or once it owes ``enforcement_months`` of quota, the
    ``threshold``, losing the firm money month after month, and worth less than an
    average replacement after the delay; or at the threshold); home at the contract's
    end; or another month abroad. While the border is closed only an escape takes a
    worker away: the injured wait (``serious``: injured this month or while the border
    was closed; they go first once it opens), contracts run on."""
    if serious > 0 and border_open > 0:
        return HOME_INJURY
    expected = net_total / max(months_abroad, 1.0)
    # the hazard is computed only when the draw is below its largest value, ``most``
    if u < most and u < escape_hazard(r, expected, quota, hours, arrears, ledger,
                                      months_left, debt, goal):
        return ESCAPED
    if border_open == 0:
        return ABROAD
    owes = arrears >= threshold * (1 - 1e-9)
    if r.firm_enforces:
        judged = months_abroad >= r.firm_review_months or owes
        replaced = average * max(months_left - r.replacement_delay_months, 0.0)
        if arrears > 1e-9 and judged and expected < 0 and expected * months_left < replaced:
            return HOME_ARREARS
    elif arrears > 0 and owes:
        return HOME_ARREARS
    return COMPLETED if months_left <= 0 else ABROAD


@inlined
def escape_hazard(r, expected, quota, hours, arrears, ledger, months_left, debt, goal):
    """The monthly chance of escape: a base hazard that rises with arrears (months of
    quota, up to 6), with hours beyond a normal day (at the coerced maximum:
    ``escape_hours_weight``), and once the savings goal is out of reach at the pace so
    far."""
    behind = min(arrears / max(quota, 1e-9), 6.0)
    span = max(r.coerced_max_hours - r.normal_hours, 1e-9)
    overtime = min(max((hours - r.normal_hours) / span, 0.0), 1.0)
    # past a contract's end (a closure runs it on) nothing more is expected
    at_return = ((ledger - arrears + max(expected, 0.0) * max(months_left, 0.0))
                 * (1 - r.settlement_deduction_share) - r.airfare_usd)
    lost = 1.0 if at_return - debt < goal else 0.0
    return r.escape_rate * math.exp(r.escape_arrears_weight * behind
                                    + r.escape_hours_weight * overtime
                                    + r.escape_goal_weight * lost)


@inlined
def punish(r, f, firm, seg, abroad, status, ledger, margin, u_site, fs, escaped_here,
           border_open):
    """After an escape from ``firm`` (segment f) the team's ledgers are docked
    (``punishment_usd`` each, kept by the firm); with ``site_deportation_prob`` the
    whole site is sent home (not while the border is closed)."""
    fs.escapes[firm] += escaped_here
    deport = u_site[firm] < r.site_deportation_prob and border_open > 0
    if deport:
        fs.deported[firm] = 1.0
    for k in range(seg.first_team[f], seg.first_team[f] + seg.teams[f]):
        a, b = seg.team_starts[k], seg.team_starts[k] + seg.team_sizes[k]
        escaped = 0
        for i in range(a, b):
            escaped += abroad[i] and status[i] == ESCAPED
        for i in range(a, b):
            if status[i] == ABROAD:
                docked = r.punishment_usd * escaped
                ledger[i] -= docked
                margin[i] += docked
                if deport:
                    status[i] = HOME_COLLECTIVE


@inlined
def close_team(r, a, b, abroad, ws, reserve, firm):
    """Payouts (``settlement``; those who leave are paid from the firm's reserve), and a
    team mate who left leaves its balance to those who stay, in equal shares."""
    status, ledger, arrears, payout = ws.status, ws.ledger, ws.arrears, ws.payout
    balance, team_transfer = ws.balance, ws.team_transfer
    gone = staying = 0.0
    left = False
    for i in range(a, b):
        if abroad[i]:
            payout[i] = settlement(r, status[i], ledger[i] - arrears[i])
            if status[i] != ABROAD:
                reserve[firm] -= payout[i]
                gone += balance[i]
                left = True
        staying += status[i] == ABROAD
    if not left:
        return
    for i in range(a, b):
        if abroad[i]:
            moved = -balance[i] if status[i] != ABROAD else gone / staying
            team_transfer[i] += moved
            balance[i] += moved


@inlined
def settlement(r, status, net):
    """At departure (and for those abroad, as if now): the ledger less the arrears, less
    the forfeit (all of an escapee's; ``ledger_forfeit_share`` of those sent home for
    arrears or with their site), less the deductions and the fare, never below zero."""
    if status == ESCAPED:
        share = 1.0
    elif status == HOME_ARREARS or status == HOME_COLLECTIVE:
        share = r.ledger_forfeit_share
    else:
        share = 0.0
    forfeit = share * max(net, 0.0)
    return max((net - forfeit) * (1 - r.settlement_deduction_share) - r.airfare_usd, 0.0)
