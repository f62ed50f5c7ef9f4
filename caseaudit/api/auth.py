"""Bearer-token authentication for the API. Only the token counts: a browser's session cookie
is ignored, so a signed-in browser cannot be made to call the API from another site (and the
API needs no CSRF token)."""

from django.http import HttpRequest
from ninja.security import HttpBearer

from .models import ApiToken
from .services import api_token_authenticate
from .throttling import anonymous_throttle


class ApiTokenAuth(HttpBearer):
    def __call__(self, request: HttpRequest) -> ApiToken | None:
        api_token = super().__call__(request)
        if api_token is None:
            # No valid token: counted against the client's address (429 over the limit,
            # else the 401 that follows).
            anonymous_throttle.check(request)
        return api_token

    def authenticate(self, request: HttpRequest, token: str) -> ApiToken | None:
        api_token = api_token_authenticate(secret=token)
        if api_token is None:
            return None
        # From here on the request acts as the token's account, whatever cookie it carried
        # (ninja keeps the token returned as `request.auth`).
        request.user = api_token.user
        return api_token
