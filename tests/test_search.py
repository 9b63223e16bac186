"""Search: the index the generator writes and the worker that reads it must cut words alike.

The worker (overrides/assets/javascripts/search-worker.js) runs here in Node, in a sandbox
with the globals a worker has, on the real index of the seeds site; the browser tests run it
in chromium behind Material's search box.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from generator.search import bucket, encode_postings, forms
from support import ROOT

WORKER = ROOT / "overrides" / "assets" / "javascripts" / "search-worker.js"
pytestmark = pytest.mark.skipif(not shutil.which("node"), reason="needs node")

HARNESS = r"""
const vm = require("vm"), fs = require("fs"), path = require("path");
const [worker, index, input] = process.argv.slice(2);
const sandbox = { console, URL, Promise, Map, Set, JSON, Math, Number, Array, String, RegExp, Object, Boolean, Error,
  self: { location: { href: "file:///site/assets/javascripts/search-worker.js" } },
  location: { protocol: "file:" }, addEventListener: () => {}, postMessage: () => {} };
sandbox.importScripts = url => { vm.runInContext(fs.readFileSync(path.join(index, new URL(url).pathname.replace("/site/search/papers/", "")), "utf8"), sandbox); };
vm.createContext(sandbox);
sandbox.self.__rl = undefined;
vm.runInContext(fs.readFileSync(worker, "utf8"), sandbox);
vm.runInContext("self.__rl", sandbox);
sandbox.__rl = sandbox.self.__rl;
(async () => {
  const job = JSON.parse(fs.readFileSync(input, "utf8"));
  const out = {};
  if (index) { await vm.runInContext("load(['index'])", sandbox); vm.runInContext("manifest = loaded.get('index')", sandbox); }
  else vm.runInContext("manifest = {stopwords: " + JSON.stringify(job.stopwords) + ", dictionary: " + job.buckets + "}", sandbox);
  out.tokens = job.texts.map(t => vm.runInContext(`tokens(${JSON.stringify(t)})`, sandbox));
  out.buckets = job.forms.map(f => vm.runInContext(`fnv(${JSON.stringify(f)})`, sandbox));
  if (job.postings) { vm.runInContext(`loaded.set("p/0", {"7": ${JSON.stringify(job.postings)}})`, sandbox);
    vm.runInContext("manifest.postings = 1", sandbox); out.decoded = vm.runInContext('postings("7")', sandbox); }
  out.results = [];
  for (const q of job.queries || []) {
    const r = await vm.runInContext(`latest += 1; searchPapers(${JSON.stringify(q)}, latest)`, sandbox);
    out.results.push(r.items.map(item => item[0].location));
  }
  console.log(JSON.stringify(out));
})().catch(e => { console.error(e.stack); process.exit(1); });
"""


def run_worker(tmp_path: Path, job: dict, index: Path | None = None) -> dict:
    (tmp_path / "job.json").write_text(json.dumps(job, ensure_ascii=False), "utf-8")
    (tmp_path / "harness.js").write_text(HARNESS, "utf-8")
    result = subprocess.run(["node", str(tmp_path / "harness.js"), str(WORKER), str(index or ""), str(tmp_path / "job.json")],
                            capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


TEXTS = [
    "Reward models can be gamed: the policy's over-optimisation (Goodhart) hurts.",
    "Adulación y têtes à têtes: Ærøskøbing, Straße, ﬁne ligatures, İstanbul",
    "大型语言模型的突破性能力，以及注意力头",
    "アシスタントは役に立つ。言語モデルのテスト",
    "어시스턴트가 도움이 됩니다 언어 모델",
    "GPT-4 scores 86.4% on MMLU; arXiv 2401.05566v2 and hep-th/9901001.",
    "Emoji 🤖 and Ωmega and κόσμε, Кириллица текст",
]


def test_the_worker_cuts_queries_into_the_forms_the_index_holds(tmp_path: Path):
    from generator.search import STOPWORDS

    out = run_worker(tmp_path, {"texts": TEXTS, "forms": [], "stopwords": sorted(STOPWORDS), "buckets": 7})
    for text, tokens in zip(TEXTS, out["tokens"]):
        indexed = set(forms(text))
        queried = [form for token in tokens for form in token["forms"]]
        assert set(queried) <= indexed, (text, sorted(set(queried) - indexed))
        latin = [f for f in forms(text) if not ("\u3040" <= f[0] <= "\ufaff")]
        assert [f for f in queried if not ("\u3040" <= f[0] <= "\ufaff")] == latin, text
    assert out["tokens"][1][0]["forms"] == ["adulacion"] and ["tetes"] in [t["forms"] for t in out["tokens"][1]]
    assert ["突破"] in [t["forms"][:1] for t in out["tokens"][2]] or "突破" in out["tokens"][2][0]["forms"]


def test_buckets_and_postings_agree(tmp_path: Path):
    words = ["reward", "ré", "语言", "ア", "🤖x", "x", "12", "Ωm"]
    postings = [(0, 5), (3, 63), (40, 1), (41, 7), (5000, 20), (123456, 3)]
    out = run_worker(tmp_path, {"texts": [], "forms": words, "stopwords": [], "buckets": 97, "postings": encode_postings(postings)})
    assert out["buckets"] == [bucket(word, 97) for word in words]
    assert list(zip(out["decoded"]["docs"], out["decoded"]["impacts"])) == postings


def test_queries_on_the_seeds_index(tmp_path: Path, seeds_site: Path):
    """The whole engine on the real index: stems, prefixes, ids, authors, Chinese words."""
    index = seeds_site / "site" / "search" / "papers"
    queries = ["sycophancy", "sycoph", "aligning", "Hubinger", "2401.05566", "突破性", "reward model", "zzzunknownword"]
    out = run_worker(tmp_path, {"texts": [], "forms": [], "queries": queries}, index)
    results = dict(zip(queries, out["results"]))
    slug = lambda prefix: next(p.stem for p in (seeds_site / "docs" / "papers").glob(f"{prefix}*.md"))  # noqa: E731
    assert results["sycophancy"][0] == f"papers/{slug('towards-understanding-sycophancy')}/"
    assert results["sycoph"][0] == results["sycophancy"][0]  # a word still being typed
    aligning = results["aligning"]
    assert f"papers/{slug('compositional-preference-models-for-aligning')}/" in aligning
    assert f"papers/{slug('a-general-language-assistant-as-a-laboratory-for-alignment')}/" in aligning  # "alignment": same stem
    assert results["Hubinger"] == results["2401.05566"] == [f"papers/{slug('sleeper-agents')}/"]
    assert results["突破性"] == [f"papers/{slug('beyond-the-imitation-game')}/"]
    assert len(results["reward model"]) == 20 and results["zzzunknownword"] == []


def test_the_index_is_readable_like_the_rest_of_the_site(seeds_site: Path):
    """The index is written in a temporary folder (made private) and moved into the site:
    what Pages publishes must be readable by others, as every other built folder is."""
    index = seeds_site / "site" / "search" / "papers"
    for path in [index, *index.rglob("*")]:
        assert path.stat().st_mode & 0o005 == 0o005 if path.is_dir() else path.stat().st_mode & 0o004, path


def test_an_index_of_the_same_papers_json_is_kept_when_asked(tmp_path: Path, demo_docs: Path):
    """`mkdocs serve --dirty` rebuilds once more after the generator writes docs/; that
    rebuild keeps the index already building or built from the same papers.json instead of
    stopping it and starting again (`site_search.start_index`)."""
    from generator import site_search as search

    papers = tmp_path / "papers.json"
    shutil.copy(demo_docs / "papers.json", papers)
    site = tmp_path / "site"
    try:
        assert search.start_index(papers, True, keep=True)  # none yet
        first = search.running_index()
        assert not search.start_index(papers, True, keep=True)
        assert search.running_index() is first and first.state == "running"
        assert first.finish(site) is None and (site / "search" / "papers").is_dir()
        assert not search.start_index(papers, True, keep=True)  # built into the site: kept
        assert search.start_index(papers, False, keep=True)  # other URLs: a new index
        assert search.start_index(papers, False)  # not asked to keep
        papers.write_text(papers.read_text("utf-8") + " ", "utf-8")
        second = search.running_index()
        assert search.start_index(papers, False, keep=True)  # the file changed
        assert second.state == "stopped" and search.running_index().state == "running"
    finally:
        search.stop_index()
