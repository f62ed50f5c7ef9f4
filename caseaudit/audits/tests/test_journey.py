"""The peer-audit journey through the test client, posting the page's own form as a browser
would: an auditor from outside the team starts a permissive audit from the case page, fills it
in over two sittings, scales one section 2, and completes it; the case's TM and PS are told at
once and see the finding on their home page until the TM acknowledges it."""

from html.parser import HTMLParser

from django.core import mail
from django.urls import reverse

from caseaudit.audits.models import Audit, AuditEvent, AuditStatus, UrgentFinding


class FormReader(HTMLParser):
    """The fields of the form posting to `action`, with the values a browser would send."""

    def __init__(self, action: str):
        super().__init__()
        self.action = action
        self.inside = False
        self.values: dict[str, str] = {}
        self.textarea = None
        self.select = None
        self.radios: set[str] = set()

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self.inside = (a.get("action") or "").split("?")[0] == self.action
        if not self.inside:
            return
        name = a.get("name")
        if tag == "input" and name:
            kind = a.get("type", "text")
            if kind == "radio":
                self.radios.add(name)
                if "checked" in a:
                    self.values[name] = a.get("value", "")
            elif kind == "checkbox":
                if "checked" in a:
                    self.values[name] = a.get("value", "on")
            elif kind != "submit":
                self.values[name] = a.get("value", "")
        elif tag == "textarea" and name:
            self.textarea = name
            self.values[name] = ""
        elif tag == "select" and name:
            self.select = name
            self.values.setdefault(name, "")
        elif tag == "option" and self.select and "selected" in a:
            self.values[self.select] = a.get("value", "")

    def handle_data(self, data):
        if self.textarea:
            self.values[self.textarea] += data

    def handle_endtag(self, tag):
        if tag == "textarea":
            self.textarea = None
        elif tag == "select":
            self.select = None
        elif tag == "form":
            self.inside = False


def read_form(response, action: str) -> dict:
    reader = FormReader(action)
    reader.feed(response.content.decode())
    assert reader.values, f"no form posting to {action}"
    return reader.values


