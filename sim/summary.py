"""An experiment's summary: per design point and sector, each outcome's mean across
replicates with a 95% interval of that mean.

Shares (outcomes named ``share_*``) get a percentile bootstrap over the replicates
(``scipy.stats.bootstrap``, a fixed seed): the interval stays inside the values seen, so
inside [0, 1], and takes no normal shape a share near 0 or 1 does not have. Other
outcomes get Student's t. One replicate gives the value itself.
"""

import numpy as np
import pandas as pd
from scipy import stats

from sim.record import OUTCOME_COLUMNS

LEVEL = 0.95
BOOTSTRAP_RESAMPLES = 2000
BOOTSTRAP_SEED = 0


def is_share(outcome: str) -> bool:
    return outcome.rpartition(".")[2].startswith("share_")


def t_interval(values: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Means and Student-t intervals of each row of ``values`` (points x replicates)."""
    mean = values.mean(axis=1)
    n = values.shape[1]
    if n < 2:
        return mean, mean, mean
    half = stats.t.ppf((1 + LEVEL) / 2, n - 1) * stats.sem(values, axis=1)
    half = np.nan_to_num(half)  # identical replicates: no spread
    return mean, mean - half, mean + half


def bootstrap_interval(values: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Means and percentile-bootstrap intervals of each row of ``values``."""
    mean = values.mean(axis=1)
    if values.shape[1] < 2:
        return mean, mean, mean
    ci = stats.bootstrap((values,), np.mean, axis=1, vectorized=True, method="percentile",
                         confidence_level=LEVEL, n_resamples=BOOTSTRAP_RESAMPLES,
                         rng=np.random.default_rng(BOOTSTRAP_SEED)).confidence_interval
    # a row of identical values has no spread to resample
    return mean, np.minimum(ci.low, mean), np.maximum(ci.high, mean)


def summarize(runs: pd.DataFrame, varied: list[str], replicates: int) -> pd.DataFrame:
    """Tidy: one row per design point, sector and outcome, with mean, ci_low, ci_high,
    n and the interval's method. ``runs`` holds every run of the design (no failures)."""
    runs = runs.sort_values(["point", "replicate"])
    points = runs.groupby("point", sort=True).first()[varied].reset_index()
    frames = []
    for column in OUTCOME_COLUMNS:
        if column not in runs or runs[column].isna().all():
            continue
        values = runs[column].to_numpy(dtype=float).reshape(-1, replicates)
        present = ~np.isnan(values).any(axis=1)  # a sector the point's preset lacks
        interval = bootstrap_interval if is_share(column) else t_interval
        mean, low, high = interval(values[present])
        sector, _, outcome = column.rpartition(".")
        frames.append(points[present].assign(
            sector=sector or "all", outcome=outcome, mean=mean, ci_low=low, ci_high=high,
            n=replicates, interval="bootstrap" if is_share(column) else "t"))
    table = pd.concat(frames, ignore_index=True)
    order = {c: i for i, c in enumerate(OUTCOME_COLUMNS)}
    table["_order"] = [order[o if s == "all" else f"{s}.{o}"]
                       for s, o in zip(table["sector"], table["outcome"])]
    return table.sort_values(["point", "_order"], kind="stable").drop(columns="_order") \
        .reset_index(drop=True)
