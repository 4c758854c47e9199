"""The schema: one table of columns, or a dataset of several tables with keys, checked whole
before a single row is made.

    {"name": "shop", "tables": [
      {"name": "customers", "rows": 1000, "columns": [{"name": "customer_id", "type": "id"}, ...]},
      {"name": "orders", "per": {"table": "customers", "min": 0, "max": 8, "mean": 2}, "columns": [
        {"name": "customer_id", "type": "ref", "table": "customers"},
        {"name": "order_date", "type": "date", "after": "customer_id.signup_date", "max_days": 365}]}]}

A one-table schema (`columns`) is a dataset with one table. The checks here are the ones that
need more than one column: names, what each column reads (`after`, `depends_on`, formulas,
`null_if`, `ref_column.field` through refs), an order to make the columns and tables in, each
formula's kind, `per` parents, literal `data` tables, correlations, and whether a unique column
can hold the rows asked for. Errors name the table, the column and the rule, in plain words, with
the path of the field they concern.

It does not make rows (rows.py) or print them (writers.py).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, ValidationError, field_validator, model_validator

from cells import text_ok
from columns import MAX_CHOICE_VALUE_CHARS, MAX_NAME_CHARS, Column, Scalar, check_name, unique_size
from errors import SchemaError, clip
from fakes import FAKER_LOCALES, faker_methods
from formula import ANY, BOOL, DATE, DATETIME, FLOAT, INT, STR, parse_formula, result_kind

MAX_TABLES = 20
MAX_DATA_ROWS = 10_000
MAX_PER = 1_000                 # children per parent row
MAX_FIXED_ROWS = 10_000_000     # a table of fixed size
MAX_CORRELATED = 50
MAX_DATA_TEXT = 1000
KEY_TYPES = ("id",)
TEMPORAL_TYPES = ("date", "datetime")


# --- plain words for pydantic's errors ---

RULE_WORDS = {
    "int_type": "must be a whole number", "int_parsing": "must be a whole number",
    "int_from_float": "must be a whole number", "float_type": "must be a number", "float_parsing": "must be a number",
    "bool_type": "must be true or false", "bool_parsing": "must be true or false", "string_type": "must be text",
    "missing": "is required", "extra_forbidden": "is not a field the schema language knows",
    "list_type": "must be a list", "dict_type": "must be an object", "model_type": "must be an object",
    "model_attributes_type": "must be an object", "string_too_short": "must not be empty",
    "json_invalid": "is not valid JSON", "none_required": "must be empty",
}
RULE_WITH = {
    "literal_error": "must be one of {expected}", "greater_than_equal": "must be at least {ge}",
    "less_than_equal": "must be at most {le}", "greater_than": "must be more than {gt}",
    "less_than": "must be less than {lt}", "string_too_long": "must be at most {max_length} characters",
    "too_short": "needs at least {min_length} entries", "too_long": "has more than {max_length} entries",
}
UNION_TAG = re.compile(r"^(int|float|str|bool|none|list\[.*\]|dict\[.*\]|function-.*|constrained-.*|literal\[.*\]"
                       r"|json-or-python.*|is-instance.*|lax-.*|strict-.*|[A-Z]\w*)$")


def field_path(loc: tuple[Any, ...] | list[Any]) -> list[Any]:
    """pydantic's location without the tags it adds for union members and validators."""
    return [p for p in loc if not (isinstance(p, str) and UNION_TAG.match(p))]


def where_words(path: list[Any], data: Any) -> str:
    """['tables', 1, 'columns', 2, 'min'] -> "table 'orders', column 3 ('total'), min"."""
    words, node = [], data
    i = 0
    while i < len(path):
        part = path[i]
        nxt = path[i + 1] if i + 1 < len(path) else None
        child = node.get(part) if isinstance(node, dict) else None
        if part in ("columns", "tables", "cases") and isinstance(nxt, int):
            item = child[nxt] if isinstance(child, list) and 0 <= nxt < len(child) else None
            label = {"columns": "column", "tables": "table", "cases": "case"}[part]
            name = item.get("name") if isinstance(item, dict) else None
            words.append(f"{label} {nxt + 1}" + (f" ({clip(name, 40)!r})" if isinstance(name, str) and name else ""))
            node, i = item, i + 2
            continue
        words.append(str(part))
        node = child
        i += 1
    return ", ".join(words)


