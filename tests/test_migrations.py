"""The Alembic migrations build exactly the schema the models describe, on SQLite and PostgreSQL."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory

from storage.db import Database, alembic_config, head_revisions
from storage.schema import metadata


def test_migrations_match_the_models(any_db):
    with any_db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, metadata) == []


def test_upgrade_twice_is_harmless(any_db):
    any_db.upgrade()
    assert any_db.is_current()
    assert any_db.at_head()


def test_the_head_read_from_the_files_is_alembics_head():
    config = alembic_config("sqlite://")
    assert head_revisions() == set(ScriptDirectory.from_config(config).get_heads())


def test_upgrade_migrates_a_database_behind_the_head(tmp_path):
    db = Database(f"sqlite:///{tmp_path / 'behind.db'}")
    try:
        assert not db.at_head()  # a new file: no revision recorded yet
        (head,) = head_revisions()
        older = ScriptDirectory.from_config(alembic_config(db.url)).get_revision(head).down_revision
        db.upgrade(older)
        assert db.stored_revisions() == {older}
        assert not db.at_head()
        db.upgrade()  # the check that skips Alembic at the head must not skip this
        assert db.stored_revisions() == {head}
        assert db.at_head()
    finally:
        db.dispose()
