"""SQL in: CREATE TABLE statements (PostgreSQL, MySQL, SQLite) as a schema of the same tables.

    schema_from_ddl("CREATE TABLE customers (customer_id SERIAL PRIMARY KEY, email VARCHAR(120) NOT NULL UNIQUE);"
                    "CREATE TABLE orders (order_id SERIAL PRIMARY KEY, customer_id INT NOT NULL REFERENCES customers);")

The statements are read with sqlglot, in the dialect given or else the one the text reads as; the
tables, columns, keys and constraints come from CREATE TABLE, ALTER TABLE ... ADD CONSTRAINT,
CREATE UNIQUE INDEX and CREATE TYPE ... AS ENUM (other statements are skipped). Then:

- each table gets a role: a table of its own size (`rows`), a child made `per` the parent its first
  foreign key names (unless that parent is a small lookup table), or, for a junction with a key of
  two foreign keys, per the first with distinct picks of the second;
- each column starts from the built-in designer's reading of its name (suggest(), the only place
  that knows the designer), shaped to its SQL type; then the constraints win: keys, NOT NULL,
  UNIQUE, CHECK (IN, BETWEEN, comparisons with constants, LIKE, lengths, and comparisons between
  two columns of a row, kept with `after` or a formula over a hidden column), DEFAULT;
- a constraint that no rows could meet, or one this module cannot keep in every row, is a
  SchemaError naming the table, the column and the constraint.

The schema dict returned is checked by load_schema() before it leaves. It does not make rows or
write SQL (database.py does that).
"""

from __future__ import annotations

import functools
import keyword
import math
import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import sqlglot
from sqlglot import exp
from sqlglot.errors import ParseError, SqlglotError

from cells import MAX_ABS_NUMBER, MAX_DATE, MAX_DECIMALS, MIN_DATE, parse_day
from columns import MAX_CHOICE_VALUE_CHARS, MAX_CHOICE_VALUES, MAX_LENGTH, MAX_NAME_CHARS, MAX_PATTERN_CHARS, SQL_TYPE
from database import SqlType, parse_type, render_type
from errors import SchemaError, clip
from schema import MAX_TABLES, load_schema

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

# Sizes and shares where the DDL is silent.
LOOKUP_ROWS = 10                # a small reference table: statuses, categories, countries
ENTITY_ROWS = 1000              # a table of its own: it owns children, or nothing refers to it
PICKED_ROWS = 200               # a catalogue the other tables only pick rows from
PER_MANY = {"min": 0, "max": 5, "mean": 2}
PER_LINES = {"min": 1, "max": 5, "mean": 2.5}     # order_items, invoice_lines: at least one each
PER_ONE = {"min": 0, "max": 1, "mean": 0.8}       # a one-to-one extension of its parent
NULL_RATE = 0.05                # a nullable column's empty share when the designer names none
SELF_REF_NULL_RATE = 0.1        # a nullable reference to the same table: the top of a hierarchy
DEFAULT_SHARE = 0.25            # a DEFAULT constant appears this often (choices: it is the most common)
DEFAULT_AFTER = (0, 30)         # days between two dates a CHECK orders, unless the names say more
GAPS = [   # (earlier name, later name, fewest and most days between them)
    (re.compile(r"birth|dob", re.I), re.compile(r".", re.I), (18 * 365, 65 * 365)),
    (re.compile(r"hire|join|employ|enrol|member|sign_?up|regist", re.I),
     re.compile(r"left|leave|exit|terminat|resign|churn|end|cancel|graduat", re.I), (30, 5 * 365)),
    (re.compile(r".", re.I), re.compile(r"end|expir|finish|complet|close|until|valid|due|renew", re.I), (1, 365)),
]
INT_SPAN = (0, 1000)            # an integer the names say nothing about
FLOAT_SPAN = (0, 1000)
UNIQUE_SPAN = 10**9             # room a unique number needs when nothing bounds it
UNIQUE_TAG_ROOM = 10            # unique text from Faker gets a row number when it repeats: room for it
SAMPLE_ROWS = 2000              # values drawn to see how long a Faker method's text gets

LOOKUP_NAME = re.compile(r"(^|_)(type|types|kind|kinds|categor(y|ies)|status|statuses|state|states|role|roles|"
                         r"countr(y|ies)|currenc(y|ies)|region|regions|department|departments|tag|tags|level|"
                         r"levels|tier|tiers|genre|genres|language|languages|unit|units|method|methods|channel|"
                         r"channels|priorit(y|ies)|reason|reasons|class|classes|grade|grades|segment|segments|"
                         r"brand|brands|lookup|lookups|code|codes)$", re.I)
LOOKUP_FIELD = re.compile(r"^(id|code|name|label|title|description|desc|sort_order|position|rank|is_active|active|"
                          r"abbreviation|abbr|symbol|short_name|display_name)$", re.I)
LINE_TABLE = re.compile(r"(^|_)(items?|lines?|line_items?|details?|entries|entry)$", re.I)
INT_FAMILIES = ("int",)
NUMBER_FAMILIES = ("int", "decimal", "float")
TEXT_FAMILIES = ("text",)


# --- the designer, behind one small adapter ---

@functools.lru_cache(maxsize=1)
def _offline() -> Any:
    import designer

    return designer.OfflineDesigner()


def suggest(name: str, context: str, subject: str) -> dict[str, Any] | None:
    """The built-in designer's column for a column name ("unit_price" -> prices as a float),
    read in the domain the context names; None when it only guessed from the word's shape."""
    words = re.sub(r"([a-z0-9])([A-Z])", r"\1 \2", name).replace("_", " ").strip()
    try:
        import designer

        offline = _offline()
        if hasattr(offline, "context") and hasattr(designer, "read_item"):   # a phrase read with its context
            ctx = offline.context(context)
            ctx.subject = subject
            draft = offline.column(designer.read_item(words), ctx)
        else:                                                                 # a phrase read in a domain
            domain = offline.vocab.domain(designer.tokens(context))
            draft = offline.column(designer.read_phrase(words), domain["id"] if domain else None, subject)
    except (ImportError, AttributeError, TypeError, KeyError, ValueError):
        return None  # the designer changed shape: columns are then typed by SQL alone
    if draft is None or getattr(draft, "weak", False) or not isinstance(getattr(draft, "column", None), dict):
        return None
    return dict(draft.column)


# --- reading the SQL ---

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
            statements = [s for s in sqlglot.parse(ddl, read=name) if s is not None]
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
        elif isinstance(item, exp.Constraint):
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
        col = SqlColumn(name, *self.type_of(table, name, dtype))
        table.columns.append(col)
        for constraint in node.args.get("constraints") or []:
            kind = constraint.args.get("kind") if isinstance(constraint, exp.ColumnConstraint) else constraint
            self.column_constraint(table, col, kind)
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
                if action.args.get("default") is not None and is_sequence(action.args["default"]):
                    col.auto = True
                if action.args.get("allow_null") is False:
                    col.not_null = True
            elif isinstance(action, (exp.Constraint, exp.ForeignKey, exp.PrimaryKey, exp.UniqueColumnConstraint,
                                     exp.CheckColumnConstraint)):
                self.table_item(table, action)


def is_sequence(node: exp.Expression | None) -> bool:
    text = node.sql().lower() if isinstance(node, exp.Expression) else ""
    return "nextval" in text or "autoincrement" in text


# --- what the constraints say about one column ---

@dataclass
class Rules:
    """What the CHECK constraints on one column allow."""

    lo: float | None = None          # numbers: inclusive bounds, strict ones moved by a step
    hi: float | None = None
    first: date | None = None         # dates
    last: date | None = None
    values: list[Any] | None = None   # IN and =
    exclude: list[Any] = field(default_factory=list)
    likes: list[str] = field(default_factory=list)
    min_length: int = 0
    max_length: int | None = None
    not_null: bool = False
    always_null: bool = False
    texts: list[str] = field(default_factory=list)   # the CHECKs, for messages


@dataclass
class Pair:
    """`left op right + offset` between two columns of a row (op: <=, <, >=, >, =)."""

    left: str
    op: str
    right: str
    offset: float
    text: str


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


# --- building the schema ---

@dataclass
class Role:
    kind: str = "rows"                  # rows, per
    parent: str | None = None           # per: the parent table
    owner: str | None = None            # per: the column naming the parent row
    per: dict[str, float] | None = None
    rows: int | None = None
    lookup: bool = False
    distinct: set[str] = field(default_factory=set)     # refs whose picks differ within each parent row
    series: set[str] = field(default_factory=set)       # dates that step within each parent row
    numbered: set[str] = field(default_factory=set)     # integers numbered through the whole table


