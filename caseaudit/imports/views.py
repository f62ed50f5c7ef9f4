"""Import pages: the history, the staff and case upload forms, and the blank templates.

Imports run inside the request for now. Files over about 5,000 rows should run as a background
task once the task framework lands (see `services.case_file_import`, which a task can call as is).
"""

from pathlib import Path

from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from . import selectors, services
from .forms import CaseImportForm, StaffImportForm
from .models import ImportVia

SAMPLE_DIR = Path(__file__).resolve().parent / "sample"
TEMPLATES = {"staff_template.csv", "cases_template.csv"}
SHOWN_ERRORS = 200
HISTORY_PAGE_SIZE = 25


def import_index(request: HttpRequest) -> HttpResponse:
    runs = selectors.import_run_list(user=request.user)
    page = Paginator(runs, HISTORY_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "imports/index.html", {"page": page, "nav_active": "imports"})


def _outcome(run_import) -> dict:
    """Run an import; the context for its result or its errors."""
    try:
        result = run_import()
    except services.ImportRefused as refused:
        return {
            "import_errors": [str(e) for e in refused.errors[:SHOWN_ERRORS]],
            "more_errors": max(0, len(refused.errors) - SHOWN_ERRORS),
            "error_count": len(refused.errors),
            "import_warnings": refused.warnings,
        }
    return {"result": result, "import_warnings": result.warnings}


def import_staff(request: HttpRequest) -> HttpResponse:
    selectors.import_access_check(request.user)
    form = StaffImportForm(request.POST or None, request.FILES or None)
    context = {"form": form, "nav_active": "imports"}
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        context |= _outcome(
            lambda: services.staff_file_import(
                file=upload,
                file_name=Path(upload.name).name,
                by=request.user,
                full=form.cleaned_data["full"],
                dry_run=form.cleaned_data["dry_run"],
                via=ImportVia.WEB,
            )
        )
        if "result" in context:  # done: a fresh form, "check only" unticked for the real run
            context["form"] = StaffImportForm()
    return render(request, "imports/staff_upload.html", context)


def import_cases(request: HttpRequest) -> HttpResponse:
    selectors.import_access_check(request.user)
    form = CaseImportForm(request.POST or None, request.FILES or None)
    context = {"form": form, "nav_active": "imports"}
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        upload, episodes = data["file"], data["episodes"]
        context |= _outcome(
            lambda: services.case_file_import(
                file=upload,
                file_name=Path(upload.name).name,
                by=request.user,
                source_format=data["source_format"],
                episodes=episodes,
                episodes_name=Path(episodes.name).name if episodes else "episodes.csv",
                default_team=data["team"],
                dry_run=data["dry_run"],
                via=ImportVia.WEB,
            )
        )
        if "result" in context:  # done: a fresh form, "check only" unticked for the real run
            context["form"] = CaseImportForm()
    return render(request, "imports/cases_upload.html", context)


def import_template_download(request: HttpRequest, name: str) -> FileResponse:
    selectors.import_access_check(request.user)
    if name not in TEMPLATES:
        raise Http404("No such template")
    return FileResponse(
        (SAMPLE_DIR / name).open("rb"),
        as_attachment=True,
        filename=name,
        content_type="text/csv",
    )
