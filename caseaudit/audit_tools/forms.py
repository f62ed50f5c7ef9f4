import json

from django import forms

from .models import QuestionKind, ScalingBand, Theme

MAX_IMPORT_BYTES = 2 * 1024 * 1024


class SectionForm(forms.Form):
    title = forms.CharField(label="Title", max_length=150)
    guidance = forms.CharField(
        label="Guidance for the auditor",
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text="What a good record shows for this section and what to check.",
    )
    theme = forms.ModelChoiceField(
        label="Theme",
        queryset=Theme.objects.none(),
        empty_label="Choose a theme",
        help_text="The purpose of the procedure this section serves; reports aggregate by theme.",
        error_messages={"required": "Choose the theme the section serves"},
    )
    scaled = forms.BooleanField(label="Scale this section from 0 to 10", required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["theme"].queryset = Theme.objects.order_by("order", "name")
        self.fields["title"].error_messages["required"] = "Enter the section title"

    @classmethod
    def initial_for(cls, section) -> dict:
        return {
            "title": section.title,
            "guidance": section.guidance,
            "theme": section.theme_id,
            "scaled": section.scaled,
        }


class QuestionForm(forms.Form):
    text = forms.CharField(
        label="Question",
        max_length=300,
        error_messages={"required": "Enter the question"},
    )
    kind = forms.ChoiceField(
        label="Kind of answer", choices=QuestionKind.choices, initial=QuestionKind.YES_NO_NA
    )
    choices = forms.CharField(
        label="Choices",
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="For a choice question only: one choice per line, at least two.",
    )
    help = forms.CharField(
        label="Hint (optional)",
        max_length=300,
        required=False,
        help_text="Shown under the question to help the auditor answer it.",
    )
    required = forms.BooleanField(
        label="The audit cannot be completed until this question is answered",
        required=False,
    )

    @classmethod
    def initial_for(cls, question) -> dict:
        return {
            "text": question.text,
            "kind": question.kind,
            "choices": "\n".join(question.choices or []),
            "help": question.help,
            "required": question.required,
        }

    def clean(self):
        data = super().clean()
        lines = [line.strip() for line in (data.get("choices") or "").splitlines()]
        lines = [line for line in lines if line]
        if data.get("kind") == QuestionKind.CHOICE:
            if len(lines) < 2:
                self.add_error("choices", "Enter at least two choices, one per line")
            elif len(set(lines)) != len(lines):
                self.add_error("choices", "Each choice must be different")
        data["choice_list"] = lines if data.get("kind") == QuestionKind.CHOICE else []
        return data


class PublishForm(forms.Form):
    notes = forms.CharField(
        label="What changed in this version",
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Shown on the version page, so auditors and managers know what is new.",
    )


class ImportForm(forms.Form):
    file = forms.FileField(
        label="Tools file (JSON)",
        help_text="A file exported from caseaudit (“Download the published tools” on the Audit "
        "tools page) or shared by another authority, up to 2 MB.",
        error_messages={"required": "Choose a tools file to upload"},
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_IMPORT_BYTES:
            raise forms.ValidationError("The file must be smaller than 2 MB")
        try:
            return json.loads(upload.read().decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise forms.ValidationError(f"The file is not valid JSON ({exc})") from exc


class BandsForm(forms.Form):
    """All the scaling bands in one form: for each band its name, lowest and highest score,
    guidance, urgent and "actions required" flags (fields named `<code>-<field>`)."""

    FIELDS = ("name", "min_score", "max_score", "guidance", "urgent", "actions_required")

    def __init__(self, *args, bands: list[ScalingBand], **kwargs):
        super().__init__(*args, **kwargs)
        self.bands = bands
        score = {
            "min_value": 0,
            "max_value": 10,
            "widget": forms.TextInput(
                attrs={"inputmode": "numeric", "class": "govuk-input--width-2"}
            ),
        }
        for band in bands:
            p = band.code
            self.fields[f"{p}-name"] = forms.CharField(
                label="Name",
                max_length=80,
                initial=band.name,
                error_messages={"required": f"Enter a name for the band {band.name}"},
            )
            for field, word in (("min_score", "lowest"), ("max_score", "highest")):
                self.fields[f"{p}-{field}"] = forms.IntegerField(
                    label=f"{word.capitalize()} score",
                    initial=getattr(band, field),
                    error_messages={
                        "required": f"Enter the {word} score of {band.name}",
                        "invalid": f"The {word} score of {band.name} must be a whole number",
                    },
                    **score,
                )
            self.fields[f"{p}-guidance"] = forms.CharField(
                label="Guidance",
                initial=band.guidance,
                widget=forms.Textarea(attrs={"rows": 3}),
                error_messages={"required": f"Enter the guidance for {band.name}"},
            )
            self.fields[f"{p}-urgent"] = forms.BooleanField(
                label="A scale in this band raises an urgent finding",
                required=False,
                initial=band.urgent,
            )
            self.fields[f"{p}-actions_required"] = forms.BooleanField(
                label="A section scaled in this band needs at least one restorative action",
                required=False,
                initial=band.actions_required,
            )

    def groups(self):
        """(band, {field: bound field}) for each band, for the template."""
        return [(b, {f: self[f"{b.code}-{f}"] for f in self.FIELDS}) for b in self.bands]

    def clean(self):
        data = super().clean()
        for band in self.bands:
            low, high = data.get(f"{band.code}-min_score"), data.get(f"{band.code}-max_score")
            if low is not None and high is not None and low > high:
                self.add_error(
                    f"{band.code}-max_score",
                    f"The highest score of {band.name} must not be below its lowest score",
                )
        if not self.errors:
            self._check_coverage(data)
        return data

    def _check_coverage(self, data) -> None:
        """Every score 0-10 in exactly one band: each error on the field that would fix it
        (the service checks the same again)."""
        spans = sorted(
            ((data[f"{b.code}-min_score"], data[f"{b.code}-max_score"], b) for b in self.bands),
            key=lambda span: span[:2],
        )
        expected = 0  # the lowest score not yet covered
        for low, high, band in spans:
            if low > expected:
                missing = ", ".join(str(n) for n in range(expected, low))
                self.add_error(
                    f"{band.code}-min_score",
                    f"No band covers {'score' if low - expected == 1 else 'scores'} {missing}: "
                    f"the lowest score of {band.name} should be {expected}",
                )
            elif low < expected:
                self.add_error(
                    f"{band.code}-min_score",
                    f"{band.name} overlaps the band below it: its lowest score should be "
                    f"{expected}",
                )
            expected = max(expected, high + 1)
        if spans and expected <= 10:
            band = spans[-1][2]
            self.add_error(
                f"{band.code}-max_score",
                f"No band covers the scores above {expected - 1}: "
                f"the highest score of {band.name} should be 10",
            )

    def band_values(self) -> list[dict]:
        data = self.cleaned_data
        return [
            {"code": b.code, **{f: data.get(f"{b.code}-{f}") for f in self.FIELDS}}
            for b in self.bands
        ]
