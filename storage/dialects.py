"""What differs by backend in the statements the hot path builds once."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Boolean, Connection, String, bindparam, func
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.selectable import TableValuedAlias
from sqlalchemy.sql.visitors import InternalTraversal
from sqlalchemy.types import TypeDecorator, TypeEngine

from storage import json_codec


def dialect_insert(dialect: str) -> Any:
    """The backend's INSERT construct, which knows ON CONFLICT (`postgresql` or `sqlite`)."""
    return postgresql.insert if dialect == "postgresql" else sqlite.insert


def unnested(*, numbered: bool = False, **columns: TypeEngine[Any]) -> TableValuedAlias:
    """PostgreSQL: a batch's rows as one array per column, for one `… FROM unnest` statement.

    Each column is a bind parameter of its own name, given as a list (see `execute_many`);
    `.c.<name>` reads it in the statement. `numbered`: `.c.n` is each row's place in the
    arrays (WITH ORDINALITY), to keep their order.
    """
    # One dimension: a JSON list in a row is a value of its own, not a second dimension.
    arrays = [
        bindparam(name, type_=postgresql.ARRAY(type_, dimensions=1))
        for name, type_ in columns.items()
    ]
    rows = func.unnest(*arrays).table_valued(*columns, with_ordinality="n" if numbered else None)
    return rows.render_derived(name="batch")


@dataclass(frozen=True)
class Together:
    """A statement's form for many rows at once on PostgreSQL, over `unnested` arrays."""

    statement: Any
    columns: tuple[str, ...]  # the statement's parameters, each given as one array
    # A column no two rows may share: one statement cannot write a row twice. None for an
    # INSERT of new rows, which never meet.
    key: str | None


_TOGETHER: dict[Any, Together] = {}  # a statement -> its PostgreSQL form for many rows


def together(statement: Any, form: Together) -> None:
    """On PostgreSQL, `execute_many` runs this statement's rows as one `form` statement."""
    _TOGETHER[statement] = form


def execute_many(connection: Connection, statement: Any, rows: Sequence[dict[str, Any]]) -> None:
    """Run `statement` for each row, in order: one statement over arrays on PostgreSQL when the
    statement has a `together` form and no two rows share its key, else an executemany.

    psycopg's executemany costs about 15 µs of client CPU a row, the arrays about 2 µs (200-row
    batches); on SQLite executemany is the C loop of sqlite3 and stays.
    """
    form = _TOGETHER.get(statement) if len(rows) > 1 else None
    if (
        form is not None
        and connection.dialect.name == "postgresql"
        and (form.key is None or len({row[form.key] for row in rows}) == len(rows))
    ):
        connection.execute(form.statement, {n: [row[n] for row in rows] for n in form.columns})
    else:  # SQLite, one row, or a row written twice
        connection.execute(statement, list(rows))


class OneOf(ColumnElement[bool]):
    """`column IN (…)` for a batch's list, given as ONE parameter `name`: `= ANY(array)` on
    PostgreSQL, `IN (SELECT value FROM json_each(…))` on SQLite.

    An expanding `IN` is a new SQL text for each length of the list. On PostgreSQL each text is
    parsed and planned again (psycopg prepares a text only once it has run five times, and keeps
    a hundred); one text, prepared once, cost the server a third of the CPU a statement
    (67 against 200-217 µs, lists of 1-30). SQLAlchemy also renders the list into the text on
    every run. For lists of integers and strings (the values go into JSON as they are).
    """

    type = Boolean()
    _is_implicitly_boolean = True  # a comparison already: SQLite needs no `= 1` after it
    inherit_cache = True
    _traverse_internals = [
        ("column", InternalTraversal.dp_clauseelement),
        ("values", InternalTraversal.dp_clauseelement),
    ]

    def __init__(self, column: ColumnElement[Any], name: str) -> None:
        self.column = column
        self.values = bindparam(name, type_=_ListParameter(type(column.type)))


@compiles(OneOf, "postgresql")
def _one_of_postgresql(element: OneOf, compiler: SQLCompiler, **kw: Any) -> str:
    column, values = compiler.process(element.column, **kw), compiler.process(element.values, **kw)
    return f"{column} = ANY({values})"


@compiles(OneOf)
def _one_of_sqlite(element: OneOf, compiler: SQLCompiler, **kw: Any) -> str:
    column, values = compiler.process(element.column, **kw), compiler.process(element.values, **kw)
    return f"{column} IN (SELECT value FROM json_each({values}))"


class _ListParameter(TypeDecorator[Sequence[Any]]):
    """A list as one parameter: an array of `item` on PostgreSQL, JSON text elsewhere."""

    impl = String
    cache_ok = True

    def __init__(self, item: type[TypeEngine[Any]]) -> None:
        super().__init__()
        self.item = item

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "postgresql":
            return dialect.type_descriptor(postgresql.ARRAY(self.item(), dimensions=1))
        return dialect.type_descriptor(String())

    def process_bind_param(self, value: Sequence[Any] | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        return list(value) if dialect.name == "postgresql" else json_codec.dumps(list(value))
