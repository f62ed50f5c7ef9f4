"""The demo audits' other texts: narrative, family contact, urgent findings, actions, and the
helpers that fill them in. As in `phrases`, "{c}" is the child (or the young person, or the
carers) and "{C}" the same capitalised."""

VOICE_OF_CHILD = [
    "{C}'s voice is clear throughout the record: their own words are quoted after most visits.",
    "{C} has been seen alone regularly; their wishes about family time are recorded and were "
    "acted on.",
    "The record relies on adults' accounts of how {c} feels; direct work is needed.",
    "Direct work shows {c} feels safest at their grandparents' home, and the plan reflects this.",
    "{C}'s views are recorded, but it is not clear how they shaped decisions.",
    "{C} communicates mainly through behaviour; the worker has recorded observations carefully.",
    "{C} has said they want fewer professionals in their life; this has been discussed with the "
    "network.",
    "There is limited evidence of {c} being seen alone since the assessment.",
]
VOICE_OF_CHILD_CARERS = [
    "The children in placement say they feel welcome and part of the family.",
    "The views of the children placed were gathered at the last visit and are positive.",
    "The carers' own children were not consulted this year; their views should be sought.",
    "A child in placement told the supervising social worker they would like more time with "
    "their brother; the carers are helping to arrange it.",
]
CHILD_VIEWS = [
    "“I like my foster carer, she listens to me.”",
    "“I want to see my dad more.”",
    "“My social worker is nice but they keep changing.”",
    "“School is better now. I have friends.”",
    "“I don't like the meetings, there are too many people.”",
    "“I feel safe at home now.”",
    "“I want to stay where I am.”",
    "“Nobody asked me what I wanted.”",
    "“It's OK. I just want things to be normal.”",
]
FAMILY_VIEWS = {  # by satisfaction: pleased, mixed, unhappy
    "pleased": [
        "“The social worker always explains what is happening and why.”",
        "“Things are calmer at home since the family support worker started.”",
        "“They helped us with the housing application, which made a big difference.”",
        "“I would recommend the service to other families.”",
    ],
    "mixed": [
        "“The meetings are hard, but I understand why they are needed.”",
        "“We would like more notice before visits.”",
        "“It has helped, but I wish we had got support sooner.”",
    ],
    "unhappy": [
        "“I didn't know who my new social worker was when the last one left.”",
        "“I feel the plan doesn't show how far we've come.”",
        "“Nobody came back to me after I asked for help.”",
    ],
}
FAMILY_VIEWS_CARERS = {
    "pleased": [
        "“Our supervising social worker is always at the end of the phone.”",
        "“The support group has been a lifeline.”",
    ],
    "mixed": [
        "“We would like more training on managing behaviour.”",
        "“Respite would help us keep going.”",
    ],
    "unhappy": [
        "“We waited weeks for a reply about the placement plan.”",
        "“Nobody told us the child's social worker had changed.”",
    ],
}
NO_CONTACT_VIEWS = "No reply to two telephone calls and a letter."
GOOD_PRACTICE = [
    "Excellent direct work with {c}: the Three Houses tool brought their voice into every "
    "decision.",
    "A well-written, child-centred chronology that other workers could learn from.",
    "Strong partnership with school, which improved {c}'s attendance.",
    "Timely and thorough response to new concerns, with clear management oversight.",
    "The safety plan was written with the family in their own words and is working.",
    "Respectful recording that {c} could read without being hurt by it.",
    "Creative work to keep {c} in touch with their brothers and sisters.",
    "Clear, reflective supervision that moved the plan on.",
    "The worker advocated well for {c}'s education and secured extra support at school.",
    "Thoughtful life-story work that helps {c} understand their history.",
]
GOOD_PRACTICE_CARERS = [
    "The supervising social worker's support helped the carers through a difficult placement.",
    "An exemplary carers' file: complete, current and easy to follow.",
    "The carers' commitment to keeping the children in touch with their birth family is "
    "outstanding.",
]
SERIOUS_DETAILS = [
    "Concerns about a new adult in the household have not been assessed.",
    "{C} disclosed harm at school; it is recorded but no strategy discussion followed.",
    "Missing episodes are increasing and there is no return home interview on file.",
    "Risk of exploitation is indicated in police information but has not been assessed.",
    "The safety plan depends on a parent who has not engaged for two months.",
    "Repeated missed health appointments have not been followed up.",
]
ACTIONS_TAKEN = [
    "Case discussed with the worker the same day; a strategy discussion has been convened.",
    "Home visit completed within 24 hours; {c} seen alone and safe. Risk assessment updated.",
    "Case reviewed in supervision and transferred to a more experienced worker.",
    "Checks completed on the new adult in the household; safety plan updated with the family.",
    "Escalated to the Children's Service Manager; a legal planning meeting is booked.",
    "Return home interview arranged and exploitation screening completed.",
    "Plan reviewed with partners at an early core group; health appointments rebooked.",
    "Supervision held the next morning and the plan rewritten with clear timescales.",
]
SUMMARY_OPENINGS = {
    "inadequate": [
        "Practice on this case is inadequate and urgent findings have been raised.",
        "Serious concerns: the Team Manager has been asked to review the case urgently.",
    ],
    "requires": [
        "Practice requires improvement.",
        "The record shows some good work, but practice requires improvement in key areas.",
    ],
    "good": [
        "Good practice overall, with some areas to strengthen.",
        "A good standard of practice: {c}'s needs are understood and the plan is progressing.",
    ],
    "outstanding": [
        "An outstanding record of practice.",
        "Practice on this case is of a very high standard.",
    ],
}
REOPEN_REASONS = [
    "The overall scale does not match the findings in the sections.",
    "The restorative actions need owners who still work in the team.",
    "The summary leaves out the concerns raised about recording.",
    "The family contact section was not completed.",
]
RESOLUTIONS = [
    "Done and recorded on the case file.",
    "Completed at the last visit; see the case note of that day.",
    "Uploaded and checked.",
    "Discussed in supervision and the plan updated.",
    "Completed with the family and shared with the network.",
]
EVIDENCE = {
    "yes": [
        "See the case note of the last visit.",
        "Recorded in the plan.",
        "Evidenced in the supervision notes.",
        "Meeting minutes are on file.",
    ],
    "no": [
        "Not evidenced in the record.",
        "The last entry is some months old.",
        "Referred to but not on file.",
        "Not recorded since the assessment.",
    ],
}
CONTACT_METHODS = ["phone"] * 10 + ["visit"] * 4 + ["video"] * 3 + ["email"] * 2 + ["letter"]


def fill(text: str, term: str) -> str:
    """The text with "{c}" and "{C}" replaced by `term` ("the child", ...)."""
    return text.replace("{C}", term[0].upper() + term[1:]).replace("{c}", term)


def band_kind(scale: int) -> str:
    """The band (of the practice quality scale) a scale of 0-10 is in, as the texts call it."""
    if scale <= 2:
        return "inadequate"
    if scale <= 5:
        return "requires"
    if scale <= 8:
        return "good"
    return "outstanding"
