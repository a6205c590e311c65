"""Calibration by ABC-SMC (``quotasim calibrate``), with pyabc.

The parameters with no source for their value (``sim/data/priors.toml``) get uniform
priors; every rival structure (``scenario.STRUCTURES``) is a model; a particle is one
run of each pattern's scenario at the particle's parameters; its distance is how far its
readings fall outside the reported ranges (``Pattern.distance``: 0 inside, in units of
each pattern's scale outside), summed. The patterns whose numbers fed the model's input
are left out. pyabc's sequential Monte Carlo lowers the threshold population by
population until every particle meets every pattern (distance 0) or a budget runs out;
its model selection gives each structure's posterior probability.

pyabc keeps every population in its own database (``calibration.db``), so the same
command after an interruption continues from the last finished population. Only the
serial executor is reproducible for a seed: pyabc's parallel samplers reseed their
workers.
"""

import functools
import json
import math
import os
import signal
import textwrap
import warnings
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from sim import provenance
from sim.patterns import Pattern, digest, pattern_values
from sim.scenario import (
    DEFAULT_STRUCTURE, SPECS, STRUCTURES, ScenarioError, TYPES, check_name, read_toml,
)

PRIORS_FILE = Path(__file__).parent / "data" / "priors.toml"
ROOT_SEED = 2019  # the year Mesa's calibration issue was opened


@dataclass(frozen=True)
class Budget:
    """How much an ABC-SMC run may do: particles a population, populations, simulations."""

    population_size: int
    populations: int
    simulations: int


QUICK = Budget(population_size=60, populations=6, simulations=1_500)
FULL = Budget(population_size=200, populations=12, simulations=8_000)


@dataclass(frozen=True)
class Prior:
    """A uniform prior on [low, high] and where its bounds come from."""

    name: str
    low: float
    high: float
    why: str


def load_priors(path: str | Path = PRIORS_FILE) -> list[Prior]:
    """The ``[priors.NAME]`` tables of a priors file, each checked, one-line errors."""
    path = Path(path)
    doc = read_toml(path)
    table = doc.get("priors")
    if set(doc) - {"priors"} or not isinstance(table, dict) or not table:
        raise ScenarioError(f"{path}: a priors file holds [priors.NAME] tables and nothing "
                            f"else")
    priors = []
    for name, entry in table.items():
        try:
            priors.append(_prior(name, entry))
        except ScenarioError as e:
            raise ScenarioError(f"{path}: priors.{name}: {e}") from None
    return priors


def _prior(name: str, entry) -> Prior:
    check_name(name)
    if TYPES[name] is not float:
        raise ScenarioError("only parameters that take any number can be calibrated")
    if not isinstance(entry, dict) or set(entry) - {"range", "why"} or "range" not in entry:
        raise ScenarioError("a prior is range = [low, high] and why = \"...\"")
    rng, why = entry["range"], entry.get("why", "")
    if (not isinstance(rng, list) or len(rng) != 2
            or not all(isinstance(x, int | float) and not isinstance(x, bool)
                       and math.isfinite(x) for x in rng) or rng[0] >= rng[1]):
        raise ScenarioError(f"range must be [low, high] with low < high, not {rng!r}")
    spec = SPECS[name]
    if not spec.lo <= rng[0] < rng[1] <= spec.hi:
        raise ScenarioError(f"range {rng} leaves the parameter's valid range "
                            f"[{spec.lo:g}, {spec.hi:g}]")
    if not isinstance(why, str):
        raise ScenarioError("why must be a string")
    return Prior(name, float(rng[0]), float(rng[1]), why)


def _models(patterns, structures):
    import pyabc

    class StructureModel(pyabc.Model):
        """One rival structure: a particle's readings of every pattern, in one run of
        each scenario, seeded from pyabc's random stream."""

        def __init__(self, name, changes):
            super().__init__(name)
            self.changes = changes

        def sample(self, pars):
            seed = int(np.random.randint(2**31 - 1))
            return pattern_values(patterns, self.changes, seed, dict(pars))

    return [StructureModel(name, changes) for name, changes in structures.items()]


