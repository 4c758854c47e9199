"""SQL read: CREATE TABLE statements (PostgreSQL, MySQL, SQLite) as plain records of tables,
columns, keys and constraints.

    statements, dialect = parse_sql(ddl, None)     # sqlglot's statements, and the dialect they read in
    tables = Reader(dialect).read(statements)      # [SqlTable(name, columns, primary, uniques, foreign, checks)]

The statements are read with sqlglot, in the dialect given or else the one the text reads as; the
tables, columns, keys and constraints come from CREATE TABLE, ALTER TABLE ... ADD CONSTRAINT,
CREATE UNIQUE INDEX and CREATE TYPE ... AS ENUM (other statements are skipped). Each column's SQL
type is read through database.py's table of types (parse_type), so a type read here is written
back the same. The helpers at the end take a CHECK's expression apart: AND and OR, a constant
(a number, text, a date, CURRENT_DATE), a column with or without an offset (`end - 30`).

source_table() writes a table back as its DDL said, for the CREATE TABLE of its rows (database.py):
as written in the same dialect, transpiled to another (types through render_type, CHECKs and
constant DEFAULTs with sqlglot, auto-increment in that dialect's own words).

Text that is not SQL, a key that names a missing column or table, two primary keys, or more tables
than a dataset holds is a SchemaError on the field `ddl`. This module does not say what the records
mean for rows: which table is made per which, what a CHECK allows (ddl.py) or what a column's spec
is (ddlcolumns.py).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import sqlglot
from sqlglot import exp
from sqlglot.dialects.postgres import Postgres
from sqlglot.errors import ParseError, SqlglotError

from columns import SQL_TYPE
from database import SourceColumn, SourceKey, SourceTable, SqlType, parse_type, render_type
from errors import SchemaError, clip
from schema import MAX_TABLES

DIALECTS = ("postgres", "mysql", "sqlite")
DIALECT_ALIASES = {"postgres": "postgres", "postgresql": "postgres", "pg": "postgres", "mysql": "mysql",
                   "mariadb": "mysql", "sqlite": "sqlite", "sqlite3": "sqlite"}
DIALECT_HINTS = {   # words that say which dialect a text is written in
    "mysql": re.compile(r"`|\bAUTO_INCREMENT\b|\bENGINE\s*=|\bUNSIGNED\b|\bTINYINT\s*\(1\)|\bENUM\s*\(", re.I),
    "sqlite": re.compile(r"\bAUTOINCREMENT\b|\bWITHOUT\s+ROWID\b|\bSTRICT\s*;", re.I),
    "postgres": re.compile(r"\b(BIG|SMALL)?SERIAL\b|::|\bTIMESTAMPTZ\b|\bJSONB\b|\bCREATE\s+TYPE\b|\bBYTEA\b", re.I),
}
DIALECT_COMMENT = re.compile(r"^\s*--\s*dialect:\s*(\w+)", re.I)
MAX_COLUMNS_PER_TABLE = 1000


@dataclass
class SqlColumn:
    name: str
    type: SqlType
    sql_type: str
    not_null: bool = False
    primary: bool = False
    unique: bool = False
    auto: bool = False
    generated: bool = False
    default: exp.Expression | None = None
    values: list[Any] | None = None     # ENUM / SET / CREATE TYPE ... AS ENUM
    comment: str | None = None
    node: exp.ColumnDef | None = None   # as written, with ALTER COLUMN's DEFAULT and NOT NULL added


@dataclass
class Foreign:
    columns: list[str]
    table: str
    targets: list[str]
    text: str


@dataclass
class Check:
    expr: exp.Expression
    text: str


@dataclass
class SqlTable:
    name: str
    columns: list[SqlColumn] = field(default_factory=list)
    primary: list[str] = field(default_factory=list)
    uniques: list[list[str]] = field(default_factory=list)
    foreign: list[Foreign] = field(default_factory=list)
    checks: list[Check] = field(default_factory=list)
    items: list[exp.Expression] = field(default_factory=list)   # table-level keys and CHECKs, as written
    indexes: list[tuple[str, list[str]]] = field(default_factory=list)   # CREATE UNIQUE INDEX name, columns

    def col(self, name: str) -> SqlColumn | None:
        found = next((c for c in self.columns if c.name == name), None)
        return found or next((c for c in self.columns if c.name.lower() == name.lower()), None)


def fail(message: str) -> SchemaError:
    return SchemaError(f"ddl: {message}", field="ddl")


def sql_text(node: exp.Expression, dialect: str) -> str:
    try:
        return clip(" ".join(node.sql(dialect=dialect).split()), 120)
    except SqlglotError:
        return "?"


class KeptPostgres(Postgres):
    """PostgreSQL as read here: now() and char_length() stay as written (sqlglot reads them as
    CURRENT_TIMESTAMP and LENGTH, which PostgreSQL keeps as other expressions, so a table written
    back would differ)."""

    class Parser(Postgres.Parser):
        FUNCTIONS = {name: f for name, f in Postgres.Parser.FUNCTIONS.items()
                     if name not in ("NOW", "CHAR_LENGTH", "CHARACTER_LENGTH")}


READERS: dict[str, Any] = {"postgres": KeptPostgres}


def candidates(ddl: str, dialect: str | None) -> list[str]:
    order: list[str] = []
    if dialect:
        given = DIALECT_ALIASES.get(dialect.lower())
        if given is None:
            raise SchemaError(f"dialect {clip(dialect, 20)!r} is not one of postgres, mysql, sqlite", field="dialect")
        order.append(given)
    m = DIALECT_COMMENT.match(ddl)
    if m and m.group(1).lower() in DIALECT_ALIASES:
        order.append(DIALECT_ALIASES[m.group(1).lower()])
    order += [d for d, hint in DIALECT_HINTS.items() if hint.search(ddl)]
    order += list(DIALECTS)
    return list(dict.fromkeys(order))


def parse_sql(ddl: str, dialect: str | None) -> tuple[list[exp.Expression], str]:
    """The statements and the dialect they read in: the given one, else the first that reads."""
    first_error: tuple[str, Exception] | None = None
    for name in candidates(ddl, dialect):
        try:
            statements = [s for s in sqlglot.parse(ddl, read=READERS.get(name, name)) if s is not None]
        except (SqlglotError, RecursionError, ValueError) as err:
            first_error = first_error or (name, err)
            continue
        if any(is_create_table(s) for s in statements):
            return statements, name
    if first_error is not None:
        raise fail(parse_message(ddl, first_error[1]))
    start = " ".join(ddl.split())
    raise fail(f"no CREATE TABLE statement found; the text starts {clip(start, 80)!r}")


def parse_message(ddl: str, err: Exception) -> str:
    if isinstance(err, ParseError) and err.errors:
        first = err.errors[0]
        near = " ".join(f"{first.get('start_context') or ''}{first.get('highlight') or ''}".split())
        where = f" at line {first.get('line')}, column {first.get('col')}" if first.get("line") else ""
        what = re.sub(r"\x1b\[[0-9;]*m", "", str(first.get("description") or "a syntax error"))
        return f"the SQL could not be read{where}: {clip(what, 80)}, near {clip(near[-120:], 120)!r}"
    if isinstance(err, RecursionError):
        return "the SQL is nested too deeply to read"
    text = re.sub(r"\x1b\[[0-9;]*m", "", str(err))
    return f"the SQL could not be read: {clip(' '.join(text.split()), 160)}"


def is_create_table(node: exp.Expression) -> bool:
    return isinstance(node, exp.Create) and str(node.args.get("kind") or "").upper() == "TABLE"


def ident(node: exp.Expression | str | None, dialect: str) -> str:
    """A name as the database keeps it: PostgreSQL folds unquoted names to lower case."""
    if node is None:
        return ""
    if isinstance(node, str):
        return node
    if isinstance(node, exp.Column):
        node = node.this
    if isinstance(node, exp.Table):
        node = node.this
    if isinstance(node, exp.Identifier):
        return node.this if node.quoted or dialect != "postgres" else node.this.lower()
    return node.name if dialect != "postgres" else node.name.lower()


def names_in(node: exp.Expression | None, dialect: str) -> list[str]:
    """Column names listed in a key: PRIMARY KEY (a, b), UNIQUE (a), REFERENCES t (a)."""
    if node is None:
        return []
    items = node.expressions if isinstance(node, (exp.Schema, exp.PrimaryKey, exp.ForeignKey, exp.Tuple)) else [node]
    out = []
    for item in items:
        if isinstance(item, exp.Ordered):
            item = item.this
        if isinstance(item, (exp.Identifier, exp.Column)):
            out.append(ident(item, dialect))
        else:
            raise fail(f"a key lists {sql_text(item, dialect)!r}, not a column name")
    return out


class Reader:
    """The tables of a list of statements."""

    def __init__(self, dialect: str):
        self.dialect = dialect
        self.tables: dict[str, SqlTable] = {}       # lower-case name -> table, in DDL order
        self.enums: dict[str, list[str]] = {}

    def table(self, node: exp.Expression, what: str) -> SqlTable:
        name = ident(node, self.dialect)
        found = self.tables.get(name.lower())
        if found is None:
            raise fail(f"{what} names the table {clip(name, 64)!r}, which no CREATE TABLE makes")
        return found

    def read(self, statements: list[exp.Expression]) -> list[SqlTable]:
        for st in statements:
            if isinstance(st, exp.Create):
                kind = str(st.args.get("kind") or "").upper()
                if kind == "TYPE" and isinstance(st.args.get("expression"), exp.DataType):
                    values = [v.this for v in st.args["expression"].expressions if isinstance(v, exp.Literal)]
                    if values:
                        self.enums[ident(st.this, self.dialect).lower()] = values
                elif kind == "TABLE":
                    self.create(st)
                elif kind == "INDEX" and st.args.get("unique") and isinstance(st.this, exp.Index):
                    self.unique_index(st.this)
            elif isinstance(st, exp.Alter) and str(st.args.get("kind") or "TABLE").upper() == "TABLE":
                self.alter(st)
        if not self.tables:
            raise fail("no CREATE TABLE statement found")
        for table in self.tables.values():   # UNIQUE (a) at the table's level is the column's own
            for group in table.uniques:
                if len(group) == 1:
                    table.col(group[0]).unique = True  # type: ignore[union-attr]
        if len(self.tables) > MAX_TABLES:
            raise fail(f"{len(self.tables)} tables; a dataset holds at most {MAX_TABLES}")
        return list(self.tables.values())

    def create(self, st: exp.Create) -> None:
        body = st.this
        if st.args.get("expression") is not None:
            raise fail(f"CREATE TABLE {sql_text(body, self.dialect)} ... AS SELECT takes its columns from a query; "
                       "give the columns instead")
        if not isinstance(body, exp.Schema) or not isinstance(body.this, exp.Table):
            raise fail(f"CREATE TABLE {sql_text(body, self.dialect)} has no list of columns")
        name = ident(body.this, self.dialect)
        if name.lower() in self.tables:
            raise fail(f"two CREATE TABLE statements make the table {clip(name, 64)!r}")
        table = SqlTable(name)
        self.tables[name.lower()] = table
        for item in body.expressions:
            self.table_item(table, item)
        if not table.columns:
            raise fail(f"table {name!r} has no columns")
        if len(table.columns) > MAX_COLUMNS_PER_TABLE:
            raise fail(f"table {name!r} has {len(table.columns)} columns")

    def table_item(self, table: SqlTable, item: exp.Expression, name: str | None = None) -> None:
        if isinstance(item, exp.ColumnDef):
            self.column(table, item)
            return
        if name is None and isinstance(item, (exp.Constraint, exp.PrimaryKey, exp.ForeignKey,
                                              exp.UniqueColumnConstraint, exp.CheckColumnConstraint)):
            table.items.append(item)
        if isinstance(item, exp.Constraint):
            for inner in item.expressions:
                self.table_item(table, inner, ident(item.this, self.dialect))
        elif isinstance(item, exp.PrimaryKey):
            if table.primary:
                raise fail(f"table {table.name!r} has two primary keys")
            table.primary = self.known(table, names_in(item, self.dialect), "PRIMARY KEY")
        elif isinstance(item, exp.ForeignKey):
            ref = item.args.get("reference")
            self.foreign(table, names_in(item, self.dialect), ref, item)
        elif isinstance(item, exp.UniqueColumnConstraint):
            cols = names_in(item.this, self.dialect) if item.this is not None else []
            if cols:
                table.uniques.append(self.known(table, cols, "UNIQUE"))
        elif isinstance(item, exp.CheckColumnConstraint):
            table.checks.append(Check(item.this, sql_text(item.this, self.dialect)))
        elif isinstance(item, exp.PrimaryKeyColumnConstraint):
            pass  # a table-level form without columns: nothing to keep
        # indexes (KEY idx (a)), LIKE, EXCLUDE and storage options change no value

    def known(self, table: SqlTable, cols: list[str], what: str) -> list[str]:
        out = []
        for name in cols:
            col = table.col(name)
            if col is None:
                raise fail(f"table {table.name!r}: {what} names the column {clip(name, 64)!r}, which the table "
                           "does not have")
            out.append(col.name)
        return out

    def foreign(self, table: SqlTable, cols: list[str], ref: exp.Expression | None, node: exp.Expression) -> None:
        if not isinstance(ref, exp.Reference):
            raise fail(f"table {table.name!r}: FOREIGN KEY without REFERENCES")
        target = ref.this
        targets = names_in(target, self.dialect) if isinstance(target, exp.Schema) else []
        target_table = target.this if isinstance(target, exp.Schema) else target
        table.foreign.append(Foreign(self.known(table, cols, "FOREIGN KEY"), ident(target_table, self.dialect),
                                     targets, sql_text(node, self.dialect)))

    def column(self, table: SqlTable, node: exp.ColumnDef) -> None:
        name = ident(node.this, self.dialect)
        if any(c.name == name for c in table.columns):
            raise fail(f"table {table.name!r} has two columns named {clip(name, 64)!r}")
        dtype = node.args.get("kind")
        col = SqlColumn(name, *self.type_of(table, name, dtype), node=node.copy())
        table.columns.append(col)
        for constraint in node.args.get("constraints") or []:
            kind = constraint.args.get("kind") if isinstance(constraint, exp.ColumnConstraint) else constraint
            self.column_constraint(table, col, kind)
        if col.auto or (isinstance(dtype, exp.DataType) and dtype.this in AUTO_TYPES):
            col.auto = col.not_null = True      # SERIAL, an identity, AUTO_INCREMENT: never empty
        if col.primary:
            if table.primary and table.primary != [col.name]:
                raise fail(f"table {table.name!r} has two primary keys")
            table.primary = [col.name]

    def column_constraint(self, table: SqlTable, col: SqlColumn, kind: exp.Expression | None) -> None:
        if isinstance(kind, exp.NotNullColumnConstraint):
            col.not_null = col.not_null or not kind.args.get("allow_null")
        elif isinstance(kind, exp.PrimaryKeyColumnConstraint):
            col.primary = True
        elif isinstance(kind, exp.UniqueColumnConstraint):
            col.unique = True
        elif isinstance(kind, exp.DefaultColumnConstraint):
            col.default = kind.this
            if is_sequence(kind.this):
                col.auto = True
        elif isinstance(kind, exp.CheckColumnConstraint):
            table.checks.append(Check(kind.this, sql_text(kind.this, self.dialect)))
        elif isinstance(kind, exp.Reference):
            self.foreign(table, [col.name], kind, kind)
        elif isinstance(kind, exp.AutoIncrementColumnConstraint):
            col.auto = True
        elif isinstance(kind, exp.ComputedColumnConstraint):
            col.generated = True
        elif isinstance(kind, exp.GeneratedAsIdentityColumnConstraint):
            if kind.args.get("expression") is not None and kind.args.get("start") is None:
                col.generated = True
            else:
                col.auto = True
        elif isinstance(kind, exp.CommentColumnConstraint) and isinstance(kind.this, exp.Literal):
            col.comment = str(kind.this.this)

    def type_of(self, table: SqlTable, name: str, dtype: exp.DataType | None) -> tuple[SqlType, str]:
        """The column's kind of type, and its SQL type as a plain string (kept as sql_type)."""
        if not isinstance(dtype, exp.DataType):
            return SqlType("text", "text"), "TEXT"   # SQLite lets a column go without a type
        if dtype.this == exp.DataType.Type.USERDEFINED:
            user = dtype.sql(dialect=self.dialect).split(".")[-1].strip('"`').lower()
            values = self.enums.get(user)
            if values:
                length = max(len(v) for v in values)
                return SqlType("text", "varchar", length=length, values=tuple(values)), f"VARCHAR({length})"
            parsed = parse_type(user)
            if parsed is not None:
                return parsed, render_type(parsed, self.dialect)
            return SqlType("text", "text"), "TEXT"
        if dtype.this in (exp.DataType.Type.ENUM, exp.DataType.Type.SET):
            values = [v.this for v in dtype.expressions if isinstance(v, exp.Literal)]
            length = max((len(v) for v in values), default=1)
            return SqlType("text", "varchar", length=length, values=tuple(values)), f"VARCHAR({length})"
        text = " ".join(dtype.sql(dialect=self.dialect).split()).upper()
        parsed = parse_type(text)
        if parsed is None:
            parsed = parse_type(dtype.this.name.replace("_", " ")) or SqlType("text", "text")
        if text.endswith("[]") or dtype.this == exp.DataType.Type.ARRAY:
            parsed = SqlType("text", "array")
        kept = text if SQL_TYPE.match(text) and parse_type(text) == parsed else render_type(parsed, self.dialect)
        return parsed, kept

    def unique_index(self, index: exp.Index) -> None:
        table = self.table(index.args.get("table"), "CREATE UNIQUE INDEX")
        params = index.args.get("params")
        cols = []
        for item in (params.args.get("columns") if params is not None else None) or []:
            inner = item.this if isinstance(item, exp.Ordered) else item
            if not isinstance(inner, (exp.Column, exp.Identifier)):
                return  # an index on an expression: nothing a column can keep
            cols.append(ident(inner, self.dialect))
        if cols:
            table.uniques.append(self.known(table, cols, "CREATE UNIQUE INDEX"))
            name = ident(index.this, self.dialect) if isinstance(index.this, exp.Identifier) else ""
            table.indexes.append((name or f"{table.name}_{'_'.join(table.uniques[-1])}_idx"[:63], table.uniques[-1]))

    def alter(self, st: exp.Alter) -> None:
        table = self.table(st.this, "ALTER TABLE")
        for action in st.args.get("actions") or []:
            if isinstance(action, exp.AddConstraint):
                for item in action.expressions:
                    self.table_item(table, item)
            elif isinstance(action, exp.ColumnDef):
                self.column(table, action)
            elif isinstance(action, exp.AlterColumn):
                col = table.col(ident(action.this, self.dialect))
                if col is None:
                    continue
                if action.args.get("default") is not None:
                    if is_sequence(action.args["default"]):
                        col.auto = True
                    else:
                        col.default = action.args["default"]
                    add_constraint(col, exp.DefaultColumnConstraint(this=action.args["default"].copy()))
                if action.args.get("allow_null") is False:
                    col.not_null = True
                    add_constraint(col, exp.NotNullColumnConstraint())
            elif isinstance(action, (exp.Constraint, exp.ForeignKey, exp.PrimaryKey, exp.UniqueColumnConstraint,
                                     exp.CheckColumnConstraint)):
                self.table_item(table, action)


