"""Pages of caseaudit.feedback.

Staff pages (behind sign-in): asking the family for feedback and cancelling a request, inviting
the practitioner, their reflection, and the audit conversation. Every one reads the audit through
`audit_get` and writes the access log.

Public pages (`/feedback/f/...`, no sign-in): the family's form. They set no cookie (no session,
no CSRF cookie: the form carries a signed token instead, `forms.form_token`), send their own
strict Content-Security-Policy (no script at all), never leak the link in a Referer, are rate
limited per address and per link, and answer an unknown, used, cancelled or expired link with
the same page, status and work (docs/feedback.md).
"""

import segno
from csp.decorators import csp
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from caseaudit.accounts.models import AccessObjectType
from caseaudit.accounts.services import access_record, client_ip
from caseaudit.audits.selectors import audit_get
from caseaudit.core.forms import add_service_errors
from caseaudit.core.typing import AuthenticatedHttpRequest

from . import notify as notify_api
from . import policy, selectors, services
from .forms import ConversationForm, FeedbackForm, ReflectionForm, RequestForm, form_token
from .models import Audience, Channel, Delivery
from .ratelimit import rate_limited
from .tokens import token_digest, token_display, token_normalise

# The public pages' policy: nothing but this site's stylesheet, fonts and images, and forms
# posted back here. No script of any kind.
PUBLIC_CSP = {
    "default-src": ["'none'"],
    "style-src": ["'self'"],
    "img-src": ["'self'"],
    "font-src": ["'self'"],
    "form-action": ["'self'"],
    "frame-ancestors": ["'none'"],
    "base-uri": ["'none'"],
}


def _log(request, audit) -> None:
    access_record(
        request=request,
        object_type=AccessObjectType.AUDIT,
        object_id=audit.pk,
        case_id=audit.case_id,
    )


def _posted(request):
    """The form's data on a POST (even an empty one), None otherwise."""
    return request.POST if request.method == "POST" else None


def _refused(error: ValidationError) -> bool:
    return getattr(error, "code", None) == "not_allowed"


# --- Asking the family (the auditor) -----------------------------------------------------


def _qr_svg(link: str) -> str:
    return segno.make(link, error="m").svg_inline(
        scale=4, dark="#0b0c0c", title="QR code of the feedback link"
    )


