"""Calendar time: the tables a run in history reads, turned into arrays over the run's
months and sectors.

Four tables, each the package's own (``sim/data``, built from FACTS.md; each file says
how in its header) or a user's CSV with the same columns:

- the dispatch schedule (``dispatch_schedule``): the stock abroad at the start and the
  workers who arrive each month, by site, in reported workers;
- events (``events``): border closures, and host-country withdrawals of a share of a
  site's workers;
- the rouble (``fx_series``): RUB per USD, month by month;
- the quota history (``quota_history``): each sector's quota level from a month on, and
  one-off levies.

Months are written ``YYYY-MM``. Every reader checks its table once, and a bad one (a
missing column or month, text for a number, a negative rate, an unknown sector) is a
``ScenarioError`` of one line that names the file and the line.
"""

import functools
from pathlib import Path
from typing import NamedTuple

import numpy as np
import pandas as pd

from sim.scenario import ScenarioError
from sim.sectors import SECTOR_KEYS, SECTORS

DATA = Path(__file__).parent / "data"

# table parameter -> (file name pattern of the package's own tables, their names)
BUILTIN = {
    "dispatch_schedule": ("dispatch-{}.csv", ("russia", "china")),
    "events": ("events-{}.csv", ("russia", "china")),
    "fx_series": ("rub_per_usd.csv", ("builtin",)),
    "quota_history": ("quota_history.csv", ("builtin",)),
}

# the columns each table must have -> how each is read
COLUMNS = {
    "dispatch_schedule": {"month": "month", "sector": "sector", "kind": ("stock", "arrivals"),
                          "workers": "count"},
    "events": {"kind": ("closure", "withdrawal"), "sector": "sector", "start": "month",
               "end": "month?", "share": "share?"},
    "fx_series": {"month": "month", "rub_per_usd": "rate"},
    "quota_history": {"month": "month", "sector": "sector", "kind": ("quota", "levy"),
                      "amount": "count", "currency": ("USD", "RUB", "CNY"),
                      "period_months": "rate"},
}


def month_number(year: int, month: int) -> int:
    """A calendar month as a count of months since year 0."""
    return year * 12 + month - 1


def month_label(number: int) -> str:
    """``YYYY-MM`` of a count of months since year 0."""
    return f"{number // 12:04d}-{number % 12 + 1:02d}"


def start_number(p: dict) -> int:
    """The run's first month, as a count of months since year 0."""
    return month_number(p["start_year"], p["start_month"])


def table_path(name: str, value: str) -> Path:
    """The file a table parameter names: one of the package's, or a path."""
    pattern, names = BUILTIN[name]
    if value in names:
        return DATA / pattern.format(value)
    path = Path(value)
    if not path.suffix == ".csv":
        raise ScenarioError(f"{name} must be one of {', '.join(names)} or a .csv file, "
                            f"not {value!r}")
    return path


def read(name: str, value: str) -> pd.DataFrame:
    """The table a parameter names, checked; months as counts since year 0."""
    path = table_path(name, value)
    try:
        stamp = path.stat().st_mtime_ns
    except FileNotFoundError:
        raise ScenarioError(f"{name}: no such file: {path}") from None
    except OSError as e:
        raise ScenarioError(f"{name}: cannot read {path}: {e.strerror}") from None
    return _read(name, str(path), stamp).copy()


@functools.lru_cache(maxsize=32)
def _read(name: str, path: str, stamp: int) -> pd.DataFrame:
    try:
        raw = pd.read_csv(path, comment="#", dtype=str, keep_default_na=False,
                          skipinitialspace=True)
    except (pd.errors.ParserError, UnicodeDecodeError, IsADirectoryError) as e:
        raise ScenarioError(f"{path} is not a readable CSV table: "
                            f"{str(e).splitlines()[0]}") from None
    except pd.errors.EmptyDataError:
        raise ScenarioError(f"{path} is empty") from None
    missing = [c for c in COLUMNS[name] if c not in raw.columns]
    if missing:
        raise ScenarioError(f"{path} lacks the column(s) {', '.join(missing)} "
                            f"(it needs {', '.join(COLUMNS[name])})")
    table = pd.DataFrame(index=raw.index)
    # the line in the file of each row, for errors: rows follow the header and comments
    lines = _data_lines(path)
    for column, kind in COLUMNS[name].items():
        values = [_cell(path, lines[i], column, kind, text)
                  for i, text in enumerate(raw[column].str.strip())]
        # optional cells stay None, and months whole numbers
        table[column] = pd.Series(values, index=raw.index,
                                  dtype=object if _optional(kind) else None)
    return table


