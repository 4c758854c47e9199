"""One SQL column as a column spec: TableBuilder makes the columns of one table from its SQL
columns, what its CHECKs allow (Rules per column, Pair between two columns of a row) and the
table's role in the dataset (Role).

    columns = TableBuilder(dataset, table, role, rules, pairs).columns()   # [{"name": ..., "type": ...}]

Each column starts from the built-in designer's reading of its name (suggest(), the only place
that knows the designer), shaped to its SQL type; then the constraints win: the key (a numbered or
uuid id), foreign keys (`ref`; one to its own table points at an earlier row), NOT NULL, UNIQUE
(with room for the table's rows), what the CHECKs allow (IN, bounds, LIKE, lengths, exclusions),
comparisons between two columns of a row (kept with `after` or a formula over a hidden column),
DEFAULT (a common value). A constraint that no value can meet, or one this module cannot keep in
every row, is a SchemaError naming the table, the column and the constraint.

It does not read SQL (sqlread.py), decide a table's role, read CHECKs into Rules and Pairs, or
check the whole schema (ddl.py does those); it makes no rows (it only draws a Faker method's
values to see how long its text gets).
"""

from __future__ import annotations

import functools
import keyword
import math
import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any, Protocol

from sqlglot import exp

from cells import MAX_ABS_NUMBER, MAX_DATE, MAX_DECIMALS, MIN_DATE, parse_day
from columns import MAX_CHOICE_VALUE_CHARS, MAX_CHOICE_VALUES, MAX_LENGTH, MAX_NAME_CHARS, MAX_PATTERN_CHARS
from errors import SchemaError, clip
from schema import load_schema
from sqlread import FLIP, SqlColumn, SqlTable, as_date, constant, fail

# Sizes and shares where the DDL is silent (ddl.py holds the other table sizes).
ENTITY_ROWS = 1000              # a table of its own: it owns children, or nothing refers to it
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


# --- what a table's columns are made from ---

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


@dataclass
class Role:
    """The table's place in the dataset (ddl.Builder decides it)."""

    kind: str = "rows"                  # rows, per
    parent: str | None = None           # per: the parent table
    owner: str | None = None            # per: the column naming the parent row
    per: dict[str, float] | None = None
    rows: int | None = None
    lookup: bool = False
    distinct: set[str] = field(default_factory=set)     # refs whose picks differ within each parent row
    series: set[str] = field(default_factory=set)       # dates that step within each parent row
    numbered: set[str] = field(default_factory=set)     # integers numbered through the whole table


class Links(Protocol):
    """What one table's columns need to know of the whole dataset (ddl.Builder holds it)."""

    context: str                                    # the description and the tables' names, for suggest()
    fk: dict[tuple[str, str], tuple[str, str]]      # (table, column) -> (target table, target column)
    keys: dict[str, str | None]                     # table -> the column other tables refer to
    roles: dict[str, Role]
    cut: set[tuple[str, str]]                       # foreign keys left empty to break a circle of tables


# --- one table's columns ---

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

    def __init__(self, owner: Links, table: SqlTable, role: Role, rules: dict[str, Rules], pairs: list[Pair]):
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
        """A reference to the same table (a manager, a parent category): a ref to an earlier row, so
        the FOREIGN KEY stays. The first row has no earlier row and the engine numbers only `id` keys,
        so a NOT NULL one, or one to a uuid key, is a formula: a key up to the row's own, or itself."""
        key_col = self.table.col(self.key or "")
        if key_col is None:
            raise fail(f"{self.where(col)}: refers to its own table, which has no key")
        nullable = not (col.not_null or col.primary)
        uuid_key = key_col.type.family == "uuid" or (key_col.type.family == "text" and key_col.type.variant == "uuid")
        if nullable and not uuid_key:   # the key is a numbered id (key_column): the first row's is empty
            return {"type": "ref", "table": self.table.name, "null_rate": SELF_REF_NULL_RATE}
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

    def after_key(self, col: SqlColumn) -> bool:
        """Whether a column comes after the table's key (the first id column is the key)."""
        names = [c.name for c in self.table.columns]
        return self.key is None or names.index(col.name) > names.index(self.key)

    def value_column(self, col: SqlColumn, rule: Rules) -> dict[str, Any]:
        guess = self.b_suggest(col)
        family = col.type.family
        values = self.allowed_values(col, rule)
        if col.name in self.role.series:
            spec = self.dates(col, rule, guess)
            spec.pop("unique", None)
            spec["step"] = "1d" if family == "date" else "1h"
            spec["per"] = self.role.owner
        elif col.name in self.role.numbered or (col.auto and family == "int" and self.after_key(col) and not (
                rule.lo is not None or rule.hi is not None or rule.values or rule.exclude)):
            spec = {"type": "id"}     # numbered, as its sequence would (the script then moves the sequence on)
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
