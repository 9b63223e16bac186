"""Checked by the tools our users run: workflow linters, BibTeX and feed parsers, the Nu HTML
Checker and axe-core, each on the real files (workflows, the built seeds site).

HTML and accessibility are measured against a stock Material page built in the same run:
what the theme itself does is not ours to fix, anything more is.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from support import ROOT, mkdocs_build, served

TOOLS = ROOT / "tests" / "tools" / "node_modules"
VNU = TOOLS / "vnu-jar" / "build" / "dist" / "vnu.jar"
ACTIONLINT = TOOLS / "@tktco" / "node-actionlint" / "bin" / "node-actionlint.js"
WORKFLOWS = sorted((ROOT / ".github" / "workflows").glob("*.yml"))
needs = lambda *tools: pytest.mark.skipif(  # noqa: E731
    not all(shutil.which(t) or Path(t).exists() for t in tools), reason=f"needs {', '.join(map(str, tools))} (./dev test installs them)")


# ---------------------------------------------------------------- workflows


def test_zizmor_finds_nothing_of_high_severity():
    zizmor = Path(sys.executable).parent / "zizmor"
    result = subprocess.run([str(zizmor), "--offline", "--format", "json", *map(str, WORKFLOWS)],
                            capture_output=True, text=True, check=False)
    findings = json.loads(result.stdout)
    high = [(f["ident"], f["locations"][0]["symbolic"]["key"]["Local"]["verbatim_path"]) for f in findings
            if f["determinations"]["severity"] == "High"]
    assert high == [], high
    assert findings == [], [f["ident"] for f in findings]  # and nothing at all, today


@needs("node", ACTIONLINT)
def test_actionlint_passes():
    result = subprocess.run(["node", str(ACTIONLINT), ".github/workflows/*.yml"], cwd=ROOT, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"Checking {len(WORKFLOWS)} workflow file(s)" in result.stdout


def run_scripts() -> Iterator[tuple[str, str]]:
    """Every `run:` script of the workflows, with `${{ }}` expressions replaced by underscores
    of the same length, as actionlint does before it calls shellcheck."""
    for path in WORKFLOWS:
        for job_name, job in yaml.safe_load(path.read_text("utf-8"))["jobs"].items():
            for number, step in enumerate(job.get("steps", []), 1):
                if "run" in step:
                    script = re.sub(r"\$\{\{.*?\}\}", lambda m: "_" * len(m[0]), step["run"])
                    yield f"{path.name}:{job_name}:step {number}", script


@needs("shellcheck")
@pytest.mark.parametrize(("where", "script"), list(run_scripts()), ids=[where for where, _ in run_scripts()])
def test_shellcheck_passes_on_every_run_script(where: str, script: str):
    result = subprocess.run(["shellcheck", "--shell=bash", "--norc", "-e", "SC1091", "-"], input=script, capture_output=True, text=True, check=False)
    assert result.returncode == 0, f"{where}:\n{result.stdout}"


@needs("shellcheck")
def test_shellcheck_passes_on_the_dev_scripts():
    result = subprocess.run(["shellcheck", "--norc", "dev", ".ci/run"], cwd=ROOT, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout


# ---------------------------------------------------------------- exports


def papers(site: Path) -> list[dict[str, object]]:
    return json.loads((site / "docs" / "papers.json").read_text("utf-8"))["papers"]


def test_papers_bib_parses_with_pybtex_and_bibtexparser(seeds_site: Path):
    import bibtexparser
    from pybtex.database import parse_string

    text = (seeds_site / "docs" / "papers.bib").read_text("utf-8")
    expected = papers(seeds_site)
    pybtex_data = parse_string(text, "bibtex")
    assert len(pybtex_data.entries) == len(expected)
    library = bibtexparser.parse_string(text)
    assert library.failed_blocks == [] and len(library.entries) == len(expected)
    titles = {entry["title"].strip("{}") for entry in library.entries}
    assert "Sleeper Agents: Training Deceptive LLMs that Persist Through Safety Training" in titles
    sleeper = pybtex_data.entries["hubinger2024sleeper"]
    assert [str(person) for person in sleeper.persons["author"]][:2] == ["Hubinger, Evan", "Denison, Carson"]


def test_feed_parses_with_feedparser(seeds_site: Path):
    import feedparser

    feed = feedparser.parse((seeds_site / "docs" / "feed.xml").read_bytes())
    assert not feed.bozo, feed.get("bozo_exception")
    dated = [p for p in papers(seeds_site) if p["date"] or p["year"]]
    assert len(feed.entries) == len(dated) > 0
    assert all(entry.title and entry.summary and entry.link for entry in feed.entries)


# ---------------------------------------------------------------- HTML and accessibility


@pytest.fixture(scope="module")
def baseline(tmp_path_factory: pytest.TempPathFactory, demo_docs: Path) -> Path:
    """A stock Material site (no overrides, no extra CSS) with one page holding a title, an
    abstract heading and a real abstract, and the same light and dark palette as ours."""
    folder = tmp_path_factory.mktemp("baseline")
    (folder / "docs").mkdir()
    abstract = json.loads((demo_docs / "papers.json").read_text("utf-8").splitlines()[1].rstrip(","))["abstract"]
    (folder / "docs" / "index.md").write_text(f"# A paper\n\n## Abstract\n\n{abstract}\n", "utf-8")
    palette = yaml.safe_load((ROOT / "mkdocs.yml").read_text("utf-8").split("theme:")[1].split("\nnav:")[0].replace("!ENV", ""))
    config = {"site_name": "Baseline", "theme": {"name": "material", "font": False, "palette": palette["palette"]}, "plugins": ["search"]}
    (folder / "mkdocs.yml").write_text(yaml.safe_dump(config), "utf-8")
    result = mkdocs_build(folder)
    assert result.returncode == 0, result.stderr
    return folder / "site"


def vnu_errors(paths: list[Path]) -> list[dict[str, object]]:
    result = subprocess.run(["java", "-jar", str(VNU), "--format", "json", "--errors-only", *map(str, paths)],
                            capture_output=True, text=True, check=False)
    return [m for m in json.loads(result.stderr)["messages"] if m["type"] == "error"]


@needs("java", VNU)
def test_nu_html_checker_finds_no_error_of_ours(seeds_site: Path, baseline: Path):
    theirs = {m["message"] for m in vnu_errors([baseline / "index.html"])}
    pages = sorted((seeds_site / "site").rglob("*.html"))
    assert len(pages) > 40
    ours = [f"{str(m['url']).rsplit('/site/', 1)[-1]}: line {m.get('lastLine')}: {m['message']}"
            for m in vnu_errors(pages) if m["message"] not in theirs]
    assert ours == [], "\n".join(ours[:20])


AXE_PAGES = ("index.html", "topics/index.html", "duplicates/index.html", "rejected/index.html", "tags/index.html",
             "needs-metadata/index.html")


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_axe_finds_no_serious_violation_of_ours(seeds_site: Path, baseline: Path, scheme: str):
    from axe_playwright_python.sync_playwright import Axe
    from playwright.sync_api import sync_playwright

    from test_browser import ARGS, CHROMIUM

    if not Path(CHROMIUM).exists():
        pytest.skip("needs Debian's chromium")
    site = seeds_site / "site"
    translated = next(p for p in sorted((site / "papers").glob("*/index.html")) if "<details" in p.read_text("utf-8"))
    pages = [site / name for name in AXE_PAGES] + [translated, next((site / "topics").glob("*/index.html"))]
    axe = Axe()
    with sync_playwright() as playwright, served(site) as ours, served(baseline) as stock:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        context = browser.new_context(color_scheme=scheme, viewport={"width": 1280, "height": 900})
        page = context.new_page()

        def serious(path: Path) -> list[tuple[str, str, bool]]:
            root, base = (site, ours) if site in path.parents else (baseline, stock)
            page.goto(base + path.relative_to(root).as_posix(), wait_until="networkidle")
            assert page.evaluate("() => document.body.getAttribute('data-md-color-scheme')") == ("slate" if scheme == "dark" else "default")
            found = []
            for violation in axe.run(page).response["violations"]:
                if violation["impact"] in ("serious", "critical"):
                    for node in violation["nodes"]:
                        inside = page.evaluate("(s) => !!document.querySelector(s)?.closest('article')", node["target"][0])
                        found.append((violation["id"], " ".join(map(str, node["target"])), inside))
            return found

        theme = {rule for rule, _, _ in serious(baseline / "index.html")}
        problems = []
        for path in pages:
            for rule, target, inside in serious(path):
                if inside or rule not in theme:
                    problems.append(f"{path.relative_to(site)}: {rule} at {target}")
        browser.close()
    assert problems == [], "\n".join(problems[:20])


def test_a_first_install_prints_no_warning(tmp_path: Path):
    """`./dev` installs the project into a new virtual environment: pip and the build
    backend must not greet a new user with warnings (setuptools printed several)."""
    subprocess.run([sys.executable, "-m", "venv", str(tmp_path / "venv")], check=True)
    result = subprocess.run([str(tmp_path / "venv" / "bin" / "pip"), "install", "--quiet", "--no-deps", "-e", str(ROOT)],
                            capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    lines = [line for line in result.stderr.splitlines() if "Location" not in line]  # this machine's pip.conf names a missing mirror
    assert not [line for line in lines if re.search(r"warn|deprecat", line, re.IGNORECASE)], result.stderr