def add_constraint(col: SqlColumn, kind: exp.Expression) -> None:
    """ALTER COLUMN ... SET DEFAULT / SET NOT NULL, kept on the column as if written there."""
    if col.node is None:
        return
    kept = [c for c in col.node.args.get("constraints") or []
            if type(c.args.get("kind") if isinstance(c, exp.ColumnConstraint) else c) is not type(kind)]
    col.node.set("constraints", kept + [exp.ColumnConstraint(kind=kind)])


def is_sequence(node: exp.Expression | None) -> bool:
    text = node.sql().lower() if isinstance(node, exp.Expression) else ""
    return "nextval" in text or "autoincrement" in text



# --- the parts of a CHECK's expression ---

COMPARE = {exp.GT: ">", exp.GTE: ">=", exp.LT: "<", exp.LTE: "<=", exp.EQ: "=", exp.NEQ: "<>"}
FLIP = {">": "<", ">=": "<=", "<": ">", "<=": ">=", "=": "=", "<>": "<>"}


def unparen(node: exp.Expression) -> exp.Expression:
    while isinstance(node, exp.Paren):
        node = node.this
    return node


def bare(node: exp.Expression) -> exp.Expression:
    """A column under parentheses and casts, as PostgreSQL gives checks back: (status)::text."""
    node = unparen(node)
    while isinstance(node, (exp.Cast, exp.TryCast)) and isinstance(unparen(node.this), (exp.Column, exp.Cast,
                                                                                         exp.TryCast)):
        node = unparen(node.this)
    return node


