"""Single sign-on by OpenID Connect (Microsoft Entra ID), switched on by `OIDC_CLIENT_ID`.

Only for accounts that already exist: a first SSO sign-in is joined to the active account
with the same email (case-insensitive); anyone else is refused, since sign-up is closed.
The provider must be one organisation's tenant (settings refuse Entra's multi-tenant
endpoints), whose administrators control these addresses. This module is imported only
when SSO is configured (SOCIALACCOUNT_ADAPTER names it).
"""

from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from django.contrib.auth import get_user_model


def sso_email(sociallogin) -> str:
    """The work email an OpenID Connect sign-in names: the `email` claim, else Entra ID's
    `preferred_username` (the user principal name, normally the same address)."""
    data = sociallogin.account.extra_data or {}
    claims = data.get("userinfo") or data.get("id_token") or data
    for claim in ("email", "preferred_username"):
        value = str(claims.get(claim) or "").strip()
        if "@" in value:
            return value
    return ""


class ExistingAccountSocialAdapter(DefaultSocialAccountAdapter):
    def is_open_for_signup(self, request, sociallogin) -> bool:
        return False

    def pre_social_login(self, request, sociallogin) -> None:
        if sociallogin.is_existing:
            return
        email = sso_email(sociallogin)
        if not email:
            return  # falls through to sign-up, which is closed
        user = get_user_model().objects.filter(email__iexact=email, is_active=True).first()
        if user is not None:
            sociallogin.connect(request, user)
