"""Independent work spread over the machine's cores, in forked processes.

The generator is one Python process; reading seed files and rendering paper pages are the
stages whose items are independent and heavy (9.2 s and 13.7 s of a cold run at 48,956
records, on one core of two). Workers are forked, so they inherit everything the function
needs: only indices go out, and results come back pickled, in order, so the output is the
same byte for byte as one process's. Small jobs stay in this process. `Ahead` starts work
that a later stage needs while the stages before it keep only one core busy.
"""

from __future__ import annotations

import multiprocessing
import os
import pickle
import signal
import sys
from collections.abc import Callable
from typing import TypeVar

from .progress import progress

T = TypeVar("T")

_work: Callable[[int], object] | None = None
"""The function the forked workers run (set before forking: a closure cannot be pickled)."""


def _run(index: int) -> object:
    assert _work is not None
    return _work(index)


WORKERS = "READING_LIST_WORKERS"
"""Environment variable: the number of processes to use (1: all work in this one)."""


def workers() -> int:
    """Processes to use: $READING_LIST_WORKERS, or the cores this process may run on, at most 4."""
    if os.environ.get(WORKERS, "").isdigit():
        return max(1, int(os.environ[WORKERS]))
    return min(cores(), 4)


def cores() -> int:
    """The cores this process may run on: threads for work that lets go of the GIL (zlib),
    which need no fork, so also under `mkdocs serve` (where READING_LIST_WORKERS is 1)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def parallel_map(work: Callable[[int], T], indices: list[int], description: str, worth_it: bool, chunk: int = 0) -> list[T]:
    """`[work(i) for i in indices]`, in worker processes when `worth_it` and there are cores
    to spare (`chunk` items at a time; by default about 8 chunks a worker)."""
    global _work
    count = workers() if "fork" in multiprocessing.get_all_start_methods() else 1
    if count < 2 or not worth_it or len(indices) < 2:
        return [work(i) for i in progress(indices, description)]
    _work = work
    try:
        with multiprocessing.get_context("fork").Pool(count) as pool:
            chunk = chunk or max(1, len(indices) // (count * 8))
            return list(progress(pool.imap(_run, indices, chunksize=chunk), description, total=len(indices)))  # type: ignore[arg-type]
    finally:
        _work = None


class Ahead:
    """`[work(i) for i in indices]` in one forked process, started now and collected later
    (`results`): work a later stage will ask for, done on a core the stages in between leave
    idle (at the lowest priority, it yields to their workers). No thread of this process
    serves it, so forking the stages' workers meanwhile stays safe: the child pickles its
    whole result into a pipe, read when asked for."""

    def __init__(self, work: Callable[[int], object], indices: list[int]) -> None:
        read, write = os.pipe()
        sys.stdout.flush()
        sys.stderr.flush()
        self.pid = os.fork()
        if self.pid == 0:  # the child: its result, and none of this process' exit work
            os.close(read)
            code = 1
            try:
                os.nice(19)  # a core the stages leave idle, not one they use
                data = pickle.dumps([work(i) for i in indices], protocol=5)
                with os.fdopen(write, "wb") as pipe:
                    pipe.write(data)
                code = 0
            finally:
                os._exit(code)
        os.close(write)
        self.pipe: int | None = read

    def results(self) -> list[object] | None:
        """Its results (waiting for them), or None if it failed: the caller does the work."""
        if self.pipe is None:
            return None
        with os.fdopen(self.pipe, "rb") as pipe:
            data = pipe.read()
        self.pipe = None
        _, status = os.waitpid(self.pid, 0)
        return pickle.loads(data) if os.waitstatus_to_exitcode(status) == 0 else None

    def cancel(self) -> None:
        if self.pipe is not None:
            os.kill(self.pid, signal.SIGKILL)
            os.waitpid(self.pid, 0)
            os.close(self.pipe)
            self.pipe = None


AHEAD = 2_000
"""Records from which a build starts, ahead, work that later stages will need (`Ahead`)."""


def can_work_ahead(records: int) -> bool:
    """Whether to start `Ahead` work for this many records: enough of them, several workers
    allowed, and `os.fork`."""
    return records >= AHEAD and workers() > 1 and hasattr(os, "fork")
