"""The schema: the contract's columns and their rules, checked before a single row is made.

One pydantic model reads every schema from outside (a request, a model's answer, a cache entry,
a file) and checks it: field types, each column type's own rules (COLUMN_CHECKS), names and
references between columns, an order to make them in, and whether a unique column can hold the
rows asked for. The Faker methods a schema may name are the allowlist below (FACTS.md's rule).

It does not make rows (rows.py) or print them (writers.py).
"""

from __future__ import annotations

import functools
import inspect
import math
import re
from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any, Literal

import faker
import faker.config
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from cells import MAX_ABS_NUMBER, MAX_DAYS_OFFSET, MAX_DECIMALS, SECONDS_PER_DAY, parse_day
from errors import SchemaError, clip
from formula import parse_formula

MAX_NAME_CHARS = 64
MAX_CHOICE_VALUES = 1000
MAX_CHOICE_VALUE_CHARS = 200
MAX_PATTERN_CHARS = 64
MAX_PREFIX_CHARS = 20
DEFAULT_START, DEFAULT_END = "-3y", "today"   # a date column without bounds: the last three years
DEFAULT_AFTER_DAYS = 30                        # an `after` column without max_days
DEFAULT_SPAN = 100.0                           # a number column without max: min + this
MAX_PERMUTATION = 2**62                        # unique patterns permute at most this many values


# --- faker allowlist ---

# Provider methods that build structures, call back into the generator, or exist to be the
# `choice`, `int` and `pattern` types: never callable by name from a schema.
FAKER_DENIED = set("""
binary zip tar image json json_bytes xml csv tsv psv dsv fixed_width profile simple_profile
pystruct pydict pylist pyiterable pytuple pyset pyobject enum pystr_format words sentences
paragraphs texts location_on_land local_latlng latlng random_element random_elements random_int
random_digit random_digit_not_null random_digit_or_empty random_digit_not_null_or_empty
random_number random_letter random_letters random_lowercase_letter random_uppercase_letter
random_choices random_sample randomize_nb_elements numerify lexify bothify hexify
seed seed_instance seed_locale format parse set_arguments get_arguments del_arguments
set_formatter get_formatter add_provider get_providers provider optional unique weights
""".split())
FAKER_NAME = re.compile(r"^[a-z][a-z0-9_]{0,63}$")
FAKER_SCALARS = (str, int, float, bool, date, datetime, timedelta)
# Arguments a schema may pass, with the bound each must respect.
FAKER_ARG_LIMITS: dict[str, tuple[float, float]] = {
    "length": (0, 128), "max_chars": (5, 256), "max_nb_chars": (5, 500), "min_chars": (0, 256),
    "nb_sentences": (1, 10), "nb_words": (1, 50), "digits": (1, 18), "right_digits": (0, 10),
    "left_digits": (1, 15), "min_value": (-1e12, 1e12), "max_value": (-1e12, 1e12),
    "minimum_age": (0, 120), "maximum_age": (0, 120), "ext_word_list": (0, 0),
}
FAKER_ARG_DATE = re.compile(r"^((19|20)\d\d-\d\d-\d\d|[+-]\d{1,5}[dwmy]|today|now)$")
FAKER_STR_ARG = re.compile(r"^[A-Za-z0-9 _.,:/-]{0,64}$")


@functools.cache
def faker_methods(locale: str = "en_US") -> dict[str, frozenset[str]]:
    """Provider methods callable with no arguments that give one scalar: name -> declared args.
    Probing calls each candidate once (a quarter of a second), so it runs on first use."""
    fake = faker.Faker(locale)
    generator = fake[locale] if hasattr(fake, "__getitem__") else fake
    allowed: dict[str, frozenset[str]] = {}
    for provider in generator.get_providers():
        for name in dir(provider):
            if not FAKER_NAME.match(name) or name in FAKER_DENIED or name in allowed:
                continue
            method = getattr(provider, name, None)
            if not inspect.ismethod(method) or name in vars(faker.providers.BaseProvider):
                continue
            params = inspect.signature(method).parameters.values()
            if any(p.default is p.empty and p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
                   for p in params):
                continue
            try:
                value = method()
            except Exception:  # a method that cannot run bare is not offered
                continue
            if isinstance(value, FAKER_SCALARS) or type(value).__name__ == "Decimal":
                allowed[name] = frozenset(p.name for p in params if p.kind is p.KEYWORD_ONLY
                                          or p.kind is p.POSITIONAL_OR_KEYWORD)
    return allowed


FAKER_LOCALES = frozenset(faker.config.AVAILABLE_LOCALES)


