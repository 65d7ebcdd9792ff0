"""Archive search at a million records on PostgreSQL: words and district in one GIN index, a
district's records newest first with their words in a covering index, no GIN pending list.

- ``ix_archive_records_search_district`` GIN (search_vector, district_id) (``btree_gin`` for the
  integer column) replaces the GIN index on the words alone: a word in one district is one index
  scan that steps through the district's posting list by the word's, instead of a bitmap of the
  district's every record (tens of thousands) ANDed with the word's. A search without a district
  uses the same index. ``fastupdate = off``: searches read sorted posting lists only, never a
  pending list that grows between vacuums.
- ``ix_archive_records_district_recent`` (district_id, id) INCLUDE (search_vector): a search for
  a common word in one district walks that district's newest records in the index alone (an
  index-only scan, the words checked in the index entry) and stops at the page or the count cap.

SQLite needs neither: its FTS5 table carries district tokens, and its district index already
ends in the rowid.

Revision ID: 0012d_archive_search_recent
Revises: 0011_queue_search_indexes
Create Date: 2026-12-01
"""
from alembic import op


revision = '0012d_archive_search_recent'
down_revision = '0011_queue_search_indexes'
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("CREATE EXTENSION IF NOT EXISTS btree_gin")  # a trusted extension (PostgreSQL 13+)
    op.execute("CREATE INDEX ix_archive_records_search_district ON archive_records "
               "USING gin (search_vector, district_id) WITH (fastupdate = off)")
    op.execute("DROP INDEX ix_archive_records_search_vector")
    op.execute("CREATE INDEX ix_archive_records_district_recent ON archive_records "
               "(district_id, id)")  # no INCLUDE: a long record's words exceed a btree row


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP INDEX ix_archive_records_district_recent")
    op.execute("CREATE INDEX ix_archive_records_search_vector ON archive_records "
               "USING gin (search_vector)")
    op.execute("DROP INDEX ix_archive_records_search_district")
