"""The browser view: Mesa's SolaraViz of QuotaModel (``quotasim viz``).

The controls start at the chosen preset's values, and at the scenario defaults where the
preset says nothing; as in every SolaraViz, a change takes effect on Reset. Choosing
another preset rebuilds the controls and the model from it. Each browser session builds
its own model inside ``Page``, so two people on one server never step each other's.
"""

import calendar
import io

import numpy as np
import PIL.Image
import reacton.ipywidgets as rw
import solara
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator
from mesa.visualization import SolaraViz

from sim import economy
from sim.model import QuotaModel
from sim import colors
from sim.scenario import (
    DEFAULT_PRESET, DEFAULT_SEED, DEFAULTS, SPECS, load_preset, longest_contract, make_scenario,
    preset_names,
)
from sim.sectors import SECTORS

# View settings, not model defaults: a few hundred workers show the mix and keep a frame
# (one step and redraw) under 200 ms on an idle machine; the cap keeps it there
# (`quotasim bench` measures it: docs/BENCHMARKS.md).
SHOWN_WORKERS = 300
MAX_SHOWN_WORKERS = 1000
MAX_SEED = 9999
MAX_HIKE = 3.0  # the slider's reach; the scenario allows more, the view needs no more
DPI = 90

# scenario parameter -> (label, input, step); bounds and choices come from SPECS
CONTROLS = {
    "hike": ("Hike (0.5 = +50%)", "SliderFloat", 0.05),
    "hike_month": ("Hike from month", "SliderInt", 1),
    "enforcement_months": ("Arrears limit (months)", "SliderFloat", 0.25),
    "side_work": ("Side work allowed", "Checkbox", None),
    "fx_path": ("Rouble path", "Select", None),
    "n_workers": ("Workers shown", "SliderInt", 1),
}

# a worker's state as the grid shows it -> colour
STATUS_COLOURS = colors.STATUS
COLOUR_ARRAY = np.array(list(STATUS_COLOURS.values()))
(ON_PACE, BEHIND, IN_ARREARS, HOME_ARREARS, HOME_INJURY, COMPLETED, ESCAPED,
 HOME_COLLECTIVE) = range(len(STATUS_COLOURS))


def model_params(preset: str) -> dict:
    """SolaraViz ``model_params`` for a preset: its parameters fixed, plus the controls."""
    fixed, _ = load_preset(preset)
    values = {**DEFAULTS, **fixed, "n_workers": SHOWN_WORKERS}
    params = {name: value for name, value in fixed.items() if name not in CONTROLS}
    for name, (label, kind, step) in CONTROLS.items():
        spec = SPECS[name]
        control = {"type": kind, "label": label, "value": values[name]}
        if kind == "Select":
            control["values"] = list(spec.choices)
        elif kind != "Checkbox":
            control.update(min=spec.lo, max=spec.hi, step=step)
        params[name] = control
    params["n_workers"]["max"] = MAX_SHOWN_WORKERS
    params["hike"]["max"] = MAX_HIKE
    # a hike after the last contract ends changes nothing
    params["hike_month"]["max"] = longest_contract(values)
    # "rng" reaches the scenario as its seed on Reset; an integer input, as a text box
    # would hand the model a string
    params["rng"] = {"type": "SliderInt", "label": "Seed", "value": DEFAULT_SEED,
                     "min": 0, "max": MAX_SEED, "step": 1}
    return params


def build_model(params: dict) -> QuotaModel:
    """The model a Reset with untouched controls would build, validated."""
    values = {name: p["value"] if isinstance(p, dict) else p for name, p in params.items()}
    seed = values.pop("rng")
    return QuotaModel(make_scenario(values, seed=seed))


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


def date_label(model: QuotaModel, month: int) -> str:
    """'April 2021' for a month counted from arrival."""
    year = model.p["start_year"] + (model.p["start_month"] - 1 + month) // 12
    return f"{calendar.month_name[model.calendar_month(month)]} {year}"


