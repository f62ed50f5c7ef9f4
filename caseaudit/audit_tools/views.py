"""Audit tool pages. Every member of staff may read published tools; drafts and everything
that changes a tool are for administrators and the Performance Assurance Team (others get
404); the scaling bands are changed by administrators only."""

import json

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from caseaudit.core.case_types import CaseType

from . import selectors, services
from .forms import BandsForm, ImportForm, PublishForm, QuestionForm, SectionForm
from .models import ToolVersion
from .permissions import bands_can_edit, tools_can_edit, tools_can_read

NAV = {"nav_active": "tools"}


def _version_url(version: ToolVersion, anchor: str = "") -> str:
    url = reverse("tool_version", args=[version.tool.code, version.number])
    return f"{url}#{anchor}" if anchor else url


def _section_url(version: ToolVersion, section) -> str:
    return _version_url(version, f"section-{section.key}")


def _question_url(version: ToolVersion, section, question) -> str:
    return _version_url(version, f"question-{section.key}-{question.key}")


def _require_editor(request: HttpRequest) -> None:
    if not tools_can_edit(request.user):
        raise Http404("Not found")


def _draft_and_section(request, code, number, key):
    version = selectors.tool_draft_get(user=request.user, code=code, number=number)
    return version, selectors.draft_section_get(version=version, key=key)


def _draft_question(request, code, number, key, qkey):
    version, section = _draft_and_section(request, code, number, key)
    return version, section, selectors.draft_question_get(section=section, key=qkey)


def _question_values(data: dict) -> dict:
    """A QuestionForm's cleaned data as the question services take it."""
    return {
        "text": data["text"],
        "kind": data["kind"],
        "choices": data["choice_list"],
        "help": data["help"],
        "required": data["required"],
    }


def _add_errors(form, error: ValidationError) -> None:
    for message in error.messages:
        form.add_error(None, message)


def _form_page(request, form, save, template: str, **context) -> HttpResponse:
    """A page with a form that a service saves: on a valid POST, `save(cleaned_data)` returns
    the success message and the address to go to; a ValidationError it raises is shown on the
    form, which is rendered again (as on a GET) with `context`."""
    if request.method == "POST" and form.is_valid():
        try:
            message, url = save(form.cleaned_data)
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, message)
            return redirect(url)
    return render(request, template, {**NAV, **context, "form": form})


def _confirm_page(request, **context) -> HttpResponse:
    """The page asking to confirm a deletion (its POST is handled by the view)."""
    return render(request, "audit_tools/confirm.html", {**NAV, **context})


