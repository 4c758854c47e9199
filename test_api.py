"""The HTTP API as a client meets it: headers, formats, bad requests, limits, the service token,
concurrency and streaming (shared/CONTRACT.md, "HTTP")."""

from __future__ import annotations

import contextlib
import random
import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from fastapi.testclient import TestClient

import main
from testkit import (
    COUNT_SCHEMA,
    DESC,
    GOOD_SCHEMA,
    TOKEN,
    assert_error,
    assert_no_secret,
    chat,
    generate,
    live_server,
    llm_settings_for,
    make_settings,
    parse_csv,
    schema_of,
)


def test_health_reports_offline_designer(client):
    body = client.get("/health").json()
    assert body["status"] == "ok"
    assert body["designer"] == "offline"
    assert "version" in body


def test_health_reports_llm_designer_with_model_name(llm_client):
    assert llm_client.get("/health").json()["designer"] == "llm:gpt-4o-mini"


def test_generate_csv_headers_follow_contract(client):
    schema = schema_of({"name": "n", "type": "int", "min": 1, "max": 9}, name="hotel_reservations")
    resp = generate(client, schema, 12)
    assert resp.headers["content-type"].startswith("text/csv")
    assert "charset=utf-8" in resp.headers["content-type"].lower()
    assert 'filename="hotel_reservations.csv"' in resp.headers["content-disposition"]
    assert resp.headers["content-disposition"].startswith("attachment")
    assert resp.headers["x-schema-source"] == "request"
    assert resp.headers["x-rows"] == "12"
    assert resp.headers.get("x-schema-key")


@pytest.mark.parametrize("fmt,ctype", [("jsonl", "application/x-ndjson"), ("json", "application/json")])
def test_generate_content_type_per_format(client, fmt, ctype):
    resp = generate(client, schema_of({"name": "n", "type": "int", "min": 1, "max": 9}), 5, fmt=fmt)
    assert resp.headers["content-type"].startswith(ctype)


def test_schema_endpoint_result_can_be_sent_back(client):
    designed = client.post("/schema", json={"description": DESC})
    assert designed.status_code == 200, designed.text[:300]
    body = designed.json()
    assert set(body) >= {"key", "source", "schema"}
    resp = generate(client, body["schema"], 20)
    assert resp.headers["x-schema-source"] == "request"
    visible = [c["name"] for c in body["schema"]["columns"] if not c.get("hidden")]
    assert parse_csv(resp.content)[0] == visible


def test_get_generate_with_query_parameters(client):
    resp = client.get("/generate", params={"description": DESC, "rows": 7, "seed": 3, "format": "csv"})
    assert resp.status_code == 200, resp.text[:300]
    assert resp.headers["content-type"].startswith("text/csv")
    assert len(parse_csv(resp.content)[1]) == 7


def test_get_and_post_generate_give_same_bytes(client):
    fields = {"description": DESC, "rows": 40, "seed": 11, "format": "csv"}
    via_get = client.get("/generate", params=fields)
    via_post = client.post("/generate", json=fields)
    assert via_get.status_code == via_post.status_code == 200
    assert via_get.content == via_post.content


def test_request_designer_offline_makes_no_model_call(llm_client, fake_model):
    resp = llm_client.post("/generate", json={"description": DESC, "rows": 5, "designer": "offline"})
    assert resp.status_code == 200, resp.text[:300]
    assert resp.headers["x-schema-source"] in ("offline", "cache")
    assert fake_model.calls == 0


INT_COL = {"name": "n", "type": "int", "min": 0, "max": 9}

