"""A MkDocs hook for benchmarks/site_scale.py: the CPU time MkDocs spends on each page.

A page costs two spans: reading and converting it (from `on_pre_page` to `on_page_content`)
and rendering it into the theme (from `on_page_context` to `on_post_page`). Their sum per
page goes to the file named by BENCH_PAGE_TIMES, one `url<TAB>seconds` line a page.
"""

from __future__ import annotations

import os
import time
from typing import Any

from mkdocs.plugins import event_priority

_start: dict[str, float] = {}
_spent: dict[str, float] = {}


def _begin(page: Any) -> None:
    _start[page.file.src_uri] = time.process_time()


def _end(page: Any) -> None:
    uri = page.file.src_uri
    _spent[uri] = _spent.get(uri, 0.0) + time.process_time() - _start.pop(uri)


@event_priority(100)  # before every plugin's work on the page
def on_pre_page(page: Any, config: Any, files: Any) -> Any:
    _begin(page)
    return page


@event_priority(-100)  # after every plugin's
def on_page_content(html: str, page: Any, config: Any, files: Any) -> str:
    _end(page)
    return html


@event_priority(100)
def on_page_context(context: Any, page: Any, config: Any, nav: Any) -> Any:
    _begin(page)
    return context


@event_priority(-100)
def on_post_page(output: str, page: Any, config: Any) -> str:
    _end(page)
    return output


def on_post_build(config: Any) -> None:
    with open(os.environ["BENCH_PAGE_TIMES"], "w", encoding="utf-8") as out:
        for uri, seconds in sorted(_spent.items()):
            out.write(f"{uri}\t{seconds:.6f}\n")
