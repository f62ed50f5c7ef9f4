"""The authority's structure: service areas, teams, staff, roles and line management."""

from django.conf import settings
from django.db import models


class Role(models.TextChoices):
    PRACTITIONER = "practitioner", "Practitioner"
    PRACTICE_SUPERVISOR = "practice_supervisor", "Practice Supervisor"
    TEAM_MANAGER = "team_manager", "Team Manager"
    SERVICE_MANAGER = "service_manager", "Children's Service Manager"
    ASSISTANT_DIRECTOR = "assistant_director", "Assistant Director"
    DIRECTOR = "director", "Director"
    IRO = "iro", "Independent Reviewing Officer"
    CP_CHAIR = "cp_chair", "Child Protection Chair"
    PERFORMANCE = "performance", "Performance Assurance"
    BUSINESS_SUPPORT = "business_support", "Business Support"
    AUDITOR = "auditor", "Commissioned auditor"
    ADMIN = "admin", "System administrator"


# Roles that see every case in the authority.
AUTHORITY_WIDE_ROLES = frozenset(
    {Role.ASSISTANT_DIRECTOR, Role.DIRECTOR, Role.PERFORMANCE, Role.ADMIN}
)
# Roles expected to audit (used by navigation now, by the programme later).
MANAGER_ROLES = frozenset(
    {Role.TEAM_MANAGER, Role.SERVICE_MANAGER, Role.ASSISTANT_DIRECTOR, Role.DIRECTOR}
)


class ServiceArea(models.Model):
    code = models.SlugField(max_length=40, unique=True)
    name = models.CharField(max_length=120, unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Team(models.Model):
    code = models.SlugField(max_length=40, unique=True)
    name = models.CharField(max_length=120)
    service_area = models.ForeignKey(ServiceArea, on_delete=models.PROTECT, related_name="teams")

    class Meta:
        ordering = ["service_area__name", "name"]
        constraints = [
            models.UniqueConstraint(fields=["service_area", "name"], name="team_unique_name")
        ]

    def __str__(self) -> str:
        return self.name


class StaffQuerySet(models.QuerySet):
    def active(self):
        return self.filter(left_on__isnull=True)


class Staff(models.Model):
    """A member of staff. Each has one sign-in account and one role.

    `team` is where they work (empty for senior managers above teams); `service_area` is
    the service they belong to or, for a Children's Service Manager, the one they run.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="staff"
    )
    staff_id = models.CharField(
        "staff ID", max_length=40, unique=True, help_text="The authority's own identifier."
    )
    name = models.CharField(max_length=150)
    role = models.CharField(max_length=32, choices=Role.choices)
    team = models.ForeignKey(
        Team, null=True, blank=True, on_delete=models.PROTECT, related_name="members"
    )
    service_area = models.ForeignKey(
        ServiceArea, null=True, blank=True, on_delete=models.PROTECT, related_name="staff"
    )
    line_manager = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="reports"
    )
    left_on = models.DateField(null=True, blank=True, help_text="Set when they leave.")

    objects = StaffQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "staff"
        indexes = [models.Index(fields=["role"]), models.Index(fields=["team", "role"])]

    def __str__(self) -> str:
        return self.name

    @property
    def email(self) -> str:
        return self.user.email

    @property
    def is_active(self) -> bool:
        return self.left_on is None

    @property
    def effective_service_area_id(self) -> int | None:
        if self.service_area_id:
            return self.service_area_id
        return self.team.service_area_id if self.team_id else None
