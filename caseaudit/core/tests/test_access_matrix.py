"""The access-control matrix (caseaudit/core/access_matrix.py), walked with personas.

One organisation is built for the whole module (inside a transaction rolled back at the end);
each test runs in its own savepoint, so a request that changes something changes it for that
test only. A URL pattern without an entry fails `test_every_url_pattern_has_an_entry`.
"""

import datetime as dt
import importlib
import json
from operator import attrgetter

import pytest
from django.db import transaction
from django.test import Client
from django.urls import get_resolver, path, reverse
from django.utils import timezone

from caseaudit.accounts.models import AccessEvent
from caseaudit.api.services import api_token_issue
from caseaudit.audit_tools import services as tool_services
from caseaudit.audit_tools.models import Tool
from caseaudit.audit_tools.selectors import tool_version_published
from caseaudit.audits import services as audit_services
from caseaudit.audits.models import AuditReason, RestorativeAction, UrgentFinding
from caseaudit.audits.tests.conftest import completion_extras
from caseaudit.conftest import build_org, stand_in_write_pdf
from caseaudit.core.access_matrix import (
    EXCLUDED,
    PERSONAS,
    PUBLIC_PAGES,
    entries_by_name,
    unlisted_patterns,
    url_patterns,
)
from caseaudit.core.access_matrix import MATRIX as CORE_MATRIX
from caseaudit.factories import CaseFactory, StaffFactory
from caseaudit.imports.models import ImportRun
from caseaudit.notifications.models import Notification
from caseaudit.organisation.models import Role
from caseaudit.programme.models import Allocation, MonthStatus, ProgrammeMonth, Rule
from caseaudit.reports.models import ExportStatus, ReportExport
from caseaudit.responses.models import QAResponse
from caseaudit.workflows import audits as workflows

# The apps whose rows live beside their code (`caseaudit/<app>/tests/matrix.py`: ENTRIES and
# add_to_world(world), which adds the app's records to the world).
APP_MATRICES = tuple(
    importlib.import_module(f"caseaudit.{app}.tests.matrix")
    for app in ("moderation", "campaigns", "feedback", "improvement", "selfeval")
)
MATRIX = CORE_MATRIX + tuple(entry for module in APP_MATRICES for entry in module.ENTRIES)

PERSONA_ATTRS = {
    "own": "worker",
    "supervised": "ps1",
    "own_team": "tm",
    "own_service": "csm_north",
    "colleague": "colleague",
    "other_team": "tm_b",
    "outsider": "outsider",
    "performance": "performance",
    "admin": "admin",
    "auditor": "director",
    "bsupport": "business_support",
    "bs_other": "bs_other",
    "lead_member": "lead_member",
}


def _complete_audit(world):
    """A Generic Audit of the worker's case by the Director, completed with one restorative
    action (the worker's) and an overall scale of 2, which raises an urgent finding."""
    auditor = world.director
    audit = audit_services.audit_start(
        case=world.case, auditor=auditor, tool_code="generic", reason=AuditReason.PERMISSIVE
    )
    sections = audit.tool_version.sections.all()
    audit_services.audit_save(
        audit=audit,
        by=auditor.user,
        revision=audit.revision,
        data={
            "sections": {s.pk: {"working_well": "Good.", "scale": 7} for s in sections if s.scaled},
            "voice_of_child": "Heard.",
            "overall_scale": 2,
            "summary": "Worrying.",
            "actions": [
                {
                    "description": "Update the plan.",
                    "owner_id": world.worker.pk,
                    "due_on": dt.date(2027, 1, 15),
                }
            ],
            **completion_extras(audit),
        },
    )
    return workflows.audit_complete(audit=audit, by=auditor.user)


def _admin_objects(world):
    """The matrix's administrator has the Django admin (is_staff, every model permission, as
    the staff import and the demo give administrators); one record of each admin model."""
    from types import SimpleNamespace

    from allauth.account.models import EmailAddress
    from allauth.mfa.models import Authenticator
    from django.contrib.auth.models import Group, Permission
    from django.contrib.contenttypes.models import ContentType

    from caseaudit.accounts.services import security_event_record
    from caseaudit.audit_tools.models import ScalingBand, Theme, ToolChange
    from caseaudit.core.models import ClosureDay
    from caseaudit.organisation.models import Team

    user = world.admin.user
    user.is_staff = True
    user.save(update_fields=["is_staff"])
    user.user_permissions.set(Permission.objects.all())
    return SimpleNamespace(
        team_type=ContentType.objects.get_for_model(Team).pk,
        auth_group=Group.objects.create(name="Matrix").pk,
        auth_user=world.worker.user.pk,
        account_emailaddress=EmailAddress.objects.create(
            user=world.worker.user, email=world.worker.user.email, verified=True, primary=True
        ).pk,
        mfa_authenticator=Authenticator.objects.create(
            user=world.worker.user, type=Authenticator.Type.RECOVERY_CODES, data={"seed": "x"}
        ).pk,
        core_closureday=ClosureDay.objects.create(date=dt.date(2030, 12, 27), reason="Matrix").pk,
        accounts_securityevent=security_event_record(kind="sign_in", user=world.worker.user).pk,
        organisation_servicearea=world.north_a.service_area_id,
        organisation_team=world.north_a.pk,
        organisation_staff=world.worker.pk,
        audit_tools_theme=Theme.objects.order_by("pk").first().pk,
        audit_tools_scalingband=ScalingBand.objects.order_by("pk").first().pk,
        audit_tools_toolchange=ToolChange.objects.order_by("pk").first().pk,
    )


