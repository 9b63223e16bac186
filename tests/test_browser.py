"""The built site in a real browser (Playwright driving Debian's chromium), used the three
ways people use it: served over HTTP, opened from disk (offline build), and served under
a sub-path (pull-request previews). Every run also checks that no request fails, nothing
is fetched from outside the site, and the console stays free of errors."""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from support import mkdocs_build, served, served_like_pages

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--disable-quic"]

pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="needs Debian's chromium (./dev test installs it)")


@pytest.fixture(scope="module")
def serve() -> Iterator:
    """serve(folder) -> base URL of an HTTP server on 127.0.0.1 for that folder."""
    with ExitStack() as stack:
        yield lambda folder: stack.enter_context(served(folder))


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield browser
        browser.close()


class Visit:
    """A browser page that records every request, failure and console error."""

    def __init__(self, browser: Browser, allowed: str) -> None:
        self.context = browser.new_context(viewport={"width": 1280, "height": 900})
        self.allowed = allowed
        self.outside: list[str] = []
        self.failures: list[str] = []
        self.context.on("request", self._request)
        self.context.route(re.compile(r"^https?://(?!127\.0\.0\.1[:/])"), lambda route: route.abort())
        self.page: Page = self.context.new_page()
        self.page.on("requestfailed", lambda r: self.failures.append(f"failed: {r.url} {r.failure}"))
        self.page.on("response", lambda r: r.status >= 400 and self.failures.append(f"HTTP {r.status}: {r.url}"))
        self.page.on("console", lambda m: m.type == "error" and self.failures.append(f"console: {m.text}"))
        self.page.on("pageerror", lambda e: self.failures.append(f"page error: {e}"))
        self.page.on("dialog", lambda d: (self.failures.append(f"dialog: {d.message}"), d.dismiss()))

    def _request(self, request) -> None:  # type: ignore[no-untyped-def]
        if not request.url.startswith((self.allowed, "data:", "blob:", "about:")):
            self.outside.append(request.url)

    def goto(self, url: str) -> None:
        self.page.goto(url, wait_until="networkidle")

    def search(self, query: str) -> list[str]:
        """Type a query into Material's search box; the paths of the results."""
        box = self.page.locator("input.md-search__input")
        box.click()
        box.fill(query)
        box.press("End")
        self.page.wait_for_function(
            "() => /match/i.test(document.querySelector('.md-search-result__meta')?.textContent || '')",
            timeout=15_000,
        )
        links = self.page.locator(".md-search-result__item a.md-search-result__link")
        return [urlsplit(links.nth(i).get_attribute("href") or "").path for i in range(links.count())]

    def check_clean(self) -> None:
        assert self.outside == [], f"requests outside the site: {self.outside}"
        assert self.failures == [], self.failures

    def close(self) -> None:
        self.context.close()


def heading(page: Page) -> str:
    return page.locator("article h1").first.inner_text().rstrip("¶").strip()


@pytest.fixture(scope="module")
def offline_site(seeds_site: Path) -> Path:
    """The offline flavour of the seeds site, as `./dev offline` builds it."""
    result = mkdocs_build(seeds_site, "--site-dir", str(seeds_site / "site-offline"), env={"OFFLINE": "true"})
    assert result.returncode == 0, result.stderr
    return seeds_site / "site-offline"


def test_served_site_home_to_topic_to_paper_and_search(browser: Browser, seeds_site: Path, serve):
    base = serve(seeds_site / "site")
    visit = Visit(browser, base)
    visit.goto(base)
    assert "33 papers" in visit.page.locator("article li", has_text="Topics").first.inner_text()
    visit.page.locator("article a", has_text="Topics").first.click()
    visit.page.wait_for_load_state("networkidle")
    visit.page.locator("article a", has_text="Interpretability").first.click()
    visit.page.wait_for_load_state("networkidle")
    visit.page.locator("article a", has_text="In-context Learning and Induction Heads").click()
    visit.page.wait_for_load_state("networkidle")
    assert heading(visit.page) == "In-context Learning and Induction Heads"
    assert urlsplit(visit.page.url).path == "/papers/in-context-learning-and-induction-heads-2fa03d/"

    visit.goto(base)
    results = visit.search("sycophancy")
    assert "/" not in results and "/index.html" not in results, "the home page's help text is not a search result"
    assert "/papers/towards-understanding-sycophancy-in-language-models-90f9fe/" in visit.search("sycophancy")
    visit.goto(base)
    chinese = visit.search("突破性")  # "breakthrough", only in the Chinese BIG-bench abstract
    assert chinese and chinese[0] == "/papers/beyond-the-imitation-game-quantifying-and-extrapolating-the-44f6cb/"
    visit.page.locator(".md-search-result__item a.md-search-result__link").first.click()
    visit.page.wait_for_load_state("networkidle")
    assert "Beyond the Imitation Game" in heading(visit.page)
    visit.check_clean()
    visit.close()


