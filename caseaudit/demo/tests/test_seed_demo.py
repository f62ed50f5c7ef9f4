import datetime as dt

from caseaudit.cases.models import Case, CaseType
from caseaudit.demo.authority import DEMO_ROLES, demo_email
from caseaudit.demo.seed import seed_demo
from caseaudit.organisation.models import Role, Staff, Team


def test_small_demo_builds_a_consistent_authority_and_is_not_duplicated(db):
    counts = seed_demo(scale="small", today=dt.date(2026, 11, 25))
    assert counts["teams"] == 8
    assert Case.objects.count() == counts["cases"]
    # Teams with one, two and three Practice Supervisors exist.
    ps_counts = {
        Staff.objects.filter(team=team, role=Role.PRACTICE_SUPERVISOR).count()
        for team in Team.objects.all()
    }
    assert {1, 2, 3} <= ps_counts
    # Every practitioner has a Practice Supervisor in their own team as line manager.
    for worker in Staff.objects.filter(role=Role.PRACTITIONER).select_related("line_manager"):
        assert worker.line_manager.role == Role.PRACTICE_SUPERVISOR
        assert worker.line_manager.team_id == worker.team_id
    # Cases of every type, carers with Panel dates, some closed.
    assert set(Case.objects.values_list("case_type", flat=True)) == set(CaseType.values)
    carers = Case.objects.filter(case_type__in=[CaseType.FOSTERING, CaseType.ADOPTION])
    assert not carers.filter(first_panel_on__isnull=True).exists()
    assert Case.objects.closed().exists()
    # Each demo login exists, once.
    for role in DEMO_ROLES:
        assert Staff.objects.get(user__email=demo_email(role)).role == role

    before = (Staff.objects.count(), Case.objects.count())
    assert seed_demo(scale="small") == {}
    assert (Staff.objects.count(), Case.objects.count()) == before


def test_demo_practitioner_ps_and_tm_share_a_team(db):
    seed_demo(scale="small")
    worker = Staff.objects.get(user__email=demo_email(Role.PRACTITIONER))
    ps = Staff.objects.get(user__email=demo_email(Role.PRACTICE_SUPERVISOR))
    tm = Staff.objects.get(user__email=demo_email(Role.TEAM_MANAGER))
    assert worker.line_manager == ps and ps.line_manager == tm
    assert worker.team == ps.team == tm.team
    assert Case.objects.filter(allocated_worker=worker).exists()
