"""The command line: `main.py generate` and `main.py schema`, the same bytes as HTTP."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from fastapi.testclient import TestClient

import main
from testkit import DESC, GOOD_SCHEMA, HERE, generate, make_settings, service_env


def run_cli(tmp_path, *args, timeout=120):
    return subprocess.run([sys.executable, "main.py", *args], cwd=HERE, env=service_env(tmp_path),
                          capture_output=True, timeout=timeout)


@pytest.mark.parametrize("fmt", ["csv", "jsonl", "json"])
def test_cli_generate_matches_http(tmp_path, fmt):
    out = tmp_path / f"out.{fmt}"
    done = run_cli(tmp_path, "generate", DESC, "--rows", "500", "--seed", "3", "--format", fmt, "-o", str(out))
    assert done.returncode == 0, done.stderr.decode()[-2000:]
    with TestClient(main.create_app(make_settings(tmp_path))) as c:
        resp = c.post("/generate", json={"description": DESC, "rows": 500, "seed": 3, "format": fmt})
    assert resp.status_code == 200
    assert out.read_bytes() == resp.content


def test_cli_generate_with_schema_file_matches_http(tmp_path, client):
    schema_file = tmp_path / "schema.json"
    schema_file.write_text(json.dumps(GOOD_SCHEMA))
    out = tmp_path / "out.csv"
    done = run_cli(tmp_path, "generate", "ignored", "--schema", str(schema_file), "--rows", "300", "--seed", "4",
                   "-o", str(out))
    assert done.returncode == 0, done.stderr.decode()[-2000:]
    assert out.read_bytes() == generate(client, GOOD_SCHEMA, 300, seed=4).content


def test_cli_generate_writes_stdout_without_output_file(tmp_path):
    schema_file = tmp_path / "schema.json"
    schema_file.write_text(json.dumps(GOOD_SCHEMA))
    out = tmp_path / "out.csv"
    to_file = run_cli(tmp_path, "generate", "x", "--schema", str(schema_file), "--rows", "20", "--seed", "1",
                      "-o", str(out))
    to_stdout = run_cli(tmp_path, "generate", "x", "--schema", str(schema_file), "--rows", "20", "--seed", "1")
    assert to_file.returncode == to_stdout.returncode == 0
    assert to_stdout.stdout == out.read_bytes()


def test_cli_schema_prints_key_source_schema(tmp_path):
    done = run_cli(tmp_path, "schema", DESC)
    assert done.returncode == 0, done.stderr.decode()[-2000:]
    body = json.loads(done.stdout)
    assert set(body) >= {"key", "source", "schema"}
    assert body["source"] in ("offline", "cache")
    assert body["schema"]["columns"]


def test_cli_rejects_bad_rows(tmp_path):
    done = run_cli(tmp_path, "generate", DESC, "--rows", "0")
    assert done.returncode != 0
    assert b"rows" in done.stderr.lower()


def test_cli_writes_more_rows_than_the_server_limit(tmp_path):
    schema_file = tmp_path / "one.json"
    schema_file.write_text(json.dumps({"columns": [{"name": "n", "type": "id"}]}))
    env = service_env(tmp_path) | {"MAX_ROWS": "1000"}
    done = subprocess.run([sys.executable, "main.py", "generate", "--schema", str(schema_file), "--rows", "70000",
                           "-o", str(tmp_path / "big.csv")], cwd=HERE, env=env, capture_output=True, timeout=120)
    assert done.returncode == 0, done.stderr[-500:]
    assert (tmp_path / "big.csv").read_text().count("\n") == 70_001
