"""How fast rows are made, against the naive per-cell Faker loop measured in the same run.

    uv run bench.py            # 10k, 1M and 10M rows (a few minutes)
    uv run bench.py --quick    # 10k and 1M rows

Prints rows per second and peak memory for four schemas (the 10-column table, a 30-column table
with every column type, a table with three formulas, and a table whose columns depend on each
other through the newer fields: cases, conditions, hours, quantiles, correlations), written by
the command-line path to a file and streamed over HTTP to a client on 127.0.0.1; a dataset of four
tables (the shop: customers, products, orders, order items) with rows per second over all its
tables; the latency of 1,000 rows of a cached schema; the variety of names, cities and companies
against per-call Faker; and how long learning a schema from a 100,000-row sample takes. It asserts
nothing.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

HERE = Path(__file__).resolve().parent
NAIVE_ROWS = 20_000
VARIETY_ROWS = 1_000_000
NAIVE_VARIETY_ROWS = 100_000

TEN = {"name": "customers", "columns": [
    {"name": "full_name", "type": "faker", "method": "name"},
    {"name": "email", "type": "faker", "method": "email"},
    {"name": "age", "type": "int", "min": 18, "max": 80, "distribution": "normal", "mean": 40, "std": 12},
    {"name": "city", "type": "faker", "method": "city"},
    {"name": "signup_date", "type": "date", "start": "2020-01-01", "end": "2025-12-31"},
    {"name": "plan", "type": "choice", "values": ["Free", "Pro", "Team", "Enterprise"], "weights": [60, 25, 10, 5]},
    {"name": "monthly_spend", "type": "float", "min": 0, "max": 500, "distribution": "lognormal", "mean": 40, "std": 30},
    {"name": "is_active", "type": "bool", "p": 0.8},
    {"name": "company", "type": "faker", "method": "company"},
    {"name": "phone_number", "type": "faker", "method": "phone_number"},
]}

THIRTY = {"name": "everything", "columns": [
    {"name": "row_id", "type": "id"},
    {"name": "order_ref", "type": "id", "prefix": "ORD-", "width": 8},
    {"name": "uuid", "type": "id", "format": "uuid"},
    {"name": "first_name", "type": "faker", "method": "first_name"},
    {"name": "last_name", "type": "faker", "method": "last_name"},
    {"name": "email", "type": "faker", "method": "email"},
    {"name": "user_name", "type": "faker", "method": "user_name"},
    {"name": "street", "type": "faker", "method": "street_address"},
    {"name": "city", "type": "faker", "method": "city"},
    {"name": "state", "type": "faker", "method": "state_abbr"},
    {"name": "zip", "type": "faker", "method": "zipcode"},
    {"name": "job", "type": "faker", "method": "job"},
    {"name": "ip", "type": "faker", "method": "ipv4"},
    {"name": "url", "type": "faker", "method": "url"},
    {"name": "note", "type": "faker", "method": "sentence", "null_rate": 0.5},
    {"name": "segment", "type": "choice", "values": ["consumer", "business"], "weights": [80, 20]},
    {"name": "tier", "type": "choice", "values": ["basic", "plus", "pro"], "depends_on": "segment",
     "cases": [{"when": "business", "weights": [10, 30, 60]}]},
    {"name": "quantity", "type": "int", "min": 1, "max": 20, "distribution": "poisson", "mean": 3},
    {"name": "visits", "type": "int", "min": 0, "max": 1000, "distribution": "exponential", "mean": 30},
    {"name": "unit_price", "type": "float", "min": 1, "max": 500, "distribution": "lognormal", "mean": 40, "std": 50},
    {"name": "score", "type": "float", "min": 0, "max": 100, "distribution": "normal", "mean": 70, "std": 10, "decimals": 1},
    {"name": "discount", "type": "float", "min": 0, "max": 0.5, "decimals": 3},
    {"name": "verified", "type": "bool", "p": 0.7},
    {"name": "ordered_on", "type": "date", "start": "2023-01-01", "end": "2025-12-31"},
    {"name": "shipped_on", "type": "date", "after": "ordered_on", "min_days": 0, "max_days": 5},
    {"name": "created_at", "type": "datetime", "start": "2023-01-01", "end": "2025-12-31"},
    {"name": "sku", "type": "pattern", "pattern": "SKU-#####-??"},
    {"name": "helper", "type": "int", "min": 0, "max": 9, "hidden": True},
    {"name": "line_total", "type": "formula", "expr": "round(quantity * unit_price * (1 - discount), 2)"},
    {"name": "label", "type": "formula", "expr": "upper(tier) + '-' + str(helper)"},
    {"name": "days_to_ship", "type": "formula", "expr": "shipped_on - ordered_on"},
]}

FORMULAS = {"name": "order_lines", "columns": [
    {"name": "line_id", "type": "id"},
    {"name": "quantity", "type": "int", "min": 1, "max": 10, "distribution": "poisson", "mean": 2},
    {"name": "unit_price", "type": "float", "min": 1, "max": 300, "distribution": "lognormal", "mean": 30, "std": 40},
    {"name": "ordered_on", "type": "date", "start": "2024-01-01", "end": "2025-12-31"},
    {"name": "line_total", "type": "formula", "expr": "round(quantity * unit_price, 2)"},
    {"name": "tax", "type": "formula", "expr": "round(line_total * 0.08 + normal(0, 0.01), 2)"},
    {"name": "due_on", "type": "formula", "expr": "ordered_on + if(line_total > 500, 60, 30)"},
]}

SIGNAL = {"name": "signal", "columns": [
    {"name": "level", "type": "choice", "values": ["junior", "mid", "senior"], "weights": [50, 30, 20]},
    {"name": "salary", "type": "float", "min": 20000, "max": 300000, "distribution": "normal", "mean": 50000,
     "std": 8000, "depends_on": "level", "cases": [{"when": "mid", "mean": 80000},
                                                   {"when": "senior", "mean": 140000, "min": 90000}]},
    {"name": "channel", "type": "choice", "values": ["online", "store"]},
    {"name": "fraud", "type": "bool", "p": 0.01, "depends_on": "channel", "cases": [{"when": "online", "p": 0.05}]},
    {"name": "ordered_at", "type": "datetime", "start": "2024-01-01", "end": "2025-12-31", "hours": "08:00-22:00",
     "weekdays": [1, 1, 1, 1, 2, 3, 2]},
    {"name": "converted", "type": "bool", "p": 0.3},
    {"name": "revenue", "type": "float", "min": 5, "max": 500, "distribution": "lognormal", "mean": 60,
     "null_if": "not converted"},
    {"name": "size_m2", "type": "float", "min": 20, "max": 400, "distribution": "lognormal", "mean": 90, "std": 40},
    {"name": "price", "type": "float", "min": 50000, "max": 3000000, "distribution": "lognormal", "mean": 400000,
     "std": 200000},
    {"name": "basket", "type": "float", "min": 0, "max": 900, "distribution": "empirical",
     "quantiles": [0, 0, 0, 4.5, 9, 15, 22, 35, 60, 120, 900]},
    {"name": "hour", "type": "formula", "expr": "hour(ordered_at)"},
], "correlations": {"columns": ["size_m2", "price"], "matrix": [[1, 0.8], [0.8, 1]]}}

SCHEMAS = {"10-column": TEN, "30-column, every type": THIRTY, "3 formulas": FORMULAS, "dependent fields": SIGNAL}

SHOP = {"name": "shop", "tables": [
    {"name": "customers", "rows": 1000, "columns": [
        {"name": "customer_id", "type": "id"},
        {"name": "name", "type": "faker", "method": "name"},
        {"name": "email", "type": "faker", "method": "email"},
        {"name": "signup_date", "type": "date", "start": "2022-01-01", "end": "2025-12-31"}]},
    {"name": "products", "data": [
        {"product_id": 1, "name": "Trail Running Shoes", "category": "Footwear", "price": 129.0},
        {"product_id": 2, "name": "Merino Wool Socks", "category": "Apparel", "price": 18.5},
        {"product_id": 3, "name": "Rain Jacket", "category": "Apparel", "price": 89.0}]},
    {"name": "orders", "per": {"table": "customers", "min": 0, "max": 6, "mean": 2}, "columns": [
        {"name": "order_id", "type": "id", "prefix": "ORD-"},
        {"name": "customer_id", "type": "ref", "table": "customers"},
        {"name": "order_date", "type": "date", "after": "customer_id.signup_date", "min_days": 0, "max_days": 365},
        {"name": "status", "type": "choice", "values": ["shipped", "delivered", "returned"], "weights": [20, 75, 5]}]},
    {"name": "order_items", "per": {"table": "orders", "min": 1, "max": 5, "mean": 2}, "columns": [
        {"name": "order_id", "type": "ref", "table": "orders"},
        {"name": "product_id", "type": "ref", "table": "products", "distribution": "zipf"},
        {"name": "quantity", "type": "int", "min": 1, "max": 4},
        {"name": "line_total", "type": "formula", "expr": "round(quantity * product_id.price, 2)"}]},
]}

CHILD = """
import resource, sys, time, json
sys.path.insert(0, {here!r})
import main, rows, schema as schemas, writers
schema = schemas.Schema.model_validate(json.loads({schema!r}))
rows.pa.array([0])  # Arrow loads pandas on its first array: a start-up cost, not a cost per row
t = time.perf_counter()
with open({out!r}, "wb") as f:
    main.write_output(writers.render(schema, {rows}, 1), f, {rows}, progress=False)
