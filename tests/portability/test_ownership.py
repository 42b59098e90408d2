"""Ownership is declared once (db/ownership.py, blobs/keys.py); whatever reads it covers every
table and every kind of file, and a new one that something misses fails here."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from havre.blobs import keys
from havre.db.ownership import Owned, owned_tables, ownership_of
from havre.portability import move
from havre.portability.catalog import with_table
from havre.portability.tables import metadata
from havre.regions import Regions
from havre.regions.audit import AuditSubject

RESIDENCY_PAGE = Path(__file__).resolve().parents[2] / "docs" / "residency.md"
USER, VIDEO = "u-owner", "v-owned"
# One key of each kind, as Havre writes it. A kind added to keys.KINDS without an example here
# fails the first test, and then the others check that listing and reading keys cover it.
EXAMPLES: dict[str, Callable[[], str]] = {
    "original": lambda: keys.original(VIDEO),
    "video_file": lambda: keys.video_file(VIDEO, "hls/360p/seg_000.ts"),
    "avatar": lambda: keys.avatar(USER),
    "import_source": lambda: keys.import_source(USER, "run1"),
    "export": lambda: keys.export_archive(USER, "exp1"),
    "recs_model": lambda: keys.recs_model("v1"),
    "recs_shared": lambda: keys.recs_shared("us", "v1"),
}
REGIONS_OWN = ("recs_model", "recs_shared")  # learned from many people: nobody's


def test_every_blob_kind_has_an_example() -> None:
    assert set(EXAMPLES) == set(keys.KINDS)


def test_every_kind_of_file_is_found_as_the_persons_and_read_back_as_its_kind(regions: Regions) -> None:
    store = regions.default.blobs
    for kind, key in ((kind, make()) for kind, make in EXAMPLES.items()):
        store.put_bytes(key, b"x")
        found = keys.kind_of(key)
        assert found is not None and found[0] == kind, (key, found)
        assert found[2] == {"video": VIDEO, "user": USER, "region": ""}[found[1]]
    store.put_bytes(keys.avatar("someone-else"), b"x")
    store.put_bytes(keys.video_file("another-video", "poster.jpg"), b"x")
    # What move, audit, export and delete take as "this person's files": exactly theirs.
    theirs = [make() for kind, make in EXAMPLES.items() if kind not in REGIONS_OWN]
    assert sorted(keys.keys_of(store, USER, [VIDEO])) == sorted(theirs)


def test_keys_havre_never_writes_are_not_anyones() -> None:
    for key in ("originals/a/b", "videos/a", "avatars/a.png", "imports/u/run/x.zip", "other/thing"):
        assert keys.kind_of(key) is None, key


def test_every_move_rule_is_handled() -> None:
    rules = {table.name: declared.on_move for table, declared in owned_tables(metadata)}
    # "audit" rows are carried by the audit module (history entries, then forgotten at the source);
    # any other table declaring it would be left behind by the move.
    assert {name for name, rule in rules.items() if rule == "audit"} == {AuditSubject.__tablename__}
    copied = {table.name for table, _ in move.COPIED}
    assert copied == {name for name, rule in rules.items() if rule == "copy"}
    assert set(rules.values()) <= {"copy", "end", "audit"}


def test_owned_tables_come_parents_first() -> None:
    # The move inserts in this order and deletes in reverse; a child before its parent would
    # break the foreign keys halfway through a copy.
    order = [table.name for table, _ in owned_tables(metadata)]
    for table, _ in owned_tables(metadata):
        for fk in table.foreign_keys:
            parent = fk.column.table.name
            if parent in order:
                assert order.index(parent) < order.index(table.name), (parent, table.name)


def test_video_owned_tables_name_a_video_column() -> None:
    for table in metadata.sorted_tables:
        declared = ownership_of(table)
        if isinstance(declared, Owned) and declared.via == "video":
            assert any(fk.column.table.name == "videos" for fk in table.c[declared.column].foreign_keys), table.name


def test_the_residency_page_shows_the_declared_table() -> None:
    page = RESIDENCY_PAGE.read_text()
    assert with_table(page) == page, "docs/residency.md is stale: run .venv/bin/python scripts/docs_tables.py"


def test_deletion_covers_every_owned_table_and_every_kind_of_file(regions: Regions) -> None:
    # deferred: the deletion pulls in every domain, which the tests above do not need
    from havre.accounts.signin import sign_up
    from havre.portability import deletion
    from havre.videos.models import Video

    assert [t.name for t, _ in deletion.ERASED] == [t.name for t, _ in owned_tables(metadata)]
    user = sign_up(regions, handle="owner", password="correct horse battery", open_session=False).user
    with regions.default.session() as s:
        video = Video(owner_id=user.id, original_key="", original_sha256="0" * 64)
        s.add(video)
        s.commit()
    regions.directory.place_video(video.id, regions.default.name)
    store = regions.default.blobs
    examples = {kind: make().replace(USER, user.id).replace(VIDEO, video.id) for kind, make in EXAMPLES.items()}
    for key in examples.values():
        store.put_bytes(key, b"x")
    report = deletion.delete_account(regions, user.id)
    assert report.files == len(keys.KINDS) - len(REGIONS_OWN)  # every kind but the models, which are nobody's
    left = [key for key in store.keys() if (found := keys.kind_of(key)) is not None and found[1] != "region"]
    assert left == [] and report.rows["users"] == 1 and report.rows["videos"] == 1
