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
from .new_places import NewPlaces, new_places_in_token, new_places_token
from .policy import can_import

SAMPLE_DIR = Path(__file__).resolve().parent / "sample"
TEMPLATES = {"staff_template.csv", "cases_template.csv"}
SHOWN_ERRORS = 200
HISTORY_PAGE_SIZE = 25


def import_index(request: HttpRequest) -> HttpResponse:
    runs = selectors.import_run_list(user=request.user)
    page = Paginator(runs, HISTORY_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "imports/index.html",
        {
            "page": page,
            "can_import_staff": can_import(request.user, ImportKind.STAFF),
            "nav_active": "imports",
        },
    )


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
            **_new_places_box(
                refused.new.places,
                token=refused.new.token,
                ticked=refused.new.allowed,
                tick_not_counted=refused.new.tick_not_counted,
            ),
        }
    return {"result": result, "import_warnings": result.warnings}


def _new_places_box(places: NewPlaces | None, *, token: str, ticked: bool, **extra) -> dict:
    """The context of the box "Create these teams and service areas" with the names it is
    for (`imports/_new_places.html`): nothing when there are none."""
    if not places or not token:
        return {}
    return {"new_places": places, "new_places_token": token, "new_places_ticked": ticked, **extra}


def _box_from_run(request: HttpRequest) -> tuple[dict, dict]:
    """`?run=<pk>`: the box for the new names an earlier import of a staff list found (a
    background run's page links here), and that run's options, for the same file again."""
    try:
        pk = int(request.GET["run"])
    except ValueError:
        raise Http404("No such import") from None
    run = selectors.import_run_get(user=request.user, pk=pk)
    if run.kind != ImportKind.STAFF or not run.file_sha256:
        return {}, {}
    places = NewPlaces.from_lists(service_areas=run.new_service_areas, teams=run.new_teams)
    token = new_places_token(places=places, digest=run.file_sha256, by=request.user)
    box = _new_places_box(places, token=token, ticked=run.new_places_allowed, from_run=run)
    return box, {"full": bool((run.options or {}).get("full"))}


def import_staff(request: HttpRequest) -> HttpResponse:
    selectors.import_access_check(user=request.user, kind=ImportKind.STAFF)
    box, initial = {}, {}
    if request.method == "GET" and "run" in request.GET:
        box, initial = _box_from_run(request)
    form = StaffImportForm(request.POST or None, request.FILES or None, initial=initial)
    context = {"form": form, "nav_active": "imports", **box}
    if request.method == "POST" and not form.is_valid():
        # Keep the box ticked, with its names, while the person corrects the form.
        token = request.POST.get("allow_new_teams", "")
        places = new_places_in_token(token=token, by=request.user)
        context |= _new_places_box(places, token=token, ticked=True)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        data = upload.read()
        agreed = form.cleaned_data["allow_new_teams"]
        if services.import_in_background(
            services.import_rows_for_decision(data=data, file_name=upload.name)
        ):
            run = services.import_run_queue(
                kind=ImportKind.STAFF,
                data=data,
                file_name=Path(upload.name).name,
                by=request.user,
                full=form.cleaned_data["full"],
                new_places_agreed=agreed,
                dry_run=form.cleaned_data["dry_run"],
            )
            return redirect("import_run_detail", run.pk)
        context |= _outcome(
            lambda: services.staff_file_import(
                file=data,
                file_name=Path(upload.name).name,
                by=request.user,
                full=form.cleaned_data["full"],
                new_places_agreed=agreed,
                dry_run=form.cleaned_data["dry_run"],
                via=ImportVia.WEB,
            )
        )
        if "result" in context:  # done: a fresh form, "check only" unticked for the real run
            context["form"] = StaffImportForm()
            result = context["result"]
            if result.dry_run:  # the box stays ticked for these names, for this file
                context |= _new_places_box(result.new_places, token=result.new.token, ticked=True)
    return render(request, "imports/staff_upload.html", context)


def import_cases(request: HttpRequest) -> HttpResponse:
    selectors.import_access_check(user=request.user, kind=ImportKind.CASES)
    form = CaseImportForm(request.POST or None, request.FILES or None)
    context = {"form": form, "nav_active": "imports"}
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        upload, episodes = data["file"], data["episodes"]
        content = upload.read()
        if services.import_in_background(
            services.import_rows_for_decision(data=content, file_name=upload.name)
        ):
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
    if services.import_run_is_stale(run=run) and services.imports_fail_stale(run_id=run.pk):
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
    selectors.import_access_check(user=request.user)
    if name not in TEMPLATES:
        raise Http404("No such template")
    return FileResponse(
        (SAMPLE_DIR / name).open("rb"),
        as_attachment=True,
        filename=name,
        content_type="text/csv",
    )
