from .models import AccessEvent


def case_access_log(*, case, limit: int = 50):
    """Who has accessed this case, newest first. Callers check the viewer may see the case."""
    return (
        AccessEvent.objects.filter(case_id=case.pk)
        .select_related("user", "user__staff")
        .order_by("-at")[:limit]
    )
