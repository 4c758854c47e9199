"""Output formats: tables of rows in, bytes out, one writer class per format (FORMATS).

A writer is made for one table and called start(), write(batch) per batch, finish(): a format
with a header, a footer (Parquet) or an archive fits the same three steps. A dataset of several
visible tables is one ZIP of a file per table (CONTAINERS), or one workbook (xlsx), or one SQL
script: a container takes write(table, batch) and streams its members as they come.

Cells print the same way in every text format: integers without a decimal point, floats with
the column's decimals, ISO dates and datetimes (or the column's own `format`), booleans as
true/false, empty cells empty (CSV) or null (JSON). In CSV, a text cell a spreadsheet would run as
a formula gets a leading quote. Parquet and xlsx keep the values' types.

It does not make rows (rows.py); render() below drives a writer over the rows.
"""

from __future__ import annotations

import io
import json
import math
import re
import zipfile
from collections.abc import Iterator
from datetime import date, datetime

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from cells import DEFAULT_DECIMALS, fixed_decimals, format_datetime
from columns import Column
from errors import SchemaError, clip
from rows import BLOCK_ROWS, check_sizes, dataset_batches, formula_decimals, plan, prefetched
from schema import Schema, Table

FORMULA_START = re.compile(r"^[=+\-@\t\r]")
SAFE_SIGNED = re.compile(r"^[+-]?[0-9 ().-]+(x[0-9]+)?$")  # numbers and phone numbers run nothing
FORMULA_FIRST_BYTE = np.zeros(256, dtype=bool)
FORMULA_FIRST_BYTE[np.frombuffer(b"=+-@\t\r", dtype=np.uint8)] = True
XLSX_MAX_ROWS = 1_048_576       # Excel's rows per sheet, the header included
ZIP_DATE = (2025, 1, 1, 0, 0, 0)  # a fixed time in the archive: the same seed gives the same bytes


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


def decimals_of(col: Column) -> int:
    if col.type == "formula":
        return formula_decimals(col) or (col.decimals if col.decimals is not None else DEFAULT_DECIMALS)
    return col.decimals if col.decimals is not None else DEFAULT_DECIMALS


def output_column(col: Column, values: pa.Array) -> pa.Array:
    """The cells as written in text: fixed decimals for floats, ISO text (or the column's own
    format) for dates and datetimes."""
    t = values.type
    if pa.types.is_floating(t):
        return fixed_decimals(values, decimals_of(col))
    if col.format and col.type in ("date", "datetime") and (pa.types.is_timestamp(t) or pa.types.is_date32(t)):
        return formatted_dates(values, col.format)
    if pa.types.is_timestamp(t):
        return format_datetime(values)
    return values


UNPADDED = "\x01"   # marks a %-d field while formatting: its leading zero is then dropped


def formatted_dates(values: pa.Array, fmt: str) -> pa.Array:
    """Dates in a strftime format; %-d, %-m, %-H (no leading zero) are not in Arrow's strftime, so
    they are written padded, marked, and unpadded after."""
    text = pc.strftime(pc.cast(values, pa.timestamp("s")), format=fmt.replace("%-", UNPADDED + "%"), locale="C")
    if "%-" not in fmt:
        return text
    text = pc.replace_substring_regex(text, pattern=UNPADDED + "0(\\d)", replacement="\\1")
    return pc.replace_substring(text, UNPADDED, "")


def json_strings(values: pa.Array) -> pa.Array:
    """Strings as JSON string literals; Python's json handles any control character."""
    if pc.any(pc.match_substring_regex(values, r"[\x00-\x1f]").fill_null(False)).as_py():
        return pa.array([None if v is None else json.dumps(v, ensure_ascii=False) for v in values.to_pylist()])
    escaped = pc.replace_substring(pc.replace_substring(values, "\\", "\\\\"), '"', '\\"')
    return pc.binary_join_element_wise('"', escaped, '"', "")


def json_rows(columns: list[Column], batch: pa.Table) -> list[str]:
    """Each row as one JSON object, assembled column-wise with Arrow's string kernels."""
    parts = []
    for col, values in zip(columns, batch.columns):
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


# --- writers of one table, one per format ---

