"""SQL out and databases: the `sql` format's script, rows written into a database (--into), and a
database's tables read as DDL (--from-db).

    SqlContainer(schema, tables, sizes, "sql", "postgres")   # CREATE TABLE ..., then INSERT ... VALUES
    write_into("sqlite:///dev.db", schema, batches)           # {"customers": 1000, "orders": 2013}
    ddl_from_db("postgresql://me@localhost/shop")             # "CREATE TABLE customers (...);..."

A table made from CREATE TABLE statements (ddl.py) is created as they wrote it: ddl.py leaves
here, per table, how its DDL reads in each dialect (remember_source: the user's types, NOT NULL,
DEFAULTs, SERIAL / identity / AUTO_INCREMENT / AUTOINCREMENT, keys, foreign keys and CHECKs with
their names), found again by the table's columns, so a schema changed since, or one from a
description, is never mistaken for it. Any other table's SQL comes from its schema: each column's
`sql_type` when it has one, else a type for its column type; PRIMARY KEY on the table's key,
FOREIGN KEY on its refs (to tables written too), NOT NULL where a column can never be empty,
UNIQUE, and the CHECKs the schema itself guarantees (a choice's values, a number's bounds, a date
after another). CREATE TABLE is rendered by SQLAlchemy's compiler for the dialect (a foreign key to
a table made later, in a circle, by ALTER TABLE after it); literals are escaped here for each
dialect (text cells can never leave their literal); everything runs in one transaction. In
PostgreSQL, after the rows, each sequence behind a numbered column is moved past the largest value
written (setval), so rows the database numbers itself later do not collide.

Types are read through one small table (parse_type, render_type) that sqlread.py shares, so a type read
in one dialect is written in another: SERIAL becomes INTEGER, DATETIME becomes TIMESTAMP, TEXT a
VARCHAR(255) where MySQL needs a length.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
import threading
import warnings
from collections import OrderedDict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, time
from decimal import Decimal
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import sqlalchemy as sa
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError, SQLAlchemyError
from sqlalchemy.schema import AddConstraint, CreateIndex, CreateTable
from sqlalchemy.types import UserDefinedType

from cells import fixed_decimals
from columns import Column, numeric_bounds
from errors import SchemaError, clip
from schema import Schema, Table, table_order
from writers import Container, decimals_of

DIALECT_NAMES = {"postgres": "postgres", "postgresql": "postgres", "sqlite": "sqlite", "mysql": "mysql",
                 "mariadb": "mysql"}
ROWS_PER_INSERT = 500           # rows in one INSERT ... VALUES statement of the script
ROWS_PER_EXECUTE = 5000         # rows handed to the driver at once by write_into
MAX_CHECK_VALUES = 100          # a choice with more values gets no CHECK (... IN ...)


# --- SQL types: one table for reading and writing them ---

@dataclass(frozen=True)
class SqlType:
    """What a column's SQL type holds: family (int, decimal, float, bool, text, uuid, json, date,
    datetime, time, interval, binary, inet), a variant within it, and its sizes."""

    family: str
    variant: str = ""
    length: int | None = None
    precision: int | None = None
    scale: int | None = None
    unsigned: bool = False
    values: tuple[Any, ...] | None = None


TYPE_WORDS: dict[str, tuple[str, str]] = {
    **{w: ("int", "tiny") for w in ("TINYINT", "INT1", "UTINYINT", "BYTEINT")},
    **{w: ("int", "small") for w in ("SMALLINT", "INT2", "SMALLSERIAL", "SERIAL2", "USMALLINT")},
    **{w: ("int", "medium") for w in ("MEDIUMINT", "INT3", "UMEDIUMINT")},
    **{w: ("int", "int") for w in ("INT", "INTEGER", "INT4", "SERIAL", "SERIAL4", "UINT", "SIGNED INTEGER")},
    **{w: ("int", "big") for w in ("BIGINT", "INT8", "BIGSERIAL", "SERIAL8", "UBIGINT", "INT64", "HUGEINT", "LONG")},
    "YEAR": ("int", "year"),
    **{w: ("decimal", "") for w in ("DECIMAL", "NUMERIC", "DEC", "NUMBER", "FIXED", "UDECIMAL", "BIGDECIMAL")},
    **{w: ("decimal", "money") for w in ("MONEY", "SMALLMONEY")},
    **{w: ("float", "real") for w in ("REAL", "FLOAT4", "BINARY_FLOAT")},
    **{w: ("float", "double") for w in ("FLOAT", "FLOAT8", "DOUBLE", "DOUBLE PRECISION", "BINARY_DOUBLE",
                                        "UDOUBLE")},
    **{w: ("bool", "") for w in ("BOOLEAN", "BOOL", "BIT")},
    **{w: ("text", "char") for w in ("CHAR", "CHARACTER", "NCHAR", "BPCHAR", "NATIONAL CHARACTER")},
    **{w: ("text", "varchar") for w in ("VARCHAR", "CHARACTER VARYING", "NVARCHAR", "VARCHAR2", "NVARCHAR2",
                                        "CHAR VARYING", "NATIONAL CHARACTER VARYING", "VARYING CHARACTER")},
    **{w: ("text", "text") for w in ("TEXT", "TINYTEXT", "MEDIUMTEXT", "LONGTEXT", "NTEXT", "CLOB", "STRING",
                                     "CITEXT", "NAME")},
    **{w: ("uuid", "") for w in ("UUID", "UNIQUEIDENTIFIER")},
    "JSON": ("json", "json"), "JSONB": ("json", "jsonb"),
    "DATE": ("date", ""), "DATE32": ("date", ""),
    **{w: ("datetime", "") for w in ("DATETIME", "DATETIME2", "SMALLDATETIME", "TIMESTAMP", "TIMESTAMPNTZ",
                                     "TIMESTAMP_S", "TIMESTAMP_MS", "TIMESTAMP_NS", "DATETIME64")},
    **{w: ("datetime", "tz") for w in ("TIMESTAMPTZ", "TIMESTAMPLTZ", "DATETIMEOFFSET")},
    **{w: ("time", "") for w in ("TIME", "TIMETZ")},
    "INTERVAL": ("interval", ""),
    **{w: ("binary", "") for w in ("BYTEA", "BLOB", "TINYBLOB", "MEDIUMBLOB", "LONGBLOB", "BINARY", "VARBINARY",
                                   "IMAGE", "BINARY VARYING")},
    "INET": ("inet", "inet"), "CIDR": ("inet", "cidr"), "MACADDR": ("inet", "mac"), "MACADDR8": ("inet", "mac"),
}
TYPE_PARAMS = re.compile(r"\(\s*(\d+)\s*(?:,\s*(-?\d+)\s*)?\)")


def parse_type(text: str | None) -> SqlType | None:
    """`VARCHAR(120)`, `NUMERIC(8,2)`, `INT UNSIGNED`, `TIMESTAMP WITH TIME ZONE` as a SqlType;
    None for a type this table does not know."""
    if not text:
        return None
    words = " ".join(str(text).upper().split())
    m = TYPE_PARAMS.search(words)
    length = precision = scale = None
    if m:
        first, second = int(m.group(1)), m.group(2)
        words = (words[:m.start()] + " " + words[m.end():]).strip()
        if second is not None:
            precision, scale = first, int(second)
        else:
            length = precision = first
    unsigned = bool(re.search(r"\bUNSIGNED\b", words))
    tz = bool(re.search(r"\bWITH TIME ZONE\b", words))
    words = re.sub(r"\b(UNSIGNED|SIGNED|ZEROFILL|WITH TIME ZONE|WITHOUT TIME ZONE)\b", " ", words)
    words = " ".join(words.split())
    found = TYPE_WORDS.get(words)
    if found is None:
        return None
    family, variant = found
    unsigned = unsigned or words.startswith("U") and family in ("int", "decimal", "float") and words not in ("UUID",)
    if family == "datetime" and tz:
        variant = "tz"
    if family == "int":
        if words == "TINYINT" and length == 1:
            return SqlType("bool", "tinyint1")
        return SqlType("int", variant, unsigned=unsigned)
    if family == "decimal":
        if precision is not None and scale is None:
            scale = 0
        return SqlType("decimal", variant, precision=precision, scale=scale, unsigned=unsigned)
    if family == "float":
        if words == "FLOAT" and precision is not None and precision <= 24:
            variant = "real"
        return SqlType("float", variant, unsigned=unsigned)
    if family == "bool":
        if words == "BIT" and length not in (None, 1):
            return SqlType("text", "text")
        return SqlType("bool", "")
    if family == "text":
        return SqlType("text", variant, length=length)
    return SqlType(family, variant)


def render_type(t: SqlType, dialect: str, indexed: bool = False) -> str:
    """The type as `dialect` writes it; `indexed` (a key or UNIQUE column) asks MySQL for a length."""
    pg, lite, my = dialect == "postgres", dialect == "sqlite", dialect == "mysql"
    f, v = t.family, t.variant
    if f == "int":
        if lite:
            return "INTEGER"
        if my:
            word = {"tiny": "TINYINT", "small": "SMALLINT", "medium": "MEDIUMINT", "int": "INT", "big": "BIGINT",
                    "year": "YEAR"}.get(v, "BIGINT")
            return word + (" UNSIGNED" if t.unsigned and v != "year" else "")
        if v == "big":
            return "NUMERIC(20)" if t.unsigned else "BIGINT"
        if v in ("tiny", "small", "year"):
            return "INTEGER" if t.unsigned and v == "small" else "SMALLINT"
        return "BIGINT" if t.unsigned and v == "int" else "INTEGER"
    if f == "decimal":
        if v == "money":
            return "MONEY" if pg else "DECIMAL(19,2)" if my else "NUMERIC(19,2)"
        if t.precision:
            p, s = (min(t.precision, 65), min(max(t.scale or 0, 0), 30)) if my else (t.precision, max(t.scale or 0, 0))
            return f"{'DECIMAL' if my else 'NUMERIC'}({p},{s})"
        return "DECIMAL(38,10)" if my else "NUMERIC"
    if f == "float":
        if v == "real":
            return "FLOAT" if my else "REAL"
        return "DOUBLE PRECISION" if pg else "DOUBLE" if my else "REAL"
    if f == "bool":
        return "BOOLEAN"
    if f == "text":
        if v == "char":
            return f"CHAR({t.length or 1})"
        if v == "varchar" and t.length:
            return f"VARCHAR({t.length})"
        if my:
            return "VARCHAR(255)" if indexed or v == "varchar" else "TEXT"
        return "VARCHAR" if pg and v == "varchar" else "TEXT"
    if f == "uuid":
        return "UUID" if pg else "CHAR(36)" if my else "TEXT"
    if f == "json":
        return ("JSONB" if v == "jsonb" else "JSON") if pg else "JSON" if my else "TEXT"
    if f == "date":
        return "DATE"
    if f == "datetime":
        return ("TIMESTAMPTZ" if v == "tz" else "TIMESTAMP") if pg else "DATETIME" if my else "TIMESTAMP"
    if f == "time":
        return "TIME" if not lite else "TEXT"
    if f == "interval":
        return "INTERVAL" if pg else "VARCHAR(64)" if my else "TEXT"
    if f == "binary":
        return "BYTEA" if pg else ("VARBINARY(255)" if indexed else "BLOB")
    if f == "inet":
        return {"inet": "INET", "cidr": "CIDR", "mac": "MACADDR"}.get(v, "INET") if pg else "VARCHAR(64)"
    return "TEXT"


# --- a table as the DDL it was read from said ---

@dataclass
class SourceColumn:
    """A column as written: its type in the dialect (with SERIAL, an identity or AUTO_INCREMENT)."""

    name: str
    type: str
    not_null: bool = False
    default: str | None = None
    computed: str | None = None     # a generated column's expression: the database fills it


@dataclass
class SourceKey:
    """PRIMARY KEY, UNIQUE, FOREIGN KEY or CHECK, with the name it was given."""

    kind: str                       # primary, unique, foreign, check
    columns: list[str]
    name: str | None = None
    text: str = ""                  # a CHECK's condition
    table: str = ""                 # a FOREIGN KEY's table and columns
    targets: list[str] | None = None
    ondelete: str | None = None
    onupdate: str | None = None


@dataclass
class SourceTable:
    columns: list[SourceColumn]
    keys: list[SourceKey]
    auto: list[str]                 # columns a sequence or counter numbers
    always: bool = False            # GENERATED ALWAYS AS IDENTITY: explicit values need OVERRIDING SYSTEM VALUE
    before: list[str] = field(default_factory=list)   # statements that make its types (PostgreSQL's enums)
    after: list[str] = field(default_factory=list)    # and its unique indexes, once it exists


SOURCES: OrderedDict[str, Callable[[str], SourceTable | None]] = OrderedDict()
SOURCES_KEPT = 512
SOURCES_LOCK = threading.Lock()


def table_print(table: Table) -> str:
    """What identifies a table's columns: the same DDL gives the same, any edit another."""
    columns = [c.model_dump(mode="json", exclude_none=True) for c in table.columns]
    text = json.dumps([table.name, columns], sort_keys=True, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def remember_source(table: Table, render: Callable[[str], SourceTable | None]) -> None:
    """Keep how the DDL wrote a table, for the CREATE TABLE of its rows (ddl.py calls this); a
    table from a description has none and gets a CREATE TABLE from its columns."""
    key = table_print(table)
    with SOURCES_LOCK:
        SOURCES[key] = render
        SOURCES.move_to_end(key)
        while len(SOURCES) > SOURCES_KEPT:
            SOURCES.popitem(last=False)


def source_of(table: Table, dialect: str) -> SourceTable | None:
    with SOURCES_LOCK:
        render = SOURCES.get(table_print(table))
    if render is None:
        return None
    found = render(dialect)
    names = {c.name for c in found.columns} if found is not None else set()
    return found if found is not None and all(c.name in names for c in table.visible()) else None


class RawType(UserDefinedType):  # type: ignore[type-arg]
    """A column type written as given: the text render_type() chose for the dialect."""

    cache_ok = True

    def __init__(self, text: str):
        self.text = text

    def get_col_spec(self, **kw: Any) -> str:
        return self.text


def dialect_of(name: str) -> str:
    found = DIALECT_NAMES.get((name or "postgres").lower())
    if found is None:
        raise SchemaError(f"dialect {clip(name, 20)!r} is not one of postgres, sqlite, mysql", field="dialect")
    return found


def sa_dialect(dialect: str) -> sa.engine.Dialect:
    from sqlalchemy.dialects import mysql, postgresql, sqlite

    # named parameters: the script's text is run as is, so a % in a CHECK stays one % (not %%)
    kind = {"postgres": postgresql.dialect, "sqlite": sqlite.dialect, "mysql": mysql.dialect}[dialect]
    return kind(paramstyle="named")


# --- literals ---

def quote_text(values: pa.Array, dialect: str) -> pa.Array:
    """Strings as SQL string literals of the dialect. PostgreSQL cannot store NUL in text, so it
    is dropped there; a backslash is plain text in every dialect (E'..' in PostgreSQL, \\\\ in MySQL);
    SQLite's NUL is written as char(0)."""
    values = pc.cast(values, pa.string())
    if dialect == "mysql":
        for old, new in (("\\", "\\\\"), ("'", "\\'"), ("\x00", "\\0"), ("\n", "\\n"), ("\r", "\\r"),
                         ("\x1a", "\\Z")):
            values = pc.replace_substring(values, old, new)
        return pc.binary_join_element_wise("'", values, "'", "")
    doubled = pc.replace_substring(values, "'", "''")
    if dialect == "sqlite":
        doubled = pc.replace_substring(doubled, "\x00", "' || char(0) || '")
        return pc.binary_join_element_wise("'", doubled, "'", "")
    doubled = pc.replace_substring(doubled, "\x00", "")
    plain = pc.binary_join_element_wise("'", doubled, "'", "")
    has_backslash = pc.match_substring(doubled, "\\").fill_null(False)
    if not pc.any(has_backslash).as_py():
        return plain
    escaped = pc.binary_join_element_wise("E'", pc.replace_substring(doubled, "\\", "\\\\"), "'", "")
    return pc.if_else(has_backslash, escaped, plain)


def quote_one(value: str, dialect: str) -> str:
    return quote_text(pa.array([value], pa.string()), dialect)[0].as_py()


def finite(values: pa.Array) -> pa.Array:
    """Floats with NaN and infinities as empty cells."""
    floats = pc.cast(values, pa.float64())
    bad = pc.invert(pc.is_finite(floats)).fill_null(False)
    return pc.if_else(bad, pa.scalar(None, pa.float64()), floats) if pc.any(bad).as_py() else floats


def as_text(values: pa.Array, decimals: int) -> pa.Array:
    """Any cell as the text a text column holds: ISO dates, datetimes with a space, fixed decimals."""
    t = values.type
    if pa.types.is_string(t) or pa.types.is_large_string(t):
        return pc.cast(values, pa.string())
    if pa.types.is_boolean(t):
        return pc.if_else(values, "true", "false")
    if pa.types.is_floating(t):
        return pc.cast(fixed_decimals(finite(values), decimals), pa.string())
    if pa.types.is_timestamp(t):
        return pc.strftime(pc.cast(values, pa.timestamp("s")), format="%Y-%m-%d %H:%M:%S")
    if pa.types.is_null(t):
        return pa.nulls(len(values), pa.string())
    return pc.cast(values, pa.string())


def number_text(values: pa.Array, decimals: int, whole: bool) -> pa.Array:
    t = values.type
    if pa.types.is_boolean(t):
        return pc.if_else(values, "1", "0")
    if pa.types.is_floating(t):
        values = finite(values)
        if whole:
            return pc.cast(pc.cast(pc.round(values), pa.int64()), pa.string())
        return pc.cast(fixed_decimals(values, decimals), pa.string())
    if pa.types.is_integer(t):
        return pc.cast(values, pa.string())
    return None  # type: ignore[return-value]


# --- a table as SQL ---

@dataclass
class ColumnPlan:
    name: str
    column: Column | None
    type: SqlType
    decimals: int
    not_null: bool
    unique: bool


class TablePlan:
    """One table's SQL: columns with their types, keys, foreign keys and checks, for a dialect."""

    def __init__(self, schema: Schema, table: Table, dialect: str, written: set[str]):
        self.schema, self.table, self.dialect, self.written = schema, table, dialect, written
        self.source = source_of(table, dialect)
        self.columns = [self.plan_column(c) for c in table.visible()]
        self.key = table.key if table.key in {c.name for c in self.columns} else None
        self.primary: list[str] = [self.key] if self.key else self.pair_key()
        self.foreign: list[tuple[str, str, str]] = []
        for col in table.visible():
            if col.type == "ref" and col.table in written:
                target = schema.table(col.table)
                if target.key and not target.hidden and target.key in {c.name for c in target.visible()}:
                    self.foreign.append((col.name, target.name, target.key))

    def plan_column(self, col: Column) -> ColumnPlan:
        t = self.sql_type(col)
        decimals = decimals_of(col)
        if self.table.kind == "data" and t.family in ("decimal", "float"):
            decimals = 2
        return ColumnPlan(col.name, col, t, decimals, never_null(self.schema, self.table, col), col.unique)

    def sql_type(self, col: Column) -> SqlType:
        """The column's `sql_type` when it has one, else a type for what it holds."""
        given = parse_type(col.sql_type) if col.sql_type else None
        if given is not None:
            return given
        if col.type == "ref":
            target = self.schema.table(col.table or "")
            key = target.column(target.key or "")
            if key is not None:
                found = TablePlan(self.schema, target, self.dialect, set()).sql_type(key)
                return SqlType("int", "big") if found.family == "int" else found
        kind = self.schema.kind(self.table.name, col.name)
        text = SqlType("text", "varchar" if col.max_length else "text", length=col.max_length)
        if col.type == "id":
            if col.format == "uuid":
                return SqlType("uuid")
            return SqlType("int", "big") if kind == "int" else SqlType("text", "varchar", length=64)
        if col.type == "float":
            lo, hi = numeric_bounds(col)
            d = decimals_of(col)
            digits = len(str(int(max(abs(lo), abs(hi))))) + d + 1
            return SqlType("decimal", "", precision=min(max(digits, 12), 38), scale=d)
        if kind == "float":   # a formula or a choice of numbers: exact decimals, as they print
            d = decimals_of(col)
            return SqlType("decimal", "", precision=min(16 + d, 38), scale=d)
        mapping = {"int": SqlType("int", "big"), "bool": SqlType("bool"),
                   "date": SqlType("date"), "datetime": SqlType("datetime"), "str": text}
        return mapping.get(kind, text)

    def pair_key(self) -> list[str]:
        """A table without a key whose refs pick distinct rows per parent: those two are its key."""
        owner = self.table.owner
        distinct = next((c.name for c in self.table.visible() if c.type == "ref" and c.distinct), None)
        names = {c.name: c for c in self.columns}
        if owner in names and distinct in names and names[owner].not_null and names[distinct].not_null:
            return [owner, distinct]  # type: ignore[list-item]
        return []

    def quote(self, name: str) -> str:
        return sa_dialect(self.dialect).identifier_preparer.quote(name)

    def checks(self) -> list[str]:
        """CHECKs the schema guarantees: a choice's values, a number's bounds, a later date."""
        out = []
        if self.table.kind == "data":
            return out
        names = {c.name for c in self.columns}
        for plan in self.columns:
            col = plan.column
            if col is None or col.cases or col.type == "formula":
                continue
            q = self.quote(col.name)
            if col.type == "choice" and 1 <= len(col.values or []) <= MAX_CHECK_VALUES:
                values = col.values or []
                if all(isinstance(v, str) for v in values) and plan.type.family == "text" and \
                        not any(col.max_length and len(v) > col.max_length for v in values):  # type: ignore[arg-type]
                    out.append(f"{q} IN ({', '.join(quote_one(v, self.dialect) for v in values)})")  # type: ignore[arg-type]
                elif all(isinstance(v, int) and not isinstance(v, bool) for v in values) and \
                        plan.type.family in ("int", "decimal"):
                    out.append(f"{q} IN ({', '.join(str(v) for v in values)})")
            elif col.type in ("int", "float") and not col.unique and col.distribution != "empirical" \
                    and plan.type.family in ("int", "decimal", "float"):
                lo, hi = numeric_bounds(col)
                if col.type == "int":
                    lo, hi = math.ceil(lo), math.floor(hi)
                    out.append(f"{q} BETWEEN {lo} AND {hi}")
                else:
                    grid = 10 ** plan.decimals
                    low, high = math.floor(lo * grid) / grid, math.ceil(hi * grid) / grid
                    out.append(f"{q} BETWEEN {low:.{plan.decimals}f} AND {high:.{plan.decimals}f}")
            elif col.type in ("date", "datetime") and col.after and col.after in names:
                base = self.table.column(col.after)
                if base is None or base.type not in ("date", "datetime") or (base.type == "datetime"
                                                                              and col.type == "date"):
                    continue
                low = col.min_days or 0
                if low < 0:
                    continue
                strict = low >= 1 if col.type == "date" else low * 86400 >= 1
                out.append(f"{q} {'>' if strict else '>='} {self.quote(col.after)}")
        return out

    def sa_table(self, metadata: sa.MetaData, later: frozenset[str] | set[str] = frozenset()) -> sa.Table:
        """The table for CREATE TABLE: as its DDL wrote it when it came from one, else from its
        columns. A foreign key to a table in `later` (made after this one) is added by ALTER TABLE
        (see deferred()), except in SQLite, which checks foreign keys only when rows are written."""
        if self.source is not None:
            return self.source_table(metadata, later)
        columns = [sa.Column(c.name, RawType(render_type(c.type, self.dialect, c.unique or c.name in self.primary)),
                             nullable=not (c.not_null or c.name in self.primary), autoincrement=False)
                   for c in self.columns]
        constraints: list[Any] = []
        if self.primary:
            constraints.append(sa.PrimaryKeyConstraint(*self.primary))
        for c in self.columns:
            if c.unique and [c.name] != self.primary:
                constraints.append(sa.UniqueConstraint(c.name))
        for col, target, key in self.foreign:
            constraints.append(sa.ForeignKeyConstraint([col], [f"{target}.{key}"]))
        for text in self.checks():
            constraints.append(sa.CheckConstraint(sa.text(text)))
        return sa.Table(self.table.name, metadata, *columns, *constraints)

    def source_table(self, metadata: sa.MetaData, later: frozenset[str] | set[str]) -> sa.Table:
        src = self.source
        assert src is not None
        columns = []
        for c in src.columns:
            computed = [sa.Computed(sa.text(c.computed), persisted=True)] if c.computed else []
            columns.append(sa.Column(c.name, RawType(c.type), *computed, nullable=not c.not_null, autoincrement=False,
                                     server_default=sa.text(c.default) if c.default else None))
        constraints: list[Any] = []
        written = {n.lower(): n for n in self.written}
        for k in src.keys:
            if k.kind == "primary":
                constraints.append(sa.PrimaryKeyConstraint(*k.columns, name=k.name))
            elif k.kind == "unique":
                constraints.append(sa.UniqueConstraint(*k.columns, name=k.name))
            elif k.kind == "check":
                constraints.append(sa.CheckConstraint(sa.text(k.text), name=k.name))
            elif k.kind == "foreign" and k.table.lower() in written and k.targets:
                target = written[k.table.lower()]
                alter = target in later and self.dialect != "sqlite"
                name = k.name or (f"{self.table.name}_{'_'.join(k.columns)}_fkey"[:63] if alter else None)
                constraints.append(sa.ForeignKeyConstraint(k.columns, [f"{target}.{t}" for t in k.targets], name=name,
                                                           ondelete=k.ondelete, onupdate=k.onupdate, use_alter=alter))
        return sa.Table(self.table.name, metadata, *columns, *constraints)

    def insert_head(self) -> str:
        names = ", ".join(self.quote(c.name) for c in self.columns)
        always = self.source is not None and self.source.always and self.dialect == "postgres"
        overriding = " OVERRIDING SYSTEM VALUE" if always else ""
        return f"INSERT INTO {self.quote(self.table.name)} ({names}){overriding} VALUES"

    def sequences(self) -> list[str]:
        """PostgreSQL: each sequence behind the table's numbered columns moved past the largest
        value written, so the next row the database numbers itself does not collide. A column
        without a sequence makes pg_get_serial_sequence NULL, and setval of NULL does nothing."""
        if self.dialect != "postgres":
            return []
        names = list(self.source.auto) if self.source else []
        key = next((c for c in self.columns if c.name == self.key), None)
        if key is not None and key.name not in names and key.type.family == "int":
            names.append(key.name)
        table = self.quote(self.table.name)
        return [f"SELECT setval(pg_get_serial_sequence({quote_one(table, 'postgres')}, {quote_one(name, 'postgres')}), "
                f"MAX({self.quote(name)})) FROM {table} HAVING MAX({self.quote(name)}) >= 1;" for name in names]

    # -- cells --

    def literals(self, batch: pa.Table) -> list[str]:
        """Each row as `(v1, v2, ...)`, assembled column-wise."""
        parts = [self.literal_column(plan, values.combine_chunks())
                 for plan, values in zip(self.columns, batch.columns)]
        rows = pc.binary_join_element_wise(*parts, ", ") if len(parts) > 1 else parts[0]
        return pc.binary_join_element_wise("(", rows, ")", "").to_pylist()

    def literal_column(self, plan: ColumnPlan, values: pa.Array) -> pa.Array:
        f, t, d = plan.type.family, values.type, self.dialect
        if pa.types.is_null(t):
            return pa.array(["NULL"] * len(values), pa.string())
        if f in ("int", "decimal", "float"):
            text = number_text(values, plan.decimals, f == "int")
            out = text if text is not None else quote_text(as_text(values, plan.decimals), d)
        elif f == "bool":
            if pa.types.is_boolean(t) or pa.types.is_integer(t):
                truth = values if pa.types.is_boolean(t) else pc.not_equal(values, 0)
                yes, no = ("1", "0") if d == "sqlite" else ("TRUE", "FALSE")
                out = pc.if_else(truth, yes, no)
            else:
                out = quote_text(as_text(values, plan.decimals), d)
        elif f == "date" and pa.types.is_timestamp(t):
            out = quote_text(pc.strftime(pc.cast(values, pa.timestamp("s")), format="%Y-%m-%d"), d)
        elif f == "datetime" and pa.types.is_date32(t):
            out = quote_text(pc.strftime(pc.cast(values, pa.timestamp("s")), format="%Y-%m-%d %H:%M:%S"), d)
        elif f == "binary":
            out = pa.array([None if v is None else hex_literal(v.encode("utf-8"), d)
                            for v in as_text(values, plan.decimals).to_pylist()], pa.string())
        else:
            out = quote_text(as_text(values, plan.decimals), d)
        return pc.fill_null(out, "NULL")

    def python_rows(self, batch: pa.Table) -> list[tuple[Any, ...]]:
        """Each row as a tuple of Python values the driver binds, in the columns' order."""
        columns = [self.python_column(plan, values.combine_chunks())
                   for plan, values in zip(self.columns, batch.columns)]
        return list(zip(*columns))

    def insert(self, cursor: Any, batch: pa.Table, paramstyle: str) -> None:
        """A batch through the driver itself: COPY into PostgreSQL (its text format, made
        column-wise), executemany elsewhere."""
        names = ", ".join(self.quote(c.name) for c in self.columns)
        if self.dialect == "postgres":
            with cursor.copy(f"COPY {self.quote(self.table.name)} ({names}) FROM STDIN") as copy:
                copy.write(self.copy_text(batch))
            return
        rows = self.python_rows(batch)
        marks = ", ".join(["?" if paramstyle == "qmark" else "%s"] * len(self.columns))
        sql = f"INSERT INTO {self.quote(self.table.name)} ({names}) VALUES ({marks})"
        for i in range(0, len(rows), ROWS_PER_EXECUTE):
            cursor.executemany(sql, rows[i:i + ROWS_PER_EXECUTE])

    def copy_text(self, batch: pa.Table) -> bytes:
        """The rows in COPY's text format: tab between cells, \\N for empty ones, backslash escapes."""
        if batch.num_rows == 0:
            return b""
        parts = []
        for plan, values in zip(self.columns, batch.columns):
            text = self.cell_text(plan, values.combine_chunks())
            for old, new in (("\\", "\\\\"), ("\t", "\\t"), ("\n", "\\n"), ("\r", "\\r"), ("\x00", "")):
                text = pc.replace_substring(text, old, new)
            parts.append(pc.fill_null(text, "\\N"))
        rows = pc.binary_join_element_wise(*parts, "\t") if len(parts) > 1 else parts[0]
        return ("\n".join(rows.to_pylist()) + "\n").encode("utf-8")

    def cell_text(self, plan: ColumnPlan, values: pa.Array) -> pa.Array:
        """A cell as the text the column's type reads (no quotes): what COPY and SQLite are given."""
        f, t = plan.type.family, values.type
        if pa.types.is_null(t):
            return pa.nulls(len(values), pa.string())
        if f in ("int", "decimal", "float"):
            text = number_text(values, plan.decimals, f == "int")
            if text is not None:
                return text
        if f == "bool" and (pa.types.is_boolean(t) or pa.types.is_integer(t)):
            return pc.if_else(values if pa.types.is_boolean(t) else pc.not_equal(values, 0), "t", "f")
        if f == "date" and pa.types.is_timestamp(t):
            return pc.strftime(pc.cast(values, pa.timestamp("s")), format="%Y-%m-%d")
        if f == "datetime" and pa.types.is_date32(t):
            return pc.strftime(pc.cast(values, pa.timestamp("s")), format="%Y-%m-%d %H:%M:%S")
        if f == "binary":
            return pa.array([None if v is None else "\\x" + v.encode("utf-8").hex()
                             for v in as_text(values, plan.decimals).to_pylist()], pa.string())
        return as_text(values, plan.decimals)

    def python_column(self, plan: ColumnPlan, values: pa.Array) -> list[Any]:
        f, t = plan.type.family, values.type
        if pa.types.is_null(t):
            return [None] * len(values)
        if f in ("int", "decimal", "float") and (pa.types.is_integer(t) or pa.types.is_floating(t)
                                                  or pa.types.is_boolean(t)):
            if pa.types.is_boolean(t):
                return [None if v is None else int(v) for v in values.to_pylist()]
            if pa.types.is_floating(t):
                floats = finite(values).to_pylist()
                if f == "int":
                    return [None if v is None else int(round(v)) for v in floats]
                if f == "decimal" and self.dialect != "sqlite":   # exact, as NUMERIC stores it
                    return [None if v is None else Decimal(f"{v:.{plan.decimals}f}") for v in floats]
                return [None if v is None else round(v, plan.decimals) for v in floats]
            return values.to_pylist()
        if f == "bool" and (pa.types.is_boolean(t) or pa.types.is_integer(t)):
            return [None if v is None else bool(v) for v in values.to_pylist()]
        temporal = pa.types.is_date32(t) or pa.types.is_timestamp(t)
        if self.dialect == "sqlite" and f in ("date", "datetime") and temporal:
            return self.cell_text(plan, values).to_pylist()   # ISO text, as the script writes it
        if f == "date" and (pa.types.is_date32(t) or pa.types.is_timestamp(t)):
            return [None if v is None else v.date() if isinstance(v, datetime) else v for v in values.to_pylist()]
        if f == "datetime" and (pa.types.is_date32(t) or pa.types.is_timestamp(t)):
            return [None if v is None else v if isinstance(v, datetime) else datetime.combine(v, time())
                    for v in values.to_pylist()]
        text = as_text(values, plan.decimals).to_pylist()
        if f == "binary":
            return [None if v is None else v.encode("utf-8") for v in text]
        if self.dialect == "postgres":
            return [None if v is None else v.replace("\x00", "") for v in text]
        return text


def hex_literal(data: bytes, dialect: str) -> str:
    """Bytes as a literal: PostgreSQL's hex bytea input (in an E'' string, so the setting of
    standard_conforming_strings does not matter), X'..' elsewhere."""
    if dialect == "postgres":
        return f"E'\\\\x{data.hex()}'"
    return f"X'{data.hex()}'"


def never_null(schema: Schema, table: Table, col: Column, depth: int = 0) -> bool:
    """Whether a column can never be empty, so it may be NOT NULL."""
    if depth > 20 or col.null_rate > 0 or col.null_if:
        return False
    if table.kind == "data":
        return all(r.get(col.name) is not None for r in table.data or [])
    if col.type in ("id", "faker", "int", "float", "bool", "pattern"):
        return True
    if col.type == "choice":
        return True
    if col.type == "ref":
        return True
    if col.type in ("date", "datetime"):
        if not col.after:
            return True
        return reads_never_null(schema, table, col.after, depth)
    if col.type == "formula":
        expr = col.expr or ""
        if re.search(r"[/%]|\blog\(|\bsqrt\(|\bnormal\(|\*\*", expr):
            return False
        from formula import parse_formula

        return all(reads_never_null(schema, table, name, depth) for name in parse_formula(expr, col.name).names)
    return False


def reads_never_null(schema: Schema, table: Table, name: str, depth: int) -> bool:
    here = table
    parts = name.split(".")
    for part in parts[:-1]:
        ref = here.column(part)
        if ref is None or not never_null(schema, here, ref, depth + 1) or ref.type != "ref":
            return False
        here = schema.table(ref.table or "")
    target = here.column(parts[-1])
    return target is not None and never_null(schema, here, target, depth + 1)


def create_statements(plans: dict[str, TablePlan], order: list[str], if_not_exists: bool
                      ) -> tuple[dict[str, CreateTable], dict[str, list[AddConstraint]]]:
    """Each table's CREATE TABLE, and the foreign keys added after every table exists (to a table
    made later: a circle of tables)."""
    metadata = sa.MetaData()
    tables: dict[str, sa.Table] = {}
    for i, name in enumerate(order):
        tables[name] = plans[name].sa_table(metadata, set(order[i + 1:]))
    creates: dict[str, CreateTable] = {}
    alters: dict[str, list[AddConstraint]] = {}
    for name in order:
        table = tables[name]
        inline = [fk for fk in table.foreign_key_constraints if not fk.use_alter]
        creates[name] = CreateTable(table, if_not_exists=if_not_exists, include_foreign_key_constraints=inline)
        alters[name] = [AddConstraint(fk) for fk in table.foreign_key_constraints if fk.use_alter]
    return creates, alters


def types_first(plans: dict[str, TablePlan], order: list[str]) -> list[str]:
    """The statements that make the types the tables' columns name, each once."""
    return list(dict.fromkeys(s for name in order if plans[name].source for s in plans[name].source.before))


def guarded(alter: str, table: str, name: str, plan: TablePlan) -> str:
    """PostgreSQL: the ALTER TABLE only when the constraint is not there yet, so the script runs
    again over tables it made."""
    return (f"DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conname = {quote_one(name, 'postgres')} "
            f"AND conrelid = {quote_one(plan.quote(table), 'postgres')}::regclass) THEN {alter}; END IF; END $$;")


# --- the `sql` format ---

class SqlContainer(Container):
    """One SQL script: CREATE TABLE IF NOT EXISTS for each table written, then INSERTs in
    dependency order, several rows a statement, streamed per batch, in one transaction."""

    media_type = "application/sql"
    extension = "sql"

    def __init__(self, schema: Schema, tables: list[Table], sizes: dict[str, int], fmt: str, dialect: str):
        super().__init__(schema, tables, sizes, fmt, dialect)
        self.dialect = dialect_of(dialect)
        self.sa = sa_dialect(self.dialect)
        written = {t.name for t in tables}
        self.plans = {t.name: TablePlan(schema, t, self.dialect, written) for t in tables}
        self.order = [n for n in table_order(schema) if n in self.plans]

    def start(self) -> bytes:
        d = self.dialect
        lines = ["-- generated rows; run this script as is: it creates the tables it fills\n"]
        if d == "postgres":
            lines.append("SET client_encoding = 'UTF8';\nBEGIN;\n")
        elif d == "sqlite":
            lines.append("PRAGMA foreign_keys = ON;\nBEGIN;\n")
        else:
            lines.append("SET NAMES utf8mb4;\n")
        creates, alters = create_statements(self.plans, self.order, True)
        lines += [line + ";\n" for line in types_first(self.plans, self.order)]
        lines += [str(creates[name].compile(dialect=self.sa)).strip() + ";\n" for name in self.order]
        lines += [line + ";\n" for name in self.order if self.plans[name].source
                  for line in self.plans[name].source.after]
        for name in self.order:
            for add in alters[name]:
                alter = str(add.compile(dialect=self.sa)).strip()
                lines.append((guarded(alter, name, str(add.element.name), self.plans[name]) if d == "postgres"
                              else alter + ";") + "\n")
        if d == "mysql":
            lines.append("START TRANSACTION;\n")   # MySQL commits CREATE TABLE at once: the rows are one transaction
        return "\n".join(lines).encode("utf-8") + b"\n"

    def write(self, table: str, batch: pa.Table) -> bytes:
        plan = self.plans[table]
        if batch.num_rows == 0:
            return b""
        head = plan.insert_head() + "\n"
        rows = plan.literals(batch)
        out = []
        for i in range(0, len(rows), ROWS_PER_INSERT):
            out.append(head + ",\n".join(rows[i:i + ROWS_PER_INSERT]) + ";\n")
        return "".join(out).encode("utf-8")

    def finish(self) -> bytes:
        sequences = [line + "\n" for name in self.order for line in self.plans[name].sequences()]
        return ("".join(sequences) + "COMMIT;\n").encode("utf-8")


# --- databases ---

def redact_url(url: str) -> str:
    """A database URL without its password, for messages."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except (ArgumentError, ValueError, TypeError):
        return re.sub(r"(//[^:/@]*:)[^@]*@", r"\1***@", str(url))[:200]


def scrub(text: str, url: str) -> str:
    """A driver's message without the password, in case it repeats the URL."""
    try:
        password = make_url(url).password
    except (ArgumentError, ValueError, TypeError):
        password = None
    text = " ".join(str(text).split())
    if password:
        text = text.replace(str(password), "***")
    return clip(text.split("[SQL:")[0].strip(), 300)


def open_engine(url: str, what: str) -> tuple[sa.engine.Engine, str]:
    """An engine for the URL (postgresql:// goes through psycopg 3), and its dialect name."""
    shown = redact_url(url)
    try:
        parsed = make_url(url)
    except (ArgumentError, ValueError) as err:
        raise SchemaError(f"{what} {clip(shown, 200)}: not a database URL like sqlite:///dev.db or "
                          f"postgresql://user@host/db ({scrub(str(err), url)})") from None
    backend = parsed.get_backend_name()
    if backend in ("postgres", "postgresql"):
        parsed = parsed.set(drivername="postgresql+psycopg")
        dialect = "postgres"
    elif backend == "sqlite":
        dialect = "sqlite"
    elif backend in ("mysql", "mariadb"):
        dialect = "mysql"
        if "+" not in parsed.drivername:
            parsed = parsed.set(drivername=f"{backend}+pymysql")
    else:
        raise SchemaError(f"{what} {clip(shown, 200)}: {backend!r} databases are not supported; use sqlite:///, "
                          "postgresql:// or mysql://")
    try:
        engine = sa.create_engine(parsed)
    except (NoSuchModuleError, ImportError, ArgumentError) as err:
        raise SchemaError(f"{what} {clip(shown, 200)}: no driver for this database is installed "
                          f"({scrub(str(err), url)})") from None
    if dialect == "sqlite":
        @sa.event.listens_for(engine, "connect")
        def _connect(dbapi_connection: Any, record: Any) -> None:
            dbapi_connection.isolation_level = None   # BEGIN below, so CREATE TABLE is part of the transaction
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys = ON")
            cursor.close()

        @sa.event.listens_for(engine, "begin")
        def _begin(connection: Any) -> None:
            connection.exec_driver_sql("BEGIN")
    return engine, dialect


def write_into(url: str, schema: Schema, batches: Iterator[tuple[str, pa.Table]]) -> dict[str, int]:
    """Create the missing tables, then insert every batch (parents first) in one transaction;
    the rows written per table."""
    engine, dialect = open_engine(url, "--into")
    shown = redact_url(url)
    tables = schema.visible_tables()
    written = {t.name for t in tables}
    plans = {t.name: TablePlan(schema, t, dialect, written) for t in tables}
    order = [n for n in table_order(schema) if n in plans]
    counts: dict[str, int] = {}
    current = ""
    try:
        with engine.connect() as conn, conn.begin():
            inspector = sa.inspect(conn)
            existing = {name.lower(): name for name in inspector.get_table_names()}
            creates, alters = create_statements(plans, order, False)
            for name in order:
                found = existing.get(name.lower())
                if found is not None:
                    refuse_other_columns(inspector, found, plans[name], shown)
            made = [name for name in order if name.lower() not in existing]
            for statement in types_first(plans, made):
                conn.exec_driver_sql(statement)
            for name in made:
                current = name
                conn.execute(creates[name])
            for name in made:
                current = name
                for statement in plans[name].source.after if plans[name].source else []:
                    conn.exec_driver_sql(statement)
                for add in alters[name]:
                    conn.execute(add)
            cursor = conn.connection.driver_connection.cursor()   # in the transaction begun above
            try:
                for name, batch in batches:
                    current = name
                    plans[name].insert(cursor, batch, engine.dialect.paramstyle)
                    counts[name] = counts.get(name, 0) + batch.num_rows
                for name in order:
                    current = name
                    for statement in plans[name].sequences():
                        cursor.execute(statement)
            finally:
                cursor.close()
    except (SQLAlchemyError, engine.dialect.dbapi.Error) as err:
        cause = getattr(err, "orig", None) or err
        where = f" (table {current!r})" if current else ""
        raise SchemaError(f"--into {clip(shown, 200)}{where}: {scrub(str(cause), url)}; nothing was written") from None
    finally:
        engine.dispose()
    return {name: counts.get(name, 0) for name in order if name in counts or name in written}


def refuse_other_columns(inspector: Any, found: str, plan: TablePlan, shown: str) -> None:
    """A table that exists must have the dataset's columns; other NOT NULL columns without a
    default would refuse every row."""
    have = {c["name"]: c for c in inspector.get_columns(found)}
    lower = {n.lower(): n for n in have}
    wanted = [c.name for c in plan.columns]
    missing = [n for n in wanted if n not in have and n.lower() not in lower]
    matched = {have.get(n, None) and n or lower.get(n.lower()) for n in wanted}
    blocking = [n for n, c in have.items() if n not in matched and not c.get("nullable", True)
                and c.get("default") is None and c.get("autoincrement") is not True and not c.get("identity")]
    if missing or blocking:
        theirs = ", ".join(list(have)[:20])
        raise SchemaError(f"--into {clip(shown, 200)}: table {found!r} already exists with other columns "
                          f"(it has {clip(theirs, 200)}; this dataset writes {clip(', '.join(wanted), 200)}); "
                          "nothing was written: drop or rename it, or write into another database")


def ddl_from_db(url: str) -> str:
    """The CREATE TABLE statements of a database's tables, for schema_from_ddl()."""
    engine, dialect = open_engine(url, "--from-db")
    shown = redact_url(url)
    try:
        metadata = sa.MetaData()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            metadata.reflect(engine)
            tables = list(metadata.sorted_tables)
        if not tables:
            raise SchemaError(f"--from-db {clip(shown, 200)}: the database has no tables")
        statements: list[str] = []
        types: dict[str, str] = {}     # PostgreSQL's enum types, made before the tables
        indexes: list[str] = []
        for table in tables:
            indexes += keep_unique(engine, table, dialect)
            if dialect == "postgres":
                exact_checks(engine, table)
            for col in table.columns:
                if col.identity is not None:   # only what differs from the defaults, in the order sqlglot reads
                    ident = col.identity
                    col.identity = sa.Identity(always=bool(ident.always), start=None if ident.start in (None, 1)
                                               else ident.start, increment=None if ident.increment in (None, 1)
                                               else ident.increment)
                if isinstance(col.type, sa.Enum) and col.type.enums and dialect == "postgres" and col.type.name:
                    listed = ", ".join(quote_one(v, dialect) for v in col.type.enums)
                    named = sa_dialect(dialect).identifier_preparer.quote(col.type.name)
                    types[col.type.name] = f"CREATE TYPE {named} AS ENUM ({listed});"
                elif isinstance(col.type, sa.Enum) and col.type.enums:
                    values = list(col.type.enums)
                    col.type = sa.String(max(len(v) for v in values))
                    q = engine.dialect.identifier_preparer.quote(col.name)
                    listed = ", ".join(quote_one(v, dialect) for v in values)
                    table.append_constraint(sa.CheckConstraint(sa.text(f"{q} IN ({listed})")))
            statements.append(str(CreateTable(table).compile(dialect=sa_dialect(dialect))).strip() + ";")
    except SQLAlchemyError as err:
        cause = getattr(err, "orig", None) or err
        raise SchemaError(f"--from-db {clip(shown, 200)}: {scrub(str(cause), url)}") from None
    finally:
        engine.dispose()
    return f"-- dialect: {dialect}\n" + "\n\n".join([*types.values(), *statements, *indexes]) + "\n"


def exact_checks(engine: sa.engine.Engine, table: sa.Table) -> None:
    """PostgreSQL: each CHECK as the database keeps it, every parenthesis in place (reflection's
    pretty form drops them, and `a AND (b AND c)` read back would be grouped otherwise)."""
    name = engine.dialect.identifier_preparer.quote(table.name)
    with engine.connect() as conn:
        rows = conn.execute(sa.text("SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
                                    "WHERE conrelid = CAST(:t AS regclass) AND contype = 'c'"), {"t": name}).fetchall()
    defs = {row[0]: row[1] for row in rows}
    for constraint in table.constraints:
        if isinstance(constraint, sa.CheckConstraint) and constraint.name in defs:
            m = re.match(r"^CHECK \((.*)\)( NOT VALID)?$", defs[constraint.name], re.S)
            if m:
                constraint.sqltext = sa.text(m.group(1))


def keep_unique(engine: sa.engine.Engine, table: sa.Table, dialect: str) -> list[str]:
    """UNIQUE as a table constraint wherever reflection found it: unique indexes, SQLite's
    inline UNIQUE (an automatic index reflection leaves out), without PostgreSQL's NULLS DISTINCT
    (the default, which the reader need not know). PostgreSQL's unique indexes are kept as
    CREATE UNIQUE INDEX statements, returned to follow the table."""
    have = {tuple(sorted(c.name for c in uc.columns))
            for uc in table.constraints if isinstance(uc, sa.UniqueConstraint)}
    wanted: list[list[str]] = []
    made: list[str] = []
    for index in table.indexes:
        names = [c.name for c in index.columns]
        if index.unique and names and len(names) == len(index.expressions):
            if dialect == "postgres" and index.name:    # a unique index stays one
                made.append(str(CreateIndex(index).compile(dialect=sa_dialect(dialect))).strip() + ";")
            else:
                wanted.append(names)
    if dialect == "sqlite":
        with engine.connect() as conn:
            q = engine.dialect.identifier_preparer.quote
            for row in conn.exec_driver_sql(f"PRAGMA index_list({q(table.name)})").fetchall():
                if row[2] and row[3] == "u":     # unique, made by a UNIQUE constraint
                    cols = [r[2] for r in conn.exec_driver_sql(f"PRAGMA index_info({q(row[1])})").fetchall()]
                    if cols and all(cols):
                        wanted.append(cols)
    primary = tuple(sorted(c.name for c in table.primary_key.columns))
    for names in wanted:
        key = tuple(sorted(names))
        if key not in have and key != primary:
            table.append_constraint(sa.UniqueConstraint(*names))
            have.add(key)
    for uc in table.constraints:
        if isinstance(uc, sa.UniqueConstraint) and uc.dialect_kwargs.get("postgresql_nulls_not_distinct") is False:
            uc.dialect_options["postgresql"]["nulls_not_distinct"] = None
    return made


__all__ = ["SqlContainer", "SqlType", "parse_type", "render_type", "write_into", "ddl_from_db", "redact_url",
           "quote_text"]
