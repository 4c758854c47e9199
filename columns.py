"""A column of the schema language and the rules each column type keeps (COLUMN_CHECKS).

    {"name": "salary", "type": "float", "min": 30000, "max": 250000, "distribution": "lognormal",
     "depends_on": "level", "cases": [{"when": "senior", "mean": 140000, "min": 90000}]}

One pydantic model holds every field of every type; a field that does not apply to a column's type
is ignored. The checks here look at one column alone: its own fields, its cases, its text. Whether
the columns it names exist, and in which order columns are made, is schema.py's concern; how its
values are drawn is rows.py's.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from datetime import date
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from cells import MAX_ABS_NUMBER, MAX_DAYS_OFFSET, MAX_DECIMALS, SECONDS_PER_DAY, parse_day, text_ok
from errors import SchemaError, clip
from fakes import check_faker_args, faker_methods
from formula import parse_formula

MAX_NAME_CHARS = 64
MAX_CHOICE_VALUES = 1000
MAX_CHOICE_VALUE_CHARS = 200
MAX_TEXT_FIELD_CHARS = 500      # a description, a condition
MAX_PATTERN_CHARS = 64
MAX_PREFIX_CHARS = 20
MAX_CASES = 100
MAX_QUANTILES = 1001
MAX_LENGTH = 10_000             # `max_length` of a text column
DEFAULT_START, DEFAULT_END = "-3y", "today"   # a date column without bounds: the last three years
DEFAULT_AFTER_DAYS = 30                        # an `after` column without max_days
DEFAULT_SPAN = 100.0                           # a number column without max: min + this
MAX_PERMUTATION = 2**62                        # unique patterns permute at most this many values
STEP = re.compile(r"^(\d{1,6})\s*(s|m|min|h|d|w|mo|y)$")
STEP_SECONDS = {"s": 1, "m": 60, "min": 60, "h": 3600, "d": SECONDS_PER_DAY, "w": 7 * SECONDS_PER_DAY}
STEP_MONTHS = {"mo": 1, "y": 12}
HOURS_WINDOW = re.compile(r"^([01]?\d|2[0-4]):([0-5]\d)\s*-\s*([01]?\d|2[0-4]):([0-5]\d)$")
DATE_FORMAT = re.compile(r"^(?:[^%]|%-?[YmdHMSyBbAaIpjeFT%])*$")
DATE_FORMAT_ALLOWED_TEXT = re.compile(r"^[%A-Za-z0-9 ,./:T-]*$")
SQL_TYPE = re.compile(r"^[A-Za-z][A-Za-z0-9 _]{0,40}(\(\s*\d{1,5}\s*(,\s*\d{1,3}\s*)?\))?$")
BAD_NAME_START = ("=", "+", "-", "@")
CONTROL_CHARS = re.compile(r"[\x00-\x1f\x7f]")

ColumnType = Literal["id", "faker", "choice", "int", "float", "bool", "date", "datetime", "pattern", "formula",
                     "ref"]
Distribution = Literal["uniform", "normal", "lognormal", "exponential", "poisson", "empirical", "zipf"]
Scalar = str | int | float | bool
GENERATED = ("faker", "choice", "int", "float", "bool", "date", "datetime", "pattern")
# The fields a case may set, per type: the type's own way of drawing a value.
CASE_FIELDS: dict[str, set[str]] = {
    "choice": {"weights"},
    "int": {"min", "max", "mean", "std", "distribution", "quantiles"},
    "float": {"min", "max", "mean", "std", "distribution", "quantiles"},
    "bool": {"p"},
    "date": {"start", "end", "min_days", "max_days", "hours", "weekdays"},
    "datetime": {"start", "end", "min_days", "max_days", "hours", "weekdays"},
    "faker": {"method", "args"},
    "pattern": {"pattern"},
}


class Case(BaseModel):
    """Rows whose `depends_on` column has the value `when` (or one of a list) draw with these fields;
    a field a case leaves out keeps the column's own."""

    model_config = ConfigDict(extra="forbid")

    when: Scalar | list[Scalar]
    weights: list[float] | None = None
    min: int | float | None = None
    max: int | float | None = None
    mean: int | float | None = None
    std: int | float | None = None
    distribution: Distribution | None = None
    quantiles: list[float | str] | None = Field(None, max_length=MAX_QUANTILES)
    p: float | None = Field(None, ge=0, le=1)
    start: int | str | None = None
    end: str | None = None
    min_days: int | float | None = None
    max_days: int | float | None = None
    hours: str | list[float] | None = None
    weekdays: list[float] | None = None
    method: str | None = None
    args: dict[str, Scalar | None] | None = None
    pattern: str | None = None

    def values(self) -> list[Scalar]:
        return self.when if isinstance(self.when, list) else [self.when]

    def overrides(self) -> dict[str, Any]:
        return {k: v for k, v in self.model_dump(exclude={"when"}).items() if v is not None}


