"""The demo authority: synthetic data for demonstration, development and benchmarks.

Not part of the product's domain: it sits in the top layer and drives the domain apps (their
models in bulk, their services where a step is a real workflow); no domain app imports it.

- `authority`: the demo's fixed facts (scales, logins, password, marker);
- `organisation`: service areas, teams, staff and cases (fake names, fixed seed);
- `history` (with `planner`, `county`, `writer`, `family`, `bulk`, `workdays`, `phrases`,
  `texts`): the audit history and this month's programme audits;
- `responses`: QA responses in every state;
- `seed`: `seed_demo`, all of it in order (`manage.py seed_demo`).
"""