BAD_REQUESTS = [
    pytest.param({"description": ""}, "description", id="empty_description"),
    pytest.param({"description": "x" * 2001}, "description", id="description_2001_chars"),
    pytest.param({"description": DESC, "rows": 0}, "rows", id="rows_0"),
    pytest.param({"description": DESC, "rows": -5}, "rows", id="rows_negative"),
    pytest.param({"description": DESC, "rows": 1_000_001}, "rows", id="rows_over_max"),
    pytest.param({"description": DESC, "rows": "abc"}, "rows", id="rows_not_a_number"),
    pytest.param({"description": DESC, "format": "xml"}, "format", id="unknown_format"),
    pytest.param({"description": DESC, "locale": "xx_XX"}, "locale", id="unknown_locale"),
    pytest.param({"description": DESC, "designer": "oracle"}, "designer", id="unknown_designer"),
    pytest.param({"description": DESC, "seed": "abc"}, "seed", id="seed_not_a_number"),
    pytest.param({}, "description", id="neither_description_nor_schema"),
    pytest.param({"schema": schema_of({"name": "n", "type": "spreadsheet"})}, "type", id="schema_unknown_type"),
    pytest.param({"schema": schema_of({"name": "n", "type": "int", "min": 9, "max": 1})}, "min", id="min_over_max"),
    pytest.param({"schema": schema_of(INT_COL, INT_COL)}, "name", id="duplicate_columns"),
    pytest.param({"schema": schema_of({"name": "n", "type": "faker", "method": "seed_instance"})}, "method",
                 id="forbidden_faker_method"),
    pytest.param({"schema": schema_of({"name": "n", "type": "faker", "method": "__class__"})}, "method",
                 id="dunder_faker_method"),
    pytest.param({"schema": schema_of({"name": "n", "type": "pattern", "pattern": "#" * 65})}, "pattern",
                 id="pattern_65_chars"),
    pytest.param({"schema": schema_of({"name": "n", "type": "choice", "values": [str(i) for i in range(1001)]})},
                 "values", id="choice_1001_values"),
    pytest.param({"schema": schema_of({"name": "n", "type": "choice", "values": ["a", "b"], "weights": [1]})},
                 "weights", id="weights_wrong_length"),
    pytest.param({"schema": schema_of({"name": "n", "type": "choice", "values": ["a", "b"], "weights": [1, -1]})},
                 "weights", id="weights_negative"),
    pytest.param({"schema": schema_of({"name": "n", "type": "bool", "null_rate": 2})}, "null_rate",
                 id="null_rate_over_1"),
    pytest.param({"schema": schema_of({"name": "n", "type": "float", "min": 0, "max": 1, "decimals": 11})},
                 "decimals", id="decimals_11"),
    pytest.param({"schema": schema_of({"name": "n", "type": "date", "start": "yesterday-ish", "end": "today"})},
                 "start", id="bad_date"),
    pytest.param({"schema": schema_of({"name": "n", "type": "formula", "expr": "__import__('os')"})}, ("expr", "formula"),
                 id="formula_import"),
    pytest.param({"schema": schema_of({"name": "", "type": "bool"})}, "name", id="empty_column_name"),
    pytest.param({"schema": schema_of({"name": "n" * 65, "type": "bool"})}, "name", id="column_name_65_chars"),
    pytest.param({"schema": schema_of({"name": "=cmd|' /C calc'!A0", "type": "bool"})}, "name", id="name_equals"),
    pytest.param({"schema": schema_of({"name": "+x", "type": "bool"})}, "name", id="name_plus"),
    pytest.param({"schema": schema_of({"name": "-x", "type": "bool"})}, "name", id="name_minus"),
    pytest.param({"schema": schema_of({"name": "@x", "type": "bool"})}, "name", id="name_at"),
    pytest.param({"schema": schema_of({"name": "\tx", "type": "bool"})}, "name", id="name_tab"),
    pytest.param({"schema": schema_of({"name": "a\nb", "type": "bool"})}, "name", id="name_newline"),
    pytest.param({"schema": schema_of({"name": "a\x00b", "type": "bool"})}, "name", id="name_nul"),
    pytest.param({"schema": schema_of(*[{"name": f"c{i}", "type": "bool"} for i in range(201)])}, "column",
                 id="too_many_columns"),
    pytest.param({"schema": schema_of({"name": "a", "type": "formula", "expr": "b + 1"},
                                      {"name": "b", "type": "formula", "expr": "a + 1"})}, ("itself", "cycle", "circular"),
                 id="formula_cycle"),
    pytest.param({"schema": schema_of({"name": "a", "type": "formula", "expr": "missing * 2"})}, "missing",
                 id="formula_unknown_column"),
    pytest.param({"schema": schema_of({"name": "d", "type": "date", "after": "nowhere", "min_days": 1,
                                       "max_days": 2})}, "nowhere", id="after_unknown_column"),
    pytest.param({"schema": schema_of({"name": "seg", "type": "choice", "values": ["a", "b"]},
                                      {"name": "plan", "type": "choice", "values": ["x", "y"], "depends_on": "seg",
                                       "cases": [{"when": "a", "weights": [1, 2, 3]}]})}, "weights",
                 id="case_weights_wrong_length"),
    pytest.param({"schema": schema_of({"name": "n", "type": "int", "min": 0, "max": 9, "distribution": "zipf"})},
                 "distribution", id="unknown_distribution"),
    pytest.param({"schema": schema_of({"name": "n", "type": "faker", "method": "sentence",
                                       "args": {"nb_words": 10**9}})}, "nb_words", id="faker_arg_out_of_bounds"),
    pytest.param({"schema": schema_of({"name": "n", "type": "int", "min": 1, "max": 10, "unique": True}),
                  "rows": 20}, "unique", id="unique_impossible"),
]


