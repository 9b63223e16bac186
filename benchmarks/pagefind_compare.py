"""Pagefind on the same pages, for comparison with the site's own search (benchmarks/site_scale.py).

    .venv/bin/pip install 'pagefind[extended]==1.5.2'    # not a dependency of the project
    .venv/bin/python benchmarks/pagefind_compare.py benchmarks/out/site-48956

Indexes the paper pages of a site that site_scale.py built (`--glob papers/**/*.html`, the
article only), then, for the same queries and in the same way (a fresh browser context per
query, the gzip server that imitates GitHub Pages), times Pagefind's JS API from the query to
the data of its first five results, and sums the bytes it fetched from /pagefind/.
"""

from __future__ import annotations

import json
import random
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import site_scale  # noqa: E402

PAGE = """<!doctype html><html lang="en"><meta charset="utf-8"><title>Pagefind</title>
<script type="module">
const pagefind = await import("./pagefind/pagefind.js");
window.runQuery = async query => {
  const start = performance.now();
  const search = await pagefind.search(query);
  const data = await Promise.all(search.results.slice(0, 5).map(result => result.data()));
  return { ms: performance.now() - start, urls: data.map(d => d.url), count: search.results.length };
};
window.ready = true;
</script>
"""


def main() -> None:
    work = Path(sys.argv[1])
    site = work / "site"
    shutil.rmtree(site / "pagefind", ignore_errors=True)
    start = time.perf_counter()
    result = subprocess.run([sys.executable, "-m", "pagefind", "--site", str(site), "--glob", "papers/**/*.html",
                             "--root-selector", "article", "--force-language", "en"], capture_output=True, text=True, check=False)
    index_seconds = time.perf_counter() - start
    if result.returncode:
        raise SystemExit(result.stderr[-2000:])
    (site / "pagefind-test.html").write_text(PAGE, "utf-8")
    from playwright.sync_api import sync_playwright

    checks = site_scale.queries(work, random.Random(int(work.name.split("-")[-1])))
    latencies, transferred, found = [], [], 0
    with sync_playwright() as playwright, site_scale.serve(site) as base:
        browser = playwright.chromium.launch(executable_path=site_scale.CHROMIUM, args=site_scale.ARGS)
        for query, slug in checks:
            context = browser.new_context()
            page = context.new_page()
            page.goto(base + "pagefind-test.html", wait_until="networkidle")
            page.wait_for_function("() => window.ready")
            sizes: list[int] = []
            page.on("requestfinished", lambda r: sizes.append(r.sizes()["responseBodySize"]) if "/pagefind/" in r.url else None)
            wall = time.perf_counter()
            answer = page.evaluate("q => runQuery(q)", query)
            latencies.append(time.perf_counter() - wall)
            page.wait_for_load_state("networkidle")
            transferred.append(sum(sizes))
            found += any(f"/papers/{slug}/" in url for url in answer["urls"])
            context.close()
        browser.close()
    index_bytes = sum(p.stat().st_size for p in (site / "pagefind").rglob("*") if p.is_file())
    print(json.dumps({
        "papers": sum(1 for _ in site.glob("papers/*/index.html")),
        "index seconds": round(index_seconds, 1),
        "index MB": round(index_bytes / 1e6, 1),
        "first five results seconds (median)": round(statistics.median(latencies), 3),
        "first five results seconds (max)": round(max(latencies), 3),
        "kB transferred (median)": round(statistics.median(transferred) / 1000, 1),
        "kB transferred (max)": round(max(transferred) / 1000, 1),
        "found in the first five": f"{found} of {len(checks)}",
    }, indent=1, ensure_ascii=False))
    shutil.rmtree(site / "pagefind")
    (site / "pagefind-test.html").unlink()


if __name__ == "__main__":
    main()