def check_faker_args(method: str, args: dict[str, Any]) -> None:
    declared = faker_methods()[method]
    for key, value in args.items():
        if key not in declared:
            raise SchemaError(f"faker method {method!r} takes no argument {clip(key, 40)!r}")
        if isinstance(value, bool) or value is None:
            continue
        if isinstance(value, (int, float)):
            lo, hi = FAKER_ARG_LIMITS.get(key, (-1e12, 1e12))
            if not (math.isfinite(value) and lo <= value <= hi):
                raise SchemaError(f"faker argument {key!r}={clip(value, 40)} is outside [{lo:g}, {hi:g}]")
        elif isinstance(value, str):
            if key in FAKER_ARG_LIMITS or not (FAKER_ARG_DATE.match(value) or FAKER_STR_ARG.match(value)):
                raise SchemaError(f"faker argument {key!r}={clip(value, 40)!r} is not allowed")
        else:
            raise SchemaError(f"faker argument {key!r} must be a number, string or boolean")



# --- the schema model and its checks ---

ColumnType = Literal["id", "faker", "choice", "int", "float", "bool", "date", "datetime",
                     "pattern", "formula"]
Distribution = Literal["uniform", "normal", "lognormal", "exponential", "poisson"]
Scalar = str | int | float | bool
BAD_NAME_START = ("=", "+", "-", "@")
CONTROL_CHARS = re.compile(r"[\x00-\x1f\x7f]")


class Case(BaseModel):
    model_config = ConfigDict(extra="forbid")
    when: Scalar
    weights: list[float]


class Column(BaseModel):
    """One column of the contract; fields that do not apply to its type are ignored."""

    model_config = ConfigDict(extra="forbid")

    name: str
    type: ColumnType
    description: str | None = None
    null_rate: float = Field(0.0, ge=0, le=1)
    unique: bool = False
    hidden: bool = False
    # id, date, datetime
    start: int | str | None = None
    end: str | None = None
    prefix: str | None = None
    width: int | None = Field(None, ge=0, le=20)
    format: Literal["uuid"] | None = None
    # faker
    method: str | None = None
    args: dict[str, Scalar | None] | None = None
    entity: str | None = Field(None, max_length=MAX_NAME_CHARS)
    # choice
    values: list[Scalar] | None = None
    weights: list[float] | None = None
    depends_on: str | None = None
    cases: list[Case] | None = None
    # int, float
    min: int | float | None = None
    max: int | float | None = None
    distribution: Distribution | None = None
    mean: int | float | None = None
    std: int | float | None = None
    decimals: int | None = Field(None, ge=0, le=MAX_DECIMALS)
    # bool
    p: float | None = Field(None, ge=0, le=1)
    # date, datetime
    after: str | None = None
    min_days: int | float | None = None
    max_days: int | float | None = None
    # pattern, formula
    pattern: str | None = None
    expr: str | None = None

    @field_validator("name")
    @classmethod
    def _name(cls, name: str) -> str:
        if not 1 <= len(name) <= MAX_NAME_CHARS:
            raise ValueError(f"column name must be 1..{MAX_NAME_CHARS} characters, got {len(name)}")
        if CONTROL_CHARS.search(name) or name.startswith(BAD_NAME_START) or name != name.strip():
            raise ValueError(f"column name {clip(name, 64)!r} has control characters, edge spaces "
                             "or starts with = + - @")
        return name

    @model_validator(mode="after")
    def _rules(self) -> Column:
        COLUMN_CHECKS[self.type](self)
        return self


def check_number(value: float | None, what: str) -> None:
    if value is not None and not (math.isfinite(value) and abs(value) <= MAX_ABS_NUMBER):
        raise SchemaError(f"{what} {value!r} must be a finite number within +-{MAX_ABS_NUMBER:g}")


def check_id(col: Column) -> None:
    if col.format is None and col.start is not None and not isinstance(col.start, int):
        raise SchemaError(f"column {col.name!r}: id start must be an integer, got {clip(col.start, 40)!r}")
    if isinstance(col.start, int) and abs(col.start) > MAX_ABS_NUMBER:
        raise SchemaError(f"column {col.name!r}: id start {col.start} is too large")
    if col.prefix is not None and (len(col.prefix) > MAX_PREFIX_CHARS or CONTROL_CHARS.search(col.prefix)):
        raise SchemaError(f"column {col.name!r}: id prefix must be at most {MAX_PREFIX_CHARS} printable characters")


def check_faker(col: Column) -> None:
    if not col.method:
        raise SchemaError(f"column {col.name!r}: faker column needs a method")
    if col.method not in faker_methods():
        raise SchemaError(f"column {col.name!r}: faker method {clip(col.method, 64)!r} is not allowed "
                          "(allowed: provider methods that return one value, see /faker-methods)")
    check_faker_args(col.method, {k: v for k, v in (col.args or {}).items()})


