"""`quotasim calibrate` (ABC-SMC with pyabc) and posterior-predictive sweeps: on patterns
the model made itself at known values, a small calibration puts the truth inside its 90%
interval and prefers the structure that made them; an interrupted calibration continues;
a posterior sweep is deterministic and its band covers parameter uncertainty; bad priors
and posterior files are one line."""

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim.calibrate import Budget, Prior, calibrate, load_priors
from sim.cli import main
from sim.experiment import experiment_from_dict
from sim.patterns import Pattern, pattern_values
from sim.runner import run_experiment
from sim.scenario import V1_STRUCTURE

TRUTH = {"settlement_deduction_share": 0.5, "berry_price_rub": 200.0}
PRIORS = [Prior("settlement_deduction_share", 0.1, 0.7, "test"),
          Prior("berry_price_rub", 100.0, 300.0, "test")]
SMALL = {"n_workers": 400}
# name -> (reading, unit of distance as a share of the value): tight for the readings the
# parameters fix, loose for the counts that vary from seed to seed (escapes: +-40% at 400
# workers)
READS = {"settlement": ("payout_share_of_large_ledgers", 0.02),
         "berries": ("by_sector.logging_rfe.berry_kg_needed_per_month", 0.02),
         "escapes": ("escapes_per_worker_year", 0.5), "sent_home": ("share_sent_home", 0.2)}
STRUCTURES = {"firm-teams-escapes": {}, "v1-worker-levy": V1_STRUCTURE}


def synthetic_patterns() -> list[Pattern]:
    """Patterns made by the default structure at ``TRUTH`` (one seed), each a range of
    +-5% around what it gave."""
    shell = [Pattern(name, "synthetic", "the model", "russia-2021", SMALL, None, (path,),
                     None, 0.0, 1.0, 1.0, False, False, True, "")
             for name, (path, _) in READS.items()]
    made = pattern_values(shell, {}, seed=11, params=TRUTH)
    return [Pattern(p.name, p.fact, p.source, p.scenario, p.set, None, p.reads, None,
                    made[p.name] * 0.95, made[p.name] * 1.05,
                    made[p.name] * READS[p.name][1], False, False, True, "")
            for p in shell]


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory):
    out = tmp_path_factory.mktemp("calibration")
    record = calibrate(synthetic_patterns(), PRIORS, out, structures=STRUCTURES,
                       budget=Budget(population_size=40, populations=6, simulations=2000),
                       executor="serial", seed=5)
    return out, record


@pytest.mark.slow
def test_calibration_recovers_the_values_that_made_the_patterns(synthetic):
    _, record = synthetic
    assert record["structure"] == "firm-teams-escapes"
    for name, true in TRUTH.items():
        q = record["posterior_90"][name]
        assert q["q05"] <= true <= q["q95"], (name, q)
    # and learns something: the interval is narrower than the prior
    for prior in PRIORS:
        q = record["posterior_90"][prior.name]
        assert q["q95"] - q["q05"] < 0.5 * (prior.high - prior.low), (prior.name, q)


@pytest.mark.slow
def test_model_selection_prefers_the_structure_that_made_the_data(synthetic):
    _, record = synthetic
    p = record["structure_probabilities"]
    assert p["firm-teams-escapes"] > p["v1-worker-levy"]


@pytest.mark.slow
def test_the_outputs_carry_their_provenance(synthetic):
    out, record = synthetic
    posterior = pd.read_csv(out / "posterior.csv")
    assert list(posterior.columns) == ["weight", *(p.name for p in PRIORS)]
    assert posterior["weight"].sum() == pytest.approx(1.0)
    stored = json.loads((out / "posterior.json").read_text())
    assert stored["settings"]["seed"] == 5 and stored["reproducible"]
    assert {"model_fingerprint", "versions", "simulations", "acceptance_rates"} <= set(stored)
    assert len(stored["acceptance_rates"]) == stored["populations"] == 6
    assert (out / "marginals.png").exists() and (out / "structures.csv").exists()


@pytest.mark.slow
def test_an_interrupted_calibration_continues_where_it_stopped(tmp_path):
    patterns = synthetic_patterns()[:2]
    args = dict(structures={"firm-teams-escapes": {}}, executor="serial", seed=9)
    first = calibrate(patterns, PRIORS, tmp_path, budget=Budget(30, 2, 10_000), **args)
    # the same command with a larger budget runs only the populations still to do
    more = calibrate(patterns, PRIORS, tmp_path, budget=Budget(30, 3, 10_000), **args)
    assert more["populations"] == 3
    assert more["epsilons"][:2] == first["epsilons"]
    assert more["simulations"] > first["simulations"]
    # and once it is done, the same command adds nothing
    again = calibrate(patterns, PRIORS, tmp_path, budget=Budget(30, 3, 10_000), **args)
    assert again["simulations"] == more["simulations"] and again["populations"] == 3
    # other settings in the same folder are refused rather than mixed
    with pytest.raises(ValueError, match="holds another calibration"):
        calibrate(patterns, PRIORS, tmp_path, budget=Budget(31, 3, 10_000), **args)


