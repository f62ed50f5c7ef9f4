"""Type aliases shared by the services, selectors, policies and the API (checked by mypy).

- `Actor`: who asks - the user of a request (a web page's signed-in user, an API token's user);
  selectors scope what they return to it.
- `By`: who did a write - a user, or None for the command line and background jobs (the
  server's own administrator). A service that needs a person (a permission check on them)
  takes `by: User` instead.
- `AuthenticatedHttpRequest`: the request of a page behind sign-in (LoginRequiredMiddleware),
  whose `user` is a `User`, for views that pass `request.user` to a service as `by`.
"""

from typing import TypeAlias

from django.contrib.auth.models import AnonymousUser, User
from django.http import HttpRequest

Actor: TypeAlias = User | AnonymousUser
By: TypeAlias = User | None


class AuthenticatedHttpRequest(HttpRequest):
    user: User


__all__ = ["Actor", "AuthenticatedHttpRequest", "By", "User"]