def _move(request, item, url: str) -> HttpResponse:
    """Move a section or question up or down as the POST asks, then go back to it."""
    try:
        services.tool_version_move(
            item=item, direction=request.POST.get("direction", ""), by=request.user
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect(url)


# --------------------------------------------------------------------------------------------
# Reading


def tool_list(request: HttpRequest) -> HttpResponse:
    tools = selectors.tool_list_with_versions(user=request.user)
    return render(
        request,
        "audit_tools/tool_list.html",
        {
            **NAV,
            "tools": tools,
            "can_edit": tools_can_edit(request.user),
            "can_edit_bands": bands_can_edit(request.user),
        },
    )


def tool_detail(request: HttpRequest, code: str) -> HttpResponse:
    """A tool's address: its published version (or, before the first publication, the
    newest version the user may see)."""
    tool = selectors.tool_get(user=request.user, code=code)
    versions = list(selectors.tool_version_list(user=request.user, tool=tool))
    published = next((v for v in versions if v.status == "published"), None)
    target = published or next(iter(versions), None)
    if target is None:
        raise Http404("No version of this tool")
    return redirect("tool_version", code=code, number=target.number)


def version_detail(request: HttpRequest, code: str, number: int) -> HttpResponse:
    version = selectors.tool_version_get(
        user=request.user, code=code, number=number, with_content=True
    )
    can_edit = tools_can_edit(request.user)
    sections = list(version.sections.all())
    other_versions = list(selectors.tool_version_list(user=request.user, tool=version.tool))
    case_types = dict(CaseType.choices)
    context = {
        **NAV,
        "version": version,
        "tool": version.tool,
        "sections": sections,
        "question_count": sum(len(s.questions.all()) for s in sections),
        "other_versions": other_versions,
        "draft": next((v for v in other_versions if v.is_draft), None),
        "applies_to": [case_types.get(c, c) for c in version.tool.applies_to or []],
        "changes": selectors.tool_changes(version=version),
        "can_edit": can_edit,
        "editing": can_edit and version.is_draft,
    }
    return render(request, "audit_tools/version_detail.html", context)


def bands(request: HttpRequest) -> HttpResponse:
    if not tools_can_read(request.user):
        raise Http404("Not found")
    can_edit = bands_can_edit(request.user)
    return render(
        request,
        "audit_tools/bands.html",
        {
            **NAV,
            "bands": selectors.scaling_bands(),
            "can_edit": can_edit,
            "changes": selectors.band_changes() if can_edit else [],
        },
    )


def tools_export_download(request: HttpRequest) -> HttpResponse:
    if not tools_can_read(request.user):
        raise Http404("Not found")
    document = services.tools_export()
    response = HttpResponse(
        json.dumps(document, indent=2, ensure_ascii=False) + "\n",
        content_type="application/json; charset=utf-8",
    )
    filename = f"caseaudit-tools-{timezone.localdate():%Y-%m-%d}.json"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


# --------------------------------------------------------------------------------------------
# Drafts


@require_POST
def draft_create(request: HttpRequest, code: str) -> HttpResponse:
    _require_editor(request)
    tool = selectors.tool_get(user=request.user, code=code)
    try:
        draft = services.tool_version_draft_create(tool=tool, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("tool_list")
    messages.success(request, f"Draft version {draft.number} of {tool.name} created.")
    return redirect(_version_url(draft))


def draft_discard(request: HttpRequest, code: str, number: int) -> HttpResponse:
    version = selectors.tool_draft_get(user=request.user, code=code, number=number)
    if request.method == "POST":
        services.tool_version_draft_discard(version=version, by=request.user)
        messages.success(request, f"Draft version {number} of {version.tool.name} discarded.")
        return redirect("tool_list")
    return _confirm_page(
        request,
        version=version,
        title=f"Discard draft version {number} of {version.tool.name}?",
        body="The draft and every change made to it are deleted. "
        "The published version is not affected.",
        button="Discard draft",
        back_url=_version_url(version),
    )


def version_publish(request: HttpRequest, code: str, number: int) -> HttpResponse:
    version = selectors.tool_draft_get(user=request.user, code=code, number=number)
    current = selectors.tool_version_published(code=code)
    form = PublishForm(request.POST or None, initial={"notes": version.notes})
    if request.method == "POST" and form.is_valid():
        try:
            services.tool_version_publish(
                version=version, by=request.user, notes=form.cleaned_data["notes"]
            )
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(
                request,
                f"{version.tool.name} version {number} is published: new audits use it.",
            )
            return redirect(_version_url(version))
    problems = [] if form.errors else services.tool_version_problems(version=version)
    return render(
        request,
        "audit_tools/publish.html",
        {**NAV, "version": version, "current": current, "form": form, "problems": problems},
    )


def section_add(request: HttpRequest, code: str, number: int) -> HttpResponse:
    version = selectors.tool_draft_get(user=request.user, code=code, number=number)

    def save(data):
        section = services.tool_version_add_section(version=version, by=request.user, **data)
        return f"Section “{section.title}” added.", _section_url(version, section)

    return _form_page(
        request,
        SectionForm(request.POST or None, initial={"scaled": True}),
        save,
        "audit_tools/section_form.html",
        version=version,
        section=None,
    )


def section_edit(request: HttpRequest, code: str, number: int, key: str) -> HttpResponse:
    version, section = _draft_and_section(request, code, number, key)

    def save(data):
        services.tool_version_update_section(section=section, by=request.user, **data)
        return f"Section “{data['title']}” saved.", _section_url(version, section)

    return _form_page(
        request,
        SectionForm(request.POST or None, initial=SectionForm.initial_for(section)),
        save,
        "audit_tools/section_form.html",
        version=version,
        section=section,
    )


def section_delete(request: HttpRequest, code: str, number: int, key: str) -> HttpResponse:
    version, section = _draft_and_section(request, code, number, key)
    if request.method == "POST":
        services.tool_version_delete_section(section=section, by=request.user)
        messages.success(request, f"Section “{section.title}” deleted.")
        return redirect(_version_url(version))
    count = section.questions.count()
    return _confirm_page(
        request,
        version=version,
        title=f"Delete the section “{section.title}”?",
        body=f"The section and its {count} question{'s' if count != 1 else ''} are "
        f"removed from draft version {number}. Published versions are not affected.",
        button="Delete section",
        warning=True,
        back_url=_section_url(version, section),
    )


@require_POST
def section_move(request: HttpRequest, code: str, number: int, key: str) -> HttpResponse:
    version, section = _draft_and_section(request, code, number, key)
    return _move(request, section, _section_url(version, section))


def question_add(request: HttpRequest, code: str, number: int, key: str) -> HttpResponse:
    version, section = _draft_and_section(request, code, number, key)

    def save(data):
        question = services.tool_version_add_question(
            section=section, by=request.user, **_question_values(data)
        )
        return f"Question added to “{section.title}”.", _question_url(version, section, question)

    return _form_page(
        request,
        QuestionForm(request.POST or None),
        save,
        "audit_tools/question_form.html",
        version=version,
        section=section,
        question=None,
    )


def question_edit(
    request: HttpRequest, code: str, number: int, key: str, qkey: str
) -> HttpResponse:
    version, section, question = _draft_question(request, code, number, key, qkey)

    def save(data):
        services.tool_version_update_question(
            question=question, by=request.user, **_question_values(data)
        )
        return "Question saved.", _question_url(version, section, question)

    return _form_page(
        request,
        QuestionForm(request.POST or None, initial=QuestionForm.initial_for(question)),
        save,
        "audit_tools/question_form.html",
        version=version,
        section=section,
        question=question,
    )


def question_delete(
    request: HttpRequest, code: str, number: int, key: str, qkey: str
) -> HttpResponse:
    version, section, question = _draft_question(request, code, number, key, qkey)
    if request.method == "POST":
        services.tool_version_delete_question(question=question, by=request.user)
        messages.success(request, f"Question deleted from “{section.title}”.")
        return redirect(_section_url(version, section))
    return _confirm_page(
        request,
        version=version,
        title="Delete this question?",
        quote=question.text,
        body=f"It is removed from “{section.title}” in draft version {number}. "
        "Published versions are not affected.",
        button="Delete question",
        warning=True,
        back_url=_question_url(version, section, question),
    )


@require_POST
def question_move(
    request: HttpRequest, code: str, number: int, key: str, qkey: str
) -> HttpResponse:
    version, section, question = _draft_question(request, code, number, key, qkey)
    return _move(request, question, _question_url(version, section, question))


# --------------------------------------------------------------------------------------------
# Import and bands


def tools_import_page(request: HttpRequest) -> HttpResponse:
    _require_editor(request)
    form = ImportForm(request.POST or None, request.FILES or None)
    problems: list[str] = []
    if request.method == "POST" and form.is_valid():
        try:
            versions = services.tools_import(
                data=form.cleaned_data["file"],
                by=request.user,
                source=request.FILES["file"].name[:200],
            )
        except ValidationError as error:
            problems = error.messages
        else:
            names = ", ".join(f"{v.tool.name} (version {v.number})" for v in versions)
            messages.success(request, f"Imported as drafts: {names}. Review them, then publish.")
            notes = services.tools_import_band_notes(data=form.cleaned_data["file"])
            if notes:
                messages.warning(
                    request,
                    "The file's scaling bands differ from this authority's and were not "
                    "applied (an administrator changes the bands on the bands page): "
                    + " ".join(notes),
                )
            return redirect("tool_list")
    return render(
        request,
        "audit_tools/import.html",
        {**NAV, "form": form, "problems": problems},
    )


def bands_edit(request: HttpRequest) -> HttpResponse:
    if not bands_can_edit(request.user):
        raise Http404("Not found")
    form = BandsForm(request.POST or None, bands=selectors.scaling_bands())

    def save(data):
        services.scaling_bands_update(bands=form.band_values(), by=request.user)
        return "Scaling bands saved.", reverse("tool_bands")

    return _form_page(request, form, save, "audit_tools/bands_form.html")