def build_world():
    world = build_org()
    world.org = world
    world.admin = StaffFactory(role=Role.ADMIN, team=None)
    world.bs_other = StaffFactory(role=Role.BUSINESS_SUPPORT, team=world.north_b)
    world.audit = _complete_audit(world)
    world.finding = UrgentFinding.objects.get(audit=world.audit)
    world.response = QAResponse.objects.get(audit=world.audit)
    world.action = RestorativeAction.objects.get(audit=world.audit)
    world.draft_audit = audit_services.audit_start(
        case=world.case,
        auditor=world.director,
        tool_code="generic",
        reason=AuditReason.PERMISSIVE,
    )
    world.programme = ProgrammeMonth.objects.create(
        month=timezone.localdate().replace(day=1),
        seed=1,
        status=MonthStatus.CONFIRMED,
        generated_at=timezone.now(),
    )
    world.allocation = Allocation.objects.create(
        programme=world.programme,
        auditor=world.director,
        rule=Rule.MANAGER_PEER,
        case=world.case,
        tool_code="generic",
        reason="Chosen for the access matrix.",
    )
    # A Practice Supervisor's peer audit in the case's team (North A), not yet done: what its
    # Team Manager chases.
    world.team_allocation = Allocation.objects.create(
        programme=world.programme,
        auditor=world.ps2,
        auditor_team=world.north_a,
        rule=Rule.PS_PEER,
        peer=world.ps1,
        case=CaseFactory(team=world.north_a, allocated_worker=world.worker),
        tool_code="generic",
        reason="Chosen for the access matrix.",
    )
    world.notification = Notification.objects.create(
        recipient=world.worker,
        kind="test",
        subject=f"Test: case {world.case.reference}",
        body="A test notification.",
        url=reverse("case_detail", args=[world.case.pk]),
        idempotency_key="access-matrix",
        email_status="not_needed",
    )
    world.import_run = ImportRun.objects.create(
        kind="cases", source_format="csv", file_name="cases.csv", status="succeeded"
    )
    world.tool_published = tool_version_published(code="generic")
    world.tool_draft = tool_services.tool_version_draft_create(
        tool=Tool.objects.get(code="generic"), by=world.admin.user
    )
    world.tool_section = world.tool_draft.sections.order_by("order").first()
    world.tool_question = world.tool_section.questions.order_by("order").first()
    world.report_export = ReportExport.objects.create(
        user=world.performance.user,
        report="findings",
        status=ExportStatus.READY,
        content=b"%PDF-1.7 matrix",
        filename="findings.pdf",
        finished_at=timezone.now(),
    )
    world.admin_objects = _admin_objects(world)
    # A Lead Member: campaigns' add_to_world gives them one case (not world.case) in a running
    # campaign; without it they would see nothing at all.
    world.lead_member = StaffFactory(role=Role.LEAD_MEMBER, team=None)
    for module in APP_MATRICES:
        module.add_to_world(world)
    world.api_token, _secret = api_token_issue(
        user=world.performance.user, name="To revoke", by=world.performance.user
    )
    world.tokens = {
        persona: api_token_issue(user=user, name="matrix", by=user)[1]
        for persona, user in ((p, getattr(world, a).user) for p, a in PERSONA_ATTRS.items())
    }
    # One signed-in browser per persona for the whole module (signing in for each request
    # would be most of the matrix's time); each test's changes to its session roll back.
    world.clients = {"anonymous": Client()}
    for persona, attr in PERSONA_ATTRS.items():
        world.clients[persona] = Client()
        world.clients[persona].force_login(getattr(world, attr).user)
    return world


@pytest.fixture(scope="module", autouse=True)
def _quick_pdfs():
    """The matrix is about who gets a file: `stand_in_write_pdf` for the whole module."""
    from weasyprint import HTML

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(HTML, "write_pdf", stand_in_write_pdf)
        yield


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), transaction.atomic():
        built = build_world()
        yield built
        transaction.set_rollback(True)


def _value(world, spec):
    if isinstance(spec, str) and spec.startswith("@"):
        return attrgetter(spec[1:])(world)
    return spec


