"""Learning from a sample: a schema whose rows are shaped like the user's own data, and a
report of how close and how private they are.

(Being written: the interface below is what main.py calls.)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from errors import SchemaError


@dataclass
class Fitted:
    schema: dict[str, Any]      # an ordinary schema (one table), columns in the sample's order
    report: dict[str, Any]      # per column shape scores, pair trends, privacy figures


def fit_sample(data: bytes, filename: str, description: str | None = None, name: str | None = None) -> Fitted:
    """Read the sample (CSV, TSV, JSON Lines, Parquet or Excel), fit a schema, and report."""
    raise SchemaError("sample: learning from a sample is not available yet", field="sample")