class Column(BaseModel):
    """One column of the contract; fields that do not apply to its type are ignored."""

    model_config = ConfigDict(extra="forbid")

    name: str
    type: ColumnType
    description: str | None = None
    null_rate: float = Field(0.0, ge=0, le=1)
    null_if: str | None = None
    unique: bool = False
    hidden: bool = False
    # id, date, datetime
    start: int | str | None = None
    end: str | None = None
    prefix: str | None = None
    width: int | None = Field(None, ge=0, le=20)
    format: str | None = None
    # faker
    method: str | None = None
    args: dict[str, Scalar | None] | None = None
    entity: str | None = Field(None, max_length=MAX_NAME_CHARS)
    # choice
    values: list[Scalar] | None = None
    weights: list[float] | None = None
    # every generated type
    depends_on: str | None = None
    cases: list[Case] | None = Field(None, max_length=MAX_CASES)
    # int, float
    min: int | float | None = None
    max: int | float | None = None
    distribution: Distribution | None = None
    mean: int | float | None = None
    std: int | float | None = None
    decimals: int | None = Field(None, ge=0, le=MAX_DECIMALS)
    quantiles: list[float | str] | None = Field(None, max_length=MAX_QUANTILES)
    # bool
    p: float | None = Field(None, ge=0, le=1)
    # date, datetime
    after: str | None = None
    min_days: int | float | None = None
    max_days: int | float | None = None
    step: str | None = None
    per: str | None = None
    hours: str | list[float] | None = None
    weekdays: list[float] | None = None
    # pattern, formula
    pattern: str | None = None
    expr: str | None = None
    # ref
    table: str | None = None
    distinct: bool = False      # a ref's picks differ within each parent row of a per table
    # text and SQL
    max_length: int | None = Field(None, ge=1, le=MAX_LENGTH)
    sql_type: str | None = None

    @field_validator("name")
    @classmethod
    def _name(cls, name: str) -> str:
        return check_name(name, "column name")

    @field_validator("description", "null_if", "entity", "prefix", "pattern", "expr", "after", "depends_on",
                     "per", "table", "method", "end")
    @classmethod
    def _text(cls, text: str | None) -> str | None:
        return None if text is None else text_ok(text, "a text field", MAX_TEXT_FIELD_CHARS * 40)

    @model_validator(mode="after")
    def _rules(self) -> Column:
        COLUMN_CHECKS[self.type](self)
        check_common(self)
        return self

    def public(self) -> dict[str, Any]:
        return self.model_dump(exclude_none=True, exclude_defaults=True) | {"name": self.name, "type": self.type}

    def with_case(self, case: Case) -> Column:
        """The column as its case draws it: the case's fields over the column's own."""
        data = self.model_dump(exclude={"cases", "depends_on"}) | case.overrides()
        return Column.model_construct(**data)


