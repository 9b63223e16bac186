"""Benchmark the site at the scale of a real feed: build cost against the floor, site size,
and search (hosted over HTTP, offline from disk) in chromium. One command:

    .venv/bin/python benchmarks/site_scale.py                       # 10k, 35k and 70k papers (about 40 minutes)
    .venv/bin/python benchmarks/site_scale.py --sizes 2000 --runs 1 # a quick look

Input: corpus records as seed files of the scraped formats (benchmarks/run.py's writer,
past 48,956 records reused with reversed words as new papers), plus the five real seed files
(their Chinese papers, for Chinese search). For each size:

- the generator, cold, into a fresh docs folder (seconds);
- the hosted site: `mkdocs build --strict` with `benchmarks/timing_hook.py` timing every
  page, in a site that also holds 1,000 stock pages: a plain Markdown page each, title and
  the same abstract as a paper, no template of ours, out of Material's search index as paper
  pages are; the floor. Reported: median CPU ms per
  paper page and per stock page, and their ratio; wall seconds of the build; bytes of
  site/ without the stock pages, and per paper page;
- the offline site (`OFFLINE=true`), its bytes;
- search in chromium, a fresh browser context (empty cache) per query, over a local HTTP
  server that gzips text and sends `Cache-Control: max-age=600` as GitHub Pages does, and
  from disk: seconds from the last keystroke to the first result, and for HTTP the bytes
  of search data transferred (gzip) for that first query: the worker, Material's small
  index of non-paper pages, the paper index's manifest, dictionary, postings and result
  blocks. Queries: five rare word pairs from the middle of five papers' abstracts (found
  only if whole abstracts are indexed), a title word, an author, an arXiv-style phrase,
  and a Chinese word from a Chinese-only seed paper. A second page load and query in the
  same context shows what the cache saves.

Medians of --runs runs. Results: stdout as Markdown, benchmarks/out/site.json.
"""

from __future__ import annotations

import argparse
import functools
import gzip
import http.server
import io
import json
import os
import platform
import random
import re
import shutil
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import run as generator_bench  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from generator.writer import read_papers_export  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "benchmarks" / "out"
PYTHON = sys.executable
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--disable-quic"]
STOCK_PAGES = 1000


class _Gzip(http.server.SimpleHTTPRequestHandler):
    """GitHub Pages as far as search cares: gzip for text, ten minutes of caching."""

    def log_message(self, *args: object) -> None:
        pass

    def end_headers(self) -> None:
        self.send_header("Cache-Control", "max-age=600")
        super().end_headers()

    def send_head(self):  # type: ignore[no-untyped-def]
        path = self.translate_path(self.path)
        if os.path.isdir(path):
            path = os.path.join(path, "index.html")
        compressible = path.endswith((".html", ".js", ".json", ".css", ".xml", ".svg"))
        if not compressible or "gzip" not in self.headers.get("Accept-Encoding", "") or not os.path.isfile(path):
            return super().send_head()
        with open(path, "rb") as file:
            body = gzip.compress(file.read(), compresslevel=6, mtime=0)
        self.send_response(200)
        self.send_header("Content-Type", self.guess_type(path))
        self.send_header("Content-Encoding", "gzip")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        return io.BytesIO(body)


@contextmanager
def serve(folder: Path) -> Iterator[str]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Gzip, directory=str(folder)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/"
    finally:
        server.shutdown()


