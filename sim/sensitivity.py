"""Sobol indices of a Saltelli experiment, as a table stored beside its runs.

For every outcome that varies across the runs, SALib's ``sobol.analyze`` over the
design points in design order (the mean over replicates, when there are several), and
its own result tables (``ResultDict.to_df()``: first-order and total indices with the
half-widths of their 95% bootstrap intervals) in one long table: ``outcome``,
``input``, ``S1``, ``S1_conf``, ``ST``, ``ST_conf``. An index is an estimate: a
first-order index slightly below zero is sampling error around a small one.
"""

import pandas as pd
from SALib.analyze import sobol

from sim.record import OUTCOME_COLUMNS

SEED = 1  # of SALib's bootstrap of the confidence intervals
COLUMNS = ["outcome", "input", "S1", "S1_conf", "ST", "ST_conf"]


def problem(sample: dict) -> dict:
    """SALib's problem for an experiment's ``sample`` (names and bounds)."""
    names = sample["names"]
    return {"num_vars": len(names), "names": names,
            "bounds": [sample["bounds"][k] for k in names]}


def outputs(runs: pd.DataFrame) -> pd.DataFrame:
    """Each outcome per design point, in design order: those known for every run and
    not constant (an index of a constant is undefined)."""
    means = runs.groupby("point", sort=True)[
        [c for c in OUTCOME_COLUMNS if c in runs]].mean()
    known = means.columns[means.notna().all() & (means.std() > 0)]
    return means[known]


def sobol_table(runs: pd.DataFrame, sample: dict) -> pd.DataFrame:
    """The Sobol indices of every outcome of a Saltelli experiment's runs."""
    spec = problem(sample)
    frames = []
    for outcome, y in outputs(runs).items():
        total, first = sobol.analyze(spec, y.to_numpy(), calc_second_order=False,
                                     seed=SEED).to_df()
        frames.append(first.join(total).rename_axis("input").reset_index()
                      .assign(outcome=outcome))
    return pd.concat(frames, ignore_index=True)[COLUMNS]