def check_name(name: str, what: str) -> str:
    text_ok(name, what, MAX_NAME_CHARS)
    if not 1 <= len(name) <= MAX_NAME_CHARS:
        raise SchemaError(f"{what} must be 1..{MAX_NAME_CHARS} characters, got {len(name)}")
    if CONTROL_CHARS.search(name) or name.startswith(BAD_NAME_START) or name != name.strip() or "." in name:
        raise SchemaError(f"{what} {clip(name, 64)!r} has control characters, a dot, edge spaces "
                          "or starts with = + - @")
    return name


def check_common(col: Column) -> None:
    """What every type shares: cases, an emptiness condition, text sizes, an SQL type."""
    if col.null_if:
        parse_formula(col.null_if, col.name)
    if col.sql_type and not SQL_TYPE.match(col.sql_type):
        raise SchemaError(f"column {col.name!r}: sql_type {clip(col.sql_type, 40)!r} is not a plain SQL type "
                          "such as VARCHAR(80) or NUMERIC(8,2)", field='sql_type')
    if col.cases and not col.depends_on:
        raise SchemaError(f"column {col.name!r}: cases need depends_on, the column whose value picks the case", field='cases')
    if col.depends_on and col.type not in GENERATED:
        raise SchemaError(f"column {col.name!r}: depends_on is for generated columns, not {col.type}", field='depends_on')
    if col.cases and col.unique:
        raise SchemaError(f"column {col.name!r}: a unique column cannot also draw by cases", field='cases')
    for i, case in enumerate(col.cases or []):
        allowed = CASE_FIELDS.get(col.type, set())
        extra = set(case.overrides()) - allowed
        if extra:
            raise SchemaError(f"column {col.name!r}: a case of a {col.type} column may set "
                              f"{', '.join(sorted(allowed)) or 'nothing'}, not {', '.join(sorted(extra))}", field='cases')
        for value in case.values():
            if isinstance(value, str):
                text_ok(value, f"column {col.name!r}: a case's when", MAX_CHOICE_VALUE_CHARS)
        try:
            COLUMN_CHECKS[col.type](col.with_case(case))
        except SchemaError as err:
            where = f"cases.{i}" + (f".{err.field}" if err.field else "")
            raise SchemaError(f"{err} (in the case when={clip(case.when, 40)})", field=where) from None


def check_number(value: float | None, what: str, field: str | None = None) -> None:
    if value is not None and not (math.isfinite(value) and abs(value) <= MAX_ABS_NUMBER):
        raise SchemaError(f"{what} {value!r} must be a finite number within +-{MAX_ABS_NUMBER:g}", field=field)


# --- each type's rules ---

def check_id(col: Column) -> None:
    if col.format not in (None, "uuid"):
        raise SchemaError(f"column {col.name!r}: an id's format is 'uuid' or nothing, not {clip(col.format, 20)!r}", field='format')
    if col.format is None and col.start is not None and not isinstance(col.start, int):
        raise SchemaError(f"column {col.name!r}: id start must be a whole number, got {clip(col.start, 40)!r}", field='start')
    if isinstance(col.start, int) and abs(col.start) > MAX_ABS_NUMBER:
        raise SchemaError(f"column {col.name!r}: id start {col.start} is too large", field='start')
    if col.prefix is not None and (len(col.prefix) > MAX_PREFIX_CHARS or CONTROL_CHARS.search(col.prefix)):
        raise SchemaError(f"column {col.name!r}: id prefix must be at most {MAX_PREFIX_CHARS} printable characters", field='prefix')


def check_faker(col: Column) -> None:
    if not col.method:
        raise SchemaError(f"column {col.name!r}: a faker column needs a method, such as name or city", field='method')
    if col.method not in faker_methods():
        raise SchemaError(f"column {col.name!r}: {clip(col.method, 64)!r} is not one of the Faker methods "
                          "a column may use (the list is at GET /faker-methods)", field="method")
    check_faker_args(col.method, dict(col.args or {}))


