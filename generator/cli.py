"""Command line: `python -m generator build`, `changes`, `preview` and `new`.

A user's mistake (a wrong option, a missing path, a curated file that cannot be used, a
page that would overwrite a hand-written file) ends with one line naming the file and
exit status 2, never a traceback, and before anything is half-written.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import NoReturn

from . import progress as progress_module
from .build import Options, Summary, build, report
from .curated import CuratedFileError, display_name
from .text import plural
from .writer import WriteError

USER_ERROR = 2
DEFAULTS = {"catalog": Path("catalog.yml"), "taxonomy": Path("taxonomy.yml"), "overrides": Path("duplicates.yml"), "config": Path("mkdocs.yml")}


class Parser(argparse.ArgumentParser):
    """argparse, with its errors on one line."""

    def error(self, message: str) -> NoReturn:
        self.exit(USER_ERROR, f"{self.prog}: error: {message} (see --help)\n")


def parser() -> Parser:
    parser = Parser(prog="python -m generator", description="Turn seed files of paper abstracts into MkDocs pages.")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=Parser)
    command = commands.add_parser(
        "build",
        help="regenerate the docs folder from the seed files",
        description="Read every seed file, merge duplicate abstracts, and write one page per paper plus index pages into the docs folder.",
    )
    command.add_argument("--seeds", type=Path, default=Path("seeds"), help="folder of seed files to read (default: seeds)")
    command.add_argument("--docs", type=Path, default=Path("docs"), help="folder to write the Markdown pages into (default: docs)")
    command.add_argument("--catalog", type=Path, help="curated metadata file (default: catalog.yml, if present)")
    command.add_argument("--taxonomy", type=Path, help="topics file (default: taxonomy.yml, if present)")
    command.add_argument("--overrides", type=Path, help="records forced together or apart (default: duplicates.yml, if present)")
    command.add_argument("--config", type=Path, help="the site's MkDocs configuration, for the list's name and settings (default: mkdocs.yml, if present)")
    command.add_argument(
        "--strict", nargs="?", const="all", choices=("all", "curation"),
        help="exit with status 1 on problems: 'all' (the default when given) fails on any rejected record or warning; "
             "'curation' only on warnings about the curated files (an entry that matches no paper, an unknown topic). "
             "A curated file that cannot be used always stops the build, with status 2",
    )
    command.add_argument("--force", action="store_true", help="rebuild everything even if no input changed")
    command.add_argument("--forget-moves", action="store_true",
                         help="drop the redirect pages of papers whose URL changed in earlier builds (for a list not yet published)")
    command.add_argument("--cache", type=Path, default=Path(".cache") / "generator",
                         help="folder of the cache of per-text work, reused between runs (default: .cache/generator)")
    command.add_argument("--no-cache", action="store_true", help="use no cache: compute everything (the output is the same)")
    command.add_argument("--quiet", action="store_true", help="print only the summary")
    changes = commands.add_parser(
        "changes",
        help="summarise how the papers changed between two papers.json exports",
        description="Compare two papers.json files (e.g. main and a pull request): papers added, removed and merged.",
    )
    changes.add_argument("base", type=Path, help="papers.json before the change")
    changes.add_argument("head", type=Path, help="papers.json after the change")
    preview = commands.add_parser(
        "preview",
        help="copy the offline build for a pull-request preview, light past 5,000 papers",
        description="Copy the offline build into OUT. Past 5,000 papers only the pages of papers the change adds or alters are kept.",
    )
    preview.add_argument("site", type=Path, help="the offline build (site-offline)")
    preview.add_argument("base", type=Path, help="papers.json before the change")
    preview.add_argument("head", type=Path, help="papers.json after the change")
    preview.add_argument("out", type=Path, help="folder to write the preview into (replaced)")
    new = commands.add_parser(
        "new",
        help="replace the demo list with an empty list of your own",
        description="Remove the demo's seed files, write empty catalog.yml and duplicates.yml, a starter taxonomy.yml and placeholders in mkdocs.yml.",
    )
    new.add_argument("--force", action="store_true", help="go ahead even when seeds/ holds files that are not the demo's (they are kept)")
    return parser


def main(argv: list[str] | None = None, exiting: bool = False) -> int:
    """The command line; `exiting`: the process ends when this returns (see `Options.exiting`)."""
    arguments = parser()
    args = arguments.parse_args(argv)
    if args.command == "preview":
        from .preview import make_preview

        if not args.site.is_dir():
            return fail(f"{display_name(args.site)}: not a folder (build the offline site first: ./dev offline)")
        try:
            result = make_preview(args.site, args.base, args.head, args.out)
        except (OSError, ValueError, KeyError, TypeError) as error:
            return fail(f"preview: {error}")
        print(f"preview: {result.kept:,} of {result.papers:,} paper pages, {result.bytes / 1e6:.1f} MB in {display_name(args.out)}")
        return 0
    if args.command == "new":
        from .starter import StarterError, new_list

        try:
            done = new_list(Path.cwd(), args.force)
        except (StarterError, OSError) as error:
            return fail(f"new: {error}")
        for line in done:
            print(f"new: {line}")
        return 0
    if args.command == "changes":
        from .changes import ChangesError, describe_changes

        try:
            print(describe_changes(args.base, args.head), end="")
        except ChangesError as error:
            return fail(str(error))
        return 0

    if not args.seeds.is_dir():
        return fail(f"{display_name(args.seeds)}: seeds folder not found" if not args.seeds.exists() else f"{display_name(args.seeds)}: not a folder (--seeds needs the folder of seed files)")
    if args.docs.exists() and not args.docs.is_dir():
        return fail(f"{display_name(args.docs)}: not a folder (--docs needs the folder to write pages into)")
    for name, default in DEFAULTS.items():
        given = getattr(args, name)
        if given is not None and not given.is_file():
            return fail(f"{display_name(given)}: {'file not found' if not given.exists() else 'not a file'} (given with --{name})")
        setattr(args, name, given if given is not None else default)
    progress_module.enabled = progress_module.enabled and not args.quiet
    options = Options(args.seeds, args.docs, args.catalog, args.taxonomy, args.overrides, force=args.force,
                      cache=None if args.no_cache else args.cache, exiting=exiting, config=args.config,
                      forget_moves=args.forget_moves)
    try:
        summary = build(options)
    except CuratedFileError as error:
        return fail(str(error))
    except WriteError as error:
        return fail(str(error))
    except OSError as error:
        return fail(f"{error.filename or args.docs}: {error.strerror or error}")
    report(summary, quiet=args.quiet)
    failing = strict_failures(summary, args.strict)
    if failing:
        print(f"strict mode ({args.strict}): {plural(len(failing), 'problem')}, failing", file=sys.stderr)
        return 1
    return 0


def fail(message: str) -> int:
    print(message, file=sys.stderr)
    return USER_ERROR


def strict_failures(summary: Summary, mode: str | None) -> list[object]:
    """The problems that fail a build in strict mode `mode` (None: none do)."""
    if mode == "all":
        return list(summary.problems)
    if mode == "curation":
        return [p for p in summary.problems if p.curated]
    return []
