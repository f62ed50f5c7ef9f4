from typing import Any, cast

from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Case, IntegerField, Q, Value, When

from caseaudit.core.typing import User


class AccountChoiceField(forms.ModelChoiceField[User]):
    def __init__(self, *args: Any, me: User | None = None, **kwargs: Any) -> None:
        self.me = me
        super().__init__(*args, **kwargs)

    def label_from_instance(self, obj: User) -> str:
        if self.me is not None and obj.pk == self.me.pk:
            return f"Yourself ({obj.email or obj.username})"
        return f"{obj.service_account.name} (service account {obj.username})"


class IssueTokenForm(forms.Form):
    """Issue a token to yourself or to a service account: never to another person."""

    account = AccountChoiceField(
        label="Account",
        queryset=get_user_model().objects.none(),
        empty_label=None,
        help_text="The token acts as this account and sees exactly what it sees. Tokens for a "
        "system are issued to its service account, never to a person.",
        error_messages={
            "required": "Choose the account the token acts as",
            "invalid_choice": "Choose yourself or a service account",
        },
    )
    name = forms.CharField(
        label="What is it for?",
        max_length=100,
        help_text="For example: nightly export to the performance dashboard.",
        error_messages={"required": "Enter what the token is for"},
    )

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = cast(AccountChoiceField, self.fields["account"])  # the copy of `account`
        field.me = user
        field.queryset = (
            get_user_model()
            .objects.filter(Q(pk=user.pk) | Q(service_account__isnull=False, is_active=True))
            .select_related("service_account")
            .annotate(
                mine=Case(When(pk=user.pk, then=Value(0)), default=1, output_field=IntegerField())
            )
            .order_by("mine", "service_account__name", "pk")
        )
