"""incremental.tables.Table: a dictionary kept in bucketed rows of a database, read and written by parts."""

from __future__ import annotations

import sqlite3

from hypothesis import given, settings
from hypothesis import strategies as st

from generator.incremental.cache import _indexes, _schema
from generator.incremental.tables import SetTable, Table

KEYS = st.text(st.sampled_from("abcxyz01é"), min_size=1, max_size=4)


def database() -> sqlite3.Connection:
    db = sqlite3.connect(":memory:")
    _schema(db)  # the cache's own
    _indexes(db)
    return db


def reopened(db: sqlite3.Connection) -> Table[int]:
    table: Table[int] = Table("t")
    table.bind(db)
    return table


@settings(max_examples=60, deadline=None)
@given(st.dictionaries(KEYS, st.integers()), st.lists(st.tuples(KEYS, st.none() | st.integers()), max_size=12))
def test_a_table_reads_back_what_it_wrote_after_a_build_from_nothing_and_after_edits(first: dict[str, int], edits: list[tuple[str, int | None]]):
    db = database()
    db.execute("INSERT INTO rows VALUES ('t', '7', ?)", (b"not read: a cleared table replaces its rows",))
    table: Table[int] = Table("t")
    table.bind(db, clear=True)  # a build from nothing
    for key, value in first.items():
        table[key] = value
    with db:
        table.save(db)
    expected = dict(first)
    assert dict(reopened(db).items()) == expected
    for in_memory in (True, False):  # the same process (./dev serve), then a new one
        table = table if in_memory else reopened(db)
        for key, value in edits:
            if value is None:
                table.pop(key)
                expected.pop(key, None)
            else:
                table[key] = value
                expected[key] = value
        with db:
            table.save(db)
        assert dict(reopened(db).items()) == expected
        assert {key: reopened(db).get(key) for key in expected} == expected


def test_a_set_table_changed_in_place_is_written():
    db = database()
    index = SetTable("s")
    index.bind(db, clear=True)
    index.add("k", "a")
    with db:
        index.save(db)
    again = SetTable("s")
    again.bind(db)
    again.add("k", "b")
    again.add("j", "c")
    with db:
        again.save(db)
    last = SetTable("s")
    last.bind(db)
    assert dict(last.items()) == {"k": {"a", "b"}, "j": {"c"}}


@settings(max_examples=80, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["add", "add_all", "discard"]), st.lists(st.tuples(st.sampled_from("kj"), st.sampled_from("abc")), min_size=1, max_size=4)),
                max_size=12), st.integers(0, 12))
def test_a_set_table_reads_back_its_sets_after_adds_and_discards(operations: list[tuple[str, list[tuple[str, str]]]], saved_after: int):
    """Every way of reading gives the sets, in this process and after a save; `add_all` does
    what `add` of each pair does; a set emptied by discards is gone."""
    db = database()
    index = SetTable("s")
    index.bind(db, clear=True)
    expected: dict[str, set[str]] = {}
    for n, (kind, pairs) in enumerate(operations):
        if n == saved_after:
            with db:
                index.save(db)
            index = SetTable("s")
            index.bind(db)
        if kind == "add_all":
            index.add_all(pairs)
        for key, item in pairs:
            if kind == "add":
                index.add(key, item)
            if kind != "discard":
                expected.setdefault(key, set()).add(item)
                continue
            index.discard(key, item)
            expected.get(key, set()).discard(item)
            if not expected.get(key, True):
                del expected[key]
        assert {key: index.get(key) for key in "kj" if key in index} == expected
    assert index.get_many("kj") == expected and dict(index.items()) == expected
    with db:
        index.save(db)
    again = SetTable("s")
    again.bind(db)
    assert dict(again.items()) == expected and all(again[key] == members for key, members in expected.items())
