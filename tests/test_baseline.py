"""The v1 structure reproduces its committed baseline exactly.

tests/baselines/v1.json holds `quotasim run --json` for both founding presets and three
seeds, each with the full parameter set it ran with, recorded from commit f9754b0 (the
model before the dispatching firm). It is never refreshed: any later structure must
give these numbers, to the last bit, when its parameters are set back to these."""

import json
from pathlib import Path

import pytest

from sim.model import simulate

BASELINE = json.loads((Path(__file__).parent / "baselines" / "v1.json").read_text())


@pytest.mark.parametrize("entry", BASELINE["runs"],
                         ids=[f"{e['preset']}-seed{e['seed']}" for e in BASELINE["runs"]])
def test_v1_structure_matches_its_baseline(entry):
    assert simulate(entry["params"], seed=entry["seed"]).outcomes == entry["outcomes"]