def rule_words(errors: list[dict[str, Any]]) -> str:
    """The rule an error breaks; for a union (`int | float`), the widest reading of it."""
    types = [e["type"] for e in errors]
    if any(t.startswith("float") for t in types) and all(t.split("_")[0] in ("int", "float", "string", "bool")
                                                        for t in types):
        return "must be a number" if not any(t.startswith("string") for t in types) else "must be a number or text"
    first = errors[0]
    if first["type"] in RULE_WORDS:
        return RULE_WORDS[first["type"]]
    if first["type"] in RULE_WITH:
        try:
            return RULE_WITH[first["type"]].format(**first.get("ctx", {}))
        except (KeyError, IndexError):
            pass
    return first["msg"].removeprefix("Value error, ").replace("Input should be", "must be").replace("input", "value")


def plain_error(err: ValidationError, data: Any = None, root: str = "") -> SchemaError:
    """One sentence a person reads, naming where and which rule, with the path of the field."""
    return describe_errors(err.errors(include_url=False), data, root)


def describe_errors(errors: list[Any], data: Any = None, root: str = "") -> SchemaError:
    """plain_error() for a list of pydantic's error records (a request's, as FastAPI gives them)."""
    if not errors:
        return SchemaError("the request is not valid")
    first = errors[0]
    path = field_path(first["loc"])
    cause = first.get("ctx", {}).get("error")
    if isinstance(cause, SchemaError):
        path += [p for p in (cause.field or "").split(".") if p]
        message = str(cause)
        if path and not message.startswith(("column", "table")) and path[0] in ("columns", "tables"):
            message = f"{where_words(path, data)}: {message}"
    else:
        same = [e for e in errors if field_path(e["loc"]) == path]
        where = where_words(path, data)
        message = f"{where}: {rule_words(same)}" if where else rule_words(same)
    field = ".".join(str(p) for p in ([root] if root else []) + path)
    return SchemaError(clip(message, 300), field=field or None)


# --- tables ---

class Per(BaseModel):
    """A child table: min..max rows (about `mean`) for each row of the parent table."""

    model_config = ConfigDict(extra="forbid")

    table: str
    min: int = Field(0, ge=0, le=MAX_PER)
    max: int = Field(..., ge=0, le=MAX_PER)
    mean: float | None = Field(None, ge=0, le=MAX_PER)


class Correlations(BaseModel):
    """Numbers and dates drawn together (a Gaussian copula): each keeps its own distribution,
    and their normal scores have this correlation matrix."""

    model_config = ConfigDict(extra="forbid")

    columns: list[str] = Field(min_length=2, max_length=MAX_CORRELATED)
    matrix: list[list[float]]


