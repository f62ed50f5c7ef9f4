from django.apps import AppConfig


class SiteConfig(AppConfig):
    """The pages that gather several apps' work (the home page, "My work") and the header's
    navigation. Above the domain apps, so it may read all of them (docs/CONVENTIONS.md,
    "Layers"); it owns no models."""

    name = "caseaudit.site"
    label = "site"
    verbose_name = "Site"