def is_length(node: exp.Expression) -> bool:
    """length(col), char_length(col), len(col) (of the column, maybe trimmed)."""
    return isinstance(node, exp.Length) or (isinstance(node, exp.Anonymous) and node.name.lower() in
                                            ("char_length", "character_length", "len", "length"))


def conjuncts(node: exp.Expression) -> list[exp.Expression]:
    node = unparen(node)
    if isinstance(node, exp.And):
        return conjuncts(node.this) + conjuncts(node.expression)
    return [node]


def disjuncts(node: exp.Expression) -> list[exp.Expression]:
    node = unparen(node)
    if isinstance(node, exp.Or):
        return disjuncts(node.this) + disjuncts(node.expression)
    return [node]


def constant(node: exp.Expression, now: bool = False) -> tuple[bool, Any]:
    """(True, value) for a literal: numbers, text, TRUE/FALSE, dates written as DATE '...' or '...'::date;
    with `now`, CURRENT_DATE and now() as today's date."""
    node = unparen(node)
    if now and (isinstance(node, (exp.CurrentDate, exp.CurrentTimestamp, exp.CurrentDatetime)) or (
            isinstance(node, exp.Anonymous) and node.name.lower() in ("now", "getdate", "sysdate"))):
        return True, date.today().isoformat()
    if isinstance(node, exp.Neg):
        ok, value = constant(node.this)
        return (ok and isinstance(value, (int, float)) and not isinstance(value, bool)), (-value if ok else None)
    if isinstance(node, exp.Literal):
        if node.is_string:
            return True, node.this
        text = node.this
        try:
            return True, int(text)
        except ValueError:
            try:
                return True, float(text)
            except ValueError:
                return False, None
    if isinstance(node, exp.Boolean):
        return True, bool(node.this)
    if isinstance(node, (exp.Cast, exp.TryCast)) or type(node).__name__ in ("TsOrDsToDate", "StrToDate", "Date"):
        inner = node.this if not isinstance(node, exp.Anonymous) else None
        return constant(inner) if isinstance(inner, exp.Expression) else (False, None)
    return False, None


