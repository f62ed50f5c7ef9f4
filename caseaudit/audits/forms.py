"""The audit form: one page of the audit at a time (`tasklist`), built from the tool
version's sections and questions.

Field names follow `fields` (`s<section id>-scale`, `q<question id>-answer`, ...) so the
services' validation errors land on the right field. Restorative actions are a formset
(prefix "actions") with blank rows to fill in.
"""

from django import forms

from caseaudit.audit_tools.models import QuestionKind
from caseaudit.core.widgets import FastSelect
from caseaudit.organisation.selectors import staff_for_user

from . import fields, start_rules
from .models import (
    AuditReason,
    ContactMade,
    ContactMethod,
    Satisfaction,
    YesNo,
    YesNoUnknown,
)
from .selectors import QUESTION_ANSWER_LABELS
from .services import AUDIT_FIELDS

SCALE_CHOICES = [(i, str(i)) for i in range(11)]
YES_NO_NA_CHOICES = list(QUESTION_ANSWER_LABELS.items())
ACTIONS_PREFIX = "actions"
BLANK_ACTION_ROWS = 3
MAX_BLANK_ACTION_ROWS = 30


class DateInput(forms.DateInput):
    """An ISO date input (the browser's date picker; "2026-03-01" without one)."""

    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(
            attrs={"class": "govuk-input--width-10", **(attrs or {})}, format="%Y-%m-%d"
        )


def _textarea(rows: int = 4) -> forms.Textarea:
    return forms.Textarea(attrs={"rows": rows})


def _date_field(label: str, **kwargs) -> forms.DateField:
    return forms.DateField(
        label=label,
        required=False,
        widget=DateInput,
        error_messages={"invalid": f"{label} must be a real date"},
        **kwargs,
    )


def _scale_field(label: str) -> forms.TypedChoiceField:
    return forms.TypedChoiceField(
        label=label,
        choices=SCALE_CHOICES,
        coerce=int,
        empty_value=None,
        required=False,
        widget=forms.RadioSelect,
    )


