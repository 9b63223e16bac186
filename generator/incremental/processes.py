"""Work in other processes: the one way the generator and its MkDocs hooks use more than
one core, all through `multiprocessing`.

- `spread`: independent items over a pool of forked workers, results in order, so the
  output is the same byte for byte as one process's;
- `Child`: one function run in another process now, its result collected later: work a
  later stage will ask for, made on a core the stages in between leave idle; half of
  MkDocs' paper pages; the search index while MkDocs renders;
- `side_by_side`: work that lets go of Python's lock (compressing) in threads instead.

A forked process inherits everything the function needs, so only indices go out and
results come back pickled. A process that runs threads (`mkdocs serve`) must not fork:
there `READING_LIST_WORKERS` is 1, and a `Child` is started `fresh` (a new interpreter).
"""

from __future__ import annotations

import multiprocessing
import os
import sys
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Generic, TypeVar

from ..progress import progress

T = TypeVar("T")

WORKERS = "READING_LIST_WORKERS"
"""Environment variable: the number of processes to use (1: all work in this one)."""


def workers() -> int:
    """Processes to use: $READING_LIST_WORKERS, or the cores this process may run on, at
    most 4; 1 where processes cannot be forked."""
    if not hasattr(os, "fork"):
        return 1
    if os.environ.get(WORKERS, "").isdigit():
        return max(1, int(os.environ[WORKERS]))
    return min(cores(), 4)


def cores() -> int:
    """The cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


_work: Callable[[int], object] | None = None
"""The function the forked workers run (set before forking: a closure cannot be pickled)."""


def _run(index: int) -> object:
    assert _work is not None
    return _work(index)


def spread(make: Callable[[int], T], items: Sequence[int], description: str, heavy: bool) -> list[T]:
    """`[make(i) for i in items]`, in worker processes when `heavy` and there are cores to
    spare (about 8 chunks a worker)."""
    global _work
    count = workers()
    if count < 2 or not heavy or len(items) < 2:
        return [make(i) for i in progress(items, description)]
    _work = make
    try:
        with multiprocessing.get_context("fork").Pool(count) as pool:
            chunk = max(1, len(items) // (count * 8))
            return list(progress(pool.imap(_run, items, chunksize=chunk), description, total=len(items)))  # type: ignore[arg-type]
    finally:
        _work = None


def side_by_side(make: Callable[[int], T], items: Sequence[int], heavy: bool) -> list[T]:
    """`[make(i) for i in items]` in threads of this process, one a core (at most 4), when
    `heavy`: for work that lets go of Python's lock (zlib), which needs no other process."""
    if not heavy or len(items) < 2 or cores() < 2:
        return [make(i) for i in items]
    with ThreadPoolExecutor(min(cores(), 4)) as pool:
        return list(pool.map(make, items))


class Child(Generic[T]):
    """`make()` in another process, started now; `result()` waits for it. Forked (it has
    all this process has), at the lowest priority when `idle` (it takes a core the stages
    leave idle); `fresh`: a new interpreter, for a process that runs threads (`make` must
    then be picklable: a module's function, or a `functools.partial` of one)."""

    def __init__(self, make: Callable[[], T], idle: bool = False, fresh: bool = False) -> None:
        context = multiprocessing.get_context("spawn" if fresh else "fork")
        self.pipe, theirs = context.Pipe(duplex=False)
        sys.stdout.flush()
        sys.stderr.flush()
        self.process = context.Process(target=_child, args=(make, theirs, idle), daemon=True)
        self.process.start()
        theirs.close()
        self._result: tuple[bool, Any] | None = None

    def result(self) -> T:
        """Its result (waiting for it); raises `ChildFailed` if it failed or was stopped."""
        if self._result is None:
            try:
                self._result = self.pipe.recv()
            except (EOFError, OSError):
                self._result = (False, f"exit status {self._exit_code()}")
            self.process.join()
            self.pipe.close()
        ok, value = self._result
        if not ok:
            raise ChildFailed(value)
        return value  # type: ignore[no-any-return]

    def _exit_code(self) -> int | None:
        self.process.join()
        return self.process.exitcode

    def stop(self) -> None:
        """Stop it, if it is still running."""
        if self._result is None:
            self.process.kill()
            self.process.join()
            self.pipe.close()
            self._result = (False, "stopped")


class ChildFailed(RuntimeError):
    """A `Child` raised an error (its text), or ended without a result."""


def _child(make: Callable[[], object], pipe: Any, idle: bool) -> None:
    if idle:
        os.nice(19)
    try:
        outcome = (True, make())
    except BaseException as error:  # noqa: BLE001  (reported where the result is asked for)
        import traceback

        outcome = (False, "".join(traceback.format_exception_only(type(error), error)).strip())
    try:
        pipe.send(outcome)
        pipe.close()
    except OSError:  # the parent stopped waiting (it ended, or stopped this work)
        pass
