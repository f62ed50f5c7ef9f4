from allauth.account.adapter import DefaultAccountAdapter


class NoSignupAccountAdapter(DefaultAccountAdapter):
    """Accounts are created by administrators (or the staff import), never by self-registration."""

    def is_open_for_signup(self, request) -> bool:
        return False
