"""Import pages: the history, the staff and case upload forms, the blank templates, and a run's
page.

A file of up to `IMPORT_BACKGROUND_ROWS` rows is imported inside the request and its outcome shown
at once. A larger one is handed to a background task (`tasks.import_run_task`) and the browser is
sent to the run's page, which shows a progress bar and reloads itself every 2 seconds (a meta
refresh: no JavaScript) until the import is done, then shows what it did or its errors.
"""

from pathlib import Path

from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from . import selectors, services
from .forms import CaseImportForm, StaffImportForm
from .models import ImportKind, ImportVia

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
        data = upload.read()
        if services.import_in_background(services.import_rows_for_decision(data, upload.name)):
            run = services.import_run_queue(
                kind=ImportKind.STAFF,
                data=data,
                file_name=Path(upload.name).name,
                by=request.user,
                full=form.cleaned_data["full"],
                allow_new_teams=form.cleaned_data["allow_new_teams"],
                dry_run=form.cleaned_data["dry_run"],
            )
            return redirect("import_run_detail", run.pk)
        context |= _outcome(
            lambda: services.staff_file_import(
                file=data,
                file_name=Path(upload.name).name,
                by=request.user,
                full=form.cleaned_data["full"],
                allow_new_teams=form.cleaned_data["allow_new_teams"],
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
        content = upload.read()
        if services.import_in_background(services.import_rows_for_decision(content, upload.name)):
            run = services.import_run_queue(
                kind=ImportKind.CASES,
                data=content,
                file_name=Path(upload.name).name,
                by=request.user,
                source_format=data["source_format"],
                episodes=episodes.read() if episodes else None,
                episodes_name=Path(episodes.name).name if episodes else "",
                default_team=data["team"],
                dry_run=data["dry_run"],
            )
            return redirect("import_run_detail", run.pk)
        context |= _outcome(
            lambda: services.case_file_import(
                file=content,
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


def import_run_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A run: while a background import works, its progress (the page reloads itself every
    2 seconds); then what it did, or its errors."""
    run = selectors.import_run_get(user=request.user, pk=pk)
    if services.import_run_is_stale(run) and services.imports_fail_stale(run_id=run.pk):
        run = selectors.import_run_get(user=request.user, pk=pk)  # cut off: now failed
    return render(
        request,
        "imports/run_detail.html",
        {
            "run": run,
            "stalled": run.is_stalled(timezone.now()),
            "stale_message": services.stale_message(),
            "shown_errors": run.errors[:SHOWN_ERRORS],
            "more_errors": max(0, run.error_count - min(len(run.errors), SHOWN_ERRORS)),
            "nav_active": "imports",
        },
    )


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