def check_choice(col: Column) -> None:
    values = col.values or []
    if not 1 <= len(values) <= MAX_CHOICE_VALUES:
        raise SchemaError(f"column {col.name!r}: choice needs 1..{MAX_CHOICE_VALUES} values, got {len(values)}",
                          field="values")
    for v in values:
        if isinstance(v, str):
            text_ok(v, f"column {col.name!r}: choice value", MAX_CHOICE_VALUE_CHARS)
            if CONTROL_CHARS.search(v):
                raise SchemaError(f"column {col.name!r}: choice value {clip(v, 40)!r} has control characters", field='values')
        elif not isinstance(v, bool):
            check_number(v, f"column {col.name!r}: choice value")
    check_weights(col, col.weights, len(values), "weights")


def check_weights(col: Column, weights: list[float] | None, n: int, what: str) -> None:
    if weights is None:
        return
    if len(weights) != n:
        raise SchemaError(f"column {col.name!r}: {what} has {len(weights)} entries for {n} values", field="weights")
    if any(not math.isfinite(w) or w < 0 or w > MAX_ABS_NUMBER for w in weights) or sum(weights) <= 0:
        raise SchemaError(f"column {col.name!r}: {what} must be numbers >= 0 with a positive sum", field="weights")


def check_numeric(col: Column) -> None:
    for what in ("min", "max", "mean", "std"):
        check_number(getattr(col, what), f"column {col.name!r}: {what}", what)
    if col.distribution == "zipf":
        raise SchemaError(f"column {col.name!r}: distribution zipf is for ref columns; numbers take uniform, normal, "
                          "lognormal, exponential, poisson or empirical", field='distribution')
    if col.distribution == "empirical" or col.quantiles is not None:
        check_quantiles(col, [number_quantile(col, q) for q in col.quantiles or []])
    lo, hi = numeric_bounds(col)
    if lo > hi:
        raise SchemaError(f"column {col.name!r}: min {lo:g} is more than max {hi:g}", field="min")
    if col.mean is not None and not lo <= col.mean <= hi:
        raise SchemaError(f"column {col.name!r}: mean {col.mean:g} is outside min..max ({lo:g}..{hi:g}); "
                          "move the mean inside the range or widen it", field="mean")
    if col.std is not None and col.std < 0:
        raise SchemaError(f"column {col.name!r}: std {col.std:g} must be 0 or more", field="std")
    if col.type == "int" and math.floor(hi) < math.ceil(lo):
        raise SchemaError(f"column {col.name!r}: no whole number lies in {lo:g}..{hi:g}", field='min')


def number_quantile(col: Column, q: float | str) -> float:
    if isinstance(q, str):
        raise SchemaError(f"column {col.name!r}: quantiles of a number column are numbers", field='quantiles')
    return q


def check_quantiles(col: Column, values: list[float]) -> None:
    if col.distribution != "empirical":
        raise SchemaError(f"column {col.name!r}: quantiles go with distribution 'empirical'", field='quantiles')
    if not 2 <= len(values) <= MAX_QUANTILES:
        raise SchemaError(f"column {col.name!r}: an empirical distribution needs 2..{MAX_QUANTILES} quantiles", field='quantiles')
    for v in values:
        check_number(v, f"column {col.name!r}: quantile")
    if any(b < a for a, b in zip(values, values[1:])):
        raise SchemaError(f"column {col.name!r}: quantiles must not decrease", field='quantiles')


def check_bool(col: Column) -> None:
    pass


