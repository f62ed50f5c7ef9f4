"""Prepared queries (caseaudit/core/prepared.py): the same rows, instances and counts as the
querysets they stand for, compiled once per key, and on PostgreSQL prepared on the server."""

import pytest
from django.db import connection
from django.db.models import Count, Q
from django.db.models.signals import post_save, pre_save
from django.test.utils import CaptureQueriesContext

from caseaudit.accounts.models import AccessEvent
from caseaudit.cases.models import Case
from caseaudit.core.prepared import COUNT, ROWS, PreparedInsert, PreparedQuery
from caseaudit.factories import CaseFactory
from caseaudit.organisation.models import Role, Staff

pytestmark = pytest.mark.django_db


def staff_in_team(team_id):
    return (
        Staff.objects.select_related("team", "team__service_area", "line_manager")
        .filter(team_id=team_id)
        .order_by("name")
    )


def test_instances_with_their_related_objects_as_the_queryset_gives_them(org):
    query = PreparedQuery(staff_in_team)
    for team in (org.north_a, org.north_b, org.south_a):
        expected = list(staff_in_team(team.pk))
        got = query(team.pk)
        assert got == expected
        for mine, theirs in zip(got, expected, strict=True):
            assert [mine.name, mine.role, mine.left_on] == [theirs.name, theirs.role, None]
            with CaptureQueriesContext(connection) as queries:
                # Read with the row: no query.
                assert mine.team.service_area.name == theirs.team.service_area.name
                assert getattr(mine.line_manager, "pk", None) == theirs.line_manager_id
            assert len(queries) == 0
            assert not mine._state.adding and mine._state.db == "default"


def test_one_query_per_run_and_the_sql_compiled_once(org, django_assert_num_queries):
    built = []

    def build(team_id):
        built.append(team_id)
        return staff_in_team(team_id)

    query = PreparedQuery(build)
    with django_assert_num_queries(1):
        query(org.north_a.pk)
    with django_assert_num_queries(1):
        query(org.north_b.pk)
    assert len(built) == 1  # built once, with a stand-in value
    assert built[0] not in (org.north_a.pk, org.north_b.pk)


def test_a_shape_per_key(org):
    # The build depends on something other than the arguments: each key has its own SQL.
    query = PreparedQuery()

    def cases_of(case_type):
        return lambda team_id: Case.objects.filter(team_id=team_id, case_type=case_type)

    for case_type in ("cin", "cla"):
        expected = set(Case.objects.filter(team_id=org.north_a.pk, case_type=case_type))
        got = query(org.north_a.pk, key=case_type, build=cases_of(case_type))
        assert set(got) == expected and expected


def test_annotations_strings_and_several_arguments(org):
    def build(team_id, case_type):
        return (
            Staff.objects.filter(team_id=team_id)
            .annotate(
                open_cases=Count(
                    "cases", filter=Q(cases__closed_on__isnull=True, cases__case_type=case_type)
                )
            )
            .order_by("pk")
        )

    query = PreparedQuery(build)
    for team, case_type in ((org.north_a, "cla"), (org.north_a, "cin"), (org.south_a, "cin")):
        got = [(s.pk, s.open_cases) for s in query(team.pk, case_type)]
        assert got == [(s.pk, s.open_cases) for s in build(team.pk, case_type)]
    assert {s.pk: s.open_cases for s in query(org.north_a.pk, "cla")}[org.colleague.pk] == 1


def test_counts_and_rows(org):
    count = PreparedQuery(lambda team_id: Case.objects.filter(team_id=team_id), kind=COUNT)
    rows = PreparedQuery(
        lambda team_id: (
            Case.objects.filter(team_id=team_id)
            .order_by("reference")
            .values_list("reference", "opened_on")
        ),
        kind=ROWS,
    )
    CaseFactory.create_batch(3, team=org.north_b)
    for team in (org.north_a, org.north_b):
        assert count(team.pk) == Case.objects.filter(team_id=team.pk).count()
        assert rows(team.pk) == list(
            Case.objects.filter(team_id=team.pk)
            .order_by("reference")
            .values_list("reference", "opened_on")
        )
    assert count(-1) == 0 and rows(-1) == []


def test_a_filter_that_matches_nothing_runs_no_query(org, django_assert_num_queries):
    query = PreparedQuery(lambda team_id: Staff.objects.filter(team_id=team_id, pk__in=[]))
    with django_assert_num_queries(0):
        assert query(org.north_a.pk) == []
    counted = PreparedQuery(lambda pk: Staff.objects.filter(pk=pk, team_id__in=[]), kind=COUNT)
    assert counted(org.tm.pk) == 0


def test_a_slice_is_part_of_the_shape(org):
    query = PreparedQuery()
    everyone = list(Staff.objects.order_by("name", "pk"))
    for start, stop in ((0, 3), (3, 6)):
        got = query(
            -1,
            key=(start, stop),
            build=lambda pk, a=start, b=stop: Staff.objects.exclude(pk=pk).order_by("name", "pk")[
                a:b
            ],
        )
        assert got == everyone[start:stop]


