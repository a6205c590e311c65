"""Every parameter of the model: type, default, unit, valid range and source.

This is the one place where defaults live. The presets in ``presets/*.toml``, the
command line, the sweeps and the browser view all start from ``QuotaScenario`` and
change only what they name; every change is validated here.

Sources are keyed to ``docs/FACTS.md``, the project's copy of the sourced evidence
(S = straight from a source, D = derived from sourced numbers, A = an assumption with no
source, to be swept).
"""


import difflib
import re
import tomllib
import typing
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

from mesa.experimental.scenarios import Scenario

from sim.sectors import SECTOR_KEYS

PRESETS_DIR = Path(__file__).parent / "presets"
DEFAULT_PRESET = "russia-2021"  # what a run or an experiment starts from unless told
DEFAULT_SEED = 0  # the seed of `quotasim run` and of the browser view unless told


class ScenarioError(ValueError):
    """Bad scenario input: the message is one line a user can act on."""


class RunsFailed(RuntimeError):
    """Some runs of an experiment raised; no figure is drawn from tables with holes."""


MAX_MONTHS = 1200  # a run of at most a century: longer is a typo, refused before allocating


def check_months(months) -> int:
    """Months to run: a whole number from 1 to ``MAX_MONTHS``."""
    if isinstance(months, bool) or not isinstance(months, int) or not 1 <= months <= MAX_MONTHS:
        raise ScenarioError(f"months must be a whole number from 1 to {MAX_MONTHS}, "
                            f"not {months!r}")
    return months


@dataclass(frozen=True)
class Param:
    """What a parameter means and which values it may take."""

    unit: str
    doc: str
    source: str
    lo: float | None = None
    hi: float | None = None
    choices: tuple[str, ...] | None = None
    table: bool = False  # a table: a name of package data, or the path of a CSV file
    label: str = ""  # a short plain name for figures and sentences (see plain_name)


def _p(unit, doc, source, lo=None, hi=None, choices=None, table=False, label=""):
    return Param(unit, doc, source, lo, hi, tuple(choices) if choices else None, table,
                 label)


def plain_name(name: str) -> str:
    """What a figure or a sentence calls a parameter: its label, or else the first
    words of its meaning (up to a comma, a stop or a bracket)."""
    spec = SPECS[name]
    return spec.label or re.split(r"[,.(;]", spec.doc)[0].strip()


