"""Load and several worker processes on real uvicorn (slow: `uv run pytest -m slow`)."""

from __future__ import annotations

import asyncio
import json
import random
import re
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from cache import SchemaCache
from testkit import DESC, GOOD_SCHEMA, SECRET, chat, message_text, pid_of_client_port, uvicorn_process


@pytest.mark.slow
def test_load_2000_requests_from_20_clients(tmp_path):
    with uvicorn_process(tmp_path, MAX_CONCURRENT_GENERATIONS=32) as url:
        warm = httpx.post(url + "/generate", json={"description": DESC, "rows": 10, "seed": 1}, timeout=60)
        assert warm.status_code == 200
        latencies: list[float] = []
        failures: list[str] = []
        lock = threading.Lock()

        def worker(n):
            with httpx.Client(base_url=url, timeout=60) as http:
                for i in range(100):
                    started = time.monotonic()
                    resp = http.post("/generate", json={"description": DESC, "rows": 1000, "seed": n * 1000 + i})
                    took = time.monotonic() - started
                    ok = (resp.status_code == 200 and resp.headers.get("x-schema-source") == "cache"
                          and resp.content.count(b"\n") >= 1001)
                    with lock:
                        latencies.append(took)
                        if not ok:
                            failures.append(f"{resp.status_code} {resp.text[:100]}")

        started = time.monotonic()
        with ThreadPoolExecutor(20) as pool:
            list(pool.map(worker, range(20)))
        wall = time.monotonic() - started
    latencies.sort()
    p50 = latencies[len(latencies) // 2]
    p99 = latencies[int(len(latencies) * 0.99)]
    print(f"load: {len(latencies)} requests in {wall:.1f} s, p50 {p50 * 1000:.0f} ms, p99 {p99 * 1000:.0f} ms")
    assert len(latencies) == 2000
    assert failures == []


@pytest.mark.slow
def test_four_workers_design_each_description_at_most_once_per_process(tmp_path, fake_model):
    designed: dict[str, int] = {}
    per_process: dict[tuple[int | None, str], int] = {}
    lock = threading.Lock()

    def respond(request, index):
        found = re.search(r"dataset-(\d+)", message_text(request))
        tag = found.group(1) if found else "none"
        pid = pid_of_client_port(request["client_port"], fake_model.port)
        with lock:
            designed[tag] = designed.get(tag, 0) + 1
            per_process[(pid, tag)] = per_process.get((pid, tag), 0) + 1
        return chat({**GOOD_SCHEMA, "name": f"ds_{tag}"}, delay=0.3)

    fake_model.respond = respond
    descriptions = [f"Customers of shop dataset-{i:02d} with name, email and age" for i in range(50)]
    jobs = descriptions * 4
    random.Random(3).shuffle(jobs)
    env = dict(DESIGNER="llm", OPENAI_API_KEY=SECRET, OPENAI_BASE_URL=fake_model.base_url, MODEL_TIMEOUT=20,
               MODEL_CALLS_PER_MINUTE=10_000, MAX_CONCURRENT_GENERATIONS=400)
    with uvicorn_process(tmp_path, workers=4, **env) as url:

        async def run_all():
            limits = httpx.Limits(max_connections=200, max_keepalive_connections=200)
            async with httpx.AsyncClient(base_url=url, timeout=120, limits=limits) as http:
                return await asyncio.gather(*[http.post("/generate", json={"description": d, "rows": 10, "seed": 1})
                                              for d in jobs])

        responses = asyncio.run(run_all())
    statuses = [r.status_code for r in responses]
    assert statuses.count(200) == 200, {s: statuses.count(s) for s in set(statuses)}
    assert all(SECRET not in r.text for r in responses)
    path = tmp_path / "schemas.json"
    json.loads(path.read_text())
    assert SchemaCache(path).stats()["entries"] == 50
    assert set(designed) == {f"{i:02d}" for i in range(50)}
    assert max(designed.values()) <= 4, designed
    assert None not in {pid for pid, _ in per_process}, "could not tell which worker called the model"
    assert len({pid for pid, _ in per_process}) <= 4
    twice = {key: n for key, n in per_process.items() if n > 1}
    assert twice == {}, f"designed more than once in one process: {twice}"
    print(f"workers: {sum(designed.values())} model calls for 50 descriptions "
          f"from {len({pid for pid, _ in per_process})} processes")


@pytest.mark.slow
def test_crowd_of_forty_clients_is_served_not_turned_away(tmp_path):
    """400 small requests from 40 clients at once, with the default four generations at a time:
    each waits its turn in the queue; none is refused."""
    with uvicorn_process(tmp_path) as url:
        warm = httpx.post(url + "/generate", json={"description": DESC, "rows": 10, "seed": 1}, timeout=60)
        assert warm.status_code == 200
        latencies: list[float] = []
        statuses: list[int] = []
        lock = threading.Lock()

        def client(n):
            with httpx.Client(base_url=url, timeout=60) as http:
                for i in range(10):
                    started = time.monotonic()
                    resp = http.post("/generate", json={"description": DESC, "rows": 1000, "seed": n * 100 + i})
                    with lock:
                        latencies.append(time.monotonic() - started)
                        statuses.append(resp.status_code)

        with ThreadPoolExecutor(40) as pool:
            list(pool.map(client, range(40)))
    latencies.sort()
    p99 = latencies[int(len(latencies) * 0.99) - 1]
    print(f"40 clients, 400 requests: p50 {latencies[len(latencies) // 2] * 1000:.0f} ms, p99 {p99 * 1000:.0f} ms")
    assert statuses.count(200) == 400, {s: statuses.count(s) for s in set(statuses)}
    assert p99 < 1.0