@sensitive_post_parameters("email", "phone")  # never in an error report
@require_http_methods(["GET", "POST"])
def feedback_request_new(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    audit = audit_get(user=request.user, pk=pk)
    _log(request, audit)
    if not policy.can_request(request.user, audit):
        raise PermissionDenied("Only the auditor asks the family, while the audit is a draft.")
    channels = notify_api.notify_channels()
    form = RequestForm(_posted(request), channels=channels)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            created = services.feedback_request_create(
                audit=audit,
                by=request.user,
                relationship=data["relationship"],
                audience=data["audience"],
                channel=data["channel"],
            )
        except ValidationError as error:
            if _refused(error):
                raise PermissionDenied(error.messages[0]) from error
            add_service_errors(form, error)
        else:
            result = None
            if data["channel"] != Channel.LETTER:
                result = services.feedback_request_send(
                    request=created.request, token=created.token, to=data["to"]
                )
            return _request_made(request, audit, created, result)
    return render(
        request,
        "feedback/request_new.html",
        {"audit": audit, "case": audit.case, "form": form, "notify_ready": bool(channels)},
    )


def _request_made(request, audit, created, result) -> HttpResponse:
    """What the auditor sees once: "sent", or the letter with the link and its QR code (the
    token is never shown again: only its digest is kept)."""
    fb_request = created.request
    context = {
        "audit": audit,
        "case": audit.case,
        "fb_request": fb_request,
        "sent": fb_request.delivery == Delivery.SENT,
        "error": result.error if result is not None and not result.ok else "",
        "authority_name": settings.AUTHORITY_NAME,
        "expires_on": timezone.localdate(fb_request.expires_at),
    }
    if not context["sent"]:
        link = services.public_link(created.token)
        context.update(
            link=link,
            code=token_display(created.token),
            start=services.public_start(),
            qr_svg=_qr_svg(link),
            child=fb_request.audience == Audience.CHILD,
        )
    return render(request, "feedback/request_made.html", context)


@require_POST
def feedback_request_cancel(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    fb_request = selectors.feedback_request_get(user=request.user, pk=pk)
    _log(request, fb_request.audit)
    try:
        services.feedback_request_cancel(request=fb_request, by=request.user)
    except ValidationError as error:
        if _refused(error):
            raise PermissionDenied(error.messages[0]) from error
        messages.error(request, error.messages[0])
    else:
        messages.success(request, "Request cancelled: its link no longer works.")
    return redirect(reverse("audit_detail", args=[fb_request.audit_id]) + "#family-feedback")


# --- The collaborative audit -------------------------------------------------------------


@require_POST
def collaboration_invite(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    audit = audit_get(user=request.user, pk=pk)
    _log(request, audit)
    try:
        collaboration = services.collaboration_invite(audit=audit, by=request.user)
    except ValidationError as error:
        if _refused(error):
            raise PermissionDenied(error.messages[0]) from error
        messages.error(request, error.messages[0])
    else:
        messages.success(
            request, f"{collaboration.practitioner.name} is invited to reflect on the draft."
        )
    return redirect(reverse("audit_detail", args=[audit.pk]) + "#collaboration")


@require_http_methods(["GET", "POST"])
def collaboration_reflect(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    collaboration = selectors.collaboration_get(user=request.user, audit_pk=pk)
    audit = collaboration.audit
    _log(request, audit)
    if not policy.can_reflect(request.user, collaboration):
        raise PermissionDenied("Only the invited practitioner writes the reflection.")
    initial = {
        "proud_of": collaboration.proud_of,
        "do_differently": collaboration.do_differently,
        "support_needed": collaboration.support_needed,
    }
    form = ReflectionForm(_posted(request), initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.reflection_save(
                collaboration=collaboration, by=request.user, **form.cleaned_data
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "Your reflection is saved on the audit.")
            return redirect(reverse("audit_detail", args=[audit.pk]) + "#collaboration")
    return render(
        request,
        "feedback/reflect.html",
        {"audit": audit, "case": audit.case, "collaboration": collaboration, "form": form},
    )


@require_http_methods(["GET", "POST"])
def collaboration_conversation(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    collaboration = selectors.collaboration_get(user=request.user, audit_pk=pk)
    audit = collaboration.audit
    _log(request, audit)
    if not policy.can_record_conversation(request.user, collaboration):
        raise PermissionDenied("Only the auditor records the audit conversation.")
    initial = {
        "held_on": collaboration.conversation_on,
        "participants": collaboration.conversation_with,
    }
    form = ConversationForm(_posted(request), initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.conversation_record(
                collaboration=collaboration,
                by=request.user,
                held_on=form.cleaned_data["held_on"],
                participants=form.cleaned_data["participants"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "The audit conversation is recorded.")
            return redirect(reverse("audit_detail", args=[audit.pk]) + "#collaboration")
    return render(
        request,
        "feedback/conversation.html",
        {"audit": audit, "case": audit.case, "collaboration": collaboration, "form": form},
    )


# --- The public pages ----------------------------------------------------------------------


def public(view):
    """A public feedback page: no sign-in, no CSRF cookie, its own CSP, and headers that keep
    the link out of Referers, search engines and caches."""

    @login_not_required
    @csrf_exempt
    @sensitive_post_parameters()  # the family's words stay out of error reports
    @csp(PUBLIC_CSP)
    def wrapped(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        response["Referrer-Policy"] = "no-referrer"
        response["X-Robots-Tag"] = "noindex, nofollow"
        response["Cache-Control"] = "no-store"
        return response

    wrapped.__name__ = view.__name__
    wrapped.__doc__ = view.__doc__
    return wrapped


def _public_context(**extra) -> dict:
    return {"authority_name": settings.AUTHORITY_NAME, **extra}


def _too_many(request, child: bool = False) -> HttpResponse:
    response = render(
        request, "feedback/public/too_many.html", _public_context(child=child), status=429
    )
    response["Retry-After"] = "600"
    return response


def _unusable(request) -> HttpResponse:
    return render(request, "feedback/public/unusable.html", _public_context(), status=404)


@public
@require_GET
def feedback_public_start(request: HttpRequest) -> HttpResponse:
    """Typing the code from a letter: on to the form."""
    raw = request.GET.get("code", "")
    error = ""
    if raw:
        if rate_limited(address=client_ip(request) or "", digest=""):
            return _too_many(request)
        token = token_normalise(raw)
        if token:
            return redirect("feedback_public", token=token)
        error = "Enter the code as it is printed on your letter, like 7KQM-2XWD-9HTP-4RBN-C6YA"
    return render(
        request, "feedback/public/start.html", _public_context(error=error, code=raw[:40])
    )


@public
@require_http_methods(["GET", "POST"])
def feedback_public(request: HttpRequest, token: str) -> HttpResponse:
    """The family's form, from their link: standard or child-friendly words."""
    digest = token_digest(token_normalise(token) or token[:64])
    if rate_limited(address=client_ip(request) or "", digest=digest):
        return _too_many(request)
    fb_request = selectors.request_for_token(token)
    if fb_request is None:
        return _unusable(request)
    words = request.GET.get("words") or request.POST.get("words") or fb_request.audience
    child = words == Audience.CHILD
    form = FeedbackForm(_posted(request), digest=digest)
    if request.method == "POST" and form.is_valid():
        try:
            services.feedback_submit(
                token=token,
                going_well=form.cleaned_data["going_well"],
                worries=form.cleaned_data["worries"],
                would_like=form.cleaned_data["would_like"],
                scale=form.scale_value,
                share_consent=form.cleaned_data.get("share") == "yes",
            )
        except services.LinkUnusable:
            return _unusable(request)
        return redirect(reverse("feedback_public_thanks") + ("?words=child" if child else ""))
    return render(
        request,
        "feedback/public/form.html",
        _public_context(
            form=form,
            child=child,
            form_token=form_token(digest),
            other_words="standard" if child else "child",
            action=request.path,
        ),
    )


@public
@require_GET
def feedback_public_thanks(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "feedback/public/thanks.html",
        _public_context(child=request.GET.get("words") == "child"),
    )
