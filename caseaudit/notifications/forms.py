from django import forms

from .models import CHOOSABLE_KINDS, Delivery, NotificationKind


class NotificationSettingsForm(forms.Form):
    """One choice per kind a person may choose for: email at once, or in the daily digest."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for kind in CHOOSABLE_KINDS:
            self.fields[kind] = forms.ChoiceField(
                label=NotificationKind(kind).label,
                choices=Delivery.choices,
                widget=forms.RadioSelect,
                error_messages={"required": f"Choose how to be emailed for “{kind.label}”"},
            )
