"""How cells print in each format, spreadsheet safety in CSV, and that batching never changes bytes."""

from __future__ import annotations

import gc
import io
import re
import sys
import zipfile

import pytest

from rows import BLOCK_ROWS
from schema import Schema
from testkit import COUNT_SCHEMA, GOOD_SCHEMA, SHOP, csv_columns, generate, parse_csv, parse_records, schema_of
from writers import Output, render


@pytest.mark.parametrize("decimals", [0, 1, 3])
def test_float_decimals_respected(client, decimals):
    col = {"name": "v", "type": "float", "min": -5, "max": 5, "decimals": decimals}
    values = csv_columns(generate(client, schema_of(col), 2000).content)["v"]
    for v in values:
        frac = v.split(".")[1] if "." in v else ""
        assert len(frac) <= decimals, v
        assert -5 <= float(v) <= 5
    assert any(len(v.split(".")[1]) == decimals for v in values if "." in v) or decimals == 0


def test_float_default_has_two_decimals(client):
    values = csv_columns(generate(client, schema_of({"name": "v", "type": "float", "min": 0, "max": 1000}),
                                  500).content)["v"]
    assert all(re.fullmatch(r"\d+(\.\d{1,2})?", v) for v in values), values[:5]


def test_integers_with_nulls_print_without_decimal_point_in_csv(client):
    col = {"name": "age", "type": "int", "min": 18, "max": 90, "null_rate": 0.3}
    body = generate(client, schema_of(col, {"name": "b", "type": "bool"}), 3000).content
    values = csv_columns(body)["age"]
    assert all(v == "" or re.fullmatch(r"\d+", v) for v in values), [v for v in values if "." in v][:5]
    assert b".0" not in body


@pytest.mark.parametrize("fmt", ["jsonl", "json"])
def test_integers_with_nulls_are_json_integers(client, fmt):
    col = {"name": "age", "type": "int", "min": 18, "max": 90, "null_rate": 0.3}
    records = parse_records(generate(client, schema_of(col), 2000, fmt=fmt).content, fmt)
    values = [r["age"] for r in records]
    assert None in values
    assert all(v is None or type(v) is int for v in values)


def test_bool_prints_true_false_with_p(client):
    values = csv_columns(generate(client, schema_of({"name": "b", "type": "bool", "p": 0.3}), 20_000).content)["b"]
    assert set(values) == {"true", "false"}
    assert abs(values.count("true") / len(values) - 0.3) < 0.02


def test_bool_in_json_is_boolean(client):
    records = parse_records(generate(client, schema_of({"name": "b", "type": "bool"}), 200, fmt="jsonl").content,
                            "jsonl")
    assert {type(r["b"]) for r in records} == {bool}


def test_render_batch_blocks_do_not_change_bytes():
    schema = Schema.model_validate(COUNT_SCHEMA)
    rows = 3 * BLOCK_ROWS + 17
    one = b"".join(render(schema, rows, 123, "csv", batch_blocks=1))
    three = b"".join(render(schema, rows, 123, "csv", batch_blocks=3))
    assert one == three
    assert len(parse_csv(one)[1]) == rows


def test_render_equals_http_body(client):
    schema = Schema.model_validate(GOOD_SCHEMA)
    body = generate(client, GOOD_SCHEMA, 777, seed=31).content
    assert b"".join(render(schema, 777, 31, "csv")) == body


RISKY = ["=1+2", "+SUM(A1:A2)", "-2+3+cmd|' /C calc'!A0", "@SUM(1)", "-12.5", "+1 (555) 123-4567",
         "(555) 123-4567", "plain text", "a=b"]


def test_csv_cells_are_defused(client):
    col = {"name": "v", "type": "choice", "values": RISKY}
    values = set(csv_columns(generate(client, schema_of(col), 3000).content)["v"])
    expected = {"'=1+2", "'+SUM(A1:A2)", "'-2+3+cmd|' /C calc'!A0", "'@SUM(1)", "-12.5", "+1 (555) 123-4567",
                "(555) 123-4567", "plain text", "a=b"}
    assert values == expected