class Table(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str
    description: str | None = None
    rows: int | None = Field(None, ge=1, le=MAX_FIXED_ROWS)
    per: Per | None = None
    data: list[dict[str, Scalar | None]] | None = Field(None, min_length=1, max_length=MAX_DATA_ROWS)
    columns: list[Column] = Field(default_factory=list)
    hidden: bool = False
    correlations: Correlations | None = None

    @field_validator("name")
    @classmethod
    def _name(cls, name: str) -> str:
        check_name(name, "table name")
        if not re.match(r"^[A-Za-z_][A-Za-z0-9_]*$", name):
            raise SchemaError(f"table name {clip(name, 40)!r} must be letters, digits and _, like order_items")
        return name

    @model_validator(mode="after")
    def _shape(self) -> Table:
        given = [k for k in ("rows", "per", "data") if getattr(self, k) is not None]
        if len(given) > 1:
            raise SchemaError(f"table {self.name!r}: give one of rows, per or data, not {' and '.join(given)}")
        if self.data is not None:
            if self.columns:
                raise SchemaError(f"table {self.name!r}: a data table's columns are its records' fields; "
                                  "leave out columns")
            self.columns = data_columns(self.name, self.data)
        if self.per and not self.per.min <= self.per.max:
            raise SchemaError(f"table {self.name!r}: per min {self.per.min} is more than max {self.per.max}")
        if self.per and self.per.mean is not None and not self.per.min <= self.per.mean <= self.per.max:
            raise SchemaError(f"table {self.name!r}: per mean {self.per.mean:g} is outside {self.per.min}..{self.per.max}")
        if not self.columns:
            raise SchemaError(f"table {self.name!r} has no columns")
        return self

    @property
    def kind(self) -> str:
        return "data" if self.data is not None else "per" if self.per is not None else "rows"

    def column(self, name: str) -> Column | None:
        return next((c for c in self.columns if c.name == name), None)

    def index(self, name: str) -> int:
        return next(i for i, c in enumerate(self.columns) if c.name == name)

    def visible(self) -> list[Column]:
        return [c for c in self.columns if not c.hidden]

    @property
    def key(self) -> str | None:
        """The column other tables refer to: its first id column numbered through the whole table
        (not within each parent), or a data table's first field."""
        if self.data is not None:
            return self.columns[0].name
        return next((c.name for c in self.columns if c.type in KEY_TYPES and not c.per), None)

    @property
    def owner(self) -> str | None:
        """In a per table, the ref column that names its parent row."""
        if self.per is None:
            return None
        return next((c.name for c in self.columns if c.type == "ref" and c.table == self.per.table), None)

    def public(self) -> dict[str, Any]:
        out = self.model_dump(exclude_none=True, exclude_defaults=True, exclude={"columns"}) | {"name": self.name}
        if self.data is None:
            out["columns"] = [c.public() for c in self.columns]
        return out


def data_columns(table: str, data: list[dict[str, Any]]) -> list[Column]:
    """A literal table's fields as columns: one choice column per field, in the records' order,
    so its values keep their types (rows.py reads the records themselves, row by row)."""
    fields = list(data[0])
    if not fields:
        raise SchemaError(f"table {table!r}: data records have no fields")
    for i, record in enumerate(data):
        if list(record) != fields:
            raise SchemaError(f"table {table!r}: data record {i + 1} has the fields {clip(list(record), 80)}, "
                              f"not {clip(fields, 80)} like the first", field=f"data.{i}")
        for key, value in record.items():
            if isinstance(value, str):
                text_ok(value, f"table {table!r}: data value", MAX_DATA_TEXT)
            elif isinstance(value, float) and not math.isfinite(value):
                raise SchemaError(f"table {table!r}: data value of {key!r} must be a finite number")
            elif isinstance(value, int) and not isinstance(value, bool) and abs(value) >= 2**63:
                raise SchemaError(f"table {table!r}: data value of {key!r} is too large")
    keys = [r[fields[0]] for r in data]
    if any(k is None for k in keys) or len(set(map(str, keys))) != len(keys):
        raise SchemaError(f"table {table!r}: the first field, {fields[0]!r}, is the key: it must be "
                          "filled and different in every record")
    columns = []
    for name in fields:
        check_name(name, f"table {table!r}: field name")
        values = [r[name] for r in data]
        kinds = {type(v) for v in values if v is not None}
        if kinds - {str, int, float, bool} or len(kinds) > 1 and not kinds <= {int, float}:
            raise SchemaError(f"table {table!r}: field {name!r} mixes kinds of value; "
                              "keep a field all numbers, all text or all true/false")
        columns.append(Column.model_construct(name=name, type="choice", values=values, null_rate=0.0, unique=False,
                                              hidden=False))
    return columns


# --- the schema ---

class Schema(BaseModel):
    """The contract's schema: the model's answer, the cache entry and a request's schema alike."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field("dataset", min_length=1, max_length=MAX_NAME_CHARS)
    locale: str = "en_US"
    columns: list[Column] | None = None
    tables: list[Table] | None = Field(None, min_length=1, max_length=MAX_TABLES)
    main: str | None = None
    correlations: Correlations | None = None
    _one_table: bool = PrivateAttr(False)
    _kinds: dict[tuple[str, str], str] = PrivateAttr(default_factory=dict)

    @field_validator("name")
    @classmethod
    def _name(cls, name: str) -> str:
        return re.sub(r"[^A-Za-z0-9_.-]+", "_", name).strip("._") or "dataset"

    @field_validator("locale")
    @classmethod
    def _locale(cls, locale: str) -> str:
        if locale not in FAKER_LOCALES:
            raise ValueError(f"unknown locale {clip(locale, 20)!r}; use a Faker locale such as en_US or de_DE")
        return locale

    @model_validator(mode="after")
    def _dataset(self) -> Schema:
        if (self.columns is None) == (self.tables is None):
            raise SchemaError("a schema has columns (one table) or tables (several), one of the two")
        if self.columns is not None:
            if not self.columns:
                raise SchemaError("a schema needs at least one column", field="columns")
            self._one_table = True
            table_name = self.name if re.match(r"^[A-Za-z_][A-Za-z0-9_]*$", self.name) else "rows"
            self.tables = [Table.model_construct(name=table_name, columns=self.columns, hidden=False,
                                                 correlations=self.correlations, rows=None, per=None, data=None)]
        elif self.correlations is not None:
            raise SchemaError("correlations of a dataset belong on its table")
        Dataset(self).check()
        return self

    # -- reading a dataset --

    @property
    def one_table(self) -> bool:
        return self._one_table

    def table(self, name: str) -> Table:
        return next(t for t in self.tables or [] if t.name == name)

    def has_table(self, name: str) -> bool:
        return any(t.name == name for t in self.tables or [])

    def main_table(self) -> Table:
        if self.main:
            return self.table(self.main)
        return next((t for t in self.tables or [] if not t.hidden), (self.tables or [])[0])

    def visible_tables(self) -> list[Table]:
        return [t for t in self.tables or [] if not t.hidden]

    def visible(self) -> list[Column]:
        """The written columns of the main table (all of a one-table schema's)."""
        return self.main_table().visible()

    def kind(self, table: str, column: str) -> str:
        """What a formula reads from this column: int, float, bool, str, date, datetime or any."""
        return self._kinds.get((table, column), ANY)

    def public(self) -> dict[str, Any]:
        """The schema as JSON without the fields left at their defaults: what a person edits."""
        out: dict[str, Any] = {"name": self.name, "locale": self.locale}
        if self._one_table:
            out["columns"] = [c.public() for c in self.columns or []]
            if self.correlations:
                out["correlations"] = self.correlations.model_dump()
            return out
        if self.main:
            out["main"] = self.main
        out["tables"] = [t.public() for t in self.tables or []]
        return out


# --- what columns read, and the order they are made in ---

@dataclass(frozen=True)
class Read:
    """A name a column reads: in its own table, or through refs ("customer_id.segment")."""

    name: str
    kinds: tuple[str, ...]      # the column types it may have; () = any
    what: str                   # the field that reads it, for messages


def reads(col: Column) -> list[Read]:
    """Every name this column reads, with the column types each may have."""
    found = []
    if col.type == "formula" and col.expr:
        found += [Read(n, (), "expr") for n in parse_formula(col.expr, col.name).names]
    if col.type in TEMPORAL_TYPES and col.after:
        found.append(Read(col.after, ("date", "datetime", "formula"), "after"))
    if col.type in TEMPORAL_TYPES + ("id",) and col.per:
        found.append(Read(col.per, ("ref",), "per"))
    if col.depends_on:
        found.append(Read(col.depends_on, (), "depends_on"))
    if col.null_if:
        found += [Read(n, (), "null_if") for n in parse_formula(col.null_if, col.name).names]
    return found


class Dataset:
    """The checks that span columns and tables, run once when a schema is loaded."""

    def __init__(self, schema: Schema):
        self.schema = schema
        self.tables = {t.name: t for t in schema.tables or []}

    def where(self, table: Table, col: Column | None = None, field: str = "") -> str:
        """The path of a field, for the page to mark it: columns.2.min or tables.1.columns.0.table."""
        tables = self.schema.tables or []
        prefix = "" if self.schema.one_table else f"tables.{tables.index(table)}."
        if col is None:
            return (prefix + field).strip(".")
        return f"{prefix}columns.{table.columns.index(col)}" + (f".{field}" if field else "")

    def label(self, table: Table, col: Column | None = None) -> str:
        words = [] if self.schema.one_table else [f"table {table.name!r}"]
        if col is not None:
            words.append(f"column {col.name!r}")
        return ", ".join(words)

    def check(self) -> None:
        names = [t.name for t in self.schema.tables or []]
        dup = next((n for n in names if names.count(n) > 1), None)
        if dup:
            raise SchemaError(f"two tables are named {dup!r}; table names must differ", field="tables")
        if self.schema.main and self.schema.main not in self.tables:
            raise SchemaError(f"main names the table {clip(self.schema.main, 40)!r}, which is not in tables",
                              field="main")
        if not any(t.visible() for t in self.schema.visible_tables()):
            raise SchemaError("every table or column is hidden: nothing would be written")
        for table in self.schema.tables or []:
            self.check_table(table)
        for table in (self.tables[name] for name in table_order(self.schema)):
            for i in column_order(self.schema, table):
                col = table.columns[i]
                try:
                    self.infer_kind(table, col)
                except SchemaError as err:
                    if err.field is None:
                        err.field = self.where(table, col, "expr" if col.type == "formula" else "null_if")
                    raise
            self.check_correlations(table)

    def check_table(self, table: Table) -> None:
        cols = table.columns
        seen: set[str] = set()
        for col in cols:
            if col.name in seen:
                where = f"table {table.name!r}: " if not self.schema.one_table else ""
                raise SchemaError(f"{where}two columns are named {clip(col.name, 64)!r}",
                                  field=self.where(table, col, "name"))
            seen.add(col.name)
        if table.kind == "rows" and table.rows is None and table is not self.schema.main_table() and not self.schema.one_table:
            raise SchemaError(f"table {table.name!r} needs rows (a size), per (rows for each parent row) or data",
                              field=self.where(table, field="rows"))
        for col in cols:
            self.check_column(table, col)
        if table.per:
            if table.per.table not in self.tables:
                raise SchemaError(f"table {table.name!r} is made per {clip(table.per.table, 40)!r}, which is not a table",
                                  field=self.where(table, field="per.table"))
            if table.per.table == table.name:
                raise SchemaError(f"table {table.name!r} cannot be made per itself", field=self.where(table, field="per"))
            if table.owner is None:
                parent = self.tables[table.per.table]
                raise SchemaError(f"table {table.name!r} is made per {parent.name!r} and needs a ref column to it "
                                  f'(like {{"name": "{parent.key or parent.name + "_id"}", "type": "ref", '
                                  f'"table": "{parent.name}"}})', field=self.where(table, field="columns"))

    def check_column(self, table: Table, col: Column) -> None:
        if col.type == "ref":
            target = self.tables.get(col.table or "")
            if target is None:
                raise SchemaError(f"{self.label(table, col)}: refers to the table {clip(col.table, 40)!r}, "
                                  "which is not in the schema", field=self.where(table, col, "table"))
            if target.key is None:
                raise SchemaError(f"{self.label(table, col)}: the table {target.name!r} has no key to refer to "
                                  "(give it an id column)", field=self.where(table, col, "table"))
            if col.unique:
                raise SchemaError(f"{self.label(table, col)}: a ref column cannot be unique",
                                  field=self.where(table, col, "unique"))
            if col.table == table.name:
                key = table.column(table.key or "")
                if key is None or key.type != "id" or key.format == "uuid":
                    raise SchemaError(f"{self.label(table, col)}: a ref to its own table needs the table's key to be a "
                                      "numbered id", field=self.where(table, col, "table"))
            if col.distinct and (table.per is None or col.name == table.owner):
                raise SchemaError(f"{self.label(table, col)}: distinct picks differ within each parent row, so "
                                  "they need a table made per a parent, and a ref other than the one to that parent",
                                  field=self.where(table, col, "distinct"))
        for read in reads(col):
            found = self.resolve(table, col, read)
            if read.kinds and found.type not in read.kinds:
                raise SchemaError(f"{self.label(table, col)}: {read.what} names {read.name!r}, a {found.type} "
                                  f"column, not {' or '.join(read.kinds)}", field=self.where(table, col, read.what))
        if col.type == "id" and col.per and col.per != table.owner:
            raise SchemaError(f"{self.label(table, col)}: an id numbered per parent names the ref to the parent "
                              f"this table is made per ({table.owner or 'it has none'})", field=self.where(table, col, "per"))
        if col.per and "." in col.per:
            raise SchemaError(f"{self.label(table, col)}: per names a ref column of this table, not one read "
                              "through another table", field=self.where(table, col, "per"))

    def resolve(self, table: Table, col: Column, read: Read) -> Column:
        """The column a (possibly dotted) name reads; every step before the last must be a ref."""
        parts = read.name.split(".")
        here = table
        for i, part in enumerate(parts):
            found = here.column(part)
            if found is None:
                what = f"column {part!r} of table {here.name!r}" if i else f"column {part!r}"
                raise SchemaError(f"{self.label(table, col)}: {read.what} reads {clip(read.name, 80)!r}, but there is "
                                  f"no {what}", field=self.where(table, col, read.what))
            if i == len(parts) - 1:
                return found
            if found.type != "ref":
                raise SchemaError(f"{self.label(table, col)}: {read.what} reads {clip(read.name, 80)!r}, but "
                                  f"{part!r} is not a ref column, so nothing can be read through it",
                                  field=self.where(table, col, read.what))
            if found.table == here.name:
                raise SchemaError(f"{self.label(table, col)}: {read.what} reads {clip(read.name, 80)!r} through "
                                  f"{part!r}, a ref to its own table; only its key can be used",
                                  field=self.where(table, col, read.what))
            here = self.tables[found.table or ""]
        raise AssertionError("unreachable")

    def infer_kind(self, table: Table, col: Column) -> None:
        kinds = self.schema._kinds
        if col.type == "formula":
            names = {}
            for read in reads(col):
                target_table, target = self.target(table, read.name)
                names[read.name] = kinds.get((target_table.name, target.name), ANY)
            kind = result_kind(parse_formula(col.expr or "", col.name), names, col.name)
        else:
            kind = static_kind(self.schema, col)
        if col.type in TEMPORAL_TYPES and col.after:
            target_table, target = self.target(table, col.after)
            after_kind = kinds.get((target_table.name, target.name), ANY)
            if after_kind not in (DATE, DATETIME, ANY):
                raise SchemaError(f"{self.label(table, col)}: after names {col.after!r}, which holds "
                                  f"{'numbers' if after_kind in (INT, FLOAT) else 'text' if after_kind == STR else after_kind}"
                                  ", not dates", field=self.where(table, col, "after"))
        kinds[(table.name, col.name)] = kind
        if col.null_if:
            names = {}
            for read in reads(col):
                if read.what == "null_if":
                    target_table, target = self.target(table, read.name)
                    names[read.name] = kinds.get((target_table.name, target.name), ANY)
            result_kind(parse_formula(col.null_if, col.name), names, col.name)

    def target(self, table: Table, name: str) -> tuple[Table, Column]:
        here = table
        parts = name.split(".")
        for part in parts[:-1]:
            here = self.tables[here.column(part).table]  # type: ignore[union-attr,index]
        return here, here.column(parts[-1])  # type: ignore[return-value]

    def check_correlations(self, table: Table) -> None:
        corr = table.correlations
        if corr is None:
            return
        field = self.where(table, field="correlations") if not self.schema.one_table else "correlations"
        for name in corr.columns:
            col = table.column(name)
            if col is None or col.type not in ("int", "float", "date", "datetime") or col.after or col.step or col.unique:
                raise SchemaError(f"{self.label(table) or 'the table'}: correlations name {clip(name, 40)!r}, which must "
                                  "be a drawn int, float, date or datetime column", field=field)
        if len(set(corr.columns)) != len(corr.columns):
            raise SchemaError("correlations name a column twice", field=field)
        m = np.array(corr.matrix, dtype=float) if corr.matrix and all(len(r) == len(corr.columns) for r in corr.matrix) \
            else None
        if m is None or m.shape != (len(corr.columns),) * 2:
            raise SchemaError(f"correlations: the matrix must be {len(corr.columns)} x {len(corr.columns)}", field=field)
        if not np.all(np.isfinite(m)) or np.abs(m).max() > 1 or not np.allclose(m, m.T, atol=1e-6) \
                or not np.allclose(np.diag(m), 1):
            raise SchemaError("correlations: the matrix must be symmetric, with 1 on the diagonal and values in -1..1",
                              field=field)
        if np.linalg.eigvalsh(m).min() < -1e-6:
            raise SchemaError("correlations: these correlations cannot hold together (the matrix is not "
                              "positive semi-definite)", field=field)


def static_kind(schema: Schema, col: Column) -> str:
    """The kind of a drawn column's values."""
    if col.type == "id":
        return STR if col.prefix or col.width or col.format else INT
    if col.type in ("int", "float", "bool", "date", "datetime"):
        return {"int": INT, "float": FLOAT, "bool": BOOL, "date": DATE, "datetime": DATETIME}[col.type]
    if col.type == "choice":
        values = [v for v in col.values or [] if v is not None]
        if values and all(isinstance(v, bool) for v in values):
            return BOOL
        if values and all(isinstance(v, int) and not isinstance(v, bool) for v in values):
            return INT
        if values and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values):
            return FLOAT
        return STR
    if col.type == "faker":
        method = faker_methods().get(col.method or "")
        return method.kind if method and not col.cases else STR if not method else ANY
    if col.type == "ref":
        target = schema.table(col.table or "")
        return schema.kind(target.name, target.key or "")
    return STR


def table_order(schema: Schema) -> list[str]:
    """Tables in an order where each comes after every table it refers to."""
    tables = {t.name: t for t in schema.tables or []}
    order: list[str] = []
    state: dict[str, int] = {}

    def visit(name: str, path: list[str]) -> None:
        if state.get(name) == 2:
            return
        if state.get(name) == 1:
            cycle = path[path.index(name):] + [name]
            raise SchemaError(f"tables refer to each other in a circle: {' -> '.join(cycle)}", field="tables")
        state[name] = 1
        table = tables[name]
        parents = {c.table for c in table.columns if c.type == "ref" and c.table in tables and c.table != name}
        if table.per:
            parents.add(table.per.table)
        for parent in sorted(p for p in parents if p):
            visit(parent, path + [name])
        state[name] = 2
        order.append(name)

    for name in tables:
        visit(name, [])
    return order


def column_order(schema: Schema, table: Table) -> list[int]:
    """Indices of a table's columns in an order where each comes after the columns it reads."""
    index = {c.name: i for i, c in enumerate(table.columns)}
    order: list[int] = []
    state: dict[int, int] = {}

    def visit(i: int) -> None:
        if state.get(i) == 2:
            return
        if state.get(i) == 1:
            raise SchemaError(f"column {table.columns[i].name!r} depends on itself through other columns")
        state[i] = 1
        for read in reads(table.columns[i]):
            first = read.name.split(".")[0]
            if first in index:
                visit(index[first])
        state[i] = 2
        order.append(i)

    for i in range(len(table.columns)):
        visit(i)
    return order


# --- sizes and capacity ---

def check_capacity(schema: Schema, table: Table, rows: int) -> None:
    """A unique column must be able to hold its table's rows as distinct values; say so before any byte."""
    where = Dataset(schema)
    for col in table.columns:
        if not (col.unique or col.name == table.key):
            continue
        if col.type == "formula" or (col.type in TEMPORAL_TYPES and col.after):
            raise SchemaError(f"column {col.name!r}: unique is not supported on {col.type} columns computed from others",
                              field=where.where(table, col, "unique"))
        size = unique_size(col)
        if size is not None and size < rows:
            raise SchemaError(f"column {col.name!r} is unique but can hold only {size:,} different "
                              f"values for {rows:,} rows", field=where.where(table, col, "unique"))


def load_schema(data: Any, max_columns: int) -> Schema:
    """Check any outside schema (request, model answer, cache entry, file) against every rule."""
    if isinstance(data, dict):
        for table in ([data] + [t for t in data.get("tables") or [] if isinstance(t, dict)]
                      if isinstance(data.get("tables"), list) else [data]):
            if isinstance(table.get("columns"), list) and len(table["columns"]) > max_columns:
                raise SchemaError(f"schema has {len(table['columns'])} columns in one table; at most "
                                  f"{max_columns} are allowed")
    try:
        return Schema.model_validate(data)
    except ValidationError as err:
        raise plain_error(err, data) from None
    except RecursionError:
        raise SchemaError("the schema is nested too deeply") from None


def snake(text: str, limit: int = MAX_NAME_CHARS) -> str:
    """A name as snake_case ASCII: "Check-in Date" -> "check_in_date"."""
    return re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")[:limit].strip("_")


__all__ = ["Column", "Schema", "Table", "Per", "Correlations", "load_schema", "plain_error", "snake",
           "check_capacity", "column_order", "table_order", "reads", "MAX_CHOICE_VALUE_CHARS"]