def test_arguments_must_be_integers_or_strings_that_reach_the_sql(org):
    query = PreparedQuery(staff_in_team)
    with pytest.raises(TypeError):
        query(None)
    with pytest.raises(TypeError):
        query(org.north_a)  # a model instance, not its key
    # A value the ORM or the query changes (a LIKE pattern, a sum) would be kept as it was
    # first: refused, even where the argument is also used unchanged.
    search = PreparedQuery(lambda text: Staff.objects.filter(name__icontains=text))
    with pytest.raises(ValueError, match="changed"):
        search("ann")
    sums = PreparedQuery(lambda pk: Staff.objects.filter(Q(pk=pk) | Q(pk=pk + 1)))
    with pytest.raises(ValueError, match="changed"):
        sums(org.tm.pk)


def test_insert_adds_the_row_as_create_would(org, rf):
    seen = []

    def note(sender, instance, **kwargs):
        seen.append((kwargs.get("created"), instance.pk is None))

    insert = PreparedInsert(AccessEvent)
    pre_save.connect(note, sender=AccessEvent)
    post_save.connect(note, sender=AccessEvent)
    try:
        event = insert(
            AccessEvent(
                user=org.tm.user,
                action="view",
                object_type="case",
                object_id="7",
                case_id=7,
                path="/cases/7/",
                ip_address="192.0.2.1",
            )
        )
        second = insert(
            AccessEvent(user=None, action="view", object_type="case_list", object_id="1")
        )
    finally:
        pre_save.disconnect(note, sender=AccessEvent)
        post_save.disconnect(note, sender=AccessEvent)
    assert seen == [(None, True), (True, False), (None, True), (True, False)]
    assert event.pk and second.pk > event.pk and event.at is not None
    assert not event._state.adding
    stored = AccessEvent.objects.get(pk=event.pk)
    assert (stored.user, stored.object_type, stored.object_id, stored.case_id) == (
        org.tm.user,
        "case",
        "7",
        7,
    )
    assert (stored.path, stored.ip_address, stored.at) == ("/cases/7/", "192.0.2.1", event.at)
    with pytest.raises(ValueError):
        insert(stored)  # not a new row


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL prepares on the server")
def test_on_postgresql_the_statement_is_prepared_once_and_optional(org, settings):
    def prepared():
        with connection.cursor() as cursor:
            cursor.execute("SELECT statement FROM pg_prepared_statements")
            return [row[0] for row in cursor.fetchall()]

    query = PreparedQuery(
        lambda team_id: Staff.objects.filter(team_id=team_id, role=Role.TEAM_MANAGER)
    )
    before = len(prepared())
    for team in (org.north_a, org.north_b, org.south_a):
        query(team.pk)
    statements = prepared()
    assert len(statements) == before + 1
    assert any('"organisation_staff"."team_id" = $2' in sql for sql in statements)
    settings.DATABASE_PREPARED_STATEMENTS = False
    ps = Role.PRACTICE_SUPERVISOR
    other = PreparedQuery(lambda team_id: Staff.objects.filter(team_id=team_id, role=ps))
    assert set(other(org.north_a.pk)) == {org.ps1, org.ps2}
    assert len(prepared()) == before + 1


def test_aware_datetimes_as_arguments(db):
    import datetime as dt

    from django.contrib.auth import get_user_model

    from caseaudit.factories import UserFactory

    start = dt.datetime(2026, 1, 10, 9, 30, tzinfo=dt.UTC)
    users = [
        UserFactory(date_joined=start + dt.timedelta(days=n, microseconds=n)) for n in range(5)
    ]
    query = PreparedQuery(
        lambda since: get_user_model().objects.filter(date_joined__gte=since).order_by("pk")
    )
    for n in range(5):
        since = start + dt.timedelta(days=n, microseconds=n)
        assert query(since) == users[n:]
    assert query(start - dt.timedelta(days=1)) == users
    with pytest.raises(TypeError):
        query(dt.datetime(2026, 1, 1))  # noqa: DTZ001 - naive: which moment is it?


def test_a_new_query_never_finds_the_compiled_form_of_one_gone(org):
    import weakref

    for n in range(8):  # queries made and dropped, as a test makes them
        role = (Role.TEAM_MANAGER, Role.PRACTITIONER)[n % 2]
        query = PreparedQuery(
            lambda team_id, role=role: Staff.objects.filter(team_id=team_id, role=role)
        )
        assert set(query(org.north_a.pk)) == set(Staff.objects.filter(team=org.north_a, role=role))
        gone = weakref.ref(query)
        del query
        # Freed at once (its memory free for the next one), without a full collection of the
        # test process (0.3 s each).
        assert gone() is None