def _distance(patterns):
    import pyabc

    class PatternDistance(pyabc.Distance):
        """0 when every reading is inside its range; else the sum of how far outside."""

        def __call__(self, x, x_0, t=None, par=None):
            return float(sum(p.distance(x[p.name]) for p in patterns))

    return PatternDistance()


def _sampler(executor: str, jobs: int | None, scheduler: str | None):
    from pyabc import sampler

    if executor == "serial":
        return sampler.SingleCoreSampler()
    if executor == "processes":
        _quiet_forks()
        return sampler.MulticoreEvalParallelSampler(n_procs=jobs)
    if executor == "dask":
        from distributed import Client, LocalCluster

        cluster = None if scheduler else LocalCluster(n_workers=jobs, threads_per_worker=1,
                                                      processes=True)
        dask = sampler.DaskDistributedSampler(Client(scheduler or cluster), batch_size=4)
        dask.local_cluster = cluster  # closed with the client (pyabc closes the client)
        return dask
    raise ScenarioError(f"--executor must be serial, processes or dask, not {executor!r}")


@functools.cache  # once a process: the hook stays for every later fork
def _quiet_forks():
    """pyabc forks its workers: they leave Ctrl-C to this process and die quietly when it
    ends them, rather than run the command line's handlers."""
    def quiet():
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_DFL)

    os.register_at_fork(after_in_child=quiet)


def calibration_settings(fitted: list[Pattern], priors: list[Prior],
                         structures: dict[str, dict], budget: Budget, seed: int) -> dict:
    """What a calibration is of (``settings.json``), and what a continued one must share
    with the one it continues (a larger budget of populations or simulations may
    continue a smaller one): the patterns fitted, the priors, the structures, the
    population size, the seed and the model's code."""
    settings = {"patterns": [asdict(p) for p in fitted], "priors": [asdict(p) for p in priors],
                "structures": structures, "population_size": budget.population_size,
                "seed": seed, "model_fingerprint": provenance.model_fingerprint()}
    return json.loads(json.dumps(settings))  # as stored: lists for tuples