def _optional(kind) -> bool:
    return isinstance(kind, str) and kind.endswith("?")


def _data_lines(path: str) -> list[int]:
    with open(path, encoding="utf-8", errors="replace") as f:
        numbers = [n for n, line in enumerate(f, 1)
                   if line.strip() and not line.lstrip().startswith("#")]
    return numbers[1:]


def _cell(path: str, line: int, column: str, kind, text: str):
    def bad(what):
        return ScenarioError(f"{path}, line {line}: {column} must be {what}, not {text!r}")
    if isinstance(kind, tuple):
        if text not in kind:
            raise bad(f"one of {', '.join(kind)}")
        return text
    if _optional(kind) and not text:
        return None
    kind = kind.rstrip("?")
    if kind == "month":
        try:
            year, month = (int(part) for part in text.split("-"))
        except ValueError:
            raise bad("a month written YYYY-MM") from None
        if not (1 <= month <= 12 and 1900 <= year <= 2200):
            raise bad("a month written YYYY-MM")
        return month_number(year, month)
    if kind == "sector":
        if text not in SECTOR_KEYS:
            raise bad(f"one of {', '.join(SECTOR_KEYS)}")
        return text
    try:
        value = float(text)
    except ValueError:
        raise bad("a number") from None
    if not np.isfinite(value) or value < 0 or (kind == "rate" and value == 0):
        raise bad("a positive number" if kind == "rate" else "a number >= 0")
    if kind == "share" and value > 1:
        raise bad("a share from 0 to 1")
    return value


def check(p: dict) -> None:
    """Every table the scenario uses reads, and covers the run: once, when the scenario
    is made."""
    from sim.scenario import MAX_MONTHS, run_months
    months = run_months(p)
    if p["end_year"] and months < 1:
        raise ScenarioError("end_year and end_month must not come before start_year and "
                            "start_month")
    if months > MAX_MONTHS:
        raise ScenarioError(f"the run from start to end is {months:,} months; at most "
                            f"{MAX_MONTHS:,}")
    if p["fx_path"] == "series":
        rouble(p, months)
    if p["quota_schedule"] == "history":
        read("quota_history", p["quota_history"])
    if p["events"] != "none":
        Events.of(p, months)
    if p["arrivals"] == "schedule":
        Dispatch.of(p, months)


def rouble(p: dict, months: int) -> np.ndarray:
    """RUB per USD in each month of the run, and the month after (``fx_series``)."""
    table = read("fx_series", p["fx_series"])
    duplicated = table["month"][table["month"].duplicated()]
    if len(duplicated):
        raise ScenarioError(f"fx_series: {month_label(duplicated.iloc[0])} appears twice")
    rates = dict(zip(table["month"], table["rub_per_usd"]))
    wanted = start_number(p) + np.arange(months + 1)
    missing = [m for m in wanted[:-1] if m not in rates]
    if missing:
        raise ScenarioError(f"fx_series has no rate for {month_label(missing[0])} "
                            f"({len(missing)} month(s) of the run missing)")
    # the month after the run, for the last month's record, holds the last rate
    return np.array([rates.get(m, rates[wanted[-2]]) for m in wanted], dtype=float)


def quota_levels(p: dict, months: int) -> tuple[dict, list]:
    """The quotas as scheduled over the run (and the month after): for each sector, the
    level in force each month as (amount per month, currency) arrays; and the levies as
    (month, sector, amount, currency). Under ``quota_schedule = "history"`` the quota
    history's, its ``quota_*`` parameter before a sector's first row; under "hike" the
    ``quota_*`` parameters throughout, and no levies (the hike itself is
    ``economy.quota_factor``)."""
    table = read("quota_history", p["quota_history"]) if p["quota_schedule"] == "history" \
        else pd.DataFrame({column: [] for column in COLUMNS["quota_history"]})
    table = table.sort_values("month", kind="stable")
    start = start_number(p)
    levels, levies = {}, []
    for s in SECTORS:
        rows = table[table["sector"] == s.key]
        quota = rows[rows["kind"] == "quota"]
        amount = np.full(months + 1, p[f"quota_{s.key}"] / s.quota_months)
        currency = np.full(months + 1, s.quota_currency, dtype=object)
        for row in quota.itertuples():
            since = max(row.month - start, 0)
            if since <= months:
                amount[since:] = row.amount / row.period_months
                currency[since:] = row.currency
        levels[s.key] = (amount, currency)
        for row in rows[rows["kind"] == "levy"].itertuples():
            if 0 <= row.month - start < months:
                levies.append((row.month - start, s.key, row.amount, row.currency))
    return levels, levies