@pytest.mark.parametrize("body,field", BAD_REQUESTS)
def test_bad_request_gives_422_naming_field(client, body, field):
    resp = client.post("/generate", json=body)
    assert_error(resp, 422, field)


@pytest.mark.parametrize("params,field", [
    pytest.param({"description": DESC, "rows": "abc"}, "rows", id="rows_not_a_number"),
    pytest.param({"description": DESC, "rows": 0}, "rows", id="rows_0"),
    pytest.param({"description": DESC, "format": "xml"}, "format", id="unknown_format"),
    pytest.param({"rows": 5}, "description", id="no_description"),
])
def test_bad_get_request_gives_422_naming_field(client, params, field):
    assert_error(client.get("/generate", params=params), 422, field)


def test_bad_schema_request_gives_422(client):
    assert_error(client.post("/schema", json={"description": ""}), 422, "description")


def test_error_never_echoes_more_than_200_chars(client):
    marker = "".join(random.Random(1).choice("abcdefghij") for _ in range(2500))
    resp = client.post("/generate", json={"description": marker})
    detail = assert_error(resp, 422, "description")
    for i in range(0, len(marker) - 201):
        assert marker[i:i + 201] not in detail


def test_ten_megabyte_description_gives_short_error(client):
    resp = client.post("/generate", json={"description": "A" * 10_000_000})
    assert_error(resp, {413, 422})
    assert len(resp.content) < 1000


def test_body_over_limit_gives_short_error(tmp_path):
    settings = make_settings(tmp_path, max_body_bytes=10_000)
    with TestClient(main.create_app(settings)) as c:
        schema = schema_of({"name": "n", "type": "choice", "values": ["v" * 100] * 200})
        resp = c.post("/generate", json={"schema": schema, "rows": 5})
        assert_error(resp, {413, 422})
        assert len(resp.content) < 1000


def test_rows_limit_follows_settings(tmp_path):
    with TestClient(main.create_app(make_settings(tmp_path, max_rows=100))) as c:
        assert generate(c, schema_of(INT_COL), 100).headers["x-rows"] == "100"
        assert_error(c.post("/generate", json={"schema": schema_of(INT_COL), "rows": 101}), 422, "rows")


def test_columns_limit_follows_settings(tmp_path):
    with TestClient(main.create_app(make_settings(tmp_path, max_columns=3))) as c:
        cols = [{"name": f"c{i}", "type": "bool"} for i in range(4)]
        assert_error(c.post("/generate", json={"schema": schema_of(*cols), "rows": 5}), 422)


def test_deeply_nested_json_body_gives_422(client):
    body = '{"description": "books", "rows": 5, "schema": ' + "[" * 100_000 + "]" * 100_000 + "}"
    resp = client.post("/generate", content=body.encode(), headers={"content-type": "application/json"})
    assert_error(resp, 422)


def test_invalid_json_body_gives_422(client):
    resp = client.post("/generate", content=b'{"description": "x",', headers={"content-type": "application/json"})
    assert_error(resp, 422)


@pytest.fixture
def token_client(tmp_path):
    with TestClient(main.create_app(make_settings(tmp_path, service_token=TOKEN))) as c:
        yield c


@pytest.mark.parametrize("method,path,body", [
    ("POST", "/generate", {"description": DESC, "rows": 3}),
    ("GET", "/generate?description=books&rows=3", None),
    ("POST", "/schema", {"description": DESC}),
    ("GET", "/cache/stats", None),
])
@pytest.mark.parametrize("auth", [None, "Bearer wrong-token", f"Basic {TOKEN}", TOKEN])
def test_token_required(token_client, method, path, body, auth):
    headers = {"Authorization": auth} if auth else {}
    resp = token_client.request(method, path, json=body, headers=headers)
    assert resp.status_code == 401
    assert_no_secret(resp, TOKEN)