def calibrate(patterns: list[Pattern], priors: list[Prior], out: Path, *,
              structures: dict[str, dict] | None = None, budget: Budget = QUICK,
              executor: str = "processes", jobs: int | None = None,
              scheduler: str | None = None, seed: int = ROOT_SEED, fresh: bool = False,
              files: dict[str, Path] | None = None, log=lambda message: None) -> dict:
    """Run (or continue) an ABC-SMC calibration into ``out`` and write its results:
    ``posterior.csv`` (the default structure's particles and weights), ``structures.csv``
    (each structure's probability by population), ``marginals.png`` and
    ``posterior.json`` (the record). Returns the record."""
    try:
        import pyabc
    except ImportError:
        raise ScenarioError("calibration needs pyabc: pip install 'quotasim[calibration]'") \
            from None

    structures = STRUCTURES if structures is None else structures
    fitted = [p for p in patterns if p.calibrate]
    if not fitted:
        raise ScenarioError("no pattern to calibrate to: every one fed the model's input "
                            "or is marked calibrate = false")
    settings = calibration_settings(fitted, priors, structures, budget, seed)
    out.mkdir(parents=True, exist_ok=True)
    db, settings_file = out / "calibration.db", out / "settings.json"
    if fresh:
        db.unlink(missing_ok=True)
    resume = db.exists()
    if resume and (not settings_file.exists()
                   or json.loads(settings_file.read_text()) != settings):
        raise ScenarioError(f"{out} holds another calibration (other patterns, priors, "
                            f"structures, population size, seed or model); --fresh "
                            f"starts over")
    settings_file.write_text(json.dumps(settings, indent=2) + "\n")

    prior = pyabc.Distribution(**{p.name: pyabc.RV("uniform", p.low, p.high - p.low)
                                  for p in priors})
    abc = pyabc.ABCSMC(_models(fitted, structures), [prior] * len(structures),
                       _distance(fitted), population_size=budget.population_size,
                       sampler=_sampler(executor, jobs, scheduler))
    np.random.seed(seed)  # pyabc draws from numpy's global stream
    url = f"sqlite:///{db.resolve()}"
    if resume:
        history = abc.load(url, 1)
        done = history.max_t + 1
        log(f"continuing the calibration in {db}: {done} populations done")
        np.random.seed([seed, done])  # a continued run does not replay the first draws
    else:
        history = abc.new(url, {})
        done = 0
    try:
        with warnings.catch_warnings():
            # pyabc's perturbation kernel warns, for every particle, when the particles'
            # covariance is nearly singular (a posterior that has narrowed); numpy draws
            # all the same (forked samplers inherit the filter)
            warnings.filterwarnings("ignore", "covariance is not symmetric", RuntimeWarning)
            finished = done and history.get_all_populations()["epsilon"].iloc[-1] <= 0
            if not finished and done < budget.populations \
                    and history.total_nr_simulations < budget.simulations:
                history = abc.run(minimum_epsilon=0.0,
                                  max_nr_populations=budget.populations - done,
                                  max_total_nr_simulations=budget.simulations)
    finally:
        if hasattr(abc.sampler, "shutdown"):  # a Dask client, and a local cluster
            abc.sampler.shutdown()
            if abc.sampler.local_cluster is not None:
                abc.sampler.local_cluster.close()
    probabilities, posterior = _results(history, list(structures), priors)
    record = _record(history, probabilities, posterior, priors, settings, budget, executor,
                     files or {})
    _write(probabilities, posterior, record, priors, out)
    return record