def build_project(work: Path, size: int, rows: list[dict]) -> dict[str, object]:
    shutil.rmtree(work, ignore_errors=True)
    generator_bench.write_seeds(generator_bench.records_for(size, rows), work / "seeds")
    for seed in (ROOT / "seeds").iterdir():
        shutil.copy(seed, work / "seeds" / seed.name)
    shutil.copytree(ROOT / "overrides", work / "overrides")
    (work / "generator").symlink_to(ROOT / "generator")
    (work / "timing_hook.py").symlink_to(ROOT / "benchmarks" / "timing_hook.py")
    config = (ROOT / "mkdocs.yml").read_text("utf-8")
    config = config.replace("hooks:\n  - generator/mkdocs_hooks.py", "hooks:\n  - generator/mkdocs_hooks.py\n  - timing_hook.py")
    config = config.replace("not_in_nav: |\n", "not_in_nav: |\n  /stock/\n")
    (work / "mkdocs.yml").write_text(config, "utf-8")
    seconds, peak, stdout = generator_bench.run(
        [PYTHON, "-m", "generator", "build", "--seeds", str(work / "seeds"), "--docs", str(work / "docs"),
         "--catalog", str(ROOT / "catalog.yml"), "--taxonomy", str(ROOT / "taxonomy.yml"), "--overrides", str(ROOT / "duplicates.yml"), "--quiet"], ROOT)
    papers = read_papers_export(work / "docs" / "papers.json")
    stock = work / "docs" / "stock"
    stock.mkdir()
    for n, paper in enumerate(p for p in papers if p["abstract"] and p["language"] == "en"):
        if n == STOCK_PAGES:
            break
        # Out of Material's search index, as paper pages are: what differs is the page itself.
        (stock / f"{n}.md").write_text(f"---\nsearch: {{exclude: true}}\n---\n\n# {paper['title']}\n\n{paper['abstract']}\n", "utf-8")
    return {"papers": len(papers), "generator seconds": round(seconds, 1), "generator peak MB": peak}


def site_bytes(site: Path) -> int:
    return sum(p.stat().st_size for p in site.rglob("*") if p.is_file() and "stock" not in p.relative_to(site).parts[:1])


def build_site(work: Path, offline: bool) -> dict[str, object]:
    times = work / f"times-{'offline' if offline else 'hosted'}.tsv"
    # One process: `mkdocs build` otherwise hands half the paper pages to a forked copy of
    # itself, whose pages the timing hook would not see (benchmarks/full_build.py measures
    # the wall time with both).
    env = {"BENCH_PAGE_TIMES": str(times), "READING_LIST_WORKERS": "1", **({"OFFLINE": "true"} if offline else {})}
    name = "site-offline" if offline else "site"
    seconds, peak, _ = generator_bench.run([PYTHON, "-m", "mkdocs", "build", "--strict", "-q", "-d", name], work, env)
    spent = {uri: float(s) for uri, s in (line.split("\t") for line in times.read_text("utf-8").splitlines())}
    paper = [s for uri, s in spent.items() if uri.startswith("papers/")]
    stock = [s for uri, s in spent.items() if uri.startswith("stock/")]
    site = work / name
    pages = [p.stat().st_size for p in site.glob("papers/*/index.html")] or [p.stat().st_size for p in site.glob("papers/*.html")]
    search = sum(p.stat().st_size for p in (site / "search").rglob("*") if p.is_file())
    return {
        "build seconds": round(seconds, 1), "build peak MB": peak,
        "paper page ms": round(statistics.median(paper) * 1000, 2), "stock page ms": round(statistics.median(stock) * 1000, 2),
        "ratio to floor": round(statistics.median(paper) / statistics.median(stock), 2),
        "site MB": round(site_bytes(site) / 1e6, 1), "bytes per paper page": round(statistics.mean(pages)),
        "search index MB": round(search / 1e6, 1), "files": sum(1 for _ in site.rglob("*")),
    }