class AuditForm(forms.Form):
    revision = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    voice_of_child = forms.CharField(
        label="The voice of the child",
        required=False,
        widget=_textarea(6),
        help_text="Is the child seen and heard? Are their wishes and feelings, in their own "
        "words, recorded and used to shape the plan?",
    )
    contact_made = forms.ChoiceField(
        label="Was contact made with the child or family?",
        choices=ContactMade.choices,
        required=False,
        widget=forms.RadioSelect,
    )
    contact_not_appropriate_reason = forms.CharField(
        label="If contact was not appropriate, why not",
        required=False,
        widget=_textarea(3),
    )
    who_contacted = forms.CharField(
        label="Who was contacted (or who you tried to contact)", required=False, max_length=150
    )
    contact_relationship = forms.CharField(
        label="Their relationship to the child", required=False, max_length=80
    )
    contacted_on = _date_field("Date of contact")
    contact_method = forms.ChoiceField(
        label="How (or how you tried)",
        choices=ContactMethod.choices,
        required=False,
        widget=forms.RadioSelect,
    )
    key_worker_told_family = forms.ChoiceField(
        label="Did the key worker tell the family beforehand that they would be contacted?",
        choices=YesNoUnknown.choices,
        required=False,
        widget=forms.RadioSelect,
    )
    contact_details_checked = forms.ChoiceField(
        label="Were the contact details on the record checked and correct?",
        choices=YesNo.choices,
        required=False,
        widget=forms.RadioSelect,
    )
    child_views = forms.CharField(
        label="The child's views, in their own words", required=False, widget=_textarea(4)
    )
    family_views = forms.CharField(
        label="The family's views, in their own words", required=False, widget=_textarea(4)
    )
    satisfaction = forms.TypedChoiceField(
        label="How satisfied are they with the service?",
        choices=Satisfaction.choices,
        coerce=int,
        empty_value=None,
        required=False,
        widget=forms.RadioSelect,
    )
    good_practice = forms.CharField(
        label="Good practice to feed back",
        required=False,
        widget=_textarea(5),
        help_text="Work that made a difference to the child, to share with the worker and team.",
    )
    serious_safeguarding = forms.BooleanField(
        label="There is a serious safeguarding issue that a manager must know about now",
        required=False,
    )
    serious_safeguarding_detail = forms.CharField(
        label="Describe the serious safeguarding issue", required=False, widget=_textarea(4)
    )
    overall_scale = _scale_field("Overall scale")
    summary = forms.CharField(
        label="Summary",
        required=False,
        widget=_textarea(6),
        help_text="The audit's overall findings, in a few sentences the worker and their "
        "supervisor will read first.",
    )

    def __init__(self, *args, page, **kwargs):
        """One page of the audit (`tasklist.Page`): its own fields only, and for a section
        page the section's columns, scale and questions."""
        super().__init__(*args, **kwargs)
        self.page = page
        keep = {"revision", *page.field_names}
        for name in list(self.fields):
            if name not in keep:
                del self.fields[name]
        self.sections = [page.item.section] if page.item is not None else []
        self.section_field_names: list[str] = []
        for section in self.sections:
            for name, label in (
                ("working_well", "What is working well"),
                ("worried_about", "What are we worried about"),
                ("needs_to_happen", "What needs to happen"),
            ):
                key = fields.section_field(section.pk, name)
                self.fields[key] = forms.CharField(label=label, required=False, widget=_textarea(6))
                self.section_field_names.append(key)
            if section.scaled:
                key = fields.section_field(section.pk, "scale")
                self.fields[key] = _scale_field("Scale")
                self.section_field_names.append(key)
            for question in section.questions.all():
                key = fields.question_field(question.pk, "answer")
                self.fields[key] = self._question_field(question)
                self.section_field_names.append(key)
                if question.kind == QuestionKind.YES_NO_NA:
                    evidence = fields.question_field(question.pk, "evidence")
                    self.fields[evidence] = forms.CharField(
                        label="Evidence", required=False, widget=_textarea(2)
                    )
                    self.section_field_names.append(evidence)

    @staticmethod
    def _question_field(question) -> forms.Field:
        label = question.text
        field: forms.Field
        if question.kind == QuestionKind.YES_NO_NA:
            field = forms.ChoiceField(
                label=label, choices=YES_NO_NA_CHOICES, required=False, widget=forms.RadioSelect
            )
        elif question.kind == QuestionKind.CHOICE:
            field = forms.ChoiceField(
                label=label,
                choices=[(c, c) for c in question.choices or []],
                required=False,
                widget=forms.RadioSelect,
            )
        elif question.kind == QuestionKind.DATE:
            field = _date_field(label)
        else:
            field = forms.CharField(label=label, required=False, widget=_textarea(3))
        if question.required:
            # Saved drafts may leave it blank; completing the audit needs it (completion_rules).
            field.help_text = "Answer this to complete the audit."
        return field

    def section_row(self) -> dict | None:
        """A section page's section with its bound fields, for the template."""
        item = self.page.item
        if item is None:
            return None
        pk = item.section.pk
        scale = fields.section_field(pk, "scale")
        return {
            "item": item,
            "columns": [
                self[fields.section_field(pk, name)]
                for name in ("working_well", "worried_about", "needs_to_happen")
            ],
            "scale": self[scale] if scale in self.fields else None,
            "questions": [
                {
                    "item": q,
                    "answer": self[fields.question_field(q.question.pk, "answer")],
                    "evidence": self[evidence]
                    if (evidence := fields.question_field(q.question.pk, "evidence")) in self.fields
                    else None,
                }
                for q in item.questions
            ],
        }

    def field_names_in_page_order(self) -> list[str]:
        """The page's fields in the order they are shown (a page's actions come after)."""
        return [*self.section_field_names, *self.page.field_names]

    def to_data(self) -> dict:
        """The cleaned page as `services.audit_save`'s `data` (without the actions): only this
        page's fields, so the rest of the audit is left as it is."""
        cd = self.cleaned_data
        data = {name: cd.get(name) for name in AUDIT_FIELDS if name in self.fields}
        if not self.sections:
            return data
        data["sections"] = {}
        data["questions"] = {}
        for section in self.sections:
            values = {
                name: cd.get(fields.section_field(section.pk, name))
                for name in ("working_well", "worried_about", "needs_to_happen")
            }
            if section.scaled:
                values["scale"] = cd.get(fields.section_field(section.pk, "scale"))
            data["sections"][section.pk] = values
            for question in section.questions.all():
                values = {"answer": cd.get(fields.question_field(question.pk, "answer"))}
                if question.kind == QuestionKind.YES_NO_NA:
                    values["evidence"] = cd.get(fields.question_field(question.pk, "evidence"))
                data["questions"][question.pk] = values
        return data


