"""Datasets of several tables: keys that join in 100% of rows, children per parent within their
bounds, reads through refs, hidden tables, and the outputs of a dataset (ZIP, xlsx, Parquet,
one table by name) (shared/CONTRACT.md, "Datasets of several tables")."""

from __future__ import annotations

import copy
import csv
import io
import json
import zipfile
from collections import Counter
from datetime import date

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from rows import main_rows, plan
from schema import load_schema
from testkit import SHOP

READINGS = {
    "name": "machine_readings",
    "tables": [
        {"name": "machines", "rows": 20, "hidden": True, "columns": [
            {"name": "machine_id", "type": "id", "prefix": "M-", "width": 3},
            {"name": "model", "type": "choice", "values": ["X100", "X200", "Z9"]},
            {"name": "rated_temp", "type": "int", "min": 60, "max": 90}]},
        {"name": "readings", "columns": [
            {"name": "machine_id", "type": "ref", "table": "machines"},
            {"name": "model", "type": "formula", "expr": "machine_id.model"},
            {"name": "read_at", "type": "datetime", "start": "2025-01-01", "end": "2025-01-02", "step": "15m",
             "per": "machine_id"},
            {"name": "temp", "type": "formula", "expr": "round(machine_id.rated_temp + normal(0, 2), 1)"}]},
    ],
}


def zip_tables(content: bytes) -> dict[str, list[dict[str, str]]]:
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        return {name.rsplit(".", 1)[0]: list(csv.DictReader(io.StringIO(archive.read(name).decode())))
                for name in archive.namelist()}


@pytest.fixture(scope="module")
def shop(tmp_path_factory):
    """The contract's shop example made once: 1,000 customers and their orders and items."""
    from fastapi.testclient import TestClient

    import main
    settings = main.Settings(_env_file=None, schema_cache=tmp_path_factory.mktemp("c") / "s.json", designer="offline")
    with TestClient(main.create_app(settings)) as c:
        answer = c.post("/generate", json={"schema": SHOP, "seed": 5})
        assert answer.status_code == 200, answer.text
        assert answer.headers["content-type"] == "application/zip"
        return zip_tables(answer.content)


def test_dataset_zip_has_one_csv_per_visible_table(shop):
    assert set(shop) == {"customers", "products", "orders", "order_items"}
    assert len(shop["customers"]) == 1000 and len(shop["products"]) == 2


def test_every_ref_value_exists_in_its_table(shop):
    customers = {r["customer_id"] for r in shop["customers"]}
    orders = {r["order_id"] for r in shop["orders"]}
    products = {r["product_id"] for r in shop["products"]}
    assert all(r["customer_id"] in customers for r in shop["orders"])
    assert all(r["order_id"] in orders for r in shop["order_items"])
    assert all(r["product_id"] in products for r in shop["order_items"])


def test_children_per_parent_stay_within_min_and_max(shop):
    per_customer = Counter(r["customer_id"] for r in shop["orders"])
    assert max(per_customer.values()) <= 8
    assert 1.8 <= len(shop["orders"]) / len(shop["customers"]) <= 2.2   # the mean asked for
    per_order = Counter(r["order_id"] for r in shop["order_items"])
    assert set(per_order) == {r["order_id"] for r in shop["orders"]}   # min 1: every order has items
    assert 1 <= min(per_order.values()) and max(per_order.values()) <= 5


def test_children_of_one_parent_are_consecutive_and_keys_are_unique(shop):
    ids = [r["order_id"] for r in shop["orders"]]
    assert len(ids) == len(set(ids))
    owners = [r["customer_id"] for r in shop["orders"]]
    assert owners == sorted(owners, key=int)


def test_after_reads_the_parent_row_through_the_ref(shop):
    signup = {r["customer_id"]: date.fromisoformat(r["signup_date"]) for r in shop["customers"]}
    for r in shop["orders"]:
        gap = (date.fromisoformat(r["order_date"]) - signup[r["customer_id"]]).days
        assert 0 <= gap <= 365


