"""Data the shared foundations need: the authority's extra closure days."""

from django.db import models


class ClosureDay(models.Model):
    """A day the authority's offices are closed beyond weekends and bank holidays.

    Working-day deadlines (`caseaudit.core.working_days`) skip these days. Administrators add them
    in the Django admin (for example the days between Christmas and New Year, or a local holiday).
    """

    date = models.DateField(unique=True)
    reason = models.CharField(max_length=200, help_text="Why the offices are closed.")

    class Meta:
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date:%-d %B %Y}: {self.reason}"