def quotas_usd(model: QuotaModel, month: int) -> dict[str, float]:
    """Monthly quota in force in ``month``, USD, for each sector with workers."""
    quota = model.state.quota_usd(month)
    return {s.label: float(q) for s, q, n in zip(SECTORS, quota, model.counts) if n}


def nice_ceiling(x: float) -> float:
    """The smallest of 1, 2, 3, 5 x 10^k at or above ``x``; 1 for ``x`` <= 0.

    Coarse enough that a growing series changes its axis, and so costs a full redraw,
    in only a few frames of a run."""
    if x <= 0:
        return 1.0
    scale = 10.0 ** np.floor(np.log10(x))
    return next(m * scale for m in (1, 2, 3, 5, 10) if m * scale >= x)


class Plot:
    """A figure of one model, updated in place each frame.

    Drawing the axes, ticks and labels takes most of a frame's time, so they are
    drawn only when ``update`` reports a new layout (axis limits grow in steps of
    ``nice_ceiling``); other frames draw only the ``moving`` artists (made animated,
    so that a full draw leaves them out) over a saved copy of the rest."""

    def __init__(self, model: QuotaModel, size: tuple[float, float]):
        self.model = model
        self.fig = Figure(figsize=size, dpi=DPI)
        self.canvas = FigureCanvasAgg(self.fig)
        self.moving: list = []
        self.layout = self.background = None

    def update(self):
        """Set the moving artists to the model's month; return the layout they need."""
        raise NotImplementedError

    def png(self) -> bytes:
        """The figure as of the model's current month."""
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
        out = io.BytesIO()
        # light compression: each image is sent once, over a local connection
        PIL.Image.fromarray(np.asarray(self.canvas.buffer_rgba())).save(
            out, format="png", compress_level=1)
        return out.getvalue()


