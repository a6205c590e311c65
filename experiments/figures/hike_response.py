"""Figure 1: share of workers sent home and share missing their savings goal against the
size of the hike, by sector (the mean, and where 95% of the runs fall: over the seeds,
and over the calibrated posterior's draws when the experiment names one, as its legend
says), reported hikes marked."""

from sim.plotting import shares_against_hike

EXPERIMENT = "hike_sweep"


def plot(data):
    return shares_against_hike(data, interval="pi")
