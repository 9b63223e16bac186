"""Command line: `python -m generator build`."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from . import progress as progress_module
from .build import Options, Summary, build
from .model import group_problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m generator", description="Turn seed files of paper abstracts into MkDocs pages.")
    commands = parser.add_subparsers(dest="command", required=True)
    command = commands.add_parser(
        "build",
        help="regenerate the docs folder from the seed files",
        description="Read every seed file, merge duplicate abstracts, and write one page per paper plus index pages into the docs folder.",
    )
    command.add_argument("--seeds", type=Path, default=Path("seeds"), help="folder of seed files to read (default: seeds)")
    command.add_argument("--docs", type=Path, default=Path("docs"), help="folder to write the Markdown pages into (default: docs)")
    command.add_argument("--catalog", type=Path, default=Path("catalog.yml"), help="curated metadata file (default: catalog.yml)")
    command.add_argument("--taxonomy", type=Path, default=Path("taxonomy.yml"), help="topics file (default: taxonomy.yml)")
    command.add_argument("--overrides", type=Path, default=Path("duplicates.yml"), help="records forced together or apart (default: duplicates.yml)")
    command.add_argument("--strict", action="store_true", help="exit with status 1 if any record was rejected or any warning was raised")
    command.add_argument("--force", action="store_true", help="rebuild everything even if no input changed")
    command.add_argument("--quiet", action="store_true", help="print only the summary")
    changes = commands.add_parser(
        "changes",
        help="summarise how the papers changed between two papers.json exports",
        description="Compare two papers.json files (e.g. main and a pull request): papers added, removed and merged.",
    )
    changes.add_argument("base", type=Path, help="papers.json before the change")
    changes.add_argument("head", type=Path, help="papers.json after the change")
    args = parser.parse_args(argv)

    if args.command == "changes":
        from .changes import main as changes_main

        return changes_main(args.base, args.head)
    if not args.seeds.is_dir():
        parser.error(f"seeds folder not found: {args.seeds}")
    progress_module.enabled = progress_module.enabled and not args.quiet
    summary = build(Options(args.seeds, args.docs, args.catalog, args.taxonomy, args.overrides, force=args.force))
    report(summary, quiet=args.quiet)
    if args.strict and summary.problems:
        print(f"strict mode: {len(summary.problems)} problem(s), failing", file=sys.stderr)
        return 1
    return 0


def report(summary: Summary, quiet: bool = False) -> None:
    if not quiet:
        for run in group_problems(summary.problems):
            print(run, file=sys.stderr)
    written = summary.written
    print(
        f"{summary.files} files read, {summary.records} records found, {summary.papers} unique papers, "
        f"{summary.duplicates} duplicates merged, {len(summary.rejected)} rejected, {len(summary.warnings)} warnings"
    )
    for reason, count in sorted(_reasons(summary).items()):
        print(f"  rejected: {count} x {reason}")
    if summary.cached:
        print("pages: nothing changed since the last build, no file written")
    elif written:
        print(f"pages: {len(written.written)} written, {written.unchanged} unchanged, {len(written.removed)} removed")
    print("time: " + ", ".join(f"{stage} {seconds:.2f}s" for stage, seconds in summary.seconds.items()))


def _reasons(summary: Summary) -> dict[str, int]:
    counts: dict[str, int] = {}
    for problem in summary.rejected:
        reason = problem.reason.split(" (")[0]
        counts[reason] = counts.get(reason, 0) + 1
    return counts
