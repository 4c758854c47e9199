"""Columns that depend on each other, on 100,000 rows: cases for every generated type, time
series, cells empty on a condition, times of day and weekdays, empirical distributions and
correlations, and the formula changes that go with them (shared/CONTRACT.md, "Columns that
depend on each other")."""

from __future__ import annotations

from datetime import datetime, timedelta

import numpy as np
import pytest

from rows import main_rows
from schema import load_schema
from testkit import csv_columns, generate, schema_of

ROWS = 100_000
LEVELS = {"name": "level", "type": "choice", "values": ["junior", "mid", "senior"], "weights": [50, 30, 20]}


def made(*columns, rows: int = ROWS, seed: int = 7, **schema) -> dict[str, np.ndarray]:
    table = main_rows(load_schema({"columns": list(columns), **schema}, 200), rows, seed)
    return {name: np.array(table.column(name).to_pylist(), dtype=object) for name in table.column_names}


def test_number_cases_set_each_group_mean():
    salary = {"name": "salary", "type": "float", "min": 20000, "max": 300000, "distribution": "normal",
              "mean": 50000, "std": 8000, "depends_on": "level",
              "cases": [{"when": "mid", "mean": 80000}, {"when": "senior", "mean": 140000, "min": 90000, "std": 15000}]}
    data = made(LEVELS, salary)
    for level, mean in (("junior", 50000), ("mid", 80000), ("senior", 140000)):
        group = data["salary"][data["level"] == level].astype(float)
        assert abs(group.mean() - mean) / mean < 0.02, (level, group.mean())
    assert data["salary"][data["level"] == "senior"].astype(float).min() >= 90000


def test_bool_cases_set_each_share_within_a_point_and_a_half():
    fraud = {"name": "fraud", "type": "bool", "p": 0.01, "depends_on": "channel",
             "cases": [{"when": "online", "p": 0.05}]}
    data = made({"name": "channel", "type": "choice", "values": ["online", "store"]}, fraud)
    for channel, share in (("online", 0.05), ("store", 0.01)):
        assert abs(data["fraud"][data["channel"] == channel].astype(bool).mean() - share) < 0.015


def test_case_with_a_list_of_values_and_a_ref_parent():
    cols = [{"name": "tier", "type": "choice", "values": ["gold", "platinum", "basic"]},
            {"name": "discount", "type": "int", "min": 0, "max": 5, "depends_on": "tier",
             "cases": [{"when": ["gold", "platinum"], "min": 10, "max": 20}]}]
    data = made(*cols)
    premium = np.isin(data["tier"], ["gold", "platinum"])
    assert data["discount"][premium].astype(int).min() >= 10
    assert data["discount"][~premium].astype(int).max() <= 5


def test_date_cases_shift_the_window_and_the_delay():
    cols = [{"name": "method", "type": "choice", "values": ["express", "ground"]},
            {"name": "ordered", "type": "date", "start": "2025-01-01", "end": "2025-03-31"},
            {"name": "delivered", "type": "date", "after": "ordered", "min_days": 3, "max_days": 9,
             "depends_on": "method", "cases": [{"when": "express", "min_days": 1, "max_days": 2}]}]
    data = made(*cols)
    gaps = np.array([(d - o).days for o, d in zip(data["ordered"], data["delivered"])])
    express = data["method"] == "express"
    assert gaps[express].min() >= 1 and gaps[express].max() <= 2
    assert gaps[~express].min() >= 3 and gaps[~express].max() <= 9


def test_faker_cases_change_the_method():
    cols = [{"name": "kind", "type": "choice", "values": ["person", "company"]},
            {"name": "payee", "type": "faker", "method": "name", "depends_on": "kind",
             "cases": [{"when": "company", "method": "company"}]}]
    data = made(*cols, rows=5000)
    suffixes = ("Inc", "LLC", "Ltd", "Group", "PLC", "and Sons")
    companies = data["payee"][data["kind"] == "company"]
    assert sum(any(s in v for s in suffixes) or "-" in v or "," in v for v in companies) > 0.5 * len(companies)


def test_case_field_of_another_type_is_a_422(client):
    col = {"name": "x", "type": "int", "min": 0, "max": 5, "depends_on": "level", "cases": [{"when": "mid", "p": 0.5}]}
    answer = client.post("/generate", json={"schema": schema_of(LEVELS, col), "rows": 5})
    assert answer.status_code == 422 and "p" in answer.json()["detail"] and "case" in answer.json()["detail"]


def test_null_if_empties_exactly_the_rows_where_it_holds():
    cols = [{"name": "converted", "type": "bool", "p": 0.3},
            {"name": "revenue", "type": "float", "min": 5, "max": 500, "null_if": "not converted"}]
    data = made(*cols)
    assert all((r is None) == (not c) for c, r in zip(data["converted"], data["revenue"]))


def test_series_without_entity_steps_through_the_whole_table():
    data = made({"name": "day", "type": "date", "start": "2024-01-01", "end": "2024-01-01", "step": "1d"}, rows=400)
    assert data["day"][0].isoformat() == "2024-01-01"
    assert all((b - a).days == 1 for a, b in zip(data["day"], data["day"][1:]))


