"""Pages of accounts beyond allauth's own: changing an account's identity (administrators)."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from . import selectors, services
from .forms import IdentityChangeForm


@require_http_methods(["GET", "POST"])
def identity_change(request: HttpRequest, user_id: int) -> HttpResponse:
    """Change an account's email address (and username): system administrators only."""
    target = selectors.account_for_identity_change(user=request.user, pk=user_id)
    form = IdentityChangeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.account_identity_change(
                user=target,
                email=form.cleaned_data["email"],
                username=form.cleaned_data["username"] or None,
                by=request.user,
            )
        except ValidationError as error:
            for message in error.messages:
                form.add_error("username" if "username" in message else "email", message)
        else:
            messages.success(request, f"The account now signs in as {target.email}.")
            return redirect("account_identity_change", user_id=target.pk)
    return render(
        request,
        "accounts/identity_change.html",
        {"form": form, "target": target, "staff": getattr(target, "staff", None)},
    )
