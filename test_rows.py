"""The rows: each column type's values, exact row counts, the same bytes for the same seed, and
the relations between columns of a row (entities, places, dates after dates, choices by case)."""

from __future__ import annotations

import json
import re
import statistics
from datetime import date, datetime, timedelta

import faker
import pytest
from fastapi.testclient import TestClient

import main
from rows import BLOCK_ROWS
from testkit import (
    COUNT_SCHEMA,
    GOOD_SCHEMA,
    HERE,
    RELATION_ROWS,
    VISIBLE,
    csv_columns,
    generate,
    parse_csv,
    parse_records,
    schema_of,
    table_of,
)

DISTRIBUTIONS = [
    # (distribution, extra fields, expected mean, mean tolerance, expected std or None, std tolerance)
    ("uniform", {"min": 10, "max": 20}, 15, 0.3, None, None),
    ("normal", {"min": 0, "max": 100, "mean": 50, "std": 10}, 50, 0.6, 10, 0.6),
    ("lognormal", {"min": 1, "max": 1000, "mean": 50, "std": 20}, 50, 1.2, 20, 1.6),
    ("exponential", {"min": 0, "max": 10000, "mean": 20}, 20, 0.9, None, None),
    ("poisson", {"min": 0, "max": 100, "mean": 4}, 4, 0.15, None, None),
]


@pytest.mark.parametrize("ctype", ["int", "float"])
@pytest.mark.parametrize("dist,fields,mean,mean_tol,std,std_tol", DISTRIBUTIONS, ids=[d[0] for d in DISTRIBUTIONS])
def test_numeric_distribution_stays_in_range_with_expected_moments(client, ctype, dist, fields, mean, mean_tol,
                                                                  std, std_tol):
    col = {"name": "v", "type": ctype, "distribution": dist, **fields}
    values = csv_columns(generate(client, schema_of(col), 20_000).content)["v"]
    if ctype == "int":
        assert all(re.fullmatch(r"-?\d+", v) for v in values), [v for v in values if "." in v][:5]
    nums = [float(v) for v in values]
    assert min(nums) >= fields["min"] and max(nums) <= fields["max"]
    assert abs(statistics.fmean(nums) - mean) <= mean_tol, statistics.fmean(nums)
    if std is not None:
        assert abs(statistics.pstdev(nums) - std) <= std_tol, statistics.pstdev(nums)


def test_null_rate_respected(client):
    col = {"name": "s", "type": "choice", "values": ["x", "y"], "null_rate": 0.25}
    values = csv_columns(generate(client, schema_of(col, {"name": "b", "type": "bool"}), 20_000).content)["s"]
    assert set(values) == {"", "x", "y"}
    assert abs(values.count("") / len(values) - 0.25) < 0.02


def test_null_rate_zero_and_one(client):
    cols = [{"name": "never", "type": "int", "min": 0, "max": 9, "null_rate": 0},
            {"name": "always", "type": "int", "min": 0, "max": 9, "null_rate": 1}]
    data = csv_columns(generate(client, schema_of(*cols), 500).content)
    assert "" not in data["never"]
    assert set(data["always"]) == {""}


def test_unique_int_never_repeats(client):
    col = {"name": "n", "type": "int", "min": 1, "max": 25_000, "unique": True}
    values = csv_columns(generate(client, schema_of(col), 20_000).content)["n"]
    assert len(set(values)) == 20_000
    assert all(1 <= int(v) <= 25_000 for v in values)


def test_unique_faker_email_never_repeats(client):
    col = {"name": "email", "type": "faker", "method": "email", "unique": True}
    values = csv_columns(generate(client, schema_of(col), 5000).content)["email"]
    assert len(set(values)) == 5000
    assert all(re.fullmatch(r"[^@\s]+@[^@\s]+\.[a-z]{2,}", v) for v in values)


def test_id_sequence_with_prefix_and_width(client):
    col = {"name": "rid", "type": "id", "prefix": "R-", "start": 7, "width": 4}
    values = csv_columns(generate(client, schema_of(col), 50).content)["rid"]
    assert values == [f"R-{i:04d}" for i in range(7, 57)]


def test_id_defaults_count_from_one(client):
    values = csv_columns(generate(client, schema_of({"name": "id", "type": "id"}), 30).content)["id"]
    assert values == [str(i) for i in range(1, 31)]


