from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from pipelines.errors import InvalidRequestError, LectureNotFoundError, StoreConfigurationError
from pipelines.models import AssetKind, AssetOutcome, Lecture, Segment, SlotResult
from pipelines.store import (
    LectureStore,
    SqliteLectureStore,
    create_sample_lecture,
    open_store,
    update_lecture_content,
)


def ok(sha: str = "a" * 64) -> AssetOutcome:
    asset = {"uri": f"file:///x/{sha}.png", "sha256": sha, "size": 3, "mime_type": "image/png"}
    return {"ok": True, "asset": asset, "meta": {"model": "m"}}  # type: ignore[typeddict-item]


def failed(code: str = "SENSITIVE_CONTENT") -> AssetOutcome:
    error = {"code": code, "message": "no", "user_action_required": True, "provider": "p"}
    return {"ok": False, "error": error}  # type: ignore[typeddict-item]


def slot(segment: int, index: int, result: AssetOutcome) -> SlotResult:
    return {"segment": segment, "index": index, "result": result}


@pytest.fixture
def store(store_url: str) -> Iterator[LectureStore]:
    """A store with lecture "lec" (3 segments), on SQLite and on PostgreSQL."""
    store = open_store(store_url)
    create_sample_lecture(store, lecture_id="lec", segments=3)
    yield store
    store.close()  # type: ignore[attr-defined]


def test_sample_lecture_round_trip(store: LectureStore) -> None:
    lecture = store.get_lecture("lec")
    assert lecture is not None
    assert lecture.owner_user_id == "demo-user"
    assert [s.index for s in lecture.segments] == [0, 1, 2]
    assert all(s.narration_text and s.visual_brief for s in lecture.segments)
    assert isinstance(store, LectureStore)
    assert store.get_lecture("nope") is None


def test_sample_lecture_options(tmp_path: Path) -> None:
    store = SqliteLectureStore(tmp_path / "l.db")
    lecture = create_sample_lecture(store, segments=8, sensitive_segments=[7])
    assert "[sensitive]" in lecture.segments[7].visual_brief
    assert "(part 2)" in lecture.segments[6].narration_text
    with pytest.raises(InvalidRequestError, match="already exists: pass replace=True"):
        create_sample_lecture(store)
    assert len(create_sample_lecture(store, segments=2, replace=True).segments) == 2
    with pytest.raises(InvalidRequestError, match=r"sensitive_segments \[9\] are outside 0..7"):
        create_sample_lecture(store, segments=8, sensitive_segments=[9], replace=True)


def test_merge_is_idempotent(store: LectureStore) -> None:
    results = [slot(0, 0, ok()), slot(0, 1, failed()), slot(1, 0, ok("b" * 64))]
    first = update_lecture_content(store, "lec", "image", results)
    second = update_lecture_content(store, "lec", AssetKind.IMAGE, results)
    assert first == {"written": 3, "kept": 0}
    assert second == {"written": 3, "kept": 0}
    rows = store.list_assets("lec", AssetKind.IMAGE)
    assert [(r.segment, r.index, r.ok) for r in rows] == [(0, 0, True), (0, 1, False), (1, 0, True)]
    assert rows[0].result == ok()


def test_failure_never_overwrites_success_unless_forced(store: LectureStore) -> None:
    update_lecture_content(store, "lec", "image", [slot(0, 0, ok())])
    kept = update_lecture_content(store, "lec", "image", [slot(0, 0, failed("UNKNOWN"))])
    assert kept == {"written": 0, "kept": 1}
    assert store.list_assets("lec")[0].result == ok()
    forced = update_lecture_content(store, "lec", "image", [slot(0, 0, failed())], force=True)
    assert forced == {"written": 1, "kept": 0}
    assert not store.list_assets("lec")[0].ok


def test_success_replaces_failure_and_newer_success(store: LectureStore) -> None:
    update_lecture_content(store, "lec", "narration", [slot(2, 0, failed())])
    update_lecture_content(store, "lec", "narration", [slot(2, 0, ok())])
    update_lecture_content(store, "lec", "narration", [slot(2, 0, ok("c" * 64))])
    rows = store.list_assets("lec", AssetKind.NARRATION)
    assert len(rows) == 1
    assert rows[0].result == ok("c" * 64)


