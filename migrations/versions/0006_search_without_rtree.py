"""Search without the R*Tree: points are filtered in memory or by the (latitude, longitude) index

Searches now measure distances over the matched documents' points in numpy; the R*Tree was
only a prefilter for a path SQL answers as fast with the btree index on
search_document(latitude, longitude), and keeping it cost every document write and most of a
full rebuild's time. The FTS5 triggers are made again without their R*Tree statements.

Revision ID: 0006_search_without_rtree
Revises: 0005_search_generation
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0006_search_without_rtree"
down_revision: str | Sequence[str] | None = "0005_search_generation"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TEXT = ("name", "organization", "description", "taxonomy", "eligibility", "languages",
        "accessibility", "areas", "keywords")  # fmt: skip
GEO_IN = (
    "INSERT INTO search_geo(id, min_lat, max_lat, min_lon, max_lon) "
    "SELECT new.id, new.latitude, new.latitude, new.longitude, new.longitude "
    "WHERE new.latitude IS NOT NULL AND new.longitude IS NOT NULL;"
)


def _triggers(with_geo: bool) -> None:
    cols = ", ".join(TEXT)
    new = ", ".join(f"new.{c}" for c in TEXT)
    old = ", ".join(f"old.{c}" for c in TEXT)
    geo_in = GEO_IN if with_geo else ""
    geo_out = "DELETE FROM search_geo WHERE id = old.id;" if with_geo else ""
    for name in ("search_document_ai", "search_document_ad", "search_document_au"):
        op.execute(f"DROP TRIGGER IF EXISTS {name}")
    op.execute(
        f"CREATE TRIGGER search_document_ai AFTER INSERT ON search_document BEGIN "
        f"INSERT INTO search_fts(rowid, {cols}) VALUES (new.id, {new}); {geo_in} END"
    )
    op.execute(
        f"CREATE TRIGGER search_document_ad AFTER DELETE ON search_document BEGIN "
        f"INSERT INTO search_fts(search_fts, rowid, {cols}) VALUES ('delete', old.id, {old}); {geo_out} END"
    )
    op.execute(
        f"CREATE TRIGGER search_document_au AFTER UPDATE ON search_document BEGIN "
        f"INSERT INTO search_fts(search_fts, rowid, {cols}) VALUES ('delete', old.id, {old}); "
        f"INSERT INTO search_fts(rowid, {cols}) VALUES (new.id, {new}); {geo_out} {geo_in} END"
    )


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        return
    _triggers(with_geo=False)
    op.execute("DROP TABLE IF EXISTS search_geo")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        return
    op.execute("CREATE VIRTUAL TABLE search_geo USING rtree(id, min_lat, max_lat, min_lon, max_lon)")
    op.execute(
        "INSERT INTO search_geo(id, min_lat, max_lat, min_lon, max_lon) "
        "SELECT id, latitude, latitude, longitude, longitude FROM search_document "
        "WHERE latitude IS NOT NULL AND longitude IS NOT NULL"
    )
    _triggers(with_geo=True)
