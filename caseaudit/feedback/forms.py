"""Forms of the feedback pages: the auditor's request, the family's answer, the practitioner's
reflection and the audit conversation."""

import re

from django import forms
from django.core import signing
from django.core.validators import validate_email

from .models import Audience, Channel, Relationship
from .services import TEXT_LIMIT

UK_MOBILE = re.compile(r"^(?:\+44|0044|0)7\d{9}$")
FORM_SALT = "caseaudit.feedback.form"
FORM_MAX_AGE = 6 * 60 * 60  # a family may take their time over the form
SCALE_CHOICES = [(str(n), str(n)) for n in range(11)]
YES_NO = [("yes", "Yes"), ("no", "No")]


class RequestForm(forms.Form):
    relationship = forms.ChoiceField(
        label="Who are you asking?",
        choices=Relationship.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose who you are asking"},
    )
    audience = forms.ChoiceField(
        label="Which version of the form?",
        choices=Audience.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose the version of the form"},
    )
    channel = forms.ChoiceField(
        label="How will they get the link?",
        widget=forms.RadioSelect,
        error_messages={"required": "Choose how they will get the link"},
    )
    email = forms.CharField(
        label="Email address",
        required=False,
        max_length=254,
        widget=forms.EmailInput(
            attrs={"class": "govuk-input", "autocomplete": "off", "spellcheck": "false"}
        ),
    )
    phone = forms.CharField(
        label="Mobile phone number",
        required=False,
        max_length=20,
        widget=forms.TextInput(
            attrs={
                "class": "govuk-input govuk-input--width-20",
                "type": "tel",
                "autocomplete": "off",
            }
        ),
    )

    def __init__(self, *args, channels: set[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["channel"].choices = [
            (value, label)
            for value, label in Channel.choices
            if value == Channel.LETTER or value in channels
        ]

    def clean(self):
        data = super().clean()
        channel = data.get("channel")
        if channel == Channel.EMAIL:
            email = (data.get("email") or "").strip()
            try:
                validate_email(email)
            except forms.ValidationError:
                self.add_error(
                    "email", "Enter an email address in the correct format, like name@example.com"
                )
            data["to"] = email
        elif channel == Channel.SMS:
            phone = re.sub(r"[\s()-]", "", data.get("phone") or "")
            if not UK_MOBILE.match(phone):
                self.add_error("phone", "Enter a UK mobile number, like 07700 900 982")
            data["to"] = phone
        else:
            data["to"] = ""
        return data


def form_token(digest: str) -> str:
    """A signed, timestamped token the public form carries instead of a CSRF cookie: it ties
    the answer to a form this site served for this link, recently."""
    return signing.TimestampSigner(salt=FORM_SALT).sign(digest[:32])


def form_token_valid(value: str, digest: str) -> bool:
    try:
        return (
            signing.TimestampSigner(salt=FORM_SALT).unsign(value, max_age=FORM_MAX_AGE)
            == (digest[:32])
        )
    except signing.BadSignature:
        return False


class FeedbackForm(forms.Form):
    going_well = forms.CharField(required=False, max_length=TEXT_LIMIT, widget=forms.Textarea)
    worries = forms.CharField(required=False, max_length=TEXT_LIMIT, widget=forms.Textarea)
    would_like = forms.CharField(required=False, max_length=TEXT_LIMIT, widget=forms.Textarea)
    scale = forms.ChoiceField(required=False, choices=SCALE_CHOICES, widget=forms.RadioSelect)
    share = forms.ChoiceField(required=False, choices=YES_NO, widget=forms.RadioSelect)
    form_token = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, digest: str, **kwargs):
        self.digest = digest
        super().__init__(*args, **kwargs)

    def clean(self):
        data = super().clean()
        texts = [data.get(name, "").strip() for name in ("going_well", "worries", "would_like")]
        if not any(texts) and not data.get("scale"):
            raise forms.ValidationError(
                "Write something in at least one box, or choose a number", code="empty"
            )
        if not form_token_valid(data.get("form_token", ""), self.digest):
            raise forms.ValidationError(
                "This page was open for a long time. Your words are still here: "
                "press the button again to send them.",
                code="stale",
            )
        return data

    @property
    def scale_value(self) -> int | None:
        value = self.cleaned_data.get("scale")
        return int(value) if value not in (None, "") else None


class ReflectionForm(forms.Form):
    proud_of = forms.CharField(
        label="What are you proud of in your work with this family?",
        required=False,
        max_length=TEXT_LIMIT,
        widget=forms.Textarea(attrs={"rows": 5, "class": "govuk-textarea"}),
    )
    do_differently = forms.CharField(
        label="What would you do differently?",
        required=False,
        max_length=TEXT_LIMIT,
        widget=forms.Textarea(attrs={"rows": 5, "class": "govuk-textarea"}),
    )
    support_needed = forms.CharField(
        label="What support do you need?",
        required=False,
        max_length=TEXT_LIMIT,
        widget=forms.Textarea(attrs={"rows": 5, "class": "govuk-textarea"}),
    )


class ConversationForm(forms.Form):
    held_on = forms.DateField(
        label="When was the audit conversation?",
        help_text="For example, 27 3 2026 or 2026-03-27",
        input_formats=["%Y-%m-%d", "%d %m %Y", "%d/%m/%Y", "%d-%m-%Y"],
        widget=forms.DateInput(attrs={"class": "govuk-input govuk-input--width-10"}),
        error_messages={
            "required": "Enter the date of the conversation",
            "invalid": "Enter a real date, like 27 3 2026",
        },
    )
    participants = forms.CharField(
        label="Who took part?",
        help_text="Names and roles, for example the practitioner and their supervisor.",
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3, "class": "govuk-textarea"}),
        error_messages={"required": "Say who took part"},
    )