# --- posterior-predictive sweeps ----------------------------------------------------

def posterior_file(folder: Path) -> Path:
    rng = np.random.default_rng(0)
    table = pd.DataFrame({"weight": rng.uniform(0.5, 1.0, 25),
                          "settlement_deduction_share": rng.uniform(0.2, 0.6, 25),
                          "living_cost_usd": rng.uniform(60, 180, 25)})
    path = folder / "posterior.csv"
    table.to_csv(path, index=False)
    return path


def sweep(folder: Path, **extra):
    doc = {"replicates": 12, "root_seed": 3, "fixed": {"n_workers": 200},
           "vary": {"hike": [0.0, 0.5]}, **extra}
    return run_experiment(experiment_from_dict(doc, name="pp", folder=folder))


def test_a_posterior_sweep_is_deterministic_and_its_band_covers_the_parameters(tmp_path):
    posterior_file(tmp_path)
    first = sweep(tmp_path, posterior="posterior.csv")
    again = sweep(tmp_path, posterior="posterior.csv")
    pd.testing.assert_frame_equal(first.summary, again.summary)
    assert first.provenance["posterior"]["draws"] == again.provenance["posterior"]["draws"]
    seeds_only = sweep(tmp_path)
    for name in ("median_take_home_usd", "share_missed_goal"):
        def width(result):
            rows = result.summary[(result.summary["outcome"] == name)
                                  & (result.summary["sector"] == "all")]
            return (rows["pi_high"] - rows["pi_low"]).to_numpy()
        assert (width(first) >= width(seeds_only)).all(), name
        assert (width(first) > width(seeds_only)).any(), name


def test_each_replicate_draws_its_row_from_the_posterior(tmp_path):
    path = posterior_file(tmp_path)
    exp = experiment_from_dict({"replicates": 6, "fixed": {"n_workers": 100},
                                "vary": {"hike": [0.0, 0.5]}, "posterior": path.name},
                               folder=tmp_path)
    table = pd.read_csv(path)
    draws = exp.posterior["draws"][0]
    assert len(exp.posterior["draws"]) == 1  # common random numbers: one set for all
    for run in exp.runs:
        row = table.iloc[draws[run.replicate]]
        assert run.params["living_cost_usd"] == row["living_cost_usd"]
    # with common random numbers, replicate r runs the same draw at every hike
    by = {(r.point, r.replicate): r.params["living_cost_usd"] for r in exp.runs}
    assert all(by[0, r] == by[1, r] for r in range(6))
    # without them, each point draws its own
    own = experiment_from_dict({"replicates": 6, "fixed": {"n_workers": 100},
                                "vary": {"hike": [0.0, 0.5]}, "posterior": path.name,
                                "common_random_numbers": False}, folder=tmp_path)
    assert len(own.posterior["draws"]) == 2 and own.posterior["draws"][0] != \
        own.posterior["draws"][1]


