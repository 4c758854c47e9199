"""schemas.json: entries survive restarts, threads and processes; a corrupt file is set aside."""

from __future__ import annotations

import json
import multiprocessing
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from fastapi.testclient import TestClient

import main
from cache import SchemaCache
from schema import Schema
from testkit import DESC, llm_settings_for, schema_of


def small_schema(name: str) -> Schema:
    return Schema.model_validate(schema_of({"name": "n", "type": "int", "min": 0, "max": 9}, name=name))


def test_cache_put_get_round_trip(tmp_path):
    cache = SchemaCache(tmp_path / "schemas.json")
    assert cache.get("k") is None
    cache.put("k", small_schema("one"))
    assert cache.get("k").schema.name == "one"
    assert SchemaCache(tmp_path / "schemas.json").get("k").schema.name == "one"


def test_cache_threads_lose_no_entry(tmp_path):
    cache = SchemaCache(tmp_path / "schemas.json")

    def put_many(t):
        for i in range(10):
            cache.put(f"t{t}-{i}", small_schema(f"s_{t}_{i}"))

    with ThreadPoolExecutor(16) as pool:
        list(pool.map(put_many, range(16)))
    fresh = SchemaCache(tmp_path / "schemas.json")
    missing = [f"t{t}-{i}" for t in range(16) for i in range(10) if fresh.get(f"t{t}-{i}") is None]
    assert missing == []
    assert fresh.stats()["entries"] == 160


def _put_keys_in_process(path: str, prefix: str, count: int) -> None:
    cache = SchemaCache(Path(path))
    for i in range(count):
        cache.put(f"{prefix}-{i}", small_schema(f"{prefix}_{i}"))


def test_cache_two_processes_lose_no_entry(tmp_path):
    path = tmp_path / "schemas.json"
    ctx = multiprocessing.get_context("spawn")
    procs = [ctx.Process(target=_put_keys_in_process, args=(str(path), p, 50)) for p in ("a", "b")]
    for p in procs:
        p.start()
    for p in procs:
        p.join(120)
        assert p.exitcode == 0
    json.loads(path.read_text())
    fresh = SchemaCache(path)
    missing = [f"{p}-{i}" for p in "ab" for i in range(50) if fresh.get(f"{p}-{i}") is None]
    assert missing == []
    assert fresh.stats()["entries"] == 100


def test_corrupt_cache_is_set_aside_and_app_serves(tmp_path, settings):
    path = tmp_path / "schemas.json"
    old = b'{"abc": {"name": "broken", "colu'
    path.write_bytes(old)
    with TestClient(main.create_app(settings)) as c:
        assert c.get("/health").status_code == 200
        resp = c.post("/generate", json={"description": DESC, "rows": 5})
        assert resp.status_code == 200, resp.text[:300]
        assert c.get("/cache/stats").status_code == 200
    aside = list(tmp_path.glob("schemas.json.corrupt*"))
    assert len(aside) == 1
    assert aside[0].read_bytes() == old


def test_corrupt_cache_starts_empty(tmp_path):
    path = tmp_path / "schemas.json"
    path.write_bytes(b"\x00\x01 not json")
    cache = SchemaCache(path)
    assert cache.get("anything") is None
    cache.put("k", small_schema("fresh"))
    assert json.loads(path.read_text())
    assert SchemaCache(path).get("k").schema.name == "fresh"
    assert list(tmp_path.glob("schemas.json.corrupt*"))


def test_cache_stats_count_hits_and_misses(llm_client, llm_settings):
    before = llm_client.get("/cache/stats").json()
    assert before["entries"] == 0 and before["hits"] == 0
    assert before["path"] == str(llm_settings.schema_cache)
    llm_client.post("/generate", json={"description": DESC, "rows": 5})
    after_miss = llm_client.get("/cache/stats").json()
    assert after_miss["entries"] == 1 and after_miss["misses"] > before["misses"] and after_miss["hits"] == 0
    llm_client.post("/generate", json={"description": DESC, "rows": 5})
    after_hit = llm_client.get("/cache/stats").json()
    assert after_hit["hits"] == 1 and after_hit["misses"] == after_miss["misses"]


def test_cache_disabled_asks_model_every_time(tmp_path, fake_model):
    settings = llm_settings_for(tmp_path, fake_model, cache_enabled=False)
    with TestClient(main.create_app(settings)) as c:
        for _ in range(2):
            resp = c.post("/generate", json={"description": DESC, "rows": 5})
            assert resp.headers["x-schema-source"] == "llm"
    assert fake_model.calls == 2
    assert not (tmp_path / "schemas.json").exists()
