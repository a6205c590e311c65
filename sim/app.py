"""The browser view (``quotasim viz``): what a quota hike does, policy A against policy B.

Two models of one cohort run side by side. They share every parameter but the policy
(the hike and the month it starts) and the seed, so they draw the same workers (common
random numbers) and a difference between them is the policy's, not chance's; they step
together. The answer panel shows, for each and for B - A, who was sent home and why, who
escaped, who misses the savings goal, what the workers take home and what the state
collects: the numbers ``quotasim run --json`` gives for the same scenario, seed and months.

Every control applies at once: both models are built afresh from the preset's
parameters and the controls, and run again from arrival to the month shown (a few
hundred workers live their 42 months in milliseconds). Reset goes back to arrival with
the controls as they are; with untouched controls it rebuilds the preset exactly.

This is a page of its own rather than Mesa's SolaraViz, which runs one model, rebuilds
it on Reset from the controls alone (losing the preset's other parameters), and draws
the live model while its Play thread steps it. Here everything that touches a model
(building, stepping, drawing) happens in ``Explorer`` under one lock and produces an
immutable ``Frame``; the page renders frames only, so a render never reads a model that
another thread is changing.
"""

import calendar
import dataclasses
import html
import io
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


def policy_text(model: QuotaModel) -> str:
    """'hike +38.9% from May 2021' or 'no hike'."""
    p = model.p
    if p["hike"] <= 0 or p["hike_month"] >= model.months:
        return "no hike"
    return f"hike +{p['hike']:.1%} from {date_label(model.p, p['hike_month'])}"


def quota_text(model: QuotaModel) -> str:
    """The monthly quota of each sector, and what the hike makes of it."""
    before = quotas_usd(model, 0)
    after = quotas_usd(model, model.p["hike_month"]) if policy_text(model) != "no hike" \
        else before
    return "; ".join(f"{label} {before[label]:,.0f}"
                     + (f" &rarr; {after[label]:,.0f}" if after[label] != before[label] else "")
                     for label in before)


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
    "median_take_home_usd": ("Median take-home so far, USD", "usd"),
    "revenue_per_worker_year_usd": ("State's revenue, USD per worker-year", "usd"),
    "share_quota_covered_by_firm": ("Quota the firms covered", "share"),
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


