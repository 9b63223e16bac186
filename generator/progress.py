"""Progress bars for long runs: shown on a terminal, silent otherwise (CI, pipes, tests)."""

from __future__ import annotations

import sys
from collections.abc import Iterable, Iterator
from typing import TypeVar

T = TypeVar("T")

enabled = sys.stderr.isatty()
"""Set by the command line (`--quiet` turns bars off)."""


def progress(items: Iterable[T], description: str, total: int | None = None) -> Iterator[T] | Iterable[T]:
    """`items`, with a progress bar on stderr when it is a terminal and the run is long."""
    if not enabled:
        return items
    from tqdm import tqdm

    return tqdm(items, desc=description, total=total, leave=False, file=sys.stderr, mininterval=0.2, delay=0.5)
