"""The store of finished runs behind a resumable sweep: ``<out>/chunks/``.

Every chunk of runs that finishes is written at once, as Parquet files (data, never
code): ``chunk-<id>.monthly.parquet`` and ``chunk-<id>.take_home.parquet`` when the
experiment records them, then ``chunk-<id>.runs.parquet``, which marks the chunk
complete. ``<id>`` is a hash of the chunk's run ids. Each file is written to a temporary
name and renamed, so a chunk is either whole or absent, whatever stops the sweep.

Nothing read is trusted: a chunk whose files cannot be read, lack the expected columns,
or hold runs that do not match its name is reported in one line, moved to
``chunks/damaged/``, and its runs are computed again. Runs of another design stay in
the store (a changed experiment may want them back) until ``--fresh``.

One sweep at a time writes to a folder: a second is refused (``lock``).
"""

import errno
import fcntl
import hashlib
import os
import shutil
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from sim.record import OUTCOME_COLUMNS, PER_RUN
from sim.scenario import ScenarioError

RUN_ID_LENGTH = 16
# the columns a stored per-run table must have (see sim.record.run_chunk)
PER_RUN_COLUMNS = {"monthly": ("run_id", "month"),
                   "take_home": ("run_id", "quantile", "take_home_usd", "goal_usd")}


class StoreError(ScenarioError):
    """A folder that cannot hold results: one line, exit 2, nothing lost."""


def _explain(path: Path, e: OSError) -> StoreError:
    reason = {errno.ENOSPC: "the disk is full", errno.EDQUOT: "the disk quota is used up",
              errno.EACCES: "permission denied", errno.EROFS: "the file system is read-only",
              errno.ENOTDIR: "a file stands where a folder should be",
              errno.EEXIST: "a file stands where a folder should be"}.get(e.errno, e.strerror)
    return StoreError(f"cannot write {path}: {reason}")


def make_folder(path: Path) -> Path:
    """``path`` as a folder, created if needed, or a one-line error."""
    if path.exists() and not path.is_dir():
        raise StoreError(f"{path} is a file, not a folder")
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise _explain(path, e) from None
    return path


def write_atomic(path: Path, write: Callable[[Path], None]) -> None:
    """Write through a temporary file in the same folder, then rename into place; the
    temporary file is removed on every exit path, and a write error is one line."""
    tmp = path.with_name(f".tmp-{os.getpid()}-{path.name}")
    try:
        write(tmp)
        os.replace(tmp, path)
    except OSError as e:
        raise _explain(path, e) from None
    finally:
        tmp.unlink(missing_ok=True)


def write_parquet(path: Path, frame: pd.DataFrame, metadata: dict[str, str] | None = None) -> None:
    """A table as Parquet, with ``metadata`` (e.g. provenance) in the file's schema."""
    table = pa.Table.from_pandas(frame, preserve_index=False)
    if metadata:
        table = table.replace_schema_metadata(
            {**(table.schema.metadata or {}), **{k.encode(): v.encode() for k, v in metadata.items()}})
    write_atomic(path, lambda p: pq.write_table(table, p))


def read_parquet(path: Path) -> pd.DataFrame:
    return pq.read_table(path).to_pandas()


@contextmanager
def lock(folder: Path):
    """Hold ``<folder>/.lock`` while a sweep writes there; a second sweep is refused."""
    path = folder / ".lock"
    try:
        handle = open(path, "a+")
    except OSError as e:
        raise _explain(path, e) from None
    try:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "another process"
            raise StoreError(f"another sweep ({holder}) is writing to {folder}; wait for it "
                             f"to finish or choose another --out") from None
        handle.seek(0)
        handle.truncate()
        handle.write(f"pid {os.getpid()}")
        handle.flush()
        try:
            yield
        finally:
            handle.truncate(0)  # the file says who holds the lock only while one does
    finally:
        handle.close()  # releases the lock


def chunk_id(run_ids: list[str]) -> str:
    return hashlib.sha256("".join(run_ids).encode()).hexdigest()[:16]


@dataclass
class Stored:
    """What the store holds for the runs asked about."""

    rows: dict[str, dict] = field(default_factory=dict)  # run id -> outcomes row
    per_run: dict[str, dict[str, pd.DataFrame]] = field(
        default_factory=lambda: {name: {} for name in PER_RUN})
    others: int = 0  # stored runs that belong to no run asked about
    damaged: list[str] = field(default_factory=list)  # one line per damaged chunk

    def done(self, run_id: str) -> bool:
        row = self.rows.get(run_id)
        return row is not None and not row["error"]