def test_formula_reads_a_data_table_through_the_ref(shop):
    price = {r["product_id"]: float(r["price"]) for r in shop["products"]}
    for r in shop["order_items"]:
        assert float(r["unit_price"]) == price[r["product_id"]]
        assert abs(float(r["line_total"]) - round(int(r["quantity"]) * float(r["unit_price"]), 2)) < 1e-9


def test_zipf_ref_favours_a_few_rows(shop):
    counts = Counter(r["product_id"] for r in shop["order_items"])
    assert counts.most_common(1)[0][1] > 0.55 * len(shop["order_items"])


def test_one_table_by_name_is_the_same_bytes_as_its_file_in_the_zip(client):
    whole = client.post("/generate", json={"schema": SHOP, "seed": 9, "rows": 300})
    one = client.post("/generate", json={"schema": SHOP, "seed": 9, "rows": 300, "table": "orders"})
    assert one.status_code == 200 and one.headers["content-type"].startswith("text/csv")
    assert 'filename="orders.csv"' in one.headers["content-disposition"]
    with zipfile.ZipFile(io.BytesIO(whole.content)) as archive:
        assert archive.read("orders.csv") == one.content


def test_dataset_with_the_same_seed_is_byte_identical(client):
    first = client.post("/generate", json={"schema": SHOP, "seed": 3, "rows": 200, "format": "jsonl"})
    second = client.post("/generate", json={"schema": SHOP, "seed": 3, "rows": 200, "format": "jsonl"})
    assert first.content == second.content


def test_unknown_table_name_is_a_422(client):
    answer = client.post("/generate", json={"schema": SHOP, "table": "invoices"})
    assert answer.status_code == 422 and "invoices" in answer.json()["detail"]
    assert answer.json()["field"] == "table"


def test_hidden_entity_table_makes_one_csv_whose_entities_recur(client):
    answer = client.post("/generate", json={"schema": READINGS, "rows": 1000, "seed": 2})
    assert answer.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(answer.text)))
    assert len(rows) == 1000
    assert len({r["machine_id"] for r in rows}) == 20
    models = {}
    for r in rows:  # each machine keeps its own attributes on every one of its rows
        assert models.setdefault(r["machine_id"], r["model"]) == r["model"]


def test_time_series_steps_exactly_per_entity():
    schema = load_schema(READINGS, 200)
    table = main_rows(schema, 100_000, 4)
    ids = table.column("machine_id").to_pylist()
    times = table.column("read_at").to_pylist()
    series: dict[str, list] = {}
    for machine, at in zip(ids, times):
        series.setdefault(machine, []).append(at)
    assert len(series) == 20
    for stamps in series.values():
        assert all((b - a).total_seconds() == 900 for a, b in zip(stamps, stamps[1:]))
        assert stamps[0].minute % 15 == 0 and stamps[0].second == 0


def test_main_per_table_scales_its_parents_to_about_the_rows_asked():
    schema = copy.deepcopy(SHOP)
    schema["main"] = "orders"
    sizes = plan(load_schema(schema, 200), 10_000, 1).sizes
    assert 9_000 <= sizes["orders"] <= 11_000
    assert sizes["customers"] == 5_000 and sizes["products"] == 2


def test_distinct_refs_never_repeat_within_a_parent():
    schema = load_schema({"tables": [
        {"name": "students", "rows": 300, "columns": [{"name": "student_id", "type": "id"}]},
        {"name": "courses", "rows": 12, "columns": [{"name": "course_id", "type": "id"}]},
        {"name": "enrollments", "per": {"table": "students", "min": 1, "max": 12}, "columns": [
            {"name": "student_id", "type": "ref", "table": "students"},
            {"name": "course_id", "type": "ref", "table": "courses", "distinct": True}]}]}, 200)
    enrolled = plan(schema, 300, 1).maker("enrollments").table_block(0)
    pairs = list(zip(enrolled.column("student_id").to_pylist(), enrolled.column("course_id").to_pylist()))
    assert len(pairs) == len(set(pairs))
    assert {c for _, c in pairs} == set(range(1, 13))


