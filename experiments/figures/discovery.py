"""Figure 9: scenario discovery. Where more than half of the workforce is sent home:
PRIM's trade-off between coverage and density, and the runs over the inputs of the box
it reports (boxes found by the sweep, sim/discovery.py; this script only draws them)."""

from sim.discovery import figure, question

EXPERIMENT = "discovery"


def plot(data):
    provenance = data["provenance"]
    return figure(data["runs"], data["boxes"], data["peeling"],
                  question(provenance["discover"]), provenance["sample"]["bounds"])