@pytest.mark.parametrize("method,path,body", [
    ("POST", "/generate", {"description": DESC, "rows": 3}),
    ("POST", "/schema", {"description": DESC}),
    ("GET", "/cache/stats", None),
])
def test_token_accepted(token_client, method, path, body):
    resp = token_client.request(method, path, json=body, headers={"Authorization": f"Bearer {TOKEN}"})
    assert resp.status_code == 200, resp.text[:300]
    assert_no_secret(resp, TOKEN)


def test_health_open_without_token(token_client):
    resp = token_client.get("/health")
    assert resp.status_code == 200
    assert_no_secret(resp, TOKEN)


def test_model_calls_per_minute_limit(tmp_path, fake_model):
    settings = llm_settings_for(tmp_path, fake_model, model_calls_per_minute=1)
    with TestClient(main.create_app(settings)) as c:
        assert c.post("/generate", json={"description": DESC, "rows": 3}).status_code == 200
        limited = c.post("/generate", json={"description": "Hotel reservations with guest name", "rows": 3})
        assert_error(limited, 429)
        assert int(limited.headers["retry-after"]) > 0
        hit = c.post("/generate", json={"description": DESC, "rows": 3})
        assert hit.status_code == 200 and hit.headers["x-schema-source"] == "cache"
        assert c.post("/generate", json={"description": "Hotels", "rows": 3, "designer": "offline"}).status_code == 200
    assert fake_model.calls == 1


BIG = {"schema": COUNT_SCHEMA, "rows": 1_000_000, "seed": 1}
SMALL = {"schema": COUNT_SCHEMA, "rows": 3, "seed": 1}


@contextlib.contextmanager
def one_slot_held(tmp_path, **settings):
    """A service with one generation slot, held by a large download the client is still reading;
    yields a client and a function that hangs that download up."""
    app = main.create_app(make_settings(tmp_path, max_concurrent_generations=1, **settings))
    with live_server(app) as url, httpx.Client(base_url=url, timeout=30) as http:
        with http.stream("POST", "/generate", json=BIG) as first:
            assert first.status_code == 200
            held = first.iter_bytes()  # keep the stream open: the client is still reading
            next(held)
            yield http, first.close


def test_full_queue_answers_503_with_retry_after(tmp_path):
    with one_slot_held(tmp_path, max_queued_generations=0) as (http, _):
        busy = http.post("/generate", json=SMALL)
        assert busy.status_code == 503
        assert int(busy.headers["retry-after"]) > 0
        assert isinstance(busy.json()["detail"], str)


def test_small_request_waits_its_turn_instead_of_503(tmp_path):
    with ThreadPoolExecutor(1) as pool, one_slot_held(tmp_path, queue_wait_seconds=20) as (http, hang_up):
        waiting = pool.submit(http.post, "/generate", json=SMALL)
        time.sleep(0.5)
        assert not waiting.done()  # it waits in the queue, holding no slot
        hang_up()
        resp = waiting.result(timeout=20)   # the slot the first client held is the next one's
    assert resp.status_code == 200
    assert len(parse_csv(resp.content)[1]) == 3


def test_request_that_waits_too_long_answers_503(tmp_path):
    with one_slot_held(tmp_path, queue_wait_seconds=0.3) as (http, _):
        started = time.monotonic()
        busy = http.post("/generate", json=SMALL)
        waited = time.monotonic() - started
    assert busy.status_code == 503 and int(busy.headers["retry-after"]) > 0
    assert 0.25 <= waited < 5


def test_client_that_disconnects_frees_its_generation_within_a_second(tmp_path):
    app = main.create_app(make_settings(tmp_path, max_concurrent_generations=1))
    small = {"schema": COUNT_SCHEMA, "rows": 3, "seed": 1}
    with live_server(app) as url, httpx.Client(base_url=url, timeout=30) as http:
        with http.stream("POST", "/generate", json={"schema": GOOD_SCHEMA, "rows": 1_000_000, "seed": 1}) as big:
            next(big.iter_bytes())
        gone = time.monotonic()
        while http.post("/generate", json=small).status_code != 200:
            assert time.monotonic() - gone < 1.0, "the abandoned generation still holds its slot"
            time.sleep(0.05)


