"""SQL in, databases out: CREATE TABLE read as a dataset, the `sql` script run as is, rows written
into databases (--into), tables read back from them (--from-db), each dialect's escaping, and clean
errors for DDL that is wrong or cannot hold.

Real databases only: Python's sqlite3, and a throwaway PostgreSQL cluster started once for the
test session in a temporary directory (a unix socket, no TCP), torn down at the end.
"""

from __future__ import annotations

import glob
import io
import json
import os
import shutil
import socket
import sqlite3
import subprocess
import tempfile
import zipfile
from decimal import Decimal
from pathlib import Path

import psycopg
import pyarrow as pa
import pytest

import main
from database import SqlContainer, ddl_from_db, quote_text, redact_url, write_into
from ddl import schema_from_ddl
from errors import SchemaError
from rows import dataset_batches, plan
from schema import load_schema
from testkit import SHOP

SHOP_TABLES = ["customers", "products", "orders", "order_items"]

# Four tables: keys, a lookup, a junction, UNIQUE, NOT NULL, CHECK with IN, BETWEEN, comparisons with
# constants and between two columns of a row, DEFAULTs and a nullable date.
STAFF_DDL = """
CREATE TABLE departments (
  dept_id INTEGER PRIMARY KEY,
  name VARCHAR(40) NOT NULL UNIQUE,
  budget NUMERIC(12,2) NOT NULL CHECK (budget BETWEEN 10000 AND 5000000)
);
CREATE TABLE employees (
  emp_id INTEGER PRIMARY KEY,
  dept_id INTEGER NOT NULL REFERENCES departments(dept_id),
  email VARCHAR(80) NOT NULL UNIQUE,
  level VARCHAR(10) NOT NULL DEFAULT 'junior' CHECK (level IN ('junior', 'mid', 'senior', 'lead')),
  salary NUMERIC(10,2) NOT NULL CHECK (salary > 0),
  bonus NUMERIC(10,2) NOT NULL DEFAULT 0 CHECK (bonus >= 0),
  hired_on DATE NOT NULL CHECK (hired_on >= '2010-01-01'),
  left_on DATE,
  CHECK (bonus <= salary),
  CONSTRAINT left_after_hired CHECK (left_on >= hired_on)
);
CREATE TABLE projects (
  project_id INTEGER PRIMARY KEY,
  code CHAR(6) NOT NULL UNIQUE,
  title VARCHAR(60) NOT NULL,
  starts_on DATE NOT NULL,
  ends_on DATE NOT NULL,
  CHECK (ends_on > starts_on)
);
CREATE TABLE assignments (
  emp_id INTEGER NOT NULL REFERENCES employees(emp_id),
  project_id INTEGER NOT NULL REFERENCES projects(project_id),
  hours SMALLINT NOT NULL CHECK (hours BETWEEN 1 AND 40),
  role VARCHAR(12) CHECK (role IN ('owner', 'reviewer', 'member')),
  PRIMARY KEY (emp_id, project_id)
);
"""

STAFF_COLUMNS = {
    "departments": ["dept_id", "name", "budget"],
    "employees": ["emp_id", "dept_id", "email", "level", "salary", "bonus", "hired_on", "left_on"],
    "projects": ["project_id", "code", "title", "starts_on", "ends_on"],
    "assignments": ["emp_id", "project_id", "hours", "role"],
}

STAFF_TABLES = list(STAFF_COLUMNS)

# Each CHECK of STAFF_DDL as a query for the rows that break it (NULL passes a CHECK, as in SQL).
STAFF_VIOLATIONS = [
    "SELECT count(*) FROM departments WHERE NOT (budget BETWEEN 10000 AND 5000000)",
    "SELECT count(*) FROM employees WHERE NOT (level IN ('junior', 'mid', 'senior', 'lead'))",
    "SELECT count(*) FROM employees WHERE NOT (salary > 0) OR NOT (bonus >= 0) OR NOT (bonus <= salary)",
    "SELECT count(*) FROM employees WHERE NOT (hired_on >= '2010-01-01') OR NOT (left_on >= hired_on)",
    "SELECT count(*) FROM projects WHERE NOT (ends_on > starts_on)",
    "SELECT count(*) FROM assignments WHERE NOT (hours BETWEEN 1 AND 40)",
    "SELECT count(*) FROM assignments WHERE NOT (role IN ('owner', 'reviewer', 'member'))",
    "SELECT count(*) FROM employees e LEFT JOIN departments d ON d.dept_id = e.dept_id WHERE d.dept_id IS NULL",
    "SELECT count(*) FROM assignments a LEFT JOIN employees e ON e.emp_id = a.emp_id WHERE e.emp_id IS NULL",
    "SELECT count(*) FROM assignments a LEFT JOIN projects p ON p.project_id = a.project_id "
    "WHERE p.project_id IS NULL",
]

TRICKY_DDL = {  # DDLs whose every constraint is kept in every row
    "pgdump": """
CREATE TYPE public.mood AS ENUM ('sad', 'ok', 'happy');
CREATE TABLE public.people (id integer NOT NULL, nick character varying(12), m public.mood NOT NULL,
  born date, created_at timestamp without time zone DEFAULT now() NOT NULL, score numeric(5,2));
CREATE SEQUENCE public.people_id_seq;
ALTER TABLE ONLY public.people ALTER COLUMN id SET DEFAULT nextval('public.people_id_seq'::regclass);
ALTER TABLE ONLY public.people ADD CONSTRAINT people_pkey PRIMARY KEY (id);
ALTER TABLE public.people ADD CONSTRAINT score_range CHECK (score >= 0 AND score <= 100);
CREATE TABLE public.visits (id integer NOT NULL, person_id integer NOT NULL, at timestamp NOT NULL,
  CONSTRAINT visits_pkey PRIMARY KEY (id));
ALTER TABLE ONLY public.visits ADD CONSTRAINT visits_person_fkey FOREIGN KEY (person_id) REFERENCES public.people(id);
CREATE UNIQUE INDEX people_nick_idx ON public.people USING btree (nick);
""",
    "checks": """
CREATE TABLE items (
  id SERIAL PRIMARY KEY,
  code VARCHAR(10) NOT NULL UNIQUE CHECK (code LIKE 'AB-%'),
  name VARCHAR(30) NOT NULL CHECK (length(name) >= 3),
  status VARCHAR(8) NOT NULL CHECK (status = 'new' OR status = 'used'),
  qty INT NOT NULL CHECK (qty <> 0 AND qty BETWEEN -5 AND 5),
  rate NUMERIC(5,2) CHECK (rate BETWEEN 0 AND 1),
  opt INT CHECK (opt IS NULL OR opt > 5),
  grade CHAR(1) CHECK (grade NOT IN ('F', 'E')),
  flag BOOLEAN NOT NULL CHECK (flag = true),
  whole NUMERIC(6,0) CHECK (whole > 10),
  label TEXT CHECK (label <> ''),
  tag VARCHAR(20) CHECK (char_length(tag) BETWEEN 2 AND 5)
);
""",
    "dates": """
CREATE TABLE trips (
  id BIGSERIAL PRIMARY KEY,
  start_date DATE NOT NULL CHECK (start_date >= '2024-01-01'),
  end_date DATE NOT NULL CHECK (end_date <= '2024-12-31'),
  booked_at TIMESTAMP NOT NULL CHECK (booked_at > '2023-06-01 12:00:00'),
  paid_at TIMESTAMP CHECK (paid_at < '2025-01-01'),
  returned DATE,
  birth_date DATE CHECK (birth_date < CURRENT_DATE AND birth_date >= '1900-01-01'),
  CHECK (end_date >= start_date + 2),
  CHECK (end_date <= start_date + 14),
  CHECK (paid_at >= booked_at),
  CHECK (returned IS NULL OR returned > end_date)
);
""",
    "money": """
CREATE TABLE invoices (
  id INTEGER PRIMARY KEY,
  subtotal NUMERIC(10,2) NOT NULL CHECK (subtotal > 0),
  discount NUMERIC(10,2) NOT NULL DEFAULT 0 CHECK (discount >= 0),
  tax NUMERIC(10,2) NOT NULL CHECK (tax >= 0),
  total NUMERIC(12,2) NOT NULL,
  low INT NOT NULL, high INT NOT NULL,
  CHECK (discount < subtotal),
  CHECK (total >= subtotal),
  CHECK (low <= high)
);
""",
    "graph": """
CREATE TABLE countries (code CHAR(2) PRIMARY KEY, name VARCHAR(50) NOT NULL UNIQUE);
CREATE TABLE users (id UUID PRIMARY KEY, country CHAR(2) NOT NULL REFERENCES countries(code), email VARCHAR(30) UNIQUE,
  referrer UUID REFERENCES users(id));
CREATE TABLE profiles (user_id UUID PRIMARY KEY REFERENCES users(id), bio TEXT, active BOOLEAN DEFAULT TRUE);
CREATE TABLE sensors (id INT PRIMARY KEY, owner UUID REFERENCES users(id));
CREATE TABLE readings (sensor_id INT NOT NULL REFERENCES sensors(id), taken_at TIMESTAMP NOT NULL, value REAL,
  PRIMARY KEY (sensor_id, taken_at));
CREATE TABLE order_lines (order_no INT NOT NULL REFERENCES sensors(id), line_no INT NOT NULL,
  qty INT NOT NULL CHECK (qty > 0), UNIQUE (order_no, line_no));
CREATE TABLE tags (id INT PRIMARY KEY, label VARCHAR(20) NOT NULL);
CREATE TABLE user_tags (user_id UUID REFERENCES users(id), tag_id INT REFERENCES tags(id), note TEXT,
  PRIMARY KEY (user_id, tag_id));
""",
    "circle": """
CREATE TABLE teams (id SERIAL PRIMARY KEY, name TEXT NOT NULL, captain_id INT);
CREATE TABLE players (id SERIAL PRIMARY KEY, team_id INT NOT NULL REFERENCES teams(id),
  mentor_id INT REFERENCES players(id), level INT NOT NULL DEFAULT 1 CHECK (level BETWEEN 1 AND 10));
ALTER TABLE teams ADD CONSTRAINT fk_captain FOREIGN KEY (captain_id) REFERENCES players(id);
""",
    "textkey": """
CREATE TABLE accounts (acct VARCHAR(8) PRIMARY KEY CHECK (acct LIKE 'AC%'), owner VARCHAR(60) NOT NULL,
  balance NUMERIC(14,2) NOT NULL DEFAULT 0 CHECK (balance >= -1000));
CREATE TABLE transfers (id SERIAL PRIMARY KEY, acct VARCHAR(8) NOT NULL REFERENCES accounts(acct),
  amount NUMERIC(10,2) NOT NULL CHECK (amount > 0 AND amount <= 10000), note VARCHAR(5) DEFAULT 'none');
""",
}

