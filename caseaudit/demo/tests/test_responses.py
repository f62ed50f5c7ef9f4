import pytest
from django.utils import timezone

from caseaudit.audits.models import ActionStatus, Audit, RestorativeAction
from caseaudit.demo.authority import demo_email
from caseaudit.demo.responses import demo_completed_audits, responses_demo
from caseaudit.demo.seed import seed_demo
from caseaudit.notifications.models import Notification
from caseaudit.organisation.models import Role, Staff
from caseaudit.responses.models import EventKind, QAResponse, ResponseEvent, ResponseStatus


@pytest.fixture
def demo_county(db):
    seed_demo(scale="small")
    return demo_completed_audits(count=30)


def test_the_demo_has_responses_in_every_state_and_is_not_duplicated(demo_county):
    today = timezone.localdate()
    counts = responses_demo(today=today)
    assert set(counts) == {
        ResponseStatus.AWAITING_WORKER,
        ResponseStatus.SUBMITTED,
        ResponseStatus.RETURNED,
        ResponseStatus.AUTHORISED,
        "overdue",
    }
    assert sum(counts.values()) - counts["overdue"] == QAResponse.objects.count()
    assert QAResponse.objects.count() == len(demo_county)
    overdue = [r for r in QAResponse.objects.all() if r.is_overdue(today)]
    assert any(r.escalated_at for r in overdue)
    # The history holds together: nothing in the future, each state's own entries.
    now = timezone.now()
    assert not ResponseEvent.objects.filter(at__gt=now).exists()
    for response in QAResponse.objects.prefetch_related("events"):
        kinds = [e.kind for e in response.events.all()]
        assert kinds[0] == EventKind.CREATED
        if response.status == ResponseStatus.AUTHORISED:
            assert EventKind.AUTHORISED in kinds and response.authorised_by_id
        if response.status == ResponseStatus.RETURNED:
            assert kinds.count(EventKind.RETURNED) == 1 and response.return_reason
        if response.status != ResponseStatus.AWAITING_WORKER:
            assert response.first_submitted_at and response.first_submitted_at <= now
    # Actions tracked: some closed, some awaiting agreement.
    actions = RestorativeAction.objects.filter(audit__qa_response__isnull=False)
    assert actions.filter(manager_agreed_at__isnull=False).exists()
    assert actions.filter(status=ActionStatus.RESOLVED, manager_agreed_at__isnull=True).exists()
    # The demo practitioner has responses to look at; the demo sends nothing.
    practitioner = Staff.objects.get(user__email=demo_email(Role.PRACTITIONER))
    assert QAResponse.objects.filter(worker=practitioner).exists()
    assert Notification.objects.count() == 0

    before = (QAResponse.objects.count(), ResponseEvent.objects.count())
    assert responses_demo(today=today) == {}
    assert demo_completed_audits() == []
    assert (QAResponse.objects.count(), ResponseEvent.objects.count()) == before
    assert Audit.objects.count() == len(demo_county)
