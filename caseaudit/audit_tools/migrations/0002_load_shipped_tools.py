"""Load the six tools of the procedure (published, version 1) and the default scaling bands."""

from django.db import migrations
from django.utils import timezone

from caseaudit.audit_tools.interchange import DEFAULT_BANDS, load_shipped, tools_load


def load(apps, schema_editor):
    ScalingBand = apps.get_model("audit_tools", "ScalingBand")
    # Only the fields the bands had then (`actions_required` came in 0004).
    known = {f.name for f in ScalingBand._meta.get_fields()}
    for band in DEFAULT_BANDS:
        values = {key: value for key, value in band.items() if key in known}
        ScalingBand.objects.get_or_create(code=band["code"], defaults=values)
    names = ["Theme", "Tool", "ToolVersion", "Section", "Question"]
    models = {name: apps.get_model("audit_tools", name) for name in names}
    if models["Tool"].objects.exists():
        return
    tools_load(load_shipped(), models=models, status="published", now=timezone.now())


class Migration(migrations.Migration):
    dependencies = [("audit_tools", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
