from django.apps import AppConfig


class CampaignsConfig(AppConfig):
    name = "caseaudit.campaigns"
    label = "campaigns"
    verbose_name = "Thematic audits and Safeguarding Assurance Days"
