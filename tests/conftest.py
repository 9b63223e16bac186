"""Shared fixtures: the demo list (tests/data/demo), generated, and built into a real site,
once per session."""

from __future__ import annotations

from pathlib import Path

import pytest

from support import SEEDS, generate, make_project, mkdocs_build


@pytest.fixture(scope="session")
def demo_docs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo list's generated docs/ (papers.json and the rest), made once."""
    docs = tmp_path_factory.mktemp("demo-docs") / "docs"
    result = generate(SEEDS, docs)
    assert result.returncode == 0, result.stderr
    return docs


@pytest.fixture(scope="session")
def seeds_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo list, generated and built once for the whole test session."""
    project = make_project(tmp_path_factory.mktemp("seeds-site"))
    result = mkdocs_build(project)
    assert result.returncode == 0, result.stderr
    return project
