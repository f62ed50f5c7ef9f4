import re

import pytest
from django.urls import reverse

from caseaudit.cases.models import CaseType
from caseaudit.factories import CaseFactory

URL = reverse("case_list")


def refs(response):
    return {case.reference for case in response.context["page"].object_list}


def test_anonymous_is_sent_to_sign_in(client, org):
    response = client.get(URL)
    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))


@pytest.mark.parametrize(
    ("persona", "expected"),
    [
        ("worker", {"case"}),
        ("colleague", {"colleague_case"}),
        ("tm", {"case", "colleague_case"}),
        ("outsider", {"south_case"}),
    ],
)
def test_list_shows_only_cases_in_scope(org, login, persona, expected):
    response = login(getattr(org, persona)).get(URL)
    assert response.status_code == 200
    assert refs(response) == {getattr(org, name).reference for name in expected}
    # The names of cases out of scope never reach the page.
    other = {"case", "colleague_case", "case_b", "south_case"} - expected
    for name in other:
        assert getattr(org, name).display_name not in response.content.decode()


def test_filters_by_type_team_worker_and_status(org, login):
    client = login(org.csm_north)
    closed = CaseFactory(
        team=org.north_a, allocated_worker=org.worker, closed_on=org.case.opened_on
    )
    assert refs(client.get(URL, {"case_type": CaseType.CP})) == {org.case_b.reference}
    assert refs(client.get(URL, {"team": org.north_b.pk})) == {org.case_b.reference}
    assert refs(client.get(URL, {"worker": org.worker.pk})) == {org.case.reference}
    assert refs(client.get(URL, {"status": "closed"})) == {closed.reference}
    assert closed.reference in refs(client.get(URL, {"status": "all"}))


def test_search_by_reference_and_name(org, login):
    client = login(org.tm)
    assert refs(client.get(URL, {"q": org.case.reference})) == {org.case.reference}
    surname = org.colleague_case.display_name.split()[-1]
    assert org.colleague_case.reference in refs(client.get(URL, {"q": surname}))


def test_filter_options_are_limited_to_the_users_scope(org, login):
    def offered(options):
        return {int(pk) for pk in re.findall(r'value="(\d+)"', options)}

    form = login(org.tm).get(URL).context["form"]
    assert offered(form.team_options()) == {org.north_a.pk}
    assert offered(form.worker_options()) == {org.worker.pk, org.colleague.pk}
    # A filtered list checks the choices against the same scope.
    form = login(org.tm).get(URL, {"status": "open"}).context["form"]
    assert set(form.fields["team"].queryset) == {org.north_a}
    assert set(form.fields["worker"].queryset) == {org.worker, org.colleague}


def test_worker_and_team_selects_offer_the_scope_and_keep_the_choice(org, login):
    org.colleague.name = "Ann O'Hara <Senior>"
    org.colleague.save()
    body = login(org.tm).get(URL, {"worker": org.worker.pk, "team": org.north_a.pk})
    body = body.content.decode()
    assert '<select class="govuk-select" id="id_worker" name="worker">' in body
    assert '<option value="">All</option>' in body.split('id="id_worker"')[1]
    assert f'<option value="{org.worker.pk}" selected>{org.worker.name}</option>' in body
    # Names are escaped, options not chosen are not selected.
    assert f'<option value="{org.colleague.pk}">Ann O&#x27;Hara &lt;Senior&gt;</option>' in body
    assert f'<option value="{org.north_a.pk}" selected>{org.north_a.name}</option>' in body
    assert f'value="{org.outsider.pk}"' not in body
    assert org.outsider.name not in body
    # Without a choice, "All" is selected.
    unfiltered = login(org.tm).get(URL).content.decode().split('id="id_worker"')[1]
    unfiltered = unfiltered.split("</select>")[0]
    assert '<option value="" selected>All</option>' in unfiltered
    assert " selected>" not in unfiltered.split('<option value="" selected>All</option>')[1]


def test_worker_filter_outside_scope_is_rejected_not_leaked(org, login):
    response = login(org.tm).get(URL, {"worker": org.outsider.pk})
    assert response.status_code == 200
    assert response.context["form"].errors
    assert org.south_case.reference not in refs(response)
    body = response.content.decode()
    # The error is shown on the field and announced with it.
    assert '<p class="govuk-error-message" id="id_worker-error">' in body
    assert 'aria-invalid="true" aria-describedby="id_worker-error"' in body
    assert f'value="{org.outsider.pk}"' not in body