def answer_html(frame: "Frame") -> str:
    """The answer panel: A, B and B - A for every row; cells carry ``data-row`` and
    ``data-policy`` for the tests."""
    a, b = frame.answers

    def row(name: str, label: str, kind: str, note: str = "") -> str:
        cells = [(p, fmt(kind, x[name])) for p, x in zip(NAMES, frame.answers)]
        cells.append(("B-A", fmt(kind, b[name] - a[name], diff=True)))
        tds = "".join(f'<td data-row="{name}" data-policy="{p}">{text}</td>'
                      for p, text in cells)
        return f"<tr><th>{label}{note}</th>{tds}</tr>"

    rows = [row(name, label, kind) for name, (label, kind) in OUTCOME_ROWS.items()]
    rows.append(row(MISSED, "Missing their goal", "share", "*"))
    rows.append(row(PROJECTED, "&ensp;*of whom abroad, behind pace (projected)", "share"))
    rows += [row(name, label, kind) for name, (label, kind) in MONEY_ROWS.items()]
    heads = "".join(
        f'<th class="qs-policy" style="color:{POLICY_COLOURS[p]}">{p}<br>'
        f'<span>{html.escape(text)}</span></th>' for p, text in zip(NAMES, frame.policies))
    return (f'<table class="qs-answer"><thead><tr><th></th>{heads}<th>B &minus; A</th></tr>'
            f'</thead><tbody>{"".join(rows)}</tbody></table>'
            f'<p class="qs-quotas"><b>Quotas</b>, USD a month: '
            + "".join(f'<br><span style="color:{POLICY_COLOURS[p]}">{p}</span>: {text}'
                      for p, text in zip(NAMES, frame.quotas)) + "</p>")


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
    return f"{'-' if x < 0 else ''}${abs(x) / 1000:,.0f}k"


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
            text.set_text(f"{'cash' if cash >= 0 else 'credit'} {money_k(cash)}\n"
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
                if policy_text(model) != "no hike":
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


class Explorer:
    """One session's two models and their plots. Every method holds the lock: a click,
    the Play loop and a control's change may come from different threads."""

    def __init__(self, setup: Setup):
        self.lock = threading.Lock()
        self.seq = 0
        with self.lock:
            self._build(setup, 0)

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

    def step(self) -> Frame:
        """Both models live a month (if either still runs)."""
        with self.lock:
            if self.running:
                self._step()
                self._frame()
            return self.latest

    def apply(self, setup: Setup, month: int | None = None) -> Frame:
        """Both models built from ``setup`` and run to ``month`` (default: the month
        shown now, or as far as they run)."""
        with self.lock:
            self._build(setup, self.month if month is None else month)
            return self.latest


# --- the page ------------------------------------------------------------------------------

NARROW_PX = 960  # narrower, the page is one column: the answer first, controls closed
CSS = """
.qs-page { display: grid; grid-template-columns: minmax(340px, 430px) minmax(0, 1fr);
           gap: 16px; align-items: start; }
.qs-side { position: sticky; top: 8px; max-height: calc(100vh - 80px); overflow-y: auto; }
.qs-bar { display: flex; flex-wrap: wrap; align-items: center; gap: 8px; }
.qs-date { font-size: 1.05em; font-weight: 500; }
.qs-answer { border-collapse: collapse; width: 100%%; font-size: 0.85em; margin-top: 8px; }
.qs-answer th, .qs-answer td { padding: 2px 4px; border-bottom: 1px solid #e0e0e0; }
.qs-answer td { text-align: right; white-space: nowrap; font-variant-numeric: tabular-nums; }
.qs-answer th { text-align: left; font-weight: normal; }
.qs-answer thead th { text-align: right; font-weight: bold; vertical-align: bottom; }
.qs-policy span { font-weight: normal; font-size: 0.85em; }
.qs-quotas, .qs-note { font-size: 0.8em; color: #555; margin: 6px 0; }
.qs-plots { display: grid; grid-template-columns: repeat(auto-fill, minmax(420px, 1fr));
            gap: 12px; }
.qs-plots img { width: 100%%; height: auto; }
.qs-value { float: right; font-weight: 500; }
@media (max-width: %dpx) {
  .qs-page { grid-template-columns: minmax(0, 1fr); }
  .qs-side { position: static; max-height: none; overflow: visible; }
  .qs-plots { grid-template-columns: minmax(0, 1fr); }
}
""" % (NARROW_PX - 1)


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


@solara.component
def Slider(name: str, label: str, value: float, text, on_change, lo: float, hi: float,
           step: float):
    """A slider with its value in words beside its label (``text(value)``); the value
    follows a drag, and ``on_change`` gets it when the slider is let go (or moved by a
    key or a click), not at every pixel of the drag."""
    shown, set_shown = solara.use_state(value)
    solara.use_effect(lambda: set_shown(value), [value])
    with solara.Div(classes=["qs-control", f"qs-control-{name}"]):
        with solara.Div():
            solara.Text(label)
            solara.Text(text(shown), classes=["qs-value"])
        slider = rv.Slider(v_model=shown, on_v_model=set_shown, min=lo, max=hi, step=step,
                           dense=True, hide_details=True)
        rv.use_event(slider, "change", lambda _widget, _event, x: on_change(x))


@solara.component
def Controls(setup: Setup, change):
    """The preset, the two policies and the cohort's parameters; each change is applied
    at once (``change``)."""
    _, description = load_preset(setup.preset)
    values = {**DEFAULTS, **setup.cohort}

    def cohort(name: str):
        return lambda x: change(setup.with_cohort(name, type(DEFAULTS[name])(x)))

    with Collapsible.element(title="Policies and cohort (a change applies at once)"):
        solara.Select("Preset", values=cohort_presets(), value=setup.preset,
                      on_value=lambda name: change(preset_setup(name), month=0))
        solara.Text(description, classes=["qs-note"])
        for p in NAMES:
            policy = setup.a if p == "A" else setup.b
            solara.Text(f"Policy {p}", style={"color": POLICY_COLOURS[p], "font-weight": "bold"})
            Slider(f"hike-{p}", "Hike", policy["hike"],
                   lambda x: f"+{x:.1%}" if x else "none",
                   lambda x, p=p: change(setup.with_policy(p, "hike", float(x))),
                   0.0, MAX_HIKE, HIKE_STEP)
            # a hike after the last contract ends changes nothing
            Slider(f"hike_month-{p}", "from", policy["hike_month"],
                   lambda m: f"{date_label(values, m)} (month {m})",
                   lambda m, p=p: change(setup.with_policy(p, "hike_month", int(m))),
                   0, longest_contract(values), 1)
        solara.Text("The cohort, under both", style={"font-weight": "bold"})
        spec = SPECS["enforcement_months"]
        Slider("enforcement_months", "Sent home at arrears of", values["enforcement_months"],
               lambda x: f"{x:g} months of quota", cohort("enforcement_months"),
               spec.lo, spec.hi, 0.25)
        solara.Checkbox(label="Side work allowed", value=values["side_work"],
                        on_value=cohort("side_work"))
        solara.Select("Rouble path", values=list(SPECS["fx_path"].choices),
                      value=values["fx_path"], on_value=cohort("fx_path"))
        Slider("n_workers", "Workers", values["n_workers"], lambda n: f"{n:,}",
               cohort("n_workers"), MIN_SHOWN_WORKERS, MAX_SHOWN_WORKERS, 10)
        solara.InputInt(f"Seed (0 to {MAX_SEED})", value=setup.seed,
                        on_value=lambda seed: change(dataclasses.replace(
                            setup, seed=min(max(seed, 0), MAX_SEED))))
        solara.Button("The preset's values", text=True,
                      on_click=lambda: change(preset_setup(setup.preset)))


@solara.component
def Page():
    """One session: the two models, the answer, the controls and the plots."""
    explorer = solara.use_memo(lambda: Explorer(preset_setup(DEFAULT_PRESET)), [])
    version = solara.use_reactive(0)
    playing = solara.use_reactive(False)
    # reading ``version`` makes its change render the page again; what the page shows
    # is always the newest frame (the Play thread may announce one after a click has
    # announced a newer one)
    version.get()
    frame = explorer.latest

    def show(new: Frame):
        version.set(new.seq)

    def play():
        # the task stops being current when Play is paused, Reset pressed or the page
        # closed: the loop ends after the month it is in
        while playing.value and task.is_current():
            new = explorer.step()
            show(new)
            if not new.running:
                return
            time.sleep(PLAY_PAUSE_S)

    # Play stays on at the end of a run, so that it goes on if a change lets the run go
    # on (a smaller hike, when everyone had been sent home)
    task = solara.lab.use_task(play, dependencies=[playing.value, frame.running])

    def change(setup: Setup, month: int | None = None):
        if month == 0:  # a new start (Reset, another preset) waits for Play
            playing.set(False)
        show(explorer.apply(setup, month))

    solara.Title(TITLE)
    solara.Style(CSS)
    with solara.AppBar():
        solara.AppBarTitle("quotasim: a quota hike, A against B")
    busy = playing.value and frame.running
    with solara.Div(classes=["qs-page"]):
        with solara.Div(classes=["qs-side"]):
            with solara.Div(classes=["qs-bar"]):
                solara.Button("Step", color="primary", on_click=lambda: show(explorer.step()),
                              disabled=busy or not frame.running)
                solara.Button("❚❚" if busy else "▶", color="primary",
                              on_click=lambda: playing.set(not busy),
                              disabled=not frame.running)
                solara.Button("Reset", color="primary", outlined=True,
                              on_click=lambda: change(frame.setup, month=0))
                solara.Text(f"{frame.date}, month {frame.month} of {frame.months}"
                            + ("" if frame.running else ": the end"), classes=["qs-date"])
            solara.HTML(tag="div", unsafe_innerHTML=answer_html(frame),
                        classes=["qs-summary"])
            Controls(frame.setup, change)
        with solara.Div(classes=["qs-plots"]):
            for image, name in zip(frame.images, PLOT_NAMES):
                with solara.Div(classes=["qs-plot", f"qs-plot-{name}"]):
                    rw.Image(value=image, format="png", layout={"width": "100%"})
