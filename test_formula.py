"""The formula language on rows: each operator and function, nulls, order of evaluation, hidden
columns, and a clean 422 for a bad formula."""

from __future__ import annotations

import math
from datetime import timedelta

import numpy as np
import pytest

from testkit import RELATION_ROWS, csv_columns, generate, parse_csv, parse_records, schema_of, table_of


def test_formula_if_and_string_concatenation(client):
    cols = [{"name": "n", "type": "int", "min": 0, "max": 100},
            {"name": "size", "type": "formula", "expr": "if(n > 50, 'big', 'small')"},
            {"name": "label", "type": "formula", "expr": "upper(size) + '-x'"}]
    data = csv_columns(generate(client, schema_of(*cols), 1000).content)
    for n, size, label in zip(data["n"], data["size"], data["label"]):
        assert size == ("big" if int(n) > 50 else "small")
        assert label == size.upper() + "-x"


def test_hidden_column_used_by_formula_but_not_written(client):
    cols = [{"name": "base", "type": "int", "min": 1, "max": 100, "hidden": True},
            {"name": "doubled", "type": "formula", "expr": "base * 2"}]
    body = generate(client, schema_of(*cols), 500).content
    header, rows = parse_csv(body)
    assert header == ["doubled"]
    assert all(int(r[0]) % 2 == 0 and 2 <= int(r[0]) <= 200 for r in rows)


@pytest.mark.parametrize("fmt", ["jsonl", "json"])
def test_hidden_column_absent_from_json(client, fmt):
    cols = [{"name": "base", "type": "int", "min": 1, "max": 100, "hidden": True},
            {"name": "doubled", "type": "formula", "expr": "base * 2"}]
    records = parse_records(generate(client, schema_of(*cols), 50, fmt=fmt).content, fmt)
    assert all(set(r) == {"doubled"} for r in records)


def formula_values(expr: str, columns: list[dict], rows: int = 50) -> list:
    schema = {"columns": columns + [{"name": "result", "type": "formula", "expr": expr}]}
    return table_of(schema, rows).column("result").to_pylist()


NUMBERS = [{"name": "a", "type": "int", "min": 1, "max": 9}, {"name": "b", "type": "int", "min": 1, "max": 9},
           {"name": "x", "type": "float", "min": 0.5, "max": 9.5, "decimals": 2}]