def test_kinds_are_separate(store: LectureStore) -> None:
    update_lecture_content(store, "lec", "image", [slot(0, 0, ok())])
    update_lecture_content(store, "lec", "video", [slot(0, 0, failed())])
    update_lecture_content(store, "lec", "music", [slot(0, 0, ok())])
    assert len(store.list_assets("lec")) == 3
    assert [r.kind for r in store.list_assets("lec", AssetKind.VIDEO)] == [AssetKind.VIDEO]


@pytest.mark.parametrize(
    ("lecture_id", "kind", "item", "error", "match"),
    [
        ("missing", "image", slot(0, 0, ok()), LectureNotFoundError, "does not exist"),
        ("lec", "gif", slot(0, 0, ok()), InvalidRequestError, "unknown asset kind 'gif'"),
        ("lec", "image", slot(9, 0, ok()), InvalidRequestError, "segment 9 is not part"),
        ("lec", "image", slot(0, -1, ok()), InvalidRequestError, "index must be >= 0"),
        ("lec", "music", slot(1, 0, ok()), InvalidRequestError, "segment 0, index 0"),
        ("../x", "image", slot(0, 0, ok()), InvalidRequestError, "not valid"),
    ],
)
def test_bad_merges_write_nothing(
    store: LectureStore,
    lecture_id: str,
    kind: str,
    item: SlotResult,
    error: type[Exception],
    match: str,
) -> None:
    with pytest.raises(error, match=match):
        update_lecture_content(store, lecture_id, kind, [slot(0, 0, ok()), item])
    assert store.list_assets("lec") == []


def test_store_is_a_real_sqlite_file(tmp_path: Path) -> None:
    store = SqliteLectureStore(tmp_path / "db" / "lectures.sqlite3")
    create_sample_lecture(store, lecture_id="lec", segments=3)
    update_lecture_content(store, "lec", "image", [slot(0, 0, ok())])
    with sqlite3.connect(store.path) as conn:
        tables = {
            row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")
        }
        assets = conn.execute(
            "SELECT lecture_id, kind, segment, idx, ok, sha256 FROM assets"
        ).fetchall()
    conn.close()
    assert {"lectures", "segments", "assets"} <= tables
    assert assets == [("lec", "image", 0, 0, 1, "a" * 64)]
    # A second store object on the same file sees the same data.
    assert SqliteLectureStore(store.path).list_assets("lec")[0].ok


def test_replace_drops_assets(store: LectureStore) -> None:
    update_lecture_content(store, "lec", "image", [slot(0, 0, ok())])
    store.create_lecture(Lecture("lec", "u", "t", (Segment(0, "n", "v"),)), replace=True)
    assert store.list_assets("lec") == []


