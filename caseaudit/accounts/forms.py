from django import forms


class IdentityChangeForm(forms.Form):
    email = forms.EmailField(
        label="New email address",
        max_length=254,
        help_text="The account will sign in with this address. Every session it has now ends, "
        "any single sign-on link is removed, and the old address is told by email.",
        error_messages={
            "required": "Enter the new email address",
            "invalid": "Enter an email address in the correct format, like name@example.com",
        },
        widget=forms.EmailInput(
            attrs={"class": "govuk-input", "autocomplete": "off", "spellcheck": "false"}
        ),
    )
    username = forms.CharField(
        label="Username (optional)",
        max_length=150,
        required=False,
        help_text="Leave blank to keep the current username.",
        widget=forms.TextInput(attrs={"class": "govuk-input govuk-!-width-one-half"}),
    )