def test_health_answers_during_large_generation(tmp_path):
    app = main.create_app(make_settings(tmp_path))
    with live_server(app) as url, httpx.Client(base_url=url, timeout=30) as http:
        with http.stream("POST", "/generate", json={"schema": GOOD_SCHEMA, "rows": 1_000_000, "seed": 1}) as big:
            assert big.status_code == 200
            chunks = big.iter_bytes()
            next(chunks)
            for _ in range(3):
                started = time.monotonic()
                assert httpx.get(url + "/health", timeout=5).status_code == 200
                assert time.monotonic() - started < 1.0
                next(chunks)


def test_response_is_chunked_on_the_wire(tmp_path):
    app = main.create_app(make_settings(tmp_path))
    with live_server(app) as url:
        resp = httpx.post(url + "/generate", json={"schema": GOOD_SCHEMA, "rows": 2000, "seed": 1}, timeout=30)
    assert resp.status_code == 200
    assert resp.headers.get("transfer-encoding") == "chunked"
    assert len(parse_csv(resp.content)[1]) == 2000


def test_model_design_does_not_block_health(tmp_path, fake_model):
    fake_model.set(chat(GOOD_SCHEMA, delay=1.5))
    app = main.create_app(llm_settings_for(tmp_path, fake_model, model_timeout=5))
    with live_server(app) as url:
        with ThreadPoolExecutor(1) as pool:
            pending = pool.submit(httpx.post, url + "/generate", json={"description": DESC, "rows": 3}, timeout=20)
            time.sleep(0.3)
            started = time.monotonic()
            assert httpx.get(url + "/health", timeout=5).status_code == 200
            assert time.monotonic() - started < 0.5
            assert pending.result().status_code == 200


def test_check_answers_a_verdict_with_the_field_it_concerns(client):
    schema = schema_of({"name": "tier", "type": "choice", "values": ["a", "b", "c"], "unique": True})
    fine = client.post("/check", json={"schema": schema, "rows": 3}).json()
    assert fine == {"ok": True, "rows": 3, "tables": {"t": 3}}
    refused = client.post("/check", json={"schema": schema, "rows": 1000})
    assert refused.status_code == 200
    verdict = refused.json()
    assert verdict["ok"] is False and "unique" in verdict["detail"]
    assert verdict["field"] == "schema.columns.0.unique"


@pytest.mark.parametrize("body, field", [
    ({"schema": {"columns": [{"name": "n", "type": "int", "min": "x"}]}}, "schema.columns.0.min"),
    ({"schema": {"columns": [{"name": "n", "type": "int", "min": 5, "max": 9, "mean": 50}]}}, "schema.columns.0.mean"),
    ({"schema": {"columns": [{"name": "d", "type": "date", "after": "nope"}]}}, "schema.columns.0.after"),
    ({"description": DESC, "rows": 0}, "rows"),
    ({"description": DESC, "locale": "xx_XX"}, "locale"),
])
def test_422_names_the_field_in_plain_words(client, body, field):
    answer = client.post("/generate", json=body)
    assert answer.status_code == 422
    assert answer.json()["field"] == field
    detail = answer.json()["detail"]
    assert not any(w in detail for w in ("Input should", "Extra inputs", "MAX_ROWS", ".int:")), detail


def test_faker_examples_follow_the_locale(client):
    german = {m["method"]: m["example"] for m in client.get("/faker-methods", params={"examples": True,
                                                                                        "locale": "de_DE"}).json()}
    english = {m["method"]: m["example"] for m in client.get("/faker-methods", params={"examples": True}).json()}
    assert german["postcode"] != english["postcode"] and len(german["postcode"]) == 5


@pytest.mark.parametrize("column, field", [
    ({"name": "d", "type": "datetime", "step": "5 parsecs"}, "schema.columns.0.step"),
    ({"name": "d", "type": "datetime", "hours": "25:00-26:00"}, "schema.columns.0.hours"),
    ({"name": "d", "type": "date", "weekdays": [1, 1]}, "schema.columns.0.weekdays"),
    ({"name": "d", "type": "date", "format": "%Q"}, "schema.columns.0.format"),
    ({"name": "n", "type": "int", "min": 0, "max": 9, "depends_on": "d",
      "cases": [{"when": "x", "min": 20, "max": 10}]}, "schema.columns.0.cases.0.min"),
])
def test_refusal_inside_a_column_names_its_field(client, column, field):
    verdict = client.post("/check", json={"schema": {"columns": [column]}, "rows": 5})
    assert verdict.status_code == 200 and verdict.json()["ok"] is False
    assert verdict.json()["field"] == field, verdict.json()
    refused = client.post("/generate", json={"schema": {"columns": [column]}, "rows": 5})
    assert refused.status_code == 422 and refused.json()["field"] == field