def test_parquet_keeps_column_types(client):
    schema = {"name": "typed", "columns": [
        {"name": "n", "type": "int", "min": 1, "max": 9}, {"name": "x", "type": "float", "min": 0, "max": 1, "decimals": 3},
        {"name": "d", "type": "date", "start": "2024-01-01", "end": "2024-12-31"},
        {"name": "t", "type": "datetime", "start": "2024-01-01", "end": "2024-12-31"},
        {"name": "b", "type": "bool"}, {"name": "s", "type": "faker", "method": "first_name", "null_rate": 0.2}]}
    answer = client.post("/generate", json={"schema": schema, "rows": 70_000, "seed": 1, "format": "parquet"})
    assert answer.status_code == 200
    table = pq.read_table(io.BytesIO(answer.content))
    types = {f.name: f.type for f in table.schema}
    assert types["n"] == pa.int64() and types["x"] == pa.float64() and types["d"] == pa.date32()
    assert pa.types.is_timestamp(types["t"]) and types["b"] == pa.bool_() and types["s"] == pa.string()
    assert table.num_rows == 70_000 and table.column("s").null_count > 10_000


def test_dataset_parquet_is_a_zip_of_parquet_files(client):
    answer = client.post("/generate", json={"schema": SHOP, "rows": 50, "seed": 1, "format": "parquet"})
    with zipfile.ZipFile(io.BytesIO(answer.content)) as archive:
        assert sorted(archive.namelist()) == sorted(f"{t}.parquet" for t in ("customers", "products", "orders",
                                                                             "order_items"))
        orders = pq.read_table(io.BytesIO(archive.read("orders.parquet")))
    assert orders.column("order_date").type == pa.date32()


def test_xlsx_has_one_sheet_per_table_and_opens(client):
    from openpyxl import load_workbook
    answer = client.post("/generate", json={"schema": SHOP, "rows": 40, "seed": 1, "format": "xlsx"})
    assert answer.status_code == 200
    book = load_workbook(io.BytesIO(answer.content), read_only=True)
    assert book.sheetnames == ["customers", "products", "orders", "order_items"]
    sheet = book["customers"]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == ("customer_id", "email", "signup_date") and len(rows) == 41
    assert isinstance(rows[1][0], int)


def test_xlsx_past_excel_rows_is_a_422_before_any_byte(tmp_path):
    from fastapi.testclient import TestClient

    import main
    settings = main.Settings(_env_file=None, schema_cache=tmp_path / "s.json", designer="offline", max_rows=2_000_000)
    with TestClient(main.create_app(settings)) as c:
        schema = {"columns": [{"name": "n", "type": "int", "min": 1, "max": 9}]}
        answer = c.post("/generate", json={"schema": schema, "rows": 1_048_576, "format": "xlsx"})
    assert answer.status_code == 422 and "1,048,575" in answer.json()["detail"]


@pytest.mark.parametrize("change, words", [
    (lambda s: s["tables"][2]["columns"][1].update(table="clients"), ["customer_id", "clients"]),
    (lambda s: s["tables"][2]["columns"][2].update(after="customer_id.birthday"), ["order_date", "birthday"]),
    (lambda s: s["tables"][2]["columns"][2].update(after="order_id.signup_date"), ["order_date", "not a ref"]),
    (lambda s: s["tables"][2].update(per={"table": "orders", "min": 1, "max": 2}), ["orders", "itself"]),
    (lambda s: s["tables"][0]["columns"].append({"name": "last_order", "type": "ref", "table": "orders"}),
     ["circle", "customers", "orders"]),
    (lambda s: s["tables"][1]["data"].append({"product_id": 3, "name": "Cap"}), ["products", "fields"]),
    (lambda s: s["tables"][1].update(data=[{"product_id": i} for i in range(10_001)]), ["data", "10000"]),
    (lambda s: s["tables"][1]["data"].append({"product_id": 1, "name": "Again", "category": "x", "price": 1.0}),
     ["product_id", "key"]),
    (lambda s: s["tables"][3]["columns"].pop(0), ["order_items", "ref column", "orders"]),
    (lambda s: s.update(main="invoices"), ["main", "invoices"]),
])
def test_broken_dataset_is_a_422_naming_table_column_and_rule(client, change, words):
    schema = copy.deepcopy(SHOP)
    change(schema)
    answer = client.post("/generate", json={"schema": schema, "rows": 10})
    assert answer.status_code == 422, answer.text[:300]
    detail = answer.json()["detail"]
    assert all(w.lower() in detail.lower() for w in words), detail