def as_date(value: Any) -> date | None:
    if isinstance(value, str) and re.match(r"^\d{4}-\d{2}-\d{2}", value.strip()):
        try:
            return date.fromisoformat(value.strip()[:10])
        except ValueError:
            return None
    return None


def offset_of(node: exp.Expression) -> tuple[bool, float]:
    """The constant in `col + 30`, `col - 1`, `col + INTERVAL '7 days'` (days for intervals)."""
    node = unparen(node)
    if isinstance(node, exp.Interval):
        ok, value = constant(node.this)
        unit = (node.args.get("unit").name if node.args.get("unit") is not None else "").lower()
        if ok and isinstance(value, str):
            m = re.match(r"^\s*(-?\d+(?:\.\d+)?)\s*([a-z]*)\s*$", value.lower())
            if not m:
                return False, 0.0
            value, unit = float(m.group(1)), unit or m.group(2)
        if not ok and not isinstance(value, float):
            return False, 0.0
        per_day = {"day": 1, "days": 1, "": 1, "week": 7, "weeks": 7, "hour": 1 / 24, "hours": 1 / 24,
                   "minute": 1 / 1440, "minutes": 1 / 1440, "second": 1 / 86400, "seconds": 1 / 86400}
        if unit not in per_day or isinstance(value, bool):
            return False, 0.0
        return True, float(value) * per_day[unit]
    ok, value = constant(node)
    if ok and isinstance(value, (int, float)) and not isinstance(value, bool):
        return True, float(value)
    return False, 0.0


