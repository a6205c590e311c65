"""Figure 7: the share of workers sent home, and missing their savings goals, with and
without side work (berries for loggers, odd jobs for others), against the hike; panels
in figure 1's order."""

from sim.plotting import shares_against_hike

EXPERIMENT = "side_work"


def plot(data):
    summary = data["summary"]
    return shares_against_hike(data, interval="ci", styles=(
        ("with side work", "-", summary["side_work"]),
        ("no side work", "--", ~summary["side_work"])))
