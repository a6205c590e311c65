"""The browser view (``quotasim viz``): what a quota hike does, policy A against policy B.

Two models of one cohort run side by side. They share every parameter but the policy
(the hike and the month it starts) and the seed, so they draw the same workers (common
random numbers) and a difference between them is the policy's, not chance's; they step
together. The answer panel shows, for each and for B - A, who was sent home and why, who
escaped, who misses the savings goal, what the workers take home and what the state
collects: the numbers ``quotasim run --json`` gives for the same scenario, seed and months.

Every control applies at once: both models are built afresh from the preset's
parameters and the controls, and run again from arrival to the month shown, which
takes a fraction of a second (the page says "computing" meanwhile); changes made while
a rebuild runs are gathered and applied together when it ends. Reset goes back to
arrival with the controls as they are; with untouched controls it rebuilds the preset
exactly.

This is a page of its own rather than Mesa's SolaraViz, which runs one model, rebuilds
it on Reset from the controls alone (losing the preset's other parameters), and draws
the live model while its Play thread steps it. Here everything that touches a model
(building, stepping, drawing) happens in ``Explorer`` under one lock and produces an
immutable ``Frame``; the page renders frames only, so a render never reads a model that
another thread is changing.

The page reports its state on its button bar for the tests (``sim/browser.py``):
``data-seq``, the frame shown (set once every part of that frame has been sent to the
browser), ``data-playing``, whether the Play loop runs, and ``data-computing``, whether
a change is being applied.
"""

import calendar
import dataclasses
import html
import io
import logging
import threading
import time
from collections.abc import Mapping
from typing import Any, NamedTuple

import ipyvuetify as v
import ipywidgets
import numpy as np
import PIL.Image
import reacton.ipyvuetify as rv
import reacton.ipywidgets as rw
import solara
import solara.lab
import traitlets
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, MaxNLocator, PercentFormatter
from solara.server import settings

from sim import colors, economy
from sim.metrics import missed_goal
from sim.model import QuotaModel
from sim.scenario import (
    DEFAULT_PRESET, DEFAULT_SEED, DEFAULTS, SPECS, load_preset, longest_contract, make_scenario,
    preset_names,
)
from sim.sectors import SECTORS

TITLE = "quotasim: what a quota hike does to workers abroad"
log = logging.getLogger(__name__)
# the server reads these for every page it serves: the tab's title before the page has
# loaded, and no "runs on Solara" badge over the plots
settings.theme.title = TITLE
settings.theme.show_banner = False

# View settings, not model defaults: a few hundred workers show the mix and keep a frame
# (both models step and every view is redrawn) quick; `quotasim bench` measures it
# (docs/BENCHMARKS.md).
SHOWN_WORKERS = 300
MIN_SHOWN_WORKERS = 10
MAX_SHOWN_WORKERS = 1000
MAX_SEED = 9999
MAX_HIKE = 3.0  # the slider's reach; the scenario allows more, the view needs no more
# a slider moves its value to its nearest step when it is set, so the hike's step is
# fine enough to hold the presets' values (+38.9%) as they are
HIKE_STEP = 0.001
PLAY_PAUSE_S = 0.1  # between two frames under Play, so that the eye can follow
DPI = 90

POLICY = ("hike", "hike_month")  # what differs between A and B
NAMES = ("A", "B")
POLICY_COLOURS = {"A": colors.OKABE_ITO["blue"], "B": colors.OKABE_ITO["orange"]}

# a worker's state as the grid shows it -> colour
STATUS_COLOURS = colors.STATUS
COLOUR_ARRAY = np.array(list(STATUS_COLOURS.values()))
(ON_PACE, BEHIND, IN_ARREARS, HOME_ARREARS, HOME_INJURY, COMPLETED, ESCAPED,
 HOME_COLLECTIVE) = range(len(STATUS_COLOURS))


# --- what the page runs --------------------------------------------------------------

@dataclasses.dataclass(frozen=True)
class Setup:
    """Everything the two models are built from: ``cohort`` holds every parameter but
    the policy (the preset's, then the controls'; the scenario defaults fill in the
    rest), ``a`` and ``b`` the two policies, ``seed`` the seed of both."""

    preset: str
    cohort: Mapping[str, Any]
    a: Mapping[str, Any]
    b: Mapping[str, Any]
    seed: int

    def params(self, policy: str) -> dict:
        return {**self.cohort, **(self.a if policy == "A" else self.b)}

    def with_cohort(self, name: str, value) -> "Setup":
        return dataclasses.replace(self, cohort={**self.cohort, name: value})

    def with_policy(self, policy: str, name: str, value) -> "Setup":
        field = policy.lower()
        return dataclasses.replace(self, **{field: {**getattr(self, field), name: value}})


def preset_setup(preset: str) -> Setup:
    """The preset's every parameter, ``SHOWN_WORKERS`` workers and the default seed;
    policy A is the preset's, policy B the same with no hike."""
    fixed, _ = load_preset(preset)
    a = {name: fixed.get(name, DEFAULTS[name]) for name in POLICY}
    cohort = {name: value for name, value in fixed.items() if name not in POLICY}
    return Setup(preset, {**cohort, "n_workers": SHOWN_WORKERS}, a, {**a, "hike": 0.0},
                 DEFAULT_SEED)


def build_model(setup: Setup, policy: str) -> QuotaModel:
    """One policy's model, as ``quotasim run`` builds it (no agent per worker: the view
    reads the worker arrays)."""
    return QuotaModel(make_scenario(setup.params(policy), seed=setup.seed),
                      worker_agents=False)


def cohort_presets() -> list[str]:
    """The presets the page offers: the cohorts. Its grid lays out one cohort by firm;
    the histories, whose workforce comes and goes, run from the command line."""
    return [name for name in preset_names() if not load_preset(name)[0].get("end_year")]


def view_status(w: economy.Workers) -> np.ndarray:
    """Each worker's index into ``STATUS_COLOURS``.

    A worker abroad without arrears is on pace when its ledger holds at least the share
    of its target that the share of its contract served calls for."""
    served = w.months_abroad / np.maximum(w.months_abroad + w.months_left, 1.0)
    return np.select(
        [w.status == economy.HOME_ARREARS, w.status == economy.HOME_INJURY,
         w.status == economy.COMPLETED, w.status == economy.ESCAPED,
         w.status == economy.HOME_COLLECTIVE, w.arrears > 0, w.ledger >= w.target * served],
        [HOME_ARREARS, HOME_INJURY, COMPLETED, ESCAPED, HOME_COLLECTIVE, IN_ARREARS, ON_PACE],
        default=BEHIND,
    )