def column_and_offset(node: exp.Expression, table: SqlTable, dialect: str) -> tuple[str, float] | None:
    """`col`, `col + k` or `col - k` -> (name, k)."""
    node = bare(node)
    if isinstance(node, exp.Column):
        col = table.col(ident(node, dialect))
        return (col.name, 0.0) if col else None
    if isinstance(node, (exp.Add, exp.Sub)):
        left = column_and_offset(node.this, table, dialect)
        ok, k = offset_of(node.expression)
        if left is not None and ok:
            return left[0], left[1] + (k if isinstance(node, exp.Add) else -k)
        if isinstance(node, exp.Add):
            right = column_and_offset(node.expression, table, dialect)
            ok, k = offset_of(node.this)
            if right is not None and ok:
                return right[0], right[1] + k
    return None



# --- a table written back as its DDL said, in another dialect or the same ---

AUTO_TYPES = {exp.DataType.Type.SERIAL, exp.DataType.Type.BIGSERIAL, exp.DataType.Type.SMALLSERIAL}
SERIAL_WORDS = {"tiny": "SMALLSERIAL", "small": "SMALLSERIAL", "medium": "SERIAL", "int": "SERIAL", "big": "BIGSERIAL",
                "year": "SMALLSERIAL"}
NOW_NODES = (exp.CurrentTimestamp, exp.CurrentDate, exp.CurrentTime)
LOOSE_TYPES = ("text", "binary", "json")     # MySQL takes their DEFAULT only as an expression in parentheses


