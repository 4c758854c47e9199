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


TWO_TABLES_DDL = """
CREATE TABLE authors (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE);
CREATE TABLE books (id INTEGER PRIMARY KEY, author_id INTEGER NOT NULL REFERENCES authors(id), title TEXT NOT NULL);
"""


@pytest.mark.parametrize("fmt", ["csv", "jsonl", "sql"])
def test_cli_into_refused_the_second_time_ends_cleanly(tmp_path, fmt):
    ddl = tmp_path / "tables.sql"
    ddl.write_text(TWO_TABLES_DDL)
    into = f"sqlite:///{tmp_path / 'x.db'}"
    args = ("generate", "--ddl", str(ddl), "--rows", "50", "--seed", "1", "--format", fmt, "--into", into)
    first = run_cli(tmp_path, *args)
    assert first.returncode == 0, first.stderr.decode()[-2000:]
    second = run_cli(tmp_path, *args)
    stderr = second.stderr.decode()
    assert second.returncode != 0
    assert "UNIQUE constraint failed" in stderr and "nothing was written" in stderr
    assert "Exception ignored" not in stderr and "Traceback" not in stderr, stderr


PER_PARENT = {"name": "plant", "main": "readings", "tables": [
    {"name": "machines", "rows": 20, "hidden": True, "columns": [{"name": "machine_id", "type": "id"}]},
    {"name": "readings", "per": {"table": "machines", "min": 30, "max": 70}, "columns": [
        {"name": "machine_id", "type": "ref", "table": "machines"},
        {"name": "level", "type": "int", "min": 1, "max": 9}]}]}


def test_cli_progress_counts_the_exact_rows_of_a_per_parent_table(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("DESIGNER", "offline")
    monkeypatch.setenv("SCHEMA_CACHE", str(tmp_path / "schemas.json"))
    monkeypatch.setattr(main, "PROGRESS_EVERY_ROWS", 1)
    schema_file = tmp_path / "plant.json"
    schema_file.write_text(json.dumps(PER_PARENT))
    out = tmp_path / "readings.csv"
    assert main.cli(["generate", "--schema", str(schema_file), "--rows", "1000", "--seed", "3", "-o", str(out)]) == 0
    made = out.read_text().count("\n") - 1
    assert made != 1000
    last = capsys.readouterr().err.strip().split("\r")[-1]
    assert last == f"{made:,} / {made:,} rows"
