"""Scenario discovery: under which inputs does an outcome cross a line?

Over the runs of a sampled experiment (``[sample]``), the runs whose outcome lies above
(or below) a threshold are the cases of interest. PRIM, the patient rule induction
method of EMA Workbench (``ema_workbench.analysis.prim``), peels the space of the
sampled inputs down to boxes where such runs are dense.

Which box of PRIM's peeling trajectory (ever denser, ever smaller) is reported: among
those that restrict some input and are at least ``MIN_DENSITY`` dense, the one with the
most cases for the runs it holds (the largest coverage x density), or the densest if
none is that dense. Then, one at a time, the limit that chance alone could best explain
(EMA's quasi-p value above ``SIGNIFICANCE`` on every side it restricts, the largest
first) is dropped and the quasi-p values of the wider box recomputed, so that a
sentence names only the inputs that matter. PRIM then looks for a further box among
the runs outside the boxes found, up to ``MAX_BOXES``, as long as one reaches
``MIN_DENSITY``.

Each box is reported over all the runs inside its limits (a later box may overlap an
earlier one, so coverages may add up to more than 100%): ``runs`` inside it, ``cases``
among them, its density (``cases / runs``) and its coverage (``cases`` / all cases).
Within PRIM's search a later box counts only the runs outside the earlier boxes: its
peeling trajectory (and the choice of step) is in those terms.

These are descriptions of one sample, not tests: the step is chosen and the quasi-p
values computed on the same runs. How stable a box is: PRIM run again on
``RESAMPLES`` random halves of the runs it searched (EMA's ``PrimBox.resample``, seeded),
and for each input the share of those halves whose box, at the step closest in
coverage, restricts it too (``resampled``).

Two tables hold the result: ``boxes`` (one row per box and input it restricts: the
limits, NaN on a side left open, ``resampled``, and the box's ``runs``, ``cases``,
coverage and density over all runs) and ``peeling`` (every step of every box's
trajectory as PRIM counts it, then the box reported, ``reported`` true).
"""

import contextlib
import logging
import math
import textwrap
import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd

from sim.labels import (
    SECTOR_LABELS, amount, axis_label, in_percent, outcome_amount, outcome_axis, outcome_words,
)
from sim.metrics import OUTCOMES
from sim.record import OUTCOME_COLUMNS
from sim.scenario import SPECS, ScenarioError, plain_name

MIN_DENSITY = 0.8  # "most runs in these conditions": at least 4 in 5
MAX_BOXES = 3
SIGNIFICANCE = 0.05  # a limit with a larger quasi-p value is dropped
QUESTION_KEYS = {"outcome", "above", "below"}
RESAMPLES = 10  # random halves of the runs PRIM is run on again, to see a box's stability
RESAMPLE_SEED = 1


@dataclass(frozen=True)
class Question:
    """Which runs are cases of interest: ``outcome`` above (or below) ``threshold``."""

    outcome: str
    threshold: float
    above: bool

    def cases(self, runs: pd.DataFrame) -> np.ndarray:
        values = runs[self.outcome].to_numpy()
        return values > self.threshold if self.above else values < self.threshold

    def as_dict(self) -> dict:
        """As in an experiment's ``[discover]`` table (and its provenance)."""
        return {"outcome": self.outcome, ("above" if self.above else "below"): self.threshold}

    def words(self) -> str:
        """E.g. "the share of workers sent home early above 20%", "the median pay
        received at return (Loggers) below 1,500 USD"."""
        sector, _, name = self.outcome.rpartition(".")
        where = f" ({SECTOR_LABELS[sector]})" if sector else ""
        return (f"the {outcome_words(name)}{where} {'above' if self.above else 'below'} "
                f"{outcome_amount(name, self.threshold)}")


def question(spec) -> Question:
    """A question from ``{"outcome": NAME, "above": X}`` (or ``"below"``), checked."""
    if not isinstance(spec, dict):
        raise ScenarioError("[discover] must be a table: outcome = NAME and above = X "
                            "(or below = X)")
    unknown = set(spec) - QUESTION_KEYS
    if unknown:
        raise ScenarioError(f"discover: unknown key(s) {', '.join(sorted(unknown))} "
                            f"(allowed: {', '.join(sorted(QUESTION_KEYS))})")
    outcome = spec.get("outcome")
    if outcome not in OUTCOME_COLUMNS:
        raise ScenarioError(f"discover: unknown outcome {outcome!r} (one of "
                            f"{', '.join(OUTCOMES)}, or SECTOR.OUTCOME)")
    sides = [side for side in ("above", "below") if spec.get(side) is not None]
    if len(sides) != 1:
        raise ScenarioError("discover: give exactly one of above or below (--above X or "
                            "--below X on the command line), not both or neither")
    value = spec[sides[0]]
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(
            value):
        raise ScenarioError(f"discover: {sides[0]} must be a finite number, not {value!r}")
    return Question(outcome, float(value), sides[0] == "above")


