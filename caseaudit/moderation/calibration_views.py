"""Calibration pages: the exercises (and the person's calibration over them), setting one up,
scoring one blind, the panel's reference scales, closing, and the results (a dot plot of
everyone's scales with its data table)."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from caseaudit.core.typing import AuthenticatedHttpRequest
from caseaudit.organisation.selectors import staff_for_user

from . import policy, selectors, services
from .charts import dot_plot
from .forms import ExerciseForm


def _posted_scales(request: HttpRequest, sections) -> dict:
    scales = {s.pk: request.POST.get(f"scale-{s.pk}", "") for s in sections}
    scales[None] = request.POST.get("scale-overall", "")
    return scales


def calibration_index(request: HttpRequest) -> HttpResponse:
    staff = staff_for_user(request.user)
    return render(
        request,
        "moderation/calibration_index.html",
        {
            "exercises": selectors.exercise_list(user=request.user),
            "history": selectors.calibration_history(staff=staff) if staff else [],
            "can_edit": policy.can_edit_calibration(request.user),
            "nav_active": "moderation",
        },
    )


def calibration_new(request: AuthenticatedHttpRequest) -> HttpResponse:
    if not policy.can_edit_calibration(request.user):
        raise Http404("Not available")
    form = ExerciseForm(
        request.POST or None,
        versions=selectors.published_tool_versions(),
        staff=list(selectors.invitable_staff()),
    )
    if request.method == "POST" and form.is_valid():
        try:
            exercise = services.exercise_create(
                title=form.cleaned_data["title"],
                summary=form.cleaned_data["summary"],
                tool_version=form.versions[form.cleaned_data["tool"]],
                invited=[form.staff[k] for k in form.cleaned_data["invited"]],
                by=request.user,
            )
        except ValidationError as error:
            form.add_error(None, " ".join(error.messages))
        else:
            messages.success(request, "Exercise set up: the people invited have been told.")
            return redirect("calibration_exercise", pk=exercise.pk)
    return render(
        request, "moderation/calibration_new.html", {"form": form, "nav_active": "moderation"}
    )


def calibration_exercise(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    exercise, invited = selectors.exercise_get(user=request.user, pk=pk)
    staff = staff_for_user(request.user)
    sections = selectors.exercise_sections(exercise=exercise)
    submitted = staff is not None and exercise.scores.filter(staff=staff).exists()
    can_score = policy.can_score_exercise(request.user, exercise, invited, submitted=submitted)
    errors: list[str] = []
    posted: dict = {}
    if request.method == "POST":
        if not can_score:
            raise PermissionDenied("You cannot score this exercise.")
        posted = _posted_scales(request, sections)
        try:
            services.exercise_score(exercise=exercise, by=request.user, scales=posted)
        except ValidationError as error:
            errors = error.messages
        else:
            messages.success(request, "Your scales are in. You will see everyone's when it closes.")
            return redirect("calibration_exercise", pk=exercise.pk)
    editor = policy.can_edit_calibration(request.user)
    results = (
        selectors.exercise_results(exercise=exercise, staff=staff)
        if not exercise.is_open or submitted or editor
        else []
    )
    show_spread = not exercise.is_open
    references = dict(exercise.references.values_list("section_id", "scale"))
    return render(
        request,
        "moderation/calibration_exercise.html",
        {
            "exercise": exercise,
            "sections": sections,
            "can_score": can_score,
            "submitted": submitted,
            "editor": editor,
            "errors": errors,
            "posted": {("overall" if k is None else k): v for k, v in posted.items()},
            "results": results if show_spread else [],
            "mine": [r for r in results if r["mine"] is not None] if not show_spread else [],
            "chart": dot_plot(
                chart_id="calibration-dots",
                title=f"Everyone's scales for “{exercise.title}”",
                description="A row per section and overall, on the 0 to 10 scale: a dot for "
                "each person's scale, the panel's reference as a vertical line, your own scale "
                "ringed. The figures are in the table that follows.",
                rows=results,
            )
            if show_spread and results
            else None,
            "references": [(s, references.get(s.pk)) for s in sections],
            "overall_reference": references.get(None),
            "invited_count": len(invited),
            "scored_count": exercise.scores.filter(section__isnull=True).count(),
            "scale_points": range(11),
            "nav_active": "moderation",
        },
    )


@require_POST
def calibration_references(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    exercise, _invited = selectors.exercise_get(user=request.user, pk=pk)
    if not policy.can_edit_calibration(request.user):
        raise PermissionDenied("Only administrators and Performance Assurance set references.")
    sections = selectors.exercise_sections(exercise=exercise)
    try:
        services.exercise_set_references(
            exercise=exercise, scales=_posted_scales(request, sections), by=request.user
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, "Reference scales saved.")
    return redirect("calibration_exercise", pk=exercise.pk)


@require_POST
def calibration_close(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    exercise, _invited = selectors.exercise_get(user=request.user, pk=pk)
    if not policy.can_edit_calibration(request.user):
        raise PermissionDenied("Only administrators and Performance Assurance close an exercise.")
    try:
        services.exercise_close(exercise=exercise, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, "Exercise closed: those who scored it can see the results.")
    return redirect("calibration_exercise", pk=exercise.pk)