def date_label(p: Mapping[str, Any], month: int) -> str:
    """'April 2021' for a month counted from arrival, under parameters ``p``."""
    months = p["start_month"] - 1 + month
    return f"{calendar.month_name[months % 12 + 1]} {p['start_year'] + months // 12}"


def quotas_usd(model: QuotaModel, month: int) -> dict[str, float]:
    """Monthly quota in force in ``month``, USD, for each sector with workers."""
    quota = model.state.quota_usd(month)
    return {s.label: float(q) for s, q, n in zip(SECTORS, quota, model.counts) if n}


def has_hike(model: QuotaModel) -> bool:
    """Whether the model's policy raises the quota within its run."""
    return model.p["hike"] > 0 and model.p["hike_month"] < model.months


def policy_text(model: QuotaModel) -> str:
    """'hike +38.9% from May 2021' or 'no hike'."""
    if not has_hike(model):
        return "no hike"
    p = model.p
    return f"hike +{p['hike']:.1%} from {date_label(p, p['hike_month'])}"


def quota_text(model: QuotaModel) -> str:
    """The monthly quota of each sector in the hike's month (the first month without a
    hike), without the hike and, where it changes it, with it."""
    p = model.p
    month = p["hike_month"] if has_hike(model) else 0
    after = quotas_usd(model, month)
    # the state's rule with the hike over the same rule without it
    unhiked = {**p, "hike": 0.0}
    factor = {s.label: float(economy.quota_factor(p, s.key, month)
                             / economy.quota_factor(unhiked, s.key, month)) for s in SECTORS}
    return "; ".join(f"{label} {q / factor[label]:,.0f}"
                     + (f" &rarr; {q:,.0f}" if factor[label] != 1 else "")
                     for label, q in after.items())


# --- the answer ------------------------------------------------------------------------

# answer row -> (label, kind); the rows in ``OUTCOME_ROWS`` are ``model.outcomes()``'s
OUTCOME_ROWS = {
    "share_sent_home": ("Sent home early", "share"),
    "share_sent_home_arrears": ("&ensp;for arrears", "share"),
    "share_sent_home_injury": ("&ensp;injured", "share"),
    "share_sent_home_collective": ("&ensp;with their site, after an escape", "share"),
    "share_escaped": ("Escaped", "share"),
    "share_still_abroad": ("Still abroad", "share"),
}
MONEY_ROWS = {
    "median_take_home_usd": ("Median take-home&dagger;, USD", "usd"),
    "revenue_per_worker_year_usd": ("State's revenue, USD per worker-year", "usd"),
    "share_quota_covered_by_firm": ("Share of the quota due that firms paid&Dagger;", "share"),
}
MISSED = "missed_goal"  # home and short of the goal, or abroad and behind pace
PROJECTED = "missed_goal_projected"  # of those, the ones still abroad


def answer(model: QuotaModel) -> dict[str, float]:
    """The answer panel's numbers for one model, as of its month.

    All but the goal come from ``model.outcomes()``, as ``quotasim run --json`` reports
    them after the same months (those still abroad valued as if paid out now). Missing
    the goal is projected for those still abroad: a worker home misses it if what it
    brought home falls short (``metrics.missed_goal``), one abroad if it is behind pace
    or in arrears (``view_status``). Once everyone is home this is
    ``share_missed_goal``."""
    # before the first month no worker-year has passed: outcomes per year are NaN
    with np.errstate(invalid="ignore", divide="ignore"):
        out = model.outcomes()
    w = model.workers
    abroad = w.status == economy.ABROAD
    short_home = ~abroad & missed_goal(w.payout, w.debt, w.goal)
    behind = abroad & np.isin(view_status(w), (BEHIND, IN_ARREARS))
    return {**{name: out[name] for name in (*OUTCOME_ROWS, *MONEY_ROWS)},
            MISSED: float((short_home | behind).mean()), PROJECTED: float(behind.mean())}


def fmt(kind: str, x: float, diff: bool = False) -> str:
    """A number as the panel prints it: shares in per cent (a difference in points),
    money in whole dollars; '-' for an outcome over nobody."""
    if x != x:
        return "&ndash;"
    sign = "+" if diff and x > 0 else ""
    if kind == "share":
        return f"{sign}{100 * x:.1f}" + (" pts" if diff else "%")
    return f"{sign}{x:,.0f}"


MISSED_LABEL = "Missing their savings goal*"
PROJECTED_LABEL = "&ensp;of whom still abroad, behind pace*"
# the rows of the short answer a phone keeps in view, with their short labels
HEADLINE_ROWS = {
    "share_sent_home": ("Sent home early", "share"),
    MISSED: ("Missing their goal*", "share"),
    "median_take_home_usd": ("Median take-home&dagger;", "usd"),
    "revenue_per_worker_year_usd": ("State's revenue/worker-yr", "usd"),
}
FOOTNOTE = (
    "* Projected for those still abroad: behind pace means their savings so far are "
    "below the part of the goal that the share of the contract served calls for, or "
    "they owe quota. &dagger; What a worker is paid at return; for those still abroad, "
    "what they would be paid if paid out today (nothing while their ledger is below "
    "zero). &Dagger; Paid from the firms' reserve or credit for workers short of their "
    "quota.")


def answer_rows(frame: "Frame", rows: Mapping[str, tuple[str, str]]) -> str:
    """Table rows: each row's label, then A, B and B - A; cells carry ``data-row`` and
    ``data-policy`` for the tests."""
    a, b = frame.answers

    def row(name: str, label: str, kind: str) -> str:
        cells = [(p, fmt(kind, x[name])) for p, x in zip(NAMES, frame.answers)]
        cells.append(("B-A", fmt(kind, b[name] - a[name], diff=True)))
        tds = "".join(f'<td data-row="{name}" data-policy="{p}">{text}</td>'
                      for p, text in cells)
        return f"<tr><th>{label}</th>{tds}</tr>"

    return "".join(row(name, label, kind) for name, (label, kind) in rows.items())


def answer_html(frame: "Frame") -> str:
    """The answer panel: A, B and B - A for every row, a footnote on the words, and the
    quotas of both policies."""
    rows = {**OUTCOME_ROWS, MISSED: (MISSED_LABEL, "share"),
            PROJECTED: (PROJECTED_LABEL, "share"), **MONEY_ROWS}
    heads = "".join(
        f'<th class="qs-policy" style="color:{POLICY_COLOURS[p]}">{p}<br>'
        f'<span>{html.escape(text)}</span></th>' for p, text in zip(NAMES, frame.policies))
    return (f'<table class="qs-answer"><thead><tr><th></th>{heads}<th>B &minus; A</th></tr>'
            f'</thead><tbody>{answer_rows(frame, rows)}</tbody></table>'
            f'<p class="qs-note qs-footnote">{FOOTNOTE}</p>'
            f'<p class="qs-quotas"><b>Quotas</b>, USD a month: '
            + "".join(f'<br><span style="color:{POLICY_COLOURS[p]}">{p}</span>: {text}'
                      for p, text in zip(NAMES, frame.quotas)) + "</p>")