def source_table(table: SqlTable, source: str, target: str) -> SourceTable:
    """The table as its DDL wrote it, in the `target` dialect: its own types, NOT NULL, DEFAULTs,
    auto-increment, keys and CHECKs. In the dialect it was written in, every part is kept as written
    (sqlglot re-emits it); in another, the types come from the table of types (render_type), the
    CHECKs and constant DEFAULTs are transpiled, and what has no counterpart there (collations, a
    DEFAULT calling a function of that database, a named type) is left out."""
    same = source == target
    keys: list[SourceKey] = []
    columns: list[SourceColumn] = []
    auto: list[str] = []
    always = False
    inline_key = False
    before: list[str] = []
    for col in table.columns:
        node = col.node
        constraints = [(c.this if isinstance(c, exp.ColumnConstraint) else None,
                        c.args.get("kind") if isinstance(c, exp.ColumnConstraint) else c)
                       for c in (node.args.get("constraints") if node is not None else None) or []]
        identity = next((k for _, k in constraints if isinstance(k, exp.GeneratedAsIdentityColumnConstraint)
                         and not (k.args.get("expression") is not None and k.args.get("start") is None)), None)
        computed = next((k for _, k in constraints if isinstance(k, exp.ComputedColumnConstraint) or (
            isinstance(k, exp.GeneratedAsIdentityColumnConstraint) and k is not identity)), None)
        kind = node.args.get("kind") if node is not None else None
        written = (sqlite_type(kind) if source == "sqlite" else kind.sql(dialect=source)) \
            if isinstance(kind, exp.DataType) else ""
        serial = isinstance(kind, exp.DataType) and kind.this in AUTO_TYPES
        rowid = (source == "sqlite" and table.primary == [col.name] and written.upper() in ("INT", "INTEGER"))
        is_auto = (col.auto or serial or rowid) and col.type.family == "int" and computed is None
        out = SourceColumn(col.name, "", not_null=col.not_null or col.name in table.primary)
        if col.type.values is not None and same and target == "postgres" and isinstance(kind, exp.DataType) \
                and kind.this == exp.DataType.Type.USERDEFINED:     # CREATE TYPE ... AS ENUM, made first
            name = written.split(".")[-1]
            listed = ", ".join(exp.Literal.string(str(v)).sql(dialect=target) for v in col.type.values)
            before.append(f"DO $$ BEGIN CREATE TYPE {name} AS ENUM ({listed}); "
                          "EXCEPTION WHEN duplicate_object THEN NULL; END $$")
            out.type = name
        elif col.type.values is not None and not (same and isinstance(kind, exp.DataType)
                                                  and kind.this in (exp.DataType.Type.ENUM, exp.DataType.Type.SET)):
            out.type = render_type(col.type, target)
            listed = ", ".join(exp.Literal.string(str(v)).sql(dialect=target) for v in col.type.values)
            keys.append(SourceKey("check", [col.name], text=f"{quoted(col.name, target)} IN ({listed})"))
        elif same and written and not (target == "sqlite" and is_auto) \
                and kind.this != exp.DataType.Type.USERDEFINED:
            out.type = written
        else:
            out.type = render_type(col.type, target, col.unique or col.name in table.primary) if written or \
                target != "sqlite" else ""
        if is_auto:
            auto.append(col.name)
            if target == "postgres":
                if same and identity is not None:
                    out.type = f"{out.type} {identity.sql(dialect=target)}"
                    always = always or bool(identity.args.get("this"))
                elif not (same and serial):
                    word = SERIAL_WORDS.get(col.type.variant, "SERIAL")
                    out.type = "BIGSERIAL" if word == "SERIAL" and col.type.unsigned else word
            elif target == "sqlite":
                if table.primary == [col.name]:
                    out.type, out.not_null, inline_key = "INTEGER PRIMARY KEY AUTOINCREMENT", False, True
                    if same and not any(isinstance(k, exp.AutoIncrementColumnConstraint) for _, k in constraints):
                        out.type = "INTEGER PRIMARY KEY"
            elif col.name in table.primary or col.unique:
                out.type += " AUTO_INCREMENT"
        if same and target != "sqlite":
            extra = [k.sql(dialect=target) for _, k in constraints
                     if isinstance(k, (exp.CollateColumnConstraint, exp.CharacterSetColumnConstraint))]
            out.type = " ".join([out.type, *extra])
        for name, k in constraints:
            label = ident(name, source) or None
            if isinstance(k, exp.DefaultColumnConstraint) and not is_sequence(k.this) and not is_auto:
                out.default = default_sql(k.this, col, source, target)
            elif isinstance(k, exp.CheckColumnConstraint):
                keys.append(SourceKey("check", [col.name], name=label, text=condition(k.this, source, target, table)))
            elif isinstance(k, exp.PrimaryKeyColumnConstraint) and not inline_key:
                keys.append(SourceKey("primary", [col.name], name=label))
            elif isinstance(k, exp.UniqueColumnConstraint):
                keys.append(SourceKey("unique", [col.name], name=label))
            elif isinstance(k, exp.Reference):
                keys.append(reference(k, [col.name], label, source))
        if computed is not None:
            expr = computed.args.get("this") if isinstance(computed, exp.ComputedColumnConstraint) else \
                computed.args.get("expression")
            out.computed = condition(expr, source, target) if isinstance(expr, exp.Expression) else None
        columns.append(out)
    for item in table.items:
        label = ident(item.this, source) if isinstance(item, exp.Constraint) else None
        for inner in item.expressions if isinstance(item, exp.Constraint) else [item]:
            found = table_key(inner, label, source, target, table)
            if found is not None and not (inline_key and found.kind == "primary"):
                keys.append(found)
    after = []
    for name, cols in table.indexes:
        if target == "mysql":    # no CREATE INDEX IF NOT EXISTS there: a UNIQUE key of the table
            keys.append(SourceKey("unique", cols, name=name))
        else:
            listed = ", ".join(quoted(c, target) for c in cols)
            after.append(f"CREATE UNIQUE INDEX IF NOT EXISTS {quoted(name, target)} ON {quoted(table.name, target)} "
                         f"({listed})")
    return SourceTable(columns, keys, auto, always, list(dict.fromkeys(before)), after)


