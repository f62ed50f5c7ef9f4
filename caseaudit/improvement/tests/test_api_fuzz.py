"""The improvement API's operations fuzzed with schemathesis (as `caseaudit/api/tests/
test_schemathesis.py` fuzzes every operation): no server error, and every response one the
document declares, on a published report with its actions."""

import pytest
import schemathesis
from schemathesis import GenerationMode

from caseaudit.api.services import api_token_issue
from caseaudit.api.tests.test_schemathesis import EXAMPLES, fuzz, wsgi_app  # noqa: F401

from .conftest import completed_audit, published_report

pytestmark = [pytest.mark.fuzz, pytest.mark.django_db]


def test_the_improvement_operations_survive_fuzzing(org, wsgi_app):  # noqa: F811
    completed_audit(case=org.case, auditor=org.director, scale=2, good_practice="Good.")
    report = published_report(org)
    _, secret = api_token_issue(user=org.performance.user, name="fuzz", by=org.performance.user)
    headers = {"Authorization": f"Bearer {secret}"}
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", wsgi_app)
    operations = [
        op
        for op in (result.ok() for result in schema.get_all_operations())
        if "/improvement/" in op.path
    ]
    assert len(operations) == 4, [op.label for op in operations]
    records = {
        "report_id": lambda: [report.pk],
        "action_id": lambda: list(report.actions.values_list("pk", flat=True)),
    }
    calls: dict[str, int] = {}
    statuses: dict[int, int] = {}
    for operation in operations:
        names = [p.name for p in operation.path_parameters]
        chosen = {name: records[name]() for name in names if name in records}
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            assert mode in EXAMPLES
            fuzz(operation, mode, headers=headers, records=chosen, calls=calls, statuses=statuses)
    assert len(calls) == 4
    assert statuses.get(200, 0) > 0
