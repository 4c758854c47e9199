"""The requests /generate, /check and /schema take, and what a request that breaks their rules is told.

GenerateRequest (also what `main.py generate` builds from its options) and SchemaRequest are the
fields a request may have and each field's own rule: ranges, lengths, choices, no true/false
where a whole number goes. The messages here are for the request's own shape, in words a person
who typed a curl command can act on: a body that is not JSON (where, and why, when the body was
not sent as JSON at all), a request field that does not exist (the accepted ones, and the
closest), a sample not sent as a multipart file. JsonBody reads a POST body as JSON whatever
content type it came with, since `curl -d` sends JSON as a form.

It does not check a schema (schema.py), decide which of description, schema or ddl is used, or
what the rows of a dataset come to (main.prepare); it turns nothing into HTTP (main.py's one
handler does that with the SchemaError raised here).
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Callable
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from errors import SchemaError, clip
from schema import Schema, describe_errors, field_path
from writers import format_names

MAX_DESCRIPTION_CHARS = 2000
MAX_DDL_CHARS = 100_000
MAX_SEED = 2**64
JSON_PATHS = ("/generate", "/check", "/schema")    # POST bodies read as JSON
SENT_AS = "synthdata.sent_as"                      # where JsonBody keeps the content type a body came with
SEND_JSON = "send JSON with -H 'Content-Type: application/json' (or use GET with query parameters)"
SEND_SAMPLE = "send the file as the multipart form field sample: curl -F sample=@file.csv"

Format = Literal[tuple(format_names())]  # type: ignore[valid-type]
Dialect = Literal["postgres", "sqlite", "mysql"]
DesignerName = Literal["auto", "llm", "offline"]


def whole_number(value: Any, name: str, example: str) -> Any:
    """JSON's true and false are not numbers, though Python counts them as 1 and 0."""
    if isinstance(value, bool):
        raise SchemaError(f"{name}: {json.dumps(value)} is a yes/no value, not a whole number; give a number "
                          f"such as {example}")
    return value


def unwrap_schema(value: Any) -> Any:
    """Accept /schema's whole answer ({key, source, schema}) as well as the schema itself."""
    if isinstance(value, dict) and "columns" not in value and "tables" not in value \
            and isinstance(value.get("schema"), dict):
        return value["schema"]
    return value


class GenerateRequest(BaseModel):
    """What /generate and `main.py generate` take; checked the same way for both."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    description: str | None = Field(None, min_length=1, max_length=MAX_DESCRIPTION_CHARS,
                                    examples=["Hotel reservations with guest name, check-in date, room type and nightly rate"])
    ddl: str | None = Field(None, min_length=1, max_length=MAX_DDL_CHARS,
                            description="CREATE TABLE statements: the dataset has exactly these tables")
    rows: int | None = Field(None, ge=1, description="rows of the main table, 1..MAX_ROWS; default: the main "
                                                     "table's own rows, else 1000")
    seed: int | None = Field(None, ge=-(2**63), lt=MAX_SEED, description="same seed + same schema -> same bytes; "
                                                                          "digits as text are accepted")
    format: Format = "csv"
    table: str | None = Field(None, max_length=64, description="one table of a dataset, the same bytes as its file "
                                                               "in the ZIP")
    dialect: Dialect = "postgres"
    locale: str | None = Field(None, max_length=20, description="a Faker locale such as de_DE")
    schema_: Schema | None = Field(None, alias="schema", description="use this schema; no design step")
    designer: DesignerName | None = None

    @field_validator("description")
    @classmethod
    def _description(cls, text: str | None) -> str | None:
        if text is not None and not text.strip():
            raise ValueError("description is blank")
        return text

    @field_validator("rows", mode="before")
    @classmethod
    def _rows(cls, value: Any) -> Any:
        return whole_number(value, "rows", "1000")

    @field_validator("seed", mode="before")
    @classmethod
    def _seed(cls, value: Any) -> Any:
        return whole_number(value, "seed", "42")

    @field_validator("schema_", mode="before")
    @classmethod
    def _unwrap(cls, value: Any) -> Any:
        return unwrap_schema(value)


class SchemaRequest(BaseModel):
    """A description to design, SQL tables to read, or a schema with an instruction to change it."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    description: str | None = Field(None, min_length=1, max_length=MAX_DESCRIPTION_CHARS)
    ddl: str | None = Field(None, min_length=1, max_length=MAX_DDL_CHARS)
    schema_: Schema | None = Field(None, alias="schema")
    instruction: str | None = Field(None, min_length=1, max_length=MAX_DESCRIPTION_CHARS)
    designer: DesignerName | None = None

    @field_validator("schema_", mode="before")
    @classmethod
    def _unwrap(cls, value: Any) -> Any:
        return unwrap_schema(value)