class QuotaScenario(Scenario):
    """Parameters of a quotasim run; class attributes are the defaults.

    The defaults describe Russian construction and logging workers under the May 2021
    quotas (Daily NK, 9 May 2021). ``presets/`` holds the two founding reports.

    ``QuotaScenario(rng=SEED, NAME=VALUE, ...)`` checks every value once, here (names,
    types, ranges, and the rules that tie them together: see ``validate``); the model
    reads ``scenario.params`` and never checks again.
    """

    def __init__(self, *, rng: int | None = None, **params: Any):
        if rng is not None and (isinstance(rng, bool) or not isinstance(rng, int) or rng < 0):
            raise ScenarioError(f"the seed must be a whole number >= 0, not {rng!r}")
        super().__init__(rng=rng, **validate(params))

    @property
    def params(self) -> dict[str, Any]:
        """Every parameter by name, checked, defaults filled in (no seed, no model)."""
        return {name: self.__dict__[name] for name in SPECS}

    # --- the workforce --------------------------------------------------------------
    n_workers: Annotated[int, _p(
        "workers", "Workers dispatched together at month 0 (one cohort).",
        "A (about 100,000 abroad in all: UN Panel of Experts 2024)", 1, 5_000_000,
        label="Workers in the cohort")] = 1000
    share_construction_rfe: Annotated[float, _p(
        "share", "Share of workers on construction sites in the Russian Far East.",
        "A (sector mix not reported)", 0, 1,
        label="Share building in the Far East")] = 0.7
    share_construction_sakhalin: Annotated[float, _p(
        "share", "Share of workers on construction sites in Sakhalin.",
        "A (sector mix not reported)", 0, 1,
        label="Share building in Sakhalin")] = 0.0
    share_logging_rfe: Annotated[float, _p(
        "share", "Share of workers in logging camps in the Russian Far East.",
        "A (sector mix not reported)", 0, 1,
        label="Share logging in the Far East")] = 0.3
    share_seafood_dalian: Annotated[float, _p(
        "share", "Share of workers in seafood processing plants in Dalian.",
        "A (sector mix not reported)", 0, 1,
        label="Share in Dalian's plants")] = 0.0
    start_year: Annotated[int, _p(
        "year", "Calendar year of the first month (a cohort's arrival).", "A",
        1990, 2100,
        label="Start year")] = 2021
    start_month: Annotated[int, _p(
        "month 1-12", "Calendar month of the first month; sets where the seasons fall.",
        "A", 1, 12,
        label="Start month")] = 1
    end_year: Annotated[int, _p(
        "year", "Calendar year of the last month run (0 = run until the cohort's longest "
        "contract ends).", "A", 0, 2100,
        label="End year")] = 0
    end_month: Annotated[int, _p(
        "month 1-12", "Calendar month of the last month run (with end_year).",
        "A", 1, 12,
        label="End month")] = 12
    arrivals: Annotated[str, _p(
        "", "Who comes: one cohort of n_workers at the start (cohort), or the stock and "
        "arrivals of a dispatch schedule (schedule; n_workers and the share_* "
        "parameters are then unused).",
        "S: entries into Russia 1,117 (2023), 13,221 (2024) (Rosstat via RFA/Yonhap 2025)",
        choices=("cohort", "schedule"))] = "cohort"
    dispatch_schedule: Annotated[str, _p(
        "table", "The dispatch schedule: russia or china (package data, "
        "sim/data/dispatch-NAME.csv), or a CSV file with the same columns.",
        "S: Rosstat 2023-24, NIS 2025, RFA, Daily NK (sim/data/dispatch-*.csv); the rest A",
        table=True)] = "russia"
    dispatch_scale: Annotated[float, _p(
        "workers per worker", "Workers a run holds per worker the schedule reports.",
        "A (a run of 1 in 10 is ample for shares and rates)", 1e-4, 10,
        label="Workers run per worker reported")] = 0.1
    replacement_supply: Annotated[float, _p(
        "share/month", "Replacements a site can receive a month for workers sent home or "
        "escaped, as a share of the workers it holds (0 = none: the cohort model).",
        "A: sending a worker home costs the firm the slot until a replacement arrives "
        "(FACTS: firms)", 0, 1,
        label="Replacements a month")] = 0.0
    events: Annotated[str, _p(
        "table", "Border closures and host-country withdrawals: none, russia or china "
        "(package data, sim/data/events-NAME.csv), or a CSV file with the same columns.",
        "S: no repatriation January 2020 - March 2023 (Daily NK); UNSC 2397; China's "
        "withdrawals 2022-24 (RFA, KBS)", table=True)] = "none"
    contract_months: Annotated[int, _p(
        "months", "Mean contract length.",
        "S: about 3 years (Washington Post 2016; Daily NK)", 6, 120,
        label="Contract length")] = 36
    contract_spread_months: Annotated[int, _p(
        "months", "Contracts are uniform in mean +- spread.",
        "S: 24-60 months in practice (Guardian 2014; Daily NK)", 0, 36,
        label="Spread of contract lengths")] = 6
    skill_sigma: Annotated[float, _p(
        "log-sd", "Spread of personal skill, which scales the sector wage (mean 1).",
        "A (wages vary by person and workplace: Daily NK 2021)", 0, 1.5,
        label="Spread of skill")] = 0.2
    savings_goal_median_usd: Annotated[float, _p(
        "USD", "Median savings goal a worker plans to bring home.",
        "S: 1,000-2,000 'transformational', wedding up to 3,000, house 8,000-10,000 "
        "(Daily NK; Washington Post 2016)", 0, 50_000,
        label="Median savings goal")] = 3000.0
    savings_goal_sigma: Annotated[float, _p(
        "log-sd", "Spread of savings goals across workers (lognormal).",
        "A", 0, 2,
        label="Spread of savings goals")] = 0.5
    entry_debt_min_usd: Annotated[float, _p(
        "USD", "Smallest entry bribe, owed at home and repaid from take-home pay.",
        "S: 50-500 USD (NK Insider 2024)", 0, 10_000,
        label="Smallest entry bribe")] = 50.0
    entry_debt_max_usd: Annotated[float, _p(
        "USD", "Largest entry bribe (uniform between min and max).",
        "S: 50-500 USD (NK Insider 2024); 1,300 for construction (Daily NK 2021)",
        0, 10_000,
        label="Largest entry bribe")] = 500.0

    # --- wages (monthly gross for a full month at normal hours, local currency) -----
    wage_construction_rfe: Annotated[float, _p(
        "RUB/month", "Construction wage, Russian Far East, 26 days at normal hours.",
        "D: about 900 USD (800 SK intelligence 2024; 1,000 KINU 2025) at 73.65 RUB/USD",
        0, 1e7, label="Builders' wage (Far East)")] = 66_000.0
    wage_construction_sakhalin: Annotated[float, _p(
        "RUB/month", "Construction wage, Sakhalin, 26 days at normal hours.",
        "D: at least 1,000 USD (Daily NK/RFA) at 84.9 RUB/USD", 0, 1e7,
        label="Builders' wage (Sakhalin)")] = 85_000.0
    wage_logging_rfe: Annotated[float, _p(
        "RUB/month", "Logging wage, Russian Far East, 26 days at normal hours.",
        "A: about 750 USD; no recent figure (500 nominal, Yonhap 2012)", 0, 1e7,
        label="Loggers' wage")] = 55_000.0
    wage_seafood_dalian: Annotated[float, _p(
        "CNY/month", "Seafood-plant wage, Dalian, 26 days at normal hours.",
        "A: no Dalian figure; Liaoning factories 3,200-3,500+ (Daily NK), so a "
        "quota of 3,400 needs Dalian to pay more: sweep it", 0, 1e6,
        label="Plant wage in Dalian")] = 4_800.0

    # --- quotas, in the currency and period the reports give ------------------------
    quota_construction_rfe: Annotated[float, _p(
        "USD/year", "Base quota, construction, Russian Far East.",
        "S: 7,200 before May 2021 (Daily NK 2021)", 0, 1e6,
        label="Builders' quota (Far East)")] = 7_200.0
    quota_construction_sakhalin: Annotated[float, _p(
        "RUB/month", "Base quota, construction, Sakhalin.",
        "S: 62,000 before March 2025 (HNGN/Daily NK 2025)", 0, 1e8,
        label="Builders' quota (Sakhalin)")] = 62_000.0
    quota_logging_rfe: Annotated[float, _p(
        "USD/year", "Base quota, logging, Russian Far East.",
        "S: 4,500 before May 2021 (Daily NK 2021)", 0, 1e6,
        label="Loggers' quota")] = 4_500.0
    quota_seafood_dalian: Annotated[float, _p(
        "CNY/month", "Base quota, seafood processing, Dalian.",
        "S: 3,400 before March 2025 (HNGN/Daily NK 2025)", 0, 1e7,
        label="Plant quota in Dalian")] = 3_400.0

    # --- the state's policy ---------------------------------------------------------
    hike: Annotated[float, _p(
        "fraction", "Quota hike (0.5 = +50%, 1.0 = doubling), announced after arrival.",
        "S: +39% and +56% (Daily NK 2021); x2 (HNGN 2025)", 0, 10, label="Quota hike")] = 0.0
    hike_month: Annotated[int, _p(
        "month", "Month (counted from arrival, 0 = first) from which the hike applies.",
        "A", 0, 200,
        label="Month of the hike")] = 4
    hike_weight_construction_rfe: Annotated[float, _p(
        "x hike", "This sector's hike is hike x weight (1 = uniform hike).", "A", 0, 10,
        label="Hike weight, builders (Far East)")] = 1.0
    hike_weight_construction_sakhalin: Annotated[float, _p(
        "x hike", "This sector's hike is hike x weight (1 = uniform hike).", "A", 0, 10,
        label="Hike weight, builders (Sakhalin)")] = 1.0
    hike_weight_logging_rfe: Annotated[float, _p(
        "x hike", "This sector's hike is hike x weight (1 = uniform hike).",
        "A; 1.43 = 55.6/38.9 reproduces the 2021 forestry rise (D)", 0, 10,
        label="Hike weight, loggers")] = 1.0
    hike_weight_seafood_dalian: Annotated[float, _p(
        "x hike", "This sector's hike is hike x weight (1 = uniform hike).", "A", 0, 10,
        label="Hike weight, Dalian plants")] = 1.0
    ratchet_per_year: Annotated[float, _p(
        "fraction/year", "Further rise of every quota at each anniversary of arrival.",
        "S: rose 'little by little every year' (Daily NK 2021); size A", 0, 1,
        label="Yearly quota rise")] = 0.0
    levy_usd: Annotated[float, _p(
        "USD/worker", "One-off levy per worker (0 = none), due like the quota.",
        "S: flood levy 70 USD, Russia 2024; 12,000 CNY, China 2020 (Daily NK; RFA)",
        0, 20_000,
        label="One-off levy")] = 0.0
    levy_month: Annotated[int, _p(
        "month", "Month (from arrival) in which the levy falls due.", "A", 0, 200,
        label="Month of the levy")] = 12
    quota_schedule: Annotated[str, _p(
        "", "The quotas over time: the quota_* parameters with one hike (hike), or the "
        "reported history of levels and levies (history; quota_* hold before a sector's "
        "first row; hike, ratchet and levy still apply on top).",
        "S: FACTS 'Quotas over time'", choices=("hike", "history"))] = "hike"
    quota_history: Annotated[str, _p(
        "table", "The quota history (quota_schedule = history): builtin "
        "(sim/data/quota_history.csv) or a CSV file with the same columns.",
        "S: Daily NK 2021, 2023, 2024; HNGN 2025; RFA 2020", table=True)] = "builtin"
    state_policy: Annotated[str, _p(
        "", "How the state sets the quotas: as scheduled (schedule), or adapting each "
        "sector's hike once a year to raise its revenue (adaptive, a hill climb).",
        "A: the state 'sets quota policy' and responds to what it collects",
        choices=("schedule", "adaptive"))] = "schedule"
    adaptive_step: Annotated[float, _p(
        "fraction", "The adaptive state's first yearly step of a sector's hike (halved "
        "each time revenue falls).", "A", 0.01, 2,
        label="Adaptive state's first step")] = 0.2
    adaptive_max_hike: Annotated[float, _p(
        "fraction", "The highest hike the adaptive state tries.", "A", 0, 10,
        label="Adaptive state's highest hike")] = 3.0
    enforcement_months: Annotated[float, _p(
        "months of quota", "Arrears that get a worker sent home.",
        "S: 4+ months in arrears -> sent home (Daily NK, c. 2022)", 0.25, 60,
        label="Arrears before sent home")] = 4.0

    # --- exchange rates -------------------------------------------------------------
    rub_per_usd: Annotated[float, _p(
        "RUB/USD", "Rouble rate at arrival.", "S: 73.65, 2021 average (CBR)", 1, 1000,
        label="Rouble rate")] = 73.65
    cny_per_usd: Annotated[float, _p(
        "CNY/USD", "Yuan rate (held constant).", "S: 7.17-7.20, Feb-Apr 2025 (CFETS)",
        1, 100,
        label="Yuan rate")] = 7.2
    fx_path: Annotated[str, _p(
        "", "Path of the rouble: constant, a one-off shock that decays, or a random walk.",
        "S: 84 -> 106 RUB/USD, Feb-Mar 2022 (VOA 2022; CBR)",
        choices=("constant", "shock", "random", "series"))] = "constant"
    fx_series: Annotated[str, _p(
        "table", "The rouble as a monthly series (fx_path = series): builtin "
        "(sim/data/rub_per_usd.csv, built from the sourced points) or a CSV file with the "
        "columns month, rub_per_usd (e.g. the Central Bank of Russia's series).",
        "S: CBR annual averages 2019-2023 and spot rates 2022-2025", table=True)] = "builtin"
    fx_shock_month: Annotated[int, _p(
        "month", "Month (from arrival) of the rouble shock.",
        "A: month 14 = March 2022 for a January 2021 arrival", 0, 200,
        label="Month of the rouble shock")] = 14
    fx_shock_size: Annotated[float, _p(
        "fraction", "Rise of RUB/USD at the shock (the rouble falls).",
        "D: 73.65 -> 106.47 = +44.5% (CBR; VOA 2022)", 0, 5,
        label="Size of the rouble shock")] = 0.445
    fx_shock_halflife_months: Annotated[float, _p(
        "months", "Half-life of the shock's decay back to the base rate.",
        "A: the 2022 average, 68.55, was back below 2021's (CBR)", 0.1, 1000,
        label="Half-life of the rouble shock")] = 3.0
    fx_volatility: Annotated[float, _p(
        "log-sd/month", "Monthly volatility of the random rouble path.",
        "A", 0, 0.5,
        label="Rouble volatility")] = 0.04

    # --- work time and seasons ------------------------------------------------------
    days_off_per_month: Annotated[float, _p(
        "days", "Mean days off a month (each worker takes the floor or ceiling).",
        "S: 1-2 a month (US State Dept 2017; BBC 2025)", 0, 8,
        label="Days off a month")] = 1.5
    normal_hours: Annotated[float, _p(
        "hours/day", "A normal working day.",
        "S: 12-16 typical (US State Dept 2017; UN rapporteur 2015)", 4, 20,
        label="Normal working day")] = 12.0
    max_hours: Annotated[float, _p(
        "hours/day", "The longest day a rested worker works of its own accord.",
        "S: 12-16 h/day typical (Russian developer's official, WSJ 2025)", 4, 20,
        label="Longest day by choice")] = 16.0
    winter_days_lost: Annotated[float, _p(
        "share", "Share of construction days lost in December-February.",
        "A: no count; sweep 10-40% (FACTS)", 0, 1, label="Winter days lost")] = 0.3
    weather_days_lost: Annotated[float, _p(
        "share", "Mean share of the season's days lost to weather or no project "
        "(each worker draws uniformly between 0 and twice this).",
        "A: 'many days they cannot work' (Daily NK 2021)", 0, 0.5,
        label="Days lost to weather")] = 0.1
    seafood_lowseason_days: Annotated[float, _p(
        "share", "Share of days a Dalian plant works in May-August (fishing moratorium).",
        "A", 0, 1,
        label="Plant days in the low season")] = 0.7
    living_cost_usd: Annotated[float, _p(
        "USD/month", "Food and lodging deducted each month (fixed in local currency "
        "at the arrival rate).",
        "D: 10-20% of pay (NKDB 2016); 500 CNY/month (Daily NK 2024)", 0, 2000,
        label="Food and lodging")] = 100.0

    # --- fatigue and injury ---------------------------------------------------------
    fatigue_recovery: Annotated[float, _p(
        "1/month", "Weight of this month's overtime in fatigue (moving average).",
        "A", 0.01, 1,
        label="Weight of overtime in fatigue")] = 0.3
    fatigue_hours_cut: Annotated[float, _p(
        "hours/day", "How much full fatigue lowers the longest day a worker can work.",
        "A", 0, 12,
        label="Hours fatigue takes off")] = 2.0
    injury_rate_base: Annotated[float, _p(
        "1/month", "Monthly chance of an injury for a rested worker.", "A", 0, 1,
        label="Injury chance")] = 0.005
    injury_rate_fatigue: Annotated[float, _p(
        "1/month", "Extra monthly chance of an injury at full fatigue.", "A", 0, 1,
        label="Extra injury chance when tired")] = 0.03
    serious_injury_share: Annotated[float, _p(
        "share", "Share of injuries that send a worker home, at its own cost.",
        "S: repatriation at the worker's cost (Mirror/BBC 2025); share A", 0, 1,
        label="Injuries that end a contract")] = 0.1
    injury_days_lost: Annotated[float, _p(
        "days", "Workdays lost to a minor injury.", "A", 0, 31,
        label="Days lost to an injury")] = 10.0

    # --- side work ------------------------------------------------------------------
    side_work: Annotated[bool, _p(
        "", "Whether workers may take side work on days without main work.",
        "S: loggers pick berries (Daily NK 2021); side jobs (Daily NK 2015)")] = True
    berry_kg_per_day: Annotated[float, _p(
        "kg/day", "Bog bilberry a logger picks in a day.",
        "S: 15-20 kg/day (Daily NK 2020)", 0, 100,
        label="Berries picked a day")] = 17.5
    berry_price_rub: Annotated[float, _p(
        "RUB/kg", "Price a picker gets for a kilogram of berries.",
        "S: cranberry 110-160 RUB/kg to pickers, Russia 2025 (ura.news); bilberry "
        "3.5-5.5 BYN/kg, Belarus 2024 (BelTA): sweep it", 0, 10_000,
        label="Berry price")] = 135.0
    berry_season_start: Annotated[int, _p(
        "month 1-12", "First calendar month of the berry season.",
        "A (bog bilberry ripens in late summer)", 1, 12,
        label="Start of the berry season")] = 8
    berry_season_months: Annotated[int, _p(
        "months", "Length of the berry season.", "S: about 2 months (Daily NK)", 0, 12,
        label="Length of the berry season")] = 2
    odd_job_share: Annotated[float, _p(
        "share", "Share of days without main work on which an odd job is found.",
        "A", 0, 1,
        label="Chance of an odd job")] = 0.3
    odd_job_pay: Annotated[float, _p(
        "x day wage", "An odd job's pay for a day, relative to the main day wage.",
        "A", 0, 3,
        label="Odd job's pay")] = 0.5

    # --- the structure: who owes the quota, who sends workers home -----------------
    quota_payer: Annotated[str, _p(
        "", "Who owes the state the quota: each worker out of its own pay (the v1 model), "
        "or the dispatching firm, for every worker it holds.",
        "S: the 2025 order went to the companies that manage the workers (HNGN/Daily NK "
        "2025); the firm receives the host's pay (Yomiuri 2024; Asahi 2024)",
        choices=("firm", "worker"))] = "firm"
    enforcement: Annotated[str, _p(
        "", "Who is sent home for arrears: whoever reaches enforcement_months of arrears "
        "(threshold), or whom the firm would rather replace (firm).",
        "S: the firm pays and passes the pressure on (RFA 2020); builders short of the "
        "first-half quota sent home (Chosun Ilbo 2024); the firm's rule A",
        choices=("firm", "threshold"))] = "firm"
    firm_size: Annotated[int, _p(
        "workers", "Workers a dispatching firm holds at one site (a site's workers are "
        "split among firms of this size).",
        "S: whole factories of 100-120 workers deported (Daily NK, Sep 2024)",
        1, 100_000,
        label="Workers per firm")] = 110
    team_size: Annotated[int, _p(
        "workers", "Workers in a work team, who cover each other's shortfalls by loans "
        "repaid from later credit (1 = no teams).",
        "S: workers organised in teams; they 'have to borrow from others' (RFA 2020; "
        "Daily NK 2019); size A", 1, 1000,
        label="Workers per team")] = 10
    firm_cut_share: Annotated[float, _p(
        "share", "Share of a worker's surplus (pay less quota and food) the firm keeps; "
        "the rest is credited to the worker's ledger.",
        "D: host pays 2,500-2,800 CNY, the worker gets 600-1,000 (Yomiuri 2024; Asahi "
        "2024); share of the surplus A", 0, 1, label="Firm's cut of savings")] = 0.3
    firm_reserve_months: Annotated[float, _p(
        "months of quota", "The firm's reserve at arrival, in months of its quota bill.",
        "A", 0, 60,
        label="Firm's starting reserve")] = 1.0
    firm_credit_months: Annotated[float, _p(
        "months of quota", "How far below zero the firm's reserve may go (its credit); "
        "beyond it the state is paid short.",
        "S: the company pays if the worker cannot (RFA 2020); size A", 0, 60,
        label="Firm's credit")] = 3.0
    full_pressure_shortfall: Annotated[float, _p(
        "share", "Share of its quota bill a firm covers for workers short of it at which "
        "it presses hardest (longest days, least food, least credit).",
        "A", 0.01, 1,
        label="Shortfall for full pressure")] = 0.2
    coerced_max_hours: Annotated[float, _p(
        "hours/day", "The longest day a firm under full pressure imposes.",
        "S: 18+ h/day (escapees, BBC 2025); up to 18-20 (UN rapporteur 2015)",
        4, 20,
        label="Longest imposed day")] = 18.0
    food_cut_share: Annotated[float, _p(
        "share", "How much a firm under full pressure cuts food and lodging.",
        "S: managers cut food to keep a USD quota (RFA 2022); size A", 0, 1,
        label="Food cut under pressure")] = 0.3
    replacement_delay_months: Annotated[int, _p(
        "months", "Months a slot stays empty before a replacement arrives (what sending "
        "a worker home costs the firm).", "A", 0, 60,
        label="Wait for a replacement")] = 6
    firm_review_months: Annotated[int, _p(
        "months", "Months of record on which a firm judges a worker before it may send "
        "it home for arrears.",
        "S: an order to return builders short of the quota for 6 months (Chosun Ilbo, "
        "2023-24); a full year (A), as a logger's year has six months without logging",
        1, 60,
        label="Record before a firm's review")] = 12
    ledger_forfeit_share: Annotated[float, _p(
        "share", "Share of its ledger a worker sent home for arrears loses.",
        "S: officials would not release ledger savings (Daily NK, Mar 2025); share A",
        0, 1,
        label="Ledger lost when sent home")] = 0.5
    escape_rate: Annotated[float, _p(
        "1/month", "Monthly chance that a rested worker in good standing escapes "
        "(0 = none).",
        "D: 10-20 escapees a year reach Seoul of 15,000-30,000 in Russia (BBC/NIS 2025), "
        "79 refugee recognitions in Russia in 2016: 3e-5 to 4e-4", 0, 0.1,
        label="Escape chance")] = 1e-4
    escape_arrears_weight: Annotated[float, _p(
        "1/month of arrears", "Rise of the escape hazard (log) per month of quota in "
        "arrears (up to 6).", "A", 0, 5,
        label="Escape risk from arrears")] = 0.3
    escape_hours_weight: Annotated[float, _p(
        "", "Rise of the escape hazard (log) at the longest coerced day.", "A", 0, 10,
        label="Escape risk from long days")] = 1.0
    escape_goal_weight: Annotated[float, _p(
        "", "Rise of the escape hazard (log) once the savings goal is out of reach.",
        "A", 0, 10,
        label="Escape risk from a lost goal")] = 1.0
    punishment_usd: Annotated[float, _p(
        "USD/worker", "Docked from the ledger of each team member after an escape.",
        "S: collective punishment, supervisors recalled (Daily NK 2025); size A",
        0, 10_000,
        label="Team's fine for an escape")] = 300.0
    site_deportation_prob: Annotated[float, _p(
        "probability", "Chance that an escape gets the whole firm's site sent home.",
        "S: whole factories deported after one worker wandered off (China 2024, Daily "
        "NK); chance A", 0, 1,
        label="Chance an escape sends a site home")] = 0.02

    # --- settlement at return -------------------------------------------------------
    settlement_deduction_share: Annotated[float, _p(
        "share", "Share of the ledger withheld at payout (fees, food, lodging, medical).",
        "S: one worker owed 5,000+ USD received 2,000 (Daily NK 2024); share A",
        0, 0.95, label="Withheld at payout")] = 0.3
    airfare_usd: Annotated[float, _p(
        "USD", "Fare home, deducted from the payout.", "A", 0, 5000,
        label="Fare home")] = 300.0


