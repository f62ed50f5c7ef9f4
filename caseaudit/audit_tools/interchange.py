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
import re
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


SLUG = re.compile(r"^[-a-zA-Z0-9_]+\Z")
# Field lengths of the models (models.py), so an import fails with a message, not a database error.
MAX_LENGTHS = {
    "tool code": 40,
    "tool name": 120,
    "theme code": 40,
    "theme name": 120,
    "section key": 60,
    "section title": 150,
    "question key": 80,
    "question text": 300,
    "question help": 300,
}


def _text_problem(value, label: str, *, required: bool = True) -> str | None:
    """Why `value` is not acceptable as the text field `label`, or None."""
    if value is None or value == "":
        return f"{label.split()[-1]} is required." if required else None
    if not isinstance(value, str) or (required and not value.strip()):
        return f"{label.split()[-1]} must be text."
    limit = MAX_LENGTHS.get(label)
    if limit and len(value) > limit:
        return f"{label.split()[-1]} is longer than {limit} characters."
    return None


def _key_problem(value, label: str) -> str | None:
    problem = _text_problem(value, label)
    if problem:
        return problem
    if not SLUG.match(value):
        return (
            f"{label.split()[-1]} {value!r} may only use letters, digits, hyphens and underscores."
        )
    return None


def _keyed_item(
    item, index: int, where: str, kind: str, seen: set, errors: list[str], *, twice: str = ""
) -> str | None:
    """Check that a section or question (`kind`) is an object with a valid key not used before
    among `seen` (which it joins), adding what is wrong to `errors`. Returns where the item
    is, to name in the messages about the rest of it; None when it is not an object."""
    key = item.get("key") if isinstance(item, dict) else None
    here = f"{where}, {kind} {key if isinstance(key, str) and key else index + 1}"
    if not isinstance(item, dict):
        errors.append(f"{here}: must be an object.")
        return None
    problem = _key_problem(key, f"{kind} key")
    if problem:
        errors.append(f"{here}: {problem}")
    elif key in seen:
        errors.append(f"{here}: key is used twice{twice}.")
    seen.add(key)
    return here


def _theme_errors(doc_themes: list, errors: list[str]) -> None:
    """Check each theme the document defines, adding what is wrong to `errors`."""
    for ti, theme in enumerate(doc_themes):
        code = theme.get("code") if isinstance(theme, dict) else None
        where = f"theme {code if isinstance(code, str) and code else ti + 1}"
        if not isinstance(theme, dict):
            errors.append(f"{where}: must be an object.")
            continue
        for problem in (
            _key_problem(code, "theme code"),
            _text_problem(theme.get("name"), "theme name"),
        ):
            if problem:
                errors.append(f"{where}: {problem}")


def _question_errors(question: dict, qwhere: str, errors: list[str]) -> None:
    """Check a question's texts, choices and kind (its key is checked by `_keyed_item`)."""
    for field, required in (("text", True), ("help", False)):
        problem = _text_problem(question.get(field), f"question {field}", required=required)
        if problem:
            errors.append(f"{qwhere}: {problem}")
    choices = question.get("choices") or []
    if not isinstance(choices, list) or not all(isinstance(c, str) and c.strip() for c in choices):
        errors.append(f"{qwhere}: choices must be a list of non-empty texts.")
        choices = []
    elif len(set(choices)) != len(choices):
        errors.append(f"{qwhere}: a choice is listed twice.")
    if question.get("kind") not in QUESTION_KINDS:
        errors.append(f"{qwhere}: kind must be one of {', '.join(sorted(QUESTION_KINDS))}.")
    elif question["kind"] == "choice" and len(choices) < 2:
        errors.append(f"{qwhere}: a choice question needs at least two choices.")


def _section_errors(section: dict, swhere: str, themes: set, errors: list[str]) -> None:
    """Check a section's title, guidance, theme and scaling, then each of its questions."""
    problem = _text_problem(section.get("title"), "section title")
    if problem:
        errors.append(f"{swhere}: {problem}")
    if _text_problem(section.get("guidance"), "section guidance", required=False):
        errors.append(f"{swhere}: guidance must be text.")
    if not isinstance(section.get("theme"), str) or section.get("theme") not in themes:
        errors.append(f"{swhere}: theme {section.get('theme')!r} is not a known theme.")
    if not isinstance(section.get("scaled", True), bool):
        errors.append(f"{swhere}: scaled must be true or false.")
    questions = section.get("questions", [])
    if not isinstance(questions, list):
        errors.append(f"{swhere}: questions must be a list.")
        return
    question_keys: set = set()
    for qi, question in enumerate(questions):
        qwhere = _keyed_item(
            question, qi, swhere, "question", question_keys, errors, twice=" in the section"
        )
        if qwhere is not None:
            _question_errors(question, qwhere, errors)