def test_csv_cells_starting_with_tab_or_cr_are_defused(client):
    cols = [{"name": "n", "type": "int", "min": 1, "max": 9},
            {"name": "tab", "type": "formula", "expr": "'\\t' + str(n)"},
            {"name": "cr", "type": "formula", "expr": "'\\r' + str(n)"},
            {"name": "neg", "type": "formula", "expr": "'-' + str(n)"}]
    data = csv_columns(generate(client, schema_of(*cols), 200).content)
    for n, tab, cr, neg in zip(data["n"], data["tab"], data["cr"], data["neg"]):
        assert (tab, cr, neg) == ("'\t" + n, "'\r" + n, "-" + n)


def test_single_column_csv_writes_no_blank_lines_for_nulls(client):
    """A blank line is skipped by common CSV readers (pandas), losing the row: an empty cell alone is ""."""
    col = {"name": "s", "type": "choice", "values": ["x", "y"], "null_rate": 0.5}
    body = generate(client, schema_of(col), 200).content
    header, rows = parse_csv(body)
    assert len(rows) == 200
    assert all(len(r) == 1 for r in rows), "blank lines in the CSV"


def test_csv_pattern_cells_are_defused(client):
    values = csv_columns(generate(client, schema_of({"name": "p", "type": "pattern", "pattern": "=##"}),
                                  50).content)["p"]
    assert all(re.fullmatch(r"'=\d\d", v) for v in values), values[:3]


def test_negative_numbers_untouched_in_csv(client):
    cols = [{"name": "i", "type": "int", "min": -50, "max": -1},
            {"name": "f", "type": "float", "min": -9, "max": -1, "decimals": 2}]
    data = csv_columns(generate(client, schema_of(*cols), 500).content)
    assert all(re.fullmatch(r"-\d+", v) for v in data["i"])
    assert all(re.fullmatch(r"-\d+(\.\d{1,2})?", v) for v in data["f"])


@pytest.mark.parametrize("fmt", ["jsonl", "json"])
def test_json_cells_untouched(client, fmt):
    records = parse_records(generate(client, schema_of({"name": "v", "type": "choice", "values": RISKY}), 3000,
                                     fmt=fmt).content, fmt)
    assert {r["v"] for r in records} == set(RISKY)


# --- an output whose bytes are not all wanted lets go of its archive at once ---

@pytest.fixture
def unraisable(monkeypatch):
    """What the garbage collector could not do quietly (an archive closed onto a closed sink)."""
    seen = []
    monkeypatch.setattr(sys, "unraisablehook", seen.append)
    yield seen
    gc.collect()


@pytest.mark.parametrize("fmt", ["csv", "jsonl", "parquet"])
def test_zip_output_abandoned_after_its_first_chunk_is_closed_at_once(unraisable, fmt):
    out = Output(Schema.model_validate(SHOP), 300, 1, fmt)
    chunks = out.chunks()
    assert next(chunks).startswith(b"PK")
    chunks.close()
    assert out.writer.archive.fp is None   # closed now, not by the garbage collector
    del out, chunks
    gc.collect()
    assert not unraisable


@pytest.mark.parametrize("use", ["nothing", "first_rows", "close"])
def test_zip_output_never_written_holds_no_archive(unraisable, use):
    out = Output(Schema.model_validate(SHOP), 300, 1, "csv")
    if use == "first_rows":
        out.first_rows()
    elif use == "close":
        out.close()
    assert out.writer.archive is None
    del out
    gc.collect()
    assert not unraisable


def test_zip_output_written_whole_is_unchanged_by_closing(unraisable):
    out = Output(Schema.model_validate(SHOP), 300, 1, "csv")
    whole = b"".join(out.chunks())
    out.close()
    assert whole == b"".join(render(Schema.model_validate(SHOP), 300, 1, "csv"))
    with zipfile.ZipFile(io.BytesIO(whole)) as archive:
        assert archive.testzip() is None and len(archive.namelist()) == 4
    gc.collect()
    assert not unraisable


def test_output_counts_the_rows_it_writes_exactly(unraisable):
    out = Output(Schema.model_validate(SHOP), 300, 2, "jsonl")
    b"".join(out.chunks())
    assert out.written == out.total_rows == sum(out.plan.sizes.values())
    assert out.rows == out.plan.sizes["customers"] == 300