SQLITE_READY = {"money", "graph", "textkey"}   # the others use PostgreSQL-only syntax

HOSTILE = ["it's", "back\\slash", "new\nline", "cr\r\nlf", "nul\x00byte", "emoji 😀 ünïcödé", "'); DROP TABLE x; --",
           "\\'", "''", "tab\there", "ctrl-z \x1a", "%_ like", "$$ dollar $$", "\\x41", "E'\\n'", "end\\"]


# --- a throwaway PostgreSQL cluster ---

def pg_binary(name: str) -> str | None:
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    return candidates[-1] if candidates else None


class Postgres:
    """A cluster in a temporary directory, reached through its unix socket."""

    def __init__(self) -> None:
        self.initdb, self.pg_ctl, self.psql_bin = pg_binary("initdb"), pg_binary("pg_ctl"), pg_binary("psql")
        self.root = Path(tempfile.mkdtemp(prefix="pgtest-"))
        self.data = self.root / "data"
        self.port = free_port()
        self.as_postgres = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        if self.as_postgres:
            shutil.chown(self.root, "postgres")
        self.run([self.initdb, "-D", str(self.data), "-A", "trust", "-U", "postgres", "-E", "UTF8",
                  "--locale", "C"])
        self.run([self.pg_ctl, "-D", str(self.data), "-l", str(self.root / "log"), "-w", "-o",
                  f"-k {self.root} -p {self.port} -c listen_addresses='' -c fsync=off", "start"])
        self.databases = 0

    def run(self, args: list[str]) -> None:
        done = subprocess.run(self.as_postgres + args, capture_output=True, timeout=120)
        if done.returncode != 0:
            raise RuntimeError(f"{args[0]} failed: {done.stderr.decode()[-2000:]}")

    def stop(self) -> None:
        subprocess.run(self.as_postgres + [self.pg_ctl, "-D", str(self.data), "-m", "immediate", "stop"],
                       capture_output=True, timeout=60)
        shutil.rmtree(self.root, ignore_errors=True)

    def conninfo(self, db: str = "postgres") -> str:
        return f"host={self.root} port={self.port} user=postgres dbname={db}"

    def url(self, db: str, password: str | None = None) -> str:
        user = "postgres" + (f":{password}" if password else "")
        return f"postgresql://{user}@/{db}?host={self.root}&port={self.port}"

    def new_database(self) -> str:
        self.databases += 1
        name = f"db{self.databases}"
        with psycopg.connect(self.conninfo(), autocommit=True) as conn:
            conn.execute(f"CREATE DATABASE {name}")
        return name

    def psql(self, db: str, script: str) -> subprocess.CompletedProcess[bytes]:
        """Run a script as is with psql, stopping at the first error."""
        return subprocess.run([self.psql_bin, "-h", str(self.root), "-p", str(self.port), "-U", "postgres", "-d", db,
                               "-q", "-v", "ON_ERROR_STOP=1", "-f", "-"], input=script.encode("utf-8"),
                              capture_output=True, timeout=300)

    def query(self, db: str, sql: str, params: tuple = ()) -> list[tuple]:
        with psycopg.connect(self.conninfo(db)) as conn:
            return conn.execute(sql, params).fetchall()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def pg():
    if not (pg_binary("initdb") and pg_binary("pg_ctl") and pg_binary("psql")):
        pytest.fail("PostgreSQL is not installed: .ci/run installs Debian's postgresql (apt-get install postgresql)")
    cluster = Postgres()
    try:
        yield cluster
    finally:
        cluster.stop()


@pytest.fixture(scope="module")
def sql_client():
    """One app for this module's requests (each test sends its own, and none changes settings)."""
    from fastapi.testclient import TestClient

    from testkit import make_settings

    with tempfile.TemporaryDirectory() as tmp, TestClient(main.create_app(make_settings(Path(tmp)))) as c:
        yield c


@pytest.fixture
def cli_env(tmp_path, monkeypatch):
    monkeypatch.setenv("SCHEMA_CACHE", str(tmp_path / "schemas.json"))
    monkeypatch.setenv("DESIGNER", "offline")
    return tmp_path


def run_cli(*args: str) -> int:
    return main.cli(["generate", *args])


# --- helpers ---

def sql_script(sql_client, body: dict) -> str:
    resp = sql_client.post("/generate", json={**body, "format": "sql"})
    assert resp.status_code == 200, resp.text[:500]
    assert resp.headers["content-type"].startswith("application/sql")
    return resp.content.decode("utf-8")


def sqlite_with_fks() -> sqlite3.Connection:
    conn = sqlite3.connect(":memory:")
    conn.execute("PRAGMA foreign_keys = ON")
    return conn


def counts_sqlite(conn: sqlite3.Connection, tables: list[str]) -> dict[str, int]:
    return {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in tables}


def counts_pg(pg: Postgres, db: str, tables: list[str]) -> dict[str, int]:
    return {t: pg.query(db, f"SELECT count(*) FROM {t}")[0][0] for t in tables}


def expected_sizes(schema_dict: dict, rows: int, seed: int) -> dict[str, int]:
    return plan(load_schema(schema_dict, 200), rows, seed).sizes