def headline_html(frame: "Frame") -> str:
    """The short answer (``HEADLINE_ROWS``) that a phone shows under the buttons once
    the full answer is scrolled away."""
    heads = "".join(f'<th style="color:{POLICY_COLOURS[p]}">{p}</th>' for p in NAMES)
    return (f'<table class="qs-answer"><thead><tr><th></th>{heads}<th>B &minus; A</th></tr>'
            f'</thead><tbody>{answer_rows(frame, HEADLINE_ROWS)}</tbody></table>')


# --- the plots -----------------------------------------------------------------------

def nice_ceiling(x: float) -> float:
    """The smallest of 1, 2, 3, 5 x 10^k at or above ``x``; 1 for ``x`` <= 0.

    Coarse enough that a growing series changes its axis, and so costs a full redraw,
    in only a few frames of a run."""
    if x <= 0:
        return 1.0
    scale = 10.0 ** np.floor(np.log10(x))
    return next(m * scale for m in (1, 2, 3, 5, 10) if m * scale >= x)


def png(canvas: FigureCanvasAgg) -> bytes:
    out = io.BytesIO()
    # light compression: each image is sent once, over a local connection
    PIL.Image.fromarray(np.asarray(canvas.buffer_rgba())).save(out, format="png",
                                                                compress_level=1)
    return out.getvalue()


class Plot:
    """A figure of the models, updated in place each frame.

    Drawing the axes, ticks and labels takes most of a frame's time, so they are
    drawn only when ``update`` reports a new layout (axis limits grow in steps of
    ``nice_ceiling``); other frames draw only the ``moving`` artists (made animated,
    so that a full draw leaves them out) over a saved copy of the rest."""

    def __init__(self, size: tuple[float, float]):
        self.fig = Figure(figsize=size, dpi=DPI)
        self.canvas = FigureCanvasAgg(self.fig)
        self.moving: list = []
        self.layout = self.background = None

    def update(self):
        """Set the moving artists to the models' month; return the layout they need."""
        raise NotImplementedError

    def png(self) -> bytes:
        """The figure as of the models' current month."""
        layout = self.update()
        if self.background is None or layout != self.layout:
            for artist in self.moving:
                artist.set_animated(True)
            self.canvas.draw()
            self.background = self.canvas.copy_from_bbox(self.fig.bbox)
            self.layout = layout
        else:
            self.canvas.restore_region(self.background)
        for artist in self.moving:
            self.fig.draw_artist(artist)
        return png(self.canvas)


TEAM_ROWS = 10  # a team is drawn as columns of this many workers
TEAM_GAP, FIRM_GAP = 0.5, 1.5  # columns between two teams, two firms
LABEL_ROWS = 2.4  # above each row of firms: the firm's cash and what it covered
SECTOR_ROWS = 1.6  # above each sector: its name