def audit_form_initial(document) -> dict:
    """The form's initial values from the saved audit (`selectors.audit_document`)."""
    audit = document.audit
    initial = {name: getattr(audit, name) for name in AUDIT_FIELDS}
    initial["revision"] = audit.revision
    for item in document.sections:
        answer = item.answer
        if answer is not None:
            for name in ("working_well", "worried_about", "needs_to_happen", "scale"):
                initial[fields.section_field(item.section.pk, name)] = getattr(answer, name)
        for q in item.questions:
            if q.answer is not None:
                initial[fields.question_field(q.question.pk, "answer")] = q.answer.answer
                initial[fields.question_field(q.question.pk, "evidence")] = q.answer.evidence
    return initial


class ActionForm(forms.Form):
    id = forms.IntegerField(required=False, widget=forms.HiddenInput)
    description = forms.CharField(label="Action", required=False, widget=_textarea(2))
    owner = forms.TypedChoiceField(label="Who", coerce=int, empty_value=None, required=False)
    due_on = _date_field("By when")
    section = forms.TypedChoiceField(
        label="For which section", coerce=int, empty_value=None, required=False
    )
    remove = forms.BooleanField(label="Remove this action", required=False)

    def __init__(self, *args, owner_choices, default_owner=None, section_choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].choices = [("", "Choose who")] + owner_choices
        self.fields["section"].choices = [("", "The audit as a whole"), *section_choices]
        if default_owner is not None:
            self.fields["owner"].initial = default_owner


def action_formset(
    *, data=None, actions, owners, default_owner, blank_rows=BLANK_ACTION_ROWS, sections=()
):
    """The restorative actions as rows: one per saved action, then `blank_rows` empty ones
    (whose owner is preset to the case's allocated worker). `sections` (the tool version's)
    are the sections an action can be for: the scaled ones."""
    formset_class = forms.formset_factory(ActionForm, extra=blank_rows)
    initial = [
        {
            "id": a.pk,
            "description": a.description,
            "owner": a.owner_id,
            "due_on": a.due_on,
            "section": a.section_id,
        }
        for a in actions
    ]
    return formset_class(
        data,
        prefix=ACTIONS_PREFIX,
        # A posted form is read as posted: no initial values from the database. The page may
        # have been rendered before an autosave created its actions (INITIAL_FORMS still 0),
        # and a row equal to a saved action would then count as an unchanged blank row and
        # the action be removed.
        initial=None if data is not None else initial,
        form_kwargs={
            "owner_choices": [(s.pk, s.name) for s in owners],
            "default_owner": default_owner,
            "section_choices": [
                (s.pk, f"{n}. {s.title}") for n, s in enumerate(sections, start=1) if s.scaled
            ],
        },
    )


