"""The built-in designer on descriptions: the columns a reader expects, their values on rows, and
each relation rule it applies."""

from __future__ import annotations

import csv
import io
import math
import datetime
import re
from datetime import date

import numpy as np
import pytest

import designer
import rows
from designer import OfflineDesigner
from schema import load_schema
from testkit import DESC, parse_csv, table_of


def test_generate_from_description_offline(client):
    resp = client.post("/generate", json={"description": DESC, "rows": 50, "seed": 1})
    assert resp.status_code == 200, resp.text[:300]
    assert resp.headers["x-schema-source"] in ("offline", "cache")
    header, rows = parse_csv(resp.content)
    assert len(rows) == 50 and len(header) >= 3


@pytest.mark.parametrize("description, relation", [
    ("hotel reservations with check-in date, check-out date, nights and total price",
     lambda cols: cols["check_out_date"].get("after") == "check_in_date" and cols["nights"]["type"] == "formula"
     and "nights" in cols["total_price"].get("expr", "")),
    ("order lines with quantity, unit price and line total",
     lambda cols: cols["line_total"].get("expr") == "round(quantity * unit_price, 2)"),
    ("students with age and graduation year",
     lambda cols: "age" in cols["graduation_year"].get("expr", "")),
    ("customers with first name, last name and email",
     lambda cols: all(cols[n]["type"] == "faker" and not cols[n].get("entity") for n in ("first_name", "last_name", "email"))),
    ("employees with age, years of experience and salary",
     lambda cols: "age" in cols["years_of_experience"].get("expr", "") and "years_of_experience" in cols["salary"].get("expr", "")),
    ("patients with age and date of birth",
     lambda cols: "age" in cols["date_of_birth"].get("expr", "")),
])
def test_built_in_designer_adds_the_obvious_relations(description, relation):
    schema = OfflineDesigner().design(description).schema
    cols = {c.name: c.model_dump(exclude_none=True) for c in schema.columns}
    assert relation(cols), cols


def test_hotel_relations_hold_in_the_rows(client):
    resp = client.post("/generate", json={"description": "hotel reservations with check-in date, check-out date, "
                                          "nights and total price", "rows": 5000, "seed": 2})
    assert resp.status_code == 200
    rows = list(csv.DictReader(io.StringIO(resp.text)))
    for row in rows:
        nights = (date.fromisoformat(row["check_out_date"]) - date.fromisoformat(row["check_in_date"])).days
        assert nights == int(row["nights"]) >= 1
        assert float(row["total_price"]) > 0


