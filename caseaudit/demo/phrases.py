"""Phrase banks for the demo audits' sections: what is working well, what we are worried
about and what needs to happen, by tool and theme, in plausible British social-work recording.
Nobody is named: "{c}" is "the child", "the young person" or "the carers", "{C}" the same
capitalised (`texts.fill`)."""

# Keyed by (tool code, theme); ("*", theme) serves every tool without its own. Each bank has
# the three Signs of Safety columns:
W, R, N = "working_well", "worried_about", "needs_to_happen"
PHRASES = {
    ("*", "voice_of_child"): {
        W: [
            "{C} is seen alone on most visits and their wishes and feelings are recorded in "
            "their own words.",
            "Direct work using the Three Houses tool gives a clear picture of what {c} enjoys "
            "and what worries them.",
            "Visit records describe {c}'s daily routine, so the reader understands their lived "
            "experience.",
            "{C}'s views were shared at the last meeting and visibly shaped the plan.",
            "The worker has recorded careful observations of {c}'s non-verbal communication.",
            "{C} has an advocate and knows how to contact them.",
            "Letters to {c} explain decisions in language they can understand.",
        ],
        R: [
            "{C}'s views are summarised by adults rather than recorded in their own words.",
            "There is no record of {c} being seen alone in the last three visits.",
            "It is not clear how {c}'s wishes have influenced the plan.",
            "Direct work has not been repeated since the assessment, so the record may not "
            "reflect how {c} feels now.",
            "{C}'s worries about family time are mentioned once and not followed up.",
            "The record says little about {c}'s day-to-day life at school and at home.",
        ],
        N: [
            "See {c} alone at the next visit and record their views in their own words.",
            "Complete direct work with {c} before the next review and share it with the network.",
            "Show in the plan how {c}'s wishes have been considered.",
            "Offer {c} an advocate and record their decision.",
            "Follow up {c}'s worries about family time and record the outcome.",
        ],
    },
    ("*", "timeliness"): {
        W: [
            "Statutory visits have been completed within timescales throughout the period.",
            "The assessment was completed within 45 working days and led straight into a plan.",
            "Reviews have been held on time and the plan has been updated after each one.",
            "Core groups meet regularly and actions are tracked from one meeting to the next.",
            "Drift was identified early in supervision and the plan was refreshed promptly.",
        ],
        R: [
            "Two statutory visits were late and the reasons are not recorded.",
            "The plan has not been updated since the last review, so its actions are out of date.",
            "The assessment went beyond timescale without a recorded management decision.",
            "Actions from the last core group have no owners or dates.",
            "There is a gap of several weeks in the record with no explanation.",
        ],
        N: [
            "Update the plan with clear actions, owners and timescales.",
            "Record the reasons for late visits and agree a visiting schedule with the Practice "
            "Supervisor.",
            "Hold the overdue review and record the decisions made.",
            "Bring the chronology up to date and explain any gaps.",
            "Agree a timescale for the outstanding assessment in supervision.",
        ],
    },
    ("*", "quality_multiagency"): {
        W: [
            "School, health and the family support worker contribute to meetings and share "
            "information promptly.",
            "The health visitor's concerns were acted on quickly and recorded.",
            "Partner agencies are clear about their part of the plan.",
            "A strategy discussion was held with police and health and its decisions are recorded.",
            "The worker has built a good working relationship with the school's designated "
            "safeguarding lead.",
        ],
        R: [
            "School has not attended the last two meetings and this has not been escalated.",
            "Health information requested at assessment has not been received.",
            "Agencies' reports are not on file, so it is unclear what they contributed.",
            "It is not clear who is leading on the mental health referral.",
            "Information from police checks is referred to but not recorded.",
        ],
        N: [
            "Chase the outstanding health information and record the response.",
            "Escalate school's non-attendance at meetings through the appropriate route.",
            "Upload partner agency reports to the record.",
            "Agree who leads on the mental health referral and record it in the plan.",
            "Invite all agencies to the next meeting and circulate the minutes.",
        ],
    },
    ("*", "good_practice"): {
        W: [
            "There is clear evidence of the difference the work has made: {c}'s school "
            "attendance has improved.",
            "The family report that things feel calmer at home and the record shows why.",
            "{C} is now settled and says they feel safe.",
            "Parents have engaged with the parenting programme and the worker has recorded the "
            "progress.",
            "Risks have reduced and the plan has been stepped down appropriately.",
        ],
        R: [
            "The record describes activity but not whether anything has changed for {c}.",
            "Outcomes in the plan are not measurable, so progress is hard to judge.",
            "The same concerns have been recorded for several months without a change of approach.",
            "It is unclear whether the support offered has made a difference.",
        ],
        N: [
            "Write measurable outcomes into the plan and review progress against them.",
            "Record the impact of each intervention, not only the activity.",
            "Consider a different approach where the current plan is not making a difference.",
            "Ask {c} and the family what has changed for them and record it.",
        ],
    },
    ("*", "recording"): {
        W: [
            "Case notes are up to date, written in plain English and easy to follow.",
            "The chronology is current and tells the story of {c}'s journey.",
            "Recording is respectful and written as if {c} may read it one day.",
            "Documents are filed in the right place and named clearly.",
            "The case summary gives a clear picture of the family and the current plan.",
        ],
        R: [
            "Several case notes were recorded more than a week after the visit.",
            "The chronology stops some months ago.",
            "Some recording uses professional jargon that the family may not understand.",
            "The genogram is missing.",
            "Key documents, including the latest plan, are not uploaded.",
        ],
        N: [
            "Update the chronology so it shows the last three months.",
            "Record visits within the local standard of three working days.",
            "Complete the genogram with the wider family.",
            "Upload the signed plan and the latest meeting minutes.",
            "Write a case summary that tells {c}'s story so far.",
        ],
    },
    ("*", "learning_culture"): {
        W: [
            "Supervision is regular, reflective and its decisions are recorded on the file.",
            "Management oversight is evident at each key decision point.",
            "The Practice Supervisor's direction is clear and has been followed.",
            "Hypotheses are tested in supervision and the analysis has moved on as a result.",
        ],
        R: [
            "There is no recorded supervision in the last two months.",
            "Supervision records list actions but not the reasons for decisions.",
            "Management oversight of a key decision is not recorded.",
            "Actions from supervision are carried forward repeatedly without being completed.",
        ],
        N: [
            "Record supervision on the file within five working days.",
            "Record the manager's rationale for key decisions.",
            "Review the outstanding supervision actions and set realistic dates.",
            "Use the next supervision to reflect on progress against the plan.",
        ],
    },
    ("*", "risk_and_safety"): {
        W: [
            "The assessment analyses risk and protective factors clearly, using the family's "
            "own words.",
            "The safety plan is specific, agreed with the family and reviewed regularly.",
            "Danger statements and safety goals are clear and shared with the network.",
            "Risks from domestic abuse have been assessed and the safety network is strong.",
            "The worker responded promptly to new information and updated the risk assessment.",
        ],
        R: [
            "The assessment describes events but does not analyse what they mean for {c}'s safety.",
            "The safety plan relies on a parent's promise without a safety network around it.",
            "New concerns raised by school have not been reflected in the risk assessment.",
            "The impact of parental substance misuse on {c} is not explored.",
            "It is not clear whether checks were completed on the new adult in the household.",
        ],
        N: [
            "Update the risk assessment to reflect the new information.",
            "Build a safety network with the family and record who is in it.",
            "Complete checks on the new adult in the household.",
            "Write clear danger statements and safety goals with the family.",
            "Explore the impact of parental substance misuse on {c} and record the analysis.",
        ],
    },
    ("*", "identity_diversity"): {
        W: [
            "{C}'s culture, faith and language are recorded and considered in the plan.",
            "The worker used an interpreter so that the family could take part fully.",
            "{C}'s identity needs are understood and reflected in planning.",
            "Consideration of disability and communication needs is evident.",
        ],
        R: [
            "The record says little about {c}'s ethnicity, faith or culture.",
            "It is unclear whether the family needed an interpreter.",
            "{C}'s identity needs are not addressed in the plan.",
        ],
        N: [
            "Record {c}'s ethnicity, religion and first language and how they inform the plan.",
            "Arrange an interpreter for future meetings and record the family's preference.",
            "Add {c}'s identity needs to the plan.",
        ],
    },
    ("*", "carers_services"): {
        W: [
            "Supervising social worker visits are regular and well recorded, including an "
            "unannounced visit this year.",
            "The carers' training record is up to date, including safeguarding and first aid.",
            "The carers feel well supported and know how to get help out of hours.",
            "Supervision with the carers is reflective and focused on the children in placement.",
            "The carers' personal development plan is up to date.",
        ],
        R: [
            "There has been no unannounced visit in the last twelve months.",
            "Mandatory training has expired and there is no plan to renew it.",
            "Support needs raised by the carers at the last visit have not been followed up.",
            "Supervision notes do not record discussion of the children in placement.",
        ],
        N: [
            "Complete an unannounced visit and record it.",
            "Book the carers onto the outstanding training courses.",
            "Follow up the carers' request for respite and record the outcome.",
            "Update the carers' personal development plan.",
        ],
    },
    ("carers", "risk_and_safety"): {
        W: [
            "DBS checks and medical updates for the household are current.",
            "The health and safety checklist was completed at the last visit.",
            "The safer caring policy is up to date and reflects the children now in placement.",
        ],
        R: [
            "One adult's DBS update is overdue.",
            "The safer caring policy has not been reviewed since the last placement began.",
            "The household health and safety check is out of date.",
        ],
        N: [
            "Renew the overdue DBS check.",
            "Review the safer caring policy with the carers.",
            "Complete the outstanding household health and safety check.",
        ],
    },
    ("carers", "timeliness"): {
        W: [
            "The annual review was held on time and its recommendations went to Panel.",
            "Feedback from the children's social workers informed the review.",
        ],
        R: [
            "The annual review is overdue.",
            "The review did not include feedback from the children placed.",
        ],
        N: [
            "Hold the annual review and present it to Panel.",
            "Seek feedback from the children and their social workers for the review.",
        ],
    },
    ("carers", "voice_of_child"): {
        W: [
            "Children in placement were spoken to at the last visit and their views recorded.",
            "The carers' own children were consulted during the review.",
        ],
        R: [
            "There is no record of the children in placement being seen at supervisory visits.",
            "The views of the carers' own children are not recorded.",
        ],
        N: [
            "Speak to the children in placement at the next visit and record their views.",
            "Include the carers' own children in the annual review.",
        ],
    },
    ("carers", "recording"): {
        W: [
            "Supervisory visit notes are recorded promptly and signed.",
            "The carers' file is well organised and complete.",
        ],
        R: [
            "Several supervisory visit notes are unsigned.",
            "The carers' file is missing the latest Panel minutes.",
        ],
        N: [
            "Sign and upload the outstanding supervisory visit notes.",
            "File the latest Panel minutes.",
        ],
    },
    ("closure", "risk_and_safety"): {
        W: [
            "The reason for closure is clear and supported by the evidence.",
            "The closing assessment shows risks have reduced and protective factors are in place.",
        ],
        R: ["The closure summary does not explain why the risks have reduced."],
        N: ["Record the evidence that risks have reduced."],
    },
    ("closure", "quality_multiagency"): {
        W: [
            "Step-down to early help was agreed with the family and the lead professional is "
            "named.",
            "Partner agencies were told of the closure and know who to contact.",
        ],
        R: [
            "It is not clear that school was told of the closure.",
            "The step-down plan has no named lead professional.",
        ],
        N: [
            "Tell all agencies of the closure and record that they were told.",
            "Name the lead professional for the step-down plan.",
        ],
    },
    ("closure", "voice_of_child"): {
        W: ["{C} and the family were asked about closure and their views are recorded."],
        R: ["{C}'s view of closure is not recorded."],
        N: ["Record {c}'s and the family's views on closure."],
    },
    ("closure", "recording"): {
        W: ["The manager's decision to close is recorded with a clear rationale."],
        R: ["The closure decision has not been signed off by a manager."],
        N: ["Record the manager's authorisation of the closure."],
    },
    ("iro", "learning_culture"): {
        W: [
            "The IRO's footprint is visible between reviews, including a midway check on the plan.",
            "The IRO challenged drift in the permanence plan and the challenge was resolved.",
        ],
        R: [
            "There is no record of IRO contact between reviews.",
            "A concern the IRO raised has not been taken through the dispute resolution process.",
        ],
        N: [
            "Record a midway review of progress on the plan.",
            "Escalate the unresolved concern through the dispute resolution process.",
        ],
    },
    ("iro", "timeliness"): {
        W: [
            "The review was held within timescale and the minutes were sent within 20 working "
            "days.",
            "Recommendations from the last review have been completed.",
        ],
        R: [
            "The review minutes were sent late.",
            "Two recommendations from the last review are outstanding.",
        ],
        N: ["Circulate the review minutes.", "Complete the outstanding review recommendations."],
    },
    ("iro", "voice_of_child"): {
        W: [
            "{C} chaired part of their own review and their views led the discussion.",
            "{C} met the IRO before the review.",
        ],
        R: ["{C} did not attend or contribute to the review and the reason is not recorded."],
        N: ["Meet {c} before the next review to prepare them."],
    },
    ("iro", "quality_multiagency"): {
        W: ["The permanence plan was agreed at the second review and is on track."],
        R: ["There is no agreed permanence plan."],
        N: ["Agree a permanence plan at the next review."],
    },
    ("cp-chair", "timeliness"): {
        W: [
            "The conference was held within 15 working days of the strategy discussion.",
            "The review conference was held on time.",
        ],
        R: ["The initial conference was held outside timescale."],
        N: ["Hold review conferences within timescale."],
    },
    ("cp-chair", "quality_multiagency"): {
        W: [
            "Reports were shared with parents before conference.",
            "All core agencies attended and submitted reports.",
        ],
        R: [
            "The social work report was not shared with parents two working days before "
            "conference.",
            "Health did not submit a report.",
        ],
        N: [
            "Share reports with parents before conference.",
            "Request reports from all agencies in advance.",
        ],
    },
    ("cp-chair", "voice_of_child"): {
        W: ["{C}'s views were brought to conference by the worker and an advocate."],
        R: ["{C}'s views were not presented at conference."],
        N: ["Bring {c}'s views to the next conference."],
    },
    ("cp-chair", "risk_and_safety"): {
        W: ["The child protection plan is specific and its outcomes are measurable."],
        R: ["The plan's actions are generic and not linked to the identified risks."],
        N: ["Rewrite the plan's actions so each addresses an identified risk."],
    },
    ("cp-chair", "learning_culture"): {
        W: ["The chair's midway review found the plan on track."],
        R: ["There is no record of the chair's oversight between conferences."],
        N: ["Complete a midway review of the plan."],
    },
    ("tac", "quality_multiagency"): {
        W: [
            "The Early Help Assessment was completed with the family and reflects their strengths.",
            "The lead professional is named and the family know them well.",
        ],
        R: [
            "The TAC plan has no named lead professional.",
            "The Early Help Assessment has not been updated in six months.",
        ],
        N: [
            "Name a lead professional and record it in the TAC plan.",
            "Update the Early Help Assessment with the family.",
        ],
    },
    ("tac", "timeliness"): {
        W: ["TAC meetings are held every six weeks and actions are reviewed."],
        R: ["The last TAC meeting was three months ago."],
        N: ["Hold a TAC meeting and review the plan."],
    },
}