def check_choice(col: Column) -> None:
    values = col.values or []
    if not 1 <= len(values) <= MAX_CHOICE_VALUES:
        raise SchemaError(f"column {col.name!r}: choice needs 1..{MAX_CHOICE_VALUES} values, got {len(values)}")
    for v in values:
        if isinstance(v, str) and (len(v) > MAX_CHOICE_VALUE_CHARS or CONTROL_CHARS.search(v)):
            raise SchemaError(f"column {col.name!r}: choice value {clip(v, 40)!r} is too long or has control characters")
        if isinstance(v, float):
            check_number(v, f"column {col.name!r}: choice value")
    check_weights(col, col.weights, len(values), "weights")
    for case in col.cases or []:
        check_weights(col, case.weights, len(values), f"weights of case {clip(case.when, 40)!r}")
    if col.cases and not col.depends_on:
        raise SchemaError(f"column {col.name!r}: cases need depends_on")


def check_weights(col: Column, weights: list[float] | None, n: int, what: str) -> None:
    if weights is None:
        return
    if len(weights) != n:
        raise SchemaError(f"column {col.name!r}: {what} has {len(weights)} entries for {n} values")
    if any(not math.isfinite(w) or w < 0 or w > MAX_ABS_NUMBER for w in weights) or sum(weights) <= 0:
        raise SchemaError(f"column {col.name!r}: {what} must be finite, >= 0, with a positive sum")


def check_numeric(col: Column) -> None:
    for what in ("min", "max", "mean", "std"):
        check_number(getattr(col, what), f"column {col.name!r}: {what}")
    lo, hi = numeric_bounds(col)
    if lo > hi:
        raise SchemaError(f"column {col.name!r}: min {lo:g} > max {hi:g}")
    if col.std is not None and col.std < 0:
        raise SchemaError(f"column {col.name!r}: std {col.std:g} must be >= 0")
    if col.type == "int" and math.floor(hi) < math.ceil(lo):
        raise SchemaError(f"column {col.name!r}: no integer lies in [{lo:g}, {hi:g}]")


def check_bool(col: Column) -> None:
    pass


def check_date(col: Column) -> None:
    for what in ("min_days", "max_days"):
        value = getattr(col, what)
        if value is not None and not (math.isfinite(value) and abs(value) <= MAX_DAYS_OFFSET):
            raise SchemaError(f"column {col.name!r}: {what} {value!r} must be within +-{MAX_DAYS_OFFSET}")
    if col.after:
        lo, hi = after_days(col)
        if lo > hi:
            raise SchemaError(f"column {col.name!r}: min_days {lo:g} > max_days {hi:g}")
        return
    start, end = date_bounds(col)
    if start > end:
        raise SchemaError(f"column {col.name!r}: start {start} is after end {end}")


def check_pattern(col: Column) -> None:
    if not col.pattern or len(col.pattern) > MAX_PATTERN_CHARS:
        raise SchemaError(f"column {col.name!r}: pattern must be 1..{MAX_PATTERN_CHARS} characters")
    if CONTROL_CHARS.search(col.pattern):
        raise SchemaError(f"column {col.name!r}: pattern has control characters")


def check_formula(col: Column) -> None:
    if not col.expr:
        raise SchemaError(f"column {col.name!r}: formula needs expr")
    parse_formula(col.expr, col.name)


COLUMN_CHECKS: dict[str, Callable[[Column], None]] = {
    "id": check_id, "faker": check_faker, "choice": check_choice, "int": check_numeric,
    "float": check_numeric, "bool": check_bool, "date": check_date, "datetime": check_date,
    "pattern": check_pattern, "formula": check_formula,
}


def numeric_bounds(col: Column) -> tuple[float, float]:
    lo = col.min if col.min is not None else 0.0
    hi = col.max if col.max is not None else max(lo, 0.0) + DEFAULT_SPAN
    return lo, hi