def action_rows(formset) -> list[dict]:
    """The cleaned formset as `services.audit_save`'s `data["actions"]`."""
    rows = []
    for form in formset.forms:
        cd = getattr(form, "cleaned_data", None) or {}
        if not cd or cd.get("remove"):
            continue
        rows.append(
            {
                "key": form.prefix,
                "id": cd.get("id"),
                "description": cd.get("description", ""),
                "owner_id": cd.get("owner"),
                "due_on": cd.get("due_on"),
                "section_id": cd.get("section"),
            }
        )
    return rows


class StartForm(forms.Form):
    tool = forms.ChoiceField(label="Audit tool", widget=forms.RadioSelect)
    reason = forms.ChoiceField(
        label="Why are you auditing this case?",
        choices=AuditReason.choices,
        initial=AuditReason.PERMISSIVE,
        widget=FastSelect,  # on every case page: written without a template per option
    )

    def __init__(self, *args, tools, reasons=None, **kwargs):
        """`reasons` (value, label): those that go with at least one of `tools`
        (`start_rules.reasons_for`); all of them when not given."""
        super().__init__(*args, **kwargs)
        self.fields["tool"].choices = [(t.code, t.name) for t in tools]
        self.fields["tool"].error_messages["required"] = "Choose an audit tool"
        self.fields["tool"].error_messages["invalid_choice"] = "Choose an audit tool"
        if len(tools) == 1:
            self.fields["tool"].initial = tools[0].code
        if reasons is not None:
            self.fields["reason"].choices = reasons
            values = [value for value, _label in reasons]
            if values and AuditReason.PERMISSIVE not in values:
                self.fields["reason"].initial = values[0]
        self.fields["reason"].error_messages["invalid_choice"] = (
            "Choose why you are auditing the case"
        )


class DiscardForm(forms.Form):
    """The auditor's "discard this draft": why, and the revision they were shown."""

    revision = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    reason = forms.CharField(
        label="Why are you discarding this draft?",
        widget=_textarea(3),
        max_length=1000,
        help_text="For example: started on the wrong case, or with the wrong tool or reason. "
        "The reason is kept in the case’s history.",
        error_messages={"required": "Enter why you are discarding this draft"},
    )


class ReopenForm(forms.Form):
    reason = forms.CharField(
        label="Why are you reopening this audit?",
        widget=_textarea(3),
        error_messages={"required": "Enter why you are reopening the audit"},
    )


class AcknowledgeForm(forms.Form):
    action_taken = forms.CharField(
        label="Action taken",
        widget=_textarea(4),
        help_text="What you have done, or arranged, about this finding.",
        error_messages={"required": "Enter the action taken"},
    )


class WithdrawFindingForm(forms.Form):
    reason = forms.CharField(
        label="Why was this finding raised in error?",
        widget=_textarea(4),
        help_text="Everyone told about the finding is told it was withdrawn. They read your "
        "reason here, not in their email.",
        error_messages={"required": "Enter why the finding was raised in error"},
    )


class CompleteForm(forms.Form):
    """The check-answers page's "Complete audit": the revision the auditor checked."""

    revision = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class ConfirmAlertForm(forms.Form):
    """The auditor's yes to "this will alert ... now": the revision they were shown."""

    revision = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    intent = forms.ChoiceField(
        choices=[("save", "Save draft"), ("complete", "Complete")], widget=forms.HiddenInput
    )


def start_form_for(*, user, case) -> StartForm | None:
    """The "Start an audit" form for the case page, or None when the user may not audit it."""
    from .selectors import audit_start_options

    tools = audit_start_options(user=user, case=case)
    if not tools:
        return None
    return StartForm(tools=tools, reasons=start_reasons(user=user, case=case, tools=tools))


def start_reasons(*, user, case, tools) -> list[tuple[str, str]]:
    """The start form's reasons for `user` (`start_rules.reasons_for`)."""
    staff = staff_for_user(user)
    if staff is None:
        return []
    return start_rules.reasons_for(staff=staff, case=case, tools=tools)
