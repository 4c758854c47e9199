"""Golden bytes: the SHA-256 of the output for fixed schemas, seeds and row counts.

Same seed, same schema, same row count must give the same bytes across releases of this code
(Faker is pinned for that). The schemas use every column type and relation with absolute dates
only, and the row counts cross block boundaries (a block is 65,536 rows). When a change means to
alter the rows, the new digests are recorded here in the same commit, with the reason.

Run alone: `uv run pytest test_golden.py`.
"""

from __future__ import annotations

import hashlib

import pytest
from fastapi.testclient import TestClient

import main

EVERY_TYPE = {
    "name": "every_type",
    "locale": "en_US",
    "columns": [
        {"name": "row_id", "type": "id"},
        {"name": "order_ref", "type": "id", "prefix": "ORD-", "width": 7, "start": 100},
        {"name": "token", "type": "id", "format": "uuid"},
        {"name": "gender", "type": "choice", "values": ["Female", "Male", "Nonbinary"], "weights": [48, 48, 4]},
        {"name": "first_name", "type": "faker", "method": "first_name"},
        {"name": "last_name", "type": "faker", "method": "last_name"},
        {"name": "full_name", "type": "faker", "method": "name"},
        {"name": "email", "type": "faker", "method": "email", "unique": True},
        {"name": "user_name", "type": "faker", "method": "user_name"},
        {"name": "phone", "type": "faker", "method": "phone_number"},
        {"name": "city", "type": "faker", "method": "city", "entity": "home"},
        {"name": "state", "type": "faker", "method": "state_abbr", "entity": "home"},
        {"name": "zip", "type": "faker", "method": "zipcode", "entity": "home"},
        {"name": "company", "type": "faker", "method": "company"},
        {"name": "job", "type": "faker", "method": "job"},
        {"name": "ip", "type": "faker", "method": "ipv4"},
        {"name": "site", "type": "faker", "method": "url"},
        {"name": "iban", "type": "faker", "method": "iban"},
        {"name": "note", "type": "faker", "method": "sentence", "null_rate": 0.4},
        {"name": "segment", "type": "choice", "values": ["consumer", "business"], "weights": [75, 25]},
        {"name": "plan", "type": "choice", "values": ["free", "pro", "team"], "weights": [70, 20, 10],
         "depends_on": "segment", "cases": [{"when": "business", "weights": [10, 30, 60]}]},
        {"name": "age", "type": "int", "min": 18, "max": 90, "distribution": "normal", "mean": 41, "std": 13},
        {"name": "visits", "type": "int", "min": 0, "max": 60, "distribution": "poisson", "mean": 6},
        {"name": "wait_minutes", "type": "float", "min": 0, "max": 240, "distribution": "exponential",
         "mean": 18, "decimals": 1},
        {"name": "spend", "type": "float", "min": 1, "max": 5000, "distribution": "lognormal", "mean": 220,
         "std": 300, "decimals": 2, "null_rate": 0.1},
        {"name": "badge", "type": "int", "min": 1, "max": 9_999_999, "unique": True},
        {"name": "score", "type": "float", "min": 0, "max": 1000, "decimals": 3, "unique": True},
        {"name": "active", "type": "bool", "p": 0.8},
        {"name": "signup", "type": "date", "start": "2020-01-01", "end": "2024-12-31"},
        {"name": "first_seen", "type": "datetime", "start": "2000-01-01", "end": "2024-12-31", "unique": True},
        {"name": "last_login", "type": "datetime", "start": "2023-01-01", "end": "2025-06-30"},
        {"name": "renewal", "type": "date", "after": "signup", "min_days": 30, "max_days": 400},
        {"name": "reviewed_at", "type": "datetime", "after": "signup", "min_days": 0, "max_days": 2.5},
        {"name": "closed_at", "type": "datetime", "after": "last_login", "min_days": 0.01, "max_days": 0.2},
        {"name": "sku", "type": "pattern", "pattern": "SKU-####-??"},
        {"name": "ticket", "type": "pattern", "pattern": "T#####??", "unique": True},
    ],
}

