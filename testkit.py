"""What the tests share: a fake OpenAI-compatible model server that records its calls, servers
started on 127.0.0.1, schemas and answers to build requests from, and assertions about answers.

No network is used: the schema-design model is a small server the tests start on 127.0.0.1.
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import os
import socket
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pyarrow as pa

import main
from rows import BLOCK_ROWS, make_block
from schema import Schema

HERE = Path(__file__).resolve().parent

SECRET = "sk-test-SECRET123"

TOKEN = "tok-Very-Private-42"

MAX_DETAIL = 300

CHAT_ROLE = "assistant"

DESC = "Customer list with full name, email address, phone number, city, and signup date"

SETTINGS_ENV = [
    "OPENAI_API_KEY", "OPENAI_BASE_URL", "OPENAI_MODEL", "DESIGNER", "SCHEMA_CACHE", "CACHE_ENABLED",
    "MAX_ROWS", "HOST", "PORT", "LOG_LEVEL", "MODEL_TIMEOUT", "MODEL_MAX_RETRIES", "SERVICE_TOKEN",
    "MAX_BODY_BYTES", "MAX_COLUMNS", "MAX_CONCURRENT_GENERATIONS", "MODEL_CALLS_PER_MINUTE",
]

GOOD_SCHEMA = {
    "name": "customers",
    "locale": "en_US",
    "columns": [
        {"name": "customer_id", "type": "id", "prefix": "C-", "width": 5},
        {"name": "full_name", "type": "faker", "method": "name"},
        {"name": "email", "type": "faker", "method": "email"},
        {"name": "age", "type": "int", "min": 18, "max": 90},
        {"name": "plan", "type": "choice", "values": ["free", "pro", "team"], "weights": [70, 20, 10]},
        {"name": "signup_date", "type": "date", "start": "2020-01-01", "end": "2024-12-31"},
    ],
}

GOOD_NAMES = [c["name"] for c in GOOD_SCHEMA["columns"]]

# Every column field of the contract; the strict rendering of a schema carries all of them.
COLUMN_FIELDS = [
    "name", "type", "description", "null_rate", "unique", "start", "prefix", "width", "format",
    "method", "args", "values", "weights", "min", "max", "distribution", "mean", "std", "decimals",
    "p", "end", "pattern", "expr", "after", "min_days", "max_days", "depends_on", "cases", "entity",
    "hidden",
]

FORBIDDEN_METHODS = {
    "seed_instance", "seed", "__class__", "pystr_format", "binary", "pylist", "random_int", "format",
    "parse", "add_provider", "unique", "optional", "random", "providers", "json", "csv", "xml", "zip",
    "tar", "image", "profile", "numerify", "bothify", "lexify", "random_element", "random_elements",
}


def make_settings(tmp_path: Path, **overrides) -> main.Settings:
    values = {"schema_cache": tmp_path / "schemas.json", "designer": "offline"}
    values.update(overrides)
    return main.Settings(_env_file=None, **values)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def completion(content, *, refusal=None, finish_reason="stop") -> dict:
    return {
        "id": "chatcmpl-fake",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": "gpt-4o-mini",
        "choices": [{
            "index": 0,
            "message": {"role": CHAT_ROLE, "content": content, "refusal": refusal},
            "logprobs": None,
            "finish_reason": finish_reason,
        }],
        "usage": {"prompt_tokens": 50, "completion_tokens": 50, "total_tokens": 100},
    }


def chat(content, *, refusal=None, finish_reason="stop", delay=0.0) -> dict:
    """A model answer whose message content is `content` (JSON-encoded unless a string)."""
    if content is not None and not isinstance(content, str):
        content = json.dumps(content)
    return {"kind": "chat", "content": content, "refusal": refusal, "finish_reason": finish_reason,
            "delay": delay}


def http_reply(status: int, body, *, ctype="application/json", headers=None) -> dict:
    if not isinstance(body, bytes):
        body = (body if isinstance(body, str) else json.dumps(body)).encode()
    return {"kind": "raw", "status": status, "body": body, "ctype": ctype, "headers": headers or {}}


def api_error(status: int, message: str, headers=None) -> dict:
    body = {"error": {"message": message, "type": "invalid_request_error", "param": None, "code": None}}
    return http_reply(status, body, headers=headers)


STALL = {"kind": "stall", "seconds": 20}

CUT = {"kind": "cut"}


class FakeModel:
    """An OpenAI-compatible chat server on 127.0.0.1 that records every request it gets.

    A test sets `script` (the n-th request gets script[n], the last one repeats) or `respond`
    (a function of the recorded request and its index returning an action).
    """

    def __init__(self):
        self.requests: list[dict] = []
        self.script: list[dict] = [chat(GOOD_SCHEMA)]
        self.respond = None
        self.lock = threading.Lock()
        self.closing = threading.Event()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def do_GET(self):
                self.send_raw(404, b'{"error": {"message": "not found"}}', "application/json", {})

            def do_POST(self):
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                if self.path.split("?")[0].rstrip("/") not in ("/v1/chat/completions", "/chat/completions"):
                    self.send_raw(404, b'{"error": {"message": "not found"}}', "application/json", {})
                    return
                try:
                    body = json.loads(raw)
                except ValueError:
                    body = None
                request = {"path": self.path, "headers": {k.lower(): v for k, v in self.headers.items()},
                           "raw": raw, "body": body, "client_port": self.client_address[1]}
                with contextlib.suppress(OSError):  # the client may have gone away (timeouts)
                    fake.perform(self, fake.next_action(request))

            def send_raw(self, status, body, ctype, headers):
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                for k, v in headers.items():
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(body)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.base_url = f"http://127.0.0.1:{self.port}/v1"
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05},
                                       daemon=True)
        self.thread.start()

    def set(self, *actions):
        self.script = list(actions)
        self.respond = None

    @property
    def calls(self) -> int:
        with self.lock:
            return len(self.requests)

    def next_action(self, request):
        with self.lock:
            index = len(self.requests)
            self.requests.append(request)
            respond, script = self.respond, self.script
        if respond is not None:
            return respond(request, index)
        return script[min(index, len(script) - 1)]

    def perform(self, handler, action):
        kind = action["kind"]
        if kind == "stall":
            if self.closing.wait(action["seconds"]):
                return
            action = chat(GOOD_SCHEMA)
            kind = "chat"
        if kind == "cut":
            head = (b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 4000\r\n\r\n"
                    b'{"id": "chatcmpl-fake", "object": "chat.completion", "choices": [{"index": 0, "mess')
            handler.wfile.write(head)
            handler.wfile.flush()
            with contextlib.suppress(OSError):
                handler.connection.shutdown(socket.SHUT_RDWR)
            handler.close_connection = True
            return
        if kind == "chat":
            if action.get("delay"):
                time.sleep(action["delay"])
            body = json.dumps(completion(action["content"], refusal=action["refusal"],
                                         finish_reason=action["finish_reason"])).encode()
            handler.send_raw(200, body, "application/json", {})
            return
        handler.send_raw(action["status"], action["body"], action["ctype"], action["headers"])

    def close(self):
        self.closing.set()
        self.server.shutdown()
        self.server.server_close()


def pid_of_client_port(port: int, server_port: int) -> int | None:
    """The process owning the open TCP connection from local `port` to `server_port` (Linux /proc)."""
    inode = None
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with contextlib.suppress(OSError), open(table) as f:
            for line in list(f)[1:]:
                fields = line.split()
                local, remote, inode_field = fields[1], fields[2], fields[9]
                if (int(local.rsplit(":", 1)[1], 16) == port and int(remote.rsplit(":", 1)[1], 16) == server_port
                        and inode_field != "0"):
                    inode = inode_field
                    break
        if inode:
            break
    if not inode:
        return None
    target = f"socket:[{inode}]"
    for pid in filter(str.isdigit, os.listdir("/proc")):
        with contextlib.suppress(OSError):
            for fd in os.listdir(f"/proc/{pid}/fd"):
                with contextlib.suppress(OSError):
                    if os.readlink(f"/proc/{pid}/fd/{fd}") == target:
                        return int(pid)
    return None


def message_text(request) -> str:
    body = request["body"] or {}
    parts = []
    for m in body.get("messages", []):
        c = m.get("content")
        if isinstance(c, str):
            parts.append(c)
        elif isinstance(c, list):
            parts.extend(p.get("text", "") for p in c if isinstance(p, dict))
    return "\n".join(parts)


def response_format_type(request):
    rf = (request["body"] or {}).get("response_format")
    return rf.get("type") if isinstance(rf, dict) else None


def llm_settings_for(tmp_path, fake, **overrides):
    values = dict(designer="llm", openai_api_key=SECRET, openai_base_url=fake.base_url, model_timeout=2,
                  model_max_retries=0)
    values.update(overrides)
    return make_settings(tmp_path, **values)


@contextlib.contextmanager
def live_server(app):
    """The app on a real uvicorn in a thread, for tests about streaming and concurrency."""
    import uvicorn

    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(15)


def service_env(tmp_path, **extra) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in SETTINGS_ENV}
    env.update({"DESIGNER": "offline", "SCHEMA_CACHE": str(tmp_path / "schemas.json"), "LOG_LEVEL": "WARNING"})
    env.update({k: str(v) for k, v in extra.items()})
    return env


@contextlib.contextmanager
def uvicorn_process(tmp_path, *, workers=1, **env_extra):
    port = free_port()
    cmd = [sys.executable, "-m", "uvicorn", "main:app", "--host", "127.0.0.1", "--port", str(port),
           "--log-level", "warning"]
    if workers > 1:
        cmd += ["--workers", str(workers)]
    log = open(tmp_path / f"uvicorn-{port}.log", "wb")
    proc = subprocess.Popen(cmd, cwd=HERE, env=service_env(tmp_path, **env_extra), stdout=log,
                            stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            assert proc.poll() is None, (tmp_path / f"uvicorn-{port}.log").read_text()[-2000:]
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(url + "/health", timeout=1).status_code == 200:
                    break
            assert time.monotonic() < deadline, "uvicorn did not answer /health"
            time.sleep(0.2)
        yield url
    finally:
        stop_process(proc, log)


def stop_process(proc: subprocess.Popen, log) -> None:
    """Stop a server the tests started, politely first, and close its log."""
    proc.terminate()
    try:
        proc.wait(20)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(10)
    log.close()


def schema_of(*columns, name="t", locale="en_US") -> dict:
    return {"name": name, "locale": locale, "columns": list(columns)}


def parse_csv(content: bytes):
    rows = list(csv.reader(io.StringIO(content.decode("utf-8"), newline="")))
    return rows[0], rows[1:]


def csv_columns(content: bytes) -> dict[str, list[str]]:
    header, rows = parse_csv(content)
    return {name: [r[i] for r in rows] for i, name in enumerate(header)}


def parse_records(content: bytes, fmt: str) -> list:
    if fmt == "csv":
        return parse_csv(content)[1]
    if fmt == "jsonl":
        return [json.loads(line) for line in content.decode().splitlines() if line.strip()]
    return json.loads(content)


def generate(client, schema, rows, *, fmt="csv", seed=7, **extra):
    resp = client.post("/generate", json={"schema": schema, "rows": rows, "seed": seed, "format": fmt, **extra})
    assert resp.status_code == 200, resp.text[:500]
    return resp


def assert_no_secret(resp, secret=SECRET):
    assert secret not in resp.text
    for key, value in resp.headers.items():
        assert secret not in key and secret not in value


def assert_error(resp, statuses, field: str | tuple[str, ...] | None = None) -> str:
    statuses = {statuses} if isinstance(statuses, int) else set(statuses)
    assert resp.status_code in statuses, (resp.status_code, resp.text[:500])
    assert resp.headers["content-type"].startswith("application/json")
    detail = resp.json().get("detail")
    assert isinstance(detail, str), resp.text[:500]
    assert 0 < len(detail) <= MAX_DETAIL, detail
    if field is not None:
        names = (field,) if isinstance(field, str) else field
        assert any(f.lower() in detail.lower() for f in names), detail
    assert_no_secret(resp)
    return detail


def assert_still_serving(client):
    health = client.get("/health")
    assert health.status_code == 200 and health.json()["status"] == "ok"
    resp = client.post("/generate", json={"description": "A list of books with title and author", "rows": 3,
                                          "seed": 1, "designer": "offline"})
    assert resp.status_code == 200, resp.text[:300]
    assert len(parse_csv(resp.content)[1]) == 3


def with_column(column_name="field", **column) -> dict:
    """GOOD_SCHEMA with its second column replaced."""
    cols = [dict(c) for c in GOOD_SCHEMA["columns"]]
    cols[1] = {"name": column_name, **column}
    return {**GOOD_SCHEMA, "columns": cols}


def strict_rendering(schema: dict) -> dict:
    return {**schema, "columns": [{f: c.get(f) for f in COLUMN_FIELDS} for c in schema["columns"]]}


RELATION_ROWS = 100_000


def table_of(schema: dict, rows: int, seed: int = 3) -> pa.Table:
    """Every block of a schema's output as one table (hidden columns left out)."""
    parsed = Schema.model_validate(schema)
    blocks = -(-rows // BLOCK_ROWS)
    return pa.concat_tables([make_block(parsed, seed, b, rows) for b in range(blocks)])


COUNT_SCHEMA = schema_of(
    {"name": "id", "type": "id"},
    {"name": "first_name", "type": "faker", "method": "first_name"},
    {"name": "score", "type": "int", "min": 0, "max": 100, "null_rate": 0.1},
    {"name": "plan", "type": "choice", "values": ["a", "b, c", "d\"e"]},
    {"name": "day", "type": "date", "start": "2024-01-01", "end": "2024-12-31"},
    {"name": "secret", "type": "int", "min": 0, "max": 5, "hidden": True},
    name="counted",
)

VISIBLE = ["id", "first_name", "score", "plan", "day"]

# The contract's dataset example: customers, a literal products table, orders per customer and
# items per order, with reads through refs.
SHOP = {
    "name": "shop",
    "locale": "en_US",
    "tables": [
        {"name": "customers", "rows": 1000, "columns": [
            {"name": "customer_id", "type": "id"},
            {"name": "email", "type": "faker", "method": "email", "unique": True},
            {"name": "signup_date", "type": "date", "start": "2022-01-01", "end": "2025-12-31"}]},
        {"name": "products", "data": [
            {"product_id": 1, "name": "Trail Running Shoes", "category": "Footwear", "price": 129.0},
            {"product_id": 2, "name": "Merino Wool Socks", "category": "Apparel", "price": 18.5}]},
        {"name": "orders", "per": {"table": "customers", "min": 0, "max": 8, "mean": 2}, "columns": [
            {"name": "order_id", "type": "id", "prefix": "ORD-"},
            {"name": "customer_id", "type": "ref", "table": "customers"},
            {"name": "order_date", "type": "date", "after": "customer_id.signup_date", "min_days": 0,
             "max_days": 365}]},
        {"name": "order_items", "per": {"table": "orders", "min": 1, "max": 5}, "columns": [
            {"name": "order_id", "type": "ref", "table": "orders"},
            {"name": "product_id", "type": "ref", "table": "products", "distribution": "zipf"},
            {"name": "quantity", "type": "int", "min": 1, "max": 4},
            {"name": "unit_price", "type": "formula", "expr": "product_id.price"},
            {"name": "line_total", "type": "formula", "expr": "round(quantity * unit_price, 2)"}]},
    ],
}