SPECS: dict[str, Param] = {
    name: hint.__metadata__[0]
    for name, hint in typing.get_type_hints(QuotaScenario, include_extras=True).items()
    if hasattr(hint, "__metadata__")
}
TYPES: dict[str, type] = {
    name: typing.get_type_hints(QuotaScenario)[name] for name in SPECS
}
DEFAULTS: dict[str, Any] = {name: getattr(QuotaScenario, name) for name in SPECS}


# The founding structure (0.1.0): each worker owes its own quota out of its own pay and
# is sent home at a threshold of arrears; no firm in between, no teams, no escapes. With
# these values and every other parameter as it was, the model gives 0.1.0's numbers
# exactly (tests/baselines/v1.json).
V1_STRUCTURE = {"quota_payer": "worker", "enforcement": "threshold", "team_size": 1,
                "ledger_forfeit_share": 0.0, "escape_rate": 0.0}

# The rival structures that `quotasim validate` and `quotasim calibrate` hold against the
# reported patterns (sim/data/patterns.toml), as changes from the defaults, which are
# the firm with teams and escapes: each worker paying its own levy (v1); the firm alone;
# the firm with teams and escapes; the same with a state that adapts the quotas.
STRUCTURES = {
    "v1-worker-levy": V1_STRUCTURE,
    "firm": {"team_size": 1, "escape_rate": 0.0},
    "firm-teams-escapes": {},
    "firm-adaptive": {"state_policy": "adaptive"},
}
DEFAULT_STRUCTURE = "firm-teams-escapes"