def test_pagination(org, login, settings):
    settings.CASE_LIST_PAGE_SIZE = 2
    CaseFactory.create_batch(3, team=org.north_a, allocated_worker=org.worker)
    client = login(org.worker)
    first = client.get(URL)
    assert len(first.context["page"].object_list) == 2
    assert first.context["page"].paginator.num_pages == 2
    second = client.get(URL, {"page": 2})
    assert len(second.context["page"].object_list) == 2
    assert refs(first).isdisjoint(refs(second))


def test_query_count_does_not_grow_with_cases(org, login, django_assert_num_queries):
    client = login(org.tm)
    # With the access-log entry for the page; the team and worker choices in one query (was
    # 9); the user with their staff record in one (was 8).
    with django_assert_num_queries(7) as small:
        client.get(URL)
    CaseFactory.create_batch(30, team=org.north_a, allocated_worker=org.colleague)
    CaseFactory.create_batch(20, team=org.north_a)  # each with a worker of its own
    with django_assert_num_queries(len(small.captured_queries)):
        response = client.get(URL)
    assert response.context["page"].paginator.count == 52
    assert response.content.decode().count("<option") > 20


def test_type_and_status_selects_keep_the_choice_and_show_errors(org, login):
    body = login(org.tm).get(URL, {"case_type": CaseType.CP, "status": "closed"}).content
    body = body.decode()
    assert '<option value="cp" selected>Child protection</option>' in body
    assert '<option value="closed" selected>Closed</option>' in body
    assert '<option value="open">Open</option>' in body
    unfiltered = login(org.tm).get(URL).content.decode()
    assert '<option value="open" selected>Open</option>' in unfiltered  # the initial status
    case_type = unfiltered.split('id="id_case_type"')[1].split("</select>")[0]
    assert '<option value="" selected>All</option>' in case_type
    # A value that is not a choice: the error on the field, announced with the select.
    body = login(org.tm).get(URL, {"case_type": "nonsense"}).content.decode()
    assert '<p class="govuk-error-message" id="id_case_type-error">' in body
    assert 'aria-invalid="true" aria-describedby="id_case_type-error"' in body
    assert " selected>" not in body.split('id="id_case_type"')[1].split("</select>")[0]


def test_rows_show_each_case_escaped_with_its_links(org, login):
    closed = CaseFactory(
        team=org.north_a,
        allocated_worker=None,
        display_name="Kai <O'Neil>",
        closed_on=org.case.opened_on,
    )
    body = login(org.tm).get(URL, {"status": "all"}).content.decode()
    row = body.split(f'href="{reverse("case_detail", args=[closed.pk])}">')[1].split("</tr>")[0]
    assert row.startswith(f"{closed.reference}</a></td>")
    assert (
        'Kai &lt;O&#x27;Neil&gt; <strong class="govuk-tag govuk-tag--grey">Closed</strong>' in row
    )
    assert f'<td class="govuk-table__cell">{closed.get_case_type_display()}</td>' in row
    assert f'<td class="govuk-table__cell">{org.north_a.name}</td>' in row
    assert '<td class="govuk-table__cell">Unallocated</td>' in row
    assert f"{closed.opened_on.day} {closed.opened_on:%b %Y}</td>" in row
    open_row = body.split(f'href="{reverse("case_detail", args=[org.case.pk])}">')[1]
    open_row = open_row.split("</tr>")[0]
    assert "Closed</strong>" not in open_row and org.worker.name in open_row


def test_the_team_and_worker_filters_are_kept_a_minute_per_scope(org, login, settings):
    from django.core.cache import cache

    settings.SCOPE_SUMMARY_SECONDS = 60
    cache.clear()

    def offered(client):
        form = client.get(URL).context["form"]
        return {int(pk) for pk in re.findall(r'value="(\d+)"', form.worker_options())}

    tm = login(org.tm)
    assert offered(tm) == {org.worker.pk, org.colleague.pk}
    CaseFactory(team=org.north_a, allocated_worker=org.ps1)
    assert offered(tm) == {org.worker.pk, org.colleague.pk}  # up to a minute behind
    assert org.ps1.pk not in offered(login(org.worker))  # another scope: its own options
    # The cases listed are not kept: the new case is there.
    assert login(org.tm).get(URL).context["page"].paginator.count == 3
    cache.clear()
    assert offered(login(org.tm)) == {org.worker.pk, org.colleague.pk, org.ps1.pk}
