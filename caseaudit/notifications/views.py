from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from caseaudit.organisation.selectors import staff_for_user

from . import selectors, services
from .forms import NotificationSettingsForm
from .models import ALWAYS_IMMEDIATE

PAGE_SIZE = 25


def notification_list(request: HttpRequest) -> HttpResponse:
    """The signed-in member of staff's notifications, newest first."""
    notifications = selectors.notification_list(user=request.user)
    page = Paginator(notifications, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "notifications/notification_list.html", {"page": page})


@require_http_methods(["GET", "POST"])
def notification_open(request: HttpRequest, pk: int) -> HttpResponse:
    """Open one of your notifications: mark it read and go to what it is about.

    GET is allowed so links (in the inbox and in emails) work; it is idempotent and only the
    recipient can do it.
    """
    notification = selectors.notification_get(user=request.user, pk=pk)
    services.notification_mark_read(notification=notification)
    if notification.url and services.is_internal_path(notification.url):
        return redirect(notification.url)
    return redirect("notification_list")


@require_POST
def notification_mark_all_read(request: HttpRequest) -> HttpResponse:
    staff = staff_for_user(request.user)
    if staff is None:
        raise Http404("No staff record")
    count = services.notification_mark_all_read(recipient=staff)
    if count:
        messages.success(
            request, f"{count} notification{'s' if count != 1 else ''} marked as read."
        )
    return redirect("notification_list")


@require_http_methods(["GET", "POST"])
def notification_settings(request: HttpRequest) -> HttpResponse:
    """The signed-in person's own choice: which notifications are emailed at once and which
    wait for the daily summary email."""
    staff = staff_for_user(request.user)
    if staff is None:
        raise Http404("No staff record")
    form = NotificationSettingsForm(
        request.POST if request.method == "POST" else None,
        initial=selectors.notification_deliveries(staff=staff),
    )
    if form.is_valid():
        services.notification_preferences_set(staff=staff, choices=form.cleaned_data)
        messages.success(request, "Your notification settings are saved.")
        return redirect("notification_settings")
    return render(
        request,
        "notifications/notification_settings.html",
        {
            "form": form,
            "always_immediate": sorted(kind.label for kind in ALWAYS_IMMEDIATE),
        },
    )