@pytest.mark.parametrize("text, says", [
    ("weight,living_cost_usd\n1,-5\n", "out of range"),
    ("weight,colour\n1,5\n", "unknown parameter 'colour'"),
    ("living_cost_usd\n100\n", "a weight column"),
    ("weight,living_cost_usd\n-1,100\n", "weights must be"),
    ("weight,living_cost_usd\ninf,100\n1,90\n", "weights must be"),
    ("weight,living_cost_usd\n", "at least one row"),
])
def test_a_malformed_posterior_file_is_one_line_and_exit_2(tmp_path, capsys, text, says):
    (tmp_path / "posterior.csv").write_text(text)
    spec = tmp_path / "pp.toml"
    spec.write_text('posterior = "posterior.csv"\n[fixed]\nn_workers = 50\n')
    assert main(["sweep", str(spec), "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert says in err and err.count("\n") == 1, err
    assert not (tmp_path / "out").exists()


def test_a_parameter_both_fixed_and_drawn_is_refused(tmp_path, capsys):
    posterior_file(tmp_path)
    spec = tmp_path / "pp.toml"
    spec.write_text('posterior = "posterior.csv"\n[fixed]\nliving_cost_usd = 90\n')
    assert main(["sweep", str(spec)]) == 2
    assert "both set by the experiment and drawn" in capsys.readouterr().err


def test_a_missing_posterior_file_is_one_line(tmp_path, capsys):
    spec = tmp_path / "pp.toml"
    spec.write_text('posterior = "nowhere.csv"\n')
    assert main(["sweep", str(spec)]) == 2
    assert "no such posterior file" in capsys.readouterr().err


# --- priors files --------------------------------------------------------------------

ONE = '[priors.weather_days_lost]\nrange = [0.0, 0.4]\nwhy = "A"\n'


def test_the_shipped_priors_load_and_lie_in_their_parameters_ranges():
    priors = load_priors()
    assert len(priors) >= 8 and all(p.why for p in priors)


@pytest.mark.parametrize("text, says", [
    ("[priors.weather_days_lost\n", "not valid TOML"),
    ("x = 1\n", "holds [priors.NAME] tables"),
    (ONE.replace("weather_days_lost", "weather"), "unknown parameter 'weather'"),
    (ONE.replace("[0.0, 0.4]", "[0.4, 0.0]"), "low < high"),
    (ONE.replace("[0.0, 0.4]", "[0.0, 0.9]"), "leaves the parameter's valid range"),
    (ONE.replace("weather_days_lost", "firm_size"), "any number"),
    (ONE.replace("weather_days_lost", "fx_path"), "any number"),
    (ONE + "colour = 1\n", "a prior is range"),
])
def test_a_malformed_priors_file_is_one_line_and_exit_2(tmp_path, capsys, text, says):
    path = tmp_path / "priors.toml"
    path.write_text(text)
    assert main(["calibrate", "--quick", "--priors", str(path),
                 "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert says in err and err.count("\n") == 1, err
    assert not (tmp_path / "out").exists()


@pytest.mark.slow
def test_a_serial_calibration_is_reproducible_for_its_seed(tmp_path):
    patterns = synthetic_patterns()[:2]
    args = dict(structures=STRUCTURES, budget=Budget(20, 2, 10_000), executor="serial")
    calibrate(patterns, PRIORS, tmp_path / "a", seed=4, **args)
    calibrate(patterns, PRIORS, tmp_path / "b", seed=4, **args)
    calibrate(patterns, PRIORS, tmp_path / "c", seed=5, **args)
    a, b, c = (pd.read_csv(tmp_path / x / "posterior.csv") for x in "abc")
    pd.testing.assert_frame_equal(a, b)
    assert not a.equals(c)


@pytest.mark.slow
@pytest.mark.parametrize("executor", ["processes", "dask"])
def test_the_parallel_samplers_calibrate_too(tmp_path, executor):
    """pyabc's multicore sampler and its Dask sampler (a local cluster here; a
    scheduler's address on a cluster) run the same calibration: not reproducible draw
    for draw, but every particle is a real run that met the threshold. Each runs in a
    fresh process, as from the command line: pyabc's multicore sampler forks, which a
    test process full of other tests' threads should not do."""
    script = f"""
import json, sys
sys.path.insert(0, {str(Path(__file__).parent)!r})
from pathlib import Path
from test_calibrate import PRIORS, Budget, calibrate, synthetic_patterns
record = calibrate(synthetic_patterns()[:2], PRIORS, Path({str(tmp_path)!r}),
                   structures={{"firm-teams-escapes": {{}}}}, budget=Budget(20, 2, 10_000),
                   executor={executor!r}, jobs=2, seed=4)
print(json.dumps(record))
"""
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          check=True)
    record = json.loads(done.stdout.strip().splitlines()[-1])
    assert record["populations"] == 2 and not record["reproducible"]
    assert record["simulations"] >= 40
    assert record["epsilons"][1] <= record["epsilons"][0]
    assert pd.read_csv(tmp_path / "posterior.csv")["weight"].sum() == pytest.approx(1.0)


def test_the_committed_calibration_is_of_the_current_model_patterns_and_priors():
    """results/calibration/, and its posterior copied to experiments/posterior.csv (which
    figures 1 and 2 draw from), are made again whenever the model's code, a fitted
    pattern, a prior or a structure changes (`quotasim calibrate --fresh`)."""
    from sim.calibrate import FULL, ROOT_SEED, calibration_settings
    from sim.patterns import load_patterns
    from sim.scenario import STRUCTURES

    root = Path(__file__).resolve().parent.parent
    committed = json.loads((root / "results" / "calibration" / "settings.json").read_text())
    fitted = [p for p in load_patterns() if p.calibrate]
    assert committed == calibration_settings(fitted, load_priors(), STRUCTURES, FULL,
                                             ROOT_SEED), \
        "the committed calibration is stale: run `quotasim calibrate --fresh`"
    assert (root / "experiments" / "posterior.csv").read_bytes() == \
        (root / "results" / "calibration" / "posterior.csv").read_bytes()