def test_an_audit_from_start_to_acknowledged_finding(
    org, login, django_capture_on_commit_callbacks
):
    auditor = org.csm_north  # not in the case's team; the peer allocation comes with the programme
    case = org.case
    client = login(auditor)

    # Start a Generic Audit from the case page.
    page = client.get(reverse("case_detail", args=[case.pk]))
    start = read_form(page, reverse("audit_start", args=[case.pk]))
    start.update(tool="generic", reason="permissive")
    response = client.post(reverse("audit_start", args=[case.pk]), start)
    audit = Audit.objects.get(case=case)
    edit_url = reverse("audit_edit", args=[audit.pk])
    assert response.url == edit_url
    sections = list(audit.tool_version.sections.order_by("order", "id"))
    assert len(sections) == 9

    # First sitting: the first four sections, then "Save draft".
    form = read_form(client.get(edit_url), edit_url)
    for section in sections[:4]:
        form[f"s{section.pk}-working_well"] = f"Sitting one: {section.title} is well evidenced."
        form[f"s{section.pk}-scale"] = "7"
    first_question = sections[0].questions.filter(kind="yes_no_na").first()
    form[f"q{first_question.pk}-answer"] = "yes"
    form[f"q{first_question.pk}-evidence"] = "Chronology updated 3 November."
    form["intent"] = "save"
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(edit_url, form).status_code == 302
    assert not UrgentFinding.objects.exists()
    client.logout()

    # Second sitting: the work so far is there; finish, scaling one section 2.
    client = login(auditor)
    home = client.get(reverse("home")).content.decode()
    assert edit_url in home  # "My audits": a draft to finish
    page = client.get(edit_url)
    assert "Sitting one: " + sections[0].title in page.content.decode()
    form = read_form(page, edit_url)
    assert form[f"q{first_question.pk}-evidence"].strip() == "Chronology updated 3 November."
    for section in sections[4:]:
        form[f"s{section.pk}-worried_about"] = f"Sitting two: {section.title} has gaps."
        form[f"s{section.pk}-scale"] = "7"
    urgent_section = sections[5]
    form[f"s{urgent_section.pk}-scale"] = "2"
    # The questions the tool requires at completion (the rest may stay blank).
    for section in sections:
        for question in section.questions.filter(required=True):
            form[f"q{question.pk}-answer"] = (
                question.choices[0] if question.kind == "choice" else "yes"
            )
    form.update(
        {
            "voice_of_child": "The child says they feel safe at school but not at home.",
            "contact_made": "yes",
            "who_contacted": "Mother",
            "contact_relationship": "Mother",
            "contacted_on": "2026-11-20",
            "contact_method": "phone",
            "key_worker_told_family": "yes",
            "contact_details_checked": "yes",
            "family_views": "She finds the worker helpful.",
            "satisfaction": "4",
            "good_practice": "Direct work with the child is creative.",
            "actions-0-description": "Convene a multi-agency meeting.",
            # Inadequate needs a restorative action for the section (so does the overall 4).
            "actions-0-section": str(urgent_section.pk),
            "actions-0-due_on": "2026-12-04",
            "overall_scale": "4",
            "summary": "Safe practice overall, with urgent gaps in multi-agency working.",
            "intent": "complete",
        }
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(edit_url, form)
    # The section scaled 2: the auditor is asked before anyone is alerted, and says yes.
    assert response.status_code == 302, response.content.decode()[:2000]
    confirm_url = reverse("audit_confirm_alert", args=[audit.pk])
    assert response.url.startswith(confirm_url)
    assert not UrgentFinding.objects.exists() and mail.outbox == []
    page = client.get(response.url)
    assert "This will alert the Team Manager and Practice Supervisor now" in page.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(response.url, read_form(page, confirm_url))
    assert response.status_code == 302, response.content.decode()[:2000]
    assert response.url == reverse("audit_detail", args=[audit.pk])
    audit.refresh_from_db()
    assert audit.status == AuditStatus.COMPLETED
    assert audit.actions.get().owner == org.worker  # the allocated worker, preset

    # The case's TM and PS were told at once, in the app and by email.
    finding = UrgentFinding.objects.get(audit=audit)
    assert urgent_section.title in finding.reason
    urgent = [m for m in mail.outbox if "Urgent finding" in m.subject]
    assert sorted(m.to[0] for m in urgent) == sorted([org.tm.email, org.ps1.email])
    assert all(case.reference in m.subject for m in urgent)
    assert all(case.display_name not in m.subject for m in mail.outbox)
    for manager in (org.tm, org.ps1):
        html = login(manager).get(reverse("home")).content.decode()
        assert "Urgent findings to acknowledge" in html
        assert reverse("urgent_finding_acknowledge", args=[finding.pk]) in html
    assert "Urgent findings to acknowledge" not in (
        login(org.worker).get(reverse("home")).content.decode()
    )

    # The audit page reads as a document; the TM acknowledges the finding from it.
    client = login(org.tm)
    page = client.get(reverse("audit_detail", args=[audit.pk]))
    html = page.content.decode()
    assert 'class="app-band--inadequate">2 – Inadequate' in html
    assert "Direct work with the child is creative." in html
    ack_url = reverse("urgent_finding_acknowledge", args=[finding.pk])
    ack = read_form(page, ack_url)
    ack["action_taken"] = "Strategy discussion held with the police and school."
    assert client.post(ack_url, ack).status_code == 302
    assert "Urgent findings to acknowledge" not in client.get(reverse("home")).content.decode()
    kinds = list(AuditEvent.objects.filter(audit=audit).values_list("kind", flat=True))
    assert kinds == [
        "started",
        "saved",
        "finding_raised",
        "completed",
        "finding_acknowledged",
    ]
