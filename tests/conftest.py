"""Shared fixtures: the project's real seeds, built into a real site once per session."""

from __future__ import annotations

from pathlib import Path

import pytest

from support import make_project, mkdocs_build


@pytest.fixture(scope="session")
def seeds_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The default reading list, generated and built once for the whole test session."""
    project = make_project(tmp_path_factory.mktemp("seeds-site"))
    result = mkdocs_build(project)
    assert result.returncode == 0, result.stderr
    return project