class GridPlot(Plot):
    """Each worker a square, in one block per site and sector, coloured by its state."""

    def __init__(self, model):
        super().__init__(model, (6.6, 4.4))
        ax = self.fig.add_axes((0.01, 0.13, 0.98, 0.79))
        # about as many columns as make the blocks as wide, relative to their height,
        # as the axes are: the squares then fill the figure at any number of workers
        columns = int(np.ceil(np.sqrt(model.workers.n * ax.bbox.width / ax.bbox.height)))
        xs, ys, top = [], [], 0.0
        for sector, n in zip(SECTORS, model.counts):
            if not n:
                continue
            rows = np.arange(n)
            xs.append(rows % columns)
            ys.append(top + 1 + rows // columns)
            ax.text(-0.5, top, f"{sector.label} ({n})", fontsize=9, va="center")
            top += 1 + -(-n // columns) + 0.5
        cell = min(ax.bbox.width / columns, ax.bbox.height / top) * 72 / DPI  # points
        self.squares = ax.scatter(np.concatenate(xs), np.concatenate(ys), marker="s",
                                  s=(0.8 * cell) ** 2, linewidths=0)
        ax.set_xlim(-0.6, columns - 0.4)
        ax.set_ylim(top - 0.5, -0.6)
        ax.set_axis_off()
        handles = [ax.scatter([], [], c=c, marker="s", label=name)
                   for name, c in STATUS_COLOURS.items()]
        self.fig.legend(handles=handles, loc="lower center", ncols=3, fontsize=8,
                        frameon=False)
        self.title = self.fig.suptitle("", fontsize=11)
        self.moving = [self.squares, self.title]

    def update(self):
        self.squares.set_facecolors(COLOUR_ARRAY[view_status(self.model.workers)])
        self.title.set_text(f"Workers, {date_label(self.model, self.model.month)}")


# panel title -> DataCollector series plotted in it
PANELS = {
    "Share in arrears": ("share_in_arrears",),
    "Sent home so far": ("sent_home_arrears", "sent_home_injury"),
    "Mean hours per day worked": ("mean_hours_per_day",),
    "State's revenue this month (USD)": ("revenue_usd",),
    "Quota in force (USD/month, mean)": ("quota_usd",),
    "Roubles per USD": ("rub_per_usd",),
}
# these describe a month just lived, so nothing is recorded for them before the first step
FLOWS = {"mean_hours_per_day", "revenue_usd", "quota_usd"}
LINE_LABELS = {"sent_home_arrears": "for arrears", "sent_home_injury": "injured"}


class SeriesPlot(Plot):
    """The monthly series so far, on the time axis of the whole run."""

    def __init__(self, model):
        super().__init__(model, (7.2, 4.8))
        self.axes = self.fig.subplots(3, 2, sharex=True).ravel()
        self.fig.subplots_adjust(left=0.08, right=0.98, top=0.94, bottom=0.1,
                                 hspace=0.45, wspace=0.22)
        self.lines = {}  # panel -> {series: line}
        for ax, (title, names) in zip(self.axes, PANELS.items()):
            self.lines[ax] = {name: ax.plot([], [], label=LINE_LABELS.get(name))[0]
                              for name in names}
            if model.p["hike"] > 0:
                ax.axvline(model.p["hike_month"], color="0.6", linestyle="--",
                           linewidth=0.8)
            ax.set_title(title, fontsize=9)
            ax.tick_params(labelsize=8)
            ax.yaxis.set_major_locator(MaxNLocator(4))
            if len(names) > 1:
                ax.legend(fontsize=7, frameon=False, loc="lower right")
        for ax in self.axes[-2:]:
            ax.set_xlabel("months completed (dashed: the hike)", fontsize=8)
        self.axes[0].set_xlim(0, model.months)
        self.moving = [line for lines in self.lines.values() for line in lines.values()]

    def update(self):
        data = self.model.datacollector.model_vars
        months = np.arange(len(data["abroad"]))
        tops = []
        for ax, lines in self.lines.items():
            top = 0.0
            for name, line in lines.items():
                start = 1 if name in FLOWS else 0
                line.set_data(months[start:], data[name][start:])
                top = max(top, max(data[name][start:], default=0.0))
            tops.append(nice_ceiling(1.05 * top))
            ax.set_ylim(0, tops[-1])
        return tops


class LedgerPlot(Plot):
    """Ledger balances of the workers abroad against what their savings goals need."""

    bins = 40

    def __init__(self, model):
        super().__init__(model, (6.6, 4.4))
        ax = self.ax = self.fig.add_axes((0.1, 0.15, 0.87, 0.72))
        edges = np.arange(self.bins + 1.0)
        self.ledger = ax.stairs(np.zeros(self.bins), edges, fill=True, color=colors.LEDGER,
                                alpha=0.7, label="ledger balance now")
        self.target = ax.stairs(np.zeros(self.bins), edges, color="black",
                                label="ledger needed at return to take home the goal")
        ax.legend(fontsize=8, frameon=False, loc="upper right")
        ax.set_xlabel("USD", fontsize=9)
        ax.set_ylabel("workers", fontsize=9)
        ax.tick_params(labelsize=8)
        self.title = ax.set_title("", fontsize=10)
        self.moving = [self.ledger, self.target, self.title]

    def update(self):
        w = self.model.workers
        abroad = w.status == economy.ABROAD
        self.title.set_text(f"Ledger balances against savings goals, "
                            f"{abroad.sum():,} workers abroad")
        ledger, target = w.ledger[abroad], w.target[abroad]
        lo = -nice_ceiling(-ledger.min()) if (ledger < 0).any() else 0.0
        hi = nice_ceiling(max(ledger.max(initial=0.0), target.max(initial=0.0)))
        edges = np.linspace(lo, hi, self.bins + 1)
        counts = [np.histogram(x, edges)[0] for x in (ledger, target)]
        self.ledger.set_data(counts[0], edges)
        self.target.set_data(counts[1], edges)
        top = nice_ceiling(1.1 * max(c.max() for c in counts))
        self.ax.set_xlim(lo, hi)
        self.ax.set_ylim(0, top)
        return lo, hi, top


def summary_html(model: QuotaModel) -> str:
    """The text panel: the date, the quota now (and after a coming hike), workers abroad,
    sent home so far, workers by state, and the parameters the controls set."""
    p, month, hike_month = model.p, model.month, model.p["hike_month"]
    coming = p["hike"] > 0 and month < hike_month < model.months
    later = quotas_usd(model, hike_month) if coming else {}
    quotas = "; ".join(
        f"{label} {quota:,.0f}"
        + (f" ({later[label]:,.0f} from {date_label(model, hike_month)})" if coming else "")
        for label, quota in quotas_usd(model, month).items())
    counts = np.bincount(view_status(model.workers), minlength=len(STATUS_COLOURS))
    states = " &nbsp; ".join(f'<span style="color:{colour}">&#9632;</span> {name}: {k:,}'
                             for (name, colour), k in zip(STATUS_COLOURS.items(), counts))
    run = [
        f"hike +{p['hike']:.0%} from month {hike_month}" if p["hike"] > 0 else "no hike",
        f"sent home at {p['enforcement_months']:g} months of quota in arrears",
        f"side work {'allowed' if p['side_work'] else 'not allowed'}",
        f"rouble path {p['fx_path']}",
        f"seed {model.scenario.rng}",
    ]
    return f"""
<h3>{date_label(model, month)}, month {month} of {model.months}</h3>
<p><b>Quota now</b> (USD a month): {quotas}</p>
<p><b>Workers abroad:</b> {model.abroad:,} of {model.workers.n:,}</p>
<p><b>Sent home so far:</b> {model.sent_home_arrears:,} for arrears,
{model.sent_home_injury:,} injured; contracts completed: {model.completed:,}</p>
<p>{states}</p>
<p style="font-size: 0.85em; color: #555">This run: {"; ".join(run)}.</p>"""


def _plot_component(plot_class):
    """A SolaraViz component showing one ``Plot`` of the model, kept while the model is."""

    def component(model):
        plot = solara.use_memo(lambda: plot_class(model), [model])
        # fit the grid cell SolaraViz gives it (10 rows of 30 px and their margins)
        return rw.Image(value=plot.png(), format="png",
                        layout={"width": "100%", "max_height": "390px",
                                "object_fit": "contain"})

    component.__name__ = plot_class.__name__
    return component


WorkerGrid, Series, LedgerHistogram = map(_plot_component, (GridPlot, SeriesPlot, LedgerPlot))


def Summary(model):
    # HTML, not Markdown: solara's Markdown loads KaTeX from a CDN, which is not offline
    return solara.HTML(tag="div", unsafe_innerHTML=summary_html(model),
                       classes=["quotasim-summary"])


COMPONENTS = [Summary, WorkerGrid, Series, LedgerHistogram]


def cohort_presets() -> list[str]:
    """The presets the page offers: the cohorts. Its grid lays out one cohort by sector;
    the histories, whose workforce comes and goes, run from the command line."""
    return [name for name in preset_names() if not load_preset(name)[0].get("end_year")]


@solara.component
def Page():
    """One session's page: a preset picker above the SolaraViz of its own model."""
    preset = solara.use_reactive(DEFAULT_PRESET)
    params = solara.use_memo(lambda: model_params(preset.value), [preset.value])
    model = solara.use_memo(lambda: build_model(params), [params])
    _, description = load_preset(preset.value)
    with solara.Sidebar(), solara.Card("Scenario"):
        solara.Select("Preset", values=cohort_presets(), value=preset)
        solara.Text(description, style={"font-size": "0.85em"})
    # a new key remounts SolaraViz: controls and model start afresh from the preset
    SolaraViz(model, components=COMPONENTS, model_params=params,
              name="quotasim: workers abroad under a state quota").key(preset.value)