FORMULAS = {
    "name": "formulas",
    "locale": "en_US",
    "columns": [
        {"name": "quantity", "type": "int", "min": 1, "max": 12},
        {"name": "unit_price", "type": "float", "min": 2, "max": 400, "distribution": "lognormal",
         "mean": 35, "decimals": 2},
        {"name": "discount", "type": "float", "min": 0, "max": 0.3, "decimals": 2, "hidden": True},
        {"name": "line_total", "type": "formula", "expr": "round(quantity * unit_price * (1 - discount), 2)"},
        {"name": "big_order", "type": "formula", "expr": "line_total > 500 and quantity >= 3"},
        {"name": "band", "type": "formula", "expr": "if(line_total > 1000, 'high', if(line_total > 100, 'mid', 'low'))"},
        {"name": "ordered", "type": "date", "start": "2024-01-01", "end": "2024-12-31"},
        {"name": "shipped", "type": "date", "after": "ordered", "min_days": 0, "max_days": 5},
        {"name": "days_to_ship", "type": "formula", "expr": "shipped - ordered"},
        {"name": "due", "type": "formula", "expr": "ordered + 30"},
        {"name": "order_year", "type": "formula", "expr": "year(ordered)"},
        {"name": "code", "type": "formula", "expr": "upper(band) + '-' + str(quantity)"},
        {"name": "label", "type": "formula", "expr": "lower('Q' + str(quantity))"},
        {"name": "noise", "type": "formula", "expr": "round(normal(0, 1) + uniform(-1, 1), 3)"},
        {"name": "dice", "type": "formula", "expr": "randint(1, 6)"},
        {"name": "bounded", "type": "formula", "expr": "min(max(abs(noise) * 10, 1), 20)"},
        {"name": "floors", "type": "formula", "expr": "floor(unit_price) + ceil(discount)"},
        {"name": "ratio", "type": "formula", "expr": "unit_price / quantity", "decimals": 4},
        {"name": "squared", "type": "formula", "expr": "quantity ** 2"},
        {"name": "not_big", "type": "formula", "expr": "not big_order or quantity == 1"},
    ],
}

LOCALES = {
    "name": "abroad",
    "locale": "de_DE",
    "columns": [
        {"name": "name", "type": "faker", "method": "name"},
        {"name": "email", "type": "faker", "method": "email"},
        {"name": "city", "type": "faker", "method": "city"},
        {"name": "postcode", "type": "faker", "method": "postcode"},
        {"name": "country", "type": "faker", "method": "country"},
        {"name": "street", "type": "faker", "method": "street_address"},
        {"name": "phone", "type": "faker", "method": "phone_number"},
        {"name": "world_city", "type": "faker", "method": "city", "entity": "trip"},
        {"name": "world_country", "type": "faker", "method": "country", "entity": "trip"},
    ],
}

SCHEMAS = {"every_type": EVERY_TYPE, "formulas": FORMULAS, "abroad": LOCALES}

# (schema, format, rows, seed) -> SHA-256 of the whole answer body
GOLDEN = {
    ("every_type", "csv", 5, 1): "81768526bdf6bbdbd35104dac460c4f01658a3a48218201538316508c6d8690f",
    ("every_type", "jsonl", 65_537, 7): "f88b09870ab9de106465a2e0ff217d7e674a4e9bfb15eda147f9c672a26d57e0",
    ("every_type", "csv", 131_073, 2**64 - 1): "cd43bdf54351f5bfc8eb7a081c7f7d61484d2eaa178390fa81cfe95526d18540",
    ("formulas", "csv", 65_536, 42): "d8fc0c96703084f77a1247c22ca1f6498b2bbffa9d8c4fb0f2616461d779e6b0",
    ("formulas", "jsonl", 70_000, -5): "83ae4218c25f65f1edea6a8b87afbd4b8786d51009ddfd632cbcdc26d8fdbdda",
    ("abroad", "csv", 66_000, 3): "8430203be3b9e92760192210a16d45bb7d8e1b9ee8983eb58a8fa88fe04f8493",
    ("abroad", "jsonl", 9, 3): "f845d7c85a0b17a99237482f0ad653716d18be7d3ab03efe7a54709e3144edba",
}


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    path = tmp_path_factory.mktemp("golden") / "schemas.json"
    settings = main.Settings(_env_file=None, schema_cache=path, designer="offline")
    with TestClient(main.create_app(settings)) as c:
        yield c


@pytest.mark.parametrize("case", list(GOLDEN), ids=lambda c: "-".join(map(str, c)))
def test_output_bytes_match_the_golden_digest(client, case):
    name, fmt, rows, seed = case
    answer = client.post("/generate", json={"schema": SCHEMAS[name], "rows": rows, "seed": seed, "format": fmt})
    assert answer.status_code == 200, answer.text[:300]
    assert hashlib.sha256(answer.content).hexdigest() == GOLDEN[case]
