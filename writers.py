"""Output formats: tables of rows in, bytes out, one writer class per format (FORMATS).

A writer is made for one schema and called start(), write(table) per batch, finish(): a format
with a header, a footer or a container fits the same three steps. Cells print the same way in
every format: integers without a decimal point, floats with the column's decimals, ISO dates and
datetimes, booleans as true/false, empty cells empty (CSV) or null (JSON). In CSV, a text cell a
spreadsheet would run as a formula gets a leading quote.

It does not make rows (rows.py); render() below drives a writer over rows.tables().
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Iterator

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from cells import DEFAULT_DECIMALS, fixed_decimals, format_datetime
from errors import SchemaError, clip
from rows import tables
from schema import Column, Schema

FORMULA_START = re.compile(r"^[=+\-@\t\r]")
SAFE_SIGNED = re.compile(r"^[+-]?[0-9 ().-]+(x[0-9]+)?$")  # numbers and phone numbers run nothing
FORMULA_FIRST_BYTE = np.zeros(256, dtype=bool)
FORMULA_FIRST_BYTE[np.frombuffer(b"=+-@\t\r", dtype=np.uint8)] = True


# --- cells as text ---

def first_bytes(values: pa.Array) -> np.ndarray:
    """The first byte of every string, read from Arrow's buffers: 0 for empty and null cells."""
    _, offsets_buf, data_buf = values.buffers()
    offsets = np.frombuffer(offsets_buf, dtype=np.int32)[values.offset:values.offset + len(values) + 1]
    if data_buf is None or not len(offsets) or offsets[-1] == offsets[0]:
        return np.zeros(len(values), dtype=np.uint8)
    data = np.frombuffer(data_buf, dtype=np.uint8)
    starts = offsets[:-1]
    return np.where(np.diff(offsets) > 0, data[np.minimum(starts, len(data) - 1)], 0)


def neutralise(values: pa.Array) -> pa.Array:
    """A text cell a spreadsheet would run as a formula gets a leading quote; numbers stay."""
    if values.type == pa.string() and not FORMULA_FIRST_BYTE[first_bytes(values)].any():
        return values  # the common case, decided from the buffers without a regex
    risky = pc.match_substring_regex(values, FORMULA_START.pattern).fill_null(False)
    if not pc.any(risky).as_py():
        return values
    risky = pc.and_(risky, pc.invert(pc.match_substring_regex(values, SAFE_SIGNED.pattern).fill_null(False)))
    return pc.if_else(risky, pc.binary_join_element_wise("'", values, ""), values)


def output_column(col: Column, values: pa.Array) -> pa.Array:
    """The cells as written: fixed decimals for floats, ISO text for datetimes."""
    t = values.type
    if pa.types.is_floating(t):
        return fixed_decimals(values, col.decimals if col.decimals is not None else DEFAULT_DECIMALS)
    if pa.types.is_timestamp(t):
        return format_datetime(values)
    return values


def json_strings(values: pa.Array) -> pa.Array:
    """Strings as JSON string literals; Python's json handles any control character."""
    if pc.any(pc.match_substring_regex(values, r"[\x00-\x1f]").fill_null(False)).as_py():
        return pa.array([None if v is None else json.dumps(v, ensure_ascii=False) for v in values.to_pylist()])
    escaped = pc.replace_substring(pc.replace_substring(values, "\\", "\\\\"), '"', '\\"')
    return pc.binary_join_element_wise('"', escaped, '"', "")


def json_rows(schema: Schema, table: pa.Table) -> list[str]:
    """Each row as one JSON object, assembled column-wise with Arrow's string kernels."""
    parts = []
    for col, values in zip(schema.visible(), table.columns):
        values = values.combine_chunks()
        text = output_column(col, values)
        if pa.types.is_boolean(values.type):
            text = pc.if_else(values, "true", "false")
        elif pa.types.is_string(text.type):
            text = json_strings(text)
        elif pa.types.is_date32(values.type):
            text = json_strings(pc.cast(values, pa.string()))
        else:
            text = pc.cast(text, pa.string())
        key = json.dumps(col.name, ensure_ascii=False) + ":"
        parts.append(pc.binary_join_element_wise(key, text.fill_null("null"), ""))
    rows = pc.binary_join_element_wise(*parts, ",") if len(parts) > 1 else parts[0]
    return pc.binary_join_element_wise("{", rows, "}", "").to_pylist()


# --- writers, one per format ---

class Writer:
    """Bytes for one schema's rows: start(), then write(table) per batch in order, then finish()."""

    media_type = "application/octet-stream"
    extension = "bin"

    def __init__(self, schema: Schema):
        self.schema = schema
        self.batches = 0

    def start(self) -> bytes:
        return b""

    def write(self, table: pa.Table) -> bytes:
        out = self.encode(table)
        self.batches += 1
        return out

    def encode(self, table: pa.Table) -> bytes:
        raise NotImplementedError

    def finish(self) -> bytes:
        return b""


class CsvWriter(Writer):
    """RFC 4180 with a header row; strings quoted only where needed."""

    media_type = "text/csv; charset=utf-8"
    extension = "csv"

    def encode(self, table: pa.Table) -> bytes:
        columns = []
        for col, values in zip(self.schema.visible(), table.columns):
            values = output_column(col, values.combine_chunks())
            if pa.types.is_string(values.type) and col.type != "datetime":
                values = neutralise(values)
            columns.append(values)
        if len(columns) == 1 and columns[0].null_count:
            # one column: an empty cell would be a blank line, which readers skip; write "" instead
            columns[0] = pc.cast(columns[0], pa.string()).fill_null("")
        names = [neutralise(pa.array([c.name])).to_pylist()[0] for c in self.schema.visible()]
        sink = io.BytesIO()
        pacsv.write_csv(pa.table(columns, names=names), sink,
                        pacsv.WriteOptions(include_header=self.batches == 0, quoting_style="needed"))
        return sink.getvalue()


class JsonLinesWriter(Writer):
    """One JSON object per line."""

    media_type = "application/x-ndjson"
    extension = "jsonl"

    def encode(self, table: pa.Table) -> bytes:
        return ("\n".join(json_rows(self.schema, table)) + "\n").encode()


class JsonWriter(Writer):
    """One JSON array of objects, one object per line."""

    media_type = "application/json"
    extension = "json"

    def encode(self, table: pa.Table) -> bytes:
        return (("[\n" if self.batches == 0 else ",\n") + ",\n".join(json_rows(self.schema, table))).encode()

    def finish(self) -> bytes:
        return b"\n]\n"


FORMATS: dict[str, type[Writer]] = {"csv": CsvWriter, "jsonl": JsonLinesWriter, "json": JsonWriter}


def writer_for(fmt: str, schema: Schema) -> Writer:
    if fmt not in FORMATS:
        raise SchemaError(f"format {clip(fmt, 20)!r} is not one of {', '.join(FORMATS)}")
    return FORMATS[fmt](schema)


def render(schema: Schema, rows: int, seed: int, fmt: str = "csv", batch_blocks: int = 1,
           locale: str | None = None) -> Iterator[bytes]:
    """The output bytes, a batch of blocks at a time; batching never changes the bytes. The first
    chunk holds the first batch, so whatever can fail fails before a caller sends anything."""
    writer = writer_for(fmt, schema)
    batches = tables(schema, rows, seed, batch_blocks, locale)
    yield writer.start() + writer.write(next(batches))
    for table in batches:
        yield writer.write(table)
    yield writer.finish()