def check_sector(q: Question, params: list[dict]) -> None:
    """Refuse, before any run, a question about a sector some runs have no workers in
    (its outcomes would be missing from them)."""
    sector = q.outcome.rpartition(".")[0]
    if not sector:
        return
    empty = sum(1 for p in params if p.get(f"share_{sector}", 1) <= 0)
    if empty:
        raise ScenarioError(f"discover: {empty} of {len(params)} runs have no workers in "
                            f"{SECTOR_LABELS[sector]} (share_{sector} = 0), so "
                            f"{q.outcome} is missing from them; ask about another "
                            f"outcome or give the sector workers")


def discover(runs: pd.DataFrame, names: list[str], q: Question):
    """PRIM's boxes for question ``q`` over the inputs ``names`` of ``runs``: the tables
    ``(boxes, peeling)``. Raises ScenarioError when the question has no answer (no run,
    or every run, is a case; an outcome missing from some runs)."""
    if q.outcome not in runs or runs[q.outcome].isna().any():
        raise ScenarioError(f"discover: the outcome {q.outcome} is missing from some runs "
                            f"(a sector absent from the experiment?)")
    cases = q.cases(runs)
    if cases.all() or not cases.any():
        raise ScenarioError(f"discover: {'every' if cases.any() else 'no'} run has "
                            f"{q.words()}; nothing to tell apart")
    return find_boxes(runs[names].reset_index(drop=True), cases)


def find_boxes(inputs: pd.DataFrame, cases: np.ndarray):
    """PRIM (EMA Workbench) over a table of inputs and a boolean outcome: the tables
    ``(boxes, peeling)`` described in the module's docstring."""
    prim = prim_module()
    # EMA logs each peel at INFO and warns about its optional plotting back ends
    with _quiet():
        finder = prim.Prim(inputs, cases.astype(int))
        boxes, peeling = [], []
        for number in range(1, MAX_BOXES + 1):
            box = finder.find_box()
            if box is None:  # no runs left
                break
            steps = box.peeling_trajectory.copy()
            chosen = pick(steps)
            if chosen is None:
                break
            box.select(chosen)  # the runs it holds leave the next box's search
            current = drop_weak_limits(box, chosen)
            final = box.peeling_trajectory.iloc[current]
            if final["res_dim"] == 0 or number > 1 and final["density"] < MIN_DENSITY:
                break  # nothing left that chance cannot explain, or a further box too thin
            peeling.append(pd.DataFrame({
                "box": number, "step": [*steps["id"].astype(int), int(final["id"])],
                "coverage": [*steps["coverage"], final["coverage"]],
                "density": [*steps["density"], final["density"]],
                "mass": [*steps["mass"], final["mass"]],
                "inputs": [*steps["res_dim"].astype(int), int(final["res_dim"])],
                "reported": [False] * len(steps) + [True]}))
            searched = box.yi_initial  # the runs outside the boxes before
            boxes.append(limits(box.box_lims[current], finder.box_init, number, inputs,
                                cases, resampled(prim, inputs.iloc[searched],
                                                 cases[searched], final)))
            if final["density"] < MIN_DENSITY:
                break  # the first box, reported though below the bar: no further one
    if not boxes:
        raise ScenarioError("discover: PRIM found no box whose limits chance alone could "
                            "not explain")
    return (pd.concat(boxes, ignore_index=True),
            pd.concat(peeling, ignore_index=True))