class Schema(BaseModel):
    """The contract's schema: the model's answer, the cache entry and a request's schema alike."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field("dataset", min_length=1, max_length=MAX_NAME_CHARS)
    locale: str = "en_US"
    columns: list[Column] = Field(min_length=1)

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
    def _relations(self) -> Schema:
        names = [c.name for c in self.columns]
        seen: set[str] = set()
        for name in names:
            if name in seen:
                raise SchemaError(f"duplicate column name {clip(name, 64)!r}")
            seen.add(name)
        if all(c.hidden for c in self.columns):
            raise SchemaError("every column is hidden: nothing would be written")
        by_name = {c.name: c for c in self.columns}
        for col in self.columns:
            for ref, kinds in column_refs(col):
                target = by_name.get(ref)
                if target is None:
                    raise SchemaError(f"column {col.name!r} refers to unknown column {clip(ref, 64)!r}")
                if kinds and target.type not in kinds:
                    raise SchemaError(f"column {col.name!r} refers to {ref!r}, a {target.type} column, "
                                      f"not {' or '.join(kinds)}")
        generation_order(self)  # raises on a cycle
        return self

    def public(self) -> dict[str, Any]:
        """The schema as JSON without the fields left at their defaults: what a person edits."""
        return {"name": self.name, "locale": self.locale,
                "columns": [c.model_dump(exclude_none=True, exclude_defaults=True) | {"name": c.name, "type": c.type}
                            for c in self.columns]}

    def visible(self) -> list[Column]:
        return [c for c in self.columns if not c.hidden]


def column_refs(col: Column) -> list[tuple[str, tuple[str, ...]]]:
    """The columns this one is computed from, each with the types it may have (() = any)."""
    if col.type == "formula" and col.expr:
        return [(n, ()) for n in parse_formula(col.expr, col.name).names]
    if col.type in ("date", "datetime") and col.after:
        return [(col.after, ("date", "datetime", "formula"))]
    if col.type == "choice" and col.depends_on:
        return [(col.depends_on, ())]
    return []


def generation_order(schema: Schema) -> list[int]:
    """Indices of columns in an order where each comes after the columns it is computed from."""
    index = {c.name: i for i, c in enumerate(schema.columns)}
    order: list[int] = []
    state: dict[int, int] = {}  # 1 = in progress, 2 = done

    def visit(i: int) -> None:
        if state.get(i) == 2:
            return
        if state.get(i) == 1:
            raise SchemaError(f"column {schema.columns[i].name!r} depends on itself through other columns")
        state[i] = 1
        for ref, _ in column_refs(schema.columns[i]):
            visit(index[ref])
        state[i] = 2
        order.append(i)

    for i in range(len(schema.columns)):
        visit(i)
    return order


def unique_size(col: Column) -> int | None:
    """How many distinct values a unique column can take, when it is drawn from a finite range."""
    if col.type == "int":
        lo, hi = numeric_bounds(col)
        return int(math.floor(hi) - math.ceil(lo) + 1)
    if col.type == "float":
        lo, hi = numeric_bounds(col)
        return int(round((hi - lo) * 10 ** (col.decimals if col.decimals is not None else 2))) + 1
    if col.type in ("date", "datetime") and not col.after:
        start, end = date_bounds(col)
        days = (end - start).days + 1
        return days if col.type == "date" else days * SECONDS_PER_DAY
    if col.type == "choice":
        return len(col.values or [])
    if col.type == "bool":
        return 2
    if col.type == "pattern":
        pattern = col.pattern or ""
        return min(10 ** pattern.count("#") * 26 ** pattern.count("?"), MAX_PERMUTATION)
    return None


def date_bounds(col: Column) -> tuple[date, date]:
    where = f"column {col.name!r}"
    return (parse_day(col.start if col.start is not None else DEFAULT_START, f"{where}: start"),
            parse_day(col.end or DEFAULT_END, f"{where}: end"))


def after_days(col: Column) -> tuple[float, float]:
    """The fewest and most days an `after` column falls after the column it follows."""
    return col.min_days or 0, col.max_days if col.max_days is not None else DEFAULT_AFTER_DAYS


def check_capacity(schema: Schema, rows: int) -> None:
    """A unique column must be able to hold `rows` distinct values; say so before any byte."""
    for col in schema.columns:
        if not col.unique:
            continue
        if col.type == "formula" or (col.type in ("date", "datetime") and col.after):
            raise SchemaError(f"column {col.name!r}: unique is not supported on {col.type} columns computed from others")
        size = unique_size(col)
        if size is not None and size < rows:
            raise SchemaError(f"column {col.name!r} is unique but can hold only {size} distinct "
                              f"values for {rows} rows")


def snake(text: str, limit: int = MAX_NAME_CHARS) -> str:
    """A name as snake_case ASCII: "Check-in Date" -> "check_in_date"."""
    return re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")[:limit].strip("_")


def validation_message(err: ValidationError) -> str:
    """One short line from pydantic's errors: where, and which rule."""
    first = err.errors(include_url=False, include_input=False)[0]
    where = ".".join(str(p) for p in first["loc"] if p not in ("function-after",))
    msg = first["msg"].removeprefix("Value error, ")
    more = f" (and {err.error_count() - 1} more)" if err.error_count() > 1 else ""
    return clip(f"{where}: {msg}{more}" if where else msg + more, 300)


def load_schema(data: Any, max_columns: int) -> Schema:
    """Check any outside schema (request, model answer, cache entry) against every rule."""
    if isinstance(data, dict) and isinstance(data.get("columns"), list) and len(data["columns"]) > max_columns:
        raise SchemaError(f"schema has {len(data['columns'])} columns; at most {max_columns} are allowed")
    try:
        return Schema.model_validate(data)
    except ValidationError as err:
        raise SchemaError(validation_message(err)) from None
