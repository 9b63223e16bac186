"""The maintainer's loop against an earlier revision, interleaved: one added record (the
command line, with the cache of a cold build), and an edit under `mkdocs serve --dirty`
until the browser can load the new paper's page. This machine's speed drifts by up to
1.8x within an hour, so each measurement of the working tree is paired with one of the
base revision made right before it.

    .venv/bin/python benchmarks/edit_pairs.py --base 9c2af2e                  # about 20 minutes
    .venv/bin/python benchmarks/edit_pairs.py --base HEAD~1 --head HEAD --added 41 --serve 41 --runs 3

The base revision (and the head, with --head) is checked out in a temporary git worktree,
so the working tree can change meanwhile; both run with this venv's
Python, on the same seed files (the seeds, `41`, or corpus records written as
`benchmarks/run.py` writes them). Prints each pair and the medians of the pairs' ratios
(working tree / base).
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from incremental import CURATED, new_abstract, seeds_for  # noqa: E402
from run import ENV, PYTHON, ROOT, corpus, machine  # noqa: E402

from generator.papers import derive_title, make_slug  # noqa: E402
from generator.text import fingerprint  # noqa: E402
from support import free_port, http_status  # noqa: E402


def command(code: Path, seeds: Path, docs: Path, cache: Path) -> list[str]:
    return [PYTHON, "-m", "generator", "build", "--seeds", str(seeds), "--docs", str(docs), "--cache", str(cache),
            "--catalog", str(code / "catalog.yml"), "--taxonomy", str(code / "taxonomy.yml"), "--overrides", str(code / "duplicates.yml"), "--quiet"]


def timed(code: Path, args: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(args, cwd=code, check=True, capture_output=True, env=ENV)
    return time.perf_counter() - start


def added_pairs(versions: dict[str, Path], work: Path, size: int, runs: int, rows: list[dict] | None) -> list[tuple[float, float]]:
    """One added record, with the docs and cache of a cold build, alternating the versions."""
    for name, code in versions.items():
        seeds_for(size, work / name / "seeds", rows)
        subprocess.run(command(code, work / name / "seeds", work / name / "docs", work / name / "cache"), cwd=code, check=True,
                       capture_output=True, env=ENV)
    pairs = []
    for n in range(runs):
        pair = []
        for name, code in versions.items():
            first = sorted((work / name / "seeds").glob("*.txt"))[0]
            with first.open("a", encoding="utf-8") as file:
                file.write(f"\nAbstract: {new_abstract(f'{size}-{n}')}\n")
            pair.append(timed(code, command(code, work / name / "seeds", work / name / "docs", work / name / "cache")))
        pairs.append((pair[0], pair[1]))
        print(f"one added record, {size:,} records, pair {n + 1}: base {pair[0]:.2f} s, {LABEL} {pair[1]:.2f} s", flush=True)
    return pairs


def serve_pairs(versions: dict[str, Path], work: Path, size: int, runs: int, rows: list[dict] | None) -> list[tuple[float, float]]:
    """Edit to browser: both versions served at once, an edit of each in turn."""
    servers, bases = {}, {}
    try:
        for name, code in versions.items():
            project = work / f"serve-{name}"
            project.mkdir(parents=True)
            shutil.copy(code / "mkdocs.yml", project)
            shutil.copytree(code / "overrides", project / "overrides")
            (project / "generator").symlink_to(code / "generator")
            seeds_for(size, project / "seeds", rows)
            for curated in CURATED:
                shutil.copy(code / curated, project / curated)
            subprocess.run(command(project, project / "seeds", project / "docs", project / ".cache" / "generator"), cwd=project, check=True,
                           capture_output=True, env=ENV)
            port = free_port()
            bases[name] = f"http://127.0.0.1:{port}/"
            log = (work / f"serve-{name}.log").open("w", encoding="utf-8")
            servers[name] = subprocess.Popen([PYTHON, "-m", "mkdocs", "serve", "-a", f"127.0.0.1:{port}", "--dirty", "--no-strict"], cwd=project,
                                             stdout=log, stderr=subprocess.STDOUT, env=ENV)
        for name, base in bases.items():
            deadline = time.monotonic() + 1800
            while http_status(base) != 200:
                if time.monotonic() > deadline or servers[name].poll() is not None:
                    raise RuntimeError(f"mkdocs serve ({name}) did not start")
                time.sleep(0.5)
        time.sleep(5)
        pairs = []
        for n in range(runs):
            pair = []
            for name in versions:
                text = new_abstract(f"served-{size}-{n}")
                page = bases[name] + f"papers/{make_slug(derive_title(text), 'text:' + fingerprint(text))}/"
                start = time.perf_counter()
                (work / f"serve-{name}" / "seeds" / f"new-{n}.txt").write_text(f"Abstract: {text}\n", "utf-8")
                while http_status(page) != 200:
                    if time.perf_counter() - start > 900:
                        raise RuntimeError(f"{page} never appeared")
                    time.sleep(0.02)
                pair.append(time.perf_counter() - start)
                time.sleep(4)  # let the server settle (search index, the rebuild its writes set off)
            pairs.append((pair[0], pair[1]))
            print(f"edit to browser, {size:,} records, pair {n + 1}: base {pair[0]:.2f} s, {LABEL} {pair[1]:.2f} s", flush=True)
        return pairs
    finally:
        for server in servers.values():
            server.terminate()
            server.wait(timeout=60)


def summary(label: str, pairs: list[tuple[float, float]]) -> str:
    ratios = [head / base for base, head in pairs]
    return (f"{label}: base median {statistics.median(b for b, _ in pairs):.2f} s, {LABEL} median "
            f"{statistics.median(h for _, h in pairs):.2f} s, ratio median {statistics.median(ratios):.2f} "
            f"(pairs {', '.join(f'{r:.2f}' for r in ratios)})")


LABEL = "working tree"
"""How the measured revision is named in the output."""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", required=True, help="the revision to compare with")
    parser.add_argument("--head", help="the revision to measure (default: the working tree)")
    parser.add_argument("--added", type=int, nargs="*", default=[41, 48956], help="list sizes for one added record")
    parser.add_argument("--serve", type=int, nargs="*", default=[41, 10000], help="list sizes for edit to browser")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    rows = corpus() if any(size != 41 for size in args.added + args.serve) else None
    print(f"machine: {machine()}", flush=True)
    lines = []
    with tempfile.TemporaryDirectory(prefix="edit-pairs-") as temporary:
        work = Path(temporary)
        base, head = work / "base-code", work / "head-code" if args.head else ROOT
        global LABEL
        LABEL = args.head or "working tree"
        for revision, folder in ((args.base, base), (args.head, head)):
            if revision:
                subprocess.run(["git", "worktree", "add", "--detach", "--quiet", str(folder), revision], cwd=ROOT, check=True)
        versions = {"base": base, "head": head}
        try:
            for size in args.added:
                lines.append(summary(f"one added record, {size:,} records", added_pairs(versions, work / f"added-{size}", size, args.runs, rows)))
            for size in args.serve:
                lines.append(summary(f"edit to browser, {size:,} records", serve_pairs(versions, work / f"serve-{size}", size, args.runs, rows)))
        finally:
            for folder in {base, head} - {ROOT}:
                subprocess.run(["git", "worktree", "remove", "--force", str(folder)], cwd=ROOT, check=True)
    print("\n".join(lines))


if __name__ == "__main__":
    main()