def check_date(col: Column) -> None:
    for what in ("min_days", "max_days"):
        value = getattr(col, what)
        if value is not None and not (math.isfinite(value) and abs(value) <= MAX_DAYS_OFFSET):
            raise SchemaError(f"column {col.name!r}: {what} {value!r} must be within +-{MAX_DAYS_OFFSET}", field=what)
    if col.format is not None and not (DATE_FORMAT.match(col.format) and DATE_FORMAT_ALLOWED_TEXT.match(col.format)
                                       and 1 <= len(col.format) <= 40):
        raise SchemaError(f"column {col.name!r}: format {clip(col.format, 40)!r} is not a date format such as "
                          "%d/%m/%Y (directives %Y %m %d %H %M %S %y %b %B %a %A %I %p %j; %-d for a day without a leading zero)", field='format')
    check_times(col)
    if col.after:
        lo, hi = after_days(col)
        if lo > hi:
            raise SchemaError(f"column {col.name!r}: min_days {lo:g} is more than max_days {hi:g}", field="min_days")
        if col.step:
            raise SchemaError(f"column {col.name!r}: a column follows another (after) or steps (step), not both", field='step')
        return
    if col.distribution == "empirical" or col.quantiles is not None:
        check_quantiles(col, [date_quantile(col, q) for q in col.quantiles or []])
    elif col.distribution not in (None, "uniform"):
        raise SchemaError(f"column {col.name!r}: dates are drawn uniformly or from quantiles (empirical)", field='distribution')
    start, end = date_bounds(col)
    if start > end:
        raise SchemaError(f"column {col.name!r}: start {start} is after end {end}", field="start")
    if col.step:
        step_size(col)
        if col.unique:
            raise SchemaError(f"column {col.name!r}: a stepped series is not drawn, so it cannot be unique", field='unique')


def check_times(col: Column) -> None:
    if isinstance(col.hours, str):
        m = HOURS_WINDOW.match(col.hours.strip())
        if not m or int(m.group(1)) * 60 + int(m.group(2)) > 1440 or int(m.group(3)) * 60 + int(m.group(4)) > 1440:
            raise SchemaError(f"column {col.name!r}: hours {clip(col.hours, 20)!r} is not a window like '11:00-23:00'", field='hours')
    elif col.hours is not None:
        check_time_weights(col, col.hours, 24, "hours")
    if col.weekdays is not None:
        check_time_weights(col, col.weekdays, 7, "weekdays")


def check_time_weights(col: Column, weights: list[float], n: int, what: str) -> None:
    if len(weights) != n or any(not math.isfinite(w) or w < 0 for w in weights) or sum(weights) <= 0:
        raise SchemaError(f"column {col.name!r}: {what} takes {n} weights >= 0 with a positive sum", field=what)


def date_quantile(col: Column, q: float | str) -> float:
    """A date quantile as days since 1970 (a time of day as a fraction of a day)."""
    if not isinstance(q, str):
        raise SchemaError(f"column {col.name!r}: quantiles of a date column are dates like 2024-05-01", field='quantiles')
    day = parse_day(q, f"column {col.name!r}: quantile")
    seconds = 0
    if len(q) > 10:
        m = re.match(r"^.{10}[T ](\d\d):(\d\d)(?::(\d\d))?", q)
        if not m:
            raise SchemaError(f"column {col.name!r}: quantile {clip(q, 30)!r} is not YYYY-MM-DDTHH:MM:SS", field='quantiles')
        seconds = int(m.group(1)) * 3600 + int(m.group(2)) * 60 + int(m.group(3) or 0)
    return (day - date(1970, 1, 1)).days + seconds / SECONDS_PER_DAY


def step_size(col: Column) -> tuple[int, int]:
    """A step as (seconds, months): '15m' is (900, 0), '1mo' is (0, 1)."""
    m = STEP.match((col.step or "").strip())
    if not m or int(m.group(1)) == 0:
        raise SchemaError(f"column {col.name!r}: step {clip(col.step, 20)!r} is not like 15m, 1h, 1d, 1w or 1mo", field='step')
    count, unit = int(m.group(1)), m.group(2)
    if col.type == "date" and unit in ("s", "m", "min", "h"):
        raise SchemaError(f"column {col.name!r}: a date steps by days, weeks or months; use datetime for {col.step}", field='step')
    if unit in STEP_MONTHS:
        return 0, count * STEP_MONTHS[unit]
    return count * STEP_SECONDS[unit], 0


