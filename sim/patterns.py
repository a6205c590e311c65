"""The patterns the sources report, as data (``sim/data/patterns.toml``), and how a run
reads each of them.

A pattern names a scenario (a preset and a few changes), what it reads from the run's
outcomes (``quotasim run --json``: an outcome, ``by_sector.SECTOR.NAME`` or
``by_year.YEAR.NAME``, or the sum of several) and the range the sources report. Patterns
that share a scenario share its runs. ``pattern_values`` runs one structure of the model
on every scenario once, for one seed: what ``quotasim validate`` repeats over seeds and
``quotasim calibrate`` calls for each particle.
"""

import hashlib
import json
import math
from dataclasses import dataclass
from pathlib import Path

from sim.metrics import BY_YEAR, OUTCOMES
from sim.scenario import (
    ScenarioError, TYPES, check_months, coerce, load_preset, read_toml, validate,
)
from sim.sectors import SECTOR_KEYS

PATTERNS_FILE = Path(__file__).parent / "data" / "patterns.toml"
REQUIRED = ("name", "fact", "source", "scenario", "reads", "range")
OPTIONAL = ("set", "months", "per", "scale", "log", "fed_input", "calibrate", "bounds")
# the farthest a reading can be from its range: a reading over nobody (no loggers, no one
# completed) is as far as that; one pattern missed by far does not outweigh the rest
NAN_DISTANCE = 10.0


@dataclass(frozen=True)
class Pattern:
    """One reported pattern, checked."""

    name: str
    fact: str
    source: str
    scenario: str  # a preset name or a scenario .toml file
    set: dict  # parameters changed from the preset
    months: int | None
    reads: tuple[str, ...]  # summed
    per: str | None  # a parameter the reading is divided by
    low: float
    high: float
    scale: float  # a unit of distance outside the range (of log10 values, if log)
    log: bool  # distance on a log scale: for a range over orders of magnitude
    fed_input: bool  # the model's input was built from this number
    calibrate: bool  # fitted by `quotasim calibrate` (never when fed_input)
    bounds: str  # where the range's limits come from

    @property
    def setting(self) -> str:
        """The scenario and months the pattern is read from (shared with others)."""
        return json.dumps([self.scenario, sorted(self.set.items()), self.months])

    def value(self, outcomes: dict, params: dict) -> float:
        """The pattern as the run reads it; NaN where the run has nothing to read (a
        sector or a year it does not hold, an outcome over nobody)."""
        total = sum(read(outcomes, path) for path in self.reads)
        if not self.per:
            return total
        return total / params[self.per] if params[self.per] else math.nan

    def inside(self, value: float) -> bool:
        return self.low <= value <= self.high  # NaN is never inside

    def distance(self, value: float) -> float:
        """0 inside the range, else how far outside it, in units of ``scale``."""
        if math.isnan(value) or self.log and value <= 0:
            return NAN_DISTANCE
        if self.log:
            low, high, value = math.log10(self.low), math.log10(self.high), math.log10(value)
        else:
            low, high = self.low, self.high
        return min(max(low - value, value - high, 0.0) / self.scale, NAN_DISTANCE)


def read(outcomes: dict, path: str) -> float:
    """One number of a run's outcomes by its dotted path; NaN if the run lacks it."""
    value = outcomes
    for key in path.split("."):
        if not isinstance(value, dict) or key not in value:
            return math.nan
        value = value[key]
    return math.nan if value is None else float(value)


def check_path(path) -> str:
    """A path ``read`` understands: an outcome, by_sector.SECTOR.OUTCOME or
    by_year.YEAR.NAME."""
    if not isinstance(path, str):
        raise ScenarioError(f"reads must name outcomes, not {path!r}")
    parts = path.split(".")
    if len(parts) == 1 and parts[0] in OUTCOMES:
        return path
    if len(parts) == 3 and parts[0] == "by_sector" and parts[1] in SECTOR_KEYS \
            and parts[2] in OUTCOMES:
        return path
    if len(parts) == 3 and parts[0] == "by_year" and parts[1].isdigit() \
            and parts[2] in BY_YEAR:
        return path
    raise ScenarioError(f"reads {path!r}: not an outcome, by_sector.SECTOR.OUTCOME or "
                        f"by_year.YEAR.NAME (see 'quotasim run --json')")