def test_math_renders_and_no_raw_latex_is_visible(browser: Browser, seeds_site: Path, serve):
    base = serve(seeds_site / "site")
    visit = Visit(browser, base)
    for slug in ("scaling-laws-for-autoregressive-generative-modeling-e91c12", "language-models-mostly-know-what-they-know-cfffa1",
                 "foundational-challenges-in-assuring-alignment-and-safety-of-e7aac9"):
        visit.goto(f"{base}papers/{slug}/")
        text = visit.page.locator("article").inner_text()
        assert not re.search(r"\$[^$\s][^$]*\$", text), slug
    visit.goto(f"{base}papers/scaling-laws-for-autoregressive-generative-modeling-e91c12/")
    maths = visit.page.locator("article math")
    assert maths.count() >= 1
    box = maths.first.bounding_box()
    assert box and box["width"] > 5 and box["height"] > 5  # laid out as MathML, not hidden
    visit.check_clean()
    visit.close()


def test_offline_build_from_disk_searches_with_no_request_outside(browser: Browser, offline_site: Path):
    base = offline_site.as_uri() + "/"
    visit = Visit(browser, "file://")
    visit.goto(base + "index.html")
    assert any(p.endswith("papers/towards-understanding-sycophancy-in-language-models-90f9fe.html") for p in visit.search("sycophancy"))
    visit.goto(base + "index.html")
    assert any(p.endswith("papers/beyond-the-imitation-game-quantifying-and-extrapolating-the-44f6cb.html") for p in visit.search("突破性"))
    visit.goto(base + "topics/index.html")
    visit.page.locator("article a", has_text="Deception and backdoors").first.click()
    visit.page.wait_for_load_state("networkidle")
    assert visit.page.url.endswith("topics/deception.html")
    visit.check_clean()
    visit.close()


def test_site_served_under_a_sub_path(browser: Browser, seeds_site: Path, serve, tmp_path_factory):
    root = tmp_path_factory.mktemp("host")
    shutil.copytree(seeds_site / "site", root / "pr-preview" / "pr-7")
    base = serve(root) + "pr-preview/pr-7/"
    visit = Visit(browser, base)
    visit.goto(base)
    visit.page.locator("article a", has_text="About this list").first.click()
    visit.page.wait_for_load_state("networkidle")
    visit.page.locator("article a", has_text="Duplicates").first.click()
    visit.page.wait_for_load_state("networkidle")
    assert urlsplit(visit.page.url).path == "/pr-preview/pr-7/duplicates/"
    visit.page.locator("article h2 a", has_text="Sleeper Agents").click()
    visit.page.wait_for_load_state("networkidle")
    assert urlsplit(visit.page.url).path.startswith("/pr-preview/pr-7/papers/sleeper-agents")
    stylesheets = visit.page.evaluate("() => [...document.styleSheets].map(s => s.href).filter(Boolean)")
    assert stylesheets and all("/pr-preview/pr-7/" in href for href in stylesheets)
    visit.goto(base)
    assert "/pr-preview/pr-7/papers/towards-understanding-sycophancy-in-language-models-90f9fe/" in visit.search("sycophancy")
    visit.goto(base + "404.html")  # without a site URL its links are relative, so they work here too
    assert visit.page.locator("article h1").inner_text().startswith("404")
    stylesheets = visit.page.evaluate("() => [...document.styleSheets].map(s => s.href).filter(Boolean)")
    assert stylesheets and all("/pr-preview/pr-7/" in href for href in stylesheets)
    visit.page.locator("a.md-header__button.md-logo").click()
    visit.page.wait_for_load_state("networkidle")
    assert urlsplit(visit.page.url).path == "/pr-preview/pr-7/"
    visit.check_clean()
    visit.close()


def test_dark_mode_toggle(browser: Browser, seeds_site: Path, serve):
    base = serve(seeds_site / "site")
    visit = Visit(browser, base)
    visit.goto(base)
    scheme = lambda: visit.page.evaluate("() => document.body.getAttribute('data-md-color-scheme')")  # noqa: E731
    before = scheme()
    visit.page.locator("label.md-header__button[for^='__palette']").first.click()
    assert scheme() != before
    visit.check_clean()
    visit.close()


def test_the_404_page_works_under_a_sub_path_without_a_site_url(browser: Browser, seeds_site: Path):
    """GitHub Pages answers /repo/papers/missing/ with status 404 and 404.html: built without
    SITE_URL, the page finds the site's root, so its styles, logo and links work there."""
    with served_like_pages(seeds_site / "site") as base:
        visit = Visit(browser, base)
        response = visit.page.goto(base + "papers/missing/", wait_until="networkidle")
        assert response is not None and response.status == 404
        assert visit.page.locator("article h1").inner_text().startswith("404")
        stylesheets = visit.page.evaluate("() => [...document.styleSheets].map(s => s.href).filter(Boolean)")
        assert stylesheets and all(urlsplit(href).path.startswith("/repo/assets/") for href in stylesheets), stylesheets
        logo = visit.page.locator("a.md-header__button.md-logo").bounding_box()
        assert logo is not None and logo["width"] < 100, logo  # unstyled, the logo filled the screen
        # Only the page itself and the search for the root answer 404 (the browser logs each).
        expected = {"/repo/papers/missing/", "/repo/papers/missing/404.html", "/repo/papers/404.html"}
        http = [f for f in visit.failures if f.startswith("HTTP ")]
        assert {urlsplit(f.split(": ", 1)[1]).path for f in http} == expected, visit.failures
        others = [f for f in visit.failures if f not in http and "status of 404" not in f]
        assert not others, others
        visit.page.locator("a.md-header__button.md-logo").click()
        visit.page.wait_for_load_state("networkidle")
        assert urlsplit(visit.page.url).path == "/repo/"
        visit.close()