def test_monthly_series_keeps_the_day_of_month():
    data = made({"name": "bill", "type": "date", "start": "2024-01-31", "end": "2024-01-31", "step": "1mo"}, rows=5)
    assert [d.isoformat() for d in data["bill"]] == ["2024-01-31", "2024-02-29", "2024-03-31", "2024-04-30",
                                                     "2024-05-31"]


def test_hours_window_keeps_every_time_inside_it():
    data = made({"name": "ordered_at", "type": "datetime", "start": "2025-01-01", "end": "2025-06-30",
                 "hours": "11:00-23:00"})
    hours = np.array([t.hour for t in data["ordered_at"]])
    assert hours.min() == 11 and hours.max() == 22


def test_hour_and_weekday_weights_shape_the_times():
    rush = [0] * 24
    rush[8], rush[17] = 1, 3
    weekend = [1, 1, 1, 1, 1, 3, 3]
    data = made({"name": "at", "type": "datetime", "start": "2025-01-06", "end": "2025-12-28", "hours": rush,
                 "weekdays": weekend})
    hours = np.array([t.hour for t in data["at"]])
    assert set(hours) == {8, 17} and abs((hours == 17).mean() - 0.75) < 0.015
    weekdays = np.array([t.weekday() for t in data["at"]])
    assert abs((weekdays >= 5).mean() - 6 / 11) < 0.015


def test_empirical_quantiles_keep_zeros_and_skew():
    quantiles = [0] * 31 + list(np.round(np.geomspace(1, 900, 70), 2))
    data = made({"name": "spend", "type": "float", "min": 0, "max": 900, "distribution": "empirical",
                 "quantiles": quantiles, "decimals": 2})
    spend = data["spend"].astype(float)
    assert abs((spend == 0).mean() - 0.30) < 0.015
    assert np.median(spend) < spend.mean()   # skewed to the right, as the quantiles say


def test_correlations_hold_and_keep_each_distribution():
    cols = [{"name": "size_m2", "type": "float", "min": 20, "max": 400, "distribution": "lognormal", "mean": 90,
             "std": 40},
            {"name": "price", "type": "float", "min": 50000, "max": 3000000, "distribution": "lognormal",
             "mean": 400000, "std": 200000}]
    data = made(*cols, correlations={"columns": ["size_m2", "price"], "matrix": [[1, 0.8], [0.8, 1]]})
    size, price = data["size_m2"].astype(float), data["price"].astype(float)
    assert np.corrcoef(np.argsort(np.argsort(size)), np.argsort(np.argsort(price)))[0, 1] > 0.7
    assert abs(size.mean() - 90) / 90 < 0.05 and size.min() >= 20 and price.max() <= 3000000


def test_correlations_that_cannot_hold_are_a_422(client):
    cols = [{"name": n, "type": "float", "min": 0, "max": 1} for n in "abc"]
    bad = {"columns": ["a", "b", "c"], "matrix": [[1, 0.9, -0.9], [0.9, 1, 0.9], [-0.9, 0.9, 1]]}
    answer = client.post("/generate", json={"schema": {"columns": cols, "correlations": bad}, "rows": 5})
    assert answer.status_code == 422 and "cannot hold together" in answer.json()["detail"]


def test_round_prints_the_decimals_it_asks_for(client):
    cols = [{"name": "x", "type": "float", "min": 0, "max": 1, "decimals": 6},
            {"name": "four", "type": "formula", "expr": "round(x, 4)"},
            {"name": "kept", "type": "formula", "expr": "round(x * 3, 1)", "decimals": 3}]
    data = csv_columns(generate(client, schema_of(*cols), 2000).content)
    assert all(len(v.split(".")[1]) == 4 for v in data["four"])
    assert all(len(v.split(".")[1]) == 3 for v in data["kept"])   # the column's own decimals win


def test_hidden_helper_keeps_full_precision():
    cols = [{"name": "qty", "type": "float", "min": 0.0001, "max": 0.01, "hidden": True},
            {"name": "usd", "type": "formula", "expr": "round(qty * 60000, 4)"}]
    data = made(*cols, rows=2000)
    assert (data["usd"].astype(float) > 0).all()
    assert len({round(v, 4) for v in data["usd"]}) > 1500     # not collapsed onto two-decimal steps


def test_datetime_plus_half_a_day_moves_twelve_hours():
    cols = [{"name": "at", "type": "datetime", "start": "2025-01-01", "end": "2025-12-31"},
            {"name": "later", "type": "formula", "expr": "at + 0.5"},
            {"name": "delayed", "type": "formula", "expr": "at + 196 / 1440"}]
    data = made(*cols, rows=1000)
    assert all(b - a == timedelta(hours=12) for a, b in zip(data["at"], data["later"]))
    assert all(c - a == timedelta(minutes=196) for a, c in zip(data["at"], data["delayed"]))