class Builder:
    def __init__(self, tables: list[SqlTable], dialect: str, description: str | None):
        self.tables = tables
        self.by = {t.name.lower(): t for t in tables}
        self.dialect = dialect
        self.description = description or ""
        names = " ".join(t.name.replace("_", " ") for t in tables)
        self.context = f"{self.description} {names}".strip()
        self.fk: dict[tuple[str, str], tuple[str, str]] = {}   # (table, column) -> (target table, target column)
        self.keys: dict[str, str | None] = {}
        self.roles: dict[str, Role] = {}
        self.cut: set[tuple[str, str]] = set()     # foreign keys left empty to break a circle of tables

    # -- tables --

    def target(self, name: str, what: str) -> SqlTable:
        found = self.by.get(name.lower())
        if found is None:
            raise fail(f"{what} refers to the table {clip(name, 64)!r}, which is not in the DDL")
        return found

    def link(self) -> None:
        """Each foreign key's column and the column it refers to."""
        referenced: dict[str, set[str]] = {}
        for table in self.tables:
            for fk in table.foreign:
                target = self.target(fk.table, f"table {table.name!r}: {fk.text}")
                if len(fk.columns) != 1:
                    raise fail(f"table {table.name!r}: the foreign key {fk.text!r} spans {len(fk.columns)} columns; "
                               "only single-column foreign keys are supported")
                if fk.targets:
                    if len(fk.targets) != 1:
                        raise fail(f"table {table.name!r}: {fk.text!r} refers to {len(fk.targets)} columns")
                    col = target.col(fk.targets[0])
                    if col is None:
                        raise fail(f"table {table.name!r}: {fk.text!r} refers to {target.name}.{fk.targets[0]}, "
                                   "which does not exist")
                    to = col.name
                elif len(target.primary) == 1:
                    to = target.primary[0]
                else:
                    raise fail(f"table {table.name!r}: {fk.text!r} names no column and {target.name!r} has no "
                               "single-column primary key")
                self.fk[(table.name, fk.columns[0])] = (target.name, to)
                referenced.setdefault(target.name, set()).add(to)
        for table in self.tables:
            wanted = referenced.get(table.name, set())
            if len(wanted) > 1:
                raise fail(f"table {table.name!r}: other tables refer to {len(wanted)} different columns of it "
                           f"({', '.join(sorted(wanted))}); one column must be the key they all refer to")
            key = next(iter(wanted)) if wanted else (table.primary[0] if len(table.primary) == 1 else None)
            if key is not None and (table.name, key) in self.fk:
                if wanted:
                    raise fail(f"table {table.name!r}: the column {key!r} is a foreign key itself, so other "
                               "tables cannot refer to it here")
                key = None  # a primary key that is a foreign key: a one-to-one extension of its parent
            col = table.col(key) if key else None
            if col is not None and col.type.family not in ("int", "text", "uuid", "decimal"):
                if wanted:
                    raise fail(f"table {table.name!r}: other tables refer to {key!r}, a {col.sql_type} column; "
                               "a key they refer to must be a number or text")
                key = None
            self.keys[table.name] = key

    def lookup(self, table: SqlTable) -> bool:
        """A small reference table: no foreign keys, a few columns of names and codes."""
        if any(fk for fk in table.foreign) or len(table.columns) > 4:
            return False
        fields = [c.name for c in table.columns if c.name != self.keys.get(table.name)]
        return bool(LOOKUP_NAME.search(table.name)) or all(LOOKUP_FIELD.match(f) for f in fields)

    def foreign_cols(self, table: SqlTable) -> list[str]:
        """The table's foreign keys to other tables, in column order, without the cut ones."""
        return [c.name for c in table.columns if (table.name, c.name) in self.fk
                and self.fk[(table.name, c.name)][0] != table.name and (table.name, c.name) not in self.cut]

    def break_circles(self) -> None:
        """Tables that refer to each other in a circle: one of the foreign keys, a nullable one,
        stays empty so some table can be filled first."""
        while True:
            circle = self.find_circle()
            if circle is None:
                return
            nullable = [(t, c) for t, c in circle if not self.by[t.lower()].col(c).not_null  # type: ignore[union-attr]
                        and c not in self.by[t.lower()].primary]
            if not nullable:
                where = " -> ".join(f"{t}.{c}" for t, c in circle)
                raise fail(f"tables refer to each other in a circle through NOT NULL foreign keys ({where}): no "
                           "table could be filled first; make one of them nullable")
            order = {t.name: i for i, t in enumerate(self.tables)}
            forward = sorted(nullable, key=lambda tc: (order[self.fk[tc][0]] < order[tc[0]], -order[tc[0]]))
            self.cut.add(forward[0])

    def find_circle(self) -> list[tuple[str, str]] | None:
        state: dict[str, int] = {}
        stack: list[tuple[str, str]] = []

        def visit(name: str) -> list[tuple[str, str]] | None:
            state[name] = 1
            table = self.by[name.lower()]
            for col in self.foreign_cols(table):
                target = self.fk[(table.name, col)][0]
                stack.append((table.name, col))
                if state.get(target) == 1:
                    start = next(i for i, (t, _) in enumerate(stack) if t == target)
                    return stack[start:]
                if state.get(target) is None:
                    found = visit(target)
                    if found:
                        return found
                stack.pop()
            state[name] = 2
            return None

        for table in self.tables:
            if state.get(table.name) is None:
                found = visit(table.name)
                if found:
                    return found
        return None

    def decide_roles(self) -> None:
        lookups = {t.name for t in self.tables if self.lookup(t)}
        for table in self.tables:
            role = Role(lookup=table.name in lookups)
            refs = self.foreign_cols(table)
            owner = None
            groups = ([table.primary] if len(table.primary) > 1 else []) + [u for u in table.uniques if len(u) > 1]
            for group in groups:
                members = [c for c in refs if c in group]
                if len(members) >= 2:
                    owner = members[0]
                    break
            if owner is None:
                one = [c for c in refs if [c] == table.primary or [c] in table.uniques
                       or (table.col(c).unique)]  # type: ignore[union-attr]
                owner = one[0] if one else next((c for c in refs if self.fk[(table.name, c)][0] not in lookups), None)
            if owner is not None:
                parent = self.fk[(table.name, owner)][0]
                role.kind, role.parent, role.owner = "per", parent, owner
                single = [owner] == table.primary or [owner] in table.uniques or table.col(owner).unique  # type: ignore[union-attr]
                role.per = dict(PER_ONE if single else PER_LINES if LINE_TABLE.search(table.name) else PER_MANY)
            self.roles[table.name] = role
        owners = {r.parent for r in self.roles.values() if r.kind == "per"}
        picked = {self.fk[(t.name, c)][0] for t in self.tables for c in self.foreign_cols(t)}
        for table in self.tables:
            role = self.roles[table.name]
            if role.kind == "per":
                continue
            if role.lookup and table.name not in owners:
                role.rows = LOOKUP_ROWS
            elif table.name in picked and table.name not in owners:
                role.rows = PICKED_ROWS
            else:
                role.rows = ENTITY_ROWS

    def main_table(self) -> str:
        tokens = re.findall(r"[a-z0-9]+", self.description.lower().replace("_", " "))
        if tokens:
            forms = {t.name: {t.name.lower(), t.name.lower().rstrip("s"), t.name.lower().replace("_", " ")}
                     for t in self.tables}
            text = " ".join(tokens)
            counted = [(m.start(), name) for name, words in forms.items() for w in words
                       for m in re.finditer(rf"\b\d[\d,.]*\s*(?:k\s+)?{re.escape(w)}s?\b", text)]
            if counted:
                return min(counted)[1]
        sizes = {t.name: self.roles[t.name].rows or 0 for t in self.tables if self.roles[t.name].kind == "rows"}
        children: dict[str, int] = {}
        for name, role in self.roles.items():
            node = role
            while node.kind == "per" and node.parent:
                children[node.parent] = children.get(node.parent, 0) + 1
                node = self.roles[node.parent]
        order = {t.name: i for i, t in enumerate(self.tables)}
        return max(sizes, key=lambda n: (sizes[n], children.get(n, 0), -order[n])) if sizes else self.tables[0].name

    # -- the whole schema --

    def schema(self) -> dict[str, Any]:
        self.link()
        self.break_circles()
        self.decide_roles()
        main = self.main_table()
        rules = {t.name: self.read_checks(t) for t in self.tables}
        self.composite_keys(rules)
        makers = {t.name: TableBuilder(self, t, self.roles[t.name], *rules[t.name]) for t in self.tables}
        columns = {name: maker.columns() for name, maker in makers.items()}
        out_tables = []
        for table in self.tables:
            role = self.roles[table.name]
            spec: dict[str, Any] = {"name": table.name}
            if role.kind == "per":
                per = dict(role.per or PER_MANY)
                for ref in role.distinct:   # distinct picks per parent row: at most as many as the rows to pick
                    size = makers[self.fk[(table.name, ref)][0]].rows
                    if size is not None and per["max"] > size:
                        per["max"] = size
                        per["min"] = min(per["min"], size)
                        per["mean"] = min(per["mean"], size)
                spec["per"] = {"table": role.parent, **per}
            else:
                spec["rows"] = makers[table.name].rows
            spec["columns"] = columns[table.name]
            out_tables.append(spec)
        name = re.sub(r"[^A-Za-z0-9_]+", "_", main)[:MAX_NAME_CHARS] or "dataset"
        schema = {"name": name, "locale": "en_US", "tables": out_tables, "main": main}
        try:
            load_schema(schema, MAX_COLUMNS_PER_TABLE)
        except SchemaError as err:
            raise fail(f"the tables could not be turned into a dataset: {err}") from None
        return schema

    def read_checks(self, table: SqlTable) -> tuple[dict[str, Rules], list[Pair]]:
        rules: dict[str, Rules] = {c.name: Rules() for c in table.columns}
        pairs: list[Pair] = []
        for check in table.checks:
            for part in conjuncts(check.expr):
                self.read_check(table, part, check.text, rules, pairs)
        return rules, pairs

    def cannot(self, table: SqlTable, column: str | None, text: str, why: str = "") -> SchemaError:
        where = f"table {table.name!r}" + (f", column {column!r}" if column else "")
        reason = why or ("it is not a kind of CHECK this service can keep in every row (it keeps comparisons "
                         "with constants, BETWEEN, IN, LIKE, lengths, and comparisons between two columns)")
        return fail(f"{where}: CHECK ({clip(text, 120)}): {reason}")

    def read_check(self, table: SqlTable, node: exp.Expression, text: str, rules: dict[str, Rules],
                   pairs: list[Pair]) -> None:
        node = unparen(node)
        columns = {ident(c, self.dialect) for c in node.find_all(exp.Column)}
        cols = [table.col(c) for c in columns]
        if any(c is None for c in cols):
            missing = next(n for n, c in zip(columns, cols) if c is None)
            raise self.cannot(table, None, text, f"it names {missing!r}, which the table does not have")
        if not cols:
            ok, value = constant(node)
            if ok and value is True or isinstance(node, exp.Boolean) and node.this:
                return
            raise self.cannot(table, None, text, "it reads no column")
        options = [o for o in disjuncts(node) if not (isinstance(o, exp.Is) and isinstance(o.expression, exp.Null))]
        if not options:
            return   # CHECK (x IS NULL OR y IS NULL): empty cells hold it, and nothing else is asked
        if len(options) == 1:
            node = unparen(options[0])
            cols = [table.col(ident(c, self.dialect)) for c in node.find_all(exp.Column)]
            names = {c.name for c in cols if c is not None}
            if len(names) == 2 and self.read_pair(table, node, text, pairs):
                return
            if len(names) != 1:
                raise self.cannot(table, None, text)
            col = next(c for c in cols if c is not None)
            rule = rules[col.name]
            rule.texts.append(text)
            self.read_one(table, col, node, text, rule)
            return
        names = {table.col(ident(c, self.dialect)).name for o in options for c in o.find_all(exp.Column)}  # type: ignore[union-attr]
        if len(names) == 1 and all(isinstance(unparen(o), (exp.EQ, exp.In)) for o in options):
            col = table.col(names.pop())
            assert col is not None
            rule = rules[col.name]
            rule.texts.append(text)
            values: list[Any] = []
            for o in options:
                values += self.listed(table, col, unparen(o), text)
            self.allow(rule, values)
            return
        raise self.cannot(table, None, text)

    def listed(self, table: SqlTable, col: SqlColumn, node: exp.Expression, text: str) -> list[Any]:
        if isinstance(node, exp.In):
            if node.args.get("query") is not None or not node.expressions:
                raise self.cannot(table, col.name, text)
            out = []
            for item in node.expressions:
                ok, value = constant(item)
                if not ok:
                    raise self.cannot(table, col.name, text, f"{sql_text(item, self.dialect)!r} is not a constant")
                out.append(value)
            return out
        values = self.any_array(node)
        if values is not None:
            return values
        side = self.column_side(node, table)
        if side is None:
            raise self.cannot(table, col.name, text)
        return [side[1]]

    def any_array(self, node: exp.Expression) -> list[Any] | None:
        """`col = ANY (ARRAY['a', 'b'])`, PostgreSQL's own spelling of IN."""
        if not isinstance(node, exp.EQ) or not isinstance(bare(node.this), exp.Column):
            return None
        right = unparen(node.expression)
        if not isinstance(right, exp.Any):
            return None
        inner = right.this
        while isinstance(inner, (exp.Cast, exp.Paren)):
            inner = inner.this
        if not isinstance(inner, exp.Array):
            return None
        out = []
        for item in inner.expressions:
            ok, value = constant(item)
            if not ok:
                return None
            out.append(value)
        return out

    def column_side(self, node: exp.Expression, table: SqlTable) -> tuple[str, Any] | None:
        """`col = 5` or `5 = col` -> (column, 5)."""
        for a, b in ((node.this, node.expression), (node.expression, node.this)):
            if isinstance(bare(a), exp.Column):
                ok, value = constant(b, now=True)
                if ok:
                    return ident(bare(a), self.dialect), value
        return None

    def allow(self, rule: Rules, values: list[Any]) -> None:
        if rule.values is None:
            rule.values = list(dict.fromkeys(values))
        else:
            rule.values = [v for v in rule.values if v in values]

    def read_one(self, table: SqlTable, col: SqlColumn, node: exp.Expression, text: str, rule: Rules) -> None:
        if isinstance(node, exp.Not):
            inner = unparen(node.this)
            if isinstance(inner, exp.In):
                rule.exclude += self.listed(table, col, inner, text)
                return
            if isinstance(inner, exp.Is) and isinstance(inner.expression, exp.Null):
                rule.not_null = True
                return
            raise self.cannot(table, col.name, text)
        if isinstance(node, exp.Is) and isinstance(node.expression, exp.Null):
            rule.always_null = True
            return
        if isinstance(node, exp.In) or self.any_array(node) is not None:
            self.allow(rule, self.listed(table, col, node, text))
            return
        if isinstance(node, exp.Between) and is_length(bare(node.this)):
            ok_lo, lo = constant(node.args["low"])
            ok_hi, hi = constant(node.args["high"])
            if not (ok_lo and ok_hi and isinstance(lo, int) and isinstance(hi, int)):
                raise self.cannot(table, col.name, text)
            rule.min_length = max(rule.min_length, lo)
            rule.max_length = hi if rule.max_length is None else min(rule.max_length, hi)
            return
        if isinstance(node, exp.Between) and isinstance(bare(node.this), exp.Column):
            ok_lo, lo = constant(node.args["low"], now=True)
            ok_hi, hi = constant(node.args["high"], now=True)
            if not (ok_lo and ok_hi):
                raise self.cannot(table, col.name, text)
            self.bound(table, col, rule, ">=", lo, text)
            self.bound(table, col, rule, "<=", hi, text)
            return
        if isinstance(node, (exp.Like, exp.ILike)) and isinstance(bare(node.this), exp.Column):
            ok, pattern = constant(node.expression)
            if not ok or not isinstance(pattern, str):
                raise self.cannot(table, col.name, text)
            rule.likes.append(pattern)
            return
        if type(node) in COMPARE:
            op = COMPARE[type(node)]
            a, b = bare(node.this), bare(node.expression)
            if not isinstance(a, exp.Column) and not isinstance(a, (exp.Length, exp.Trim, exp.Anonymous)):
                a, b, op = b, a, FLIP[op]
            if isinstance(a, exp.Column):
                ok, value = constant(b, now=True)
                if not ok:
                    raise self.cannot(table, col.name, text)
                if op == "=":
                    self.allow(rule, [value])
                elif op == "<>":
                    rule.exclude.append(value)
                else:
                    self.bound(table, col, rule, op, value, text)
                return
            if is_length(a):
                ok, value = constant(b)
                if ok and isinstance(value, int):
                    lo = value + 1 if op == ">" else value if op in (">=", "=") else None
                    hi = value - 1 if op == "<" else value if op in ("<=", "=") else None
                    if lo is not None:
                        rule.min_length = max(rule.min_length, lo)
                    if hi is not None:
                        rule.max_length = hi if rule.max_length is None else min(rule.max_length, hi)
                    if op == "<>" and value == 0:
                        rule.min_length = max(rule.min_length, 1)
                    return
            if isinstance(a, exp.Trim) and op in ("<>", ">"):
                ok, value = constant(b)
                if ok and value == "":
                    rule.min_length = max(rule.min_length, 1)
                    rule.exclude.append("")
                    return
        if isinstance(node, exp.Column):   # CHECK (flag): a boolean that must be true
            self.allow(rule, [True])
            return
        raise self.cannot(table, col.name, text)

    def bound(self, table: SqlTable, col: SqlColumn, rule: Rules, op: str, value: Any, text: str) -> None:
        family = col.type.family
        if family in ("date", "datetime"):
            day = as_date(value)
            if day is None:
                raise self.cannot(table, col.name, text, f"{clip(value, 40)!r} is not a date like 2024-01-31")
            timed = isinstance(value, str) and value.strip()[11:].strip("0:. ") != ""
            if op in (">", ">="):
                # a datetime on the bound's day may fall at midnight: start the next day unless >= midnight
                later = op == ">" or (family == "datetime" and timed)
                first = day + timedelta(days=1) if later else day
                rule.first = first if rule.first is None else max(rule.first, first)
            else:
                # a datetime on the last day runs to 23:59:59: end the day before unless a date <=
                last = day if family == "date" and op == "<=" else day - timedelta(days=1)
                rule.last = last if rule.last is None else min(rule.last, last)
            return
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            if isinstance(value, str):
                try:
                    value = float(value)
                except ValueError:
                    raise self.cannot(table, col.name, text, f"{clip(value, 40)!r} is not a number") from None
            else:
                raise self.cannot(table, col.name, text)
        if family not in NUMBER_FAMILIES:
            raise self.cannot(table, col.name, text, f"a {col.sql_type} column is compared with a number")
        step = number_step(col)
        if op in (">", ">="):
            lo = value + step if op == ">" else value
            if family == "int":
                lo = math.ceil(lo) if op == ">=" else math.floor(value) + 1
            rule.lo = lo if rule.lo is None else max(rule.lo, lo)
        else:
            hi = value - step if op == "<" else value
            if family == "int":
                hi = math.floor(hi) if op == "<=" else math.ceil(value) - 1
            rule.hi = hi if rule.hi is None else min(rule.hi, hi)

    def read_pair(self, table: SqlTable, node: exp.Expression, text: str, pairs: list[Pair]) -> bool:
        if type(node) not in COMPARE:
            return False
        op = COMPARE[type(node)]
        left = column_and_offset(node.this, table, self.dialect)
        right = column_and_offset(node.expression, table, self.dialect)
        if left is None or right is None or left[0] == right[0]:
            return False
        if op == "<>":
            raise self.cannot(table, left[0], text, "two columns that must differ are not supported")
        # left + a op right + b  ->  left op right + (b - a)
        pairs.append(Pair(left[0], op, right[0], right[1] - left[1], text))
        return True

    def composite_keys(self, rules: dict[str, tuple[dict[str, Rules], list[Pair]]]) -> None:
        """PRIMARY KEY (a, b) and UNIQUE (a, b): one member made to differ, so the set does."""
        for table in self.tables:
            role = self.roles[table.name]
            groups = ([table.primary] if len(table.primary) > 1 else []) + [u for u in table.uniques if len(u) > 1]
            for group in groups:
                self.composite(table, role, group, rules[table.name][0])

    def composite(self, table: SqlTable, role: Role, group: list[str], rules: dict[str, Rules]) -> None:
        text = f"UNIQUE ({', '.join(group)})" if group != table.primary else f"PRIMARY KEY ({', '.join(group)})"
        key = self.keys.get(table.name)
        if key in group or any(table.col(c).unique or [c] in table.uniques or [c] == table.primary  # type: ignore[union-attr]
                               for c in group if (table.name, c) not in self.fk):
            return
        refs = [c for c in group if (table.name, c) in self.fk]
        if role.owner in group:
            others = [c for c in group if c != role.owner]
            other_refs = [c for c in others if c in refs and (table.name, c) not in self.cut
                          and self.fk[(table.name, c)][0] != table.name]
            if other_refs:
                role.distinct.add(other_refs[0])
                return
            for c in others:
                col = table.col(c)
                assert col is not None
                if col.type.family in ("date", "datetime") and rules[c].first is None and rules[c].last is None:
                    role.series.add(c)
                    return
        for c in reversed([c for c in group if c not in refs]):
            col = table.col(c)
            assert col is not None
            before_key = key is not None and [x.name for x in table.columns].index(c) < \
                [x.name for x in table.columns].index(key)
            if col.type.family == "int" and rules[c].lo is None and rules[c].hi is None and not rules[c].values \
                    and not before_key:
                role.numbered.add(c)
                return
            if col.type.family in ("int", "decimal", "float", "text", "date", "datetime", "uuid"):
                col.unique = True
                return
        raise fail(f"table {table.name!r}: {text} cannot be kept: its columns are foreign keys that are "
                   "not the table's parent and a pick from another table; make the first of them the table's "
                   "first foreign key")


