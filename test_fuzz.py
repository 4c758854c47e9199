"""schemathesis against the service's own OpenAPI description: no 5xx, answers as documented."""

from __future__ import annotations

import pytest

import main
from testkit import make_settings


def run_openapi_fuzz(tmp_path, total_cases: int, check_names: tuple[str, ...]) -> int:
    """Cases from the app's own /openapi.json against every operation; returns the number of cases run."""
    import schemathesis
    from hypothesis import HealthCheck, given
    from hypothesis import settings as hsettings
    from schemathesis.checks import not_a_server_error
    from schemathesis.specs.openapi.checks import content_type_conformance, response_schema_conformance, status_code_conformance

    known = {"server_error": not_a_server_error, "status_code": status_code_conformance,
             "content_type": content_type_conformance, "response_schema": response_schema_conformance}
    checks = [known[name] for name in check_names]
    app = main.create_app(make_settings(tmp_path, max_rows=1000))
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert {op.label for op in operations} >= {"POST /generate", "GET /generate", "POST /schema", "GET /health",
                                               "GET /cache/stats"}
    per_operation = max(5, total_cases // len(operations))
    done = 0
    for operation in operations:

        @hsettings(max_examples=per_operation, deadline=None, database=None, derandomize=True,
                   suppress_health_check=list(HealthCheck))
        @given(case=operation.as_strategy())
        def check(case):
            nonlocal done
            done += 1
            response = case.call()
            case.validate_response(response, checks=checks)
            if response.status_code >= 400:
                assert isinstance(response.json().get("detail"), str), response.text[:300]

        check()
    return done


def test_openapi_fuzz_no_server_error_and_documented_answers(tmp_path):
    cases = run_openapi_fuzz(tmp_path, 300, ("server_error", "status_code", "content_type"))
    assert cases >= 100
    print(f"openapi fuzz: {cases} cases")


def test_openapi_fuzz_answers_match_response_schemas(tmp_path):
    """The error answers ({"detail": "<string>"}) must be what /openapi.json documents."""
    run_openapi_fuzz(tmp_path, 100, ("response_schema",))


@pytest.mark.slow
def test_openapi_fuzz_long_no_server_error_and_documented_answers(tmp_path):
    cases = run_openapi_fuzz(tmp_path, 2000, ("server_error", "status_code", "content_type"))
    print(f"openapi fuzz: {cases} cases")


@pytest.mark.slow
def test_openapi_fuzz_long_answers_match_response_schemas(tmp_path):
    cases = run_openapi_fuzz(tmp_path, 1000, ("response_schema",))
    print(f"openapi fuzz: {cases} cases")