def check_cells(values: list[str], rule: tuple) -> str:
    """'' when a column's CSV cells fit the rule a reader would expect, else why not."""
    kind, *args = rule
    cells = [v for v in values if v != ""]
    if not cells:
        return "empty"
    if kind in ("int", "float"):
        lo, hi = args
        try:
            nums = [int(v) if kind == "int" else float(v) for v in cells]
        except ValueError:
            return f"not {kind}: {cells[:3]}"
        return "" if lo <= min(nums) and max(nums) <= hi and len(set(nums)) > 1 else f"{min(nums)}..{max(nums)}"
    if kind == "one_of":
        extra = set(cells) - set(args[0])
        return "" if not extra else f"unexpected {sorted(extra)[:3]}"
    if kind == "category":
        distinct = set(cells)
        numeric = all(re.fullmatch(r"-?[\d.]+", v) for v in cells)
        return "" if 2 <= len(distinct) <= args[0] and not numeric else f"{len(distinct)} values {sorted(distinct)[:4]}"
    if kind == "date":
        years = [date.fromisoformat(v[:10]).year for v in cells]
        return "" if args[0] <= min(years) and max(years) <= args[1] else f"years {min(years)}..{max(years)}"
    if kind == "datetime":
        ok = all(re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d", v) for v in cells)
        return "" if ok and len({v[11:] for v in cells}) > 1 else f"not timestamps {cells[:2]}"
    if kind == "bool":
        return "" if set(cells) == {"true", "false"} else f"not booleans {sorted(set(cells))[:3]}"
    if kind == "email":
        return "" if all(re.fullmatch(r"[^@\s]+@[^@\s]+\.[a-z]{2,}", v) for v in cells) else f"not emails {cells[:2]}"
    if kind == "person":
        return "" if all(len(v.split()) >= 2 and not re.search(r"\d", v) for v in cells) else f"not names {cells[:2]}"
    if kind == "unique":
        return "" if len(set(cells)) == len(cells) else "repeats"
    if kind == "text":
        return "" if sum(map(len, cells)) / len(cells) >= 20 else "too short"
    if kind == "match":
        return "" if all(re.fullmatch(args[0], v) for v in cells) else f"shape {cells[:2]}"
    raise AssertionError(kind)


YEAR_NOW = date.today().year
MAX_DESIGNED_COLUMNS = 16       # a description of a few fields does not grow a wide table

DESIGNER_CASES = [
    ("Customers with name, email, age and city",
     {"name": ("person",), "email": ("email",), "age": ("int", 18, 100), "city": ("category", 400)}),
    ("Students with name, age between 18 and 25, major, GPA from 0 to 4, and graduation year",
     {"age": ("int", 18, 25), "major": ("category", 60), "gpa": ("float", 0, 4), "graduation_year": ("int", 1990, YEAR_NOW + 10)}),
    ("Patients with names, ages, blood types, medical conditions and departments",
     {"name": ("person",), "blood_type": ("one_of", ["O+", "A+", "B+", "AB+", "O-", "A-", "B-", "AB-"]),
      "age": ("int", 0, 110), "medical_condition": ("category", 60),
      "department": ("one_of", ["Emergency", "Cardiology", "Oncology", "Pediatrics", "Orthopedics", "Neurology",
                                "Radiology", "General Surgery", "Internal Medicine", "Obstetrics", "Gynecology", "ICU",
                                "Psychiatry", "Dermatology", "Gastroenterology", "Intensive Care", "Urology",
                                "Nephrology", "Pulmonology", "Endocrinology", "Obstetrics & Gynecology", "Ophthalmology"])}),
    ("Employees with employee id, name, department, salary, and hire date",
     {"employee_id": ("unique",), "name": ("person",), "department": ("category", 30),
      "salary": ("float", 10_000, 2_000_000), "hire_date": ("date", 1960, YEAR_NOW)}),
    ("Employee HR dataset: employee id, first name, last name, department, job title, salary range min and max",
     {"first_name": ("match", r"[A-Za-z'-]+"), "last_name": ("match", r"[A-Za-z' -]+"), "salary_min": ("int", 10_000, 1_000_000),
      "salary_max": ("int", 10_000, 2_000_000)}),
    ("Social posts with number of likes, number of shares, platform and post time",
     {"num_likes": ("int", 0, 10**9), "num_shares": ("int", 0, 10**9), "platform": ("category", 20), "post_time": ("datetime",)}),
    ("Weather readings with temperature in celsius, humidity percentage and wind speed",
     {"temperature_celsius": ("float", -60, 60), "humidity_percentage": ("float", 0, 100), "wind_speed": ("float", 0, 150)}),
    ("Prescriptions with patient id, medication, dosage in mg and refills",
     {"patient_id": ("unique",), "medication": ("category", 60)}),
    ("Support tickets with ticket id, priority, status (open, in progress, closed), resolution time in hours and satisfaction rating 1-5",
     {"ticket_id": ("unique",), "priority": ("category", 6), "status": ("one_of", ["open", "in progress", "closed"]),
      "resolution_time_hours": ("float", 0, 10_000), "satisfaction_rating": ("int", 1, 5)}),
    ("App installs with device iOS/Android, country, install date and is paying user",
     {"device": ("one_of", ["iOS", "Android"]), "country": ("category", 60), "install_date": ("date", 2000, YEAR_NOW),
      "is_paying_user": ("bool",)}),
    ("Survey answers: respondent id, age between 30 and 60, satisfaction score 0-10, would recommend yes/no",
     {"respondent_id": ("unique",), "age": ("int", 30, 60), "satisfaction_score": ("int", 0, 10), "would_recommend": ("bool",)}),
    ("Products with SKU, product name, category, price and stock quantity",
     {"sku": ("unique",), "product_name": ("category", 1000), "category": ("category", 40), "price": ("float", 0, 100_000),
      "stock_quantity": ("int", 0, 10**7)}),
    ("Bank transactions with account number, IBAN, transaction type, amount and balance",
     {"transaction_type": ("category", 20), "amount": ("float", 0, 10**8), "iban": ("match", r"[A-Z]{2}\d{2}[A-Z0-9 ]+")}),
    ("Flights with flight number, airline, departure airport, arrival airport, departure time and seat class",
     {"departure_airport": ("match", r"[A-Z]{3}"), "arrival_airport": ("match", r"[A-Z]{3}"), "departure_time": ("datetime",),
      "seat_class": ("category", 6)}),
    ("US addresses with street address, city, state abbreviation and zip code",
     {"state_abbreviation": ("match", r"[A-Z]{2}"), "zip_code": ("match", r"\d{5}")}),
    ("Books with ISBN, title, author, genre, publication year and page count",
     {"isbn": ("match", r"97[89][-\d]{10,14}"), "genre": ("category", 40), "publication_year": ("int", 1450, YEAR_NOW),
      "page_count": ("int", 1, 5000)}),
    ("Credit applications with applicant name, credit score, annual income and loan status (approved, denied, pending)",
     {"applicant_name": ("person",), "credit_score": ("int", 300, 850), "annual_income": ("float", 0, 10**8),
      "loan_status": ("one_of", ["approved", "denied", "pending"])}),
    ("customer churn data for a telecom company", {"customer_id": ("unique",), "contract_type": ("category", 5),
                                                  "monthly_charges": ("float", 0, 1000), "churned": ("bool",)}),
    ("web server access logs", {"ip_address": ("match", r"\d+\.\d+\.\d+\.\d+"), "status_code": ("int", 100, 599),
                                "timestamp": ("datetime",)}),
    ("IoT sensor readings", {"reading_timestamp": ("datetime",), "device_id": ("unique",)}),
    ("e-commerce orders", {"order_id": ("unique",)}),
    ("hotel reservations with guest name, check-in date, room type and nightly rate",
     {"guest_name": ("person",), "check_in_date": ("date", 2000, YEAR_NOW + 2), "room_type": ("category", 20),
      "nightly_rate": ("float", 20, 5000)}),
    ("Real estate listings with price, bedrooms, bathrooms, square feet and year built",
     {"price": ("float", 10_000, 10**8), "bedroom": ("int", 0, 20), "bathroom": ("float", 0, 20), "square_feet": ("int", 100, 50_000),
      "year_built": ("int", 1800, YEAR_NOW)}),
    ("Shipments: tracking number, carrier, origin city, destination city, weight in kg, ship date and delivery date",
     {"tracking_number": ("unique",), "carrier": ("category", 30), "weight_kg": ("float", 0, 100_000),
      "ship_date": ("date", 2000, YEAR_NOW + 1)}),
    ("Insurance claims with claim id, policy type, claim amount, claim status and filing date",
     {"claim_id": ("unique",), "claim_amount": ("float", 0, 10**8), "claim_status": ("category", 10),
      "filing_date": ("date", 2000, YEAR_NOW)}),
    ("Marketing campaigns with campaign name, channel, impressions, clicks, conversions and spend",
     {"channel": ("category", 20), "impression": ("int", 0, 10**10), "click": ("int", 0, 10**10), "spend": ("float", 0, 10**8)}),
    ("Cars for sale with make, model, year, mileage, fuel type and price",
     {"make": ("category", 60), "year": ("int", 1950, YEAR_NOW + 1), "mileage": ("int", 0, 10**6), "fuel_type": ("category", 10),
      "price": ("float", 100, 10**7)}),
    ("Football players with player name, team, position, goals and assists",
     {"player_name": ("person",), "position": ("category", 20), "goal": ("int", 0, 1000), "assist": ("int", 0, 1000)}),
    ("Movies with title, genre, release year, duration in minutes and rating out of 10",
     {"genre": ("category", 40), "release_year": ("int", 1880, YEAR_NOW + 2), "duration_minutes": ("int", 1, 1000),
      "rating": ("float", 0, 10)}),
    ("Crypto trades with coin symbol, side buy/sell, price in usd, quantity and trade time",
     {"side": ("one_of", ["buy", "sell"]), "trade_time": ("datetime",)}),
    ("Restaurant orders with order id, table number, dish, quantity, unit price and total",
     {"order_id": ("unique",), "dish": ("category", 200), "quantity": ("int", 1, 100)}),
    ("Farm records with crop type, yield per hectare, rainfall in mm and soil type",
     {"crop_type": ("category", 40), "soil_type": ("category", 20), "rainfall_mm": ("float", 0, 20_000)}),
    ("Energy meter readings with meter id, reading time, consumption in kWh and tariff",
     {"meter_id": ("unique",), "reading_time": ("datetime",), "consumption_kwh": ("float", 0, 10**6)}),
    ("Manufacturing quality checks with batch id, machine id, defect count, inspection date and passed flag",
     {"batch_id": ("unique",), "defect_count": ("int", 0, 10**6), "inspection_date": ("date", 2000, YEAR_NOW),
      "passed_flag": ("bool",)}),
    ("Fitness tracker data with user id, steps, calories burned, heart rate and sleep hours",
     {"step": ("int", 0, 100_000), "calories_burned": ("float", 0, 20_000), "heart_rate": ("int", 25, 250), "sleep_hour": ("float", 0, 24)}),
    ("Gaming sessions: player id, game mode, session length in minutes, score and level",
     {"player_id": ("unique",), "game_mode": ("category", 20), "session_length_minutes": ("float", 0, 10_000)}),
    ("Library loans with member name, book title, borrow date and return date",
     {"member_name": ("person",), "borrow_date": ("date", 2000, YEAR_NOW + 1), "return_date": ("date", 2000, YEAR_NOW + 2)}),
    ("Online course enrollments with student email, course, enrollment date, progress percentage and completed",
     {"student_email": ("email",), "course": ("category", 200), "enrollment_date": ("date", 2000, YEAR_NOW),
      "progress_percentage": ("float", 0, 100), "completed": ("bool",)}),
    ("Website sessions with session id, browser, operating system, device type, page views and bounce",
     {"browser": ("category", 20), "operating_system": ("category", 20), "device_type": ("category", 10),
      "page_view": ("int", 0, 100_000), "bounce": ("bool",)}),
    ("German customers with name, city and phone number", {"name": ("person",)}),
    ("Ride share trips with driver name, rider name, pickup time, distance in miles, fare and tip",
     {"driver_name": ("person",), "rider_name": ("person",), "pickup_time": ("datetime",), "fare": ("float", 0, 10_000)}),
    ("Influencers: handle, platform, follower count, engagement rate percent, niche, country",
     {"follower_count": ("int", 0, 10**10), "engagement_rate_percent": ("float", 0, 100), "niche": ("category", 60)}),
]


@pytest.mark.parametrize("description, expected", DESIGNER_CASES, ids=[c[0][:48] for c in DESIGNER_CASES])
def test_built_in_designer_makes_the_columns_a_reader_expects(client, description, expected):
    resp = client.post("/generate", json={"description": description, "rows": 400, "seed": 11, "designer": "offline"})
    assert resp.status_code == 200, resp.text
    rows = list(csv.reader(io.StringIO(resp.text)))
    header, body = rows[0], rows[1:]
    assert len(body) == 400
    assert len(expected) <= len(header) <= MAX_DESIGNED_COLUMNS, header
    problems = {}
    for name, rule in expected.items():
        found = [h for h in header if h == name or h.rstrip("s") == name or h == name + "s"]
        if not found:
            problems[name] = f"missing from {header}"
            continue
        why = check_cells([r[header.index(found[0])] for r in body], rule)
        if why:
            problems[name] = why
    assert not problems, problems


def test_schema_columns_say_which_words_they_came_from(client):
    resp = client.post("/schema", json={"description": "Patients with blood type, age between 20 and 40 and admission date"})
    cols = {c["name"]: c for c in resp.json()["schema"]["columns"]}
    assert cols["blood_type"]["description"] == "blood type"
    assert cols["age"]["description"] == "age between 20 and 40"
    assert (cols["age"]["min"], cols["age"]["max"]) == (20, 40)


def test_description_that_lists_nothing_gets_a_small_generic_table(client):
    resp = client.post("/schema", json={"description": "zzz qqq"})
    names = [c["name"] for c in resp.json()["schema"]["columns"]]
    assert len(names) >= 4 and "email" in names


# --- each relation rule on its own ---

def drafted(*specs) -> list[dict]:
    """Columns as the designer drafts them: name, type and that type's fields."""
    return [dict(s) for s in specs]


def public(columns: list[dict]) -> list[dict]:
    """Columns without the designer's private notes, as a schema holds them."""
    return [{k: v for k, v in c.items() if not k.startswith("_")} for c in columns]


def by_name(columns: list[dict]) -> dict[str, dict]:
    """Columns by name, without the designer's private notes (keys starting with _)."""
    return {c["name"]: {k: v for k, v in c.items() if not k.startswith("_")} for c in columns}


DATE = {"type": "date", "start": "2024-01-01", "end": "2024-12-31"}
MONEY = {"type": "float", "min": 1, "max": 500, "decimals": 2}


def test_rule_dates_in_order_puts_an_end_after_its_start():
    cols = drafted({"name": "order_date", **DATE}, {"name": "ship_date", **DATE})
    designer.dates_in_order(cols, None)
    ship = by_name(cols)["ship_date"]
    assert (ship["after"], ship["min_days"], ship["max_days"]) == ("order_date", 0, 5)
    assert "start" not in ship and "end" not in ship


def test_rule_hotel_stay_counts_nights_from_the_dates():
    cols = drafted({"name": "check_in", **DATE}, {"name": "check_out", **DATE},
                   {"name": "nights", "type": "int", "min": 1, "max": 9}, {"name": "total_price", **MONEY})
    designer.hotel_stay(cols, None)
    assert by_name(cols)["nights"] == {"name": "nights", "type": "formula", "expr": "check_out - check_in"}
    assert by_name(cols)["nightly_rate"]["hidden"] is True


def test_rule_line_total_is_quantity_times_price():
    cols = drafted({"name": "quantity", "type": "int", "min": 1, "max": 5}, {"name": "unit_price", **MONEY},
                   {"name": "total", **MONEY})
    designer.line_total(cols, None)
    assert by_name(cols)["total"]["expr"] == "round(quantity * unit_price, 2)"


def test_rule_birth_date_from_age_agrees():
    cols = drafted({"name": "age", "type": "int", "min": 20, "max": 60}, {"name": "birth_date", **DATE})
    designer.birth_date_from_age(cols, None)
    assert "age" in by_name(cols)["birth_date"]["expr"]


@pytest.mark.parametrize("domain, sign", [("education", "+"), (None, "-")])
def test_rule_graduation_year_from_age_depends_on_domain(domain, sign):
    cols = drafted({"name": "age", "type": "int", "min": 18, "max": 60},
                   {"name": "graduation_year", "type": "int", "min": 1990, "max": 2030})
    designer.graduation_year_from_age(cols, domain)
    assert by_name(cols)["graduation_year"]["expr"].startswith(f"year(today()) {sign}")


def test_rule_experience_from_age_never_exceeds_years_since_twenty():
    cols = drafted({"name": "age", "type": "int", "min": 20, "max": 60},
                   {"name": "years_experience", "type": "int", "min": 0, "max": 40})
    designer.experience_from_age(cols, None)
    assert by_name(cols)["years_experience"]["expr"] == "min(randint(0, max(age - 20, 0)), 45)"


def test_rule_salary_from_experience_grows_inside_its_range():
    cols = drafted({"name": "years_experience", "type": "int", "min": 0, "max": 30},
                   {"name": "salary", "type": "float", "min": 40000, "max": 90000})
    designer.salary_from_experience(cols, None)
    salary = by_name(cols)["salary"]["expr"]
    assert "years_experience" in salary and "40000" in salary and "90000" in salary


def test_rule_stock_day_brackets_open_and_close():
    cols = drafted({"name": "open", **MONEY}, {"name": "high", **MONEY}, {"name": "low", **MONEY},
                   {"name": "close", **MONEY})
    designer.stock_day(cols, None)
    table = table_of({"columns": public(cols)}, 5000)
    o, h, lo, c = (np.array(table.column(n).to_pylist()) for n in ("open", "high", "low", "close"))
    assert np.all(h >= np.maximum(o, c) - 0.01) and np.all(lo <= np.minimum(o, c) + 0.01)


def test_rule_min_max_pairs_keep_the_maximum_above():
    cols = drafted({"name": "min_price", **MONEY}, {"name": "max_price", **MONEY})
    designer.min_max_pairs(cols, None)
    table = table_of({"columns": public(cols)}, 5000)
    assert all(hi > lo for lo, hi in zip(table.column("min_price").to_pylist(), table.column("max_price").to_pylist()))


def test_rule_country_of_place_is_where_the_city_is():
    cols = drafted({"name": "city", "type": "faker", "method": "city"}, {"name": "zip", "type": "faker", "method": "zipcode"},
                   {"name": "country", "type": "choice", "values": ["France", "Peru"]})
    designer.country_of_place(cols, None)
    assert by_name(cols)["country"] == {"name": "country", "type": "faker", "method": "country"}


def test_rule_ad_funnel_narrows():
    cols = drafted({"name": "impressions", "type": "int", "min": 100, "max": 100000},
                   {"name": "clicks", "type": "int", "min": 0, "max": 5000},
                   {"name": "conversions", "type": "int", "min": 0, "max": 500}, {"name": "ctr", "type": "float", "min": 0, "max": 100})
    designer.ad_funnel(cols, None)
    table = table_of({"columns": public(cols)}, 5000)
    imp, clk, conv = (np.array(table.column(n).to_pylist()) for n in ("impressions", "clicks", "conversions"))
    assert np.all(clk <= imp) and np.all(conv <= clk)


def test_rule_total_charges_are_monthly_times_tenure():
    cols = drafted({"name": "monthly_charges", **MONEY}, {"name": "tenure_months", "type": "int", "min": 1, "max": 72},
                   {"name": "total_charges", **MONEY})
    designer.total_charges(cols, None)
    table = table_of({"columns": public(cols)}, 5000)
    m, t, tot = (np.array(table.column(n).to_pylist()) for n in ("monthly_charges", "tenure_months", "total_charges"))
    assert np.all(np.abs(tot / (m * t) - 1) <= 0.031)


def test_rule_formula_links_tie_net_pay_to_gross_and_tax():
    cols = drafted({"name": "gross_pay", **MONEY}, {"name": "tax", **MONEY}, {"name": "net_pay", **MONEY})
    designer.formula_links(cols, None)
    table = rows.main_rows(designer_schema(cols), 5000, 3)
    g, t, n = (np.array(table.column(x).to_pylist()) for x in ("gross_pay", "tax", "net_pay"))
    assert np.all(np.abs(g - t - n) < 0.011) and np.all(n <= g)


def test_rule_correlated_pairs_draw_size_and_price_together():
    cols = drafted({"name": "square_feet", "type": "int", "min": 400, "max": 5000},
                   {"name": "price", "type": "float", "min": 50000, "max": 2000000, "decimals": 2})
    designer.correlated_pairs(cols, None)
    schema = designer_schema(cols)
    table = rows.main_rows(schema, 5000, 4)
    r = np.corrcoef(table.column("square_feet").to_pylist(), table.column("price").to_pylist())[0, 1]
    assert r > 0.5


def test_rule_chance_links_approve_higher_scores_more_often():
    cols = drafted({"name": "credit_score", "type": "int", "min": 300, "max": 850},
                   {"name": "approved", "type": "bool", "p": 0.6})
    designer.chance_links(cols, None)
    table = rows.main_rows(designer_schema(cols), 20000, 3)
    score, ok = np.array(table.column("credit_score").to_pylist()), np.array(table.column("approved").to_pylist())
    assert ok[score >= 720].mean() > ok[score < 620].mean() + 0.2
    assert abs(ok.mean() - 0.6) < 0.03


def test_rule_ordinal_prices_follow_the_rank_of_a_known_scale():
    cols = drafted({"name": "room_type", "type": "choice", "values": ["Suite", "Standard", "Deluxe"]},
                   {"name": "nightly_rate", "type": "float", "min": 60, "max": 900, "mean": 200, "std": 80})
    designer.ordinal_prices(cols, None)
    table = rows.main_rows(designer_schema(cols), 20000, 3)
    rooms, rate = table.column("room_type").to_pylist(), np.array(table.column("nightly_rate").to_pylist())
    mean = {v: rate[np.array(rooms) == v].mean() for v in ("Standard", "Deluxe", "Suite")}
    assert mean["Standard"] < mean["Deluxe"] < mean["Suite"]


def test_rule_grade_from_score_agrees_in_every_row():
    cols = drafted({"name": "score", "type": "int", "min": 0, "max": 100},
                   {"name": "letter_grade", "type": "choice", "values": ["A", "B", "C", "D", "F"]})
    designer.grade_from_score(cols, None)
    table = rows.main_rows(designer_schema(cols), 5000, 3)
    for s, g in zip(table.column("score").to_pylist(), table.column("letter_grade").to_pylist()):
        assert g == ("A" if s >= 90 else "B" if s >= 80 else "C" if s >= 70 else "D" if s >= 60 else "F")


def test_rule_follow_up_measure_stays_near_its_baseline():
    cols = drafted({"name": "baseline_systolic", "type": "int", "min": 140, "max": 180},
                   {"name": "systolic_week_12", "type": "int", "min": 90, "max": 200})
    designer.follow_up_measure(cols, None)
    table = rows.main_rows(designer_schema(cols), 5000, 3)
    a, b = (np.array(table.column(x).to_pylist(), dtype=float) for x in ("baseline_systolic", "systolic_week_12"))
    assert np.corrcoef(a, b)[0, 1] > 0.7


def designer_schema(cols: list[dict]):
    """Drafted columns (with the designer's private keys) as a checked one-table schema."""
    from assembly import assemble
    from constraints import Table
    from types import SimpleNamespace
    return load_schema(assemble([Table("t", cols)], SimpleNamespace(locale="en_US"), "t"), 100)


def test_rule_records_agree_price_follows_the_coin():
    cols = drafted({"name": "symbol", "type": "choice", "values": ["BTC", "ETH", "DOGE"]},
                   {"name": "price", "type": "float", "min": 1, "max": 100})
    designer.records_agree(cols, None)
    table = rows.main_rows(designer_schema(cols), 6000, 3)
    sym, price = table.column("symbol").to_pylist(), np.array(table.column("price").to_pylist())
    mean = {s: price[np.array(sym) == s].mean() for s in ("BTC", "ETH", "DOGE")}
    assert mean["BTC"] > mean["ETH"] > 100 * mean["DOGE"]


def test_rule_records_agree_a_model_has_one_make():
    cols = drafted({"name": "make", "type": "choice", "values": ["x"]}, {"name": "model", "type": "faker", "method": "word"})
    designer.records_agree(cols, None)
    table = rows.main_rows(designer_schema(cols), 3000, 3)
    pairs = set(zip(table.column("model").to_pylist(), table.column("make").to_pylist()))
    assert len(pairs) == len({m for m, _ in pairs}) > 10


def test_rule_differ_pairs_never_end_where_they_start():
    airports = ["JFK", "LAX", "ORD", "ATL"]
    cols = drafted({"name": "origin_airport", "type": "choice", "values": airports},
                   {"name": "destination_airport", "type": "choice", "values": airports})
    designer.differ_pairs(cols, None)
    table = rows.main_rows(designer_schema(cols), 5000, 3)
    assert all(a != b for a, b in zip(table.column("origin_airport").to_pylist(),
                                      table.column("destination_airport").to_pylist()))


def test_rule_only_when_revenue_comes_from_converted_users():
    cols = drafted({"name": "converted", "type": "bool", "p": 0.2}, {"name": "revenue", **MONEY})
    designer.only_when(cols, None)
    table = rows.main_rows(designer_schema(cols), 5000, 3)
    for converted, revenue in zip(table.column("converted").to_pylist(), table.column("revenue").to_pylist()):
        assert (revenue > 0) == converted


def test_rule_value_factors_make_a_used_car_cheaper_with_age_and_miles():
    cols = drafted({"name": "year", "type": "int", "min": 2005, "max": 2025},
                   {"name": "mileage", "type": "int", "min": 0, "max": 250000}, {"name": "price", **MONEY})
    designer.value_factors(cols, "automotive")
    assert len(cols[2]["_factors"]) == 2
    data = main_table("used car listings: make, model, year, mileage, transmission, price", n=10000)
    assert np.corrcoef(data["year"], data["price"])[0, 1] > 0.2
    assert np.corrcoef(data["mileage"], data["price"])[0, 1] < -0.1


def test_every_relation_rule_has_its_own_test():
    tested = {name.removeprefix("test_rule_") for name in globals() if name.startswith("test_rule_")}
    for rule in designer.RELATIONS:
        assert any(t.startswith(rule.__name__) for t in tested), rule.__name__


# --- the phrase grammar, checked on rows ---

def designed(description: str):
    return OfflineDesigner().design(description)


def main_table(description: str, n: int = 4000, seed: int = 5) -> dict[str, list]:
    table = rows.main_rows(designed(description).schema, n, seed)
    return {name: table.column(name).to_pylist() for name in table.column_names}


def all_tables(description: str, n: int = 1000, seed: int = 5) -> dict[str, dict[str, list]]:
    schema = designed(description).schema
    the_plan = rows.plan(schema, n, seed)
    out = {}
    for table in schema.tables:
        if table.hidden:
            continue
        batch = pa_concat(rows.table_batches(the_plan, table.name))
        out[table.name] = {name: batch.column(name).to_pylist() for name in batch.column_names}
    return out


def pa_concat(batches):
    import pyarrow as pa
    return pa.concat_tables(list(batches))


def column(data: dict[str, list], pattern: str) -> list:
    name = next(n for n in data if re.search(pattern, n))
    return data[name]


def share(values: list, wanted) -> float:
    return sum(1 for v in values if v == wanted) / len(values)


def test_grammar_ranges_in_their_many_forms():
    data = main_table("Members with age between 30 and 50, score from 1 to 7, points up to 90, visits at least 2, "
                      "rating 0-10 and balance from $1,000 to 5k")
    assert 30 <= min(data["age"]) and max(data["age"]) <= 50
    assert set(data["score"]) <= set(range(1, 8))
    assert max(data["points"]) <= 90 and min(data["visits"]) >= 2
    assert 0 <= min(data["rating"]) and max(data["rating"]) <= 10
    assert 1000 <= min(data["balance"]) and max(data["balance"]) <= 5000


def test_grammar_share_of_a_value_and_of_a_flag():
    data = main_table("Insurance claims: claim id, status (open, settled, denied) with about 10% denied, amount. "
                      "Around 4% of claims are flagged as suspected fraud.", n=20000)
    assert abs(share(data["status"], "denied") - 0.10) < 0.015
    assert abs(share(column(data, "fraud"), True) - 0.04) < 0.015


def test_grammar_vague_shares_and_splits():
    data = main_table("A trial with a 1:1 split between placebo and treatment: participant id, arm, age. "
                      "Most participants are female.", n=20000)
    assert abs(share(data["arm"], "placebo") - 0.5) < 0.015
    flag = next((v for k, v in data.items() if "female" in k), None)
    assert flag is not None and share(flag, True) > 0.6


def test_grammar_order_in_minutes_and_days():
    data = main_table("Trips with trip id, pickup time and dropoff time (dropoff is 5 to 90 minutes after pickup), "
                      "booking date and travel date 1 to 30 days after the booking date")
    for a, b in zip(data["pickup_time"], data["dropoff_time"]):
        assert 5 * 60 - 1 <= (b - a).total_seconds() <= 90 * 60 + 1
    for a, b in zip(data["booking_date"], data["travel_date"]):
        assert 1 <= (b - a).days <= 30


def test_grammar_order_must_come_after_and_before():
    data = main_table("Applicants with name, application date and interview date. The interview date must come after "
                      "the application date. The offer date is before the start date.")
    assert all(b >= a for a, b in zip(data["application_date"], data["interview_date"]))
    assert all(b >= a for a, b in zip(column(data, "offer"), column(data, "start")))


def test_grammar_dependence_on_a_value_keeps_the_share():
    data = main_table("Bottles with line, shift (morning, afternoon, night) and pass/fail. Roughly 2% of bottles fail, "
                      "and the night shift has a higher failure rate than the others.", n=40000)
    fails = [r == "fail" for r in data["pass_fail"]]
    assert abs(sum(fails) / len(fails) - 0.02) < 0.01
    by = {s: np.mean([f for f, x in zip(fails, data["shift"]) if x == s]) for s in ("morning", "night")}
    assert by["night"] > by["morning"] * 1.5


def test_grammar_more_means_more_and_grows_with():
    data = main_table("Houses with size in square feet, price and age of roof. More square feet means a higher price. "
                      "Insurance cost grows with roof age.")
    assert np.corrcoef(column(data, "size|square"), data["price"])[0, 1] > 0.5


def test_grammar_higher_in_the_evening_than_at_night():
    data = main_table("Meter readings: meter id, timestamp, kWh. Consumption is higher in the evening (17:00-22:00) "
                      "than at night.", n=20000)
    hours = [t.hour for t in data["timestamp"]]
    kwh = np.array(data["kwh"], dtype=float)
    evening = kwh[[17 <= h < 22 for h in hours]].mean()
    night = kwh[[h < 6 for h in hours]].mean()
    assert evening > night * 1.3


def test_grammar_summer_and_weekends():
    data = main_table("Bookings with check-in date and nightly rate. Summer months (June-August) have higher rates.",
                      n=20000)
    months = [d.month for d in data["check_in_date"]]
    rate = np.array(data["nightly_rate"], dtype=float)
    assert rate[[m in (6, 7, 8) for m in months]].mean() > rate[[m not in (6, 7, 8) for m in months]].mean() * 1.3
    data = main_table("Parking sessions with entry time and fee. Fees are higher on weekends.", n=20000)
    days = [t.weekday() for t in data["entry_time"]]
    fee = np.array(data["fee"], dtype=float)
    assert fee[[d >= 5 for d in days]].mean() > fee[[d < 5 for d in days]].mean() * 1.2


def test_grammar_group_beyond_a_threshold():
    data = main_table("Claims with driver age 18 to 80 and claim amount. Younger drivers (under 25) file bigger claims.",
                      n=20000)
    age, amount = np.array(data["driver_age"]), np.array(data["claim_amount"], dtype=float)
    assert amount[age < 25].mean() > amount[age >= 25].mean() * 1.3


def test_grammar_ranks_from_comparatives_and_superlatives():
    data = main_table("Pizzas with size (S, M, L) and unit price. Large pizzas cost more than medium, medium more than "
                      "small.", n=20000)
    mean = {s: np.mean([p for p, x in zip(data["unit_price"], data["size"]) if x == s]) for s in "SML"}
    assert mean["S"] < mean["M"] < mean["L"]
    data = main_table("Rooms with room type (standard, sea view, suite) and nightly rate (suites most expensive, "
                      "standard cheapest)", n=20000)
    mean = {s: np.mean([p for p, x in zip(data["nightly_rate"], data["room_type"]) if x == s])
            for s in ("standard", "suite")}
    assert mean["standard"] < mean["suite"]


def test_grammar_counts_make_recurring_things():
    data = main_table("Trips with trip id, driver id and fare. There are 150 drivers.", n=5000)
    assert len(set(data["driver_id"])) == 150
    data = main_table("Calls with call id, agent name and duration. A team of 12 agents takes the calls.", n=3000)
    assert len(set(data["agent_name"])) == 12


def test_grammar_time_series_every_n_minutes_per_thing():
    schema = designed("Smart meter data: 40 households, one reading every 15 minutes per meter. Columns: meter id, "
                      "timestamp, kWh").schema
    table = rows.main_rows(schema, 4000, 2)
    meters, times = table.column("meter_id").to_pylist(), table.column("timestamp").to_pylist()
    assert len(set(meters)) == 40
    for (m1, t1), (m2, t2) in zip(zip(meters, times), zip(meters[1:], times[1:])):
        if m1 == m2:
            assert (t2 - t1).total_seconds() == 900


def test_grammar_formulas_hold_in_every_row():
    data = main_table("Orders with quantity 1-4, unit price, total = quantity * unit price, a 10% tax and grand total")
    for q, p, t in zip(data["quantity"], data["unit_price"], data["total"]):
        assert abs(t - round(q * p, 2)) < 0.011
    data = main_table("Rides with distance in km between 0.5 and 60 and a fare. The fare is 3 plus 1.80 per km, "
                      "rounded to cents.")
    for d, f in zip(data["distance_km"], data["fare"]):
        assert abs(f - round(3 + 1.8 * d, 2)) < 0.011
    data = main_table("Invoices with net amount, VAT 23%, total")
    for n, v, t in zip(column(data, "net"), data["vat"], data["total"]):
        assert abs(v - round(n * 0.23, 2)) < 0.011 and abs(t - round(n + v, 2)) < 0.011


def test_grammar_date_plus_days_and_conditions():
    data = main_table("Stays with check-in date, nights 1-14, check-out date = check-in + nights")
    for c, n, o in zip(data["check_in_date"], data["nights"], data["check_out_date"]):
        assert (o - c).days == n
    data = main_table("Students with final score out of 100 and passed (final score at least 50)")
    assert all(p == (s >= 50) for s, p in zip(data["final_score"], data["passed"]))


def test_grammar_hours_years_and_blanks():
    data = main_table("Orders with order id, order time (only during opening hours 11:00 to 23:00), claim date in 2024, "
                      "resolved date or blank if open, status (open, closed)")
    assert all(11 <= t.hour < 23 for t in data["order_time"])
    assert all(d.year == 2024 for d in data["claim_date"])
    assert all((r is None) == (s == "open") for r, s in zip(data["resolved_date"], data["status"]))


def test_grammar_constraint_words_never_reach_names_or_values():
    description = ("Car insurance claims. Policyholder age 18 to 85, claim amount mostly between 500 and 20000 with a "
                   "long tail, settlement date 10 to 120 days after the claim, status open/settled/denied with about 10% "
                   "denied. Younger drivers (under 25) file bigger claims on average.")
    schema = designed(description).schema
    words = re.compile(r"between|about|after|than|mostly|tail|younger|average|days|with")
    for col in schema.columns:
        assert not words.search(col.name), col.name
        assert not any(words.search(str(v)) for v in col.values or []), col.values


def test_grammar_statement_it_cannot_place_is_an_assumption():
    design = designed("Orders with order id and amount. The moon is made of cheese more than of rock.")
    assert any("could not be placed" in a or "were not placed" in a for a in design.assumptions)


def test_grammar_never_more_than_bounds_a_number_by_another():
    data = main_table("Fitness class attendance: class id, capacity 10-30, booked spots, attended count. Attended is "
                      "never more than booked, and booked never more than capacity.")
    assert all(a <= b <= c for a, b, c in zip(data["attended_count"], data["booked_spots"], data["capacity"]))
    assert len(set(data["booked_spots"])) > 5
    data = main_table("Mortgage applications: property value, loan amount (never more than 90% of the property value)")
    assert all(loan <= 0.9 * value + 0.01 for loan, value in zip(data["loan_amount"], data["property_value"]))


def test_grammar_ranges_of_percentages_and_bounds_in_another_unit():
    design = designed("Loans: loan id, interest rate between 3% and 8%, fee 1%-2%, wait time in seconds "
                      "(usually under 5 minutes)")
    names = {c.name for c in design.schema.columns}
    assert {"interest_rate", "fee", "wait_time_seconds"} <= names and not any("pct" in n for n in names), names
    data = main_table("Loans: loan id, interest rate between 3% and 8%, wait time in seconds (usually under 5 minutes)")
    assert 3 <= min(data["interest_rate"]) and max(data["interest_rate"]) <= 8
    assert max(data["wait_time_seconds"]) <= 300 and max(data["wait_time_seconds"]) > 60


def test_grammar_a_value_under_a_condition():
    data = main_table("Bookshop orders: order id, quantity between 1 and 3, price per book between $8 and $45, shipping "
                      "cost ($4.99 unless the order total is above $50, then free)")
    assert all(s == (0 if q * p > 50 else 4.99) for q, p, s in
               zip(data["quantity"], data["price_per_book"], data["shipping_cost"]))
    assert isinstance(data["price_per_book"][0], float)
    data = main_table("Deliveries: distance km, delivery fee (2.50 if the distance is over 10, otherwise 1.50)")
    assert all(f == (2.5 if d > 10 else 1.5) for d, f in zip(data["distance_km"], data["delivery_fee"]))


def test_grammar_most_are_single_sets_the_share_of_one():
    data = main_table("Bookshop orders: order id, quantity between 1 and 3. Most orders are for a single book.", n=20000)
    assert abs(share(data["quantity"], 1) - 0.75) < 0.015 and set(data["quantity"]) == {1, 2, 3}


def test_grammar_busier_at_a_time_keeps_the_bound():
    data = main_table("Fitness classes: class id, start time between 6am and 9pm, capacity 10-30, booked spots. Booked is "
                      "never more than capacity. Evening classes are busier than morning classes.", n=20000)
    evening = [b / c for b, c, t in zip(data["booked_spots"], data["capacity"], data["start_time"]) if t.hour >= 17]
    morning = [b / c for b, c, t in zip(data["booked_spots"], data["capacity"], data["start_time"]) if t.hour < 12]
    assert np.mean(evening) > np.mean(morning) * 1.3
    assert all(b <= c for b, c in zip(data["booked_spots"], data["capacity"]))


def test_grammar_longer_names_what_takes_time():
    data = main_table("Calls: call id, the agent who took it, talk time in seconds, call reason (claim, billing, other). "
                      "Claim calls take longer than billing calls.", n=20000)
    assert "agent" in data
    by = {r: np.mean([t for t, x in zip(data["talk_time_seconds"], data["call_reason"]) if x == r])
          for r in ("claim", "billing")}
    assert by["claim"] > by["billing"] * 1.3


def test_correlation_with_a_derived_number_follows_it():
    data = main_table("Mortgages: property value, loan amount (never more than 90% of the property value), loan-to-value "
                      "ratio, interest rate between 3% and 8%. A higher loan-to-value ratio means a higher interest rate.",
                      n=10000)
    for ltv, loan, value in zip(data["loan_to_value_ratio"], data["loan_amount"], data["property_value"]):
        assert abs(ltv - round(loan / value, 3)) < 0.0011
    assert np.corrcoef(data["loan_to_value_ratio"], data["interest_rate"])[0, 1] > 0.5
    assert 3 <= min(data["interest_rate"]) and max(data["interest_rate"]) <= 8


def test_recurring_things_keep_their_own_attributes():
    data = main_table("Readings from 20 machines every 15 minutes: machine id, machine type (lathe, press, mill), "
                      "location, timestamp, temperature", n=4000)
    seen: dict = {}
    for m, kind, place in zip(data["machine_id"], data["machine_type"], data["location"]):
        assert seen.setdefault(m, (kind, place)) == (kind, place)
    assert len(seen) == 20
    schema = designed("hourly weather observations").schema
    main = next(t for t in schema.tables if not t.hidden)
    times = next(c for c in main.columns if c.type == "datetime")
    assert times.step == "1h" and times.per


def test_words_that_count_things_do_not_rename_a_thing():
    design = designed("sales data")
    product = next(c for c in design.schema.columns if c.name == "product")
    assert product.type == "choice" and "Backpack" in product.values
    names = {c.name: c for c in designed("Shop: items purchased, books borrowed, amount sent, sent at").schema.columns}
    assert names["items_purchased"].type == "int" and names["books_borrowed"].type == "int"
    assert names["amount_sent"].type == "float" and names["sent_at"].type == "datetime"


def test_school_year_group_sets_birth_date_and_tutor_group():
    data = main_table("Student records: student number, date of birth, year group (7-13), tutor group")
    born = [dob + datetime.timedelta(days=(year + 4) * 365) for dob, year in zip(data["date_of_birth"], data["year_group"])]
    assert (max(born) - min(born)).days <= 365  # each year group is born within its own school year
    for year, group in zip(data["year_group"], data["tutor_group"]):
        assert group.startswith(str(year)) and group[len(str(year)):] in ("A", "B", "C", "D")


def test_grammar_how_long_things_last_and_fees_per_started_hour():
    data = main_table("A parking garage logs each car: ticket number, licence plate, entry time and exit time. Stays "
                      "last between 15 minutes and 10 hours. The fee is $2 per started hour, capped at $20.")
    for entry, leave, fee in zip(data["entry_time"], data["exit_time"], data["fee"]):
        hours = (leave - entry).total_seconds() / 3600
        assert 0.25 - 1e-6 <= hours <= 10 + 1e-6
        assert fee == min(20, 2 * math.ceil(hours - 1e-9))
    data = main_table("Bike trips with trip id, start time, end time, duration in minutes. Trips take 5 to 60 minutes.")
    assert all(5 <= d <= 60 for d in data["duration_minutes"])


def test_grammar_letter_ranges_and_like_new():
    names = {c.name: c for c in designed("Homes: EPC rating (A-G), condition (like new, good, fair)").schema.columns}
    assert names["epc_rating"].values == list("ABCDEFG")
    assert names["condition"].values == ["like new", "good", "fair"]


def test_grammar_verbs_name_what_they_measure():
    data = main_table("Employees: department (Engineering, HR), years of experience, annual salary. Salary should rise "
                      "with years of experience, Engineering pays more than HR.", n=20000)
    by = {d: np.mean([s for s, x in zip(data["annual_salary"], data["department"]) if x == d]) for d in ("Engineering", "HR")}
    assert by["Engineering"] > by["HR"] * 1.2
    assert np.corrcoef(data["years_of_experience"], data["annual_salary"])[0, 1] > 0.5
    data = main_table("Listings on a marketplace: listing id, condition (like new, good, fair), asking price, listed date "
                      "and sold date. About 60% sell, and items in like-new condition ask more than fair ones.", n=20000)
    assert abs(sum(d is not None for d in data["sold_date"]) / 20000 - 0.6) < 0.015
    by = {c: np.mean([p for p, x in zip(data["asking_price"], data["condition"]) if x == c]) for c in ("like new", "fair")}
    assert by["like new"] > by["fair"] * 1.3


def test_dataset_listed_before_a_colon_gets_the_fields_after_it():
    tables = all_tables("Doctors, patients and appointments: every appointment has one doctor and one patient, a start "
                        "time and a status (scheduled, completed, no-show). 50 doctors and 2000 patients.")
    assert {"doctors", "patients", "appointments"} <= set(tables)
    appointments = tables["appointments"]
    assert set(appointments["status"]) == {"scheduled", "completed", "no-show"}
    assert set(appointments["doctor_id"]) <= set(tables["doctors"]["doctor_id"])
    assert len(tables["doctors"]["doctor_id"]) == 50 and "start_time" in appointments


def test_money_follows_the_price_level_of_the_country():
    data = main_table("Indian food delivery orders in rupees: order id, order value, delivery time in minutes, tip")
    assert 200 < np.median(data["order_value"]) < 1500
    assert all(10 <= m <= 90 for m in data["delivery_time_minutes"])


def test_grammar_one_number_a_share_of_another():
    data = main_table("Daily ad performance: date, impressions, clicks, conversions. Clicks are about 2% of impressions "
                      "and conversions about 5% of clicks.")
    for i, c, v in zip(data["impressions"], data["clicks"], data["conversions"]):
        assert c <= i * 0.025 + 1 and v <= c * 0.0625 + 1
    assert 0.015 < sum(data["clicks"]) / sum(data["impressions"]) < 0.025
    data = main_table("Customers: customer id, churned. Churn is about 10% of customers.", n=20000)
    assert abs(share(data["churned"], True) - 0.10) < 0.015


def test_grammar_bands_of_a_score_and_named_counts():
    data = main_table("Exam results for 400 students across 3 subjects (maths, english, science): student id, subject, "
                      "score out of 100, and grade (A if 70 or more, B if 60-69, C if 50-59, otherwise F). Maths scores "
                      "are a bit lower than the others.", n=20000)
    assert set(data["subject"]) == {"maths", "english", "science"}
    for score, grade in zip(data["score"], data["grade"]):
        assert grade == ("A" if score >= 70 else "B" if score >= 60 else "C" if score >= 50 else "F")
    by = {x: np.mean([s for s, y in zip(data["score"], data["subject"]) if y == x]) for x in ("maths", "english")}
    assert by["maths"] < by["english"]


def test_grammar_shares_of_a_whole_number_and_rare_values():
    data = main_table("Trips: trip id, rating from 1 to 5 stars. Most ratings are 5 stars.", n=20000)
    assert abs(share(data["rating_stars"], 5) - 0.75) < 0.015
    data = main_table("Stock movements: id, type (inbound, outbound, transfer, adjustment), quantity. Outbound movements "
                      "are the most common, about half. Adjustments are rare.", n=20000)
    assert abs(share(data["type"], "outbound") - 0.5) < 0.015 and share(data["type"], "adjustment") < 0.06


def test_grammar_a_time_of_day_inside_the_subject():
    data = main_table("Ride trips: trip id, pickup time, distance in miles (0.5 to 40). Trips at night (10pm-4am) are "
                      "longer.", n=20000)
    night = [d for d, t in zip(data["distance_miles"], data["pickup_time"]) if t.hour >= 22 or t.hour < 4]
    day = [d for d, t in zip(data["distance_miles"], data["pickup_time"]) if 8 <= t.hour < 20]
    assert np.mean(night) > np.mean(day) * 1.3 and max(data["distance_miles"]) <= 40


def test_grammar_n_days_later_follows_the_date_before():
    data = main_table("Loans: loan id, loan date and a due date 21 days later")
    assert all((d - l).days == 21 for l, d in zip(data["loan_date"], data["due_date"]))


def test_series_per_counted_thing_with_labels():
    data = main_table("Daily ad performance for 25 campaigns over the last 90 days, one row per campaign per day: date, "
                      "campaign name, impressions, clicks", n=2000)
    assert len(set(data["campaign_name"])) == 25
    last: dict = {}
    for name, day in zip(data["campaign_name"], data["date"]):
        if name in last:
            assert (day - last[name]).days == 1
        last[name] = day


def test_ids_named_by_their_noun():
    names = {c.name: c for c in designed("Repair jobs: job number, invoice no, phone no, received date").schema.columns}
    assert names["job_number"].type == "id" and names["job_number"].prefix == "JOB-"
    assert names["phone_no"].method == "phone_number"


def test_dataset_n_parents_each_with_a_range_of_children():
    tables = all_tables("Departments and employees: 8 departments, each with 10-40 employees. Employees have a name, "
                        "a title, a salary and a manager flag.")
    per = {}
    for d in tables["employees"]["department_id"]:
        per[d] = per.get(d, 0) + 1
    assert all(10 <= n <= 40 for n in per.values())


def test_records_make_lab_results_agree_with_their_test():
    data = main_table("lab results: patient id, test name (HbA1c, LDL, TSH), result value, unit", n=3000)
    units = {"HbA1c": "%", "LDL": "mg/dL", "TSH": "mIU/L"}
    assert all(u == units[t] for t, u in zip(data["test_name"], data["unit"]))
    ldl = [v for t, v in zip(data["test_name"], data["result_value"]) if t == "LDL"]
    a1c = [v for t, v in zip(data["test_name"], data["result_value"]) if t == "HbA1c"]
    assert 60 < np.median(ldl) < 170 and 4 < np.median(a1c) < 8


def test_edit_through_the_same_grammar_for_ratios_bands_and_bounds():
    d = OfflineDesigner()
    schema = d.design("Classes: class id, capacity 10-30, booked spots, score out of 100, impressions, clicks").schema
    for instruction in ("clicks are about 2% of impressions", "add a grade (A if 70 or more, B if 60-69, otherwise F)",
                        "make booked never more than capacity"):
        design = d.edit(schema, instruction)
        assert not any("not understood" in a for a in design.assumptions), (instruction, design.assumptions)
        schema = design.schema
    table = rows.main_rows(schema, 3000, 4)
    data = {n: table.column(n).to_pylist() for n in table.column_names}
    assert all(b <= c for b, c in zip(data["booked_spots"], data["capacity"]))
    assert all(g == ("A" if s >= 70 else "B" if s >= 60 else "F") for s, g in zip(data["score"], data["grade"]))
    assert all(c <= i * 0.025 + 1 for i, c in zip(data["impressions"], data["clicks"]))


def test_a_thing_with_singular_fields_stays_one_table():
    schema = designed("A list of books with title and author").schema
    assert len([t for t in schema.tables if not t.hidden]) == 1
    assert {"title", "author"} <= {c.name for c in schema.columns}
    schema = designed("A blog with users, posts and comments").schema
    assert len(schema.tables) == 3


@pytest.mark.parametrize("words, names", [
    ("check-in and check-out dates", ("check_in_date", "check_out_date")),
    ("hire and termination dates", ("hire_date", "termination_date")),
])
def test_two_ends_of_one_thing_share_the_plural_head(words, names):
    schema = designed(f"Bookings with guest name, {words} and price").schema
    columns = {c.name: c for c in schema.columns}
    assert set(names) <= set(columns)
    assert all(columns[n].type in ("date", "formula") for n in names)
    table = rows.main_rows(schema, 2000, 3)
    start, end = (table.column(n).to_pylist() for n in names)
    assert all(isinstance(s, date) and not isinstance(s, datetime.datetime) for s in start if s is not None)
    assert all(e is None or s is None or e >= s for s, e in zip(start, end))


@pytest.mark.parametrize("description", ["Flights with departure and arrival times, airline and price",
                                         "Parking garage with entry time, exit time and fee"])
def test_a_price_from_two_times_reads_them_in_their_order(description):
    schema = designed(description).schema
    table = rows.main_rows(schema, 3000, 5)
    money = next(n for n in table.column_names if n in ("price", "fee"))
    assert min(v for v in table.column(money).to_pylist() if v is not None) >= 0


def test_a_field_and_a_plural_keep_their_own_heads():
    names = {c.name for c in designed("Customers with name and email addresses").schema.columns}
    assert "name" in names and "name_address" not in names


def test_unknown_domain_gets_a_table_from_its_nouns_and_says_so():
    design = designed("zzz qqq")
    assert design.assumptions and len(design.schema.columns) >= 4
    design = designed("sales data")
    assert any("assumed" in a for a in design.assumptions)
    assert {"order_date", "quantity", "unit_price", "total"} <= {c.name for c in design.schema.columns}


@pytest.mark.parametrize("description, checks", [
    ("payroll", lambda d: all(n <= g for n, g in zip(column(d, "net"), column(d, "gross")))),
    ("parking garage transactions", lambda d: all(b >= a for a, b in zip(d["entry_time"], d["exit_time"]))),
    ("web analytics sessions", lambda d: {"desktop", "mobile", "tablet"} >= set(d["device_type"])),
    ("vaccination records", lambda d: set(d["dose_number"]) <= {1, 2, 3}),
    ("podcast episodes", lambda d: min(d["duration_minutes"]) >= 10),
])
def test_terse_domains_have_the_expected_columns(description, checks):
    assert checks(main_table(description, n=2000))


# --- datasets of several tables ---

def test_dataset_from_a_list_of_things_with_per_ranges():
    data = all_tables("an online shop with customers, products and orders where each order has 1-5 items")
    assert {"customers", "products", "orders", "order_items"} <= set(data)
    customers = set(data["customers"]["customer_id"])
    assert set(data["orders"]["customer_id"]) <= customers
    per_order = {}
    for order in data["order_items"]["order_id"]:
        per_order[order] = per_order.get(order, 0) + 1
    assert set(data["order_items"]["order_id"]) <= set(data["orders"]["order_id"])
    assert 1 <= min(per_order.values()) and max(per_order.values()) <= 5
    prices = dict(zip(data["products"]["product_id"], data["products"]["price"]))
    for product, unit_price in zip(data["order_items"]["product_id"], data["order_items"]["unit_price"]):
        assert prices[product] == unit_price


def test_a_place_holding_several_things_names_the_dataset_and_its_items_are_a_table():
    text = "An online shop with customers, products and orders, where each order has one to five order items"
    schema = designed(text).schema
    assert {t.name for t in schema.tables} == {"customers", "products", "orders", "order_items"}
    assert schema.name == "online_shop"
    data = all_tables(text, n=2000)
    per_order: dict = {}
    for order in data["order_items"]["order_id"]:
        per_order[order] = per_order.get(order, 0) + 1
    assert set(per_order.values()) <= {1, 2, 3, 4, 5} and len(set(per_order.values())) >= 4
    items = data["order_items"]
    prices = dict(zip(data["products"]["product_id"], data["products"]["price"]))
    assert all(prices[p] == u for p, u in zip(items["product_id"], items["unit_price"]))
    assert all(abs(t - round(q * u, 2)) < 1e-6 for q, u, t in zip(items["quantity"], items["unit_price"], items["line_total"]))
    assert "product_id" not in data["orders"]
    signup = dict(zip(data["customers"]["customer_id"], data["customers"]["signup_date"]))
    orders = data["orders"]
    assert all(d >= signup[c] for c, d in zip(orders["customer_id"], orders["order_date"]))
    assert max(orders["order_date"]) <= date.today()
    line_sums: dict = {}
    for order, total in zip(items["order_id"], items["line_total"]):
        line_sums[order] = line_sums.get(order, 0) + total
    ratio = np.median(orders["total_amount"]) / np.median(list(line_sums.values()))
    assert 0.5 <= ratio <= 2, ratio
    # a plural head is one of the things: "Hospital wards with beds, patients and admissions"
    assert "hospital_wards" in {t.name for t in designed("Hospital wards with beds, patients and admissions").schema.tables}


def test_events_of_a_thing_follow_its_start():
    data = all_tables("Users and their comments", n=2000)
    signup = dict(zip(data["users"]["user_id"], data["users"]["signup_date"]))
    comments = data["comments"]
    assert all(t.date() >= signup[u] for u, t in zip(comments["user_id"], comments["created_at"]))
    assert len({t.date() for t in comments["created_at"]}) > 300


@pytest.mark.parametrize("description, table, wanted", [
    ("Customers", "customers", {"customer_id", "email", "signup_date", "city"}),
    ("products", "products", {"product_id", "product_name", "category", "price"}),
    ("employees", "employees", {"employee_id", "salary", "hire_date"}),
    ("patients", "patients", {"patient_id", "date_of_birth"}),
])
def test_a_terse_plural_is_a_table_of_that_thing(description, table, wanted):
    schema = designed(description).schema
    assert schema.main_table().name == table
    assert wanted <= {c.name for c in schema.main_table().columns}


def test_stock_prices_are_a_weekday_series_per_ticker():
    data = main_table("Stock prices with ticker, date, open, high, low, close and volume", n=3000)
    pairs = list(zip(data["ticker"], data["date"]))
    assert len(set(pairs)) == len(pairs)
    assert all(d.weekday() < 5 for d in data["date"])
    assert all(lo <= o <= hi and lo <= c <= hi for o, hi, lo, c in zip(data["open"], data["high"], data["low"], data["close"]))
    by_ticker: dict = {}
    for t, d in pairs:
        by_ticker.setdefault(t, []).append(d)
    for days in by_ticker.values():  # consecutive trading days: Friday to Monday, else the next day
        assert all((b - a).days in (1, 3) for a, b in zip(days, days[1:]))
    assert len(by_ticker) >= 10
    levels = {t: np.mean([o for tt, o in zip(data["ticker"], data["open"]) if tt == t]) for t in by_ticker}
    assert max(levels.values()) > 3 * min(levels.values())  # each ticker at its own price level


def test_working_days_in_words():
    data = main_table("Deliveries with delivery date, driver name and number of parcels, only on weekdays")
    assert all(d.weekday() < 5 for d in data["delivery_date"])
    data = main_table("Store sales with store, date and revenue, one row per store per business day", n=600)
    assert all(d.weekday() < 5 for d in data["date"])


def test_rule_trip_speed_taxi_trips_take_their_distance_at_city_speeds():
    data = main_table("taxi trips", n=5000)
    hours = [(b - a).total_seconds() / 3600 for a, b in zip(data["pickup_time"], data["dropoff_time"])]
    speeds = [d / h for d, h in zip(data["trip_distance_miles"], hours)]
    assert all(9.5 <= s <= 40.5 for s in speeds)
    by_hour = np.bincount([t.hour for t in data["pickup_time"]], minlength=24)
    assert by_hour[17:23].sum() / 6 > 2 * by_hour[2:6].sum() / 4  # evenings busy, small hours quiet
    data = main_table("Taxi trips with pickup time, dropoff time, trip distance km, duration minutes and fare")
    pairs = [(d, m) for d, m in zip(data["trip_distance_km"], data["duration_minutes"]) if m >= 10]  # whole minutes
    assert pairs and all(15 <= d / (m / 60) <= 68 for d, m in pairs)


def test_daily_things_per_thing_are_a_series_per_thing():
    data = main_table("Daily sales per store with store, date, units sold and revenue", n=400)
    pairs = list(zip(data["store"], data["date"]))
    assert len(set(pairs)) == len(pairs) and len(set(data["store"])) >= 5
    days: dict = {}
    for store, day in pairs:
        days.setdefault(store, []).append(day)
    assert all((b - a).days == 1 for run in days.values() for a, b in zip(run, run[1:]))
    schema = designed("Gym members with monthly fee per member and join date").schema
    assert not any(c.step for c in schema.columns)  # a monthly fee is a field, not a series


def test_rule_trip_speed_of_bikes_is_slower():
    data = main_table("Bike rentals with pickup time, dropoff time, distance km and price")
    hours = [(b - a).total_seconds() / 3600 for a, b in zip(data["pickup_time"], data["dropoff_time"])]
    assert all(9 <= d / h <= 25 for d, h in zip(data["distance_km"], hours))


def test_rule_tip_share_of_the_fare_by_card_and_mostly_none_in_cash():
    data = main_table("taxi trips", n=5000)
    card = [t / f for t, f, p in zip(data["tip"], data["fare"], data["payment_type"]) if p == "card"]
    cash = [t for t, p in zip(data["tip"], data["payment_type"]) if p == "cash"]
    assert sum(1 for x in card if 0.10 <= x <= 0.25) / len(card) > 0.8
    assert sum(1 for t in cash if t == 0) / len(cash) > 0.8
    data = main_table("Restaurant bills with bill amount, tip and payment method")
    assert all(0 <= t <= 0.5 * b for t, b in zip(data["tip"], data["bill_amount"]))


def test_hotel_stays_are_mostly_short_and_priced_by_room_rank():
    data = main_table("Hotel reservations with guest name, check-in date, check-out date, room type and nightly rate",
                      n=6000)
    nights = [(b - a).days for a, b in zip(data["check_in_date"], data["check_out_date"])]
    assert sum(1 for n in nights if 1 <= n <= 3) / len(nights) > 0.6 and min(nights) >= 1
    assert np.bincount(nights).argmax() in (1, 2)
    rate = {}
    for kind, price in zip(data["room_type"], data["nightly_rate"]):
        rate.setdefault(kind, []).append(price)
    mean = {k: np.mean(v) for k, v in rate.items()}
    suite = max(v for k, v in mean.items() if "Suite" in k and "Junior" not in k)
    deluxe = np.mean([v for k, v in mean.items() if "Deluxe" in k])
    standard = np.mean([v for k, v in mean.items() if "Standard" in k])
    assert suite > deluxe > standard


def test_dataset_from_their_and_counts():
    data = all_tables("customers and their orders")
    assert set(data["orders"]["customer_id"]) <= set(data["customers"]["customer_id"])
    data = all_tables("School database: students, courses, enrollments with grades. 300 students, 25 courses.")
    assert len(data["students"]["student_id"]) == 300 and len(data["courses"]["course_id"]) == 25
    assert set(data["enrollments"]["course_id"]) <= set(data["courses"]["course_id"])


def test_dataset_records_agree_and_popular_rows():
    data = all_tables("Movie streaming: users, movies (title, genre, release year) and ratings (1-5 stars, rated_at). "
                      "Popular movies get many more ratings than others.", n=3000)
    movies = data["movies"]
    assert len(set(movies["title"])) == len(movies["title"])
    counts = sorted((data["ratings"][k] for k in data["ratings"] if k.endswith("_id") and k != "rating_id"), key=len)
    ids = data["ratings"][next(k for k in data["ratings"] if "mov" in k)]
    top = sorted({i: ids.count(i) for i in set(ids)}.values(), reverse=True)
    assert sum(top[:10]) / len(ids) > 0.3 and counts


def test_readings_from_machines_are_a_hidden_table_and_one_csv():
    schema = designed("Sensor readings from 20 machines: machine id, timestamp, temperature").schema
    assert [t.name for t in schema.visible_tables()] == [schema.main_table().name]
    table = rows.main_rows(schema, 2000, 1)
    assert len(set(table.column("machine_id").to_pylist())) == 20


# --- locales ---

def test_country_picks_locale_and_money_on_its_scale():
    design = designed("Japanese employees with name, monthly salary and prefecture")
    assert design.schema.locale == "ja_JP"
    data = main_table("Japanese employees with name, monthly salary and prefecture")
    assert 150_000 <= np.median(data["monthly_salary"]) <= 2_500_000
    assert all(float(s).is_integer() for s in data["monthly_salary"])
    assert set(data["prefecture"]) <= {r[0] for r in json_regions("ja_JP")}
    data = main_table("German customers: Vorname, Nachname, PLZ, Stadt, Bundesland")
    assert set(data["bundesland"]) <= {r[0] for r in json_regions("de_DE")}
    assert all(re.fullmatch(r"\d{5}", p) for p in data["plz"])


@pytest.mark.parametrize("description, locale, wanted", [
    ("Clientes con nombre, edad, ciudad y fecha de registro", "es_ES",
     {"edad": "int", "ciudad": "faker", "fecha_de_registro": "date"}),
    ("Kunden mit Name, Alter, Stadt und Geburtsdatum", "de_DE",
     {"name": "faker", "alter": "int", "stadt": "faker", "geburtsdatum": "date"}),
])
def test_a_description_in_another_language_is_read_and_says_so(description, locale, wanted):
    design = designed(description)
    assert design.schema.locale == locale
    assert any("does not look English" in a for a in design.assumptions)
    types = {c.name: c.type for c in design.schema.columns}
    assert all(types.get(name) == kind for name, kind in wanted.items()), types
    data = main_table(description, n=500)
    assert 18 <= min(data[next(n for n in wanted if wanted[n] == "int")])
    english = designed("Sales at Los Angeles and San Diego stores with date, store and revenue")
    assert english.schema.locale == "en_US" and not any("English" in a for a in english.assumptions)


def json_regions(locale: str) -> list:
    import json
    return json.load(open(designer.VOCAB_PATH, encoding="utf-8"))["regions"][locale]


# --- editing a schema ---

@pytest.mark.parametrize("instruction, check", [
    ("make ages 30 to 50", lambda s: (s["age"]["min"], s["age"]["max"]) == (30, 50)),
    ("add a loyalty tier", lambda s: s["loyalty_tier"]["type"] == "choice"),
    ("drop the email", lambda s: "email" not in s),
    ("make churn 10%", lambda s: s["churned"]["p"] == 0.1),
    ("rename city to town", lambda s: "town" in s and "city" not in s),
    ("make ages 30 to 50 and add a loyalty tier", lambda s: s["age"]["max"] == 50 and "loyalty_tier" in s),
])
def test_edit_by_instruction(instruction, check):
    schema = designed("Customers with name, email, age, city and churned").schema
    edited = OfflineDesigner().edit(schema, instruction)
    assert check({c.name: c.model_dump(exclude_none=True) for c in edited.schema.columns}), edited.assumptions


def test_edit_over_http_and_unknown_instructions_say_so(client):
    schema = client.post("/schema", json={"description": "Customers with name, email and age"}).json()["schema"]
    resp = client.post("/schema", json={"schema": schema, "instruction": "make ages 30 to 50"})
    assert resp.status_code == 200, resp.text
    age = next(c for c in resp.json()["schema"]["columns"] if c["name"] == "age")
    assert (age["min"], age["max"]) == (30, 50)
    edited = OfflineDesigner().edit(designed("Customers with name and age").schema, "paint it blue")
    assert any("not understood" in a for a in edited.assumptions)


def test_identity_follows_code_and_knowledge_files():
    for name in ("designer.py", "phrases.py", "constraints.py", "relations.py", "datasets.py", "edits.py",
                 "vocab.json", "records.json"):
        assert name in designer.OWN_FILES
    assert OfflineDesigner().identity != OfflineDesigner({"concepts": []}).identity


def test_a_new_description_is_designed_quickly():
    import time
    d = OfflineDesigner()
    descriptions = [c[0] for c in DESIGNER_CASES][:20]
    times = []
    for text in descriptions:
        start = time.perf_counter()
        d.design(text + " ")
        times.append(time.perf_counter() - start)
    assert float(np.median(times)) < 0.05