def number_step(col: SqlColumn) -> float:
    if col.type.family == "int":
        return 1
    if col.type.family == "decimal" and col.type.scale is not None:
        return 10.0 ** -min(col.type.scale, MAX_DECIMALS)
    return 0.01


def type_range(col: SqlColumn) -> tuple[float, float]:
    """The numbers a column's SQL type can hold (within the engine's own bounds)."""
    t = col.type
    if t.family == "int":
        bits = {"tiny": 8, "small": 16, "medium": 24, "int": 32, "big": 64}.get(t.variant, 64)
        if t.variant == "year":
            return 1901, 2155
        lo, hi = (0, 2**bits - 1) if t.unsigned else (-(2 ** (bits - 1)), 2 ** (bits - 1) - 1)
        return max(lo, -MAX_ABS_NUMBER), min(hi, MAX_ABS_NUMBER)
    if t.family == "decimal" and t.precision:
        scale = t.scale or 0
        top = 10.0 ** (t.precision - scale) - 10.0 ** -scale
        return (0 if t.unsigned else -top), top
    return (0 if t.unsigned else -MAX_ABS_NUMBER), MAX_ABS_NUMBER


def day_text(day: date) -> str:
    return day.isoformat()


def pick_name(taken: set[str], base: str) -> str:
    name = base[:MAX_NAME_CHARS]
    i = 2
    while name in taken:
        name = f"{base[:MAX_NAME_CHARS - 4]}_{i}"
        i += 1
    taken.add(name)
    return name