def check_pattern(col: Column) -> None:
    if not col.pattern or len(col.pattern) > MAX_PATTERN_CHARS:
        raise SchemaError(f"column {col.name!r}: pattern must be 1..{MAX_PATTERN_CHARS} characters", field='pattern')
    if CONTROL_CHARS.search(col.pattern):
        raise SchemaError(f"column {col.name!r}: pattern has control characters", field='pattern')


def check_formula(col: Column) -> None:
    if not col.expr:
        raise SchemaError(f"column {col.name!r}: a formula column needs expr", field='expr')
    parse_formula(col.expr, col.name)


def check_ref(col: Column) -> None:
    if not col.table:
        raise SchemaError(f"column {col.name!r}: a ref column names the table it refers to in `table`", field='table')
    if col.distribution not in (None, "uniform", "zipf"):
        raise SchemaError(f"column {col.name!r}: a ref picks rows uniformly or by zipf (a few popular ones)", field='distribution')


COLUMN_CHECKS: dict[str, Callable[[Column], None]] = {
    "id": check_id, "faker": check_faker, "choice": check_choice, "int": check_numeric,
    "float": check_numeric, "bool": check_bool, "date": check_date, "datetime": check_date,
    "pattern": check_pattern, "formula": check_formula, "ref": check_ref,
}


# --- bounds a column's fields imply ---

def numeric_bounds(col: Column) -> tuple[float, float]:
    quantiles = [q for q in col.quantiles or [] if not isinstance(q, str)]
    lo = col.min if col.min is not None else (quantiles[0] if quantiles else 0.0)
    hi = col.max if col.max is not None else (quantiles[-1] if quantiles else max(lo, 0.0) + DEFAULT_SPAN)
    return lo, hi


def date_bounds(col: Column) -> tuple[date, date]:
    where = f"column {col.name!r}"
    return (parse_day(col.start if col.start is not None else DEFAULT_START, f"{where}: start"),
            parse_day(col.end or DEFAULT_END, f"{where}: end"))


def after_days(col: Column) -> tuple[float, float]:
    """The fewest and most days an `after` column falls after the column it follows."""
    return col.min_days or 0, col.max_days if col.max_days is not None else DEFAULT_AFTER_DAYS


def unique_size(col: Column) -> int | None:
    """How many distinct values a unique column can take, when it is drawn from a finite range
    (or cut to a `max_length`)."""
    if col.type == "id" and col.max_length:
        if col.format == "uuid":
            return 16 ** max(col.max_length - col.max_length // 9, 0)
        digits = col.max_length - len(col.prefix or "")
        return max(10 ** digits - max(col.start if isinstance(col.start, int) else 1, 0), 0) if digits > 0 else 0
    if col.type == "pattern" and col.max_length:
        kept = (col.pattern or "")[:col.max_length]
        return min(10 ** kept.count("#") * 26 ** kept.count("?"), MAX_PERMUTATION)
    if col.type == "int":
        lo, hi = numeric_bounds(col)
        return min(int(math.floor(hi) - math.ceil(lo) + 1), MAX_PERMUTATION)
    if col.type == "float":
        lo, hi = numeric_bounds(col)
        return min(int(round((hi - lo) * 10 ** (col.decimals if col.decimals is not None else 2))) + 1, MAX_PERMUTATION)
    if col.type in ("date", "datetime") and not col.after:
        start, end = date_bounds(col)
        days = (end - start).days + 1
        return days if col.type == "date" else days * SECONDS_PER_DAY
    if col.type == "faker" and col.method in faker_methods() and faker_methods()[col.method].kind == "bool":
        return 2
    if col.type == "choice":
        return len(col.values or [])
    if col.type == "bool":
        return 2
    if col.type == "pattern":
        pattern = col.pattern or ""
        return min(10 ** pattern.count("#") * 26 ** pattern.count("?"), MAX_PERMUTATION)
    return None