def test_id_sequence_continues_across_blocks(client):
    rows = BLOCK_ROWS + 10
    values = csv_columns(generate(client, schema_of({"name": "id", "type": "id"}), rows).content)["id"]
    assert values == [str(i) for i in range(1, rows + 1)]


def test_id_uuid_format(client):
    values = csv_columns(generate(client, schema_of({"name": "u", "type": "id", "format": "uuid"}),
                                  2000).content)["u"]
    pattern = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}")
    assert all(pattern.fullmatch(v) for v in values), values[:3]
    assert len(set(values)) == 2000


def test_pattern_shape(client):
    values = csv_columns(generate(client, schema_of({"name": "p", "type": "pattern", "pattern": "??-####-Z"}),
                                  2000).content)["p"]
    assert all(re.fullmatch(r"[A-Z]{2}-\d{4}-Z", v) for v in values), values[:3]
    assert len(set(values)) > 1900


def test_date_inside_start_end(client):
    col = {"name": "d", "type": "date", "start": "2024-01-01", "end": "2024-03-31"}
    values = csv_columns(generate(client, schema_of(col), 5000).content)["d"]
    assert all(re.fullmatch(r"\d{4}-\d{2}-\d{2}", v) for v in values)
    days = [date.fromisoformat(v) for v in values]
    assert min(days) >= date(2024, 1, 1) and max(days) <= date(2024, 3, 31)
    assert min(days) <= date(2024, 1, 5) and max(days) >= date(2024, 3, 25)