def formula_name_ok(name: str) -> bool:
    return name.isidentifier() and not keyword.iskeyword(name) and name not in ("True", "False", "None")


def quote_text(value: str) -> str:
    """A text constant inside a formula."""
    return repr(value)


class TableBuilder:
    """The columns of one table."""

    def __init__(self, owner: Builder, table: SqlTable, role: Role, rules: dict[str, Rules], pairs: list[Pair]):
        self.b, self.table, self.role, self.rules, self.pairs = owner, table, role, rules, pairs
        self.key = owner.keys.get(table.name)
        self.rows = role.rows
        self.specs: dict[str, dict[str, Any]] = {}       # column -> engine column (without name)
        self.wraps: dict[str, str] = {}                  # column -> formula over "{raw}"
        self.raw_extra: dict[str, dict[str, Any]] = {}   # column -> fields for its hidden raw column
        self.defaults: dict[str, float] = {}            # number columns -> their DEFAULT, a share of the rows
        self.taken = {c.name for c in table.columns}

    def where(self, col: SqlColumn) -> str:
        return f"table {self.table.name!r}, column {col.name!r}"

    def cannot(self, col: SqlColumn, what: str, why: str) -> SchemaError:
        return fail(f"{self.where(col)}: {what} cannot hold: {why}")

    def columns(self) -> list[dict[str, Any]]:
        for col in self.table.columns:
            if col.generated:
                continue
            self.specs[col.name] = self.column(col)
        self.apply_pairs()
        out: list[dict[str, Any]] = []
        for col in self.table.columns:
            if col.generated:
                continue
            spec = self.specs[col.name]
            if col.name in self.wraps:
                raw = pick_name(self.taken, f"{col.name}_raw")
                raw_spec = {k: v for k, v in spec.items() if k not in ("null_rate", "sql_type", "max_length", "unique")}
                out.append({"name": raw, **raw_spec, **self.raw_extra.get(col.name, {}), "hidden": True})
                visible = {"type": "formula", "expr": self.wraps[col.name].replace("{raw}", raw)}
                for k in ("null_rate", "sql_type", "max_length", "description"):
                    if k in spec:
                        visible[k] = spec[k]
                if spec.get("type") == "float" or "decimals" in spec:
                    visible["decimals"] = spec.get("decimals", 2)
                spec = visible
            out.append({"name": col.name, **spec})
        self.check_sizes(out)
        return out

    # -- one column --

    def column(self, col: SqlColumn) -> dict[str, Any]:
        rule = self.rules[col.name]
        fk = self.b.fk.get((self.table.name, col.name))
        if rule.always_null:
            if col.not_null or col.primary:
                raise self.cannot(col, "CHECK (... IS NULL)", "the column is also NOT NULL")
            spec = self.plain(col, {"type": "choice", "values": ["-"]}, rule)
            spec["null_rate"] = 1.0
            return spec
        if fk is not None:
            spec = self.reference(col, fk, rule)
        elif col.name == self.key:
            spec = self.key_column(col, rule)
        else:
            spec = self.value_column(col, rule)
        spec.setdefault("sql_type", col.sql_type)
        if col.type.family == "text" and col.type.length and spec.get("type") != "ref":
            spec.setdefault("max_length", min(col.type.length, MAX_LENGTH))
        if col.comment and "description" not in spec:
            spec["description"] = clip(col.comment, 200)
        return spec

    def nulls(self, col: SqlColumn, rule: Rules, guess: dict[str, Any] | None = None) -> float:
        if col.not_null or col.primary or rule.not_null or col.name in self.table.primary:
            return 0.0
        rate = (guess or {}).get("null_rate")
        return float(rate) if isinstance(rate, (int, float)) and 0 < rate < 1 else NULL_RATE

    def plain(self, col: SqlColumn, spec: dict[str, Any], rule: Rules) -> dict[str, Any]:
        spec = dict(spec)
        rate = self.nulls(col, rule)
        if rate:
            spec["null_rate"] = rate
        return spec

    def reference(self, col: SqlColumn, fk: tuple[str, str], rule: Rules) -> dict[str, Any]:
        target, _ = fk
        if rule.values is not None or rule.lo is not None or rule.hi is not None or rule.likes or rule.exclude:
            raise fail(f"{self.where(col)}: CHECK ({clip(rule.texts[0], 120)}) on a foreign key is not supported: "
                       "its values are the keys of the table it refers to")
        if (self.table.name, col.name) in self.b.cut:
            return {"type": "choice", "values": [0] if col.type.family in NUMBER_FAMILIES else ["-"], "null_rate": 1.0}
        if target == self.table.name:
            return self.self_reference(col)
        spec: dict[str, Any] = {"type": "ref", "table": target}
        if col.name == self.role.owner:
            return spec
        if col.name in self.role.distinct:
            spec["distinct"] = True
        elif not self.b.roles[target].lookup and not col.unique:
            spec["distribution"] = "zipf"
        if col.unique or [col.name] in self.table.uniques:
            raise fail(f"{self.where(col)}: UNIQUE on a foreign key that is not the table's first one cannot be "
                       "kept; put it first so the table is made per that parent, at most one row each")
        rate = self.nulls(col, rule)
        if rate:
            spec["null_rate"] = rate
        return spec

    def self_reference(self, col: SqlColumn) -> dict[str, Any]:
        """A reference to the same table (a manager, a parent category): an earlier row or itself."""
        key_col = self.table.col(self.key or "")
        if key_col is None:
            raise fail(f"{self.where(col)}: refers to its own table, which has no key")
        nullable = not (col.not_null or col.primary)
        if key_col.type.family == "int" and formula_name_ok(key_col.name):
            spec: dict[str, Any] = {"type": "formula", "expr": f"randint(1, {key_col.name})"}
        elif formula_name_ok(key_col.name):
            spec = {"type": "formula", "expr": key_col.name}
        else:
            if not nullable:
                raise fail(f"{self.where(col)}: a NOT NULL reference to its own table needs a key named like a "
                           "plain word")
            return {"type": "choice", "values": ["-"], "null_rate": 1.0}
        if nullable:
            spec["null_rate"] = SELF_REF_NULL_RATE
        return spec

    def key_column(self, col: SqlColumn, rule: Rules) -> dict[str, Any]:
        family = col.type.family
        if rule.values is not None or rule.exclude:
            raise fail(f"{self.where(col)}: CHECK ({clip(rule.texts[0], 120)}) on the table's key is not supported")
        if family == "uuid" or (family == "text" and col.type.variant == "uuid"):
            return {"type": "id", "format": "uuid"}
        if family in ("int", "decimal"):
            lo, hi = type_range(col)
            start = max(1, math.ceil(rule.lo)) if rule.lo is not None else 1
            top = min(hi, rule.hi) if rule.hi is not None else hi
            if self.rows is not None and start + self.rows - 1 > top:
                raise self.cannot(col, "the key", f"{self.rows:,} rows need keys up to {start + self.rows - 1:,}, "
                                  f"past {top:g}")
            return {"type": "id"} if start == 1 else {"type": "id", "start": start}
        guess = self.b_suggest(col) or {}
        prefix = guess.get("prefix") if guess.get("type") == "id" else None
        width = guess.get("width") if guess.get("type") == "id" else None
        prefix = prefix or (re.sub(r"[^A-Za-z]", "", self.table.name)[:3].upper() + "-")
        width = width or 5
        for like in rule.likes:
            m = re.match(r"^([^%_]*)%$", like)
            if not m:
                raise fail(f"{self.where(col)}: CHECK (... LIKE {like!r}) on a text key is not supported")
            prefix = m.group(1)
        if rule.lo is not None or rule.hi is not None:
            raise fail(f"{self.where(col)}: comparisons on a text key are not supported")
        limit = min(col.type.length or 64, rule.max_length or 64)
        if len(prefix) + width > limit:
            width = max(1, min(width, limit - len(prefix))) if len(prefix) < limit else 0
            if width == 0 or (rule.likes and len(prefix) + width > limit):
                if rule.likes:
                    raise self.cannot(col, "the key", f"the prefix {prefix!r} leaves no room in {limit} characters")
                prefix, width = "", min(5, limit)
        if self.rows is not None and len(str(self.rows)) > limit - len(prefix):
            raise self.cannot(col, "the key", f"{self.rows:,} keys do not fit in {limit} characters")
        spec: dict[str, Any] = {"type": "id", "prefix": prefix} if prefix else {"type": "id"}
        spec["width"] = width
        return spec

    def b_suggest(self, col: SqlColumn) -> dict[str, Any] | None:
        return suggest(col.name, self.b.context, self.table.name.replace("_", " "))

    def value_column(self, col: SqlColumn, rule: Rules) -> dict[str, Any]:
        guess = self.b_suggest(col)
        family = col.type.family
        values = self.allowed_values(col, rule)
        if col.name in self.role.series:
            spec = self.dates(col, rule, guess)
            spec.pop("unique", None)
            spec["step"] = "1d" if family == "date" else "1h"
            spec["per"] = self.role.owner
        elif col.name in self.role.numbered:
            spec = {"type": "id"}
        elif values is not None:
            spec = self.choice(col, rule, values, guess)
        elif family == "bool":
            spec = self.boolean(col, guess)
        elif family in NUMBER_FAMILIES:
            spec = self.number(col, rule, guess)
        elif family in ("date", "datetime"):
            spec = self.dates(col, rule, guess)
        else:
            spec = self.text(col, rule, guess)
        if col.unique and spec.get("type") not in ("id",):
            spec["unique"] = True
        rate = self.nulls(col, rule, guess)
        if rate:
            spec["null_rate"] = rate
        if guess and guess.get("description") and isinstance(guess["description"], str):
            spec.setdefault("description", clip(guess["description"], 200))
        self.default(col, rule, spec)
        self.exclusions(col, rule, spec)
        return spec

    def allowed_values(self, col: SqlColumn, rule: Rules) -> list[Any] | None:
        values = rule.values
        if col.type.values:
            values = [v for v in col.type.values if values is None or v in values]
        if values is None:
            return None
        family = col.type.family
        kept = []
        for v in values:
            if family in NUMBER_FAMILIES:
                if isinstance(v, str):
                    try:
                        v = float(v) if "." in v else int(v)
                    except ValueError:
                        continue
                if isinstance(v, bool) or not isinstance(v, (int, float)):
                    continue
                if rule.lo is not None and v < rule.lo or rule.hi is not None and v > rule.hi:
                    continue
                lo, hi = type_range(col)
                if not lo <= v <= hi:
                    continue
            elif family == "bool":
                v = {"true": True, "false": False, "1": True, "0": False, "t": True, "f": False}.get(str(v).lower(), v)
                if v not in (True, False, 0, 1):
                    continue
                v = bool(v)
            else:
                v = v if isinstance(v, str) else str(v).lower() if isinstance(v, bool) else str(v)
                limit = min(col.type.length or MAX_CHOICE_VALUE_CHARS, rule.max_length or MAX_CHOICE_VALUE_CHARS)
                if len(v) > limit or len(v) < rule.min_length or v in rule.exclude:
                    continue
                if rule.likes and not all(like_match(p, v) for p in rule.likes):
                    continue
                if family in ("date", "datetime"):
                    day = as_date(v)
                    if day is None or rule.first and day < rule.first or rule.last and day > rule.last:
                        continue
            if v not in kept:
                kept.append(v)
        if not kept:
            raise self.cannot(col, f"CHECK ({clip(rule.texts[0] if rule.texts else 'ENUM', 120)})",
                              f"none of its values fits the column's type {col.sql_type} and its other constraints")
        if len(kept) > MAX_CHOICE_VALUES:
            raise self.cannot(col, "the list of values", f"more than {MAX_CHOICE_VALUES} values")
        return kept

    def choice(self, col: SqlColumn, rule: Rules, values: list[Any], guess: dict[str, Any] | None) -> dict[str, Any]:
        if col.type.family == "bool":
            if len(values) == 1:
                return {"type": "bool", "p": 1.0 if values[0] else 0.0}
            return self.boolean(col, guess)
        spec: dict[str, Any] = {"type": "choice", "values": values}
        if guess and guess.get("type") == "choice" and guess.get("weights"):
            known = {str(v).lower(): w for v, w in zip(guess.get("values") or [], guess["weights"])}
            if all(str(v).lower() in known for v in values):
                spec["weights"] = [known[str(v).lower()] for v in values]
        if guess and guess.get("entity") and isinstance(guess["entity"], str):
            spec["entity"] = guess["entity"]
        return spec

    def boolean(self, col: SqlColumn, guess: dict[str, Any] | None) -> dict[str, Any]:
        p = guess.get("p") if guess and guess.get("type") == "bool" else None
        return {"type": "bool", "p": p if isinstance(p, (int, float)) else 0.5}

    def number(self, col: SqlColumn, rule: Rules, guess: dict[str, Any] | None) -> dict[str, Any]:
        family = col.type.family
        kind = "int" if family == "int" or (family == "decimal" and col.type.scale == 0 and col.type.precision) \
            else "float"
        t_lo, t_hi = type_range(col)
        hard_lo = max(t_lo, rule.lo) if rule.lo is not None else t_lo
        hard_hi = min(t_hi, rule.hi) if rule.hi is not None else t_hi
        if kind == "int":
            hard_lo, hard_hi = math.ceil(hard_lo), math.floor(hard_hi)
        if hard_lo > hard_hi:
            what = f"CHECK ({clip(' AND '.join(rule.texts), 120)})" if rule.texts else f"the type {col.sql_type}"
            raise self.cannot(col, what, f"no value lies between {fmt(hard_lo)} and {fmt(hard_hi)}"
                              + (f" in a {col.sql_type} column" if rule.texts else ""))
        spec: dict[str, Any] = {"type": kind}
        soft = guess if guess and guess.get("type") in ("int", "float") else None
        if col.type.variant == "year" and soft is None:
            soft = {"type": "int", "min": 1995, "max": 2025}
        lo, hi = (soft.get("min"), soft.get("max")) if soft else (None, None)
        base = INT_SPAN if kind == "int" else FLOAT_SPAN
        lo = base[0] if lo is None else lo
        hi = max(lo, base[1]) if hi is None else hi
        if col.unique and rule.hi is None:
            hi = max(hi, min(hard_hi, lo + UNIQUE_SPAN))
        span = max(hi - lo, 1)
        new_lo, new_hi = max(lo, hard_lo), min(hi, hard_hi)
        if new_lo > new_hi:   # the designer's range misses the constraints: keep their side, the span beside it
            if rule.lo is not None or hard_lo > hi:
                new_lo, new_hi = hard_lo, min(hard_hi, hard_lo + span)
            else:
                new_lo, new_hi = max(hard_lo, hard_hi - span), hard_hi
        spec["min"], spec["max"] = clean(new_lo), clean(new_hi)
        if soft:
            for k in ("distribution", "mean", "std"):
                if soft.get(k) is not None and k != "distribution" or k == "distribution" and soft.get(k) in (
                        "uniform", "normal", "lognormal", "exponential", "poisson"):
                    spec[k] = soft[k]
            if spec.get("mean") is not None and not new_lo <= spec["mean"] <= new_hi:
                spec.pop("mean")
                spec.pop("std", None)
        if col.unique:
            for k in ("distribution", "mean", "std"):
                spec.pop(k, None)
        if kind == "float":
            if family == "decimal" and col.type.scale is not None:
                spec["decimals"] = min(col.type.scale, MAX_DECIMALS)
            else:
                d = soft.get("decimals") if soft else None
                spec["decimals"] = d if isinstance(d, int) and 0 <= d <= MAX_DECIMALS else 2
            grid = 10.0 ** -spec["decimals"]
            # rounding to the column's decimals must not leave the bounds the constraints set
            spec["min"] = clean(math.ceil(round(new_lo / grid, 6)) * grid)
            spec["max"] = clean(math.floor(round(new_hi / grid, 6)) * grid)
            if spec["min"] > spec["max"]:
                raise self.cannot(col, "the constraints", f"no number with {spec['decimals']} decimals lies between "
                                  f"{fmt(new_lo)} and {fmt(new_hi)}")
        return spec

    def dates(self, col: SqlColumn, rule: Rules, guess: dict[str, Any] | None) -> dict[str, Any]:
        family = col.type.family
        spec: dict[str, Any] = {"type": family}
        soft = guess if guess and guess.get("type") in ("date", "datetime") and not guess.get("after") else None
        start = str(soft["start"]) if soft and soft.get("start") is not None else "-3y"
        end = str(soft["end"]) if soft and soft.get("end") is not None else "today"
        try:
            first, last = parse_day(start, "start"), parse_day(end, "end")
        except SchemaError:
            start, end = "-3y", "today"
            first, last = parse_day(start, "start"), parse_day(end, "end")
        changed = False
        if self.default_is_now(col) and last > date.today():
            last, changed = date.today(), True
        if first > last:
            first, changed = max(MIN_DATE, last - timedelta(days=3 * 365)), True
        hard_first = max(rule.first or MIN_DATE, MIN_DATE)
        hard_last = min(rule.last or MAX_DATE, MAX_DATE)
        if hard_first > hard_last:
            raise self.cannot(col, f"CHECK ({clip(' AND '.join(rule.texts), 120)})",
                              f"no {'date' if family == 'date' else 'time'} lies between {hard_first} and {hard_last}")
        rows = max(self.rows or ENTITY_ROWS, ENTITY_ROWS)
        if col.unique and family == "date" and (last - first).days < 3 * rows:
            first, changed = max(MIN_DATE, last - timedelta(days=3 * rows)), True
        span = max((last - first).days, 1)
        new_first, new_last = max(first, hard_first), min(last, hard_last)
        if new_first > new_last:   # the designer's dates miss the constraints: keep their side, the span beside it
            if hard_first > last:
                new_first, new_last = hard_first, min(hard_last, hard_first + timedelta(days=span))
            else:
                new_first, new_last = max(hard_first, hard_last - timedelta(days=span)), hard_last
        if changed or (new_first, new_last) != (first, last) or rule.first or rule.last:
            spec["start"], spec["end"] = day_text(new_first), day_text(new_last)
        else:
            spec["start"], spec["end"] = start, end
        if soft:
            for k in ("hours", "weekdays"):
                if soft.get(k) is not None:
                    spec[k] = soft[k]
        return spec

    def default_is_now(self, col: SqlColumn) -> bool:
        d = col.default
        return isinstance(d, (exp.CurrentTimestamp, exp.CurrentDate, exp.CurrentDatetime)) or (
            isinstance(d, exp.Expression) and re.search(r"\b(now|current_timestamp|current_date|getdate|"
                                                        r"localtimestamp|sysdate)\b", d.sql().lower()) is not None)

    def text(self, col: SqlColumn, rule: Rules, guess: dict[str, Any] | None) -> dict[str, Any]:
        t = col.type
        limit = min(x for x in (t.length, rule.max_length, MAX_LENGTH) if x is not None)
        if rule.min_length > limit:
            raise self.cannot(col, f"CHECK ({clip(' AND '.join(rule.texts), 120)})",
                              f"it needs at least {rule.min_length} characters in a column of at most {limit}")
        if rule.likes:
            return self.like_pattern(col, rule, limit, guess)
        special = {"uuid": {"type": "faker", "method": "uuid4"}, "json": {"type": "pattern", "pattern": '{"n": ####}'},
                   "time": {"type": "faker", "method": "time"}, "binary": {"type": "pattern", "pattern": "????????"},
                   "interval": {"type": "choice", "values": ["1 day", "2 hours", "30 minutes", "1 week", "3 days"]},
                   "inet": {"type": "faker", "method": "ipv4"}, "array": {"type": "pattern", "pattern": "{#,#}"},
                   "mac": {"type": "faker", "method": "mac_address"}}
        if t.family != "text" or t.variant in special:
            spec = dict(special.get(t.variant) or special.get(t.family) or {"type": "faker", "method": "word"})
            return self.fit_text(col, spec, limit, rule)
        spec: dict[str, Any] | None = None
        if guess:
            kind = guess.get("type")
            if kind == "faker" and guess.get("method"):
                spec = {k: guess[k] for k in ("type", "method", "args", "entity") if k in guess}
            elif kind == "choice" and all(isinstance(v, str) for v in guess.get("values") or []):
                values = [v for v in guess["values"] if len(v) <= limit and len(v) >= rule.min_length
                          and v not in rule.exclude]
                if values:
                    spec = {"type": "choice", "values": values}
                    if guess.get("weights") and len(values) == len(guess["values"]):
                        spec["weights"] = guess["weights"]
                    if guess.get("entity"):
                        spec["entity"] = guess["entity"]
            elif kind == "pattern" and guess.get("pattern"):
                spec = {"type": "pattern", "pattern": guess["pattern"]}
            elif kind == "id":
                prefix = str(guess.get("prefix") or "")
                width = int(guess.get("width") or 6)
                code = (prefix + "#" * max(width, 6)).replace("?", "")
                spec = {"type": "pattern", "pattern": code[:MAX_PATTERN_CHARS]}
            elif kind in ("int", "float") and guess.get("max") is not None:
                digits = len(str(int(abs(guess["max"])))) if guess.get("max") is not None else 4
                spec = {"type": "pattern", "pattern": "#" * max(1, min(digits, 12))}
            elif kind in ("date", "datetime") and limit >= (10 if kind == "date" else 19):
                spec = {k: guess[k] for k in ("type", "start", "end") if k in guess}
            elif kind == "bool":
                spec = {"type": "choice", "values": ["true", "false"] if limit >= 5 else ["Y", "N"]}
        if spec is None:
            spec = {"type": "faker", "method": "word" if limit < 40 else "sentence"}
        return self.fit_text(col, spec, limit, rule)

    def fit_text(self, col: SqlColumn, spec: dict[str, Any], limit: int, rule: Rules) -> dict[str, Any]:
        """Text that fits its length and, when unique, stays unique once cut to that length."""
        rows = self.rows or ENTITY_ROWS
        if spec["type"] == "pattern":
            if len(spec["pattern"]) > limit or len(spec["pattern"]) < rule.min_length:
                spec = {"type": "pattern", "pattern": code_pattern(col.name, limit, rows, rule.min_length)}
            elif col.unique and pattern_capacity(spec["pattern"]) < rows:
                spec = {"type": "pattern", "pattern": code_pattern(col.name, limit, rows, rule.min_length)}
        elif spec["type"] == "faker":
            if (col.unique and faker_length(spec["method"], spec.get("args")) + UNIQUE_TAG_ROOM > limit) \
                    or rule.min_length > 1:
                spec = {"type": "pattern", "pattern": code_pattern(col.name, limit, rows, rule.min_length)}
        elif spec["type"] == "choice" and col.unique and len(spec["values"]) < rows:
            spec = {"type": "pattern", "pattern": code_pattern(col.name, limit, rows, rule.min_length)}
        elif spec["type"] in ("date", "datetime") and col.unique:
            spec = {"type": "pattern", "pattern": code_pattern(col.name, limit, rows, rule.min_length)}
        return spec

    def like_pattern(self, col: SqlColumn, rule: Rules, limit: int, guess: dict[str, Any] | None) -> dict[str, Any]:
        if guess and guess.get("method") == "email" and limit >= faker_length("email") + UNIQUE_TAG_ROOM and all(
                set(p) <= set("%_@.") and "@" in p for p in rule.likes):
            return {"type": "faker", "method": "email"}
        like = rule.likes[0]
        if any(p != like for p in rule.likes):
            raise self.cannot(col, "two LIKE patterns", "only one LIKE pattern per column is supported")
        if re.search(r"[#?\\]", like):
            raise self.cannot(col, f"LIKE {like!r}", "the characters # ? and \\ in a LIKE pattern are not supported")
        fixed = len(like.replace("%", ""))
        room = max(0, limit - fixed)
        parts = like.split("%")
        gaps = len(parts) - 1
        each = min(6, room // gaps) if gaps else 0
        if gaps and each == 0 and fixed < rule.min_length:
            raise self.cannot(col, f"LIKE {like!r}", f"it does not fit in {limit} characters")
        pattern = ("#" * each).join(p.replace("_", "#") for p in parts)
        if len(pattern) > MAX_PATTERN_CHARS or len(pattern) > limit or len(pattern) < rule.min_length:
            raise self.cannot(col, f"LIKE {like!r}", f"it cannot be filled within {limit} characters")
        if col.unique and pattern_capacity(pattern) < (self.rows or ENTITY_ROWS):
            raise self.cannot(col, f"UNIQUE with LIKE {like!r}", "the pattern has too few different values")
        return {"type": "pattern", "pattern": pattern}

    def default(self, col: SqlColumn, rule: Rules, spec: dict[str, Any]) -> None:
        """A DEFAULT constant is a common value: the most common choice, a likely boolean, or a
        share of the rows of a number or text."""
        d = col.default
        ok, value = constant(d) if isinstance(d, exp.Expression) else (False, None)
        if not ok or value is None or col.unique:
            return
        kind = spec.get("type")
        if kind == "bool" and spec.get("p") not in (0.0, 1.0):
            truth = {"true": True, "false": False, "1": True, "0": False}.get(str(value).lower())
            if truth is not None:
                p = spec.get("p", 0.5)
                spec["p"] = p if (p >= 0.5) == truth else (0.8 if truth else 0.2)
            return
        if kind == "choice":
            values = spec["values"]
            match = next((i for i, v in enumerate(values) if str(v) == str(value)), None)
            if match is None or len(values) < 2:
                return
            weights = list(spec.get("weights") or [1.0] * len(values))
            others = sum(w for i, w in enumerate(weights) if i != match) or 1.0
            weights[match] = max(weights[match], others * 7 / 3, max(weights))   # about 70% of the rows
            spec["weights"] = [round(w, 4) for w in weights]
            return
        if kind in ("int", "float") and isinstance(value, (int, float)) and not isinstance(value, bool):
            if spec["min"] <= value <= spec["max"] and not spec.get("unique"):
                self.wraps[col.name] = f"if(uniform(0, 1) < {DEFAULT_SHARE}, {clean(value)}, {{raw}})"
                self.defaults[col.name] = value
            return
        if kind in ("faker", "pattern") and isinstance(value, str) and formula_name_ok(col.name):
            limit = spec.get("max_length") or MAX_LENGTH
            if rule.min_length <= len(value) <= min(limit, 200) and value not in rule.exclude and not rule.likes:
                self.wraps[col.name] = f"if(uniform(0, 1) < {DEFAULT_SHARE}, {quote_text(value)}, {{raw}})"

    def exclusions(self, col: SqlColumn, rule: Rules, spec: dict[str, Any]) -> None:
        """`<>` and NOT IN: a choice drops the values; a drawn number or text steps around them."""
        excluded = [v for v in rule.exclude if v != ""]
        if not excluded:
            return
        kind = spec.get("type")
        if kind == "choice":
            spec["values"] = [v for v in spec["values"] if v not in excluded and str(v) not in map(str, excluded)]
            if not spec["values"]:
                raise self.cannot(col, f"CHECK ({clip(rule.texts[0], 120)})", "it excludes every value")
            spec.pop("weights", None)
            return
        if col.name in self.wraps or not formula_name_ok(col.name):
            raise self.cannot(col, f"CHECK ({clip(rule.texts[0], 120)})", "this exclusion is not supported here")
        unique_step = self.cannot(col, f"CHECK ({clip(rule.texts[0], 120)})", "an excluded value a UNIQUE column "
                                  "could take is not supported")
        if kind in ("int", "float") and all(isinstance(v, (int, float)) for v in excluded):
            step = 1 if kind == "int" else 10.0 ** -spec.get("decimals", 2)
            lo, hi = spec["min"], spec["max"]
            bad = sorted({v for v in excluded if lo <= v <= hi})
            if not bad:
                return
            if len(bad) == 1 and bad[0] == lo and lo + step <= hi:
                spec["min"] = clean(lo + step)
            elif len(bad) == 1 and bad[0] == hi and hi - step >= lo:
                spec["max"] = clean(hi - step)
            elif len(bad) == 1:
                if spec.get("unique"):
                    raise unique_step
                self.wraps[col.name] = f"if({{raw}} == {clean(bad[0])}, {clean(bad[0] + step)}, {{raw}})"
                if bad[0] + step > hi:
                    self.wraps[col.name] = f"if({{raw}} == {clean(bad[0])}, {clean(bad[0] - step)}, {{raw}})"
            else:
                raise self.cannot(col, f"CHECK ({clip(rule.texts[0], 120)})", "several excluded numbers are not "
                                  "supported")
            if "mean" in spec and not spec["min"] <= spec["mean"] <= spec["max"]:
                spec.pop("mean")
                spec.pop("std", None)
            return
        if kind in ("faker", "pattern") and all(isinstance(v, str) for v in excluded):
            if kind == "pattern" and not any(pattern_can_make(spec["pattern"], v) for v in excluded):
                return
            if spec.get("unique"):
                raise unique_step
            words = ", ".join(quote_text(v) for v in excluded)
            lead = "y" if any(v.startswith("x") for v in excluded) else "x"
            self.wraps[col.name] = f"if({{raw}} in ({words},), {quote_text(lead)} + {{raw}}, {{raw}})"
            return
        raise self.cannot(col, f"CHECK ({clip(rule.texts[0], 120)})", "this exclusion is not supported")

    # -- two columns of a row --

    def apply_pairs(self) -> None:
        dates: dict[tuple[str, str], list[Pair]] = {}
        numbers: dict[str, list[Pair]] = {}
        for pair in self.pairs:
            a, b = self.table.col(pair.left), self.table.col(pair.right)
            assert a is not None and b is not None
            if a.generated or b.generated:
                raise fail(f"table {self.table.name!r}: CHECK ({clip(pair.text, 120)}) reads a generated column")
            fa, fb = a.type.family, b.type.family
            if fa in ("date", "datetime") and fb in ("date", "datetime"):
                key = (pair.left, pair.right) if (pair.right, pair.left) not in dates else (pair.right, pair.left)
                dates.setdefault(key, []).append(pair)
            elif fa in NUMBER_FAMILIES and fb in NUMBER_FAMILIES:
                numbers.setdefault(pair.left, []).append(pair)
            else:
                raise fail(f"table {self.table.name!r}: CHECK ({clip(pair.text, 120)}) compares a {a.sql_type} with "
                           f"a {b.sql_type} column; only dates with dates and numbers with numbers are supported")
        for (a, b), found in dates.items():
            self.order_dates(a, b, found)
        for name, found in numbers.items():
            self.clamp(name, found)

    def movable(self, name: str) -> bool:
        spec = self.specs[name]
        return spec.get("type") in ("int", "float", "date", "datetime") and not spec.get("unique") \
            and name != self.key and not spec.get("step") and formula_name_ok(name)

    def order_dates(self, a: str, b: str, pairs: list[Pair]) -> None:
        """Every CHECK between two dates as bounds on their difference in days (a - b), kept by
        making the later one follow the other (`after`, min_days..max_days)."""
        timed = "datetime" in (self.table.col(a).type.family, self.table.col(b).type.family)  # type: ignore[union-attr]
        step = 1 / 86400 if timed else 1
        lo: float | None = None
        hi: float | None = None
        for p in pairs:
            op, k = (p.op, p.offset) if p.left == a else (FLIP[p.op], -p.offset)
            if op in (">", ">=", "="):
                bound = k + (step if op == ">" else 0)
                lo = bound if lo is None else max(lo, bound)
            if op in ("<", "<=", "="):
                bound = k - (step if op == "<" else 0)
                hi = bound if hi is None else min(hi, bound)
        text = pairs[0].text
        if lo is not None and hi is not None and lo > hi:
            raise fail(f"table {self.table.name!r}, columns {a!r} and {b!r}: CHECK ({clip(text, 120)}) cannot hold "
                       "with the other checks between them: no number of days between the two dates fits all")
        a_later = lo is not None and lo >= 0 or not (hi is not None and hi <= 0)
        if a_later and not self.follows_ok(a) and self.follows_ok(b) or not a_later and not self.follows_ok(b):
            a_later = not a_later
        if a_later:
            self.after(a, b, lo, hi, text)
        else:
            self.after(b, a, None if hi is None else -hi, None if lo is None else -lo, text)

    def follows_ok(self, name: str) -> bool:
        spec = self.specs[name]
        return spec.get("type") in ("date", "datetime") and name != self.key and not spec.get("unique") \
            and not spec.get("step") and not spec.get("after")

    def after(self, name: str, base: str, lo: float | None, hi: float | None, text: str) -> None:
        """`name` falls lo..hi days after `base`; a side the CHECKs leave open gets the usual gap."""
        col = self.table.col(name)
        assert col is not None
        gap = next((days for early, late, days in GAPS if early.search(base) and late.search(name)), DEFAULT_AFTER)
        if lo is None:   # only an upper bound: the usual gap below it
            lo = float(gap[0]) if hi is None else min(float(gap[0]), hi) if hi >= 0 else hi - (gap[1] - gap[0])
        if hi is None:
            hi = max(float(gap[1]), lo + gap[1] - gap[0])
        lo_days, hi_days = lo, hi
        spec = self.specs[name]
        if spec.get("after"):
            raise fail(f"table {self.table.name!r}, column {name!r}: it follows two different dates "
                       f"({spec['after']} and {base}); one is supported")
        if not self.follows_ok(name):
            raise fail(f"table {self.table.name!r}, column {name!r}: CHECK ({clip(text, 120)}) on a "
                       "column that is unique, a key or a series is not supported")
        if col.type.family == "date":
            lo_days, hi_days = math.ceil(lo_days - 1e-9), math.floor(hi_days + 1e-9)
            if hi_days < lo_days:
                raise fail(f"table {self.table.name!r}, column {name!r}: CHECK ({clip(text, 120)}) leaves "
                           "no whole day")
        rule = self.rules[name]
        base_spec = self.specs[base]
        if rule.first is not None or rule.last is not None:
            if base_spec.get("type") not in ("date", "datetime") or base_spec.get("after") or base_spec.get("step"):
                raise fail(f"table {self.table.name!r}, column {name!r}: bounds on a date that follows a computed "
                           "date are not supported")
            first, last = parse_day(base_spec["start"], "start"), parse_day(base_spec["end"], "end")
            # a datetime after a date gets a time of day on top of the days: one more day of room
            extra = 1 if col.type.family == "datetime" and self.table.col(base).type.family == "date" else 0  # type: ignore[union-attr]
            if rule.last is not None:
                room = (rule.last - first).days - extra
                if room < math.ceil(lo_days):
                    raise fail(f"table {self.table.name!r}, column {name!r}: it must fall by {rule.last} and "
                               f"{fmt(lo_days)} days or more after {base!r}, which starts {first}")
                hi_days = min(hi_days, room)
                last = min(last, rule.last - timedelta(days=math.ceil(hi_days) + extra))
            if rule.first is not None:
                first = max(first, rule.first - timedelta(days=math.floor(lo_days)))
            if first > last:
                raise fail(f"table {self.table.name!r}, column {name!r}: its dates and those of {base!r} cannot "
                           "both hold")
            base_spec["start"], base_spec["end"] = day_text(first), day_text(last)
        new = {"type": spec["type"], "after": base, "min_days": clean(lo_days), "max_days": clean(hi_days)}
        for k in ("null_rate", "sql_type", "description"):
            if k in spec:
                new[k] = spec[k]
        self.specs[name] = new
        if not new.get("null_rate"):
            base_spec.pop("null_rate", None)   # a later date that is never empty needs an earlier one

    def clamp(self, name: str, pairs: list[Pair]) -> None:
        """`a <= b + k` as a = min(a_raw, b + k); `a >= b + k` as a = max(a_raw, b + k)."""
        col = self.table.col(name)
        assert col is not None
        if not self.movable(name):
            flipped = [Pair(p.right, FLIP[p.op], p.left, -p.offset, p.text) for p in pairs]
            if len({p.right for p in pairs}) == 1 and self.movable(pairs[0].right):
                self.clamp(pairs[0].right, flipped)
                return
            raise fail(f"table {self.table.name!r}, column {name!r}: CHECK ({clip(pairs[0].text, 120)}) cannot be "
                       "kept on a key, a unique or a computed column")
        spec = self.specs[name]
        step = 1 if spec["type"] == "int" else 10.0 ** -spec.get("decimals", 2)
        lows, highs = [], []
        for p in pairs:
            other = self.specs[p.right]
            if not formula_name_ok(p.right):
                raise fail(f"table {self.table.name!r}: CHECK ({clip(p.text, 120)}): the column name {p.right!r} "
                           "cannot appear in a formula")
            if p.op == "=":
                term = p.right if p.offset == 0 else f"{p.right} + {clean(p.offset)}"
                lows.append(term)
                highs.append(term)
                continue
            k = p.offset - (step if p.op == "<" else 0) + (step if p.op == ">" else 0)
            term = p.right if k == 0 else f"{p.right} + {clean(k)}" if k > 0 else f"{p.right} - {clean(-k)}"
            (highs if p.op in ("<", "<=") else lows).append(term)
            self.make_room(name, spec, p, k, other)
        expr = self.wraps.get(name, "{raw}")
        if lows:
            expr = f"max({expr}, {', '.join(lows)})"
        if highs:
            expr = f"min({expr}, {', '.join(highs)})"
        self.wraps[name] = expr
        if not spec.get("null_rate"):
            for p in pairs:
                self.specs[p.right].pop("null_rate", None)

    def make_room(self, name: str, spec: dict[str, Any], pair: Pair, k: float, other: dict[str, Any]) -> None:
        """Bounds of the other column such that the clamped value stays in this column's bounds."""
        if other.get("type") not in ("int", "float") or "min" not in other:
            return
        if pair.op in ("<", "<="):     # a = min(raw, b + k) >= a.min needs b.min + k >= a.min
            need = spec["min"] - k
            if other["min"] < need:
                if other["max"] < need:
                    raise fail(f"table {self.table.name!r}, column {name!r}: CHECK ({clip(pair.text, 120)}) cannot "
                               f"hold with {pair.right!r} at most {fmt(other['max'])}")
                other["min"] = clean(need)
        else:                            # a = max(raw, b + k) <= a.max needs b.max + k <= a.max
            need = spec["max"] - k
            if other["max"] > need:
                if other["min"] > need:
                    raise fail(f"table {self.table.name!r}, column {name!r}: CHECK ({clip(pair.text, 120)}) cannot "
                               f"hold with {pair.right!r} at least {fmt(other['min'])}")
                other["max"] = clean(need)
        if "mean" in other and not other["min"] <= other["mean"] <= other["max"]:
            other.pop("mean")
            other.pop("std", None)
        default = self.defaults.get(pair.right)
        if default is not None and not other["min"] <= default <= other["max"]:
            del self.wraps[pair.right], self.defaults[pair.right]   # the DEFAULT no longer fits: left out

    # -- sizes --

    def check_sizes(self, columns: list[dict[str, Any]]) -> None:
        """A unique column of a table of fixed size must hold that many different values; a lookup
        table is cut to what its unique columns hold."""
        if self.rows is None:
            return
        for spec in columns:
            if not spec.get("unique"):
                continue
            capacity = spec_capacity(spec)
            if capacity is None or capacity >= self.rows:
                continue
            if self.role.lookup and capacity >= 1:
                self.rows = capacity
                continue
            raise fail(f"table {self.table.name!r}, column {spec['name']!r}: UNIQUE cannot hold: the column has only "
                       f"{capacity:,} different values for the table's {self.rows:,} rows")


def spec_capacity(spec: dict[str, Any]) -> int | None:
    kind = spec.get("type")
    if kind == "bool":
        return 2
    if kind == "choice":
        return len(spec.get("values") or [])
    if kind == "int":
        return int(math.floor(spec["max"]) - math.ceil(spec["min"]) + 1)
    if kind == "float":
        return int(round((spec["max"] - spec["min"]) * 10 ** spec.get("decimals", 2))) + 1
    if kind == "pattern":
        return pattern_capacity(spec["pattern"])
    if kind == "date" and "start" in spec:
        return (parse_day(spec["end"], "end") - parse_day(spec["start"], "start")).days + 1
    return None


def pattern_capacity(pattern: str) -> int:
    return 10 ** pattern.count("#") * 26 ** pattern.count("?")


def pattern_can_make(pattern: str, value: str) -> bool:
    if len(pattern) != len(value):
        return False
    return all(p == v or p == "#" and v.isdigit() or p == "?" and "A" <= v <= "Z" for p, v in zip(pattern, value))


@functools.lru_cache(maxsize=256)
def _faker_length(method: str, args: str) -> int:
    import json

    from rows import make_block   # rows imports nothing of this module: a late import keeps start-up lean

    schema = load_schema({"columns": [{"name": "v", "type": "faker", "method": method, "args": json.loads(args)}]}, 1)
    values = make_block(schema, 0, 0, SAMPLE_ROWS).column(0)
    return max((len(v) for v in values.to_pylist() if isinstance(v, str)), default=0)


def faker_length(method: str, args: dict[str, Any] | None = None) -> int:
    """About the longest text a Faker method gives (the longest of a sample, and a little more)."""
    import json

    try:
        longest = _faker_length(method, json.dumps(args or {}, sort_keys=True))
    except SchemaError:
        return MAX_LENGTH
    return longest + max(4, longest // 5)


def code_pattern(name: str, limit: int, rows: int, min_length: int = 0) -> str:
    """A code that fits `limit` characters with room for `rows` different values: user_000123, or
    KX4821 when there is little room."""
    digits = max(len(str(max(rows, 1) * 10)), 4)
    if limit <= 8:
        numbers = min(limit, max(2, limit - 2))
        letters = limit - numbers
        while 26 ** letters * 10 ** numbers < rows * 10 and numbers > 0:
            numbers, letters = numbers - 1, letters + 1
        return ("?" * letters + "#" * numbers)[:limit] or "?"
    stem = re.sub(r"[^a-z]", "", name.lower())[:max(0, min(8, limit - digits - 1))]
    pattern = (f"{stem}_" if stem else "") + "#" * min(digits + 2, limit - (len(stem) + 1 if stem else 0), 12)
    if len(pattern) < min_length:
        pattern += "?" * (min_length - len(pattern))
    return pattern[:min(limit, MAX_PATTERN_CHARS)]


def like_match(pattern: str, value: str) -> bool:
    regex = "".join(".*" if ch == "%" else "." if ch == "_" else re.escape(ch) for ch in pattern)
    return re.fullmatch(regex, value, re.S) is not None


def clean(x: float) -> float | int:
    """A bound as the plainest number: 5 not 5.0, 0.3 not 0.30000000000000004."""
    if isinstance(x, int) or float(x).is_integer() and abs(x) < 2**53:
        return int(x)
    return float(f"{x:.10g}")


def fmt(x: float) -> str:
    return f"{clean(x)}"


def schema_from_ddl(ddl: str, description: str | None = None, dialect: str | None = None) -> dict[str, Any]:
    """A schema dict (the `tables` form) whose tables, columns and constraints are the DDL's."""
    if not isinstance(ddl, str) or not ddl.strip():
        raise fail("give CREATE TABLE statements")
    statements, used = parse_sql(ddl, dialect)
    tables = Reader(used).read(statements)
    return Builder(tables, used, description).schema()