def test_open_store_sqlite_urls(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    absolute = open_store(f"sqlite:///{tmp_path}/abs.sqlite3")
    assert isinstance(absolute, SqliteLectureStore)
    assert absolute.path == tmp_path / "abs.sqlite3"
    monkeypatch.chdir(tmp_path)
    relative = open_store("sqlite:///rel/lectures.sqlite3")
    assert isinstance(relative, SqliteLectureStore)
    assert (tmp_path / "rel" / "lectures.sqlite3").exists()


@pytest.mark.parametrize(
    ("url", "match"),
    [
        ("postgresql+asyncpg://u@h/db", "uses psycopg 3"),
        ("postgresql://127.0.0.1:1", "names no database"),
        (
            "postgresql://u@127.0.0.1:1/db",
            "cannot open the lecture store at .*database server is running",
        ),
        ("mysql://h/db", "unsupported lecture store URL"),
        ("sqlite://", "names no database file"),
        ("sqlite:///:memory:", "names no database file"),
        ("sqlite://host/x.db", "has a host part"),
    ],
)
def test_open_store_errors(url: str, match: str) -> None:
    with pytest.raises(StoreConfigurationError, match=match):
        open_store(url)


@pytest.mark.parametrize(
    ("lecture", "match"),
    [
        (Lecture("../x", "u", "t", ()), "is not valid"),
        (Lecture("ok", " ", "t", ()), "non-empty owner_user_id"),
        (Lecture("ok", "u", "t", (Segment(-1, "n", "v"),)), "segment index -1"),
        (
            Lecture("ok", "u", "t", (Segment(1, "n", "v"), Segment(1, "m", "w"))),
            r"repeats .* \[1\]",
        ),
    ],
)
def test_malformed_lectures_are_refused(store: LectureStore, lecture: Lecture, match: str) -> None:
    with pytest.raises(InvalidRequestError, match=match):
        store.create_lecture(lecture)
    assert store.get_lecture(lecture.id) is None


def test_merging_into_an_unknown_lecture_is_a_lecture_not_found_error(store: LectureStore) -> None:
    # The store's own method, not only update_lecture_content's pre-check: a raw driver
    # IntegrityError used to escape here.
    with pytest.raises(LectureNotFoundError, match="lecture 'ghost' does not exist"):
        store.merge_assets("ghost", AssetKind.IMAGE, [slot(0, 0, ok())])
    assert store.list_assets("ghost") == []


def _version(tag: str, segments: int) -> Lecture:
    return Lecture(
        "race",
        f"owner-{tag}",
        f"title {tag}",
        tuple(Segment(i, f"{tag} narration {i}", f"{tag} brief {i}") for i in range(segments)),
    )


def test_a_read_never_mixes_two_committed_versions(store_url: str) -> None:
    """A writer commits between the two statements of a read: the read still returns one
    version whole (this returned version A's title with version B's segments before reads
    ran in one snapshot)."""
    reader, writer = open_store(store_url), open_store(store_url)
    old, new = _version("A", 2), _version("B", 3)
    reader.create_lecture(old)
    fired: list[str] = []

    def interleave(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if "FROM segments" in statement and not fired:
            fired.append(statement)
            writer.create_lecture(new, replace=True)  # commits on another connection

    engine = reader.engine  # type: ignore[attr-defined]
    sa.event.listen(engine, "before_cursor_execute", interleave)
    try:
        seen = reader.get_lecture("race")
    finally:
        sa.event.remove(engine, "before_cursor_execute", interleave)
    assert fired, "the writer never ran between the read's statements"
    assert seen == old
    assert reader.get_lecture("race") == new  # the next read sees the new version whole
    reader.close()  # type: ignore[attr-defined]
    writer.close()  # type: ignore[attr-defined]


def test_a_database_from_the_earlier_release_is_stamped_and_keeps_its_data(
    tmp_path: Path,
) -> None:
    path = tmp_path / "old.sqlite3"
    with sqlite3.connect(path) as conn:  # the schema the stdlib-sqlite3 store created
        conn.executescript(
            "CREATE TABLE lectures (id TEXT PRIMARY KEY, owner_user_id TEXT NOT NULL, "
            "title TEXT NOT NULL);"
            "CREATE TABLE segments (lecture_id TEXT NOT NULL REFERENCES lectures(id) "
            "ON DELETE CASCADE, idx INTEGER NOT NULL, narration_text TEXT NOT NULL, "
            "visual_brief TEXT NOT NULL, PRIMARY KEY (lecture_id, idx));"
            "INSERT INTO lectures VALUES ('old', 'u', 'Old');"
            "INSERT INTO segments VALUES ('old', 0, 'n', 'v');"
        )
    conn.close()
    store = SqliteLectureStore(path)
    assert store.get_lecture("old") == Lecture("old", "u", "Old", (Segment(0, "n", "v"),))
    update_lecture_content(store, "old", "image", [slot(0, 0, ok())])  # assets table added
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT version FROM schema_version").fetchall() == [(1,)]
        conn.execute("UPDATE schema_version SET version = 99")
    conn.close()
    store.close()
    with pytest.raises(StoreConfigurationError, match="schema is version 99, newer than"):
        SqliteLectureStore(path)