def test_dataset_too_big_for_one_request_is_a_422(client):
    schema = copy.deepcopy(SHOP)
    schema["tables"][3]["per"] = {"table": "orders", "min": 900, "max": 1000}
    answer = client.post("/generate", json={"schema": schema, "rows": 100_000})
    assert answer.status_code == 422 and "fewer rows" in answer.json()["detail"]


def test_schema_answer_round_trips_a_dataset(client):
    answer = client.post("/check", json={"schema": SHOP, "rows": 100})
    assert answer.status_code == 200 and answer.json()["tables"]["customers"] == 100
    public = load_schema(SHOP, 200).public()
    assert json.loads(json.dumps(public))["tables"][1]["data"][0]["name"] == "Trail Running Shoes"
    assert load_schema(public, 200).public() == public


def test_ref_to_its_own_table_points_at_an_earlier_row():
    schema = load_schema({"tables": [{"name": "employees", "rows": 2000, "columns": [
        {"name": "employee_id", "type": "id"},
        {"name": "manager_id", "type": "ref", "table": "employees", "null_rate": 0.05}]}]}, 200)
    table = main_rows(schema, 2000, 1)
    pairs = list(zip(table.column("employee_id").to_pylist(), table.column("manager_id").to_pylist()))
    assert pairs[0][1] is None
    assert all(m is None or m < e for e, m in pairs)
    assert sum(m is None for _, m in pairs) < 0.1 * len(pairs)


def test_reading_through_a_ref_to_its_own_table_is_a_422(client):
    schema = {"tables": [{"name": "staff", "rows": 10, "columns": [
        {"name": "staff_id", "type": "id"}, {"name": "boss", "type": "ref", "table": "staff"},
        {"name": "boss_name", "type": "formula", "expr": "boss.staff_id"}]}]}
    answer = client.post("/generate", json={"schema": schema})
    assert answer.status_code == 422 and "own table" in answer.json()["detail"]


def test_id_numbered_within_each_parent_row():
    schema = copy.deepcopy(SHOP)
    schema["tables"][3]["columns"].insert(1, {"name": "line_no", "type": "id", "per": "order_id"})
    table = plan(load_schema(schema, 200), 300, 1).maker("order_items").table_block(0)
    lines: dict[str, list[int]] = {}
    for order, line in zip(table.column("order_id").to_pylist(), table.column("line_no").to_pylist()):
        lines.setdefault(order, []).append(line)
    assert all(numbers == list(range(1, len(numbers) + 1)) for numbers in lines.values())


def test_unique_text_cut_to_its_length_stays_unique():
    schema = load_schema({"columns": [{"name": "code", "type": "faker", "method": "first_name", "unique": True,
                                       "max_length": 6}]}, 200)
    codes = main_rows(schema, 3000, 1).column("code").to_pylist()
    assert len(set(codes)) == 3000 and max(len(c) for c in codes) <= 6


def test_key_cut_to_its_length_must_hold_the_rows(client):
    schema = {"columns": [{"name": "k", "type": "id", "prefix": "K-", "max_length": 4}]}
    assert client.post("/generate", json={"schema": schema, "rows": 99}).status_code == 200
    answer = client.post("/generate", json={"schema": schema, "rows": 3000})
    assert answer.status_code == 422 and "99" in answer.json()["detail"]
