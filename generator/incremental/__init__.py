"""The incremental layer: what makes a build after an edit fast, above the stages, which
know nothing of it.

- `cache`: per-text results kept between builds, behind the seam the stages ask
  (`work.Work`), and the build's state, in one SQLite file;
- `state`, `tables`: what the last build made, read row by row as an edit needs it;
- `clustering`, `library`, `neighbours`, `rendering`: each stage's part of the state, and
  its update by an edit, which gives what the stage gives from nothing;
- `processes`: work in other processes;
- `sessions`: one build's use of all of these.

Every update is tested against a build from nothing (`tests/test_incremental.py`).
"""

from .sessions import Session, session

__all__ = ["Session", "session"]
