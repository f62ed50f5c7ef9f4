"""`{% followups_due_table %}`: the follow-up audits due, on the Audits due page (the cases the
signed-in user can see; `followups.followups_due`)."""

from django import template
from django.utils import timezone

from caseaudit.programme.followups import followups_due

register = template.Library()

SHOWN = 50


@register.inclusion_tag("programme/includes/followups_due.html", takes_context=True)
def followups_due_table(context):
    today = timezone.localdate()
    rows = list(followups_due(user=context["request"].user, today=today)[: SHOWN + 1])
    return {"followups": rows[:SHOWN], "more": len(rows) > SHOWN, "today": today}
