"""Every colour the figures and the browser view use, in one place: the Okabe-Ito
palette, which colour-blind readers can tell apart, and what each colour stands for."""

OKABE_ITO = {
    "black": "#000000", "orange": "#E69F00", "sky blue": "#56B4E9",
    "bluish green": "#009E73", "yellow": "#F0E442", "blue": "#0072B2",
    "vermillion": "#D55E00", "reddish purple": "#CC79A7", "grey": "#999999",
}
_ = OKABE_ITO

SECTOR = {"construction_rfe": _["blue"], "construction_sakhalin": _["bluish green"],
          "logging_rfe": _["vermillion"], "seafood_dalian": _["reddish purple"]}
NO_HIKE = "0.55"  # a grey for the counterfactual without the hike
HIKE = _["vermillion"]
HIKES = [_["black"], _["blue"], _["vermillion"], _["reddish purple"]]  # several hikes, in order
REFERENCE = "0.4"  # marks: reported hikes, the month a hike starts
GOAL = "0.5"  # savings goals drawn beside take-home pay
FIRST_ORDER, TOTAL = _["blue"], _["orange"]  # Sobol indices
QUOTA_USD, QUOTA_RUB = _["blue"], _["vermillion"]  # exchange-rate groups
# the browser view's worker states
STATUS = {
    "on pace to goal": _["bluish green"],
    "behind goal": _["yellow"],
    "in arrears": _["orange"],
    "sent home for arrears": _["vermillion"],
    "sent home injured": _["blue"],
    "contract completed": _["grey"],
    "escaped": _["black"],
    "sent home with the site": _["reddish purple"],
}
LEDGER = _["bluish green"]
INSIDE, OUTSIDE = _["bluish green"], _["vermillion"]  # a pattern met, or not
BOXES = [_["black"], _["blue"], _["reddish purple"]]  # PRIM's boxes, in the order found
