"""The kinds of case: the vocabulary both the case register (`caseaudit.cases`) and the audit
tools (`Tool.applies_to`, in `caseaudit.audit_tools`, which sits below the cases) speak. The
cases app re-exports it as `caseaudit.cases.models.CaseType`."""

from django.db import models


class CaseType(models.TextChoices):
    CIN = "cin", "Child in need"
    CP = "cp", "Child protection"
    CLA = "cla", "Looked after"
    CARE_LEAVER = "care_leaver", "Care leaver"
    EARLY_HELP = "early_help", "Early help (TAC)"
    FOSTERING = "fostering", "Fostering"
    ADOPTION = "adoption", "Adoption"