def test_datetime_inside_start_end(client):
    col = {"name": "t", "type": "datetime", "start": "2023-06-01", "end": "2023-06-30"}
    values = csv_columns(generate(client, schema_of(col), 5000).content)["t"]
    assert all(re.fullmatch(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}", v) for v in values), values[:3]
    stamps = [datetime.fromisoformat(v) for v in values]
    assert min(stamps) >= datetime(2023, 6, 1) and max(stamps) <= datetime(2023, 6, 30, 23, 59, 59)
    assert len({s.hour for s in stamps}) > 12


@pytest.mark.parametrize("ctype", ["date", "datetime"])
def test_relative_dates_last_year_until_today(client, ctype):
    col = {"name": "d", "type": ctype, "start": "-1y", "end": "today"}
    values = csv_columns(generate(client, schema_of(col), 3000).content)["d"]
    days = [date.fromisoformat(v[:10]) for v in values]
    today = date.today()
    assert min(days) >= today - timedelta(days=368)
    assert max(days) <= today + timedelta(days=1)
    assert max(days) - min(days) > timedelta(days=300)


def test_choice_values_and_weights(client):
    col = {"name": "c", "type": "choice", "values": ["Standard", "Deluxe", "Suite"], "weights": [60, 30, 10]}
    values = csv_columns(generate(client, schema_of(col), 20_000).content)["c"]
    assert set(values) == {"Standard", "Deluxe", "Suite"}
    for value, share in (("Standard", 0.6), ("Deluxe", 0.3), ("Suite", 0.1)):
        assert abs(values.count(value) / len(values) - share) < 0.02, value


def test_choice_without_weights_is_even(client):
    col = {"name": "c", "type": "choice", "values": ["a", "b", "c", "d"]}
    values = csv_columns(generate(client, schema_of(col), 20_000).content)["c"]
    for value in "abcd":
        assert abs(values.count(value) / len(values) - 0.25) < 0.02


def test_faker_method_with_args(client):
    col = {"name": "pw", "type": "faker", "method": "password", "args": {"length": 12}}
    values = csv_columns(generate(client, schema_of(col), 300).content)["pw"]
    # a password starting with = + - @ carries the spreadsheet-safety quote in CSV
    assert all(len(v[1:] if v[:1] == "'" and v[1:2] in "=+-@" else v) == 12 for v in values), values[:5]


def test_faker_values_vary(client):
    cols = [{"name": "name", "type": "faker", "method": "name"}, {"name": "city", "type": "faker", "method": "city"}]
    data = csv_columns(generate(client, schema_of(*cols), 2000).content)
    assert len(set(data["name"])) > 1500
    assert len(set(data["city"])) > 300
    assert not any(re.fullmatch(r"(sample|placeholder|value)_?\d+", v) for v in data["name"])


def test_locale_from_request_is_used(client):
    col = {"name": "phone", "type": "faker", "method": "phone_number"}
    default = generate(client, schema_of(col), 50).content
    german = generate(client, schema_of(col), 50, locale="de_DE").content
    assert default != german




@pytest.mark.parametrize("fmt", ["csv", "jsonl", "json"])
@pytest.mark.parametrize("rows", [1, 999, 1000, 100_001])
def test_row_count_exact(client, rows, fmt):
    resp = generate(client, COUNT_SCHEMA, rows, fmt=fmt)
    records = parse_records(resp.content, fmt)
    assert len(records) == rows
    assert resp.headers["x-rows"] == str(rows)
    if fmt == "csv":
        assert parse_csv(resp.content)[0] == VISIBLE
        assert all(len(r) == len(VISIBLE) for r in records)
    else:
        assert list(records[0]) == VISIBLE
    ids = [int(r[0]) if fmt == "csv" else r["id"] for r in records]
    assert ids == list(range(1, rows + 1))


def test_same_seed_is_byte_identical(client):
    first = generate(client, GOOD_SCHEMA, 3000, seed=42).content
    second = generate(client, GOOD_SCHEMA, 3000, seed=42).content
    assert first == second


@pytest.mark.parametrize("fmt", ["jsonl", "json"])
def test_same_seed_is_byte_identical_in_json_formats(client, fmt):
    assert generate(client, GOOD_SCHEMA, 500, seed=5, fmt=fmt).content == \
        generate(client, GOOD_SCHEMA, 500, seed=5, fmt=fmt).content


def test_different_seeds_differ(client):
    assert generate(client, GOOD_SCHEMA, 200, seed=1).content != generate(client, GOOD_SCHEMA, 200, seed=2).content


def test_same_seed_is_byte_identical_after_restart(settings):
    with TestClient(main.create_app(settings)) as c:
        first = generate(c, GOOD_SCHEMA, 1000, seed=9).content
    with TestClient(main.create_app(settings)) as c:
        assert generate(c, GOOD_SCHEMA, 1000, seed=9).content == first


def test_after_puts_every_end_after_its_start():
    cols = [{"name": "check_in", "type": "date", "start": "2024-01-01", "end": "2025-12-31"},
            {"name": "check_out", "type": "date", "after": "check_in", "min_days": 1, "max_days": 14},
            {"name": "booked_at", "type": "datetime", "start": "2024-01-01", "end": "2025-12-31"},
            {"name": "paid_at", "type": "datetime", "after": "booked_at", "min_days": 0, "max_days": 2}]
    table = table_of({"columns": cols}, RELATION_ROWS)
    ins, outs = table.column("check_in").to_pylist(), table.column("check_out").to_pylist()
    assert all(1 <= (o - i).days <= 14 for i, o in zip(ins, outs))
    assert len({(o - i).days for i, o in zip(ins, outs)}) == 14  # every gap in range occurs
    booked, paid = table.column("booked_at").to_pylist(), table.column("paid_at").to_pylist()
    assert all(timedelta(0) <= p - b <= timedelta(days=2) for b, p in zip(booked, paid))


def test_email_and_user_name_are_made_from_the_rows_own_name():
    cols = [{"name": "first_name", "type": "faker", "method": "first_name"},
            {"name": "last_name", "type": "faker", "method": "last_name"},
            {"name": "full_name", "type": "faker", "method": "name"},
            {"name": "email", "type": "faker", "method": "email"},
            {"name": "user_name", "type": "faker", "method": "user_name"}]
    table = table_of({"columns": cols}, RELATION_ROWS)
    rows = zip(*(table.column(c["name"]).to_pylist() for c in cols))
    letters = lambda s: re.sub(r"[^a-z]", "", s.lower())
    for first, last, full, email, user in rows:
        assert full == f"{first} {last}"
        local = letters(email.split("@")[0])
        f, l = letters(first), letters(last)
        forms = {f + l, f[:1] + l, l + f, l + f[:1]}
        assert local in forms, (first, last, email)
        assert letters(user.split("@")[0]) in forms, (first, last, user)


def test_two_entities_in_a_row_stay_two_people():
    cols = [{"name": "patient", "type": "faker", "method": "name", "entity": "patient"},
            {"name": "doctor", "type": "faker", "method": "name", "entity": "doctor"}]
    table = table_of({"columns": cols}, 2000)
    same = sum(p == d for p, d in zip(table.column("patient").to_pylist(), table.column("doctor").to_pylist()))
    assert same < 5


def test_first_names_follow_the_gender_column():
    cols = [{"name": "gender", "type": "choice", "values": ["Female", "Male"]},
            {"name": "first_name", "type": "faker", "method": "first_name"}]
    table = table_of({"columns": cols}, 4000)
    tables = faker.Faker("en_US")["en_US"].provider("faker.providers.person")
    names = {"Female": set(tables.first_names_female), "Male": set(tables.first_names_male)}
    rows = list(zip(table.column("gender").to_pylist(), table.column("first_name").to_pylist()))
    assert all(name in names[gender] for gender, name in rows)


def test_city_state_and_zip_come_from_one_real_place():
    cols = [{"name": "city", "type": "faker", "method": "city"},
            {"name": "state", "type": "faker", "method": "state_abbr"},
            {"name": "zip", "type": "faker", "method": "zipcode"}]
    table = table_of({"columns": cols}, 5000)
    places = {(c, s): z for c, _, s, z, _ in json.load(open(HERE / "places.json"))["us_places"]}
    for city, state, zipcode in zip(*(table.column(n).to_pylist() for n in ("city", "state", "zip"))):
        assert (city, state) in places and zipcode.startswith(places[(city, state)])


def test_choice_weights_follow_the_column_it_depends_on():
    cols = [{"name": "segment", "type": "choice", "values": ["consumer", "business"], "weights": [50, 50]},
            {"name": "plan", "type": "choice", "values": ["basic", "pro"], "weights": [90, 10],
             "depends_on": "segment", "cases": [{"when": "business", "weights": [10, 90]}]}]
    table = table_of({"columns": cols}, 20_000)
    pairs = list(zip(table.column("segment").to_pylist(), table.column("plan").to_pylist()))
    business = [p for s, p in pairs if s == "business"]
    consumer = [p for s, p in pairs if s == "consumer"]
    assert 0.85 < business.count("pro") / len(business) < 0.95
    assert 0.05 < consumer.count("pro") / len(consumer) < 0.15


@pytest.mark.parametrize("locale, family_first, separator", [("ja_JP", True, " "), ("zh_CN", True, ""),
                                                               ("de_DE", False, " "), ("en_US", False, " ")])
def test_full_names_follow_the_locales_order(locale, family_first, separator):
    cols = [{"name": "first_name", "type": "faker", "method": "first_name"},
            {"name": "last_name", "type": "faker", "method": "last_name"},
            {"name": "full_name", "type": "faker", "method": "name"}]
    table = table_of({"locale": locale, "columns": cols}, 500)
    for first, last, full in zip(*(table.column(c["name"]).to_pylist() for c in cols)):
        assert full == (last + separator + first if family_first else first + separator + last)


def test_salutations_are_the_locales_own_and_mostly_plain():
    table = table_of({"locale": "de_DE", "columns": [{"name": "gender", "type": "choice", "values": ["F", "M"]},
                                                     {"name": "anrede", "type": "faker", "method": "prefix"}]}, 4000)
    pairs = list(zip(table.column("gender").to_pylist(), table.column("anrede").to_pylist()))
    plain = [(g, a) for g, a in pairs if a in ("Frau", "Herr")]
    assert len(plain) > 0.85 * len(pairs)
    assert all((g == "F") == (a == "Frau") for g, a in plain)


def test_places_of_another_country_agree_when_places_json_knows_them(tmp_path, monkeypatch):
    import fakes
    data = json.loads((HERE / "places.json").read_text())
    data["countries"] = {"de_DE": [["München", "Bayern", "80", 1488], ["Hamburg", "Hamburg", "20", 1841]]}
    (tmp_path / "places.json").write_text(json.dumps(data))
    monkeypatch.setattr(fakes, "PLACES_PATH", tmp_path / "places.json")
    fakes.place_tables.cache_clear()
    try:
        cols = [{"name": "city", "type": "faker", "method": "city"}, {"name": "land", "type": "faker", "method": "state"},
                {"name": "plz", "type": "faker", "method": "postcode"}]
        table = table_of({"locale": "de_DE", "columns": cols}, 2000)
    finally:
        fakes.place_tables.cache_clear()
    for city, land, plz in zip(*(table.column(c["name"]).to_pylist() for c in cols)):
        assert (city, land, plz[:2]) in {("München", "Bayern", "80"), ("Hamburg", "Hamburg", "20")}
        assert len(plz) == 5 and plz.isdigit()