def load_patterns(path: str | Path = PATTERNS_FILE) -> list[Pattern]:
    """Every ``[[pattern]]`` of a patterns file, each checked, with one-line errors."""
    path = Path(path)
    doc = read_toml(path)
    entries = doc.get("pattern")
    if set(doc) - {"pattern"} or not isinstance(entries, list) or not entries:
        raise ScenarioError(f"{path}: a patterns file holds [[pattern]] entries and "
                            f"nothing else")
    patterns = []
    for i, entry in enumerate(entries, 1):
        label = entry.get("name", f"number {i}") if isinstance(entry, dict) else f"number {i}"
        try:
            patterns.append(_pattern(entry))
        except ScenarioError as e:
            raise ScenarioError(f"{path}: pattern {label}: {e}") from None
    names = [p.name for p in patterns]
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:
        raise ScenarioError(f"{path}: pattern names must differ: {', '.join(twice)}")
    return patterns


def _pattern(entry) -> Pattern:
    if not isinstance(entry, dict):
        raise ScenarioError("a pattern is a table of keys")
    missing = [k for k in REQUIRED if k not in entry]
    unknown = set(entry) - set(REQUIRED) - set(OPTIONAL)
    if missing or unknown:
        raise ScenarioError(f"missing {', '.join(missing)}" if missing else
                            f"unknown key(s) {', '.join(sorted(unknown))} (allowed: "
                            f"{', '.join(REQUIRED + OPTIONAL)})")
    for key in ("name", "fact", "source", "scenario", "bounds"):
        if not isinstance(entry.get(key, ""), str) or key in REQUIRED and not entry[key]:
            raise ScenarioError(f"{key} must be a non-empty string")
    changes = entry.get("set", {})
    if not isinstance(changes, dict):
        raise ScenarioError("set must be a table of NAME = VALUE")
    changes = {name: coerce(name, value) for name, value in changes.items()}
    months = entry.get("months")
    if months is not None:
        check_months(months)
    validate({**load_preset(entry["scenario"])[0], **changes})  # the scenario runs
    reads = entry["reads"]
    reads = tuple(check_path(p) for p in (reads if isinstance(reads, list) else [reads]))
    if not reads:
        raise ScenarioError("reads names no outcome")
    per = entry.get("per")
    if per is not None and (per not in TYPES or TYPES[per] not in (int, float)):
        raise ScenarioError(f"per must name a numeric parameter, not {per!r}")
    rng = entry["range"]
    if (not isinstance(rng, list) or len(rng) != 2 or not all(_finite(x) for x in rng)
            or rng[0] > rng[1]):
        raise ScenarioError(f"range must be [low, high], two numbers with low <= high, "
                            f"not {rng!r}")
    low, high = map(float, rng)
    log = entry.get("log", False)
    if not isinstance(log, bool) or log and low <= 0:
        raise ScenarioError("log must be true or false, and true only for a range above 0")
    scale = entry.get("scale", math.log10(high / low) if log else high - low)
    if not _finite(scale) or scale <= 0:
        raise ScenarioError("scale must be a number > 0 (a range of one value needs one)")
    fed, fit = entry.get("fed_input", False), entry.get("calibrate", True)
    if not isinstance(fed, bool) or not isinstance(fit, bool):
        raise ScenarioError(f"fed_input and calibrate must be true or false, not "
                            f"{fed!r}, {fit!r}")
    return Pattern(entry["name"], entry["fact"], entry["source"], entry["scenario"], changes,
                   months, reads, per, low, high, float(scale), log, fed, fit and not fed,
                   entry.get("bounds", ""))


def _finite(x) -> bool:
    return isinstance(x, int | float) and not isinstance(x, bool) and math.isfinite(x)


def settings(patterns: list[Pattern]) -> dict[str, tuple[dict, dict, int | None]]:
    """The scenarios the patterns are read from, each once: setting -> (the preset's
    parameters, the pattern's changes, the months)."""
    return {p.setting: (load_preset(p.scenario)[0], p.set, p.months) for p in patterns}


def pattern_values(patterns: list[Pattern], structure: dict, seed: int,
                   params: dict | None = None) -> dict[str, float]:
    """Every pattern's value in one run of each of its scenarios under ``params`` (e.g.
    a particle's) and ``structure`` (the parameter changes that make a rival
    structure), all with the root seed ``seed``."""
    from sim.model import simulate

    values = {}
    for setting, (preset, changes, months) in settings(patterns).items():
        # a draw gives way to the pattern's scenario, and both to the structure: what it
        # fixes (no escapes, say) no particle can undo
        resolved = validate({**preset, **(params or {}), **changes, **structure})
        outcomes = simulate(resolved, seed=seed, months=months).outcomes
        for p in patterns:
            if p.setting == setting:
                values[p.name] = p.value(outcomes, resolved)
    return values


def digest(path: str | Path) -> str:
    """The hash of a patterns (or priors) file, recorded beside what was made from it."""
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()[:16]
