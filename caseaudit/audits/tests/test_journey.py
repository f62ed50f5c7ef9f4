"""The peer-audit journey through the test client, posting the page's own form as a browser
would: an auditor from outside the team starts a permissive audit from the case page, fills it
in page by page over two sittings, scales one section 2 (and confirms the alert), checks and
completes it; the case's TM and PS are told at
once and see the finding on their home page until the TM acknowledges it."""

import re
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

    def page_url(slug):
        return reverse("audit_task", args=[audit.pk, slug])

    def fill(client, slug, values, intent="continue"):
        """Open the page, fill in `values` as a person would and press a button."""
        page = client.get(page_url(slug))
        assert page.status_code == 200
        form = read_form(page, page_url(slug))
        form.update(values, intent=intent)
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(page_url(slug), form)
        assert response.status_code == 302, response.content.decode()[:2000]
        return response

    def required(section) -> dict:
        """The answers the tool requires at completion (the rest may stay blank)."""
        return {
            f"q{q.pk}-answer": q.choices[0] if q.kind == "choice" else "yes"
            for q in section.questions.filter(required=True)
        }

    # First sitting: the first four sections, page by page, then "Save and come back later".
    first_question = sections[0].questions.filter(kind="yes_no_na").first()
    for number, section in enumerate(sections[:4], start=1):
        values = {
            f"s{section.pk}-working_well": f"Sitting one: {section.title} is well evidenced.",
            f"s{section.pk}-scale": "7",
            **required(section),
        }
        if number == 1:
            values[f"q{first_question.pk}-answer"] = "yes"
            values[f"q{first_question.pk}-evidence"] = "Chronology updated 3 November."
        response = fill(client, f"section-{number}", values, "continue" if number < 4 else "later")
        assert response.url == (page_url(f"section-{number + 1}") if number < 4 else edit_url)
    assert not UrgentFinding.objects.exists()
    tasks = client.get(edit_url).content.decode()
    assert "You have completed 4 of 13 tasks." in tasks
    client.logout()

    # Second sitting: the work so far is there; finish, scaling one section 2.
    client = login(auditor)
    home = client.get(reverse("home")).content.decode()
    assert edit_url in home  # "My audits": a draft to finish
    tasks = client.get(edit_url).content.decode()
    assert "You have completed 4 of 13 tasks." in tasks
    page = client.get(page_url("section-1"))
    assert "Sitting one: " + sections[0].title in page.content.decode()
    form = read_form(page, page_url("section-1"))
    assert form[f"q{first_question.pk}-evidence"].strip() == "Chronology updated 3 November."
    urgent_section = sections[5]
    for number, section in enumerate(sections[4:], start=5):
        values = {
            f"s{section.pk}-worried_about": f"Sitting two: {section.title} has gaps.",
            f"s{section.pk}-scale": "2" if section == urgent_section else "7",
            **required(section),
        }
        response = fill(client, f"section-{number}", values)
        if section == urgent_section:
            # Scaled 2: the auditor is asked before anyone is alerted, and says yes.
            confirm_url = reverse("audit_confirm_alert", args=[audit.pk])
            assert response.url.startswith(confirm_url)
            assert not UrgentFinding.objects.exists() and mail.outbox == []
            page = client.get(response.url)
            html = page.content.decode()
            assert "This will alert the Team Manager and Practice Supervisor now" in html
            with django_capture_on_commit_callbacks(execute=True):
                response = client.post(response.url, read_form(page, confirm_url))
            assert response.url == page_url(f"section-{number + 1}")
    fill(
        client,
        "voice-of-the-child",
        {
            "voice_of_child": "The child says they feel safe at school but not at home.",
        },
    )
    fill(
        client,
        "family-contact",
        {
            "contact_made": "yes",
            "who_contacted": "Mother",
            "contact_relationship": "Mother",
            "contacted_on": "2026-11-20",
            "contact_method": "phone",
            "key_worker_told_family": "yes",
            "contact_details_checked": "yes",
            "family_views": "She finds the worker helpful.",
            "satisfaction": "4",
        },
    )
    fill(
        client,
        "restorative-actions",
        {
            "actions-0-description": "Convene a multi-agency meeting.",
            # Inadequate needs a restorative action for the section (so does the overall 4).
            "actions-0-section": str(urgent_section.pk),
            "actions-0-due_on": "2026-12-04",
        },
    )
    response = fill(
        client,
        "overall",
        {
            "good_practice": "Direct work with the child is creative.",
            "overall_scale": "4",
            "summary": "Safe practice overall, with urgent gaps in multi-agency working.",
        },
    )
    check_url = reverse("audit_check", args=[audit.pk])
    assert response.url == check_url
    tasks = client.get(edit_url).content.decode()
    assert "You have completed 13 of 13 tasks." in tasks
    statuses = re.findall(r'task-list__status" id="[^"]+">(?:<strong class="[^"]+">)?(\w+)', tasks)
    assert statuses == ["Completed"] * 5 + ["Urgent"] + ["Completed"] * 7
    # Check the answers, and complete.
    page = client.get(check_url)
    assert "The audit cannot be completed yet" not in page.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(check_url, read_form(page, check_url))
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
        "saved",
        "completed",
        "finding_acknowledged",
    ]
