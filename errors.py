"""The errors a user is told about: one root, each kind with the HTTP status it becomes.

Every module raises these; only main.py turns them into an HTTP answer or a command-line message,
in one place. Python's own exceptions are bugs, not answers, and are not caught here.
"""

from __future__ import annotations

from typing import Any

MAX_ERROR_ECHO = 200            # never quote more of the user's input than this in an error


class ServiceError(Exception):
    """Root of every error a user is told about; `status` is the HTTP status at the edge."""

    status = 422

    def headers(self) -> dict[str, str]:
        return {}


class SchemaError(ServiceError, ValueError):
    """A request, schema or file breaks a rule of the contract; `field` is the path of the field
    it concerns when there is one ("rows", "schema.columns.2.min"), for a page to mark it."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


class ModelError(ServiceError):
    """The model answered, but nothing usable."""

    status = 502


class ModelUnavailable(ServiceError):
    """The model cannot be reached, timed out, refused the key or is rate limiting."""

    status = 503

    def __init__(self, message: str, retry_after: int | None = None):
        super().__init__(message)
        self.retry_after = retry_after

    def headers(self) -> dict[str, str]:
        return {"Retry-After": str(self.retry_after)} if self.retry_after else {}


class TooBusy(ServiceError):
    """A host limit was reached (429 too many model calls, 503 too many generations): try again."""

    def __init__(self, message: str, status: int, retry_after: int):
        super().__init__(message)
        self.status = status
        self.retry_after = retry_after

    def headers(self) -> dict[str, str]:
        return {"Retry-After": str(self.retry_after)}


class TooLarge(ServiceError):
    """A request body or an uploaded file is over its limit."""

    status = 413


class Unauthorized(ServiceError):
    """SERVICE_TOKEN is set and the request does not carry it."""

    status = 401

    def headers(self) -> dict[str, str]:
        return {"WWW-Authenticate": "Bearer"}


def clip(text: Any, limit: int = MAX_ERROR_ECHO) -> str:
    """Quote user input in a message without echoing more than `limit` characters."""
    text = str(text)
    return text if len(text) <= limit else text[:limit] + "..."