def _tool_errors(tool, ti: int, tool_codes: set, themes: set, errors: list[str]) -> None:
    """Check the tool at index `ti` (its code not among `tool_codes`, which it joins), then
    each of its sections."""
    if not isinstance(tool, dict):
        errors.append(f"tools[{ti}]: must be an object.")
        return
    code = tool.get("code") if isinstance(tool.get("code"), str) else ""
    where = f"tool {code or ti + 1}"
    for problem in (
        _key_problem(tool.get("code"), "tool code"),
        _text_problem(tool.get("name"), "tool name"),
    ):
        if problem:
            errors.append(f"{where}: {problem}")
    if code and code in tool_codes:
        errors.append(f"{where}: the code is used by more than one tool in the file.")
    tool_codes.add(code)
    if _text_problem(tool.get("description"), "tool description", required=False):
        errors.append(f"{where}: description must be text.")
    applies_to = tool.get("applies_to", [])
    if not isinstance(applies_to, list) or not all(isinstance(a, str) for a in applies_to):
        errors.append(f"{where}: applies_to must be a list of case types.")
    sections = tool.get("sections")
    if not isinstance(sections, list) or not sections:
        errors.append(f"{where}: needs at least one section.")
        return
    section_keys: set = set()
    for si, section in enumerate(sections):
        swhere = _keyed_item(section, si, where, "section", section_keys, errors)
        if swhere is not None:
            _section_errors(section, swhere, themes, errors)


def tools_validate(data, *, known_themes: set[str] | None = None) -> list[str]:
    """Every problem with a tools document, each naming where it is. Empty when valid."""
    errors: list[str] = []
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        return [f'The file is not a caseaudit tools document (expected "format": "{FORMAT}").']
    doc_themes = data.get("themes", [])
    if not isinstance(doc_themes, list):
        errors.append('"themes" must be a list.')
        doc_themes = []
    _theme_errors(doc_themes, errors)
    themes = set(known_themes or set()) | {
        t.get("code") for t in doc_themes if isinstance(t, dict) and isinstance(t.get("code"), str)
    }
    tools = data.get("tools")
    if not isinstance(tools, list) or not tools:
        return [*errors, '"tools" must be a non-empty list.']
    tool_codes: set = set()
    for ti, tool in enumerate(tools):
        _tool_errors(tool, ti, tool_codes, themes, errors)
    return errors


def version_as_dict(version) -> dict:
    """One tool version in the document's "tools" format.

    Reads `version.tool`, `version.sections` (with `theme`) and each section's `questions`:
    load them with `selectors.tool_versions_with_content` to keep it to a few queries.
    """
    tool = version.tool
    return {
        "code": tool.code,
        "name": tool.name,
        "description": tool.description,
        "applies_to": list(tool.applies_to or []),
        "version": version.number,
        "notes": version.notes,
        "sections": [
            {
                "key": section.key,
                "title": section.title,
                "guidance": section.guidance,
                "theme": section.theme.code,
                "scaled": section.scaled,
                "questions": [
                    {
                        "key": q.key,
                        "text": q.text,
                        "kind": q.kind,
                        "choices": list(q.choices or []),
                        "help": q.help,
                    }
                    for q in section.questions.all()
                ],
            }
            for section in version.sections.all()
        ],
    }


def tools_document(versions) -> dict:
    """A whole document: the versions' tools and the themes their sections use."""
    tools = [version_as_dict(v) for v in versions]
    themes = {}
    for version in versions:
        for section in version.sections.all():
            themes.setdefault(section.theme.code, section.theme)
    ordered = sorted(themes.values(), key=lambda t: (t.order, t.name))
    return {
        "format": FORMAT,
        "themes": [{"code": t.code, "name": t.name, "description": t.description} for t in ordered],
        "tools": tools,
    }


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
