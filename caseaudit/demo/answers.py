"""What an auditor fills in besides the sections: the answers to a tool's questions and the
family contact fields. Functions of a `writer.Writer` (its random source, calendar and rows),
called in the order the writer's random draws require."""

import datetime as dt

from caseaudit.audits.models import QuestionAnswer

from .texts import (
    CHILD_VIEWS,
    CONTACT_METHODS,
    EVIDENCE,
    FAMILY_VIEWS,
    FAMILY_VIEWS_CARERS,
    NO_CONTACT_VIEWS,
)

# Why contact with the family was not appropriate (the audit records the reason).
NOT_APPROPRIATE_REASONS = (
    "Care proceedings are under way: legal advice is not to contact the family directly.",
    "The young person asked that their family is not contacted.",
    "The family have moved out of the area and the case is transferring.",
    "The carers are on a planned break; contact is arranged for the next review.",
)


def question_rows(w, audit_id, questions, level, case, day, *, required, only_required) -> None:
    """Answers to the section's questions (yes/no/n.a. with evidence, dates, choices, text):
    the better the practice (`level`, 0-10), the more often the good answer. Those in
    `required` are always answered; with `only_required`, only they are."""
    rnd, choice = w.rnd, w.choice
    add, seq = w.questions.rows.append, w.seq[QuestionAnswer]
    p_yes = 0.41 + 0.06 * level  # after 6% "not applicable"
    yes_evidence, no_evidence = EVIDENCE["yes"], EVIDENCE["no"]
    texts = None
    for question_id, kind, choices in questions:
        must = question_id in required
        if only_required and not must:
            continue
        if rnd() < 0.04 and not must:
            continue  # left blank
        evidence = ""
        if kind == "yes_no_na":
            r = rnd()
            if r < 0.06:
                answer = "na"
            elif r < p_yes:
                answer = "yes"
                if rnd() < 0.2:
                    evidence = choice(yes_evidence)
            else:
                answer = "no"
                if rnd() < 0.55:
                    evidence = choice(no_evidence)
        elif kind == "date":
            span = min(max(1, (day - case.opened).days), 120)
            answer = (day - dt.timedelta(days=1 + int(rnd() * span))).isoformat()
        elif kind == "choice":
            if not choices:
                continue  # (a choice question always has two or more)
            # Better practice, more often the first (best) answers.
            top = len(choices) if level < 6 else max(1, len(choices) - level // 3)
            answer = choices[int(rnd() * top)]
        else:
            if texts is None:
                texts = w.texts("*", "good_practice", case.term)
            answer = choice(texts[0 if level >= 6 else 1])
        add((next(seq), audit_id, question_id, answer, evidence))


def contact_fields(w, case, plan, sittings, overall) -> tuple:
    """The family contact fields (`fields.FAMILY_CONTACT_FIELDS`): contact_made .. satisfaction.
    Contact made or tried names who and how; not appropriate, why (`completion_rules`)."""
    rng = w.rng
    first_day = w.local_date(sittings[0][0])
    last_day = w.local_date(sittings[-1][1][-1])
    if plan.draft and rng.random() < 0.5:
        return ("", "", "", "", None, "", "", "", "", "", None)
    r = rng.random()
    made = "yes" if r < 0.65 else "attempted" if r < 0.8 else "not_appropriate"
    if made == "not_appropriate":
        why = rng.choice(NOT_APPROPRIATE_REASONS)
        return (made, why, "", "", None, "", "", "", "", "", None)
    relationship = case.relationship or ("Carer" if case.is_carer else "Parent")
    if case.is_carer:
        who = rng.choice(("Both carers", "The lead carer"))
    else:
        who = rng.choice(("The main carer", "The main carer", "A parent", "Both parents"))
    on = w.cal.between(rng, first_day, last_day) or last_day
    method = rng.choice(CONTACT_METHODS)
    r = rng.random()
    told = "yes" if r < 0.75 else "no" if r < 0.85 else "unknown"
    checked = "yes" if rng.random() < 0.85 else "no"
    if made == "attempted":
        return (made, "", who, relationship, on, method, told, checked, "", NO_CONTACT_VIEWS, None)
    mood = "pleased" if overall >= 7 else "mixed" if overall >= 4 else "unhappy"
    if rng.random() < 0.2:
        mood = rng.choice(("pleased", "mixed", "unhappy"))
    satisfaction = {
        "pleased": rng.choice((4, 4, 5, 5)),
        "mixed": rng.choice((3, 3, 4)),
        "unhappy": rng.choice((1, 2, 2)),
    }[mood]
    child_views = ""
    if case.speaks and rng.random() < 0.6:
        child_views = rng.choice(CHILD_VIEWS)
    views = FAMILY_VIEWS_CARERS if case.is_carer else FAMILY_VIEWS
    return (
        made,
        "",
        who,
        relationship,
        on,
        method,
        told,
        checked,
        child_views,
        rng.choice(views[mood]),
        satisfaction,
    )
