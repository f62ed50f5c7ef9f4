from django.apps import AppConfig


class OrganisationConfig(AppConfig):
    name = "caseaudit.organisation"
    label = "organisation"
    verbose_name = "Organisation"