def _results(history, names: list[str], priors) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Each structure's probability by population (columns named), and the posterior of
    the default structure (or, if it died out, the most probable): ``weight`` and one
    column per parameter, its ``attrs["structure"]`` naming the structure."""
    probabilities = history.get_model_probabilities().reindex(
        columns=range(len(names)), fill_value=0.0)
    probabilities.columns = names
    final = probabilities.iloc[-1]
    chosen = DEFAULT_STRUCTURE if final.get(DEFAULT_STRUCTURE, 0) > 0 else final.idxmax()
    frame, weights = history.get_distribution(m=names.index(chosen))
    posterior = frame[[p.name for p in priors]].reset_index(drop=True)
    posterior.insert(0, "weight", weights / weights.sum())
    posterior.attrs["structure"] = chosen
    return probabilities.rename_axis("population"), posterior


def _record(history, probabilities, posterior, priors, settings, budget, executor,
            files) -> dict:
    from pyabc.weighted_statistics import weighted_quantile

    populations = history.get_all_populations()
    populations = populations[populations["t"] >= 0]
    particles = history.get_nr_particles_per_population()
    intervals = {p.name: {f"q{int(q * 100):02d}": float(weighted_quantile(
        posterior[p.name].to_numpy(), posterior["weight"].to_numpy(), alpha=q))
        for q in (0.05, 0.5, 0.95)} for p in priors}
    return {
        "structure": posterior.attrs["structure"],
        "structure_probabilities": {n: float(p) for n, p in
                                    probabilities.iloc[-1].items()},
        "posterior_90": intervals,
        "populations": int(len(populations)),
        "simulations": int(history.total_nr_simulations),
        "acceptance_rates": [float(particles[t] / n) for t, n in
                             zip(populations["t"], populations["samples"])],
        "epsilons": [float(e) for e in populations["epsilon"]],
        "final_epsilon": float(populations["epsilon"].iloc[-1]),
        "executor": executor,
        # a serial run is reproducible for its seed; one continued after an interruption
        # draws anew from [seed, populations done], so it is reproducible given where
        # it stopped, not equal to an uninterrupted run
        "reproducible": executor == "serial",
        "files": {k: {"path": str(v), "digest": digest(v)} for k, v in files.items()},
        "settings": settings,
        "budget": asdict(budget),
        **provenance.identity(),
    }


def _write(probabilities, posterior, record, priors, out: Path) -> None:
    from sim.plotting import save, style

    posterior.to_csv(out / "posterior.csv", index=False)
    probabilities.to_csv(out / "structures.csv")
    (out / "posterior.json").write_text(json.dumps(record, indent=2) + "\n")
    with style():
        save(marginals(posterior, priors, record), out / "marginals")


def marginals(posterior: pd.DataFrame, priors: list[Prior], record: dict):
    """One panel per parameter: the weighted posterior over its prior's range (the
    prior is flat), with the 90% interval."""
    from sim import colors
    from sim.plotting import plt

    cols = 3
    rows = math.ceil(len(priors) / cols)
    fig, axes = plt.subplots(rows, cols, figsize=(7.0, 2.1 * rows), layout="constrained",
                             squeeze=False)
    for ax, prior in zip(axes.flat, priors):
        ax.hist(posterior[prior.name], bins=20, range=(prior.low, prior.high),
                weights=posterior["weight"], density=True, color=colors.FIRST_ORDER,
                alpha=0.8, label="posterior")
        ax.axhline(1 / (prior.high - prior.low), color=colors.REFERENCE, ls="--", lw=1,
                   label="prior")
        q = record["posterior_90"][prior.name]
        ax.axvspan(q["q05"], q["q95"], color=colors.REFERENCE, alpha=0.12, lw=0,
                   label="90% interval")
        # the parameter's meaning, in two short lines at most: panels sit side by side
        meaning = textwrap.shorten(SPECS[prior.name].doc.split(".")[0], 64, placeholder="...")
        ax.set_title(textwrap.fill(meaning, 34), fontsize=6.5)
        ax.set_xlabel(f"{prior.name} ({SPECS[prior.name].unit})", fontsize=7)
        ax.set_yticks([])
        ax.tick_params(labelsize=7)
    spare = list(axes.flat)[len(priors):]
    for ax in spare:
        ax.axis("off")
    handles, labels = axes.flat[0].get_legend_handles_labels()
    # in an empty panel if there is one, else over the first
    (spare[-1] if spare else axes.flat[0]).legend(handles, labels, fontsize=7,
                                                  loc="center" if spare else "upper right")
    fig.suptitle(f"Posterior of the {record['structure']} structure after "
                 f"{record['simulations']:,} simulations (final threshold "
                 f"{record['final_epsilon']:.3g})", fontsize=8)
    return fig


def read_posterior(path: str | Path) -> pd.DataFrame:
    """A posterior table (``weight`` and one column per parameter), checked: weights
    normalised, every value a valid value of its parameter."""
    from sim.scenario import coerce

    path = Path(path)
    try:
        table = pd.read_csv(path)
    except FileNotFoundError:
        raise ScenarioError(f"no such posterior file: {path}") from None
    except (OSError, ValueError, pd.errors.ParserError) as e:
        raise ScenarioError(f"{path} is not a posterior table (CSV): "
                            f"{str(e).splitlines()[0]}") from None
    if "weight" not in table or len(table.columns) < 2 or table.empty:
        raise ScenarioError(f"{path}: a posterior table has a weight column, one column "
                            f"per parameter and at least one row")
    weights = pd.to_numeric(table["weight"], errors="coerce")
    if not np.isfinite(weights).all() or (weights < 0).any() or weights.sum() <= 0:
        raise ScenarioError(f"{path}: weights must be finite numbers >= 0, not all 0")
    for name in table.columns.drop("weight"):
        try:
            check_name(name)
            table[name] = [coerce(name, v) for v in table[name].tolist()]
        except ScenarioError as e:
            raise ScenarioError(f"{path}: {e}") from None
    return table.assign(weight=weights / weights.sum())
