"""``quotasim init``: a project folder from the experiments shipped with the package,
so that an installed copy reproduces every result (``quotasim reproduce`` there)."""

from pathlib import Path

from sim.paths import Layout, shipped_experiments
from sim.store import StoreError, make_folder, write_atomic

GITIGNORE = "results/data/*/chunks/\nresults/data/*/.lock\nresults/data/*/runlog.jsonl\n"


def init(folder: Path) -> Path:
    """Copy the shipped experiments and figure scripts into ``folder/experiments``.

    ``folder`` may exist, but must not already hold experiments: nothing is overwritten."""
    layout = Layout(folder / "experiments", folder / "results")
    if layout.experiments.exists() and any(layout.experiments.iterdir()):
        raise StoreError(f"{layout.experiments} already holds files; nothing was copied")
    source = shipped_experiments()
    files = _walk(source)
    if not files:
        raise StoreError("this installation ships no experiments; reinstall quotasim")
    for relative, path in files:
        target = layout.experiments / relative
        make_folder(target.parent)
        data = path.read_bytes()
        write_atomic(target, lambda p, d=data: p.write_bytes(d))
    make_folder(layout.results)
    ignore = folder / ".gitignore"
    if not ignore.exists():  # what a sweep keeps for itself, not for version control
        write_atomic(ignore, lambda p: p.write_text(GITIGNORE))
    return folder


def _walk(source) -> list[tuple[str, object]]:
    """(relative path, Traversable) of the shipped files a project needs: the
    experiments, the posterior files they draw from, and one script per figure."""
    found = []
    for entry in source.iterdir():
        if entry.is_file() and entry.name.endswith((".toml", ".csv")):
            found.append((entry.name, entry))
        elif entry.is_dir() and entry.name == "figures":
            found += [(f"figures/{f.name}", f) for f in entry.iterdir()
                      if f.is_file() and f.name.endswith(".py") and f.name != "__init__.py"]
    return sorted(found, key=lambda pair: pair[0])
