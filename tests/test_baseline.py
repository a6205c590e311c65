"""The v1 structure reproduces its committed baseline exactly.

tests/baselines/v1.json holds `quotasim run --json` for both founding presets and three
seeds, each with the full parameter set it ran with, recorded from commit f9754b0 (the
model before the dispatching firm). It is never refreshed: the founding structure
(``V1_STRUCTURE``) with those parameters must give every one of those numbers, to the
last bit; outcomes added since are not in it."""

import json
from pathlib import Path

import pytest

from sim.model import simulate
from sim.scenario import V1_STRUCTURE

BASELINE = json.loads((Path(__file__).parent / "baselines" / "v1.json").read_text())


def recorded_keys(now: dict, then: dict) -> dict:
    kept = {k: now[k] for k in then if k != "by_sector"}
    kept["by_sector"] = {s: {k: now["by_sector"][s][k] for k in values}
                         for s, values in then["by_sector"].items()}
    return kept


@pytest.mark.parametrize("entry", BASELINE["runs"],
                         ids=[f"{e['preset']}-seed{e['seed']}" for e in BASELINE["runs"]])
def test_v1_structure_matches_its_baseline(entry):
    params = {**entry["params"], **V1_STRUCTURE}
    now = simulate(params, seed=entry["seed"]).outcomes
    assert set(now["by_sector"]) == set(entry["outcomes"]["by_sector"])
    assert recorded_keys(now, entry["outcomes"]) == entry["outcomes"]
