"""Fuzzing the API with schemathesis: every operation of the OpenAPI document, called with
generated requests (valid ones, and invalid ones) and a valid Performance Assurance token, on a
small seeded organisation (the moderation and improvement operations are fuzzed by their
apps' own tests, on data of their own: `OWN_FUZZ_TESTS`). No request may produce a server
error, and every response must be one the document declares, with the content type and body
it describes.

Bounded and reproducible (`derandomize`), so it runs in `make test` and in CI in well under a
minute; `pytest -m fuzz` runs only this.
"""

import time
from collections import Counter

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from caseaudit.api.services import api_token_issue
from caseaudit.audits import services as audit_services
from caseaudit.audits.models import Audit, AuditReason
from caseaudit.programme.models import Allocation, ProgrammeMonth
from caseaudit.responses.models import QAResponse

from .helpers import completed_audit

pytestmark = [pytest.mark.fuzz, pytest.mark.django_db]

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
EXAMPLES = {GenerationMode.POSITIVE: 30, GenerationMode.NEGATIVE: 12}
# The operations fuzzed by an app's own test (with records that reach their real answers), by
# a part of their path: caseaudit/moderation/tests/test_api_fuzz.py (5 operations) and
# caseaudit/improvement/tests/test_api_fuzz.py (4). Fuzzing them here as well doubled their cost.
OWN_FUZZ_TESTS = {"moderation": 5, "/improvement/": 4}


def own_fuzz_test(path: str) -> str | None:
    return next((part for part in OWN_FUZZ_TESTS if part in path), None)


# Path parameters drawn from the seeded records half the time (random ids are mostly 404s).
PATH_RECORDS = {
    "case_id": lambda: list(range(1, 8)),
    "audit_id": lambda: list(Audit.objects.values_list("pk", flat=True)),
    "response_id": lambda: list(QAResponse.objects.values_list("pk", flat=True)),
}


@pytest.fixture
def seeded(org):
    """The org's people and cases, with a completed audit (and its QA response), drafts by
    Performance Assurance, and this month's programme."""
    completed_audit(org.csm_north, org.case)
    for case in (org.colleague_case, org.case_b):
        audit_services.audit_start(
            case=case, auditor=org.performance, tool_code="generic", reason=AuditReason.THEMATIC
        )
    programme = ProgrammeMonth.objects.create(
        month=timezone.localdate().replace(day=1), seed=1, generated_at=timezone.now()
    )
    Allocation.objects.create(
        programme=programme,
        auditor=org.tm_b,
        rule="manager-peer",
        case=org.case,
        tool_code="generic",
        reason="Due.",
    )
    return org


@pytest.fixture
def wsgi_app():
    """The project's WSGI application, called in this thread (so it sees the test's data). As
    Django's test client does, keep the request signals from closing the test's connection."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield get_wsgi_application()
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


def fuzz(operation, mode, *, headers, records, calls, statuses) -> None:
    """Call `operation` with generated requests of one mode, checking every response."""

    @settings(
        max_examples=EXAMPLES[mode],
        deadline=None,
        database=None,
        derandomize=True,
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy(generation_mode=mode), data=st.data())
    def run(case, data):
        if mode == GenerationMode.POSITIVE:
            for name, choices in records.items():
                if choices and data.draw(st.booleans()):
                    case.path_parameters[name] = data.draw(st.sampled_from(choices))
        response = case.call(headers=headers)
        statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
        calls[operation.label] = calls.get(operation.label, 0) + 1
        case.validate_response(response, checks=CHECKS)

    run()


def test_every_operation_survives_fuzzing(seeded, wsgi_app):
    _, secret = api_token_issue(
        user=seeded.performance.user, name="fuzzing", by=seeded.performance.user
    )
    headers = {"Authorization": f"Bearer {secret}"}
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", wsgi_app)
    every = [result.ok() for result in schema.get_all_operations()]
    assert len(every) == 33
    # Every operation is fuzzed: here, or by the app's own test (which asserts its count).
    elsewhere = Counter(own_fuzz_test(op.path) for op in every if own_fuzz_test(op.path))
    assert elsewhere == OWN_FUZZ_TESTS
    operations = [op for op in every if not own_fuzz_test(op.path)]
    calls: dict[str, int] = {}
    statuses: dict[int, int] = {}
    started = time.monotonic()
    for operation in operations:
        names = [parameter.name for parameter in operation.path_parameters]
        records = {name: PATH_RECORDS[name]() for name in names if name in PATH_RECORDS}
        for mode in EXAMPLES:
            fuzz(operation, mode, headers=headers, records=records, calls=calls, statuses=statuses)
    elapsed = time.monotonic() - started
    print(
        f"\nschemathesis: {sum(calls.values())} requests over {len(calls)} operations "
        f"in {elapsed:.1f}s; statuses {dict(sorted(statuses.items()))}"
    )
    assert len(calls) == len(operations) == 33 - sum(OWN_FUZZ_TESTS.values())
    assert statuses.get(200, 0) > 0  # it reached real records, not only errors