class ChunkStore:
    """The chunks of finished runs in ``<out>/chunks/``."""

    def __init__(self, out: Path):
        self.folder = out / "chunks"

    def remove_leftovers(self) -> int:
        """Delete temporary files a killed writer left (only a SIGKILL can leave one: every
        other exit removes its own); safe while the folder's lock is held."""
        leftovers = [*self.folder.parent.glob(".tmp-*"), *self.folder.glob(".tmp-*")] \
            if self.folder.parent.exists() else []
        for path in leftovers:
            path.unlink(missing_ok=True)
        return len(leftovers)

    def clear(self) -> int:
        """Delete every stored run (``--fresh``); returns how many chunk files went."""
        files = list(self.folder.glob("chunk-*")) if self.folder.exists() else []
        for path in files:
            path.unlink()
        shutil.rmtree(self.folder / "damaged", ignore_errors=True)
        return len(files)

    def save(self, chunk: dict[str, pd.DataFrame | None]) -> None:
        """Store a finished chunk: per-run tables first, the runs table last."""
        make_folder(self.folder)
        stem = f"chunk-{chunk_id(chunk['runs']['run_id'].tolist())}"
        for name in PER_RUN:
            if chunk.get(name) is not None:
                write_parquet(self.folder / f"{stem}.{name}.parquet", chunk[name])
        write_parquet(self.folder / f"{stem}.runs.parquet", chunk["runs"])

    def load(self, wanted: set[str], per_run: tuple[str, ...]) -> Stored:
        """The stored rows of the runs in ``wanted`` that have every table in
        ``per_run``; a success wins over a failure. Damaged chunks are moved aside."""
        stored = Stored()
        if not self.folder.exists():
            return stored
        for path in sorted(self.folder.glob("chunk-*.runs.parquet")):
            stem = path.name.removesuffix(".runs.parquet")
            try:
                frame = self._read_runs(path, stem)
                runs = frame.to_dict("records")
                mine = [row for row in runs if row["run_id"] in wanted]
                # only runs asked about are checked further: an older version's runs
                # may lack an outcome added since, and are kept, not moved aside
                if mine:
                    self._check_outcomes(frame)
                    tables = {name: self._read_per_run(stem, name) for name in per_run}
            except ValueError as e:
                stored.damaged.append(f"{self.folder / stem}: damaged ({e}); its runs will "
                                      f"be computed again")
                self._move_aside(stem)
                continue
            stored.others += len(runs) - len(mine)
            for row in mine:
                run_id = row["run_id"]
                if stored.done(run_id):
                    continue
                if not row["error"] and any(tables[name] is None or run_id not in tables[name]
                                            for name in per_run):
                    continue  # stored without a table this experiment records
                stored.rows[run_id] = row
                for name in per_run:
                    if tables[name] is not None and run_id in tables[name]:
                        stored.per_run[name][run_id] = tables[name][run_id]
        return stored

    def _read_runs(self, path: Path, stem: str) -> pd.DataFrame:
        """A chunk's runs table, whose run ids and errors are checked."""
        try:
            frame = read_parquet(path)
        except (OSError, pa.ArrowException) as e:
            raise ValueError(f"unreadable: {str(e).splitlines()[0][:80]}") from None
        if not {"run_id", "error"} <= set(frame.columns):
            raise ValueError("no run_id or error column")
        ids = frame["run_id"]
        if not all(isinstance(x, str) and len(x) == RUN_ID_LENGTH for x in ids) \
                or not all(isinstance(x, str) for x in frame["error"]):
            raise ValueError("run ids or errors of the wrong type")
        if f"chunk-{chunk_id(ids.tolist())}" != stem:
            raise ValueError("its runs do not match its name")
        return frame

    @staticmethod
    def _check_outcomes(frame: pd.DataFrame) -> None:
        missing = [c for c in OUTCOME_COLUMNS if c not in frame.columns
                   or frame[c].dtype != "float64"]
        if missing:
            raise ValueError(f"outcome {missing[0]} missing or not a number")

    def _read_per_run(self, stem: str, name: str) -> dict[str, pd.DataFrame] | None:
        path = self.folder / f"{stem}.{name}.parquet"
        if not path.exists():
            return None
        try:
            frame = read_parquet(path)
        except (OSError, pa.ArrowException) as e:
            raise ValueError(f"{name} unreadable: {str(e).splitlines()[0][:80]}") from None
        if not set(PER_RUN_COLUMNS[name]) <= set(frame.columns):
            raise ValueError(f"{name} lacks a column of {', '.join(PER_RUN_COLUMNS[name])}")
        return {run_id: group.reset_index(drop=True)
                for run_id, group in frame.groupby("run_id", sort=False)}

    def _move_aside(self, stem: str) -> None:
        aside = make_folder(self.folder / "damaged")
        for path in self.folder.glob(f"{stem}.*"):
            os.replace(path, aside / path.name)