class Events(NamedTuple):
    """The events over the run: the border open (1) or closed (0), and the share of a
    site's workers its host withdraws, each months x sectors."""

    border_open: np.ndarray
    withdrawal: np.ndarray

    @classmethod
    def none(cls, months: int) -> "Events":
        return cls(np.ones((months, len(SECTORS))), np.zeros((months, len(SECTORS))))

    @classmethod
    def of(cls, p: dict, months: int) -> "Events":
        events = cls.none(months)
        if p["events"] == "none":
            return events
        start = start_number(p)
        for row in read("events", p["events"]).itertuples():
            s = SECTOR_KEYS.index(row.sector)
            first = row.start - start
            if row.kind == "closure":
                if row.end is None or row.end < row.start:
                    raise ScenarioError(f"events: the closure of {row.sector} from "
                                        f"{month_label(row.start)} needs an end after it")
                events.border_open[max(first, 0):max(row.end - start + 1, 0), s] = 0.0
            elif 0 <= first < months:
                if row.share is None:
                    raise ScenarioError(f"events: the withdrawal from {row.sector} in "
                                        f"{month_label(row.start)} needs a share")
                events.withdrawal[first, s] = row.share
        return events


class Dispatch(NamedTuple):
    """The dispatch schedule over the run, in the run's workers (``dispatch_scale`` of
    the reported ones, rounded so that the totals add up): the stock abroad at the start
    by sector, and the arrivals in each month, months x sectors."""

    stock: np.ndarray
    arrivals: np.ndarray

    @classmethod
    def of(cls, p: dict, months: int) -> "Dispatch":
        table = read("dispatch_schedule", p["dispatch_schedule"])
        start = start_number(p)
        stock = np.zeros(len(SECTORS))
        arrivals = np.zeros((months, len(SECTORS)))
        for s, key in enumerate(SECTOR_KEYS):
            rows = table[table["sector"] == key]
            stocks = rows[(rows["kind"] == "stock") & (rows["month"] <= start)]
            since = stocks["month"].max() if len(stocks) else -1
            stock[s] = stocks[stocks["month"] == since]["workers"].sum()
            between = rows[(rows["kind"] == "arrivals") & (rows["month"] > since)
                           & (rows["month"] < start)]
            if len(stocks) and since < start and len(between):
                # who came and went since the count is not known: not guessed
                raise ScenarioError(
                    f"dispatch_schedule counts the stock of {key} in {month_label(since)}, "
                    f"before the start ({month_label(start)}), with arrivals in between: "
                    f"start at {month_label(since)} or add a stock row for the start")
            arriving = rows[(rows["kind"] == "arrivals") & (rows["month"] >= start)
                            & (rows["month"] < start + months)]
            np.add.at(arrivals[:, s], (arriving["month"] - start).to_numpy(dtype=int),
                      arriving["workers"].to_numpy(dtype=float))
        scaled = _rounded(np.vstack([stock, arrivals]) * p["dispatch_scale"])
        if not scaled.sum():
            raise ScenarioError(f"dispatch_schedule {p['dispatch_schedule']!r} brings nobody "
                                f"to the run from {month_label(start)}, at dispatch_scale "
                                f"{p['dispatch_scale']:g}")
        return cls(scaled[0], scaled[1:])


def _rounded(workers: np.ndarray) -> np.ndarray:
    """Whole workers, month by month, whose running totals stay within half a worker of
    the exact ones (column by column)."""
    totals = np.floor(np.cumsum(workers, axis=0) + 0.5)
    return np.diff(totals, axis=0, prepend=0).astype(np.int64)