def field_names(model: type[BaseModel]) -> list[str]:
    return [info.alias or name for name, info in model.model_fields.items()]


def unknown_field(name: Any, known: list[str], where: str = "a request field") -> SchemaError:
    """A field the request does not have: the ones it has, and the closest to what was typed."""
    close = difflib.get_close_matches(str(name), known, n=1, cutoff=0.6)
    hint = f"; did you mean {close[0]}?" if close else ""
    return SchemaError(f"{clip(name, 40)} is not {where} (accepted: {', '.join(known)}){hint}",
                       field=clip(name, 64))


def not_json(position: Any, reason: str, text: Any, sent_as: str | None) -> SchemaError:
    """A body that does not parse: where, why, and a trailing comma named as such."""
    where = f"at character {position}: {reason}" if isinstance(position, int) else reason
    if isinstance(position, int) and isinstance(text, (str, bytes)):
        before = text[:position].rstrip()
        if before[-1:] in (",", b","):
            where += "; JSON allows no comma before a closing } or ]"
    if sent_as:
        return SchemaError(f"the body was sent as {clip(sent_as, 60)} and is not valid JSON ({where}): {SEND_JSON}")
    return SchemaError(f"the body is not valid JSON ({where})")


def request_error(errors: list[Any], body: Any, model: type[BaseModel] | None,
                  sent_as: str | None = None) -> SchemaError:
    """The message for a request body (or query) that breaks the request's own rules."""
    first = errors[0] if errors else {}
    path = field_path(first.get("loc", ()))
    if first.get("type") == "json_invalid":
        position = path[0] if path and isinstance(path[0], int) else None
        return not_json(position, str((first.get("ctx") or {}).get("error", "not JSON")), body, sent_as)
    loc = tuple(first.get("loc", ()))
    if model is not None and first.get("type") == "extra_forbidden" and len(loc) == 1:
        return unknown_field(loc[0], field_names(model))   # the raw name: "Description" too
    if sent_as and not path:   # JSON, but not an object: likely not meant as JSON at all
        return SchemaError(f"the body was sent as {clip(sent_as, 60)} and is not a JSON object: {SEND_JSON}")
    return describe_errors(errors, body)


def request_from(fields: dict[str, Any]) -> GenerateRequest:
    """A request from query parameters, a /check body or command-line options, with the body's messages."""
    try:
        return GenerateRequest.model_validate(fields)
    except ValidationError as err:
        raise request_error(err.errors(include_url=False), fields, GenerateRequest) from None


def sample_missing(content_type: str | None) -> SchemaError:
    """/fit without its file: most often a raw body (`curl --data-binary @file.csv`)."""
    if content_type and content_type.split(";")[0].strip().lower() == "multipart/form-data":
        return SchemaError(f"sample: is required; {SEND_SAMPLE}", field="sample")
    sent = f"was sent as {clip(content_type, 60)}" if content_type else "had no content type"
    return SchemaError(f"sample: no file came in the form field sample (the body {sent}, as with curl --data-binary); "
                       f"{SEND_SAMPLE}", field="sample")


def is_json_type(content_type: str) -> bool:
    kind = content_type.split(";")[0].strip().lower()
    return kind == "application/json" or (kind.startswith("application/") and kind.endswith("+json"))


class JsonBody:
    """A POST body to a JSON endpoint is read as JSON whatever its content type says: `curl -d`
    sends a form content type with the JSON a user typed. The content type it came with is kept
    in the scope, so a body that is not JSON after all is told how it was sent."""

    def __init__(self, app: Any):
        self.app = app

    async def __call__(self, scope: dict, receive: Callable, send: Callable) -> None:
        if scope["type"] == "http" and scope.get("method") == "POST" and scope.get("path") in JSON_PATHS:
            headers = list(scope.get("headers") or [])
            given = next((v.decode("latin-1") for k, v in headers if k == b"content-type"), None)
            if given is not None and not is_json_type(given):
                headers = [(k, v) for k, v in headers if k != b"content-type"]
                scope = dict(scope, headers=[*headers, (b"content-type", b"application/json")])
                scope[SENT_AS] = given
        await self.app(scope, receive, send)