def structure(name: str) -> dict:
    """A rival structure's parameter changes, by name."""
    if name not in STRUCTURES:
        raise ScenarioError(f"unknown structure {name!r} (structures: "
                            f"{', '.join(STRUCTURES)})")
    return STRUCTURES[name]


def check_name(name: str) -> None:
    """An unknown parameter name is an error that names the closest valid ones."""
    if name not in SPECS:
        close = difflib.get_close_matches(name, SPECS, n=3, cutoff=0.5)
        hint = f"; did you mean {', '.join(close)}?" if close else ""
        raise ScenarioError(f"unknown parameter '{name}'{hint}")


def coerce(name: str, value: Any) -> Any:
    """Check one parameter's name, type and range; return the value in its type."""
    check_name(name)
    spec, kind = SPECS[name], TYPES[name]
    if isinstance(value, str) and kind is not str:
        value = _parse_text(name, value, kind)
    if kind is bool:
        if not isinstance(value, bool):
            raise ScenarioError(f"{name} must be true or false, not {value!r}")
    elif kind is int:
        if isinstance(value, bool) or not (
            isinstance(value, int) or (isinstance(value, float) and value.is_integer())
        ):
            raise ScenarioError(f"{name} must be a whole number, not {value!r}")
        value = int(value)
    elif kind is float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ScenarioError(f"{name} must be a number, not {value!r}")
        value = float(value)
        if value != value:
            raise ScenarioError(f"{name} must be a number, not NaN")
    elif kind is str and spec.table:
        if not isinstance(value, str) or not value.strip():
            raise ScenarioError(f"{name} must be a table's name or a CSV file's path, "
                                f"not {value!r}")
    elif kind is str and value not in spec.choices:
        raise ScenarioError(f"{name} must be one of {', '.join(spec.choices)}, not {value!r}")
    if spec.lo is not None and not spec.lo <= value <= spec.hi:
        unit = f" ({spec.unit})" if spec.unit else ""
        raise ScenarioError(f"{name} = {value:g} is out of range [{spec.lo:g}, {spec.hi:g}]{unit}")
    return value


