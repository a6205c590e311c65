"""Rival structures held against the reported patterns (``quotasim validate``).

Each structure (``scenario.STRUCTURES``) runs every pattern's scenario over a few seeds;
a pattern is met when the mean over the seeds lies inside the reported range. The table
has one row per structure and pattern: the range, the mean with its 95% interval over the
seeds, and whether it is inside. Patterns whose numbers fed the model's input
(``fed_input``) are shown, and counted apart: meeting them shows the input was used, not
that the structure is right.
"""

import functools
import json
from pathlib import Path

import numpy as np
import pandas as pd

from sim import colors, patterns as pattern_data, provenance
from sim.executors import make_executor
from sim.experiment import posterior_draws, spawn_seeds
from sim.patterns import Pattern, pattern_values
from sim.scenario import DEFAULT_STRUCTURE, STRUCTURES
from sim.summary import t_interval

DEFAULT_SEEDS = 5
ROOT_SEED = 2005  # Grimm et al. 2005, pattern-oriented modelling


def validate(patterns: list[Pattern], structures: dict[str, dict] | None = None, *,
             seeds: int = DEFAULT_SEEDS, root_seed: int = ROOT_SEED, executor="serial",
             jobs: int | None = None, scheduler: str | None = None,
             posterior: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row per structure and pattern: range, mean over ``seeds`` runs with its 95%
    interval, and whether the mean is inside the range. With a ``posterior`` table
    (``calibrate.read_posterior``) each seed runs with its own draw of the posterior's
    parameters, the same draw for every structure: a posterior-predictive check."""
    structures = STRUCTURES if structures is None else structures
    seed_list = spawn_seeds(root_seed, seeds)
    draws = [{}] * seeds
    if posterior is not None:
        rows = posterior.drop(columns="weight").to_dict("records")
        draws = [rows[i] for i in posterior_draws(posterior["weight"].to_numpy(), root_seed,
                                                  seeds)]
    work = functools.partial(_values, patterns=patterns)
    items = [(name, changes, seed, draw) for name, changes in structures.items()
             for seed, draw in zip(seed_list, draws)]
    values = {}
    executor = make_executor(executor, jobs, scheduler) if isinstance(executor, str) \
        else executor
    with executor:
        for name, seed, result in executor.imap(work, items):
            values[name, seed] = result
    rows = []
    for name in structures:
        for p in patterns:
            x = np.array([[values[name, s][p.name] for s in seed_list]])
            mean, low, high = (float(v[0]) for v in t_interval(x))
            rows.append({"structure": name, "pattern": p.name, "source": p.source,
                         "low": p.low, "high": p.high, "mean": mean, "ci_low": low,
                         "ci_high": high, "inside": p.inside(mean), "fed_input": p.fed_input,
                         "calibrate": p.calibrate, "seeds": seeds})
    return pd.DataFrame(rows)


def _values(item, patterns):
    name, changes, seed, draw = item
    return name, seed, pattern_values(patterns, changes, seed, draw)


def as_json(table: pd.DataFrame) -> dict:
    """``{"default": NAME, "structures": {NAME: {"inside": k, "total": n, "patterns":
    [{"name", "inside", "value", "range", "fed_input"}, ...]}}}``; k and n count every
    pattern, those that fed the input included (each pattern says whether it did)."""
    out = {"default": DEFAULT_STRUCTURE, "structures": {}}
    for name, rows in table.groupby("structure", sort=False):
        out["structures"][name] = {
            "inside": int(rows["inside"].sum()), "total": len(rows),
            "patterns": [{"name": r.pattern, "inside": bool(r.inside),
                          "value": None if np.isnan(r.mean) else r.mean,
                          "range": [r.low, r.high], "fed_input": bool(r.fed_input)}
                         for r in rows.itertuples()]}
    return out


def format_table(table: pd.DataFrame, structure: str) -> str:
    """One structure's rows as a Markdown table: pattern, source, range, model, inside."""
    lines = ["| pattern | source | reported | model (95% interval) | inside |",
             "|---|---|---|---|---|"]
    for r in table[table["structure"] == structure].itertuples():
        mark = "yes" if r.inside else "**no**"
        if r.fed_input:
            mark += " (fed the input)"
        elif not r.calibrate:
            mark += " (shown, not fitted)"
        num = plain_number
        lines.append(f"| {r.pattern} | {r.source} | {num(r.low)} - {num(r.high)} | "
                     f"{num(r.mean)} ({num(r.ci_low)} - {num(r.ci_high)}) | {mark} |")
    return "\n".join(lines)


def format_matrix(table: pd.DataFrame) -> str:
    """Every structure's count of patterns met (fed-input patterns apart)."""
    lines = []
    for name, rows in table.groupby("structure", sort=False):
        own = rows[~rows["fed_input"]]
        fed = rows[rows["fed_input"]]
        missed = ", ".join(own.loc[~own["inside"], "pattern"]) or "none"
        lines.append(f"{name}: {int(own['inside'].sum())} of {len(own)} patterns inside "
                     f"(and {int(fed['inside'].sum())} of {len(fed)} that fed the input); "
                     f"outside: {missed}")
    return "\n".join(lines)


def plain_number(x: float) -> str:
    """A number as a table shows it: thousands separated, three significant figures."""
    if np.isnan(x):
        return "-"
    if x == 0:
        return "0"
    if abs(x) >= 100:
        return f"{x:,.0f}"
    if abs(x) >= 0.01:
        return f"{x:.3g}"
    return f"{x:.2e}"


def figure(table: pd.DataFrame):
    """Pattern by structure: each cell the model's mean, green inside the range, red
    outside (pale for the patterns that fed the input, hatched for those shown but not
    fitted)."""
    from matplotlib.colors import to_rgba

    from sim.plotting import plt

    structures = list(dict.fromkeys(table["structure"]))
    names = list(dict.fromkeys(table["pattern"]))
    fig, ax = plt.subplots(figsize=(1.6 + 1.5 * len(structures), 0.9 + 0.42 * len(names)),
                           layout="constrained")
    for r in table.itertuples():
        x, y = structures.index(r.structure), names.index(r.pattern)
        colour = to_rgba(colors.INSIDE if r.inside else colors.OUTSIDE,
                         0.35 if r.fed_input else 0.85)
        ax.add_patch(_cell(x, y, colour, hatch=None if r.calibrate or r.fed_input
                           else "///"))
        ax.text(x, y, plain_number(r.mean), ha="center", va="center", fontsize=7)
    ranges = table.drop_duplicates("pattern").set_index("pattern")
    ax.set_yticks(range(len(names)),
                  [f"{n}\n[{plain_number(ranges.low[n])}, {plain_number(ranges.high[n])}]"
                   for n in names], fontsize=7)
    ax.set_xticks(range(len(structures)), structures, fontsize=7, rotation=15)
    ax.set_xlim(-0.5, len(structures) - 0.5)
    ax.set_ylim(len(names) - 0.5, -0.5)
    ax.tick_params(length=0)
    ax.grid(False)
    for side in ax.spines.values():
        side.set_visible(False)
    ax.set_title("Reported patterns (range) against each structure's mean over seeds:\n"
                 "green inside, red outside; pale: met by construction or fed the model's "
                 "input; hatched: shown, not fitted", fontsize=8)
    return fig


def _cell(x, y, colour, hatch=None):
    from matplotlib.patches import Rectangle

    return Rectangle((x - 0.48, y - 0.46), 0.96, 0.92, facecolor=colour, hatch=hatch,
                     edgecolor="white" if hatch else "none", lw=0)


def write(table: pd.DataFrame, folder: Path, *, patterns_file: Path, root_seed: int,
          posterior_file: Path | None = None) -> list[Path]:
    """The table (CSV), its JSON with provenance, and the figure (PNG, PDF)."""
    from sim.plotting import save, style

    folder.mkdir(parents=True, exist_ok=True)
    table.to_csv(folder / "validation.csv", index=False)
    record = {**as_json(table), "patterns_file": str(patterns_file),
              "patterns_digest": pattern_data.digest(patterns_file),
              "structures_changes": {n: STRUCTURES.get(n) for n in table["structure"].unique()},
              "seeds": spawn_seeds(root_seed, int(table["seeds"].iloc[0])),
              "root_seed": root_seed,
              "posterior": {"path": str(posterior_file), "digest":
                            pattern_data.digest(posterior_file)} if posterior_file else None,
              **provenance.identity()}
    (folder / "validation.json").write_text(json.dumps(record, indent=2) + "\n")
    with style():
        paths = save(figure(table), folder / "validation")
    return [folder / "validation.csv", folder / "validation.json", *paths]
