"""What made a result: the model's code, the packages, the commit and the machine.

Two kinds of facts, kept apart:

- what determines the numbers (``model_fingerprint``, ``RESULT_PACKAGES``): part of every
  run's identity, so a run computed by other code or other numerics is never reused and
  stored results made by them are stale;
- where and when they were computed (``git_state``, ``machine``): recorded beside the
  results, never part of their identity.
"""

import ast
import hashlib
import platform
import socket
import subprocess
from functools import cache
from importlib import metadata
from pathlib import Path

import sim

HERE = Path(__file__).resolve().parent
# the modules whose code computes a run's numbers (the rules, the agents and firms, the
# schedule, the outcomes), records them, and summarises them; the command line, the
# store, the figures and the parameter documentation do not change a number (a test
# checks that every module the model imports is here)
MODEL_MODULES = ("economy.py", "firms.py", "agents.py", "model.py", "sectors.py",
                 "workforce.py", "metrics.py", "record.py", "summary.py", "history.py")
# for each analysis table, the module that makes it from an experiment's runs and the
# package it calls: a change to either makes that table stale (it is made again from the
# stored runs; no run is computed again)
ANALYSIS_CODE = {"sobol": ("sensitivity.py", "SALib"),
                 "boxes": ("discovery.py", "ema_workbench"),
                 "peeling": ("discovery.py", "ema_workbench")}
# the tables the model reads (the dispatch schedules, events, the rouble, the quotas)
MODEL_DATA = "data"
# packages whose version can change a run's numbers (random streams, floating point)
RESULT_PACKAGES = ("numpy", "scipy", "mesa")
# packages recorded beside every result
RECORDED_PACKAGES = ("quotasim", "mesa", "numpy", "scipy", "pandas", "pyarrow", "SALib",
                     "dask", "distributed", "pyabc")


@cache
def model_fingerprint() -> str:
    """The fingerprint of this installation's model code (see ``fingerprint``)."""
    return fingerprint(HERE)


def analysis_fingerprints(tables) -> dict[str, str]:
    """For each analysis table among ``tables``, the fingerprint of the code that makes
    it and of the version of the package it calls (``ANALYSIS_CODE``)."""
    return {t: _analysis_fingerprint(*ANALYSIS_CODE[t]) for t in tables if t in ANALYSIS_CODE}


@cache
def _analysis_fingerprint(module: str, package: str) -> str:
    digest = hashlib.sha256()
    _add_code(digest, HERE, (module,))
    digest.update(f"{package}={package_version(package)}".encode())
    return digest.hexdigest()[:16]


def fingerprint(folder: Path) -> str:
    """A hash of the model modules in ``folder`` as Python reads them (comments, blank
    lines and docstrings do not count, every statement does) and of its tables."""
    digest = hashlib.sha256()
    _add_code(digest, folder, MODEL_MODULES)
    for table in sorted((folder / MODEL_DATA).glob("*.csv")):
        digest.update(table.name.encode())
        digest.update(table.read_bytes())
    return digest.hexdigest()[:16]


def _add_code(digest, folder: Path, modules: tuple[str, ...]) -> None:
    """Feed ``digest`` the modules' code without comments and docstrings."""
    for name in modules:
        tree = ast.parse((folder / name).read_text())
        for node in ast.walk(tree):
            body = getattr(node, "body", None)
            if (isinstance(body, list) and body and isinstance(body[0], ast.Expr)
                    and isinstance(body[0].value, ast.Constant)
                    and isinstance(body[0].value.value, str)):
                node.body = body[1:] or [ast.Pass()]
        digest.update(name.encode())
        digest.update(ast.dump(tree, include_attributes=False).encode())


def package_version(name: str) -> str | None:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return None


@cache
def result_versions() -> dict[str, str | None]:
    """Python's and the numerics packages' versions: part of every run's identity."""
    return {"python": platform.python_version(),
            **{name: package_version(name) for name in RESULT_PACKAGES}}


def recorded_versions() -> dict[str, str]:
    versions = {"python": platform.python_version()}
    for name in RECORDED_PACKAGES:
        version = package_version(name)
        if version:
            versions[name] = version
    return versions


def identity() -> dict:
    """What every stored result says about the code that made it."""
    commit, dirty = git_state()
    return {"quotasim": sim.__version__, "model_fingerprint": model_fingerprint(),
            "git_commit": commit, "git_dirty": dirty, "versions": recorded_versions()}


def git_state() -> tuple[str | None, bool | None]:
    """The commit of the code, and whether the package's own files differ from it
    (results, docs and other folders do not count); None outside a git checkout."""
    try:
        top = subprocess.run(["git", "rev-parse", "--show-toplevel"], cwd=HERE,
                             capture_output=True, text=True, check=True).stdout.strip()
        if not (Path(top) / "sim" / "__init__.py").samefile(HERE / "__init__.py"):
            return None, None  # an installed copy inside some other repository
        commit = subprocess.run(["git", "rev-parse", "HEAD"], cwd=HERE, capture_output=True,
                                text=True, check=True).stdout.strip()
        status = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no",
                                 "--", "sim", "experiments", "pyproject.toml"], cwd=top,
                                capture_output=True, text=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        return None, None
    return commit, bool(status.strip())


def machine() -> dict:
    return {"host": socket.gethostname(), "platform": platform.platform()}