# a number typed on the command line: plain decimal, no "1_0", "inf", "nan" or "0x10"
PLAIN_NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")


def _parse_text(name: str, text: str, kind: type) -> Any:
    """A value typed on the command line, read as its parameter's type."""
    if kind is bool:
        low = text.strip().lower()
        if low in ("true", "1", "yes", "on"):
            return True
        if low in ("false", "0", "no", "off"):
            return False
        raise ScenarioError(f"{name} must be true or false, not {text!r}")
    return parse_number(text, name)


def parse_number(text: str, what: str) -> float:
    """A plain decimal number (``12``, ``0.5``, ``1e-3``), or a one-line error."""
    if not PLAIN_NUMBER.fullmatch(text.strip()):
        raise ScenarioError(f"{what} must be a plain decimal number, not {text!r}")
    return float(text)


def validate(params: dict[str, Any]) -> dict[str, Any]:
    """All parameters, defaults filled in, each checked, and checked together."""
    merged = dict(DEFAULTS)
    merged.update({name: coerce(name, value) for name, value in params.items()})
    shares = [merged[f"share_{s}"] for s in SECTOR_KEYS]
    if abs(sum(shares) - 1) > 1e-9:
        raise ScenarioError(
            f"the sector shares must add up to 1, not {sum(shares):g} "
            f"({', '.join(f'share_{s}' for s in SECTOR_KEYS)})"
        )
    if merged["max_hours"] < merged["normal_hours"]:
        raise ScenarioError("max_hours must be at least normal_hours")
    if merged["coerced_max_hours"] < merged["max_hours"]:
        raise ScenarioError("coerced_max_hours must be at least max_hours")
    if merged["quota_payer"] == "worker":
        firm_only = {"enforcement": merged["enforcement"] == "firm",
                     "team_size": merged["team_size"] > 1,
                     "escape_rate": merged["escape_rate"] > 0,
                     "ledger_forfeit_share": merged["ledger_forfeit_share"] > 0}
        if any(firm_only.values()):
            names = ", ".join(k for k, v in firm_only.items() if v)
            raise ScenarioError(f"quota_payer = worker is the founding structure, with no "
                                f"firm's rules: set {names} as in V1_STRUCTURE, or "
                                f"quota_payer = firm")
    if merged["entry_debt_max_usd"] < merged["entry_debt_min_usd"]:
        raise ScenarioError("entry_debt_max_usd must be at least entry_debt_min_usd")
    if merged["contract_spread_months"] >= merged["contract_months"]:
        raise ScenarioError("contract_spread_months must be less than contract_months")
    from sim import history  # it reads the tables, and reports their errors as ours
    history.check(merged)
    return merged