def zip_rows(content: bytes) -> dict[str, list[dict]]:
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        return {Path(n).stem: [json.loads(line) for line in archive.read(n).decode().splitlines() if line]
                for n in archive.namelist()}


def per_counts_ok(query, parent: str, key: str, child: str, ref: str, low: int, high: int) -> None:
    counts = [r[0] for r in query(f"SELECT count(c.{ref}) FROM {parent} p LEFT JOIN {child} c ON c.{ref} = p.{key} "
                                  f"GROUP BY p.{key}")]
    assert counts and min(counts) >= low and max(counts) <= high, (min(counts), max(counts), low, high)


# --- (a) the contract's shop as a script, run as is ---

def test_shop_script_runs_as_is_in_sqlite_with_foreign_keys(sql_client):
    script = sql_script(sql_client, {"schema": SHOP, "rows": 300, "seed": 11, "dialect": "sqlite"})
    assert script.index("PRAGMA foreign_keys = ON") < script.index("BEGIN") < script.index("INSERT")
    assert script.rstrip().endswith("COMMIT;")
    conn = sqlite3.connect(":memory:")
    conn.executescript(script)
    assert counts_sqlite(conn, SHOP_TABLES) == expected_sizes(SHOP, 300, 11)
    assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
    assert conn.execute("PRAGMA foreign_keys").fetchone() == (1,)   # the script turned enforcement on
    with pytest.raises(sqlite3.IntegrityError):
        conn.execute("INSERT INTO orders (order_id, customer_id, order_date) VALUES ('ORD-X', 999999, '2024-01-01')")
    # the same script again: the tables exist, the same keys are refused, nothing half-written stays
    with pytest.raises(sqlite3.IntegrityError):
        conn.executescript(script)
    conn.execute("ROLLBACK")
    assert counts_sqlite(conn, SHOP_TABLES) == expected_sizes(SHOP, 300, 11)


def test_shop_script_runs_as_is_in_postgres_with_foreign_keys(sql_client, pg):
    script = sql_script(sql_client, {"schema": SHOP, "rows": 300, "seed": 11})   # postgres is the default dialect
    db = pg.new_database()
    done = pg.psql(db, script)
    assert done.returncode == 0, done.stderr.decode()[-2000:]
    assert counts_pg(pg, db, SHOP_TABLES) == expected_sizes(SHOP, 300, 11)
    fks = pg.query(db, "SELECT conrelid::regclass::text, confrelid::regclass::text FROM pg_constraint "
                       "WHERE contype = 'f' ORDER BY 1, 2")
    assert fks == [("order_items", "orders"), ("order_items", "products"), ("orders", "customers")]
    keys = pg.query(db, "SELECT conrelid::regclass::text FROM pg_constraint WHERE contype = 'p' "
                        "AND connamespace = 'public'::regnamespace ORDER BY 1")
    assert [k[0] for k in keys] == ["customers", "orders", "products"]
    assert pg.query(db, "SELECT is_nullable FROM information_schema.columns WHERE table_name = 'customers' "
                        "AND column_name = 'email'") == [("NO",)]
    with pytest.raises(psycopg.errors.ForeignKeyViolation):
        pg.query(db, "INSERT INTO orders VALUES ('ORD-X', 999999, '2024-01-01')")


