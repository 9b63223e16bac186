"""Incremental builds against cold builds over random edits of a larger list than the tests'.

    .venv/bin/python tests/incremental_soak.py                        # 2,000 corpus records, 25 edits, 2 minutes
    .venv/bin/python tests/incremental_soak.py --seed 3 --edits 40 --warm

The list: corpus records (../shared/corpora) as seed files as `benchmarks/run.py` writes them,
plus the seeds (English and Chinese). Each edit is one of: a new abstract, a copy of another
file's abstract, a reworded copy, a dropped line, a reworded line, a line moved to another
file, a file deleted, copied or renamed, Chinese records added. After each, the docs folder
of a build with the cache must equal, byte for byte, that of a build without it (made in a
copy of the previous docs folder: redirects depend on it). With --warm, the cache stays in
memory between builds, as under `./dev serve`. Exits 1 at the first difference.
It found a citation-key bug that the tests' 41 records did not show (see
`tests/test_incremental.py`).
"""

from __future__ import annotations

import argparse
import random
import shutil
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))

from run import corpus, records_for, write_seeds  # noqa: E402
from support import DEMO, ROOT, SEEDS  # noqa: E402
from test_incremental import options, tree  # noqa: E402

from generator.build import build  # noqa: E402

WORDS = "novel robust surprising agents probing scaling reward honesty".split()
KINDS = ("append", "copy", "near", "drop", "reword", "move", "delete", "copy-file", "rename", "chinese")


def edit(seeds: Path, kind: str, step: int, rng: random.Random) -> str:
    """Make one edit of `kind`; return what it did."""
    files = sorted(seeds.glob("*.txt"))
    path, other = rng.choice(files), rng.choice(files)
    lines: list[str] | None = path.read_text("utf-8").splitlines()
    long_lines = [line for line in other.read_text("utf-8").splitlines() if len(line) > 200]
    assert lines is not None
    if kind == "append":
        lines.append(f"Abstract: We study {' and '.join(rng.sample(WORDS, 3))} in language models and show that "
                     f"{rng.choice(WORDS)} predicts {rng.choice(WORDS)} (edit {step}).")
    elif kind == "copy" and long_lines:
        lines.append("Abstract: " + rng.choice(long_lines).removeprefix("Abstract:").strip())
    elif kind == "near" and long_lines:
        words = rng.choice(long_lines).removeprefix("Abstract:").split()
        for _ in range(2):
            words[rng.randrange(len(words))] = rng.choice(WORDS)
        lines.append("Abstract: " + " ".join(words))
    elif kind == "drop" and len(lines) > 1:
        lines.pop(rng.randrange(len(lines)))
    elif kind == "reword" and lines:
        i = rng.randrange(len(lines))
        words = lines[i].split()
        if len(words) > 2:
            words[rng.randrange(1, len(words))] = rng.choice(WORDS)
            lines[i] = " ".join(words)
    elif kind == "move" and len(lines) > 1 and other != path:
        line = lines.pop(rng.randrange(len(lines)))
        other.write_text(other.read_text("utf-8") + "\n" + line + "\n", "utf-8")
    elif kind == "delete":
        path.unlink()
        lines = None
    elif kind == "copy-file":
        shutil.copy(path, path.with_name(f"copy{step}-{path.name}"))
    elif kind == "rename":
        path.rename(path.with_name(f"renamed{step}-{path.name}"))
        lines = None
    elif kind == "chinese":
        chinese = [line for line in SEEDS.glob("*.txt") for line in line.read_text("utf-8").splitlines()
                   if any("\u4e00" <= c <= "\u9fff" for c in line)]
        lines += rng.sample(chinese, min(len(chinese), rng.randrange(1, 4)))
    if lines is not None:
        path.write_text("\n".join(lines) + "\n", "utf-8")
    return f"{kind} {path.name}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--records", type=int, default=2000)
    parser.add_argument("--edits", type=int, default=25)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--warm", action="store_true", help="keep the cache in memory between builds (./dev serve)")
    args = parser.parse_args()
    rng = random.Random(args.seed)
    with tempfile.TemporaryDirectory() as folder:
        project = Path(folder)
        write_seeds(records_for(args.records, corpus()), project / "seeds")
        for path in SEEDS.glob("*.txt"):
            shutil.copy(path, project / "seeds" / path.name)
        shutil.copy(DEMO / "catalog.yml", project / "catalog.yml")
        build(options(project, project / "docs", project / "cache", args.warm))
        for step in range(args.edits):
            done = edit(project / "seeds", rng.choice(KINDS), step, rng)
            cold = project / "cold"
            shutil.copytree(project / "docs", cold)
            build(options(project, cold, None))
            build(options(project, project / "docs", project / "cache", args.warm))
            incremental, scratch = tree(project / "docs"), tree(cold)
            if incremental != scratch:
                differ = sorted(name for name in incremental.keys() | scratch.keys() if incremental.get(name) != scratch.get(name))
                print(f"edit {step} ({done}): {len(differ)} files differ: {', '.join(differ[:8])}")
                sys.exit(1)
            print(f"edit {step} ({done}): the same {len(scratch):,} files", flush=True)
            shutil.rmtree(cold)
    print(f"{args.edits} edits: incremental and cold builds the same after each")


if __name__ == "__main__":
    main()