def grid_positions(w: economy.Workers, columns: int) -> tuple:
    """Where the grid puts each worker: ``(x, y, firms, sectors, height)``.

    Each sector's firms run left to right, a new row of firms when one would pass
    ``columns``; in a firm each team fills columns of ``TEAM_ROWS``. ``firms`` are
    ``(firm, x, y)`` of each firm's label, ``sectors`` ``(sector, x, y, workers)``."""
    x, y = np.zeros(w.n), np.zeros(w.n)
    firms, sectors, top = [], [], 0.0
    for s in np.unique(w.sector):
        sectors.append((int(s), 0.0, top, int((w.sector == s).sum())))
        top += SECTOR_ROWS
        col = 0.0
        for f in np.unique(w.firm[w.sector == s]):
            teams = [np.flatnonzero((w.firm == f) & (w.team == t))
                     for t in np.unique(w.team[w.firm == f])]
            width = sum(-(-len(t) // TEAM_ROWS) for t in teams) + TEAM_GAP * (len(teams) - 1)
            if col and col + width > columns:
                top += LABEL_ROWS + TEAM_ROWS
                col = 0.0
            firms.append((int(f), col, top))
            for team in teams:
                k = np.arange(len(team))
                x[team] = col + k // TEAM_ROWS
                y[team] = top + LABEL_ROWS + k % TEAM_ROWS
                col += -(-len(team) // TEAM_ROWS) + TEAM_GAP
            col += FIRM_GAP - TEAM_GAP
        top += LABEL_ROWS + TEAM_ROWS + 0.6
    return x, y, firms, sectors, top


def money_k(x: float) -> str:
    """'$164k', '-$3k'; under $1,000 either way in dollars ('$312'), so that a small
    amount reads as one, not as '$0k'."""
    sign = "-" if round(x) < 0 else ""
    if round(abs(x)) < 1000:
        return f"{sign}${abs(x):,.0f}"
    return f"{sign}${abs(x) / 1000:,.0f}k"


class GridPlot(Plot):
    """One policy's workers, each a square coloured by its state, grouped by team
    within each firm; above each firm its cash (below zero: it is on credit) and the
    quota it has covered for workers short of it."""

    width_in = 6.4
    cell_in = 0.11  # a worker's square and its margin, whatever the number of workers
    title_in, legend_in = 0.35, 0.45  # above and below the squares

    def __init__(self, model: QuotaModel, policy: str):
        w = model.workers
        # the figure is as tall as the workers' layout needs
        xs, ys, firms, sectors, height = grid_positions(w, int(self.width_in / self.cell_in) - 2)
        squares_in = self.cell_in * (height + 0.2)
        size = (self.width_in, squares_in + self.title_in + self.legend_in)
        super().__init__(size)
        self.model, self.policy = model, policy
        ax = self.fig.add_axes((0, self.legend_in / size[1], 1, squares_in / size[1]))
        cell = self.cell_in * 72  # points
        self.squares = ax.scatter(xs, ys, marker="s", s=(0.8 * cell) ** 2, linewidths=0)
        for s, x0, y0, n in sectors:
            ax.text(x0 - 0.5, y0, f"{SECTORS[s].label} ({n})", fontsize=8, va="top",
                    weight="bold")
        self.firm_labels = [(f, ax.text(x0 - 0.5, y0 + LABEL_ROWS - 0.5, "", fontsize=6.5,
                                        va="bottom", linespacing=1.0))
                            for f, x0, y0 in firms]
        ax.set_xlim(-0.6, self.width_in / self.cell_in - 0.6)
        ax.set_ylim(height, -0.2)
        ax.set_axis_off()
        handles = [ax.scatter([], [], c=c, marker="s", label=name)
                   for name, c in STATUS_COLOURS.items()]
        self.fig.legend(handles=handles, loc="lower center", ncols=4, fontsize=7,
                        frameon=False, handletextpad=0.2, columnspacing=0.8)
        self.title = self.fig.suptitle("", fontsize=10, color=POLICY_COLOURS[policy])
        self.moving = [self.squares, self.title, *(t for _, t in self.firm_labels)]

    def update(self):
        model = self.model
        self.squares.set_facecolors(COLOUR_ARRAY[view_status(model.workers)])
        self.title.set_text(f"{self.policy}, {policy_text(model)}: the workers by firm and "
                            f"team, {date_label(model.p, model.month)}")
        f = model.firms
        for firm, text in self.firm_labels:
            cash = f.reserve[firm]
            text.set_text(f"{'cash' if cash >= 0 else 'credit'} {money_k(abs(cash))}\n"
                          f"covered {money_k(f.covered[firm])}")
            text.set_color("black" if cash >= 0 else colors.OKABE_ITO["vermillion"])


def gone_share(data: dict) -> np.ndarray:
    """Share of the cohort sent home early or escaped, month by month."""
    gone = sum(np.asarray(data[name], dtype=float) for name in
               ("sent_home_arrears", "sent_home_injury", "sent_home_collective", "escaped"))
    return gone / (np.asarray(data["abroad"]) + np.asarray(data["completed"]) + gone)


def usd_tick(x: float, _=None) -> str:
    """An axis label in dollars: '$150k', '-$1.5M'."""
    for scale, suffix in ((1e6, "M"), (1e3, "k")):
        if abs(x) >= scale:
            return f"{'-' if x < 0 else ''}${abs(x) / scale:g}{suffix}"
    return f"${x:g}"


# panel title -> the monthly series it plots, from the DataCollector (or ``gone_share``),
# and what it counts: "share", "usd" or plain numbers (None)
PANELS = {
    "Share of those abroad in arrears": ("share_in_arrears", "share"),
    "Sent home early or escaped": ("gone", "share"),
    "Hours a day worked": ("mean_hours_per_day", None),
    "State's revenue this month": ("revenue_usd", "usd"),
    "Firms' cash (below 0: on credit)": ("firm_reserve_usd", "usd"),
    "Quota in force, a month (mean)": ("quota_usd", "usd"),
}
# these describe a month just lived, so nothing is recorded for them before the first step
FLOWS = {"mean_hours_per_day", "revenue_usd", "quota_usd"}


def series(model: QuotaModel, name: str) -> np.ndarray:
    data = model.datacollector.model_vars
    values = gone_share(data) if name == "gone" else np.asarray(data[name], dtype=float)
    return values[1:] if name in FLOWS else values


class SeriesPlot(Plot):
    """The monthly series so far, A and B in one panel each, on the time axis of the
    whole run; dashed: the month each policy's hike starts."""

    def __init__(self, models: dict[str, QuotaModel]):
        super().__init__((6.4, 4.6))
        self.models = models
        self.axes = self.fig.subplots(3, 2, sharex=True).ravel()
        self.fig.subplots_adjust(left=0.1, right=0.98, top=0.9, bottom=0.1,
                                 hspace=0.5, wspace=0.3)
        self.lines = {}  # (axes, series) -> {policy: line}
        for ax, (title, (name, kind)) in zip(self.axes, PANELS.items()):
            self.lines[ax, name] = {
                p: ax.plot([], [], color=POLICY_COLOURS[p], label=p,
                           linestyle="-" if p == "A" else "--")[0] for p in NAMES}
            for p, model in models.items():
                if has_hike(model):
                    ax.axvline(model.p["hike_month"], color=POLICY_COLOURS[p],
                               linestyle=":", linewidth=0.8)
            ax.set_title(title, fontsize=8.5)
            ax.tick_params(labelsize=7.5)
            ax.yaxis.set_major_locator(MaxNLocator(4))
            # a formatter belongs to one axis: a new one for each
            if kind is not None:
                ax.yaxis.set_major_formatter(PercentFormatter(1.0) if kind == "share"
                                             else FuncFormatter(usd_tick))
        self.fig.legend(handles=list(next(iter(self.lines.values())).values()),
                        loc="upper center", ncols=2, fontsize=8, frameon=False)
        for ax in self.axes[-2:]:
            ax.set_xlabel("months completed (dotted: the hike)", fontsize=7.5)
        self.axes[0].set_xlim(0, max(m.months for m in models.values()))
        self.moving = [line for lines in self.lines.values() for line in lines.values()]

    def update(self):
        limits = []
        for (ax, name), lines in self.lines.items():
            lo = hi = 0.0
            for p, line in lines.items():
                values = series(self.models[p], name)
                start = 1 if name in FLOWS else 0
                line.set_data(np.arange(start, start + len(values)), values)
                lo, hi = min(lo, values.min(initial=0.0)), max(hi, values.max(initial=0.0))
            limits.append((-nice_ceiling(-1.05 * lo) if lo < 0 else 0.0,
                           nice_ceiling(1.05 * hi)))
            ax.set_ylim(*limits[-1])
        return limits


class LedgerPlot(Plot):
    """Ledger balances of the workers abroad under A and under B, against the ledger
    each would need at return to take home its savings goal."""

    bins = 40

    def __init__(self, models: dict[str, QuotaModel]):
        super().__init__((6.4, 3.6))
        self.models = models
        ax = self.ax = self.fig.add_axes((0.11, 0.14, 0.86, 0.72))
        edges = np.arange(self.bins + 1.0)
        self.ledgers = {
            p: ax.stairs(np.zeros(self.bins), edges, fill=p == "A", color=POLICY_COLOURS[p],
                         alpha=0.5 if p == "A" else 1.0, linewidth=1.5,
                         label=f"{p}: ledger balance now") for p in NAMES}
        # the same cohort under both policies: its targets are the same
        self.target = ax.stairs(np.zeros(self.bins), edges, color="black", linestyle=":",
                                label="ledger needed at return to take home the goal")
        ax.legend(fontsize=7.5, frameon=False, loc="upper right")
        ax.set_xlabel("USD", fontsize=8)
        ax.set_ylabel("workers", fontsize=8)
        ax.tick_params(labelsize=7.5)
        self.title = ax.set_title("", fontsize=9)
        self.moving = [*self.ledgers.values(), self.target, self.title]

    def update(self):
        ledgers = {}
        for p, model in self.models.items():
            w = model.workers
            ledgers[p] = w.ledger[w.status == economy.ABROAD]
        target = self.models["A"].workers.target
        self.title.set_text("Ledgers of the workers abroad: " + ", ".join(
            f"{p} {len(x):,}" for p, x in ledgers.items()))
        everything = np.concatenate([*ledgers.values(), target])
        lo = -nice_ceiling(-everything.min()) if (everything < 0).any() else 0.0
        hi = nice_ceiling(everything.max(initial=0.0))
        edges = np.linspace(lo, hi, self.bins + 1)
        counts = {p: np.histogram(x, edges)[0] for p, x in ledgers.items()}
        for p, stairs in self.ledgers.items():
            stairs.set_data(counts[p], edges)
        target_counts = np.histogram(target, edges)[0]
        self.target.set_data(target_counts, edges)
        top = nice_ceiling(1.1 * max(c.max() for c in (*counts.values(), target_counts)))
        self.ax.set_xlim(lo, hi)
        self.ax.set_ylim(0, top)
        return lo, hi, top


# --- one session's models ---------------------------------------------------------------

PLOT_NAMES = ("workers-a", "workers-b", "series", "ledgers")


class Frame(NamedTuple):
    """What the page shows after an action: read by the page, never changed."""

    seq: int  # frames made so far in this session
    setup: Setup
    month: int
    months: int
    date: str
    running: bool  # whether a Step would change anything
    policies: tuple[str, str]  # A's and B's, in words
    quotas: tuple[str, str]
    answers: tuple[dict, dict]
    images: tuple[bytes, ...]  # one for each of PLOT_NAMES

    @property
    def everyone_home(self) -> bool:
        return all(answer["share_still_abroad"] == 0 for answer in self.answers)


class Explorer:
    """One session's two models and their plots, and the changes asked of them.

    A click, the Play loop and a control's change come from different threads. The
    models, their plots and ``latest`` change only under ``lock`` (``step``, ``apply``).
    The changes asked for gather under ``asked``, held only for a moment, so that asking
    returns at once while a rebuild runs: ``ask`` edits the newest setup asked for, and
    whoever is told to applies them (``next_asked``) until none is left, so that a burst
    of changes costs one or two rebuilds rather than one each."""

    def __init__(self, setup: Setup):
        self.lock = threading.Lock()
        self.asked = threading.Lock()
        self.seq = 0
        self.wanted, self.wanted_month = setup, None  # the newest setup asked for
        self.pending = False  # a change asked for and not yet taken up
        self.applying = False  # someone is applying the changes asked for
        self.resets = 0  # new starts asked for: a Play loop started before one steps no more
        self.loads = 0  # whole setups loaded (a preset): the sliders show theirs
        self.loops = 0  # Play loops running
        self.problem: str | None = None  # the error that stopped Play or a change, if any
        self.counting = threading.Lock()
        self.changes = 0  # anything the page shows changed: frames, asks, applies, loops
        self.shown = threading.Condition()  # notified as the page shows a change
        self.shown_changes = 0
        with self.lock:
            self._build(setup, 0)

    def changed(self) -> int:
        with self.counting:  # never backwards, whichever thread counts last
            self.changes += 1
            return self.changes

    def _build(self, setup: Setup, month: int) -> None:
        self.setup = setup
        self.models = {p: build_model(setup, p) for p in NAMES}
        self.plots = [GridPlot(self.models["A"], "A"), GridPlot(self.models["B"], "B"),
                      SeriesPlot(self.models), LedgerPlot(self.models)]
        while self.month < month and self.running:
            self._step()
        self._frame()

    @property
    def month(self) -> int:
        return max(m.month for m in self.models.values())

    @property
    def running(self) -> bool:
        return any(m.running for m in self.models.values())

    def _step(self) -> None:
        # a model whose workers have all gone home stops; the other runs on
        for model in self.models.values():
            if model.running:
                model.step()

    def _frame(self) -> None:
        a = self.models["A"]
        self.seq += 1
        self.latest = Frame(
            self.seq, self.setup, self.month, a.months, date_label(a.p, self.month),
            self.running, tuple(policy_text(m) for m in self.models.values()),
            tuple(quota_text(m) for m in self.models.values()),
            tuple(answer(m) for m in self.models.values()),
            tuple(plot.png() for plot in self.plots))
        self.changed()

    def step(self, resets: int | None = None) -> Frame:
        """Both models live a month (if either still runs), unless a change is being
        applied or, given ``resets`` (as it was when the caller started), a new start
        has been asked for since."""
        with self.lock:
            if self.running and not self.applying and resets in (None, self.resets):
                self._step()
                self._frame()
            return self.latest

    def apply(self, setup: Setup, month: int | None = None) -> Frame:
        """Both models built from ``setup`` and run to ``month`` (default: the month
        shown now, or as far as they run)."""
        with self.lock:
            self._build(setup, self.month if month is None else month)
            return self.latest

    def ask(self, edit, month: int | None = None, load: bool = False) -> bool:
        """Ask for the setup ``edit(setup)`` of the newest setup asked for, at ``month``
        (None: the month shown when it is applied; 0: a new start); ``load``: a whole
        setup (a preset), whose values every control takes. True when the caller is to
        apply it (``next_asked``), as nobody else is."""
        with self.asked:
            self.wanted = edit(self.wanted)
            self.problem = None
            if month is not None:
                self.wanted_month = month
            self.resets += month == 0
            self.loads += load
            self.pending = True
            start, self.applying = not self.applying, True
        self.changed()
        return start

    def next_asked(self) -> tuple[Setup, int | None] | None:
        """The setup and month to apply next, or None when nothing more is asked (and
        the caller stops applying)."""
        with self.asked:
            if not self.pending:
                self.applying = False
                job = None
            else:
                job, self.wanted_month = (self.wanted, self.wanted_month), None
                self.pending = False
        self.changed()
        return job

    def give_up(self, problem: str) -> None:
        """After an error in applying: nothing is being applied, the controls show the
        setup in force, and the page the error."""
        with self.asked:
            self.pending = self.applying = False
            self.wanted, self.wanted_month = self.setup, None
            self.loads += 1
            self.problem = problem
        self.changed()

    def flags(self) -> tuple[bool, bool]:
        """Whether a change is being applied, and whether a Play loop runs, at one moment."""
        with self.asked:
            return self.applying, self.loops > 0

    def loop(self, delta: int) -> None:
        with self.asked:
            self.loops += delta
        self.changed()

    def showing(self, changes: int) -> None:
        """The page shows every change up to ``changes``: for whoever waits on it."""
        with self.shown:
            self.shown_changes = max(self.shown_changes, changes)
            self.shown.notify_all()

    def wait(self, predicate, timeout: float = 60.0) -> None:
        """Wait until ``predicate()`` holds once the page has shown a change (for
        tests and benchmarks driving the page in-process); ``timeout`` only bounds a
        wait that would otherwise never end."""
        with self.shown:
            if not self.shown.wait_for(predicate, timeout):
                raise TimeoutError("the page never reached the state waited for")

    def idle(self) -> bool:
        """Nothing is asked, applied or played, and the page shows it all."""
        return not (self.applying or self.loops) and self.shown_changes >= self.changes


# --- the page ------------------------------------------------------------------------------

NARROW_PX = 960  # narrower, the page is one column: the answer first, controls closed
HEADER_PX = 48
CSS = """
html { overflow-y: auto; }
.qs-header { position: sticky; top: 0; z-index: 5; height: %(header)dpx;
             display: flex; align-items: center; padding: 0 16px;
             background: var(--v-primary-base, #1976d2); color: white;
             font-size: 1.15em; font-weight: 500; white-space: nowrap; overflow: hidden;
             text-overflow: ellipsis; box-shadow: 0 2px 4px rgba(0, 0, 0, 0.2); }
.qs-page { display: grid; grid-template-columns: minmax(340px, 430px) minmax(0, 1fr);
           gap: 16px; align-items: start; padding: 12px; }
.qs-side { position: sticky; top: %(side_top)dpx; max-height: calc(100vh - %(side_top)dpx - 8px);
           overflow-y: auto; }
.qs-head { background: white; }
.qs-headline { display: none; }
.qs-bar { display: flex; flex-wrap: wrap; align-items: center; gap: 8px; }
.qs-date { font-size: 1.05em; font-weight: 500; }
.qs-computing { font-size: 0.85em; color: #555; font-style: italic; }
.qs-answer { border-collapse: collapse; width: 100%%; font-size: 0.85em; margin-top: 8px; }
.qs-answer th, .qs-answer td { padding: 2px 4px; border-bottom: 1px solid #e0e0e0; }
.qs-answer td { text-align: right; white-space: nowrap; font-variant-numeric: tabular-nums; }
.qs-answer th { text-align: left; font-weight: normal; }
.qs-answer thead th { text-align: right; font-weight: bold; vertical-align: bottom; }
.qs-policy span { font-weight: normal; font-size: 0.85em; }
.qs-quotas, .qs-note { font-size: 0.8em; color: #555; margin: 6px 0; }
.qs-controls-grid { display: grid; grid-template-columns: repeat(auto-fit, minmax(220px, 1fr));
                    gap: 4px 24px; }
.qs-controls-grid > .qs-wide { grid-column: 1 / -1; }
.qs-group-title { font-weight: bold; margin-top: 4px; }
.qs-control { margin: 4px 0; }
.qs-label { display: flex; justify-content: space-between; gap: 8px; }
.qs-value { font-weight: 500; text-align: right; }
.qs-main { min-width: 0; }
.qs-plots { display: grid; grid-template-columns: repeat(auto-fill, minmax(420px, 1fr));
            gap: 12px; margin-top: 12px; }
.qs-plot img { display: block; width: 100%%; height: auto; }
@media (max-width: %(narrow)dpx) {
  .qs-page { grid-template-columns: minmax(0, 1fr); padding: 8px; }
  /* the head's sticky box is the whole page, not the side column */
  .qs-side { display: contents; }
  .qs-head { position: sticky; top: %(header)dpx; z-index: 4; padding-bottom: 4px;
             border-bottom: 1px solid #ccc; }
  /* the headline lies over the page under the buttons, out of the flow (so that
     showing it moves nothing), and shows once the full answer's first rows have gone
     up under the buttons: never the same rows twice on the screen */
  .qs-headline { display: block; visibility: hidden; position: absolute; left: 0; right: 0;
                 top: 100%%; padding: 0 8px 4px; background: white;
                 border-bottom: 1px solid #ccc; }
  .qs-answer-above .qs-headline { visibility: visible; }
  .qs-headline .qs-answer { margin-top: 4px; }
  .qs-plots { grid-template-columns: minmax(0, 1fr); }
  /* a plot at its own size, readable, scrolled sideways rather than shrunk */
  .qs-plot { overflow-x: auto; }
  .qs-plot img { width: auto; max-width: none; }
}
""" % {"header": HEADER_PX, "side_top": HEADER_PX + 8, "narrow": NARROW_PX - 1}


@solara.component
def Layout(children=[]):
    """The page under a header of its own, in place of solara's AppLayout, which
    scrolls its content inside a box of the screen's height: here the document scrolls,
    so that a screenshot of the whole page shows it all."""
    with solara.Div(classes=["qs-app"]) as main:
        solara.Style(CSS)
        solara.HTML(tag="header", unsafe_innerHTML=html.escape(HEADING), classes=["qs-header"])
        solara.Div(children=children)
        HeadlineWatch.element()
    return main


HEADING = "quotasim: a quota hike, A against B"


class HeadlineWatch(v.VuetifyTemplate):
    """Marks the page (its body) ``qs-answer-above`` while the full answer's first row
    is above the bottom of the buttons (scrolled up under them), so that on a narrow
    screen the headline shows then and only then (``CSS``)."""

    template = traitlets.Unicode("""
<template><span class="qs-headline-watch" style="display: none"></span></template>
<script>
module.exports = {
  mounted() {
    this.update = () => {
      const head = document.querySelector(".qs-head");
      const row = document.querySelector(".qs-summary tbody tr");
      const above = !!head && !!row
          && row.getBoundingClientRect().top < head.getBoundingClientRect().bottom;
      document.body.classList.toggle("qs-answer-above", above);
    };
    window.addEventListener("scroll", this.update, { passive: true });
    // and whenever the page's size changes: the buttons' row wrapping, an error shown,
    // the answer drawn after this
    this.resized = new ResizeObserver(this.update);
    this.resized.observe(document.body);
    this.update();
  },
  destroyed() {
    window.removeEventListener("scroll", this.update);
    this.resized.disconnect();
  },
};
</script>""").tag(sync=True)


class Collapsible(v.VuetifyTemplate):
    """Widgets under a header that opens or closes them; open at first on a wide screen,
    closed on a narrow one (the page's layout switches at ``NARROW_PX``: only the
    browser knows the screen's width)."""

    template = traitlets.Unicode("""
<template>
  <v-expansion-panels v-model="open" class="qs-controls">
    <v-expansion-panel>
      <v-expansion-panel-header>{{ title }}</v-expansion-panel-header>
      <v-expansion-panel-content eager>
        <jupyter-widget v-for="child in children" :key="child" :widget="child" />
      </v-expansion-panel-content>
    </v-expansion-panel>
  </v-expansion-panels>
</template>
<script>
module.exports = {
  data() { return { open: window.matchMedia("(min-width: %dpx)").matches ? 0 : undefined }; },
};
</script>""" % NARROW_PX).tag(sync=True)
    title = traitlets.Unicode("").tag(sync=True)
    children = traitlets.List(traitlets.Instance(ipywidgets.DOMWidget)).tag(
        sync=True, **ipywidgets.widget_serialization)


class SliderWidget(v.VuetifyTemplate):
    """A slider that belongs to the browser while it is used: it shows its own position
    and the words for it (``labels``, one for each step), and tells the server only
    when it is let go or moved by a key (``committed``, counted so that the same value
    twice is two changes). The server never moves it back to a value it has sent;
    it takes the server's ``value`` when it appears and when ``loads`` changes (a
    preset loaded)."""

    template = traitlets.Unicode("""
<template>
  <div :class="'qs-control qs-control-' + control">
    <div class="qs-label">{{ label }}<span class="qs-value">{{ text(shown) }}</span></div>
    <v-slider :value="shown" :min="lo" :max="hi" :step="step" dense hide-details
              @input="shown = $event" @change="commit" />
  </div>
</template>
<script>
module.exports = {
  data() { return { shown: 0 }; },
  created() { this.shown = this.value; },
  watch: { loads() { this.shown = this.value; } },
  methods: {
    text(x) { return this.labels[Math.round((x - this.lo) / this.step)]; },
    commit(x) { this.shown = x; this.committed = { value: x, n: this.committed.n + 1 }; },
  },
};
</script>""").tag(sync=True)
    control = traitlets.Unicode("").tag(sync=True)
    label = traitlets.Unicode("").tag(sync=True)
    value = traitlets.Float(0.0).tag(sync=True)
    lo = traitlets.Float(0.0).tag(sync=True)
    hi = traitlets.Float(1.0).tag(sync=True)
    step = traitlets.Float(1.0).tag(sync=True)
    labels = traitlets.List(traitlets.Unicode()).tag(sync=True)
    loads = traitlets.Int(0).tag(sync=True)
    committed = traitlets.Dict({"value": None, "n": 0}).tag(sync=True)

    def text(self, x: float) -> str:
        """The words shown for ``x``, as the browser picks them."""
        return self.labels[round((x - self.lo) / self.step)]


@solara.component
def Slider(name: str, label: str, value: float, text, on_change, lo: float, hi: float,
           step: float, loads: int):
    """A slider with its value in words beside its label (``text(value)``, worked out
    here for every step); ``on_change`` gets a value when the slider is let go or
    moved by a key, not at every pixel of a drag."""
    labels = [text(lo + k * step) for k in range(round((hi - lo) / step) + 1)]
    SliderWidget.element(control=name, label=label, value=value, lo=lo, hi=hi, step=step,
                         labels=labels, loads=loads,
                         on_committed=lambda c: on_change(c["value"]))


@solara.component
def SeedField(seed: int, on_seed):
    """The seed as typed, applied on Enter or when the field is left; what cannot be a
    seed (text, nothing, out of range) is replaced by the seed then in use."""
    typed, set_typed = solara.use_state(str(seed))
    solara.use_effect(lambda: set_typed(str(seed)), [seed])

    def commit(_widget, _event, text):
        try:
            wanted = min(max(int(str(text).strip()), 0), MAX_SEED)
        except ValueError:
            wanted = seed
        # the field follows the keys (``typed``), so this redraws it whatever it shows
        set_typed(str(wanted))
        if wanted != seed:
            on_seed(wanted)

    field = rv.TextField(label=f"Seed (0 to {MAX_SEED})", v_model=typed, on_v_model=set_typed,
                         class_="qs-seed")
    rv.use_event(field, "change", commit)


ROUBLE_PATHS = {  # fx_path -> what the Rouble path box says
    "constant": "constant",
    "shock": "one-off fall, fading",
    "random": "random walk",
    "series": "recorded rates",
}


def preset_label(name: str) -> str:
    """A preset as the Preset box names it: its description up to the colon."""
    return load_preset(name)[1].split(":")[0]


def Choice(label: str, items: Mapping[str, str], value: str, on_value):
    """A select showing ``items``' descriptions for their values."""
    rv.Select(label=label, items=[{"value": k, "text": t} for k, t in items.items()],
              v_model=value, on_v_model=on_value, dense=True)


@solara.component
def Controls(setup: Setup, loads: int, change):
    """The preset, the two policies and the cohort's parameters; each change is applied
    at once (``change(edit, month, load)``: ``edit`` makes the new setup of the newest
    asked for)."""
    _, description = load_preset(setup.preset)
    values = {**DEFAULTS, **setup.cohort}

    def cohort(name: str):
        return lambda x: change(lambda s: s.with_cohort(name, type(DEFAULTS[name])(x)))

    def policy(p: str, name: str, kind):
        return lambda x: change(lambda s: s.with_policy(p, name, kind(x)))

    with Collapsible.element(title="Policies and cohort (a change applies at once)"):
        with solara.Div(classes=["qs-controls-grid"]):
            with solara.Div(classes=["qs-wide"]):
                Choice("Preset", {name: preset_label(name) for name in cohort_presets()},
                       setup.preset, lambda name: change(lambda _: preset_setup(name), month=0,
                                                         load=True))
                solara.HTML(tag="p", unsafe_innerHTML=html.escape(description),
                            classes=["qs-note"])
            for p in NAMES:
                current = setup.a if p == "A" else setup.b
                with solara.Div(classes=["qs-group"]):
                    solara.HTML(tag="div", unsafe_innerHTML=f"Policy {p}",
                                classes=["qs-group-title"],
                                style=f"color: {POLICY_COLOURS[p]}")
                    Slider(f"hike-{p}", "Hike", current["hike"],
                           lambda x: f"+{x:.1%}" if x else "none", policy(p, "hike", float),
                           0.0, MAX_HIKE, HIKE_STEP, loads)
                    # a hike after the last contract ends changes nothing
                    Slider(f"hike_month-{p}", "from", current["hike_month"],
                           lambda m: f"{date_label(values, round(m))} (month {round(m)})",
                           policy(p, "hike_month", lambda m: int(round(m))),
                           0, longest_contract(values), 1, loads)
            with solara.Div(classes=["qs-group"]):
                solara.HTML(tag="div", unsafe_innerHTML="The cohort, under both",
                            classes=["qs-group-title"])
                spec = SPECS["enforcement_months"]
                Slider("enforcement_months", "Sent home at arrears of",
                       values["enforcement_months"], lambda x: f"{x:g} months of quota",
                       cohort("enforcement_months"), spec.lo, spec.hi, 0.25, loads)
                solara.Checkbox(label="Side work allowed", value=values["side_work"],
                                on_value=cohort("side_work"))
                Choice("Rouble path", ROUBLE_PATHS, values["fx_path"], cohort("fx_path"))
                Slider("n_workers", "Workers", values["n_workers"], lambda n: f"{round(n):,}",
                       cohort("n_workers"), MIN_SHOWN_WORKERS, MAX_SHOWN_WORKERS, 10, loads)
                SeedField(setup.seed, lambda seed: change(
                    lambda s: dataclasses.replace(s, seed=seed)))
                solara.Button("The preset's values", text=True,
                              on_click=lambda: change(lambda s: preset_setup(s.preset),
                                                      load=True))


def end_text(frame: Frame) -> str:
    if frame.running:
        return ""
    return ": everyone has gone home" if frame.everyone_home else ": the end of the run"


@solara.component
def Page(explorer: Explorer | None = None):
    """One session: the two models, the answer, the controls and the plots (``explorer``:
    one made beforehand, by a test; by default the default preset's)."""
    explorer = solara.use_memo(lambda: explorer or Explorer(preset_setup(DEFAULT_PRESET)), [])
    version = solara.use_reactive(0)
    playing = solara.use_reactive(False)  # Play pressed and not paused since
    # reading ``version`` makes its change render the page again; the page shows the
    # explorer as it is when rendered (the Play thread may announce a change after a
    # click has announced a newer one)
    version.get()
    rendered = explorer.changes  # read first: this render shows at least these changes
    # the flags at one moment, then the frame: a change applied or a month played after
    # they are read can only make the frame newer, never leave an old frame marked as
    # settled (read the other way round, a Reset applied between the reads showed the
    # month before it with nothing running, and a test saw that page as final)
    computing, looping = explorer.flags()
    frame = explorer.latest

    def refresh():
        version.set(explorer.changes)

    def play():
        if not playing.value:
            return
        resets = explorer.resets
        explorer.problem = None
        explorer.loop(+1)
        try:
            # the task stops being current when Play is paused or the page closed, and
            # a Reset makes ``step`` a no-op: the loop ends after the month it is in
            while playing.value and task.is_current():
                new = explorer.step(resets)
                refresh()
                if not new.running:
                    playing.set(False)  # the end of the run: Play is off
                    break
                time.sleep(PLAY_PAUSE_S)
        except Exception as e:
            log.exception("Play stopped")
            explorer.problem = f"Play stopped at an error: {e!r}"
            playing.set(False)
        finally:
            explorer.loop(-1)
            refresh()

    task = solara.lab.use_task(play, dependencies=[playing.value])

    def apply_asked():
        try:
            while (job := explorer.next_asked()) is not None:
                explorer.apply(*job)
                refresh()
        except Exception as e:
            log.exception("a change could not be applied")
            explorer.give_up(f"The change could not be applied: {e!r}")
        finally:
            refresh()

    applier = solara.lab.use_task(apply_asked, dependencies=None)

    def change(edit, month: int | None = None, load: bool = False):
        # asked before Play is switched off: the Play loop can end (and the page show
        # no loop) only once the change is marked as being applied, so no render shows
        # the old frame with nothing running, as if it were the new start
        start = explorer.ask(edit, month, load)
        if month == 0:  # a new start (Reset, another preset) waits for Play
            playing.set(False)
        if start:
            applier()
        refresh()

    def step():
        explorer.step()
        refresh()

    # the bar reports the page's state once all of this render has been sent: set after
    # the render, so in the next one
    status = {"data-seq": str(frame.seq), "data-playing": str(looping).lower(),
              "data-computing": str(computing).lower()}
    reported, set_reported = solara.use_state(status)
    solara.use_effect(lambda: set_reported(status), [tuple(status.values())])

    def shown():  # after every render: the page shows these changes once the bar does too
        if reported == status:
            explorer.showing(rendered)

    solara.use_effect(shown)

    with solara.Div(classes=["qs-page"]) as page:
        solara.Title(TITLE)  # the page's, the deepest: solara's own is "App"
        with solara.Div(classes=["qs-side"]):
            with solara.Div(classes=["qs-head"]):
                with solara.Div(classes=["qs-bar"], attributes=reported):
                    solara.Button("Step", color="primary", on_click=step,
                                  disabled=playing.value or computing or not frame.running)
                    solara.Button("❚❚" if playing.value else "▶", color="primary",
                                  on_click=lambda: playing.set(not playing.value),
                                  disabled=not frame.running)
                    solara.Button("Reset", color="primary", outlined=True,
                                  on_click=lambda: change(lambda s: s, month=0))
                    solara.HTML(tag="span", classes=["qs-date"],
                                unsafe_innerHTML=f"{frame.date}, month {frame.month} of "
                                                 f"{frame.months}{end_text(frame)}",
                                attributes={"data-seq": str(frame.seq)})
                    if computing:
                        solara.Text("computing…", classes=["qs-computing"])
                solara.HTML(tag="div", unsafe_innerHTML=headline_html(frame),
                            classes=["qs-headline"], attributes={"data-seq": str(frame.seq)})
            if explorer.problem:
                solara.Error(explorer.problem, classes=["qs-error"])
            solara.HTML(tag="div", unsafe_innerHTML=answer_html(frame), classes=["qs-summary"],
                        attributes={"data-seq": str(frame.seq)})
        with solara.Div(classes=["qs-main"]):
            Controls(explorer.wanted, explorer.loads, change)
            with solara.Div(classes=["qs-plots"]):
                for image, name in zip(frame.images, PLOT_NAMES):
                    with solara.Div(classes=["qs-plot", f"qs-plot-{name}"]):
                        # the frame's number in the image's own class, so that a test
                        # sees which frame a picture belongs to
                        ipywidgets.Image.element(value=image, format="png",
                                                 _dom_classes=[f"qs-seq-{frame.seq}"])
    return page
