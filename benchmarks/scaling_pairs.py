"""Cold builds of two list sizes with the working tree's generator, interleaved: the time of
the larger against the smaller, pair by pair. This machine's speed drifts by 10-20 % within
minutes, and `benchmarks/incremental.py` measures one size after the other (its 100,000 /
48,956 ratio came out 2.03 and 2.19 in two runs an hour apart, same code).

    .venv/bin/python benchmarks/scaling_pairs.py                      # about 6 minutes
    .venv/bin/python benchmarks/scaling_pairs.py --sizes 1000 2000 --runs 1

Seeds as `run.write_seeds` writes them; each run into new docs and cache folders.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from cold_pairs import cold  # noqa: E402
from run import ROOT, corpus, records_for, write_seeds  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs=2, default=[48956, 100000])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    small, large = args.sizes
    with tempfile.TemporaryDirectory(prefix="scaling-pairs-") as temporary:
        work = Path(temporary)
        rows = corpus()
        for size in args.sizes:
            write_seeds(records_for(size, rows), work / f"seeds{size}")
        ratios, memory = [], []
        for n in range(args.runs):
            runs = {size: cold(ROOT, work / f"seeds{size}", work / f"{size}-{n}") for size in args.sizes}
            ratios.append(runs[large][0] / runs[small][0])
            memory.append(runs[large][1] / runs[small][1])
            print(f"pair {n + 1}: {small:,} records {runs[small]}, {large:,} records {runs[large]} (s, MB, user s): "
                  f"time x{ratios[-1]:.2f}, peak x{memory[-1]:.2f}", flush=True)
        print(f"median: time x{statistics.median(ratios):.2f}, peak x{statistics.median(memory):.2f} for x{large / small:.2f} the records")


if __name__ == "__main__":
    main()
