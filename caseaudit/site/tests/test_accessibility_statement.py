"""The accessibility statement: public, after the GOV.UK model, its contact from settings, and
linked from the footer of every page."""

import pytest
from django.urls import reverse

SECTIONS = [
    "How accessible this service is",
    "Feedback and contact information",
    "Reporting accessibility problems with this service",
    "Enforcement procedure",
    "Technical information about this service’s accessibility",
    "Compliance status",
    "Non-accessible content",
    "What we’re doing to improve accessibility",
    "Preparation of this accessibility statement",
]


def test_the_statement_is_public_and_follows_the_model(db, client, django_assert_max_num_queries):
    with django_assert_max_num_queries(2):  # not signed in: no user, no records
        response = client.get(reverse("accessibility_statement"))
    assert response.status_code == 200
    body = response.content.decode()
    for heading in SECTIONS:
        assert heading in body, heading
    assert "Equality and Human Rights Commission" in body
    assert "This statement was prepared on" in body
    assert "<title>Accessibility statement – " in body


def test_the_contact_comes_from_settings(client, settings):
    settings.DEFAULT_FROM_EMAIL = "caseaudit@county.example"
    settings.ACCESSIBILITY_CONTACT_EMAIL = ""
    settings.ACCESSIBILITY_CONTACT_PHONE = ""
    body = client.get(reverse("accessibility_statement")).content.decode()
    assert 'href="mailto:caseaudit@county.example"' in body  # the default
    assert "call " not in body
    settings.ACCESSIBILITY_CONTACT_EMAIL = "access@county.example"
    settings.ACCESSIBILITY_CONTACT_PHONE = "01234 567890"
    body = client.get(reverse("accessibility_statement")).content.decode()
    assert 'href="mailto:access@county.example"' in body
    assert "caseaudit@county.example" not in body
    assert "call 01234 567890" in body


def test_the_session_times_come_from_settings(client, settings):
    settings.SESSION_COOKIE_AGE = 45 * 60
    settings.SESSION_WARNING_SECONDS = 90
    body = client.get(reverse("accessibility_statement")).content.decode()
    assert "after 45 minutes without activity" in body and "90 seconds before" in body


@pytest.mark.parametrize("address", ["accessibility_statement", "home", "case_list"])
def test_every_page_links_the_statement_from_its_footer(org, login, address):
    body = login(org.worker).get(reverse(address)).content.decode()
    footer = body[body.index('<footer class="govuk-template__footer">') :]
    assert f'href="{reverse("accessibility_statement")}">Accessibility statement</a>' in footer


def test_the_sign_in_page_links_the_statement_too(client):
    body = client.get(reverse("account_login")).content.decode()
    assert f'href="{reverse("accessibility_statement")}"' in body


def test_the_back_link_is_inside_main(org, login):
    body = login(org.tm).get(reverse("team_detail", args=[org.worker.team.code])).content.decode()
    main = body[body.index('<main class="govuk-main-wrapper"') : body.index("</main>")]
    assert 'class="govuk-back-link"' in main
    outside = body[: body.index("<main")]
    assert "govuk-back-link" not in outside
