from pathlib import PurePath

from django import forms

from caseaudit.organisation.models import Team

from .models import ImportFormat
from .parsers.common import XLSX_MAGIC

MAX_UPLOAD_BYTES = 20 * 1024 * 1024
CSV_TYPES = frozenset(
    {
        "text/csv",
        "text/plain",
        "text/x-csv",
        "application/csv",
        "application/x-csv",
        "application/vnd.ms-excel",  # what Windows browsers send for .csv
        "application/octet-stream",
    }
)
XLSX_TYPES = frozenset(
    {
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "application/octet-stream",
        "application/zip",
        "application/x-zip-compressed",
    }
)


def check_upload(upload, *, allowed=("csv", "xlsx")):
    """Refuse a file that is too big, or whose extension, declared type or content do not fit."""
    if upload is None:
        return upload
    if upload.size > MAX_UPLOAD_BYTES:
        raise forms.ValidationError(
            f"The file must be smaller than {MAX_UPLOAD_BYTES // (1024 * 1024)} MB"
        )
    if upload.size == 0:
        raise forms.ValidationError("The selected file is empty")
    extension = PurePath(upload.name).suffix.lower().lstrip(".")
    if extension not in allowed:
        raise forms.ValidationError(
            f"The selected file must be a {' or '.join(e.upper() for e in allowed)} file"
        )
    content_type = (upload.content_type or "").split(";")[0].strip().lower()
    upload.seek(0)
    head = upload.read(4096)
    upload.seek(0)
    if extension == "xlsx":
        if content_type not in XLSX_TYPES or head[:4] != XLSX_MAGIC:
            raise forms.ValidationError("The selected file is not an Excel workbook (.xlsx)")
    elif content_type not in CSV_TYPES or head[:4] == XLSX_MAGIC or b"\x00" in head:
        raise forms.ValidationError("The selected file is not a CSV text file")
    return upload


class StaffImportForm(forms.Form):
    file = forms.FileField(
        label="Staff list",
        help_text="A CSV file (or Excel workbook) with the columns of the staff template.",
        error_messages={"required": "Select a staff list"},
    )
    full = forms.BooleanField(
        label="This is the whole workforce: mark anyone not in the file as left",
        required=False,
    )
    # The box "Create these teams and service areas": shown with the names once a check of the
    # file has found teams or service areas that do not exist (`imports/_new_places.html`). Its
    # value is the signed agreement to exactly those names, for this file and this person
    # (`caseaudit.imports.new_places`); the import checks it.
    allow_new_teams = forms.CharField(required=False, max_length=500_000)
    dry_run = forms.BooleanField(label="Check only (dry run): change nothing", required=False)

    def clean_file(self):
        return check_upload(self.cleaned_data.get("file"))


FORMAT_CHOICES = [
    ("", "Work it out from the file"),
    (ImportFormat.CSV.value, "Case list template (CSV or Excel)"),
    (ImportFormat.ANNEX_A.value, "Ofsted Annex A workbook (Lists 6 to 9)"),
    (ImportFormat.SSDA903.value, "SSDA903 header and episodes tables"),
]


class CaseImportForm(forms.Form):
    file = forms.FileField(
        label="Case list",
        help_text="The case list template, an Annex A workbook or an SSDA903 header table.",
        error_messages={"required": "Select a case list"},
    )
    source_format = forms.ChoiceField(label="Format", choices=FORMAT_CHOICES, required=False)
    episodes = forms.FileField(
        label="SSDA903 episodes table",
        help_text="For SSDA903 only: the episodes CSV that goes with the header table.",
        required=False,
    )
    team = forms.ModelChoiceField(
        label="Team for cases the file gives no team",
        help_text="Required for SSDA903; used by Annex A rows whose team is empty or #N/A. "
        "Existing cases keep their team.",
        queryset=Team.objects.none(),
        required=False,
        empty_label="None",
    )
    dry_run = forms.BooleanField(label="Check only (dry run): change nothing", required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["team"].queryset = Team.objects.select_related("service_area").order_by("name")
        self.fields["team"].label_from_instance = lambda team: (
            f"{team.name} ({team.service_area.name})"
        )

    def clean_file(self):
        return check_upload(self.cleaned_data.get("file"))

    def clean_episodes(self):
        return check_upload(self.cleaned_data.get("episodes"), allowed=("csv",))

    def clean(self):
        data = super().clean()
        if data.get("source_format") == ImportFormat.SSDA903:
            if not data.get("episodes") and "episodes" not in self.errors:
                self.add_error("episodes", "Select the SSDA903 episodes table")
            if not data.get("team") and "team" not in self.errors:
                self.add_error("team", "Choose the team for the looked-after children")
        return data