def sqlite_type(kind: exp.DataType) -> str:
    """A type as SQLite DDL wrote it: sqlglot's SQLite names change some (VARCHAR(n) to TEXT(n),
    NUMERIC to REAL), its generic ones keep them but for a few spellings."""
    text = kind.sql().replace(", ", ",")
    for generic, lite in (("DOUBLE", "REAL"), ("VARBINARY", "BLOB"), ("DECIMAL", "NUMERIC")):
        if text.startswith(generic):
            return lite + text[len(generic):] if generic == "DECIMAL" else lite
    return text


def quoted(name: str, dialect: str) -> str:
    return exp.to_identifier(name, quoted=True).sql(dialect=dialect)


def table_key(node: exp.Expression, label: str | None, source: str, target: str, table: SqlTable) -> SourceKey | None:
    if isinstance(node, exp.PrimaryKey):
        return SourceKey("primary", names_in(node, source), name=label)
    if isinstance(node, exp.UniqueColumnConstraint) and node.this is not None:
        inner = node.this
        name = label or (ident(inner.this, source) or None if isinstance(inner, exp.Schema) else None)
        return SourceKey("unique", names_in(inner, source), name=name)
    if isinstance(node, exp.ForeignKey) and isinstance(node.args.get("reference"), exp.Reference):
        return reference(node.args["reference"], names_in(node, source), label, source)
    if isinstance(node, exp.CheckColumnConstraint):
        return SourceKey("check", [], name=label, text=condition(node.this, source, target, table))
    return None   # indexes and storage options