class Writer:
    """Bytes for one table's rows: start(), then write(batch) per batch in order, then finish()."""

    media_type = "application/octet-stream"
    extension = "bin"

    def __init__(self, table: Table, rows: int = 0):
        self.table = table
        self.columns = table.visible()
        self.rows = rows
        self.batches = 0

    def start(self) -> bytes:
        return b""

    def write(self, batch: pa.Table) -> bytes:
        out = self.encode(batch)
        self.batches += 1
        return out

    def encode(self, batch: pa.Table) -> bytes:
        raise NotImplementedError

    def finish(self) -> bytes:
        return b""


class CsvWriter(Writer):
    """RFC 4180 with a header row; strings quoted only where needed."""

    media_type = "text/csv; charset=utf-8"
    extension = "csv"

    def encode(self, batch: pa.Table) -> bytes:
        columns = []
        for col, values in zip(self.columns, batch.columns):
            values = output_column(col, values.combine_chunks())
            if pa.types.is_string(values.type) and col.type != "datetime":
                values = neutralise(values)
            columns.append(values)
        if len(columns) == 1 and columns[0].null_count:
            # one column: an empty cell would be a blank line, which readers skip; write "" instead
            columns[0] = pc.cast(columns[0], pa.string()).fill_null("")
        names = [neutralise(pa.array([c.name])).to_pylist()[0] for c in self.columns]
        sink = io.BytesIO()
        pacsv.write_csv(pa.table(columns, names=names), sink,
                        pacsv.WriteOptions(include_header=self.batches == 0, quoting_style="needed"))
        return sink.getvalue()


class JsonLinesWriter(Writer):
    """One JSON object per line."""

    media_type = "application/x-ndjson"
    extension = "jsonl"

    def encode(self, batch: pa.Table) -> bytes:
        return ("\n".join(json_rows(self.columns, batch)) + "\n").encode()


class JsonWriter(Writer):
    """One JSON array of objects, one object per line."""

    media_type = "application/json"
    extension = "json"

    def encode(self, batch: pa.Table) -> bytes:
        return (("[\n" if self.batches == 0 else ",\n") + ",\n".join(json_rows(self.columns, batch))).encode()

    def finish(self) -> bytes:
        return b"\n]\n" if self.batches else b"[]\n"


class Sink(io.RawIOBase):
    """A write-only stream whose bytes are taken as they come: for writers that want a file."""

    def __init__(self) -> None:
        self.buffer = bytearray()
        self.position = 0

    def writable(self) -> bool:
        return True

    def write(self, data: bytes) -> int:  # type: ignore[override]
        self.buffer += data
        self.position += len(data)
        return len(data)

    def tell(self) -> int:
        return self.position

    def take(self) -> bytes:
        out = bytes(self.buffer)
        self.buffer.clear()
        return out


def parquet_column(col: Column, values: pa.Array) -> pa.Array:
    """Typed cells: floats rounded to the column's decimals, timestamps in seconds."""
    if pa.types.is_floating(values.type):
        return pc.round(values, ndigits=decimals_of(col))
    if pa.types.is_null(values.type):
        return values.cast(pa.string())
    return values


class ParquetWriter(Writer):
    """Typed columns (integers, floats, dates, timestamps, booleans, strings); a row group per
    batch, streamed as it is written; the footer at the end."""

    media_type = "application/vnd.apache.parquet"
    extension = "parquet"

    def __init__(self, table: Table, rows: int = 0):
        super().__init__(table, rows)
        self.sink = Sink()
        self.parquet: pq.ParquetWriter | None = None

    def encode(self, batch: pa.Table) -> bytes:
        columns = [parquet_column(col, values.combine_chunks()) for col, values in zip(self.columns, batch.columns)]
        typed = pa.table(columns, names=[c.name for c in self.columns])
        if self.parquet is None:
            self.parquet = pq.ParquetWriter(self.sink, typed.schema, compression="zstd")
        self.parquet.write_table(typed.cast(self.parquet.schema))
        return self.sink.take()

    def finish(self) -> bytes:
        if self.parquet is not None:
            self.parquet.close()
        return self.sink.take()


FORMATS: dict[str, type[Writer]] = {"csv": CsvWriter, "jsonl": JsonLinesWriter, "json": JsonWriter,
                                    "parquet": ParquetWriter}


# --- containers: several tables in one answer ---

