"""Datasets of several tables from a description that names several things."""

from __future__ import annotations

from typing import Any


def find_entities(designer: Any, sents: list[str]) -> list[dict[str, Any]]:
    return []


def design_dataset(designer: Any, reading: Any, ctx: Any, assumptions: list[str]) -> dict[str, Any]:
    raise NotImplementedError
