"""An experiment's summary: per design point and sector, each outcome's mean across
replicates with a 95% interval of that mean (``ci_low``, ``ci_high``), and the 95%
predictive interval (``pi_low``, ``pi_high``: where 95% of the runs fall, the 2.5% and
97.5% quantiles of the replicates). With a posterior file the replicates differ in their
parameters as well as their seeds, and the predictive interval covers both.

Shares (outcomes named ``share_*``) get a percentile bootstrap over the replicates
(``scipy.stats.bootstrap``, a fixed seed): the interval stays inside the values seen, so
inside [0, 1], and takes no normal shape a share near 0 or 1 does not have. Other
outcomes get Student's t. One replicate gives the value itself.
"""

import numpy as np
import pandas as pd
from scipy import stats

from sim.metrics import SHARE_OUTCOMES
from sim.record import OUTCOME_COLUMNS

LEVEL = 0.95
BOOTSTRAP_RESAMPLES = 2000
BOOTSTRAP_SEED = 0
BOOTSTRAP_ROWS = 50  # design points resampled at once: 50 x 2,000 x replicates numbers


def is_share(column: str) -> bool:
    """Whether an outcome column is a share in [0, 1]."""
    return column.rpartition(".")[2] in SHARE_OUTCOMES


def t_interval(values: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Means and Student-t intervals of each row of ``values`` (points x replicates)."""
    mean = values.mean(axis=1)
    n = values.shape[1]
    if n < 2:
        return mean, mean, mean
    half = stats.t.ppf((1 + LEVEL) / 2, n - 1) * stats.sem(values, axis=1)
    return mean, mean - half, mean + half


def bootstrap_interval(values: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Means and percentile-bootstrap intervals of each row of ``values``."""
    mean = values.mean(axis=1)
    if values.shape[1] < 2:
        return mean, mean, mean
    low, high = np.empty_like(mean), np.empty_like(mean)
    for start in range(0, len(values), BOOTSTRAP_ROWS):  # bounded memory
        rows = slice(start, start + BOOTSTRAP_ROWS)
        ci = stats.bootstrap((values[rows],), np.mean, axis=1, vectorized=True,
                             method="percentile", confidence_level=LEVEL,
                             n_resamples=BOOTSTRAP_RESAMPLES,
                             rng=np.random.default_rng(BOOTSTRAP_SEED)).confidence_interval
        low[rows], high[rows] = ci.low, ci.high
    # a row of identical values has no spread to resample
    return mean, np.minimum(low, mean), np.maximum(high, mean)


def summarize(runs: pd.DataFrame, varied: list[str], replicates: int) -> pd.DataFrame:
    """Tidy: one row per design point, sector and outcome, with mean, ci_low, ci_high,
    pi_low, pi_high, n and the method of the mean's interval. ``runs`` holds every run
    of the design (no failures)."""
    runs = runs.sort_values(["point", "replicate"])
    points = runs.groupby("point", sort=True).first()[varied].reset_index()
    frames = []
    for column in OUTCOME_COLUMNS:
        if column not in runs or runs[column].isna().all():
            continue
        values = runs[column].to_numpy(dtype=float).reshape(-1, replicates)
        sector, _, outcome = column.rpartition(".")
        interval = bootstrap_interval if is_share(column) else t_interval
        counts = (~np.isnan(values)).sum(axis=1)  # NaN: over nobody in that run
        for n in np.unique(counts[counts > 0]):
            rows = counts == n
            kept = values[rows][~np.isnan(values[rows])].reshape(-1, n)
            mean, low, high = interval(kept)
            pi_low, pi_high = np.quantile(kept, [(1 - LEVEL) / 2, (1 + LEVEL) / 2], axis=1)
            frames.append(points[rows].assign(
                sector=sector or "all", outcome=outcome, mean=mean, ci_low=low,
                ci_high=high, pi_low=pi_low, pi_high=pi_high, n=n,
                interval="none" if n < 2 else "bootstrap" if is_share(column) else "t"))
    table = pd.concat(frames, ignore_index=True)
    order = {c: i for i, c in enumerate(OUTCOME_COLUMNS)}
    table["_order"] = [order[o if s == "all" else f"{s}.{o}"]
                       for s, o in zip(table["sector"], table["outcome"])]
    return table.sort_values(["point", "_order"], kind="stable").drop(columns="_order") \
        .reset_index(drop=True)
