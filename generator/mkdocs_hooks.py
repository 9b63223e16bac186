"""MkDocs hooks for live preview: `mkdocs serve` (or `./dev serve`) regenerates docs/ from
seeds/ whenever a seed, the catalog, the taxonomy or the overrides change.

`on_serve` adds those files to the watched paths; every rebuild then first runs the
generator (`on_pre_build`). The generator writes only pages whose text changed and does
nothing when no input changed, so the rebuild its writes cause finds nothing to do: no loop.
`mkdocs build` is left alone: `./dev site` runs the generator itself.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Any

log = logging.getLogger("mkdocs.hooks.generator")
SERVING = "READING_LIST_SERVING"
"""Set for the process by `on_startup`: MkDocs reloads this module with the config on every
rebuild, so a module global would not survive."""
INPUTS = ("seeds", "catalog.yml", "taxonomy.yml", "duplicates.yml")


def on_startup(command: str, dirty: bool) -> None:
    os.environ[SERVING] = "1" if command == "serve" else ""


def _root(config: Any) -> Path:
    return Path(config.config_file_path).resolve().parent


def on_serve(server: Any, config: Any, builder: Any) -> Any:
    for name in INPUTS:
        path = _root(config) / name
        if path.exists():
            server.watch(str(path))
    return server


def on_pre_build(config: Any) -> None:
    if not os.environ.get(SERVING):
        return
    from generator.build import Options, build

    root = _root(config)
    if not (root / "seeds").is_dir():
        return
    summary = build(Options(root / "seeds", Path(config.docs_dir), *(root / name for name in INPUTS[1:])))
    if not summary.cached and summary.written is not None:
        log.info("generator: %d papers, %d pages written, %d removed", summary.papers, len(summary.written.written), len(summary.written.removed))