def reference(ref: exp.Reference, columns: list[str], label: str | None, source: str) -> SourceKey:
    target = ref.this
    targets = names_in(target, source) if isinstance(target, exp.Schema) else []
    table = ident(target.this if isinstance(target, exp.Schema) else target, source)
    actions = {}
    for option in ref.args.get("options") or []:
        m = re.match(r"^ON\s+(DELETE|UPDATE)\s+(.+)$", str(option).strip(), re.I)
        if m:
            actions[m.group(1).lower()] = " ".join(m.group(2).upper().split())
    return SourceKey("foreign", columns, name=label, table=table, targets=targets,
                     ondelete=actions.get("delete"), onupdate=actions.get("update"))


def portable(node: exp.Expression, table: SqlTable | None = None, source: str = "") -> exp.Expression:
    """A condition without one database's spelling: casts of columns and constants dropped,
    `x = ANY (ARRAY[...])` as `x IN (...)`, char_length() as LENGTH, a date plus days (`end_date <= start_date + 14`) as
    the date function of the target dialect."""
    def simplify(n: exp.Expression) -> exp.Expression:
        if isinstance(n, (exp.Add, exp.Sub)) and table is not None:
            moved = date_shift(n, table, source)
            if moved is not None:
                return moved
        if isinstance(n, exp.EQ) and isinstance(unparen(n.expression), exp.Any):
            inner = unparen(n.expression).this
            while isinstance(inner, (exp.Cast, exp.Paren)):
                inner = inner.this
            if isinstance(inner, exp.Array):
                return exp.In(this=n.this, expressions=[i.copy() for i in inner.expressions])
        if isinstance(n, exp.Anonymous) and n.name.lower() in ("char_length", "character_length") and \
                len(n.expressions) == 1:
            return exp.Length(this=n.expressions[0].copy())
        if isinstance(n, (exp.Cast, exp.TryCast)) and isinstance(unparen(n.this), (exp.Column, exp.Literal, exp.Neg)):
            return unparen(n.this).copy()
        return n

    return node.copy().transform(simplify)


def date_shift(node: exp.Add | exp.Sub, table: SqlTable, source: str) -> exp.Expression | None:
    """`day + 14`, `at - INTERVAL '1 hour'` on a date or datetime column as DateAdd, which each
    dialect writes its own way (SQLite's date(day, '14 DAY'))."""
    sides = [(node.this, node.expression)] + ([(node.expression, node.this)] if isinstance(node, exp.Add) else [])
    for a, b in sides:
        column = bare(a)
        col = table.col(ident(column, source)) if isinstance(column, exp.Column) else None
        if col is None or col.type.family not in ("date", "datetime"):
            continue
        ok, days = offset_of(b)
        if not ok:
            return None
        days = -days if isinstance(node, exp.Sub) else days
        if col.type.family == "date" and days == int(days):
            return exp.DateAdd(this=column.copy(), expression=exp.Literal.number(int(days)), unit=exp.var("DAY"))
        return exp.DateAdd(this=column.copy(), expression=exp.Literal.number(round(days * 86400)),
                           unit=exp.var("SECOND"))
    return None


def condition(node: exp.Expression, source: str, target: str, table: SqlTable | None = None) -> str:
    return " ".join((node if source == target else portable(node, table, source)).sql(dialect=target).split())


def default_sql(node: exp.Expression, col: SqlColumn, source: str, target: str) -> str | None:
    """A column's DEFAULT in the target dialect; in another dialect only a constant or the current
    date and time, which every database reads alike."""
    if source == target:
        return node.sql(dialect=target)
    node = portable(unparen(node))
    if isinstance(node, exp.Anonymous) and node.name.lower() in ("now", "getdate", "sysdate"):
        node = exp.CurrentTimestamp()
    if isinstance(node, NOW_NODES):
        return node.sql(dialect=target) if target != "mysql" else {exp.CurrentDate: "(CURRENT_DATE)",
                                                                 exp.CurrentTime: "(CURRENT_TIME)"}.get(
            type(node), "CURRENT_TIMESTAMP")
    ok, value = constant(node)
    if not ok and not isinstance(node, exp.Null):
        return None
    if col.type.family == "bool" and value in (0, 1) and not isinstance(value, bool):
        node = exp.Boolean(this=bool(value))      # MySQL's TINYINT(1) DEFAULT 1
    text = node.sql(dialect=target)
    if target == "sqlite" and not isinstance(node, (exp.Literal, exp.Null, exp.Boolean)):
        return f"({text})"
    if target == "mysql" and col.type.family in LOOSE_TYPES:
        return f"({text})"
    return text