def test_health_says_the_limits_a_page_checks_before_sending(client):
    health = client.get("/health").json()
    assert health["max_rows"] == 1_000_000 and health["max_sample_bytes"] == 50_000_000


# --- the request's own shape, in words a person who typed a curl command can act on ---

@pytest.mark.parametrize("path", ["/generate", "/check"])
@pytest.mark.parametrize("field, value", [("rows", True), ("rows", False), ("seed", True), ("seed", False)])
def test_true_or_false_is_refused_for_a_whole_number_field(client, path, field, value):
    resp = client.post(path, json={"description": DESC, field: value})
    verdict = resp.json()
    if path == "/check":
        assert resp.status_code == 200 and verdict["ok"] is False
    else:
        detail = assert_error(resp, 422, field)
        assert detail == verdict["detail"]
    assert verdict["field"] == field
    assert ("true" if value else "false") in verdict["detail"] and "whole number" in verdict["detail"]


@pytest.mark.parametrize("body, where", [
    pytest.param(b'{"description": "x", "rows": 5,}', 31, id="trailing_comma_in_object"),
    pytest.param(b'{"description": "x", "rows": [5,]}', 32, id="trailing_comma_in_list"),
    pytest.param(b'{"description": "x" "rows": 5}', 20, id="missing_comma"),
    pytest.param(b"{'description': 'x'}", 1, id="single_quotes"),
])
def test_malformed_json_says_where_and_names_no_field(client, body, where):
    resp = client.post("/generate", content=body, headers={"content-type": "application/json"})
    detail = assert_error(resp, 422)
    assert detail.startswith("the body is not valid JSON") and f"at character {where}:" in detail
    assert "field" not in resp.json()


def test_trailing_comma_is_named_as_such(client):
    resp = client.post("/generate", content=b'{"description": "x",}', headers={"content-type": "application/json"})
    assert "comma" in assert_error(resp, 422)


@pytest.mark.parametrize("content_type", ["application/x-www-form-urlencoded", "text/plain",
                                          "application/octet-stream"])
def test_json_body_is_read_whatever_its_content_type(client, content_type):
    """`curl -d '{...}'` sends a form content type: the JSON the user typed is what they meant."""
    body = b'{"schema": {"columns": [{"name": "n", "type": "int", "min": 1, "max": 9}]}, "rows": 4, "seed": 2}'
    resp = client.post("/generate", content=body, headers={"content-type": content_type})
    assert resp.status_code == 200, resp.text[:300]
    assert resp.content == generate(client, schema_of({"name": "n", "type": "int", "min": 1, "max": 9}), 4,
                                    seed=2).content


@pytest.mark.parametrize("path", ["/generate", "/schema", "/check"])
@pytest.mark.parametrize("body", [b"description=books&rows=5", b"[1, 2]", b"5"])
def test_body_that_is_not_json_says_how_it_was_sent_and_how_to_send_json(client, path, body):
    resp = client.post(path, content=body, headers={"content-type": "application/x-www-form-urlencoded"})
    detail = assert_error(resp, 422)
    assert "sent as application/x-www-form-urlencoded" in detail
    assert "-H 'Content-Type: application/json'" in detail and "GET" in detail


@pytest.mark.parametrize("path, typed, meant", [
    ("/generate", "row", "rows"), ("/generate", "sed", "seed"), ("/generate", "formt", "format"),
    ("/generate", "Description", "description"), ("/schema", "instructions", "instruction"),
    ("/check", "dialekt", "dialect"),
])
def test_misspelled_request_field_suggests_the_closest(client, path, typed, meant):
    resp = client.post(path, json={"description": DESC, typed: 5})
    answer = resp.json()
    if path == "/check":
        assert resp.status_code == 200 and answer["ok"] is False
    else:
        assert_error(resp, 422, typed)
    assert f"{typed} is not a request field" in answer["detail"] and f"did you mean {meant}?" in answer["detail"]
    assert "schema language" not in answer["detail"]
    assert answer["field"] == typed


