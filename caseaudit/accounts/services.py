from .models import AccessAction, AccessEvent


def access_record(
    *, request, action: str = AccessAction.VIEW, object_type: str, object_id, case_id=None
) -> AccessEvent:
    """Append one entry to the access log for the current request."""
    return AccessEvent.objects.create(
        user=request.user if request.user.is_authenticated else None,
        action=action,
        object_type=object_type,
        object_id=str(object_id),
        case_id=case_id,
        path=request.path[:200],
        ip_address=request.META.get("REMOTE_ADDR") or None,
    )
