"""The moderation operations fuzzed as the whole API is (`caseaudit/api/tests/
test_schemathesis.py`): no server error, every response one the OpenAPI document declares."""

import datetime as dt

import pytest
import schemathesis
from schemathesis import GenerationMode

from caseaudit.api.services import api_token_issue
from caseaudit.api.tests.test_schemathesis import fuzz, wsgi_app  # noqa: F401
from caseaudit.moderation import services
from caseaudit.moderation.models import Moderation

pytestmark = [pytest.mark.fuzz, pytest.mark.django_db]


def test_moderation_operations_survive_fuzzing(org, audits, wsgi_app):  # noqa: F811
    audits.make(case=org.case, auditor=org.director, on=dt.date(2026, 10, 12), scale=8, overall=8)
    sample = services.sample_generate(month=dt.date(2026, 10, 1), seed=4, by=None)
    services.sample_confirm(sample=sample, by=org.performance.user)
    _, secret = api_token_issue(user=org.performance.user, name="fuzz", by=org.performance.user)
    headers = {"Authorization": f"Bearer {secret}"}
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", wsgi_app)
    operations = [r.ok() for r in schema.get_all_operations() if "moderation" in r.ok().path]
    assert len(operations) == 5
    calls: dict[str, int] = {}
    statuses: dict[int, int] = {}
    ids = list(Moderation.objects.values_list("pk", flat=True))
    for operation in operations:
        names = [p.name for p in operation.path_parameters]
        records = {"moderation_id": ids} if "moderation_id" in names else {}
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            fuzz(operation, mode, headers=headers, records=records, calls=calls, statuses=statuses)
    assert len(calls) == 5
    assert statuses.get(200, 0) > 0