def resampled(prim, inputs: pd.DataFrame, cases: np.ndarray, final) -> dict[str, float]:
    """For each input, the share of ``RESAMPLES`` random halves of the runs searched on
    which PRIM's first box, at the step closest in coverage and density to the box
    reported, restricts it too. (EMA's ``PrimBox.resample`` matches coverage and
    density each on its own, and in EMA 3.0 fails for any box but the first, indexing
    the outcomes of the runs left by their labels.)"""
    rng = np.random.default_rng(RESAMPLE_SEED)
    coverage = final["k"] / max(int(cases.sum()), 1)  # of the cases searched
    density = final["density"]
    counts = dict.fromkeys(inputs.columns, 0)
    for _ in range(RESAMPLES):
        half = rng.choice(len(inputs), size=len(inputs) // 2, replace=False)
        box = prim.Prim(inputs.iloc[half].reset_index(drop=True),
                        cases[half].astype(int)).find_box()
        if box is None:
            continue
        steps = box.peeling_trajectory
        step = ((steps["coverage"] - coverage) ** 2
                + (steps["density"] - density) ** 2).idxmin()
        for name in box.p_values[step]:
            counts[name] += 1
    return {name: count / RESAMPLES for name, count in counts.items()}


def drop_weak_limits(box, step: int) -> int:
    """Drop, one at a time, the limit of ``box`` (at ``step``) that chance could best
    explain (quasi-p above ``SIGNIFICANCE`` on every side it restricts; -1 marks an open
    side), EMA recomputing the quasi-p values of each wider box it adds: the step of
    the box left."""
    current = step
    while True:
        weak = {name: min(p for p in sides if p >= 0)
                for name, sides in box.p_values[current].items()
                if all(p > SIGNIFICANCE for p in sides if p >= 0)}
        if not weak:
            return current
        box.drop_restriction(max(weak, key=weak.get))  # adds the wider box, selects it
        current = len(box.peeling_trajectory) - 1


def pick(steps: pd.DataFrame) -> int | None:
    """The step of a peeling trajectory to report (see the module's docstring), or None
    when no step restricts an input."""
    restricted = steps[steps["res_dim"] > 0]
    if restricted.empty:
        return None
    dense = restricted[restricted["density"] >= MIN_DENSITY]
    if dense.empty:
        return int(restricted["density"].idxmax())
    return int((dense["coverage"] * dense["density"]).idxmax())


def limits(box: pd.DataFrame, whole: pd.DataFrame, number: int, inputs: pd.DataFrame,
           cases: np.ndarray, stability: dict[str, float]) -> pd.DataFrame:
    """One row per input the box restricts: its limits (NaN on an open side) and the
    share of resamples that restrict it too; the box's runs, cases, coverage and
    density counted over every run inside its limits."""
    rows, inside = [], np.ones(len(inputs), dtype=bool)
    for name in box.columns:
        low, high = box[name].iloc[0], box[name].iloc[1]
        inside &= ((inputs[name] >= low) & (inputs[name] <= high)).to_numpy()
        lowered, raised = low > whole[name].iloc[0], high < whole[name].iloc[1]
        if lowered or raised:
            rows.append({"box": number, "input": name,
                         "low": float(low) if lowered else math.nan,
                         "high": float(high) if raised else math.nan,
                         "resampled": float(stability.get(name, 0.0))})
    runs, hits = int(inside.sum()), int((cases & inside).sum())
    return pd.DataFrame(rows, columns=["box", "input", "low", "high", "resampled"]).assign(
        coverage=hits / int(cases.sum()), density=hits / runs, runs=runs, cases=hits)


def sentences(boxes: pd.DataFrame, q: Question) -> list[str]:
    """Each box in plain words, e.g. "Quota hike above +35% and days lost to weather
    above 15%: 82% of these runs have the share of workers sent home early above 20%,
    and they are 71% of all runs that have it"."""
    lines = []
    for number, rows in boxes.groupby("box", sort=True):
        where = " and ".join(condition(r["input"], r["low"], r["high"])
                             for _, r in rows.iterrows())
        where = where[:1].upper() + where[1:]
        first = rows.iloc[0]
        lines.append(f"{where}: {first['density']:.0%} of these {first['runs']:,} runs have "
                     f"{q.words()}, and they are {first['coverage']:.0%} of all runs that "
                     f"have it")
    return lines


def stability(boxes: pd.DataFrame) -> list[str]:
    """How often each box's limits come back when PRIM is run again on random halves
    of the runs it searched, e.g. "quota hike 100%, days lost to weather 70%"."""
    return [", ".join(f"{_lower(_name(r['input']))} {r['resampled']:.0%}"
                      for _, r in rows.iterrows())
            for _, rows in boxes.groupby("box", sort=True)]


CAVEAT = (f"Each box is the step of PRIM's peeling with the largest coverage x density "
          f"among those at least {MIN_DENSITY:.0%} dense, less the limits with a quasi-p "
          f"value above {SIGNIFICANCE:g}; step and p values come from the same runs, so "
          f"a box describes this sample. 'Found again': the share of {RESAMPLES} random "
          f"halves of the runs searched on which PRIM restricts that input too.")


def _name(name: str) -> str:
    """A parameter's plain name; another input (a table of one's own) by its column."""
    return plain_name(name) if name in SPECS else name


def _lower(text: str) -> str:
    return text[:1].lower() + text[1:]


def condition(name: str, low: float, high: float) -> str:
    """One input's limits in words: "quota hike above +35%"."""
    label = _lower(_name(name))
    if math.isnan(high):
        return f"{label} above {amount(name, low)}"
    if math.isnan(low):
        return f"{label} below {amount(name, high)}"
    return f"{label} between {amount(name, low)} and {amount(name, high)}"


def prim_module():
    """EMA Workbench's PRIM, or a one-line error naming the extra that installs it."""
    try:
        with _quiet():
            from ema_workbench.analysis import prim
    except ImportError:
        raise ScenarioError("scenario discovery needs EMA Workbench: "
                            "pip install 'quotasim[discovery]'") from None
    return prim


@contextlib.contextmanager
def _quiet():
    """EMA Workbench's info logging and import warnings (optional back ends) silenced."""
    logger = logging.getLogger("EMA")
    level = logger.level
    logger.setLevel(logging.WARNING)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            yield
    finally:
        logger.setLevel(level)


def figure(runs: pd.DataFrame, boxes: pd.DataFrame, peeling: pd.DataFrame, q: Question,
           bounds: dict):
    """Two panels, one above the other: PRIM's trade-off between coverage and density
    along each box's peeling (the reported box marked), and the runs over the two inputs
    the first box restricts most (one input: against the outcome), cases in colour,
    with the box drawn. ``bounds``: the sampled range of each input."""
    import matplotlib.pyplot as plt
    from matplotlib.patches import Rectangle

    from sim import colors
    from sim.plotting import WIDTH

    fig, (top, bottom) = plt.subplots(2, 1, figsize=(WIDTH, 5.0),
                                      height_ratios=[1, 1.25])
    for (number, steps), color in zip(peeling.groupby("box", sort=True), colors.BOXES):
        path, reported = steps[~steps["reported"]], steps[steps["reported"]].iloc[0]
        top.plot(path["coverage"] * 100, path["density"] * 100, ".-", color=color,
                 ms=3, lw=0.8, label=f"box {number}" + (
                     "" if number == 1 else ", among runs outside the boxes before"))
        top.plot(reported["coverage"] * 100, reported["density"] * 100, "o", mfc="none",
                 mec=color, ms=8, mew=1.3)
    top.axhline(MIN_DENSITY * 100, color=colors.REFERENCE, lw=0.7, ls=":")
    top.set_xlabel("Coverage: share of all such runs in the box (%)")
    top.set_ylabel("Density: share of its runs\nthat are such runs (%)")
    top.set_title(textwrap.fill(f"Such runs: those with {q.words()}", 48), loc="left")
    top.legend(loc="lower left", title="circled: the box reported", title_fontsize=6)

    first = boxes[boxes["box"] == boxes["box"].min()]
    # the inputs the box narrows most, as a share of their sampled range
    kept = first.assign(cut=[_cut(r, bounds[r["input"]]) for _, r in first.iterrows()])
    names = list(kept.sort_values("cut", ascending=False)["input"][:2])
    cases = q.cases(runs)
    x = runs[names[0]] * _scale(names[0])
    y = runs[names[1]] * _scale(names[1]) if len(names) > 1 else runs[q.outcome]
    bottom.scatter(x[~cases], y[~cases], s=4, color=colors.NO_HIKE, lw=0, label="other runs")
    bottom.scatter(x[cases], y[cases], s=4, color=colors.HIKE, lw=0, label="such runs")
    others = [condition(r["input"], r["low"], r["high"]) for _, r in first.iterrows()
              if r["input"] not in names]
    if others:  # limits the panel cannot show, named so the box is read whole
        bottom.set_title(textwrap.fill("Box 1, which also needs " + " and ".join(others),
                                       56), loc="left", fontsize=6.5)
    corners = []
    for i, name in enumerate(names):
        row = first.set_index("input").loc[name]
        low = bounds[name][0] if math.isnan(row["low"]) else row["low"]
        high = bounds[name][1] if math.isnan(row["high"]) else row["high"]
        corners.append((low * _scale(name), high * _scale(name)))
    if len(names) == 1:
        corners.append(bottom.get_ylim())
        bottom.axhline(q.threshold, color=colors.REFERENCE, lw=0.7, ls=":")
    (x0, x1), (y0, y1) = corners
    bottom.add_patch(Rectangle((x0, y0), x1 - x0, y1 - y0, fill=False, lw=1.2,
                               ec=colors.OKABE_ITO["black"], label="box 1"))
    bottom.set_xlabel(axis_label(names[0]))
    bottom.set_ylabel(axis_label(names[1]) if len(names) > 1 else
                      outcome_axis(q.outcome.rpartition(".")[2]))
    bottom.legend(loc="upper left", bbox_to_anchor=(0, -0.22), ncol=3, borderaxespad=0)
    return fig


def _cut(row, bound: list) -> float:
    """How much of an input's sampled range a box leaves out."""
    low = bound[0] if math.isnan(row["low"]) else row["low"]
    high = bound[1] if math.isnan(row["high"]) else row["high"]
    return 1 - (high - low) / (bound[1] - bound[0])


def _scale(name: str) -> float:
    """Shares, fractions and monthly chances are drawn in percent (``axis_label``)."""
    return 100 if in_percent(name) else 1
