"""Figure 1: share of workers sent home and share missing their savings goal against the
size of the hike, by sector (the mean, and where 95% of the runs fall, each replicate with
its own draw of the calibrated posterior), reported hikes marked."""

from sim.plotting import shares_against_hike

EXPERIMENT = "hike_sweep"


def plot(data):
    return shares_against_hike(data["summary"], interval="pi")