def longest_contract(p: dict[str, Any]) -> int:
    """Months until the longest contract ends: how long a cohort's run lasts unless
    told."""
    return p["contract_months"] + p["contract_spread_months"]


def run_months(p: dict[str, Any]) -> int:
    """Months a run lasts unless told: from the start to the end date, inclusive, or
    until a cohort's longest contract ends."""
    if p["end_year"]:
        return (p["end_year"] - p["start_year"]) * 12 + p["end_month"] - p["start_month"] + 1
    return longest_contract(p)


def make_scenario(params: dict[str, Any] | None = None, *, seed: int | None = None) -> QuotaScenario:
    """A checked scenario from a dict of parameters; ``seed`` becomes the model's ``rng``."""
    return QuotaScenario(rng=seed, **(params or {}))


def preset_names() -> list[str]:
    return sorted(p.stem for p in PRESETS_DIR.glob("*.toml"))


def read_toml(path: Path) -> dict[str, Any]:
    """A TOML file as a dict, with one-line errors for a missing or malformed file."""
    try:
        with open(path, "rb") as f:
            return tomllib.load(f)
    except FileNotFoundError:
        raise ScenarioError(f"no such file: {path}") from None
    except IsADirectoryError:
        raise ScenarioError(f"{path} is a folder, not a TOML file") from None
    except OSError as e:
        raise ScenarioError(f"cannot read {path}: {e.strerror}") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as e:
        raise ScenarioError(f"{path} is not valid TOML: {e}") from None


