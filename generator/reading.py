"""Seed files -> records: every readable file through its reader (`readers`), read once
and kept by the seam (`work.Work`) by the file's name and bytes."""

from __future__ import annotations

from collections.abc import Sequence

from .model import Problem, SeedFile
from .readers import Reading, read_seed
from .work import Work


def read_files(files: Sequence[SeedFile], work: Work) -> dict[str, Reading]:
    """The reading of each readable file, by name."""
    readable = [file for file in files if file.data is not None]
    heavy = sum(len(file.data or b"") for file in readable) > SPREAD_BYTES
    readings = work.results("reading", [(file.name, file.data) for file in readable],
                            lambda missing: work.each(lambda i: read_seed(readable[i].data, readable[i].name), missing, "read", heavy))  # type: ignore[arg-type]
    return {file.name: reading for file, reading in zip(readable, readings)}


SPREAD_BYTES = 4_000_000
"""Bytes of seed files from which reading them is worth other processes (1 MB takes 0.2 s)."""


def seed_problems(files: Sequence[SeedFile], readings: dict[str, Reading]) -> list[Problem]:
    """The problems of every file: those its reading found, or that it cannot be read."""
    problems = []
    for file in files:
        if file.data is None:
            problems.append(Problem(file.name, 0, f"file skipped: cannot read it ({file.error})"))
        else:
            problems.extend(readings[file.name].problems)
    return problems