class Container:
    """Bytes for several tables: start(), write(table, batch) with each table's batches in
    order and tables parents first, finish()."""

    media_type = "application/octet-stream"
    extension = "bin"

    def __init__(self, schema: Schema, tables: list[Table], sizes: dict[str, int], fmt: str, dialect: str):
        self.schema, self.tables, self.sizes, self.fmt, self.dialect = schema, tables, sizes, fmt, dialect

    def start(self) -> bytes:
        return b""

    def write(self, table: str, batch: pa.Table) -> bytes:
        raise NotImplementedError

    def finish(self) -> bytes:
        return b""

    def close(self) -> None:
        """Let go of what the container holds when its output is abandoned (a client hung up,
        a database refused the rows, only the first rows were asked for); after finish() it
        does nothing."""


class ZipContainer(Container):
    """A ZIP with `<table>.<ext>` per visible table, each written by its one-table writer and
    streamed as it grows (entries with data descriptors, so no seeking back)."""

    media_type = "application/zip"
    extension = "zip"

    def __init__(self, *args: object, **kwargs: object):
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.sink = Sink()
        self.archive: zipfile.ZipFile | None = None   # opened by the first write: an unused output holds none
        self.current: tuple[str, Writer, io.BufferedIOBase] | None = None

    def open(self, name: str) -> tuple[str, Writer, io.BufferedIOBase]:
        self.close_member()
        if self.archive is None:
            self.archive = zipfile.ZipFile(self.sink, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1)
        table = next(t for t in self.tables if t.name == name)
        writer = FORMATS[self.fmt](table, self.sizes.get(name, 0))
        info = zipfile.ZipInfo(f"{name}.{writer.extension}", date_time=ZIP_DATE)
        info.compress_type = zipfile.ZIP_DEFLATED
        member = self.archive.open(info, "w", force_zip64=True)
        member.write(writer.start())
        self.current = (name, writer, member)  # type: ignore[assignment]
        return self.current  # type: ignore[return-value]

    def close_member(self) -> None:
        if self.current is not None:
            _, writer, member = self.current
            member.write(writer.finish())
            member.close()
            self.current = None

    def write(self, table: str, batch: pa.Table) -> bytes:
        current = self.current if self.current and self.current[0] == table else self.open(table)
        current[2].write(current[1].write(batch))
        return self.sink.take()

    def finish(self) -> bytes:
        self.close_member()
        if self.archive is None:  # no table had a batch: an empty archive
            self.archive = zipfile.ZipFile(self.sink, "w")
        self.archive.close()
        return self.sink.take()

    def close(self) -> None:
        """An archive left half written is closed now, its bytes dropped: else the garbage
        collector closes it later, writing to a sink that may already be gone."""
        if self.archive is None or self.archive.fp is None:
            return
        try:
            if self.current is not None:
                self.current[2].close()
                self.current = None
            self.archive.close()
        finally:
            self.sink.take()


class XlsxContainer(Container):
    """A workbook with one sheet per table, values typed; Excel holds at most 1,048,576 rows a
    sheet, so a larger table is refused before the first byte."""

    media_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    extension = "xlsx"

    def __init__(self, *args: object, **kwargs: object):
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        from openpyxl import Workbook

        for table in self.tables:
            if self.sizes.get(table.name, 0) + 1 > XLSX_MAX_ROWS:
                raise SchemaError(f"xlsx holds at most {XLSX_MAX_ROWS - 1:,} rows a sheet; table {table.name!r} "
                                  f"has {self.sizes[table.name]:,}: ask for fewer rows or another format",
                                  field="rows")
        self.book = Workbook(write_only=True)
        self.sheets: dict[str, object] = {}

    def write(self, table: str, batch: pa.Table) -> bytes:
        spec = next(t for t in self.tables if t.name == table)
        columns = spec.visible()
        if table not in self.sheets:
            sheet = self.book.create_sheet(title=table[:31])
            sheet.append([c.name for c in columns])
            self.sheets[table] = sheet
        sheet = self.sheets[table]
        cells = [xlsx_cells(col, values.combine_chunks()) for col, values in zip(columns, batch.columns)]
        for row in zip(*cells):
            sheet.append(list(row))  # type: ignore[attr-defined]
        return b""

    def finish(self) -> bytes:
        out = io.BytesIO()
        self.book.save(out)
        return out.getvalue()


def xlsx_cells(col: Column, values: pa.Array) -> list[object]:
    """Python values for openpyxl: numbers, booleans, dates and datetimes stay typed; text that
    a spreadsheet would run as a formula gets a leading quote, as in CSV."""
    if pa.types.is_floating(values.type):
        digits = decimals_of(col)
        return [None if v is None else round(v, digits) for v in values.to_pylist()]
    if pa.types.is_string(values.type):
        return [None if v is None else v for v in neutralise(values).to_pylist()]
    out = values.to_pylist()
    if pa.types.is_timestamp(values.type):
        return [None if v is None else (v if isinstance(v, datetime) else v) for v in out]
    if pa.types.is_date32(values.type):
        return [None if v is None else (v if isinstance(v, date) else v) for v in out]
    return out