def load_preset(name_or_path: str) -> tuple[dict[str, Any], str]:
    """Parameters and description of a preset name or a scenario TOML file.

    A scenario file holds ``description = "..."`` and a ``[params]`` table.
    """
    if name_or_path.endswith(".toml") or "/" in name_or_path:
        path = Path(name_or_path)
    else:
        path = PRESETS_DIR / f"{name_or_path}.toml"
        if not path.exists():
            close = difflib.get_close_matches(name_or_path, preset_names(), n=2, cutoff=0.3)
            hint = f"; did you mean {', '.join(close)}?" if close else ""
            raise ScenarioError(
                f"unknown preset '{name_or_path}' (presets: {', '.join(preset_names())}){hint}"
            )
    doc = read_toml(path)
    unknown = set(doc) - {"description", "params"}
    if unknown & {"vary", "sample", "replicates", "fixed"}:
        raise ScenarioError(f"{path} is an experiment, not a scenario: run "
                            f"'quotasim sweep {path}'")
    if unknown:
        raise ScenarioError(f"{path}: unknown top-level key(s) {', '.join(sorted(unknown))}; "
                            "put parameters under [params]")
    params = doc.get("params", {})
    if not isinstance(params, dict):
        raise ScenarioError(f"{path}: [params] must be a table of NAME = VALUE")
    for name, value in params.items():
        try:
            coerce(name, value)
        except ScenarioError as e:
            raise ScenarioError(f"{path}: {e}") from None
    description = doc.get("description", "")
    if not isinstance(description, str):
        raise ScenarioError(f"{path}: description must be a string, not {description!r}")
    return params, description


def parse_assignments(pairs: list[str]) -> dict[str, Any]:
    """``NAME=VALUE`` strings from the command line, each checked."""
    out = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name.strip():
            raise ScenarioError(f"--set takes NAME=VALUE, not {pair!r}")
        out[name.strip()] = coerce(name.strip(), value.strip())
    return out


def param_table() -> str:
    """Every parameter with default, unit, range and source, as a Markdown table."""
    rows = ["| parameter | default | unit | range | meaning | source |",
            "|---|---|---|---|---|---|"]
    for name, spec in SPECS.items():
        default = DEFAULTS[name]
        shown = f"{default:,g}" if isinstance(default, float) else str(default).lower() \
            if isinstance(default, bool) else f"{default:,}" if isinstance(default, int) \
            else default
        rng = ", ".join(spec.choices) if spec.choices else "a table name or a CSV path" \
            if spec.table else f"{spec.lo:,g} - {spec.hi:,g}" if spec.lo is not None \
            else "true, false"
        rows.append(f"| `{name}` | {shown} | {spec.unit} | {rng} | {spec.doc} | {spec.source} |")
    return "\n".join(rows)