secs = time.perf_counter() - t
total = sum(rows.plan(schema, {rows}, 1).sizes[t.name] for t in schema.visible_tables())
print(json.dumps({{"secs": secs, "rows": total, "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}}))
"""


def naive_rate(rows: int) -> float:
    """The per-cell loop of FACTS.md: Faker per value, rows kept, then written with the csv
    module (FACTS.md used pandas' to_csv, which is slower: the ratios here are conservative)."""
    import csv

    import faker

    fake = faker.Faker("en_US")
    fake.seed_instance(1)
    t = time.perf_counter()
    data = [{"full_name": fake.name(), "email": fake.email(), "age": fake.random_int(18, 80),
             "city": fake.city(), "signup_date": fake.date_between("-5y", "today"),
             "plan": fake.random_element(["Free", "Pro", "Team", "Enterprise"]),
             "monthly_spend": round(fake.pyfloat(min_value=0, max_value=500), 2),
             "is_active": fake.boolean(), "company": fake.company(), "phone_number": fake.phone_number()}
            for _ in range(rows)]
    with open(os.devnull, "w", newline="") as out:
        writer = csv.DictWriter(out, fieldnames=list(data[0]))
        writer.writeheader()
        writer.writerows(data)
    return rows / (time.perf_counter() - t)


def cli_run(schema: dict, rows: int) -> tuple[float, float]:
    """Rows per second written (over every written table of a dataset) and the peak memory."""
    with tempfile.TemporaryDirectory() as tmp:
        out = str(Path(tmp) / "out")
        code = CHILD.format(here=str(HERE), schema=json.dumps(schema), out=out, rows=rows)
        done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
        result = json.loads(done.stdout.strip().splitlines()[-1])
    return result["rows"] / result["secs"], result["peak_mb"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    def __init__(self) -> None:
        self.port = free_port()
        self.tmp = tempfile.TemporaryDirectory()
        env = os.environ | {"PORT": str(self.port), "DESIGNER": "offline", "LOG_LEVEL": "WARNING",
                            "SCHEMA_CACHE": str(Path(self.tmp.name) / "schemas.json"), "MAX_ROWS": "10000000"}
        self.proc = subprocess.Popen([sys.executable, str(HERE / "main.py")], env=env, cwd=HERE,
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for _ in range(100):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{self.port}/health", timeout=1)
                return
            except OSError:
                time.sleep(0.1)
        raise SystemExit("the server did not start")

    def peak_mb(self) -> float:
        for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
        return float("nan")

    def post(self, body: dict) -> tuple[float, int]:
        req = urllib.request.Request(f"http://127.0.0.1:{self.port}/generate", data=json.dumps(body).encode(),
                                     headers={"Content-Type": "application/json"})
        t = time.perf_counter()
        size = 0
        with urllib.request.urlopen(req, timeout=600) as resp:
            while chunk := resp.read(1 << 20):
                size += len(chunk)
        return time.perf_counter() - t, size

    def close(self) -> None:
        self.proc.terminate()
        self.proc.wait()
        self.tmp.cleanup()


def variety() -> None:
    """Distinct names, cities and companies: vectorized per 1M rows, per-call Faker per 100k."""
    import faker

    sys.path.insert(0, str(HERE))
    from rows import BLOCK_ROWS, make_block
    from schema import Schema

    schema = Schema.model_validate({"columns": [
        {"name": "name", "type": "faker", "method": "name"}, {"name": "city", "type": "faker", "method": "city"},
        {"name": "company", "type": "faker", "method": "company"}]})
    seen: dict[str, set] = {"name": set(), "city": set(), "company": set()}
    counts: dict[int, dict[str, int]] = {}
    for b in range(-(-VARIETY_ROWS // BLOCK_ROWS)):
        table = make_block(schema, 1, b, VARIETY_ROWS)
        for col in seen:
            seen[col].update(table.column(col).to_pylist())
        if (b + 1) * BLOCK_ROWS >= NAIVE_VARIETY_ROWS and NAIVE_VARIETY_ROWS not in counts:
            counts[NAIVE_VARIETY_ROWS] = {c: len(s) for c, s in seen.items()}
    ours = {c: len(s) for c, s in seen.items()}
    fake = faker.Faker("en_US")
    fake.seed_instance(1)
    naive = {"name": len({fake.name() for _ in range(NAIVE_VARIETY_ROWS)}),
             "city": len({fake.city() for _ in range(NAIVE_VARIETY_ROWS)}),
             "company": len({fake.company() for _ in range(NAIVE_VARIETY_ROWS)})}
    first = min(counts)  # the first block boundary at or past NAIVE_VARIETY_ROWS
    print(f"\nDistinct values (vectorized at {VARIETY_ROWS:,} rows; both at ~{NAIVE_VARIETY_ROWS:,} rows"
          " against per-call Faker; FACTS.md: per-call Faker per 1M gives 330k names, 91k cities, 535k companies)")
    print(f"{'column':10} {'ours @1M':>10} {'ours @100k':>11} {'Faker @100k':>12} {'ratio':>6}")
    for col in seen:
        ours_small = counts[first][col] * NAIVE_VARIETY_ROWS / (-(-NAIVE_VARIETY_ROWS // BLOCK_ROWS) * BLOCK_ROWS)
        print(f"{col:10} {ours[col]:>10,} {ours_small:>11,.0f} {naive[col]:>12,} {ours_small / naive[col]:>6.0%}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="skip the 10M-row runs")
    args = parser.parse_args()
    sizes = [10_000, 1_000_000] + ([] if args.quick else [10_000_000])

    naive = naive_rate(NAIVE_ROWS)
    print(f"naive per-cell Faker loop, {NAIVE_ROWS:,} rows of the 10-column table: {naive:,.0f} rows/s\n")
    print(f"{'schema':24} {'path':5} {'rows':>11} {'rows/s':>12} {'x naive':>8} {'peak MB':>8}")
    server = Server()
    try:
        for label, schema in SCHEMAS.items():
            for rows in sizes:
                if label in ("3 formulas", "dependent fields") and rows > 1_000_000:
                    continue
                rate, peak = cli_run(schema, rows)
                print(f"{label:24} {'cli':5} {rows:>11,} {rate:>12,.0f} {rate / naive:>8.0f} {peak:>8.0f}")
                secs, _ = server.post({"schema": schema, "rows": rows, "seed": 1})
                print(f"{label:24} {'http':5} {rows:>11,} {rows / secs:>12,.0f} {rows / secs / naive:>8.0f} "
                      f"{server.peak_mb():>8.0f}")
        for customers in (100_000, 1_000_000):  # a ZIP of four CSV files; rates count the rows of every table
            rate, peak = cli_run(SHOP, customers)
            print(f"{'shop, 4 tables':24} {'cli':5} {customers:>11,} {rate:>12,.0f} {rate / naive:>8.0f} {peak:>8.0f}"
                  "   (rows: customers; rate: all tables)")
        description = {"description": "Customers with name, email, age, city and signup date", "rows": 1000, "seed": 1}
        server.post(description)  # design once; the rest are cache hits
        times = sorted(server.post(description)[0] for _ in range(50))
        print(f"\n1,000 rows of a cached schema, request to last byte: median {times[25] * 1000:.1f} ms, "
              f"worst of 50 {times[-1] * 1000:.1f} ms")
    finally:
        server.close()
    variety()
    fit_speed()


# --- fitting a sample: how long learning a schema from 100,000 rows of 20 columns takes ---

def fit_speed(rows: int = 100_000) -> None:
    """Fit a 20-column CSV (numbers with zeros, counts, categories, two date formats, codes, a
    flag, text with empty cells): the schema alone, then the whole answer of /fit with its report."""
    import numpy as np
    import pandas as pd

    sys.path.insert(0, str(HERE))
    import fit
    import sample

    rng = np.random.default_rng(4)
    cols: dict[str, object] = {"id": np.arange(1, rows + 1)}
    for i in range(5):
        cols[f"x{i}"] = np.round(rng.lognormal(2 + i / 3, 0.8, rows), 2)
    cols["x0"] = np.where(rng.random(rows) < 0.2, 0, cols["x0"])
    for i in range(3):
        cols[f"count{i}"] = rng.poisson(3 + i, rows)
    for i in range(5):
        cols[f"cat{i}"] = rng.choice([f"v{j}" for j in range(6 + i)], rows)
    cols["day"] = (pd.Timestamp("2018-01-01") + pd.to_timedelta(rng.integers(0, 2500, rows), "D")).strftime("%m/%d/%Y")
    cols["at"] = (pd.Timestamp("2022-01-01") + pd.to_timedelta(rng.integers(0, 10**8, rows), "s")).strftime(
        "%Y-%m-%d %H:%M:%S")
    cols["code"] = [f"AB{v:06d}" for v in rng.integers(0, 10**6, rows)]
    cols["flag"] = rng.choice(["true", "false"], rows)
    cols["note"] = np.where(rng.random(rows) < 0.5, None, "a short note about this row")
    data = pd.DataFrame(cols).to_csv(index=False).encode()
    t = time.perf_counter()
    frame, _ = sample.read_sample(data, "sample.csv")
    names, _ = sample.clean_names([str(c) for c in frame.columns])
    profiles = [sample.profile_column(n, str(s), frame[s]) for n, s in zip(names, frame.columns)]
    fit.build_schema(profiles, np.arange(len(frame)), sample.text_locale(profiles), "sample")
    schema_secs = time.perf_counter() - t
    t = time.perf_counter()
    fitted = fit.fit_sample(data, "sample.csv")
    total = time.perf_counter() - t
    print(f"\nfit {rows:,} rows x 20 columns ({len(data) / 1e6:.1f} MB CSV): schema {schema_secs:.1f} s, "
          f"with the report (shapes, trends, privacy) {total:.1f} s; report score {fitted.report['score']}")


if __name__ == "__main__":
    main()
