"""Storage: SQLModel tables, the queries the rest of the app uses, and Alembic migrations.

Nothing here knows about flows, channels or the runtime above it.
"""