def test_date_plus_fractional_days_becomes_a_datetime():
    cols = [{"name": "day", "type": "date", "start": "2025-01-01", "end": "2025-12-31"},
            {"name": "left_at", "type": "formula", "expr": "day + uniform(0.25, 0.75)"}]
    data = made(*cols, rows=1000)
    assert all(isinstance(v, datetime) and 6 <= v.hour <= 18 for v in data["left_at"])


def test_integer_division_and_modulo_stay_whole(client):
    cols = [{"name": "n", "type": "int", "min": 100, "max": 999},
            {"name": "code", "type": "formula", "expr": "'B' + str(n // 10) + '-' + str(n % 7)"}]
    data = csv_columns(generate(client, schema_of(*cols), 1000).content)
    assert all("." not in v and v.startswith("B") for v in data["code"])


@pytest.mark.parametrize("expr, check", [
    ("month(day) in (6, 7, 8)", lambda d, r: r == (d.month in (6, 7, 8))),
    ("weekday(day)", lambda d, r: r == d.weekday()),
    ("day(day) + 0", lambda d, r: r == d.day),
    ("round(sin(pi / 2) + cos(0) + exp(0) + log(1), 6)", lambda d, r: r == 3.0),
    ("round(2 ** 0.5, 6)", lambda d, r: abs(r - 2 ** 0.5) < 1e-6),
])
def test_new_formula_functions(expr, check):
    data = made({"name": "day", "type": "date", "start": "2024-01-01", "end": "2024-12-31"},
                {"name": "r", "type": "formula", "expr": expr}, rows=2000)
    assert all(check(d, r) for d, r in zip(data["day"], data["r"]))


def test_result_out_of_range_is_an_empty_cell_not_an_error():
    cols = [{"name": "a", "type": "int", "min": 2, "max": 9},
            {"name": "huge", "type": "formula", "expr": "a ** 100000"},
            {"name": "wide", "type": "formula", "expr": "a * 1000000000000000 * 1000000000000000"},
            {"name": "far", "type": "formula", "expr": "today() + a * 1000000"},
            {"name": "ratio", "type": "formula", "expr": "a / (a - a)"}]
    data = made(*cols, rows=1000)
    for name in ("huge", "wide", "far", "ratio"):
        assert all(v is None for v in data[name]), name


def test_exponent_may_be_a_column():
    cols = [{"name": "years", "type": "int", "min": 1, "max": 10},
            {"name": "grown", "type": "formula", "expr": "round(100 * 1.05 ** years, 2)"}]
    data = made(*cols, rows=500)
    assert all(abs(g - round(100 * 1.05 ** y, 2)) < 1e-9 for y, g in zip(data["years"], data["grown"]))


def test_date_format_writes_dates_in_that_format(client):
    cols = [{"name": "day", "type": "date", "start": "2024-01-01", "end": "2024-12-31", "format": "%d/%m/%Y"}]
    data = csv_columns(generate(client, schema_of(*cols), 500).content)
    assert all(len(v) == 10 and v[2] == "/" and v[5] == "/" and v.endswith("2024") for v in data["day"])


def test_a_column_whose_name_is_not_an_identifier_is_read_in_backticks():
    data = made({"name": "Order Date", "type": "date", "start": "2024-01-01", "end": "2024-12-31"},
                {"name": "order month", "type": "formula", "expr": "month(`Order Date`) * 1"}, rows=500)
    assert all(m == d.month for d, m in zip(data["Order Date"], data["order month"]))


def test_series_whose_start_is_its_end_starts_exactly_there():
    data = made({"name": "at", "type": "datetime", "start": "2024-03-01T06:30:00", "end": "2024-03-01T06:30:00",
                 "step": "1h"}, rows=3)
    assert [t.isoformat() for t in data["at"]] == ["2024-03-01T06:30:00", "2024-03-01T07:30:00", "2024-03-01T08:30:00"]


def test_empirical_datetimes_take_their_time_of_day_from_hours():
    data = made({"name": "at", "type": "datetime", "distribution": "empirical",
                 "quantiles": ["2024-01-01", "2024-06-01", "2024-12-31"], "hours": "09:00-17:00"}, rows=5000)
    assert {t.hour for t in data["at"]} == set(range(9, 17))


def test_day_and_month_without_leading_zeros(client):
    col = {"name": "day", "type": "date", "start": "2024-01-01", "end": "2024-01-09", "format": "%-d/%-m/%Y"}
    days = csv_columns(generate(client, schema_of(col), 300).content)["day"]
    assert all(len(d) == 8 and d.endswith("/1/2024") for d in days)


def test_sized_faker_text_stays_within_its_length():
    data = made({"name": "t", "type": "faker", "method": "text", "args": {"max_nb_chars": 80}},
                {"name": "s", "type": "faker", "method": "sentence", "args": {"nb_words": 3, "variable_nb_words": False}},
                rows=20_000)
    lengths = [len(t) for t in data["t"]]
    assert max(lengths) <= 80 and 48 <= sum(lengths) / len(lengths) <= 80
    assert all(t.endswith(".") for t in data["t"])
    assert all(len(s.split()) == 3 for s in data["s"])
