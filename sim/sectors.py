"""The four sector-sites: currencies, quota units and seasonal calendars.

These are the structural facts (which months a sector works, which currency it pays
and levies in); every number that could be swept is a parameter in ``scenario.py``.
"""

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Sector:
    key: str
    label: str
    currency: str  # of wages and living costs: "RUB" or "CNY"
    quota_currency: str  # "USD", "RUB" or "CNY"
    quota_months: int  # the reported quota covers this many months (12 = per year)
    side_work: str  # "berries" or "odd_jobs" on days without main work


SECTORS = (
    # Daily NK 2021 gives the Russian quotas in USD per year.
    Sector("construction_rfe", "Construction, Russian Far East", "RUB", "USD", 12, "odd_jobs"),
    # HNGN 2025 gives the Sakhalin quota in roubles per month.
    Sector("construction_sakhalin", "Construction, Sakhalin", "RUB", "RUB", 1, "odd_jobs"),
    Sector("logging_rfe", "Logging, Russian Far East", "RUB", "USD", 12, "berries"),
    # HNGN 2025 gives the Dalian quota in yuan per month.
    Sector("seafood_dalian", "Seafood processing, Dalian", "CNY", "CNY", 1, "odd_jobs"),
)
SECTOR_KEYS = tuple(s.key for s in SECTORS)

WINTER = (12, 1, 2)  # construction slows: a share of days is lost (winter_days_lost)
LOGGING = (11, 12, 1, 2, 3, 4)  # Daily NK 2021: logging runs November-April only
MORATORIUM = (5, 6, 7, 8)  # China's summer fishing ban thins the plants' supply


def season(params: dict) -> np.ndarray:
    """Share of normal workdays each sector can work, by calendar month.

    Returns an array of shape (4 sectors, 13), indexed by calendar month 1-12 (column 0
    unused).
    """
    share = np.ones((len(SECTORS), 13))
    for month in WINTER:
        share[0, month] = share[1, month] = 1 - params["winter_days_lost"]
    share[2, :] = 0.0
    share[2, list(LOGGING)] = 1.0
    share[3, list(MORATORIUM)] = params["seafood_lowseason_days"]
    return share


def in_berry_season(params: dict, calendar_month: int) -> bool:
    """Whether bog bilberries can be picked in this calendar month."""
    offset = (calendar_month - params["berry_season_start"]) % 12
    return offset < params["berry_season_months"]
