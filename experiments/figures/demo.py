"""The demo's figure (`make demo`): figure 1 drawn from the small demo sweep."""

from hike_response import plot  # noqa: F401 - the figure this script draws

EXPERIMENT = "demo"
