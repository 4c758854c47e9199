"""SQL out and databases: the `sql` format's script, rows written into a database (--into), and a
database's tables read as DDL (--from-db).

(Being written: the interface below is what main.py and writers.py call.)
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pyarrow as pa

from errors import SchemaError
from schema import Schema


def write_into(url: str, schema: Schema, batches: Iterator[tuple[str, pa.Table]]) -> dict[str, int]:
    """Create the missing tables, then insert every batch (parents first) in one transaction;
    the rows written per table."""
    raise SchemaError("--into: writing into a database is not available yet")


def ddl_from_db(url: str) -> str:
    """The CREATE TABLE statements of a database's tables, for schema_from_ddl()."""
    raise SchemaError("--from-db: reading a database is not available yet")


def redact_url(url: str) -> str:
    """A database URL without its password, for messages."""
    return url
