import numpy as np
import pytest

from sim.model import QuotaModel
from sim.scenario import load_preset, make_scenario


def preset(name: str, **overrides) -> dict:
    params, _ = load_preset(name)
    params.update(overrides)
    return params


def run_model(params: dict, seed: int = 1, **kwargs) -> QuotaModel:
    return QuotaModel(make_scenario(params, seed=seed), worker_agents=False, **kwargs).run()


def sector_rows(model: QuotaModel, key: str) -> np.ndarray:
    from sim.sectors import SECTOR_KEYS

    return model.workers.sector == SECTOR_KEYS.index(key)


@pytest.fixture
def russia():
    return preset("russia-2021", n_workers=2000)
