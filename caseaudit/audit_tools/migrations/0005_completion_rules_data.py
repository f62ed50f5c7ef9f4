"""Give the shipped tools their questions that must be answered, and the shipped scaling
bands their "actions required" flags (`data/tools.json`, `interchange.DEFAULT_BANDS`).

A published version is never changed under an audit that uses it: a shipped tool's published
version that no audit has used yet is given the flags in place (nobody's audit changes); one
that audits use is replaced by a new published version with the same content and the flags
(the old one is retired, and the audits started on it keep it, with no required questions).
A draft of the tool gets the flags too. The questions are matched by section and question key,
so a tool the authority has edited keeps its own content. On a database in use (one with
audits) every change is recorded in the tool history; a new installation simply starts with
the flags.
"""

from django.db import migrations
from django.utils import timezone

from caseaudit.audit_tools.interchange import DEFAULT_BANDS, load_shipped

NOTE = (
    "Completion rules: the questions marked “must be answered” are required before an audit "
    "can be completed."
)


def _band(band) -> dict:
    return {
        "code": band.code,
        "name": band.name,
        "min_score": band.min_score,
        "max_score": band.max_score,
        "guidance": band.guidance,
        "urgent": band.urgent,
        "actions_required": band.actions_required,
    }


def _bands(apps, now, *, record: bool) -> None:
    ScalingBand = apps.get_model("audit_tools", "ScalingBand")
    ToolChange = apps.get_model("audit_tools", "ToolChange")
    wanted = {b["code"]: b["actions_required"] for b in DEFAULT_BANDS}
    bands = list(ScalingBand.objects.order_by("min_score"))
    before = [_band(b) for b in bands]
    changed = [b for b in bands if b.code in wanted and b.actions_required != wanted[b.code]]
    for band in changed:
        band.actions_required = wanted[band.code]
        band.save(update_fields=["actions_required"])
    if changed and record:
        ToolChange.objects.create(
            version=None,
            at=now,
            by=None,
            action="bands_updated",
            detail={"before": before, "after": [_band(b) for b in bands], "notes": NOTE},
        )


def _copy(apps, source, number, now):
    """A new published version of `source`'s tool with its sections and questions."""
    ToolVersion = apps.get_model("audit_tools", "ToolVersion")
    Section = apps.get_model("audit_tools", "Section")
    Question = apps.get_model("audit_tools", "Question")
    version = ToolVersion.objects.create(
        tool_id=source.tool_id,
        number=number,
        status="published",
        notes=NOTE,
        published_at=now,
    )
    for section in Section.objects.filter(version=source).order_by("order", "id"):
        copy = Section.objects.create(
            version=version,
            key=section.key,
            title=section.title,
            guidance=section.guidance,
            theme_id=section.theme_id,
            scaled=section.scaled,
            order=section.order,
        )
        Question.objects.bulk_create(
            [
                Question(
                    section=copy,
                    key=q.key,
                    text=q.text,
                    kind=q.kind,
                    choices=list(q.choices or []),
                    help=q.help,
                    required=q.required,
                    order=q.order,
                )
                for q in Question.objects.filter(section=section).order_by("order", "id")
            ]
        )
    return version


def _mark(apps, version, required: set, now, *, record: bool = True) -> list[str]:
    """Mark `version`'s questions whose (section key, question key) is in `required`; record
    it. Returns the keys marked."""
    Question = apps.get_model("audit_tools", "Question")
    ToolChange = apps.get_model("audit_tools", "ToolChange")
    marked = [
        q
        for q in Question.objects.filter(section__version=version, required=False).select_related(
            "section"
        )
        if (q.section.key, q.key) in required
    ]
    if marked:
        Question.objects.filter(pk__in=[q.pk for q in marked]).update(required=True)
    if marked and record:
        ToolChange.objects.create(
            version=version,
            at=now,
            by=None,
            action="completion_rules",
            detail={
                "tool": version.tool.code,
                "number": version.number,
                "required_questions": sorted(f"{q.section.key}.{q.key}" for q in marked),
                "notes": NOTE,
            },
        )
    return [q.key for q in marked]


def _tools(apps, now, *, record: bool) -> None:
    Tool = apps.get_model("audit_tools", "Tool")
    ToolVersion = apps.get_model("audit_tools", "ToolVersion")
    ToolChange = apps.get_model("audit_tools", "ToolChange")
    Question = apps.get_model("audit_tools", "Question")
    Audit = apps.get_model("audits", "Audit")
    for spec in load_shipped()["tools"]:
        required = {
            (s["key"], q["key"])
            for s in spec["sections"]
            for q in s.get("questions", [])
            if q.get("required")
        }
        tool = Tool.objects.filter(code=spec["code"]).first()
        if tool is None or not required:
            continue
        versions = ToolVersion.objects.filter(tool=tool).select_related("tool")
        published = versions.filter(status="published").first()
        draft = versions.filter(status="draft").first()
        if published is not None:
            missing = [
                q
                for q in Question.objects.filter(section__version=published, required=False)
                .select_related("section")
                if (q.section.key, q.key) in required
            ]
            if missing and not Audit.objects.filter(tool_version=published).exists():
                _mark(apps, published, required, now, record=record)
            elif missing:
                last = max(v.number for v in versions)
                published.status = "retired"
                published.save(update_fields=["status"])
                new = _copy(apps, published, last + 1, now)
                ToolChange.objects.create(
                    version=published,
                    at=now,
                    by=None,
                    action="retired",
                    detail={"tool": tool.code, "number": published.number, "replaced_by": new.number},
                )
                ToolChange.objects.create(
                    version=new,
                    at=now,
                    by=None,
                    action="published",
                    detail={
                        "tool": tool.code,
                        "number": new.number,
                        "replaces": published.number,
                        "notes": NOTE,
                    },
                )
                _mark(apps, new, required, now)
                if draft is not None:
                    # The draft stays the newest version.
                    draft.number = last + 2
                    draft.save(update_fields=["number"])
        if draft is not None:
            _mark(apps, draft, required, now, record=record)


def forwards(apps, schema_editor):
    now = timezone.now()
    record = apps.get_model("audits", "Audit").objects.exists()
    _bands(apps, now, record=record)
    _tools(apps, now, record=record)


class Migration(migrations.Migration):
    dependencies = [
        ("audit_tools", "0004_completion_rules"),
        ("audits", "0005_audit_tool_case"),
    ]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
