"""What a cell may hold and how it prints: the bounds on numbers and dates every module shares,
date bounds as people write them (`2024-01-01`, `today`, `-5y`), and the text of a cell (fixed
decimals, ISO datetimes), made from whole Arrow arrays at once.

It does not decide column types or formats; the schema, the formulas and the writers do that.
"""

from __future__ import annotations

import functools
import re
from datetime import date, timedelta

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from errors import SchemaError, clip

MAX_ABS_NUMBER = 1e15           # larger bounds lose cents in float64 and overflow decimal output
MAX_DECIMALS = 10
MAX_DAYS_OFFSET = 366 * 200     # relative dates and "after" offsets stay within two centuries
MIN_DATE = date(1900, 1, 1)
MAX_DATE = date(2100, 12, 31)
EPOCH_DAY = date(1970, 1, 1)
DEFAULT_DECIMALS = 2
RELATIVE_DATE = re.compile(r"^([+-])(\d{1,6})([dwmy])$")
ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?)?$")
DAYS_PER_UNIT = {"d": 1, "w": 7, "m": 30.4375, "y": 365.25}
SECONDS_PER_DAY = 86_400


def text_ok(text: str, what: str, limit: int) -> str:
    """Text from outside: within its length and encodable (no lone surrogates)."""
    if len(text) > limit:
        raise SchemaError(f"{what} is longer than {limit} characters")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise SchemaError(f"{what} {clip(text.encode('utf-8', 'replace').decode(), 40)!r} is not valid Unicode") from None
    return text


def parse_day(value: str | int | None, what: str) -> date:
    """A date bound: YYYY-MM-DD (a time part is ignored), `today`, or relative like -5y, +30d."""
    if value is None:
        raise SchemaError(f"{what} is required")
    text = str(value).strip()
    today = date.today()
    if text in ("today", "now"):
        return today
    rel = RELATIVE_DATE.match(text)
    if rel:
        days = int(rel.group(2)) * DAYS_PER_UNIT[rel.group(3)]
        if days > MAX_DAYS_OFFSET:
            raise SchemaError(f"{what} {clip(text, 20)!r} is more than 200 years away")
        day = today + timedelta(days=round(days) * (1 if rel.group(1) == "+" else -1))
    else:
        try:
            if not ISO_DATE.match(text):
                raise ValueError(text)
            day = date.fromisoformat(text[:10])
        except ValueError:
            raise SchemaError(f"{what} {clip(text, 40)!r} is not YYYY-MM-DD, 'today' or like '-5y'") from None
    if not MIN_DATE <= day <= MAX_DATE:
        raise SchemaError(f"{what} {clip(text, 20)!r} is outside {MIN_DATE}..{MAX_DATE}")
    return day


def fixed_decimals(values: pa.Array, decimals: int) -> pa.Array:
    """Floats as decimals that print with exactly `decimals` digits (12.50), unquoted in CSV."""
    rounded = pc.round(pc.cast(values, pa.float64()), ndigits=decimals)
    return pc.cast(rounded, pa.decimal128(38, decimals), safe=False)


def format_fixed(values: pa.Array, decimals: int) -> pa.Array:
    return pc.cast(fixed_decimals(values, decimals), pa.string())


@functools.cache
def times_of_day() -> pa.Array:
    """Every HH:MM:SS of a day, made on first use (building an Arrow array at import loads pandas)."""
    return pa.array([f"{s // 3600:02d}:{s // 60 % 60:02d}:{s % 60:02d}" for s in range(SECONDS_PER_DAY)])


def format_datetime(values: pa.Array) -> pa.Array:
    """YYYY-MM-DDTHH:MM:SS from lookup tables of day strings and times of day."""
    seconds = pc.cast(pc.cast(values, pa.timestamp("s")), pa.int64()).fill_null(0).to_numpy(zero_copy_only=False)
    valid = values.is_valid().to_numpy(zero_copy_only=False)
    days, secs = np.divmod(seconds, SECONDS_PER_DAY)
    first = int(days.min()) if len(days) else 0
    table = pa.array(np.datetime_as_string(np.arange(first, int(days.max(initial=first)) + 1).astype("datetime64[D]")))
    text = pc.binary_join_element_wise(table.take(pa.array(days - first)), times_of_day().take(pa.array(secs)), "T")
    return pc.if_else(pa.array(valid), text, pa.scalar(None, pa.string()))
