"""Tools as data: the JSON format that `export_tools` prints and `import_tools` reads.

    {"format": "caseaudit-tools/1",
     "themes": [{"code", "name", "description"}],
     "tools": [{"code", "name", "description", "applies_to": [case types], "version": N,
                "sections": [{"key", "title", "guidance", "theme", "scaled",
                              "questions": [{"key", "text", "kind", "choices", "help",
                                             "required"}]}]}],
     "bands": [{"code", "name", "min_score", "max_score", "guidance", "urgent",
                "actions_required"}]}

A question's `required` (optional, false when left out) says it must be answered before an
audit can be completed. `bands` (optional) are the authority's scaling bands as exported:
`actions_required` marks a band whose sections need at least one restorative action. Bands
are authority-wide and changed on the bands page by administrators only, so an import
checks them but never applies them (`band_differences` says how they differ).

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
        "actions_required": True,
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
        "actions_required": True,
        "guidance": "Some good work, but gaps in timeliness, analysis, planning or recording "
        "mean the child's needs are not consistently met. Restorative actions are needed.",
    },
    {
        "code": "good",
        "name": "Good",
        "min_score": 6,
        "max_score": 8,
        "urgent": False,
        "actions_required": False,
        "guidance": "The child's needs are identified and met in good time; the record tells "
        "the child's story; minor improvements only.",
    },
    {
        "code": "outstanding",
        "name": "Outstanding",
        "min_score": 9,
        "max_score": 10,
        "urgent": False,
        "actions_required": False,
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
    "band code": 40,
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
    if not isinstance(question.get("required", False), bool):
        errors.append(f"{qwhere}: required must be true or false.")
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
    if "bands" in data:
        errors += bands_document_errors(data["bands"])
    return errors


# --- Scaling bands ------------------------------------------------------------------------

SCALE = range(0, 11)
BAND_FLAGS = ("urgent", "actions_required")


def scaling_bands_problems(bands: list[dict]) -> list[str]:
    """Why a set of bands is not acceptable: every score 0-10 in exactly one band, each band
    with a name and guidance. Empty when it is."""
    problems = []
    cover: dict[int, list[str]] = {score: [] for score in SCALE}
    for band in bands:
        name = (band.get("name") or "").strip()
        label = name or band.get("code") or "A band"
        if not name:
            problems.append(f"{label}: enter the band's name.")
        if not (band.get("guidance") or "").strip():
            problems.append(f"{label}: enter the band's guidance.")
        low, high = band.get("min_score"), band.get("max_score")
        if not all(isinstance(v, int) and not isinstance(v, bool) for v in (low, high)):
            problems.append(f"{label}: the lowest and highest scores must be whole numbers.")
            continue
        if not (0 <= low <= 10 and 0 <= high <= 10):
            problems.append(f"{label}: scores must be between 0 and 10.")
            continue
        if low > high:
            problems.append(f"{label}: the lowest score must not be above the highest.")
            continue
        for score in range(low, high + 1):
            cover[score].append(label)
    gaps = [score for score, names in cover.items() if not names]
    if gaps:
        problems.append(f"No band covers {_scores(gaps)}: every score from 0 to 10 needs a band.")
    overlaps = {score: names for score, names in cover.items() if len(names) > 1}
    if overlaps:
        names = sorted({n for ns in overlaps.values() for n in ns})
        problems.append(
            f"{_scores(list(overlaps))} {'is' if len(overlaps) == 1 else 'are'} in more than "
            f"one band ({', '.join(names)}): each score must be in exactly one."
        )
    return problems


def _scores(scores: list[int]) -> str:
    words = ", ".join(str(s) for s in scores)
    return f"score {words}" if len(scores) == 1 else f"scores {words}"


def bands_document_errors(bands) -> list[str]:
    """What is wrong with a document's "bands", each message starting "bands"."""
    if not isinstance(bands, list) or not all(isinstance(b, dict) for b in bands):
        return ['"bands" must be a list of objects.']
    errors = []
    for index, band in enumerate(bands):
        code = band.get("code")
        where = f"band {code if isinstance(code, str) and code else index + 1}"
        problem = _key_problem(code, "band code")
        if problem:
            errors.append(f"{where}: {problem}")
        for flag in BAND_FLAGS:
            if not isinstance(band.get(flag, False), bool):
                errors.append(f"{where}: {flag} must be true or false.")
    errors += [f"bands: {problem}" for problem in scaling_bands_problems(bands)]
    return errors


def band_as_dict(band) -> dict:
    return {
        "code": band.code,
        "name": band.name,
        "min_score": band.min_score,
        "max_score": band.max_score,
        "guidance": band.guidance,
        "urgent": band.urgent,
        "actions_required": band.actions_required,
    }


def band_differences(data, bands) -> list[str]:
    """How a valid document's "bands" differ from the authority's `bands` (ScalingBand rows),
    one line per difference; empty when the document has none or they are the same."""
    given = data.get("bands") if isinstance(data, dict) else None
    if not given:
        return []
    current = {b.code: band_as_dict(b) for b in bands}
    lines = []
    for spec in given:
        mine = current.pop(spec.get("code"), None)
        if mine is None:
            lines.append(f"The file has a band “{spec.get('name')}” that this authority has not.")
            continue
        for key in ("name", "min_score", "max_score", "guidance", *BAND_FLAGS):
            if spec.get(key, False if key in BAND_FLAGS else None) != mine[key]:
                lines.append(f"{mine['name']}: the file's {key.replace('_', ' ')} differs.")
    lines += [f"The file has no band “{b['name']}”." for b in current.values()]
    return lines


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
                        "required": q.required,
                    }
                    for q in section.questions.all()
                ],
            }
            for section in version.sections.all()
        ],
    }


def tools_document(versions, *, bands=None) -> dict:
    """A whole document: the versions' tools and the themes their sections use (and the
    scaling bands, when given)."""
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
        **({"bands": [band_as_dict(b) for b in bands]} if bands is not None else {}),
    }


def tools_load(data: dict, *, models, status: str, user=None, now=None) -> list:
    """Create themes (if new) and one new version per tool in `data`. Returns the versions.

    `models` maps "Theme", "Tool", "ToolVersion", "Section", "Question" to model classes.
    """
    Theme, Tool, ToolVersion = models["Theme"], models["Tool"], models["ToolVersion"]
    Section, Question = models["Section"], models["Question"]
    # The migration that first loads the tools runs before questions had `required`.
    has_required = any(f.name == "required" for f in Question._meta.get_fields())
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
                    **({"required": bool(q.get("required"))} if has_required else {}),
                )
                for q_order, q in enumerate(s.get("questions", []))
            ]
        Question.objects.bulk_create(questions)
        versions.append(version)
    return versions