@pytest.mark.parametrize("expr, check", [
    ("a + b", lambda r, a, b, x: r == a + b),
    ("a - b", lambda r, a, b, x: r == a - b),
    ("a * b", lambda r, a, b, x: r == a * b),
    ("a / b", lambda r, a, b, x: abs(r - round(a / b, 2)) < 1e-9),
    ("a // b", lambda r, a, b, x: r == a // b),
    ("a % b", lambda r, a, b, x: r == a % b),
    ("a ** 2", lambda r, a, b, x: r == a ** 2),
    ("-a", lambda r, a, b, x: r == -a),
    ("a > b", lambda r, a, b, x: r == (a > b)),
    ("a >= b", lambda r, a, b, x: r == (a >= b)),
    ("a < b", lambda r, a, b, x: r == (a < b)),
    ("a <= b", lambda r, a, b, x: r == (a <= b)),
    ("a == b", lambda r, a, b, x: r == (a == b)),
    ("a != b", lambda r, a, b, x: r == (a != b)),
    ("a > 3 and b > 3", lambda r, a, b, x: r == (a > 3 and b > 3)),
    ("a > 3 or b > 3", lambda r, a, b, x: r == (a > 3 or b > 3)),
    ("not a > 3", lambda r, a, b, x: r == (not a > 3)),
    ("if(a > b, a, b)", lambda r, a, b, x: r == max(a, b)),
    ("round(x)", lambda r, a, b, x: r == round(x)),
    ("round(x * 3.3, 1)", lambda r, a, b, x: abs(r - round(x * 3.3, 1)) < 1e-9),
    ("min(a, b)", lambda r, a, b, x: r == min(a, b)),
    ("max(a, b, 5)", lambda r, a, b, x: r == max(a, b, 5)),
    ("abs(a - b)", lambda r, a, b, x: r == abs(a - b)),
    ("floor(x)", lambda r, a, b, x: r == math.floor(x)),
    ("ceil(x)", lambda r, a, b, x: r == math.ceil(x)),
])
def test_formula_operator_is_exact(expr, check):
    table = table_of({"columns": NUMBERS + [{"name": "result", "type": "formula", "expr": expr}]}, 200)
    rows = zip(*(table.column(n).to_pylist() for n in ("result", "a", "b", "x")))
    assert all(check(r, a, b, x) for r, a, b, x in rows)


def test_formula_dates_add_days_and_subtract_to_days():
    cols = [{"name": "start", "type": "date", "start": "2024-01-01", "end": "2024-12-31"},
            {"name": "days", "type": "int", "min": 0, "max": 40},
            {"name": "end", "type": "formula", "expr": "start + days"}]
    table = table_of({"columns": cols + [{"name": "back", "type": "formula", "expr": "end - start"}]}, 500)
    start, days, end, back = (table.column(n).to_pylist() for n in ("start", "days", "end", "back"))
    assert all(e == s + timedelta(days=d) for s, d, e in zip(start, days, end))
    assert back == days


def test_formula_strings_join_and_change_case():
    cols = [{"name": "word", "type": "choice", "values": ["Red", "Blue"]}]
    assert set(formula_values("upper(word) + '-' + lower(word)", cols)) <= {"RED-red", "BLUE-blue"}


def test_formula_random_terms_stay_in_their_ranges():
    values = formula_values("randint(3, 7)", [], 2000)
    assert set(values) == {3, 4, 5, 6, 7}
    uniform = formula_values("uniform(10, 20)", [], 2000)
    assert all(10 <= v <= 20 for v in uniform)
    normal = formula_values("normal(100, 5)", [], 5000)
    assert 99 < sum(normal) / len(normal) < 101


def test_formula_nulls_propagate():
    cols = [{"name": "a", "type": "int", "min": 1, "max": 9, "null_rate": 0.5}]
    values = formula_values("a * 2", cols, 400)
    assert None in values and all(v is None or v % 2 == 0 for v in values)


def test_formula_may_use_a_later_column():
    cols = [{"name": "total", "type": "formula", "expr": "qty * 2"}, {"name": "qty", "type": "int", "min": 1, "max": 5}]
    table = table_of({"columns": cols}, 100)
    assert table.column("total").to_pylist() == [q * 2 for q in table.column("qty").to_pylist()]


@pytest.mark.parametrize("expr, words", [
    ("a.__class__", "not a column read through"),
    ("(a + 1).real", "not a column read through"),
    ("__import__('os')", "__import__"),
    ("__builtins__", "__builtins__"),
    ("(lambda: 1)()", "lambda"),
    ("[v for v in a]", "ListComp"),
    ("{v: 1 for v in a}", "DictComp"),
    ("open('/etc/passwd')", "open"),
    ("eval('1')", "eval"),
    ("1 + " * 600 + "1", "longer than 2000"),
    ("round(a, 1000000000000000)", "whole number from -10 to 10"),
    ("round(a, b)", "whole number from -10 to 10"),
    ("a +", "not an expression"),
    ("nosuch + 1", "no column 'nosuch'"),
    ("'ab' * 3", "* on text"),
    ("'ab' - 'b'", "- on text"),
    ("-'abc'", "before text"),
    ("a < 'x'", "compares a whole number with text"),
    ("min('a', 1)", "mixes"),
    ("abs('x')", "takes numbers"),
    ("floor('x')", "takes numbers"),
    ("True + True", "on true/false"),
    ("(a > 2) * 3", "on true/false"),
    ("year(a)", "takes a date"),
    ("zz in (1, 2)", "no column 'zz'"),
    ("1 in (1, 2) in (1, 2)", "ends a comparison"),
    ("(1, 2)", "only after `in`"),
    ("result + 1", "depends on itself"),
    ("round(a, 2, 3, 4)", "arguments"),
    ("f'{a}'", "JoinedStr"),
])
def test_bad_formula_is_a_422_naming_the_column(client, expr, words):
    schema = {"columns": NUMBERS + [{"name": "result", "type": "formula", "expr": expr}]}
    resp = client.post("/generate", json={"schema": schema, "rows": 5})
    assert resp.status_code == 422
    detail = resp.json()["detail"]
    assert "result" in detail and words in detail and len(detail) <= 400


def test_order_total_is_quantity_times_price_on_every_row():
    cols = [{"name": "quantity", "type": "int", "min": 1, "max": 20, "distribution": "poisson", "mean": 3},
            {"name": "unit_price", "type": "float", "min": 1, "max": 500, "distribution": "lognormal", "mean": 40},
            {"name": "total", "type": "formula", "expr": "round(quantity * unit_price, 2)"}]
    table = table_of({"columns": cols}, RELATION_ROWS)
    q, p, t = (table.column(n).to_pylist() for n in ("quantity", "unit_price", "total"))
    assert len(t) == RELATION_ROWS
    assert all(abs(tt - round(qq * pp, 2)) < 1e-6 for qq, pp, tt in zip(q, p, t))


def test_experience_tied_to_age_correlates():
    cols = [{"name": "age", "type": "int", "min": 22, "max": 65},
            {"name": "years_experience", "type": "formula", "expr": "min(randint(0, max(age - 20, 0)), 45)"},
            {"name": "salary", "type": "formula", "expr": "round(40000 + years_experience * 2500 + normal(0, 8000), 2)"}]
    table = table_of({"columns": cols}, RELATION_ROWS)
    age, exp, salary = (np.array(table.column(n).to_pylist(), dtype=float) for n in ("age", "years_experience", "salary"))
    assert np.all(exp <= age - 20)
    assert np.corrcoef(age, exp)[0, 1] > 0.5
    assert np.corrcoef(exp, salary)[0, 1] > 0.5
