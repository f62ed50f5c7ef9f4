from django import forms

from .services import api_user_find


class IssueTokenForm(forms.Form):
    account = forms.CharField(
        label="Account",
        max_length=254,
        help_text="The email address or username of the account the token acts as. It sees "
        "exactly what that person sees.",
        error_messages={"required": "Enter the account's email address or username"},
    )
    name = forms.CharField(
        label="What is it for?",
        max_length=100,
        help_text="For example: nightly export to the performance dashboard.",
        error_messages={"required": "Enter what the token is for"},
    )

    def clean_account(self):
        user = api_user_find(identifier=self.cleaned_data["account"])
        if user is None:
            raise forms.ValidationError("No account has that email address or username")
        return user
