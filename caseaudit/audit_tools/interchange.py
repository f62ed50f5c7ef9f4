"""Tools as data: the JSON format that `export_tools` prints and `import_tools` reads.

    {"format": "caseaudit-tools/1",
     "themes": [{"code", "name", "description"}],
     "tools": [{"code", "name", "description", "applies_to": [case types], "version": N,
                "sections": [{"key", "title", "guidance", "theme", "scaled",
                              "questions": [{"key", "text", "kind", "choices", "help"}]}]}]}

The loader takes the model classes as arguments so the data migration (historical models)
and the import service share it.
"""

import json
from pathlib import Path

FORMAT = "caseaudit-tools/1"
SHIPPED_TOOLS = Path(__file__).resolve().parent / "data" / "tools.json"
QUESTION_KINDS = {"yes_no_na", "text", "date", "choice"}

DEFAULT_BANDS = [
    {
        "code": "inadequate",
        "name": "Inadequate",
        "min_score": 0,
        "max_score": 2,
        "urgent": True,
        "guidance": "Serious concerns: the child may be at risk of significant harm that is not "
        "being addressed, or basic statutory requirements are not met. Tell the Team Manager "
        "at once; an urgent finding is raised.",
    },
    {
        "code": "requires-improvement",
        "name": "Requires improvement",
        "min_score": 3,
        "max_score": 5,
        "urgent": False,
        "guidance": "Some good work, but gaps in timeliness, analysis, planning or recording "
        "mean the child's needs are not consistently met. Restorative actions are needed.",
    },
    {
        "code": "good",
        "name": "Good",
        "min_score": 6,
        "max_score": 8,
        "urgent": False,
        "guidance": "The child's needs are identified and met in good time; the record tells "
        "the child's story; minor improvements only.",
    },
    {
        "code": "outstanding",
        "name": "Outstanding",
        "min_score": 9,
        "max_score": 10,
        "urgent": False,
        "guidance": "Practice is consistently strong and makes a real difference to the child; "
        "an example to share as good practice.",
    },
]


def load_shipped() -> dict:
    return json.loads(SHIPPED_TOOLS.read_text(encoding="utf-8"))


def tools_validate(data, *, known_themes: set[str] | None = None) -> list[str]:
    """Every problem with a tools document, each naming where it is. Empty when valid."""
    errors: list[str] = []
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        return [f'The file is not a caseaudit tools document (expected "format": "{FORMAT}").']
    themes = set(known_themes or set()) | {
        t.get("code") for t in data.get("themes", []) if isinstance(t, dict)
    }
    tools = data.get("tools")
    if not isinstance(tools, list) or not tools:
        return ['"tools" must be a non-empty list.']
    for ti, tool in enumerate(tools):
        where = f"tools[{ti}]"
        if not isinstance(tool, dict):
            errors.append(f"{where}: must be an object.")
            continue
        code = tool.get("code") or ""
        where = f"tool {code or ti}"
        for field in ("code", "name"):
            if not isinstance(tool.get(field), str) or not tool.get(field).strip():
                errors.append(f"{where}: {field} is required.")
        sections = tool.get("sections")
        if not isinstance(sections, list) or not sections:
            errors.append(f"{where}: needs at least one section.")
            continue
        section_keys = set()
        for si, section in enumerate(sections):
            skey = section.get("key") if isinstance(section, dict) else None
            swhere = f"{where}, section {skey or si + 1}"
            if not isinstance(section, dict):
                errors.append(f"{swhere}: must be an object.")
                continue
            if not skey:
                errors.append(f"{swhere}: key is required.")
            elif skey in section_keys:
                errors.append(f"{swhere}: key is used twice.")
            section_keys.add(skey)
            if not section.get("title"):
                errors.append(f"{swhere}: title is required.")
            if section.get("theme") not in themes:
                errors.append(f"{swhere}: theme {section.get('theme')!r} is not a known theme.")
            question_keys = set()
            for qi, question in enumerate(section.get("questions", [])):
                qkey = question.get("key") if isinstance(question, dict) else None
                qwhere = f"{swhere}, question {qkey or qi + 1}"
                if not isinstance(question, dict):
                    errors.append(f"{qwhere}: must be an object.")
                    continue
                if not qkey:
                    errors.append(f"{qwhere}: key is required.")
                elif qkey in question_keys:
                    errors.append(f"{qwhere}: key is used twice in the section.")
                question_keys.add(qkey)
                if not question.get("text"):
                    errors.append(f"{qwhere}: text is required.")
                if question.get("kind") not in QUESTION_KINDS:
                    errors.append(
                        f"{qwhere}: kind must be one of {', '.join(sorted(QUESTION_KINDS))}."
                    )
                elif question["kind"] == "choice" and len(question.get("choices") or []) < 2:
                    errors.append(f"{qwhere}: a choice question needs at least two choices.")
    return errors


def tools_load(data: dict, *, models, status: str, user=None, now=None) -> list:
    """Create themes (if new) and one new version per tool in `data`. Returns the versions.

    `models` maps "Theme", "Tool", "ToolVersion", "Section", "Question" to model classes.
    """
    Theme, Tool, ToolVersion = models["Theme"], models["Tool"], models["ToolVersion"]
    Section, Question = models["Section"], models["Question"]
    for order, theme in enumerate(data.get("themes", [])):
        Theme.objects.get_or_create(
            code=theme["code"],
            defaults={
                "name": theme["name"],
                "description": theme.get("description", ""),
                "order": order,
            },
        )
    themes = {t.code: t for t in Theme.objects.all()}
    versions = []
    for spec in data["tools"]:
        tool, _ = Tool.objects.get_or_create(
            code=spec["code"],
            defaults={
                "name": spec["name"],
                "description": spec.get("description", ""),
                "applies_to": spec.get("applies_to", []),
            },
        )
        last = ToolVersion.objects.filter(tool=tool).order_by("-number").first()
        version = ToolVersion.objects.create(
            tool=tool,
            number=(last.number + 1) if last else 1,
            status=status,
            notes=spec.get("notes", ""),
            created_by=user,
            published_by=user if status == "published" else None,
            published_at=now if status == "published" else None,
        )
        questions = []
        for s_order, s in enumerate(spec["sections"]):
            section = Section.objects.create(
                version=version,
                key=s["key"],
                title=s["title"],
                guidance=s.get("guidance", ""),
                theme=themes[s["theme"]],
                scaled=bool(s.get("scaled", True)),
                order=s_order,
            )
            questions += [
                Question(
                    section=section,
                    key=q["key"],
                    text=q["text"],
                    kind=q["kind"],
                    choices=q.get("choices", []),
                    help=q.get("help", ""),
                    order=q_order,
                )
                for q_order, q in enumerate(s.get("questions", []))
            ]
        Question.objects.bulk_create(questions)
        versions.append(version)
    return versions
