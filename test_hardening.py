"""Nothing a request, a cached entry or a model answer holds can hold a slot, exhaust the
machine or crash the service: each found way is a test here, answered by a clean 4xx before the
first byte, or by a correct answer in bounded time and memory. The long fuzz run is in the slow
suite (`uv run pytest -m slow`)."""

from __future__ import annotations

import json
import os
import random
import socket
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

import main
from cache import SchemaCache
from schema import load_schema
from testkit import (COUNT_SCHEMA, DESC, GOOD_SCHEMA, HERE, chat, csv_columns, live_server, llm_settings_for,
                     make_settings, parse_csv, schema_of, service_env)

A = {"name": "a", "type": "int", "min": 1, "max": 100_000}


def post(client, schema, rows=70_000, **extra):
    """JSON as a hostile client writes it: escapes such as a lone surrogate (\\ud800) kept."""
    body = json.dumps({"schema": schema, "rows": rows, "seed": 1, **extra})
    return client.post("/generate", content=body.encode(), headers={"Content-Type": "application/json"})


# --- slots ---

def test_six_clients_that_hang_up_free_every_slot_within_a_second(tmp_path):
    app = main.create_app(make_settings(tmp_path, max_concurrent_generations=6))
    big = {"schema": GOOD_SCHEMA, "rows": 1_000_000, "seed": 1}
    with live_server(app) as url:
        host, port = url.removeprefix("http://").split(":")
        body = json.dumps(big).encode()
        sockets = []
        for _ in range(6):
            s = socket.create_connection((host, int(port)))
            s.sendall(b"POST /generate HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                      + f"Content-Length: {len(body)}\r\n\r\n".encode() + body)
            s.recv(65536)  # the headers and the first rows have come
            sockets.append(s)
        assert app.state.slots.free == 0
        for s in sockets:
            s.close()
        gone = time.monotonic()
        while app.state.slots.free < 6:
            assert time.monotonic() - gone < 1.0, f"{6 - app.state.slots.free} slots still held"
            time.sleep(0.02)


def test_slow_model_and_sixty_requests_leave_health_fast(tmp_path, fake_model):
    fake_model.set(chat(GOOD_SCHEMA, delay=3))
    app = main.create_app(llm_settings_for(tmp_path, fake_model, model_timeout=10))
    limits = httpx.Limits(max_connections=100)
    with live_server(app) as url, ThreadPoolExecutor(60) as pool, \
            httpx.Client(base_url=url, timeout=30, limits=limits) as crowd, httpx.Client(base_url=url) as probe:
        assert probe.get("/health").status_code == 200   # connected before the crowd comes
        waiting = [pool.submit(crowd.post, "/generate", json={"description": DESC, "rows": 3}) for _ in range(60)]
        time.sleep(1)
        started = time.monotonic()
        assert probe.get("/health").status_code == 200
        assert time.monotonic() - started < 0.5
        assert all(w.result().status_code == 200 for w in waiting)
    assert fake_model.calls == 1   # one description, designed once


# --- unbounded work inside the limits ---

@pytest.mark.parametrize("column, words", [
    ({"name": "p", "type": "faker", "method": "file_path", "args": {"depth": 1_000_000}}, "depth"),
    ({"name": "p", "type": "faker", "method": "uri_path", "args": {"deep": 100_000_000}}, "deep"),
    ({"name": "p", "type": "faker", "method": "passport_gender", "args": {"seed": 5}}, "seed"),
    ({"name": "r", "type": "formula", "expr": "round(a, 1000000000000000)"}, "whole number"),
])
def test_unbounded_arguments_are_a_422(client, column, words):
    answer = post(client, schema_of(A, column), rows=10)
    assert answer.status_code == 422 and words in answer.json()["detail"]


def test_wide_text_block_over_its_budget_is_a_422_before_any_byte(client):
    columns = [{"name": f"p{i}", "type": "faker", "method": "paragraph"} for i in range(200)]
    started = time.monotonic()
    answer = post(client, schema_of(*columns))
    assert answer.status_code == 422 and "MB" in answer.json()["detail"]
    assert time.monotonic() - started < 60


def test_chained_text_formulas_stay_small(client):
    value = {"name": "v", "type": "choice", "values": ["x" * 200], "hidden": True}
    c1 = {"name": "c1", "type": "formula", "expr": " + ".join(["v"] * 50), "hidden": True}
    c2 = {"name": "c2", "type": "formula", "expr": " + ".join(["c1"] * 50), "hidden": True}
    c3 = {"name": "c3", "type": "formula", "expr": " + ".join(["c2"] * 50), "hidden": True}
    c4 = {"name": "c4", "type": "formula", "expr": " + ".join(["c3"] * 50)}
    answer = post(client, schema_of(value, c1, c2, c3, c4), rows=1000)
    assert answer.status_code == 200
    assert all(len(v) == 1000 for v in csv_columns(answer.content)["c4"])


def test_datetime_plus_huge_random_days_is_empty_past_2100(client):
    cols = [{"name": "d", "type": "datetime", "start": "2024-01-01", "end": "2024-12-31"},
            {"name": "far", "type": "formula", "expr": "d + uniform(0, 30000000)"}]
    started = time.monotonic()
    answer = post(client, schema_of(*cols))
    assert answer.status_code == 200 and time.monotonic() - started < 20
    far = csv_columns(answer.content)["far"]
    assert len(far) == 70_000 and all(v == "" or v[:4] <= "2100" for v in far)


def test_chain_of_long_after_delays_is_quick_and_empty_past_2100(client):
    cols = [{"name": "d0", "type": "datetime", "start": "2000-01-01", "end": "2001-01-01"}]
    cols += [{"name": f"d{i}", "type": "datetime", "after": f"d{i - 1}", "min_days": 0, "max_days": 73_200}
             for i in range(1, 200)]
    started = time.monotonic()
    answer = post(client, schema_of(*cols), rows=1000)
    assert answer.status_code == 200 and time.monotonic() - started < 20
    assert csv_columns(answer.content)["d199"][0] == ""


# --- schemas that pass the checks must not fail later ---

@pytest.mark.parametrize("column", [
    {"name": "c", "type": "choice", "values": [99999999999999999999999999]},
    {"name": "c", "type": "choice", "values": ["\ud800"]},
    {"name": "\ud800", "type": "int", "min": 1, "max": 2},
    {"name": "d", "type": "date", "after": "a"},
    {"name": "d", "type": "date", "start": "2024-01-01<script>"},
    {"name": "f", "type": "formula", "expr": "'ab' * 3"},
])
def test_value_that_would_fail_later_is_a_422_now(client, column):
    answer = post(client, schema_of(A, column), rows=10)
    assert answer.status_code == 422, answer.text[:200]


def test_date_after_a_text_formula_is_a_422(client):
    cols = [A, {"name": "t", "type": "formula", "expr": "str(a)"}, {"name": "d", "type": "date", "after": "t"}]
    answer = post(client, schema_of(*cols), rows=10)
    assert answer.status_code == 422 and "not dates" in answer.json()["detail"]


@pytest.mark.parametrize("expr", ["uniform(10, -10)", "today() + 1000000000000", "a * 1000000000000000 * 1000000000000000",
                                  "today() + if(a > 65536, 1000000000000, 0)"])
def test_formula_that_used_to_fail_gives_rows_or_empty_cells(client, expr):
    answer = post(client, schema_of(A, {"name": "r", "type": "formula", "expr": expr}))
    assert answer.status_code == 200
    assert len(parse_csv(answer.content)[1]) == 70_000   # the whole body, no cut after the 200


def test_unique_float_over_a_huge_range_with_many_decimals(client):
    col = {"name": "x", "type": "float", "min": -1e15, "max": 1e15, "decimals": 6, "unique": True}
    answer = post(client, schema_of(col))
    assert answer.status_code == 200
    assert len(set(csv_columns(answer.content)["x"])) == 70_000


def test_unique_bool_and_faker_numbers_respect_unique(client):
    both = post(client, schema_of({"name": "b", "type": "bool", "unique": True}), rows=2)
    assert sorted(csv_columns(both.content)["b"]) == ["false", "true"]
    three = post(client, schema_of({"name": "b", "type": "bool", "unique": True}), rows=3)
    assert three.status_code == 422
    ints = post(client, schema_of({"name": "n", "type": "faker", "method": "pyint", "unique": True}), rows=5000)
    assert len(set(csv_columns(ints.content)["n"])) == 5000


def test_method_on_the_global_random_gives_the_same_bytes_for_the_same_seed(client):
    schema = schema_of({"name": "g", "type": "faker", "method": "passport_gender"})
    first, second = post(client, schema, rows=200), post(client, schema, rows=200)
    assert first.status_code == 200 and first.content == second.content


# --- the cache ---

def test_cache_entry_over_the_column_limit_is_designed_anew(tmp_path):
    path = tmp_path / "schemas.json"
    wide = schema_of(*[{"name": f"c{i}", "type": "int", "min": 0, "max": 9} for i in range(300)])
    SchemaCache(path, max_columns=10_000).put("k", load_schema(wide, 10_000))
    assert SchemaCache(path, max_columns=200).get("k") is None


def test_unwritable_cache_turns_caching_off_and_keeps_serving(tmp_path):
    blocker = tmp_path / "not_a_folder"
    blocker.write_text("a file where a folder should be")
    settings = make_settings(tmp_path, schema_cache=blocker / "schemas.json")
    with TestClient(main.create_app(settings)) as client:
        assert client.get("/cache/stats").json()["enabled"] is False
        assert client.post("/generate", json={"description": DESC, "rows": 5}).status_code == 200


def test_cache_keeps_the_most_recently_used_entries(tmp_path):
    cache = SchemaCache(tmp_path / "schemas.json", max_entries=3)
    schema = load_schema(GOOD_SCHEMA, 200)
    for key in "abcd":
        cache.put(key, schema)
        time.sleep(1.01)  # whole seconds are stored
    assert sorted(json.loads((tmp_path / "schemas.json").read_text())["entries"]) == ["b", "c", "d"]


def test_orphan_temp_files_are_cleaned_at_start(tmp_path):
    orphan = tmp_path / "schemas.json.abc123.tmp"
    orphan.write_text("{}")
    old = time.time() - 3600
    os.utime(orphan, (old, old))
    SchemaCache(tmp_path / "schemas.json")
    assert not orphan.exists()


# --- the token, and secrets in messages ---

@pytest.mark.parametrize("path", ["/docs", "/openapi.json", "/redoc", "/cache/stats"])
def test_token_guards_the_api_description_too(tmp_path, path):
    with TestClient(main.create_app(make_settings(tmp_path, service_token="tok-Very-Private-42"))) as client:
        assert client.get(path).status_code == 401
        assert client.get(path, headers={"Authorization": "Bearer tok-Very-Private-42"}).status_code == 200
        assert client.get("/health").status_code == 200 and client.get("/").status_code == 200


def test_wrong_token_is_401_before_the_body_is_read(tmp_path):
    with TestClient(main.create_app(make_settings(tmp_path, service_token="tok-Very-Private-42"))) as client:
        answer = client.post("/generate", content=b"{not json", headers={"Content-Type": "application/json"})
    assert answer.status_code == 401


def test_short_key_does_not_mask_words_in_messages(tmp_path):
    settings = make_settings(tmp_path, openai_api_key="x", designer="offline")
    assert main.redact("faker argument 'max_chars'", settings) == "faker argument 'max_chars'"


def test_no_posix_only_module_is_imported():
    service = [p for p in HERE.glob("*.py") if not p.name.startswith(("test", "conftest", "bench"))]
    source = "\n".join(p.read_text() for p in service)
    assert "import fcntl" not in source and "import resource" not in source


# --- the fuzz run: random schemas of the whole language, random requests ---

KINDS = ["id", "faker", "choice", "int", "float", "bool", "date", "datetime", "pattern", "formula"]
METHODS = ["name", "email", "city", "company", "sentence", "paragraph", "pyint", "pybool", "file_path", "uri_path",
           "date_of_birth", "iban", "postcode", "text", "word", "job", "passport_gender"]
OPERATORS = ["+", "-", "*", "/", "//", "%", "**", "<", "==", "and", "or"]
CALLS = ["round({}, 2)", "abs({})", "floor({})", "str({})", "upper(str({}))", "min({}, 3)", "if({} > 2, 1, 0)",
         "month({})", "year({})", "log({})", "{} in (1, 2)"]


def random_value(rng: random.Random):
    return rng.choice([rng.randint(-10**6, 10**6), rng.uniform(-1e6, 1e6), rng.choice(["a", "xyz", "2024-01-01", ""]),
                       rng.choice([True, False]), 10**20, -1e300, None, 0])


def sane(rng: random.Random, good, *bad):
    """Mostly a value that passes the checks, sometimes one that must be refused."""
    return good if rng.random() < 0.85 or not bad else rng.choice(bad)


def random_column(rng: random.Random, i: int, names: list[str]) -> dict:
    kind = rng.choice(KINDS)
    col: dict = {"name": f"c{i}", "type": kind}
    if rng.random() < 0.2:
        col["null_rate"] = sane(rng, rng.choice([0, 0.5, 1]), 2, -1)
    if rng.random() < 0.05:
        col["unique"] = True
    if kind == "faker":
        col["method"] = rng.choice(METHODS)
        if rng.random() < 0.3:
            col["args"] = {rng.choice(["depth", "deep", "max_nb_chars", "nb_words", "seed", "length"]):
                           sane(rng, rng.choice([1, 5]), 10**6, -3, "x")}
    elif kind == "choice":
        col["values"] = sane(rng, [rng.choice(["a", "b", 1, 2.5, "x y"]) for _ in range(rng.randint(1, 5))],
                             [random_value(rng) for _ in range(rng.randint(0, 5))])
    elif kind in ("int", "float"):
        col.update(min=sane(rng, rng.choice([0, -5, 10]), 1e16, None), max=sane(rng, 100, 5, 1e18, None),
                   distribution=sane(rng, rng.choice(["uniform", "normal", "lognormal", "exponential", "poisson",
                                                      "empirical"]), "zipf"))
        if rng.random() < 0.3:
            col["mean"] = sane(rng, 50, -10**7, 3)
        if col["distribution"] == "empirical":
            col["quantiles"] = sorted(rng.uniform(0, 100) for _ in range(rng.randint(0, 8)))
    elif kind in ("date", "datetime"):
        col.update(start=sane(rng, rng.choice(["2020-01-01", "-5y"]), "1800-01-01", "today", "x"),
                   end=rng.choice(["2025-01-01", "today"]))
        if names and rng.random() < 0.3:
            col = {"name": col["name"], "type": kind, "after": rng.choice(names), "max_days": rng.choice([1, 73_200, 10**9])}
        if rng.random() < 0.2:
            col["hours"] = rng.choice(["09:00-17:00", "25:00-26:00", [1] * 24, [0] * 24])
        if rng.random() < 0.1:
            col["step"] = rng.choice(["15m", "1d", "1mo", "0d", "banana"])
    elif kind == "pattern":
        col["pattern"] = sane(rng, "??-####", "#" * 30, "", "ABC")
    elif kind == "formula":
        term = rng.choice(names + ["1", "2.5", "'t'", "True"]) if names else "1"
        for _ in range(rng.randint(1, 4)):
            other = rng.choice(names + ["3", "'q'", "0"]) if names else "3"
            term = rng.choice([f"({term} {rng.choice(OPERATORS)} {other})", rng.choice(CALLS).format(term)])
        col["expr"] = term
    if names and rng.random() < 0.1:
        col["depends_on"] = rng.choice(names)
        col["cases"] = [{"when": random_value(rng), "p": 0.5, "mean": 5, "weights": [1]}]
    if names and rng.random() < 0.1:
        col["null_if"] = f"{rng.choice(names)} > 3"
    return col


def random_request(rng: random.Random) -> dict:
    names: list[str] = []
    columns = []
    for i in range(rng.randint(1, 8)):
        columns.append(random_column(rng, i, names))
        names.append(f"c{i}")
    body = {"schema": {"columns": columns}, "rows": rng.choice([1, 7, 1000, 70_000]), "seed": rng.randint(0, 10**6),
            "format": rng.choice(["csv", "jsonl", "json", "parquet", "xlsx"])}
    if rng.random() < 0.1:
        body["locale"] = rng.choice(["de_DE", "ja_JP", "xx_XX"])
    return body


FUZZ_SECONDS_PER_CASE = 30      # any answer, whole body included, comes within this
FUZZ_PEAK_MB = 2500             # the server's peak resident memory over the whole run


def run_fuzz(tmp_path: Path, cases: int, seed: int) -> dict[int, int]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = service_env(tmp_path) | {"PORT": str(port), "HOST": "127.0.0.1", "MAX_CONCURRENT_GENERATIONS": "2"}
    log = open(tmp_path / "fuzz-server.log", "wb")
    proc = subprocess.Popen([sys.executable, "main.py"], cwd=HERE, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    statuses: dict[int, int] = {}
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(url + "/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.2)
            assert time.monotonic() < deadline, "the service did not start"
        rng = random.Random(seed)
        with httpx.Client(base_url=url, timeout=FUZZ_SECONDS_PER_CASE) as http:
            for case in range(cases):
                body = random_request(rng)
                started = time.monotonic()
                with http.stream("POST", "/generate", json=body) as answer:
                    content = b"".join(answer.iter_bytes())
                took = time.monotonic() - started
                statuses[answer.status_code] = statuses.get(answer.status_code, 0) + 1
                shown = json.dumps(body)[:2000]
                if answer.status_code >= 500:
                    log.flush()
                    tail = (tmp_path / "fuzz-server.log").read_text(errors="replace")[-3000:]
                    pytest.fail(f"case {case}: {answer.status_code} {content[:200]!r}\n{shown}\n{tail}")
                assert took < FUZZ_SECONDS_PER_CASE, (case, took, shown)
                if answer.status_code == 200 and body["format"] == "csv" and body["schema"]["columns"]:
                    assert content.count(b"\n") >= min(body["rows"], 1), (case, shown)  # no cut after the 200
        status = Path(f"/proc/{proc.pid}/status").read_text()
        peak_mb = int(next(line.split()[1] for line in status.splitlines() if line.startswith("VmHWM"))) // 1024
        assert proc.poll() is None
        assert peak_mb < FUZZ_PEAK_MB, peak_mb
        return statuses | {-1: peak_mb}
    finally:
        proc.terminate()
        proc.wait(20)
        log.close()


def test_fuzz_random_schemas_no_server_error(tmp_path):
    statuses = run_fuzz(tmp_path, 60, seed=1)
    assert statuses.get(200, 0) > 5 and statuses.get(422, 0) > 5


@pytest.mark.slow
def test_fuzz_two_thousand_random_schemas(tmp_path):
    statuses = run_fuzz(tmp_path, 2000, seed=3)
    print("fuzz statuses", statuses)
    assert statuses.get(200, 0) > 300


def test_generation_that_would_take_too_long_is_a_422(tmp_path):
    with TestClient(main.create_app(make_settings(tmp_path, max_generation_seconds=0.001))) as client:
        answer = client.post("/generate", json={"schema": GOOD_SCHEMA, "rows": 1_000_000, "seed": 1})
        assert answer.status_code == 422 and "minutes" in answer.json()["detail"]
        assert client.post("/generate", json={"schema": GOOD_SCHEMA, "rows": 10, "seed": 1}).status_code == 200
        assert client.app.state.slots.free == 4