def test_script_is_streamed_in_batches_and_the_same_for_the_same_seed(sql_client):
    body = {"schema": SHOP, "rows": 66_000, "seed": 3, "dialect": "sqlite", "format": "sql"}
    first = sql_client.post("/generate", json=body)
    second = sql_client.post("/generate", json=body)
    assert first.status_code == 200 and first.content == second.content
    inserts = first.content.count(b"INSERT INTO customers ")
    assert inserts == -(-65_536 // 500) + 1      # 500 rows a statement, per batch of 65,536 rows
    conn = sqlite3.connect(":memory:")
    conn.executescript(first.content.decode())
    assert conn.execute("SELECT count(*) FROM customers").fetchone() == (66_000,)


# --- (b) a DDL of four tables sent to /generate ---

def staff_checks(query) -> None:
    for sql in STAFF_VIOLATIONS:
        assert query(sql)[0][0] == 0, sql


def test_schema_of_a_ddl_has_exactly_its_tables_and_columns(sql_client):
    resp = sql_client.post("/schema", json={"ddl": STAFF_DDL})
    assert resp.status_code == 200, resp.text
    schema = resp.json()["schema"]
    tables = {t["name"]: t for t in schema["tables"]}
    assert list(tables) == STAFF_TABLES
    for table in STAFF_TABLES:
        written = [c["name"] for c in tables[table]["columns"] if not c.get("hidden")]
        assert written == STAFF_COLUMNS[table]
    employees = {c["name"]: c for c in tables["employees"]["columns"]}
    assert employees["emp_id"]["type"] == "id"
    assert employees["level"]["type"] == "choice" and set(employees["level"]["values"]) == {"junior", "mid", "senior",
                                                                                          "lead"}
    level_weights = dict(zip(employees["level"]["values"], employees["level"]["weights"]))
    assert level_weights["junior"] == max(level_weights.values())          # DEFAULT 'junior' is the most common
    assert employees["email"]["unique"] and employees["email"]["max_length"] == 80
    assert employees["salary"]["min"] >= 0.01 and employees["salary"]["decimals"] == 2
    assert employees["left_on"]["after"] == "hired_on" and employees["left_on"]["null_rate"] > 0
    assert employees["bonus"]["type"] == "formula" and "salary" in employees["bonus"]["expr"]
    assert employees["dept_id"]["type"] == "ref" and employees["salary"]["sql_type"].startswith(("NUMERIC", "DECIMAL"))
    assert tables["assignments"]["per"]["table"] == "employees"
    assignments = {c["name"]: c for c in tables["assignments"]["columns"]}
    assert assignments["project_id"].get("distinct") is True
    assert tables["departments"]["rows"] <= 10                                # a lookup: a few rows
    assert schema["main"] == "employees"


@pytest.fixture(scope="module")
def staff_rows(sql_client):
    """The four tables as JSON Lines and as a PostgreSQL script, for one seed."""
    body = {"ddl": STAFF_DDL, "rows": 400, "seed": 21}
    jsonl = sql_client.post("/generate", json={**body, "format": "jsonl"})
    script = sql_client.post("/generate", json={**body, "format": "sql"})
    schema = sql_client.post("/schema", json={"ddl": STAFF_DDL}).json()["schema"]
    assert jsonl.status_code == 200 and script.status_code == 200, (jsonl.text[:300], script.text[:300])
    return zip_rows(jsonl.content), script.content.decode(), schema


def test_ddl_rows_load_into_sqlite_created_from_the_same_ddl(staff_rows):
    rows, _, schema = staff_rows
    conn = sqlite_with_fks()
    conn.executescript(STAFF_DDL)
    for table in STAFF_TABLES:     # parameters, not the service's own script: the values themselves must fit
        names = list(rows[table][0])
        conn.executemany(f"INSERT INTO {table} ({', '.join(names)}) VALUES ({', '.join('?' * len(names))})",
                         [tuple(r[n] for n in names) for r in rows[table]])
    conn.commit()
    assert counts_sqlite(conn, STAFF_TABLES) == {t: len(rows[t]) for t in STAFF_TABLES}
    assert len(rows["employees"]) == 400
    query = lambda sql: conn.execute(sql).fetchall()  # noqa: E731
    staff_checks(query)
    per = next(t for t in schema["tables"] if t["name"] == "assignments")["per"]
    per_counts_ok(query, "employees", "emp_id", "assignments", "emp_id", per.get("min", 0), per["max"])
    nulls = query("SELECT count(*) FROM employees WHERE left_on IS NULL")[0][0]
    assert 0 < nulls < 400            # the nullable date is sometimes empty, mostly filled
    assert query("SELECT count(*) FROM employees WHERE email IS NULL")[0][0] == 0


def test_ddl_rows_load_into_postgres_created_from_the_same_ddl(staff_rows, pg):
    rows, script, schema = staff_rows
    db = pg.new_database()
    created = pg.psql(db, STAFF_DDL)
    assert created.returncode == 0, created.stderr.decode()
    done = pg.psql(db, script)          # CREATE TABLE IF NOT EXISTS leaves the DDL's own tables in place
    assert done.returncode == 0, done.stderr.decode()[-2000:]
    assert counts_pg(pg, db, STAFF_TABLES) == {t: len(rows[t]) for t in STAFF_TABLES}
    query = lambda sql: pg.query(db, sql)  # noqa: E731
    staff_checks(query)
    per = next(t for t in schema["tables"] if t["name"] == "assignments")["per"]
    per_counts_ok(query, "employees", "emp_id", "assignments", "emp_id", per.get("min", 0), per["max"])
    constraints = {r[0] for r in query("SELECT conname FROM pg_constraint WHERE conrelid = 'employees'::regclass")}
    assert "left_after_hired" in constraints          # the DDL's own constraint did the checking


def test_ddl_in_mysql_and_sqlite_dialects_reads_types_and_keys():
    mysql = """CREATE TABLE `users` (
      `id` int(11) unsigned NOT NULL AUTO_INCREMENT,
      `name` varchar(60) COLLATE utf8mb4_unicode_ci NOT NULL COMMENT 'full name',
      `role` enum('admin','editor','viewer') NOT NULL DEFAULT 'viewer',
      `active` tinyint(1) NOT NULL DEFAULT 1,
      `created` datetime NOT NULL DEFAULT CURRENT_TIMESTAMP,
      PRIMARY KEY (`id`), UNIQUE KEY `uq_name` (`name`), KEY `idx_role` (`role`)
    ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
    CREATE TABLE `posts` (`id` bigint NOT NULL AUTO_INCREMENT, `user_id` int(11) unsigned NOT NULL,
      `body` text, PRIMARY KEY (`id`), CONSTRAINT `fk_user` FOREIGN KEY (`user_id`) REFERENCES `users` (`id`));"""
    schema = schema_from_ddl(mysql)
    users = {c["name"]: c for c in schema["tables"][0]["columns"]}
    assert users["id"]["type"] == "id" and users["role"]["values"] == ["admin", "editor", "viewer"]
    assert users["active"]["type"] == "bool" and users["active"]["p"] >= 0.5
    assert users["created"]["type"] == "datetime" and users["name"]["unique"]
    assert schema["tables"][1]["per"]["table"] == "users"
    sqlite_ddl = ("CREATE TABLE authors (id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT NOT NULL);"
                  "CREATE TABLE books (id INTEGER PRIMARY KEY, author_id INTEGER REFERENCES authors, title TEXT,"
                  " price REAL CHECK (price >= 1 AND price <= 80), year INTEGER CHECK (year BETWEEN 1900 AND 2025));")
    books = {c["name"]: c for c in schema_from_ddl(sqlite_ddl, dialect="sqlite")["tables"][1]["columns"]}
    assert books["author_id"]["type"] == "ref"
    assert 1 <= books["price"]["min"] <= books["price"]["max"] <= 80
    assert 1900 <= books["year"]["min"] <= books["year"]["max"] <= 2025


def test_relations_between_tables_that_are_not_a_tree():
    ddl = """CREATE TABLE staff (id SERIAL PRIMARY KEY, manager_id INT REFERENCES staff(id), name TEXT NOT NULL);
    CREATE TABLE teams (id SERIAL PRIMARY KEY, lead_id INT REFERENCES members(id));
    CREATE TABLE members (id SERIAL PRIMARY KEY, team_id INT NOT NULL REFERENCES teams(id));"""
    schema = schema_from_ddl(ddl)
    loaded = load_schema(schema, 200)
    staff = {c["name"]: c for c in schema["tables"][0]["columns"]}
    assert staff["manager_id"]["type"] == "ref" and staff["manager_id"]["table"] == "staff"   # an earlier row
    teams = {c["name"]: c for c in schema["tables"][1]["columns"]}
    assert teams["lead_id"]["null_rate"] == 1.0            # the circle teams <-> members is cut at its nullable key
    conn = sqlite_with_fks()
    conn.executescript(ddl.replace("SERIAL", "INTEGER"))
    the_plan = plan(loaded, 50, 1)
    for name, batch in dataset_batches(the_plan, ["staff", "teams", "members"]):
        cols = batch.column_names
        conn.executemany(f"INSERT INTO {name} ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})",
                         [tuple(r.values()) for r in batch.to_pylist()])
    conn.commit()
    assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
    assert conn.execute("SELECT count(*) FROM staff WHERE manager_id > id").fetchone() == (0,)


SELF_DDL = """CREATE TABLE employees (id SERIAL PRIMARY KEY, name TEXT NOT NULL, manager_id INT REFERENCES employees(id));
CREATE TABLE categories (code VARCHAR(12) PRIMARY KEY, parent VARCHAR(12) REFERENCES categories(code), label TEXT);"""


def self_reference_checks(query) -> None:
    """Every manager and parent is an earlier row; most rows have one, the first has none."""
    assert query("SELECT count(*) FROM employees WHERE manager_id >= id")[0][0] == 0
    assert query("SELECT manager_id FROM employees ORDER BY id LIMIT 1") == [(None,)]
    assert 0 < query("SELECT count(*) FROM employees WHERE manager_id IS NULL")[0][0] < 300 * 0.3
    assert query("SELECT count(*) FROM categories WHERE parent >= code")[0][0] == 0
    assert query("SELECT count(*) FROM categories WHERE parent IS NOT NULL")[0][0] > 0


def test_a_foreign_key_to_its_own_table_is_kept_and_its_rows_load(sql_client, pg):
    """A manager or a parent category is a ref to an earlier row of the same table: the script
    keeps the FOREIGN KEY, and SQLite and PostgreSQL enforce it on the rows."""
    tables = {t["name"]: {c["name"]: c for c in t["columns"]} for t in schema_from_ddl(SELF_DDL)["tables"]}
    assert tables["employees"]["manager_id"]["type"] == "ref" and tables["employees"]["manager_id"]["table"] == "employees"
    assert tables["categories"]["parent"]["type"] == "ref" and tables["categories"]["parent"]["table"] == "categories"
    body = {"ddl": SELF_DDL, "rows": 300, "seed": 5}
    script = sql_script(sql_client, {**body, "dialect": "sqlite"})
    assert "FOREIGN KEY(manager_id) REFERENCES employees (id)" in script
    assert "FOREIGN KEY(parent) REFERENCES categories (code)" in script
    conn = sqlite3.connect(":memory:")
    conn.executescript(script)
    assert conn.execute("PRAGMA foreign_keys").fetchone() == (1,)
    assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
    assert counts_sqlite(conn, ["employees"]) == {"employees": 300}
    self_reference_checks(lambda sql: conn.execute(sql).fetchall())
    db = pg.new_database()
    done = pg.psql(db, sql_script(sql_client, body))
    assert done.returncode == 0, done.stderr.decode()[-2000:]
    fks = pg.query(db, "SELECT conrelid::regclass::text, confrelid::regclass::text FROM pg_constraint "
                       "WHERE contype = 'f' ORDER BY 1")
    assert fks == [("categories", "categories"), ("employees", "employees")]
    self_reference_checks(lambda sql: pg.query(db, sql))
    with pytest.raises(psycopg.errors.ForeignKeyViolation):
        pg.query(db, "INSERT INTO employees (id, name, manager_id) VALUES (100000, 'x', 99999)")


@pytest.mark.parametrize("name", list(TRICKY_DDL))
def test_tricky_ddl_rows_load_into_postgres_created_from_it(name, pg):
    """Lookups, junctions, one-to-one tables, a circle of tables, a table referring to itself,
    enum types, ALTER TABLE constraints, LIKE, lengths, exclusions, date windows, DEFAULTs: the
    database created from the DDL enforces each constraint on 3,000 main rows and their children."""
    schema = load_schema(schema_from_ddl(TRICKY_DDL[name]), 200)
    db = pg.new_database()
    created = pg.psql(db, TRICKY_DDL[name])
    assert created.returncode == 0, created.stderr.decode()
    names = [t.name for t in schema.visible_tables()]
    counts = write_into(pg.url(db), schema, dataset_batches(plan(schema, 3000, 7), names))
    assert counts[schema.main_table().name] == 3000
    assert counts == {t: counts_pg(pg, db, [t])[t] for t in names}
    if name in SQLITE_READY:
        path = Path(tempfile.mkdtemp()) / f"{name}.db"
        sqlite3.connect(path).executescript(TRICKY_DDL[name])
        assert write_into(f"sqlite:///{path}", schema, dataset_batches(plan(schema, 3000, 7), names)) == counts
        shutil.rmtree(path.parent)


# --- (b2) the tables made are the DDL's own: types, DEFAULTs, auto-increment, CHECKs as written ---

USER_SHOP_DDL = """CREATE TABLE customers (id SERIAL PRIMARY KEY, email VARCHAR(120) NOT NULL UNIQUE,
  status TEXT DEFAULT 'active', created_at TIMESTAMP);
CREATE TABLE orders (id SERIAL PRIMARY KEY, customer_id INT NOT NULL REFERENCES customers(id),
  total NUMERIC(10,2) CHECK (total > 0));"""

# what PostgreSQL itself says a database's tables are: columns with types, NOT NULL, identity,
# generated and DEFAULT, and every constraint with its name and definition
PG_COLUMNS = """SELECT c.relname, a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull, a.attidentity,
  a.attgenerated, pg_get_expr(d.adbin, d.adrelid) FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
  LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
  WHERE c.relnamespace = 'public'::regnamespace AND c.relkind = 'r' AND a.attnum > 0 AND NOT a.attisdropped
  ORDER BY 1, a.attnum"""
PG_CONSTRAINTS = """SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint
  WHERE connamespace = 'public'::regnamespace ORDER BY 1, 2"""
PG_INDEXES = "SELECT tablename, indexname, indexdef FROM pg_indexes WHERE schemaname = 'public' ORDER BY 1, 2"


def test_ddl_script_makes_the_users_own_tables_in_postgres(sql_client, pg):
    script = sql_script(sql_client, {"ddl": USER_SHOP_DDL, "rows": 200, "seed": 8})
    assert "CHECK (total > 0)" in script and "BETWEEN" not in script     # the user's CHECK, not the rows' range
    db = pg.new_database()
    done = pg.psql(db, script)
    assert done.returncode == 0, done.stderr.decode()[-2000:]
    customers = pg.query(db, "SELECT count(*), max(id) FROM customers")[0]
    assert customers == (200, 200)
    # SERIAL kept its sequence, moved past the ids written; DEFAULT 'active' fills the status
    assert pg.query(db, "INSERT INTO customers (email) VALUES ('x@y.z') RETURNING id, status") == [(201, "active")]
    orders = pg.query(db, "SELECT max(id) FROM orders")[0][0]
    assert pg.query(db, "INSERT INTO orders (customer_id, total) VALUES (1, 9.5) RETURNING id") == [(orders + 1,)]
    defaults = dict(pg.query(db, "SELECT column_name, column_default FROM information_schema.columns "
                                 "WHERE table_name = 'customers' AND column_default IS NOT NULL"))
    assert defaults == {"id": "nextval('customers_id_seq'::regclass)", "status": "'active'::text"}
    checks = pg.query(db, "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint WHERE contype = 'c' "
                          "AND connamespace = 'public'::regnamespace")
    assert checks == [("orders_total_check", "CHECK ((total > (0)::numeric))")]
    types = pg.query(db, "SELECT table_name, column_name, data_type, character_maximum_length, numeric_precision, "
                         "numeric_scale, is_nullable FROM information_schema.columns WHERE table_schema = 'public' "
                         "ORDER BY table_name, ordinal_position")
    assert types == [("customers", "id", "integer", None, 32, 0, "NO"),
                     ("customers", "email", "character varying", 120, None, None, "NO"),
                     ("customers", "status", "text", None, None, None, "YES"),
                     ("customers", "created_at", "timestamp without time zone", None, None, None, "YES"),
                     ("orders", "id", "integer", None, 32, 0, "NO"),
                     ("orders", "customer_id", "integer", None, 32, 0, "NO"),
                     ("orders", "total", "numeric", None, 10, 2, "YES")]
    with pytest.raises(psycopg.errors.CheckViolation):
        pg.query(db, "INSERT INTO orders (customer_id, total) VALUES (1, 0)")
    with pytest.raises(psycopg.errors.UniqueViolation):
        pg.query(db, "INSERT INTO customers (email) SELECT email FROM customers LIMIT 1")


def test_ddl_script_makes_the_users_own_tables_in_sqlite(sql_client):
    script = sql_script(sql_client, {"ddl": USER_SHOP_DDL, "rows": 200, "seed": 8, "dialect": "sqlite"})
    conn = sqlite3.connect(":memory:")
    conn.executescript(script)
    assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
    conn.execute("INSERT INTO customers (email) VALUES ('x@y.z')")
    assert conn.execute("SELECT id, status FROM customers WHERE email = 'x@y.z'").fetchone() == (201, "active")
    made = conn.execute("SELECT sql FROM sqlite_master WHERE name = 'orders'").fetchone()[0]
    assert "CHECK (total > 0)" in made and "BETWEEN" not in made and "AUTOINCREMENT" in made
    columns = conn.execute("SELECT name, type, \"notnull\", dflt_value, pk "
                           "FROM pragma_table_info('customers')").fetchall()
    assert columns == [("id", "INTEGER", 0, None, 1), ("email", "VARCHAR(120)", 1, None, 0),
                       ("status", "TEXT", 0, "'active'", 0), ("created_at", "TIMESTAMP", 0, None, 0)]
    with pytest.raises(sqlite3.IntegrityError, match="CHECK"):
        conn.execute("INSERT INTO orders (customer_id, total) VALUES (1, -3)")


def test_an_edited_schema_and_a_described_one_get_tables_from_their_columns(sql_client):
    """The DDL's own CREATE TABLE is for its schema as made; a schema changed since, or one made
    from a description, gets the CHECKs its columns guarantee."""
    schema = sql_client.post("/schema", json={"ddl": USER_SHOP_DDL}).json()["schema"]
    same = sql_script(sql_client, {"schema": schema, "rows": 20, "seed": 1})
    assert "CHECK (total > 0)" in same and "SERIAL" in same
    total = next(c for t in schema["tables"] for c in t["columns"] if c["name"] == "total")
    total["max"] = 9000
    edited = sql_script(sql_client, {"schema": schema, "rows": 20, "seed": 1})
    customers, orders = (edited[edited.index(f"CREATE TABLE IF NOT EXISTS {t} "):].split(";")[0]
                         for t in ("customers", "orders"))
    assert "id SERIAL" in customers and "DEFAULT 'active'" in customers     # unchanged: still the DDL's own
    assert "CHECK (total > 0)" not in orders and "total BETWEEN" in orders and "SERIAL" not in orders
    described = sql_script(sql_client, {"schema": SHOP, "rows": 20, "seed": 1})
    assert "SERIAL" not in described and "BETWEEN" in described


def test_a_circle_of_tables_gets_its_foreign_key_after_both_exist(sql_client, pg):
    script = sql_script(sql_client, {"ddl": TRICKY_DDL["circle"], "rows": 50, "seed": 2})
    db = pg.new_database()
    for _ in range(2):    # the second run finds the tables and the constraint: only its rows are refused
        done = pg.psql(db, script)
    assert b"duplicate key" in done.stderr
    fks = pg.query(db, "SELECT conrelid::regclass::text, conname FROM pg_constraint WHERE contype = 'f' ORDER BY 2")
    assert ("teams", "fk_captain") in fks and len(fks) == 3
    assert pg.query(db, "SELECT count(*) FROM players") == [(counts_pg(pg, db, ["players"])["players"],)]
    assert pg.query(db, "INSERT INTO teams (name) VALUES ('new') RETURNING id")[0][0] == \
        pg.query(db, "SELECT max(id) FROM teams")[0][0]


@pytest.mark.parametrize("name", list(TRICKY_DDL))
def test_tricky_ddl_makes_its_own_tables_in_empty_databases(name, sql_client, pg, tmp_path):
    """Enum types, ALTER TABLE constraints, unique indexes, a circle, identities, date windows: the
    script and --into make the DDL's tables in an empty database, in PostgreSQL and in SQLite
    (transpiled there), and every row loads under their CHECKs and foreign keys."""
    body = {"ddl": TRICKY_DDL[name], "rows": 300, "seed": 4}
    schema = load_schema(schema_from_ddl(TRICKY_DDL[name]), 200)
    names = [t.name for t in schema.visible_tables()]
    sizes = plan(schema, 300, 4).sizes
    db = pg.new_database()
    done = pg.psql(db, sql_script(sql_client, body))
    assert done.returncode == 0, done.stderr.decode()[-2000:]
    assert counts_pg(pg, db, names) == {t: sizes[t] for t in names}
    conn = sqlite3.connect(":memory:")
    conn.executescript(sql_script(sql_client, {**body, "dialect": "sqlite"}))
    assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
    assert counts_sqlite(conn, names) == {t: sizes[t] for t in names}
    into = pg.new_database()
    assert write_into(pg.url(into), schema, dataset_batches(plan(schema, 300, 4), names)) == \
        {t: sizes[t] for t in names}
    assert pg.query(into, PG_CONSTRAINTS) == pg.query(db, PG_CONSTRAINTS)
    assert "%%" not in str(pg.query(db, PG_CONSTRAINTS))     # LIKE 'AB-%' as written, in the script and --into
    assert pg.query(into, PG_COLUMNS) == pg.query(db, PG_COLUMNS)
    assert pg.query(into, PG_INDEXES) == pg.query(db, PG_INDEXES)
    path = tmp_path / "t.db"
    assert write_into(f"sqlite:///{path}", schema, dataset_batches(plan(schema, 300, 4), names)) == \
        {t: sizes[t] for t in names}


FROM_DB_DDL = USER_SHOP_DDL.replace("total NUMERIC(10,2) CHECK (total > 0)",
                                    "total NUMERIC(10,2) CHECK (total > 0), "
                                    "placed_at TIMESTAMP NOT NULL DEFAULT now(), "
                                    "line_no INT GENERATED ALWAYS AS IDENTITY, "
                                    "doubled NUMERIC(12,2) GENERATED ALWAYS AS (total * 2) STORED, "
                                    "CONSTRAINT big_enough CHECK (total < 100000)")


def test_from_db_into_another_postgres_database_makes_the_same_tables(cli_env, pg):
    shop, copy = pg.new_database(), pg.new_database()
    made = pg.psql(shop, FROM_DB_DDL)
    assert made.returncode == 0, made.stderr.decode()
    assert run_cli("--from-db", pg.url(shop), "--rows", "80", "--seed", "6", "--into", pg.url(copy)) == 0
    assert pg.query(copy, PG_COLUMNS) == pg.query(shop, PG_COLUMNS)
    assert pg.query(copy, PG_CONSTRAINTS) == pg.query(shop, PG_CONSTRAINTS)
    assert pg.query(copy, "SELECT count(*) FROM customers") == [(80,)]
    # every sequence moved past what was written: the next rows the database numbers itself fit
    assert pg.query(copy, "INSERT INTO customers (email) VALUES ('x@y.z') RETURNING id, status") == [(81, "active")]
    orders = pg.query(copy, "SELECT max(id), max(line_no), count(*) FROM orders")[0]
    assert orders[0] == orders[1] == orders[2]
    added = pg.query(copy, "INSERT INTO orders (customer_id, total) VALUES (81, 2) RETURNING id, line_no, doubled")
    assert added == [(orders[0] + 1, orders[1] + 1, Decimal("4.00"))]
    with pytest.raises(psycopg.errors.CheckViolation):
        pg.query(copy, "INSERT INTO orders (customer_id, total) VALUES (81, -2)")


@pytest.mark.parametrize("name", list(TRICKY_DDL))
def test_from_db_into_postgres_copies_each_tricky_ddl(name, cli_env, pg):
    """Enum types, unique indexes, LIKE with %, <> ALL (NOT IN), char_length, nested AND, a circle,
    text keys, DEFAULTs: the tables --from-db reads are made the same in another database."""
    shop, copy = pg.new_database(), pg.new_database()
    made = pg.psql(shop, TRICKY_DDL[name])
    assert made.returncode == 0, made.stderr.decode()
    assert run_cli("--from-db", pg.url(shop), "--rows", "100", "--seed", "1", "--into", pg.url(copy)) == 0
    for described in (PG_COLUMNS, PG_CONSTRAINTS, PG_INDEXES):
        assert pg.query(copy, described) == pg.query(shop, described)


def test_ddl_into_postgres_and_sqlite_makes_the_users_tables(cli_env, pg):
    db = pg.new_database()
    assert run_cli("--ddl", write_ddl(cli_env, USER_SHOP_DDL), "--rows", "60", "--seed", "3", "--into", pg.url(db)) == 0
    assert pg.query(db, "INSERT INTO customers (email) VALUES ('x@y.z') RETURNING id, status") == [(61, "active")]
    assert pg.query(db, "SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE contype = 'c' "
                        "AND connamespace = 'public'::regnamespace") == [
        ("CHECK ((total > (0)::numeric))",)]
    made = pg.new_database()     # tables the user made first: their sequences are moved on too
    assert pg.psql(made, USER_SHOP_DDL).returncode == 0
    assert run_cli("--ddl", write_ddl(cli_env, USER_SHOP_DDL), "--rows", "60", "--seed", "3", "--into",
                   pg.url(made)) == 0
    assert pg.query(made, "INSERT INTO customers (email) VALUES ('x@y.z') RETURNING id, status") == [(61, "active")]
    path = cli_env / "shop.db"
    assert run_cli("--ddl", write_ddl(cli_env, USER_SHOP_DDL), "--rows", "60", "--seed", "3", "--into",
                   f"sqlite:///{path}") == 0
    conn = sqlite3.connect(path)
    conn.execute("INSERT INTO customers (email) VALUES ('x@y.z')")
    assert conn.execute("SELECT id, status FROM customers WHERE email = 'x@y.z'").fetchone() == (61, "active")
    with pytest.raises(sqlite3.IntegrityError, match="CHECK"):
        conn.execute("INSERT INTO orders (customer_id, total) VALUES (1, 0)")


def test_from_db_into_another_sqlite_database_makes_the_same_tables(cli_env):
    shop, copy = cli_env / "shop.db", cli_env / "copy.db"
    sqlite3.connect(shop).executescript(USER_SHOP_DDL.replace("SERIAL", "INTEGER"))
    assert run_cli("--from-db", f"sqlite:///{shop}", "--rows", "40", "--seed", "2", "--into", f"sqlite:///{copy}") == 0

    def described(path: Path) -> list:
        conn = sqlite3.connect(path)
        out = []
        for table in ("customers", "orders"):
            out.append(conn.execute(f"SELECT name, type, \"notnull\", dflt_value, pk FROM pragma_table_info('{table}')")
                       .fetchall())
            out.append(conn.execute(f"SELECT \"table\", \"from\", \"to\" FROM pragma_foreign_key_list('{table}')")
                       .fetchall())
            out.append(sorted(conn.execute(f"SELECT \"unique\", origin FROM pragma_index_list('{table}')").fetchall()))
        return out

    assert described(copy) == described(shop)
    conn = sqlite3.connect(copy)
    conn.execute("INSERT INTO customers (email) VALUES ('x@y.z')")
    assert conn.execute("SELECT id, status FROM customers WHERE email = 'x@y.z'").fetchone() == (41, "active")
    with pytest.raises(sqlite3.IntegrityError, match="CHECK"):
        conn.execute("INSERT INTO orders (customer_id, total) VALUES (1, 0)")


# --- (c) --into sqlite and postgresql ---

def write_ddl(tmp_path: Path, text: str = STAFF_DDL) -> str:
    path = tmp_path / "tables.sql"
    path.write_text(text)
    return str(path)


def test_into_sqlite_writes_every_table_in_one_go(cli_env, capsys):
    db = cli_env / "dev.db"
    assert run_cli("--ddl", write_ddl(cli_env), "--rows", "300", "--seed", "4", "--into", f"sqlite:///{db}") == 0
    conn = sqlite_with_fks()
    conn.execute(f"ATTACH DATABASE '{db}' AS dev")
    counts = {t: conn.execute(f"SELECT count(*) FROM dev.{t}").fetchone()[0] for t in STAFF_TABLES}
    assert counts["employees"] == 300 and all(counts.values())
    assert "employees: 300 rows" in capsys.readouterr().err
    conn = sqlite3.connect(db)
    assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
    sql = conn.execute("SELECT sql FROM sqlite_master WHERE name = 'assignments'").fetchone()[0]
    assert "FOREIGN KEY" in sql and "PRIMARY KEY (emp_id, project_id)" in sql


def test_into_postgres_writes_every_table_in_one_go(cli_env, pg, capsys):
    db = pg.new_database()
    assert run_cli("--ddl", write_ddl(cli_env), "--rows", "300", "--seed", "4", "--into", pg.url(db)) == 0
    counts = counts_pg(pg, db, STAFF_TABLES)
    assert counts["employees"] == 300 and all(counts.values())
    staff_checks(lambda sql: pg.query(db, sql))
    err = capsys.readouterr().err
    assert "assignments:" in err


SHOP_ITEMS_TRAP = ("CREATE TABLE order_items (order_id VARCHAR(64), product_id BIGINT, quantity BIGINT "
                   "CHECK (quantity < 3), unit_price NUMERIC(18,2), line_total NUMERIC(18,2))")


def test_into_sqlite_failing_half_way_leaves_no_table_written(cli_env, capsys):
    """order_items already exists with a CHECK the rows break: customers and orders were inserted
    before that, and all of it is rolled back."""
    db = cli_env / "half.db"
    sqlite3.connect(db).executescript(SHOP_ITEMS_TRAP + ";")
    schema_file = cli_env / "shop.json"
    schema_file.write_text(json.dumps(SHOP))
    assert run_cli("--schema", str(schema_file), "--rows", "200", "--seed", "1", "--into", f"sqlite:///{db}") == 2
    err = capsys.readouterr().err
    assert "order_items" in err and "nothing was written" in err
    conn = sqlite3.connect(db)
    assert [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")] == ["order_items"]
    assert conn.execute("SELECT count(*) FROM order_items").fetchone() == (0,)


def test_into_postgres_failing_half_way_leaves_no_table_written(cli_env, pg, capsys):
    db = pg.new_database()
    pg.psql(db, SHOP_ITEMS_TRAP + ";")
    schema_file = cli_env / "shop.json"
    schema_file.write_text(json.dumps(SHOP))
    url = pg.url(db, password="Sup3r-Secret-PW")
    assert run_cli("--schema", str(schema_file), "--rows", "200", "--seed", "1", "--into", url) == 2
    err = capsys.readouterr().err
    assert "order_items" in err and "nothing was written" in err and "Sup3r-Secret-PW" not in err
    tables = pg.query(db, "SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
    assert tables == [("order_items",)]
    assert pg.query(db, "SELECT count(*) FROM order_items") == [(0,)]


def test_into_refuses_a_table_with_other_columns_before_any_row(cli_env, pg, capsys):
    schema_file = cli_env / "shop.json"
    schema_file.write_text(json.dumps(SHOP))
    db = cli_env / "other.db"
    sqlite3.connect(db).executescript("CREATE TABLE orders (id INTEGER PRIMARY KEY, note TEXT);")
    assert run_cli("--schema", str(schema_file), "--rows", "50", "--into", f"sqlite:///{db}") == 2
    err = capsys.readouterr().err
    assert "'orders' already exists with other columns" in err and "nothing was written" in err
    assert [r[0] for r in sqlite3.connect(db).execute("SELECT name FROM sqlite_master")] == ["orders"]
    name = pg.new_database()
    pg.psql(name, "CREATE TABLE customers (customer_id INT PRIMARY KEY, nickname TEXT NOT NULL);")
    url = pg.url(name, password="An0ther-Secret")
    assert run_cli("--schema", str(schema_file), "--rows", "50", "--into", url) == 2
    err = capsys.readouterr().err
    assert "'customers' already exists with other columns" in err and "An0ther-Secret" not in err
    assert "***" in err
    assert pg.query(name, "SELECT tablename FROM pg_tables WHERE schemaname = 'public'") == [("customers",)]


def test_write_into_counts_rows_and_appends_to_matching_tables(tmp_path):
    schema = load_schema(SHOP, 200)
    url = f"sqlite:///{tmp_path / 'shop.db'}"
    the_plan = plan(schema, 100, 5)
    counts = write_into(url, schema, dataset_batches(the_plan, SHOP_TABLES))
    assert counts == the_plan.sizes
    # the same tables, other rows (another id range would be needed: the same keys are refused whole)
    with pytest.raises(SchemaError, match="nothing was written"):
        write_into(url, schema, dataset_batches(plan(schema, 100, 5), SHOP_TABLES))
    conn = sqlite3.connect(tmp_path / "shop.db")
    assert conn.execute("SELECT count(*) FROM customers").fetchone() == (100,)


def test_redact_url_hides_the_password():
    assert redact_url("postgresql://me:hunter2@db.example/shop") == "postgresql://me:***@db.example/shop"
    assert "hunter2" not in redact_url("postgresql://me:hunter2@/shop?host=/tmp")
    assert redact_url("sqlite:///dev.db") == "sqlite:///dev.db"


# --- (d) --from-db ---

def test_from_db_round_trip_sqlite(cli_env):
    db = cli_env / "staff.db"
    sqlite3.connect(db).executescript(STAFF_DDL)
    url = f"sqlite:///{db}"
    text = ddl_from_db(url)
    schema = schema_from_ddl(text)
    tables = {t["name"]: t for t in schema["tables"]}
    assert set(tables) == set(STAFF_TABLES)
    employees = {c["name"]: c for c in tables["employees"]["columns"]}
    assert set(employees["level"]["values"]) == {"junior", "mid", "senior", "lead"}
    assert employees["left_on"]["after"] == "hired_on" and employees["email"]["unique"]
    assert tables["assignments"]["per"]["table"] == "employees"
    # and the tables filled from their own reading
    assert run_cli("--from-db", url, "--rows", "120", "--seed", "2", "--into", url) == 0
    conn = sqlite_with_fks()
    conn.execute(f"ATTACH DATABASE '{db}' AS s")
    assert conn.execute("SELECT count(*) FROM s.employees").fetchone() == (120,)
    staff_checks(lambda sql: sqlite3.connect(db).execute(sql).fetchall())


def test_from_db_round_trip_postgres(cli_env, pg):
    db = pg.new_database()
    pg.psql(db, STAFF_DDL)
    url = pg.url(db, password="pw-never-shown")
    text = ddl_from_db(url)
    assert "pw-never-shown" not in text
    schema = schema_from_ddl(text)
    tables = {t["name"]: t for t in schema["tables"]}
    assert list(tables) and set(tables) == set(STAFF_TABLES)
    for table in STAFF_TABLES:      # columns in their order
        cols = [c["name"] for c in tables[table]["columns"] if not c.get("hidden")]
        assert cols == [r[0] for r in pg.query(db, "SELECT column_name FROM information_schema.columns WHERE "
                                                   "table_name = %s ORDER BY ordinal_position", (table,))]
    employees = {c["name"]: c for c in tables["employees"]["columns"]}
    assert set(employees["level"]["values"]) == {"junior", "mid", "senior", "lead"}
    assert employees["left_on"]["after"] == "hired_on" and employees["bonus"]["type"] == "formula"
    assert run_cli("--from-db", url, "--rows", "150", "--seed", "3", "--into", url) == 0
    assert pg.query(db, "SELECT count(*) FROM employees") == [(150,)]
    staff_checks(lambda sql: pg.query(db, sql))


def test_from_db_with_no_tables_and_a_bad_url_are_clear(tmp_path):
    with pytest.raises(SchemaError, match="no tables"):
        ddl_from_db(f"sqlite:///{tmp_path / 'empty.db'}")
    with pytest.raises(SchemaError, match="not supported") as err:
        ddl_from_db("oracle://scott:tiger-PW@host/db")
    assert "tiger-PW" not in str(err.value)


# --- (e) escaping, per dialect ---

def hostile_schema() -> dict:
    return {"name": "hostile", "tables": [
        {"name": "x", "rows": 3, "columns": [{"name": "id", "type": "id"}]},
        {"name": "notes", "data": [{"note_id": i + 1, "body": text} for i, text in enumerate(HOSTILE)]}]}


def script_for(dialect: str) -> str:
    schema = load_schema(hostile_schema(), 200)
    from writers import render

    return b"".join(render(schema, 3, 1, "sql", dialect=dialect)).decode("utf-8")


def test_hostile_text_round_trips_through_sqlite():
    conn = sqlite3.connect(":memory:")
    conn.executescript(script_for("sqlite"))
    got = [r[0] for r in conn.execute("SELECT body FROM notes ORDER BY note_id")]
    assert got == HOSTILE                          # NUL too, written as char(0)
    assert conn.execute("SELECT count(*) FROM x").fetchone() == (3,)


def test_hostile_text_round_trips_through_postgres(pg):
    db = pg.new_database()
    done = pg.psql(db, script_for("postgres"))
    assert done.returncode == 0, done.stderr.decode()
    got = [r[0] for r in pg.query(db, "SELECT body FROM notes ORDER BY note_id")]
    assert got == [t.replace("\x00", "") for t in HOSTILE]   # PostgreSQL text cannot hold NUL: it is dropped
    assert pg.query(db, "SELECT count(*) FROM x") == [(3,)]
    # the same with standard_conforming_strings off, as old servers run: E'' strings do not depend on it
    db2 = pg.new_database()
    done = pg.psql(db2, "SET standard_conforming_strings = off;\n" + script_for("postgres"))
    assert done.returncode == 0, done.stderr.decode()
    assert [r[0] for r in pg.query(db2, "SELECT body FROM notes ORDER BY note_id")] == got


def test_hostile_text_through_write_into(tmp_path, pg):
    schema = load_schema(hostile_schema(), 200)
    names = ["x", "notes"]
    write_into(f"sqlite:///{tmp_path / 'h.db'}", schema, dataset_batches(plan(schema, 3, 1), names))
    with sqlite3.connect(tmp_path / "h.db") as conn:
        assert [r[0] for r in conn.execute("SELECT body FROM notes ORDER BY note_id")] == HOSTILE
    db = pg.new_database()
    write_into(pg.url(db), schema, dataset_batches(plan(schema, 3, 1), names))
    got = [r[0] for r in pg.query(db, "SELECT body FROM notes ORDER BY note_id")]
    assert got == [t.replace("\x00", "") for t in HOSTILE]


def mysql_unescape(literal: str) -> str:
    """MySQL's reading of a '...' literal (default sql_mode): backslash escapes and doubled quotes."""
    assert literal[0] == "'" and literal[-1] == "'"
    body, out, i = literal[1:-1], [], 0
    escapes = {"0": "\x00", "'": "'", '"': '"', "b": "\b", "n": "\n", "r": "\r", "t": "\t", "Z": "\x1a", "\\": "\\"}
    while i < len(body):
        ch = body[i]
        if ch == "\\":
            nxt = body[i + 1]
            out.append(escapes.get(nxt, nxt))
            i += 2
        elif ch == "'":
            assert body[i + 1] == "'", f"a bare quote ends the literal early: {literal!r}"
            out.append("'")
            i += 2
        else:
            out.append(ch)
            i += 1
    return "".join(out)


def test_hostile_text_in_mysql_literals():
    literals = quote_text(pa.array(HOSTILE), "mysql").to_pylist()
    assert [mysql_unescape(lit) for lit in literals] == HOSTILE
    script = script_for("mysql")
    assert script.startswith("-- ") and "SET NAMES utf8mb4;" in script and "START TRANSACTION;" in script
    assert "\x00" not in script and "\x1a" not in script


def test_hostile_text_through_the_container_for_every_dialect():
    schema = load_schema(hostile_schema(), 200)
    table = schema.table("notes")
    batch = pa.table({"note_id": pa.array(range(1, len(HOSTILE) + 1)), "body": pa.array(HOSTILE)})
    for dialect in ("postgres", "sqlite", "mysql"):
        container = SqlContainer(schema, [table], {"notes": len(HOSTILE)}, "sql", dialect)
        text = (container.start() + container.write("notes", batch) + container.finish()).decode()
        assert "DROP TABLE x" in text and text.count("INSERT INTO") == 1
        assert "\n'); DROP TABLE x; --" not in text


# --- (f) bad DDL ---

@pytest.mark.parametrize("ddl, words", [
    ("CREATE TABLE (oops", ["ddl", "could not be read"]),
    ("SELECT 1;", ["ddl", "no CREATE TABLE"]),
    ("CREATE TABLE t (a INT CHECK (a > 10 AND a < 5));", ["'t'", "'a'", "CHECK", "a > 10", "no value"]),
    ("CREATE TABLE t (id INT PRIMARY KEY, flag BOOLEAN UNIQUE);", ["'t'", "'flag'", "UNIQUE", "2 different values"]),
    ("CREATE TABLE t (id INT PRIMARY KEY, p INT REFERENCES nowhere(id));", ["'t'", "nowhere", "not in the DDL"]),
    ("CREATE TABLE t (a VARCHAR(3) CHECK (a IN ('long value', 'other long')));", ["'t'", "'a'", "VARCHAR(3)"]),
    ("CREATE TABLE t (a NUMERIC(3,1) CHECK (a > 500));", ["'t'", "'a'", "a > 500"]),
    ("CREATE TABLE t (a TEXT CHECK (a ~ '^x'));", ["'t'", "CHECK", "not a kind"]),
    ("CREATE TABLE t (a INT); CREATE TABLE t (b INT);", ["two CREATE TABLE", "'t'"]),
])
def test_bad_ddl_is_a_clean_422_naming_the_problem(sql_client, ddl, words):
    for path in ("/generate", "/schema"):
        resp = sql_client.post(path, json={"ddl": ddl})
        assert resp.status_code == 422, (path, resp.text)
        detail = resp.json()["detail"]
        assert isinstance(detail, str) and len(detail) <= 400
        for word in words:
            assert word in detail, (word, detail)


def test_an_impossible_check_is_quoted_once(sql_client):
    resp = sql_client.post("/generate", json={"ddl": "CREATE TABLE t (a INT CHECK (a > 10 AND a < 5));"})
    assert resp.status_code == 422
    detail = resp.json()["detail"]
    assert "CHECK (a > 10 AND a < 5)" in detail and detail.count("a > 10") == 1, detail
    two = sql_client.post("/schema", json={"ddl": "CREATE TABLE t (a INT CHECK (a > 10), CHECK (a < 5));"})
    assert two.status_code == 422 and "CHECK (a > 10 AND a < 5)" in two.json()["detail"]


def test_bad_ddl_never_echoes_much_of_the_input(sql_client):
    ddl = "CREATE TABLE t (" + "x" * 50_000 + " ((("
    resp = sql_client.post("/generate", json={"ddl": ddl})
    assert resp.status_code == 422
    assert len(resp.json()["detail"]) <= 400 and "x" * 201 not in resp.json()["detail"]
