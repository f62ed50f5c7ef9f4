"""System checks of the deployment settings (run by `manage.py check`, `migrate`, `runserver`
and `check --deploy`)."""

from urllib.parse import urlsplit

from django.conf import settings
from django.core.checks import Error, register


@register()
def site_url_check(app_configs=None, **kwargs) -> list[Error]:
    """SITE_URL builds the links in emails: without it (or with a wrong one) every link
    in every email points elsewhere. Required with DEBUG off; must be an absolute
    http(s) address."""
    site_url = getattr(settings, "SITE_URL", "")
    if not site_url:
        if settings.DEBUG:
            return []
        return [
            Error(
                "SITE_URL is not set.",
                hint="Set SITE_URL to the address staff open the service at, e.g. "
                "https://caseaudit.example.gov.uk (the links in emails are built from it).",
                id="caseaudit.E001",
            )
        ]
    parts = urlsplit(site_url)
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        return [
            Error(
                f"SITE_URL must be an absolute http(s) address, not {site_url!r}.",
                hint="For example https://caseaudit.example.gov.uk (no trailing slash).",
                id="caseaudit.E002",
            )
        ]
    return []