def queries(work: Path, rng: random.Random) -> list[tuple[str, str]]:
    """(query, slug it must find): rare word pairs from the middle of abstracts, and more."""
    papers = read_papers_export(work / "docs" / "papers.json")
    english = [p for p in papers if p["abstract"] and p["language"] == "en" and len(p["abstract"]) > 600]
    counts: dict[str, int] = {}
    for paper in english:
        for word in set(re.findall(r"[a-z]{5,}", paper["abstract"].lower())):
            counts[word] = counts.get(word, 0) + 1
    found = []
    for paper in rng.sample(english, 40):
        middle = paper["abstract"].find(" ", len(paper["abstract"]) // 2)
        words = re.findall(r"[A-Za-z]{5,}", paper["abstract"][middle:])
        pairs = [(a, b) for a, b in zip(words, words[1:]) if counts.get(a.lower(), 0) < 40 and counts.get(b.lower(), 0) < 200]
        if pairs:
            found.append((" ".join(pairs[0]), paper["slug"]))
        if len(found) == 5:
            break
    sleeper = next(p for p in papers if p.get("arxiv") == "2401.05566")
    bigbench = next(p for p in papers if p["language"] == "zh" and p["title"].startswith("Beyond the Imitation"))
    return found + [("sycophancy", next(p for p in papers if "Sycophancy" in p["title"])["slug"]),
                    ("Hubinger", sleeper["slug"]), ("2401.05566", sleeper["slug"]), ("突破性", bigbench["slug"])]


def search_browser(work: Path, checks: list[tuple[str, str]]) -> dict[str, object]:
    from playwright.sync_api import sync_playwright

    results: dict[str, object] = {}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        for flavour in ("hosted", "offline"):
            site = work / ("site" if flavour == "hosted" else "site-offline")
            latencies, transferred, found = [], [], 0
            with serve(site) as base:
                home = base if flavour == "hosted" else (site / "index.html").as_uri()
                for query, slug in checks:
                    context = browser.new_context()
                    page = context.new_page()
                    sizes: list[int] = []
                    page.goto(home, wait_until="networkidle")
                    page.on("requestfinished", lambda r: sizes.append(r.sizes()["responseBodySize"]) if "/search" in r.url or "search-worker" in r.url else None)
                    box = page.locator("input.md-search__input")
                    box.click()
                    box.fill(query)
                    start = time.perf_counter()
                    box.press("End")
                    page.wait_for_function("() => document.querySelector('.md-search-result__list a')", timeout=60_000)
                    latencies.append(time.perf_counter() - start)
                    hrefs = page.eval_on_selector_all(".md-search-result__list a.md-search-result__link", "els => els.map(e => e.href)")
                    found += any(f"/papers/{slug}" in href for href in hrefs)
                    page.wait_for_load_state("networkidle")
                    transferred.append(sum(sizes))
                    context.close()
            results[flavour] = {
                "first result seconds (median)": round(statistics.median(latencies), 3),
                "first result seconds (max)": round(max(latencies), 3),
                "found": f"{found} of {len(checks)}",
            }
            if flavour == "hosted":
                results[flavour]["search kB transferred (median)"] = round(statistics.median(transferred) / 1000, 1)  # type: ignore[index]
                results[flavour]["search kB transferred (max)"] = round(max(transferred) / 1000, 1)  # type: ignore[index]
        browser.close()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[14_000, 48_956, 100_000], help="records (14,000 give about 10,000 papers)")
    parser.add_argument("--runs", type=int, default=1, help="builds per size (the search figures are per query)")
    args = parser.parse_args()
    rows = generator_bench.corpus()
    OUT.mkdir(parents=True, exist_ok=True)
    report = {"machine": f"{os.cpu_count()} cores, {platform.machine()}, Python {platform.python_version()}", "sizes": {}}
    for size in args.sizes:
        work = OUT / f"site-{size}"
        result: dict[str, object] = build_project(work, size, rows)
        hosted = [build_site(work, offline=False) for _ in range(args.runs)]
        offline = [build_site(work, offline=True) for _ in range(args.runs)]
        result["hosted"] = {k: statistics.median(r[k] for r in hosted) for k in hosted[0]}  # type: ignore[type-var]
        result["offline"] = {k: statistics.median(r[k] for r in offline) for k in offline[0]}  # type: ignore[type-var]
        result["search"] = search_browser(work, queries(work, random.Random(size)))
        report["sizes"][size] = result  # type: ignore[index]
        print(json.dumps({size: result}, indent=1, ensure_ascii=False), flush=True)
        (OUT / "site.json").write_text(json.dumps(report, indent=1, ensure_ascii=False), "utf-8")


if __name__ == "__main__":
    main()
