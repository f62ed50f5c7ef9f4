"""factory_boy factories for tests and benchmarks."""

import datetime as dt

import factory
from django.contrib.auth import get_user_model
from faker import Faker

from caseaudit.cases.models import Case, CaseType, SubjectType
from caseaudit.organisation.models import Role, ServiceArea, Staff, Team

_FAKE = Faker("en_GB")


# Faker's British names include "O'Brien", which pages rightly show HTML-escaped (&#x27;), so a
# test looking for the raw name in a page fails on some runs only. Test names leave the
# apostrophe out; escaping itself is tested where names are shown (e.g. audits' test_views).
plain_name = factory.LazyFunction(lambda: _FAKE.name().replace("'", ""))


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.Sequence(lambda n: f"user{n}@example.org")
    # Hashed before the INSERT (`make_password`), not set and saved again after it.
    password = factory.django.Password("correct-horse-battery")


class ServiceAreaFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ServiceArea
        django_get_or_create = ["code"]

    code = factory.Sequence(lambda n: f"area-{n}")
    name = factory.Sequence(lambda n: f"Service area {n}")


class TeamFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Team

    code = factory.Sequence(lambda n: f"team-{n}")
    name = factory.Sequence(lambda n: f"Team {n}")
    service_area = factory.SubFactory(ServiceAreaFactory)


class StaffFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Staff

    user = factory.SubFactory(UserFactory)
    staff_id = factory.Sequence(lambda n: f"ST{n:05d}")
    name = plain_name
    role = Role.PRACTITIONER
    team = factory.SubFactory(TeamFactory)


class CaseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Case

    reference = factory.Sequence(lambda n: f"CASE{n:06d}")
    display_name = plain_name
    subject_type = SubjectType.CHILD
    case_type = CaseType.CIN
    date_of_birth = dt.date(2015, 5, 1)
    opened_on = dt.date(2025, 1, 6)
    team = factory.SubFactory(TeamFactory)
    allocated_worker = factory.SubFactory(StaffFactory, team=factory.SelfAttribute("..team"))