def _request(world, entry, persona):
    kwargs = {key: _value(world, spec) for key, spec in entry.args.items()}
    url = reverse(entry.name, kwargs=kwargs)
    if entry.query:
        key, _, spec = entry.query.partition("=")
        url += f"?{key}={_value(world, spec)}"
    data = {key: _value(world, spec) for key, spec in (entry.data or {}).items()}
    if entry.is_api:
        client = Client()  # no session: the token alone counts
        headers = {}
        if persona != "anonymous":
            headers["Authorization"] = f"Bearer {world.tokens[persona]}"
        if entry.method == "GET":
            return client.get(url, headers=headers)
        body = json.dumps(data)
        send = client.post if entry.method == "POST" else client.put
        return send(url, body, content_type="application/json", headers=headers)
    client = world.clients[persona]
    if entry.method == "GET":
        return client.get(url)
    return client.post(url, data)


@pytest.mark.parametrize(
    ("entry", "persona"),
    [(entry, persona) for entry in MATRIX for persona in PERSONAS],
    ids=[f"{entry.key}-{persona}" for entry in MATRIX for persona in PERSONAS],
)
def test_matrix(world, db, entry, persona):
    expected = entry.expected[persona]
    response = _request(world, entry, persona)
    assert response.status_code == expected, (
        f"{entry.method} {entry.name} as {persona}: {response.status_code}, expected {expected}"
    )
    if persona == "anonymous" and not entry.is_api and expected == 302:
        sign_in = [reverse("account_login")]
        if entry.is_admin:  # the admin's own sign-in page sends to allauth's (MFA)
            sign_in.append(reverse("admin:login"))
        assert response.url.startswith(tuple(sign_in))
    if response.status_code in (401, 403, 404) and not response.streaming:
        # A refusal never shows the child's name.
        assert world.case.display_name not in response.content.decode(errors="replace")


# --- The table covers every URL -------------------------------------------------------------


def test_every_url_pattern_has_an_entry():
    assert unlisted_patterns(entries=MATRIX) == [], (
        "Add each of these URL patterns to caseaudit/core/access_matrix.py (or, with a reason, "
        "to its exclusions)"
    )


def test_every_entry_names_a_url_pattern():
    names = {name for name, _route, _module in url_patterns()}
    assert sorted(set(entries_by_name(MATRIX)) - names) == []


def test_each_entry_has_a_status_for_every_persona():
    for entry in MATRIX:
        assert set(entry.expected) == set(PERSONAS), entry.name
        public = entry.name in PUBLIC_PAGES
        assert entry.expected["anonymous"] in (
            (401, 404, 200) if entry.is_api else (200,) if public else (302,)
        )
    assert len({entry.key for entry in MATRIX}) == len(MATRIX)  # one entry per key


def test_every_exclusion_has_a_reason():
    assert all(len(reason) > 40 for reason in EXCLUDED.values())


def _new_page(request):  # pragma: no cover - never called
    raise AssertionError


urlpatterns = [path("brand-new-page/<int:pk>/", _new_page, name="brand_new_page")]


def test_a_new_url_without_an_entry_fails():
    """The check itself: a URLconf with one more page reports it."""
    resolver = get_resolver("caseaudit.core.tests.test_access_matrix")
    assert unlisted_patterns(resolver) == ["brand_new_page (brand-new-page/<int:pk>/)"]


# --- Refusals are logged -------------------------------------------------------------------------


def test_an_out_of_scope_record_is_logged_as_refused(world, db):
    client = Client()
    client.force_login(world.outsider.user)
    for name, pk in (
        ("case_detail", world.case.pk),
        ("audit_detail", world.audit.pk),
        ("response_detail", world.response.pk),
    ):
        assert client.get(reverse(name, args=[pk])).status_code == 404
    refused = AccessEvent.objects.filter(user=world.outsider.user, action="denied")
    assert sorted(refused.values_list("object_type", flat=True)) == [
        "audit",
        "case",
        "qa_response",
    ]
    assert set(refused.values_list("case_id", flat=True)) == {world.case.pk}
    assert refused.get(object_type="case").path == reverse("case_detail", args=[world.case.pk])


def test_a_missing_record_is_not_logged(world, db):
    client = Client()
    client.force_login(world.outsider.user)
    assert client.get(reverse("case_detail", args=[999_999])).status_code == 404
    assert not AccessEvent.objects.filter(user=world.outsider.user).exists()


def test_a_forbidden_action_on_a_visible_record_is_logged_as_refused(world, db):
    client = Client()
    client.force_login(world.worker.user)
    assert client.post(reverse("audit_reopen", args=[world.audit.pk])).status_code == 403
    events = AccessEvent.objects.filter(user=world.worker.user, object_type="audit")
    assert list(events.order_by("id").values_list("action", flat=True)) == ["view", "denied"]


def test_the_api_logs_refusals_too(world, db):
    client = Client()
    headers = {"Authorization": f"Bearer {world.tokens['outsider']}"}
    url = reverse("api:case_detail", kwargs={"case_id": world.case.pk})
    assert client.get(url, headers=headers).status_code == 404
    event = AccessEvent.objects.get(user=world.outsider.user, action="denied")
    assert (event.object_type, event.case_id, event.path) == ("case", world.case.pk, url)
