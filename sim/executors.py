"""Where runs execute: in this process, in a pool of processes, or on a Dask cluster.

Each executor is a small class behind one interface: used as a context manager (its
workers start on entry and end on every exit path, an interrupt included), it has
``jobs`` (how many chunks run at once) and ``imap(fn, items)``, which yields ``fn(item)``
for every item as each finishes, in any order. The results do not depend on the
executor: a run's numbers come from its own seed.
"""

import contextlib
import ctypes
import logging
import os
import re
import signal
import sys
import threading
from collections.abc import Callable, Iterable, Iterator

from sim.scenario import ScenarioError

MAX_JOBS = 1024
# a Dask scheduler: tcp://host:port (or tls://, ws://, wss://), or host:port
SCHEDULER_ADDRESS = re.compile(r"((tcp|tls|ws|wss)://)?[A-Za-z0-9._\-\[\]:]+:\d{1,5}/?")


def check_jobs(jobs) -> int | None:
    if jobs is not None and (isinstance(jobs, bool) or not isinstance(jobs, int)
                             or not 1 <= jobs <= MAX_JOBS):
        raise ScenarioError(f"--jobs must be a whole number from 1 to {MAX_JOBS}, not {jobs!r}")
    return jobs


class Serial:
    """Every chunk in this process, one after another (for debugging and small runs)."""

    name = "serial"

    def __init__(self, jobs: int | None = None):
        check_jobs(jobs)
        self.jobs = 1

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def imap(self, fn: Callable, items: Iterable) -> Iterator:
        for item in items:
            yield fn(item)


class Processes:
    """A pool of worker processes on this machine, one per core unless told.

    The workers are started fresh (``spawn``) by this process, ignore Ctrl-C (the parent
    handles it once) and ask the kernel to kill them if the parent dies, so a sweep
    killed with SIGKILL or SIGTERM leaves no process behind."""

    name = "processes"

    def __init__(self, jobs: int | None = None):
        self.jobs = check_jobs(jobs) or os.cpu_count() or 1
        self.pool = None
        self.futures = []

    def __enter__(self):
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        self.pool = ProcessPoolExecutor(
            max_workers=self.jobs, mp_context=multiprocessing.get_context("spawn"),
            initializer=_worker_starts, initargs=(os.getpid(),))
        return self

    def imap(self, fn: Callable, items: Iterable) -> Iterator:
        from concurrent.futures import as_completed

        # only unfinished futures are kept (to cancel them): a finished chunk's results
        # are the caller's to keep or drop
        self.futures = {self.pool.submit(fn, item) for item in items}
        for future in as_completed(set(self.futures)):
            self.futures.discard(future)
            yield future.result()

    def __exit__(self, exc_type, *exc):
        if exc_type is None:
            self.pool.shutdown(wait=True)
            return False
        for future in self.futures:
            future.cancel()
        # the running chunks are not worth finishing: their runs are computed again
        # on resume. ProcessPoolExecutor has no public way to stop a busy worker.
        for process in list(getattr(self.pool, "_processes", {}).values()):
            process.kill()
        self.pool.shutdown(wait=True, cancel_futures=True)
        return False


def _worker_starts(parent: int) -> None:
    """In each pool worker: leave Ctrl-C to the parent, and die with it."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if sys.platform == "linux":
        PR_SET_PDEATHSIG = 1
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent:  # the parent died before the line above took effect
        os._exit(1)


class Dask:
    """A Dask cluster: an existing one at ``scheduler`` (its workers need quotasim
    installed; reached on entry, so an unreachable one is an error before anything is
    written), or a local one with ``jobs`` single-threaded worker processes, started
    when there is work."""

    name = "dask"
    CONNECT_TIMEOUT_S = 10

    def __init__(self, jobs: int | None = None, scheduler: str | None = None):
        check_jobs(jobs)
        if scheduler is not None and not SCHEDULER_ADDRESS.fullmatch(scheduler):
            raise ScenarioError(f"--scheduler must be an address like tcp://HOST:PORT, "
                                f"not {scheduler!r}")
        self.jobs = jobs or os.cpu_count() or 1
        self.scheduler = scheduler
        self.client = self.cluster = None
        self.futures = []

    def __enter__(self):
        try:
            from dask.distributed import Client
        except ImportError:
            raise ScenarioError("the dask executor needs the cluster extra: "
                                "pip install 'quotasim[cluster]'") from None
        logging.getLogger("distributed").setLevel(logging.ERROR)
        if self.scheduler:
            try:
                self.client = Client(self.scheduler, timeout=self.CONNECT_TIMEOUT_S)
            except (OSError, TimeoutError) as e:
                raise ScenarioError(f"cannot reach the Dask scheduler at {self.scheduler} "
                                    f"within {self.CONNECT_TIMEOUT_S} s "
                                    f"({type(e).__name__})") from None
            self.jobs = sum(self.client.nthreads().values()) or 1
        return self

    def imap(self, fn: Callable, items: Iterable) -> Iterator:
        from dask.distributed import Client, LocalCluster, as_completed

        items = list(items)
        if not items:
            return
        if self.client is None:  # a local cluster starts only when there is work
            # its processes inherit an ignored Ctrl-C, which the parent handles once
            with _ctrl_c_ignored():
                self.cluster = LocalCluster(n_workers=self.jobs, threads_per_worker=1,
                                            processes=True, dashboard_address=None,
                                            silence_logs=logging.ERROR)
            self.client = Client(self.cluster)
        self.futures = set(self.client.map(fn, items, pure=False))
        for future in as_completed(list(self.futures)):
            self.futures.discard(future)
            result = future.result()
            future.release()  # the cluster may forget it
            yield result

    def __exit__(self, exc_type, *exc):
        # closing a cluster that is being interrupted makes Dask log at length:
        # what matters has been said once by the command line
        logging.getLogger("distributed").setLevel(
            logging.ERROR if exc_type is None else logging.CRITICAL + 1)
        try:
            if self.futures:
                self.client.cancel(list(self.futures))
            if self.client is not None:
                self.client.close()
            if self.cluster is not None:
                self.cluster.close()
        except Exception:  # noqa: BLE001 - tearing down after an error: keep the first
            if exc_type is None:
                raise
        return False


@contextlib.contextmanager
def _ctrl_c_ignored():
    """Ignore SIGINT while child processes start (they keep ignoring it after exec)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


EXECUTORS = {cls.name: cls for cls in (Serial, Processes, Dask)}


def make_executor(name: str, jobs: int | None = None, scheduler: str | None = None):
    """An executor by name: serial, processes or dask (``scheduler`` needs dask)."""
    if name not in EXECUTORS:
        raise ScenarioError(f"unknown executor {name!r} (choose from {', '.join(EXECUTORS)})")
    if scheduler is not None and name != "dask":
        raise ScenarioError("--scheduler needs --executor dask")
    return Dask(jobs, scheduler) if name == "dask" else EXECUTORS[name](jobs)
