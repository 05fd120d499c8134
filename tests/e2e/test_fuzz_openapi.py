"""Schemathesis against our own /openapi.json: every operation gets a bounded
number of generated requests, valid and invalid ones, and none of them may
answer a server error (5xx) or break the connection. Deterministic: the same
requests on every run, so a failure reproduces."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Iterator

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core import NotSet
from schemathesis.core.failures import FailureGroup

from e2e_servers import server

pytestmark = pytest.mark.e2e

EXAMPLES = 150  # per operation, valid and invalid ones together: ~10,000 requests
TIMEOUT = 10  # seconds; an operation that takes longer is reported as hanging


def _operations(schema: Any) -> Iterator[Any]:
    for result in schema.get_all_operations():
        yield result.ok()  # an operation our own document cannot describe fails the test


def _strategy(operation: Any) -> st.SearchStrategy:
    return st.one_of(
        operation.as_strategy(GenerationMode.POSITIVE),
        operation.as_strategy(GenerationMode.NEGATIVE),
    )


def _shown(case: Any, outcome: str) -> str:
    body = "-" if isinstance(case.body, NotSet) else json.dumps(case.body, default=repr)
    return (
        f"{case.method} {case.formatted_path} query={case.query!r} "
        f"headers={case.headers!r} body={body}\n  -> {outcome}"
    )


def _server_errors(operation: Any, base_url: str, session: requests.Session) -> list[str]:
    """Every generated request to `operation` that got a 5xx or no answer."""
    found: list[str] = []

    # No shrinking: the failures are collected, not raised, so each is shown
    # as it was sent; `derandomize` makes the requests the same on every run.
    @settings(
        max_examples=EXAMPLES,
        derandomize=True,
        database=None,
        deadline=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=_strategy(operation))
    def probe(case: Any) -> None:
        try:
            response = case.call(base_url=base_url, session=session, timeout=TIMEOUT)
        except requests.RequestException as exc:
            found.append(_shown(case, f"no answer: {type(exc).__name__}: {exc}"))
            return
        try:
            case.validate_response(response, checks=[not_a_server_error])
        except FailureGroup:
            found.append(
                _shown(
                    case,
                    f"{response.status_code} {response.text[:300]}\n  "
                    f"{case.as_curl_command(base_url=base_url)}",
                )
            )

    probe()
    return found


# A server of its own, so that the threads and store items the fuzzing creates
# do not show in other tests' listings; `dev` only: the edge under test (the
# validation, the routes' answers to bad input) is the same code in `split`
# mode, and one fuzzing pass costs minutes.
@pytest.fixture(scope="module", params=["dev"])
def fuzzed_url(request: pytest.FixtureRequest, counter_dir: Path) -> Iterator[str]:
    with server(request, counter_dir) as url:
        yield url


def test_no_generated_request_gets_a_server_error(fuzzed_url: str) -> None:
    schema = schemathesis.openapi.from_url(f"{fuzzed_url}/openapi.json")
    failures: list[str] = []
    with requests.Session() as session:
        for operation in _operations(schema):
            failures += _server_errors(operation, fuzzed_url, session)
    assert not failures, f"{len(failures)} server errors:\n" + "\n".join(failures)
