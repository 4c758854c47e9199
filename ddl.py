"""SQL in: CREATE TABLE statements (PostgreSQL, MySQL, SQLite) as a schema of the same tables.

(Being written: the interface below is what main.py calls.)
"""

from __future__ import annotations

from typing import Any

from errors import SchemaError


def schema_from_ddl(ddl: str, description: str | None = None, dialect: str | None = None) -> dict[str, Any]:
    """A schema dict (the `tables` form) whose tables, columns and constraints are the DDL's."""
    raise SchemaError("ddl: SQL input is not available yet", field="ddl")
