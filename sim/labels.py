"""What figures and sentences call things: sectors, outcomes and parameters, with their
units, in one place (the parameters' names are their ``Param.label`` in the scenario,
the outcomes' meanings ``sim.metrics.OUTCOMES``).

No figure or sentence writes a name of its own: an axis is ``axis_label("hike")``
("Quota hike (%)"), a panel ``outcome_axis("share_sent_home")`` ("Sent home early
(share)"), a threshold ``amount(name, value)`` or ``outcome_amount(name, value)``.
"""

import re

from sim.metrics import OUTCOMES, SHARE_OUTCOMES
from sim.scenario import SPECS, plain_name
from sim.sectors import SECTORS

SECTOR_LABELS = {s.key: s.label for s in SECTORS}
# short titles of the outcomes the figures show (others: their meaning, to a comma)
OUTCOME_TITLES = {
    "share_sent_home": "Sent home early",
    "share_missed_goal": "Missing their savings goal",
    "revenue_per_worker_year_usd": "State revenue per worker-year",
    "revenue_per_slot_year_usd": "State revenue per slot-year",
}
PERCENT_UNITS = ("share", "fraction", "probability")  # parameters drawn and told in %
# "1/month": a monthly chance, told in percent a month
PER = {"1/month": " a month", "share/month": " a month", "fraction/year": " a year"}


def percent(value: float, sign: bool = False, digits: int = 3) -> str:
    """A share in percent to ``digits`` significant figures, never rounded to nothing:
    0.5 -> "50%", 0.001 -> "0.1%", 3e-5 -> "0.003%"."""
    text = f"{value * 100:{'+' if sign else ''}.{digits}g}"
    return f"{_expand(text)}%"


def number(value: float, digits: int = 3) -> str:
    """A plain number to ``digits`` significant figures, thousands separated (1,000 and
    more written whole): 76456.3 -> "76,456", 0.25 -> "0.25", 3e-5 -> "0.00003"."""
    if abs(value) >= 1000:
        return f"{value:,.0f}"
    return _expand(f"{value:.{digits}g}")


def _expand(text: str) -> str:
    """"3e-05" written out: "0.00003"."""
    if "e" not in text:
        return text
    return f"{float(text):.12f}".rstrip("0").rstrip(".")


def outcome_title(name: str) -> str:
    """A figure's title for an outcome: "Sent home early"."""
    return OUTCOME_TITLES.get(name) or _capital(OUTCOMES[name].split(",")[0])


def outcome_unit(name: str) -> str:
    """An outcome's unit: "share", "USD", "hours a day", or "" for a plain number."""
    if name in SHARE_OUTCOMES:
        return "share"
    if name.endswith("_usd"):
        return "USD"
    return {"mean_hours_per_day": "hours a day", "berry_kg_needed_per_month": "kg"}.get(
        name, "")


def outcome_axis(name: str) -> str:
    """An axis or panel label for an outcome: "Sent home early (share)"."""
    unit = outcome_unit(name)
    return f"{outcome_title(name)} ({unit})" if unit else outcome_title(name)


def outcome_words(name: str) -> str:
    """An outcome in a sentence: its meaning up to a comma ("share of workers sent home
    early"), without the unit, which ``outcome_amount`` writes."""
    return re.split(r",", OUTCOMES[name])[0]


def outcome_amount(name: str, value: float) -> str:
    """A threshold on an outcome with its unit, as given (six significant figures):
    "50%", "0.1%", "1,000 USD", "15.5 hours a day"."""
    unit = outcome_unit(name)
    if unit == "share":
        return percent(value, digits=6)
    return f"{number(value, digits=6)} {unit}".strip()


def in_percent(name: str) -> bool:
    """Whether a parameter is told (and drawn) in percent: shares, fractions, chances."""
    unit = SPECS[name].unit
    return unit in PERCENT_UNITS or unit in PER


def amount(name: str, value: float) -> str:
    """A parameter's value with its unit, as a reader would write it: "+35%",
    "76,456 RUB a month", "0.003% a month", "month 4 after arrival"."""
    unit = SPECS[name].unit
    if name == "hike":
        return percent(value, sign=True)
    if in_percent(name):
        return percent(value) + PER.get(unit, "")
    if unit == "month":  # counted from arrival
        return f"month {number(value)} after arrival"
    if unit == "month 1-12":
        return f"calendar month {number(value)}"
    if unit.startswith("x "):
        return f"{number(value)} times the {unit[2:]}"
    if re.fullmatch(r"[A-Z]{3}/USD", unit):
        return f"{number(value)} {unit[:3]} per USD"
    if not unit or unit == "year":
        return number(value)
    return f"{number(value)} {unit.replace('/', ' a ')}"


def axis_label(name: str) -> str:
    """A parameter's plain name and unit, for an axis: "Quota hike (%)"."""
    unit = SPECS[name].unit
    if in_percent(name):
        unit = "%" + PER.get(unit, "")
    return f"{plain_name(name)} ({unit})" if unit else plain_name(name)


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]
