"""quotasim: an agent-based model of North Korean workers abroad under state quotas."""

__version__ = "0.5.0"

# The Python API, imported on first use so that `quotasim --version` stays instant:
#   QuotaModel, simulate                  one scenario (sim.model)
#   QuotaScenario                         the checked parameters (sim.scenario)
#   load_experiment, experiment_from_dict an experiment from TOML or a dict (sim.experiment)
#   run_experiment                        its runs, in memory or into a folder (sim.runner)
#   load_results                          stored results as pandas tables (sim.results)
_API = {
    "QuotaModel": "sim.model", "simulate": "sim.model", "QuotaScenario": "sim.scenario",
    "load_experiment": "sim.experiment", "experiment_from_dict": "sim.experiment",
    "run_experiment": "sim.runner", "load_results": "sim.results",
}
__all__ = ["__version__", *_API]


def __getattr__(name: str):
    if name in _API:
        import importlib

        return getattr(importlib.import_module(_API[name]), name)
    raise AttributeError(f"module 'sim' has no attribute {name!r}")
