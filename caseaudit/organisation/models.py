"""The authority's structure: service areas, teams, staff, roles and line management."""

from django.conf import settings
from django.db import models

# Role and the role sets live in roles.py; imported here for the many callers that use this path.
from .roles import AUTHORITY_WIDE_ROLES, MANAGER_ROLES, Role  # noqa: F401


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
