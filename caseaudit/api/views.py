"""The administrators' page of API tokens: issue one to yourself or a service account (its
secret shown once), list them with their last use and expiry, revoke."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from caseaudit.core.typing import AuthenticatedHttpRequest

from . import selectors, services
from .forms import IssueTokenForm


def api_token_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    """GET lists the tokens; POST issues one and shows its secret on this response only (it is
    never stored, so it cannot be shown again)."""
    tokens = selectors.api_token_list(user=request.user)
    form = IssueTokenForm(request.POST or None, user=request.user)
    issued = secret = None
    if request.method == "POST" and form.is_valid():
        try:
            issued, secret = services.api_token_issue(
                user=form.cleaned_data["account"], name=form.cleaned_data["name"], by=request.user
            )
        except ValidationError as error:
            if hasattr(error, "error_dict"):
                for key, errors in error.message_dict.items():
                    form.add_error("account" if key in ("user", "days") else key, errors)
            else:
                form.add_error("account", error.messages)
        else:
            form = IssueTokenForm(user=request.user)
    return render(
        request,
        "api/tokens.html",
        {
            "tokens": list(tokens),
            "form": form,
            "issued": issued,
            "secret": secret,
            "token_days": services.token_days(),
        },
    )


@require_POST
def api_token_revoke(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    token = selectors.api_token_get(user=request.user, pk=pk)
    try:
        services.api_token_revoke(token=token, by=request.user)
    except ValidationError as error:
        messages.info(request, error.messages[0])
    else:
        messages.success(request, f"Token {token.prefix}… ({token.name}) revoked.")
    return redirect("api_token_list")
