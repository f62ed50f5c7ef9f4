from django.apps import AppConfig


class DataprotectionConfig(AppConfig):
    """What the authority does with a case's records as a whole: the closure gate, subject
    access, retention and erasure. It sits above the domain apps (cases, audits, responses,
    programme) because each of these steps reads or deletes the records of all of them."""

    name = "caseaudit.dataprotection"
    label = "dataprotection"
    verbose_name = "Data protection"