def test_unknown_request_field_lists_the_accepted_ones(client):
    detail = assert_error(client.post("/generate", json={"description": DESC, "colour": "red"}), 422, "colour")
    assert "did you mean" not in detail
    for name in ("description", "schema", "ddl", "rows", "seed", "format", "table", "dialect", "locale"):
        assert name in detail


def test_unknown_field_inside_a_schema_keeps_the_schema_wording(client):
    resp = client.post("/generate", json={"schema": {"columns": [{"name": "n", "type": "int", "mni": 1}]}})
    assert "schema language" in assert_error(resp, 422, "mni")


@pytest.mark.parametrize("typed, meant", [("row", "rows"), ("fromat", "format")])
def test_misspelled_query_parameter_is_refused_not_ignored(client, typed, meant):
    detail = assert_error(client.get("/generate", params={"description": DESC, typed: "csv"}), 422, typed)
    assert f"did you mean {meant}?" in detail
    assert "schema" not in detail.split("accepted:")[1]   # GET takes no schema


@pytest.mark.parametrize("method, path, args", [
    ("POST", "/generate", {"json": {}}), ("POST", "/generate", {"json": {"rows": 5}}),
    ("POST", "/check", {"json": {"seed": 1}}), ("GET", "/generate", {"params": {"rows": 5}}),
])
def test_request_without_a_source_names_description_schema_and_ddl(client, method, path, args):
    resp = client.request(method, path, **args)
    answer = resp.json()
    assert resp.status_code == (200 if path == "/check" else 422)
    assert all(word in answer["detail"] for word in ("description", "schema", "ddl")), answer
    assert answer["field"] == "description"


@pytest.mark.parametrize("headers", [
    pytest.param({"content-type": "application/x-www-form-urlencoded"}, id="curl_data_binary"),
    pytest.param({"content-type": "text/csv"}, id="csv_content_type"),
    pytest.param({}, id="no_content_type"),
])
def test_raw_body_to_fit_says_to_send_a_multipart_file(client, headers):
    resp = client.post("/fit", content=b"age,city\n31,Oslo\n45,Bergen\n", headers=headers)
    detail = assert_error(resp, 422, "sample")
    assert "curl -F sample=@file.csv" in detail and "form field sample" in detail
    assert resp.json()["field"] == "sample"


def test_form_without_the_sample_field_says_which_field(client):
    resp = client.post("/fit", files={"file": ("people.csv", b"age\n31\n")})
    detail = assert_error(resp, 422, "sample")
    assert "curl -F sample=@file.csv" in detail


PER_PARENT = {"name": "plant", "main": "readings", "tables": [
    {"name": "machines", "rows": 20, "columns": [{"name": "machine_id", "type": "id"}]},
    {"name": "readings", "per": {"table": "machines", "min": 30, "max": 70}, "columns": [
        {"name": "machine_id", "type": "ref", "table": "machines"},
        {"name": "level", "type": "int", "min": 1, "max": 9}]}]}
PER_PARENT_HIDDEN = {**PER_PARENT, "tables": [{**PER_PARENT["tables"][0], "hidden": True}, PER_PARENT["tables"][1]]}


@pytest.mark.parametrize("fmt", ["csv", "jsonl"])
@pytest.mark.parametrize("seed", [3, 4])
def test_x_rows_is_the_exact_rows_of_a_per_parent_main_table(client, fmt, seed):
    resp = generate(client, PER_PARENT_HIDDEN, 1000, fmt=fmt, seed=seed)
    lines = resp.content.decode().splitlines()
    body_rows = len(lines) - 1 if fmt == "csv" else len(lines)
    assert body_rows != 1000   # made per parent: about, not exactly, the rows asked
    assert resp.headers["x-rows"] == str(body_rows)


@pytest.mark.parametrize("table", ["machines", "readings"])
def test_x_rows_is_the_exact_rows_of_the_table_asked_for(client, table):
    resp = generate(client, PER_PARENT, 1000, seed=5, table=table)
    assert resp.headers["x-rows"] == str(len(parse_csv(resp.content)[1]))


def test_x_rows_of_a_zip_is_the_main_tables_exact_rows(client):
    whole = generate(client, PER_PARENT, 1000, seed=6)
    assert whole.headers["content-type"] == "application/zip"
    readings = generate(client, PER_PARENT, 1000, seed=6, table="readings")
    assert whole.headers["x-rows"] == readings.headers["x-rows"] == str(len(parse_csv(readings.content)[1]))