CONTAINERS: dict[str, type[Container]] = {"xlsx": XlsxContainer}   # formats that hold several tables themselves


def sql_container() -> type[Container]:
    """The SQL script writer lives with the database code, loaded when SQL is asked for."""
    from database import SqlContainer

    return SqlContainer


def format_names() -> list[str]:
    return [*FORMATS, *CONTAINERS, "sql"]


# --- rendering a request ---

class Output:
    """What one request writes: which tables, in which writer, with which name and media type."""

    def __init__(self, schema: Schema, rows: int, seed: int, fmt: str, table: str | None = None,
                 locale: str | None = None, dialect: str = "postgres"):
        if fmt not in format_names():
            raise SchemaError(f"format {clip(fmt, 20)!r} is not one of {', '.join(format_names())}", field="format")
        if table is not None and not schema.has_table(table):
            raise SchemaError(f"table {clip(table, 40)!r} is not in this dataset (its tables: "
                              f"{', '.join(t.name for t in schema.tables or [])})", field="table")
        self.schema, self.fmt, self.asked = schema, fmt, table
        self.plan = plan(schema, rows, seed, locale)
        check_sizes(self.plan)
        self.tables = [schema.table(table)] if table else schema.visible_tables()
        self.single = len(self.tables) == 1 and fmt in FORMATS
        self.written = 0    # rows written so far, of every table in this output
        if self.single:
            self.writer: Writer | Container = FORMATS[fmt](self.tables[0], self.plan.sizes[self.tables[0].name])
        else:
            container = sql_container() if fmt == "sql" else CONTAINERS.get(fmt, ZipContainer)
            self.writer = container(schema, self.tables, self.plan.sizes, fmt, dialect)

    @property
    def media_type(self) -> str:
        return self.writer.media_type

    @property
    def filename(self) -> str:
        return f"{self.asked or self.schema.name}.{self.writer.extension}"

    @property
    def rows(self) -> int:
        """The exact rows of the table this output is about: the one asked for, else the main
        table (made per parent, it has about the rows asked, not exactly)."""
        return self.plan.sizes[self.asked or self.schema.main_table().name]

    @property
    def total_rows(self) -> int:
        """The exact rows of every table written."""
        return sum(self.plan.sizes[t.name] for t in self.tables)

    def blocks(self) -> int:
        """How many blocks this output writes, for a time estimate from the first one."""
        return sum(max(1, math.ceil(self.plan.sizes[t.name] / BLOCK_ROWS)) for t in self.tables)

    def first_rows(self) -> None:
        """Make each table's first block, as /check does: what fails in it fails here."""
        for table in self.tables:
            if self.plan.sizes[table.name]:
                self.plan.maker(table.name).table_block(0)

    def chunks(self, batch_blocks: int = 1) -> Iterator[bytes]:
        """The bytes; the first chunk holds the first batch, so whatever can fail fails before
        a caller sends anything."""
        batches = prefetched(dataset_batches(self.plan, [t.name for t in self.tables], batch_blocks))
        try:
            first = next(batches, None)
            head = self.writer.start()
            if first is not None:
                head += self.write(*first)
            yield head
            for name, batch in batches:
                yield self.write(name, batch)
            yield self.writer.finish()
        finally:  # also when the caller stops early or a batch fails
            batches.close()
            self.close()

    def write(self, name: str, batch: pa.Table) -> bytes:
        self.written += batch.num_rows
        if isinstance(self.writer, Writer):
            return self.writer.write(batch)
        return self.writer.write(name, batch)

    def close(self) -> None:
        """Let go of the writer's resources; for an output whose bytes are not (all) wanted."""
        if isinstance(self.writer, Container):
            self.writer.close()


def render(schema: Schema, rows: int, seed: int, fmt: str = "csv", batch_blocks: int = 1,
           locale: str | None = None, table: str | None = None, dialect: str = "postgres") -> Iterator[bytes]:
    """The output bytes, a batch of blocks at a time; batching never changes the bytes."""
    return Output(schema, rows, seed, fmt, table, locale, dialect).chunks(batch_blocks)
