"""The steps of the audit programme that cross apps, each written out in one place.

A workflow calls each app's own service in order, in one transaction: completing an audit is
the audits' part (`audits.services.audit_mark_completed`), then asking for the QA response
(responses), marking the programme allocation done (programme) and counting the audit in the
reports' scale summary (reports). No app's service calls an app above it, and nothing happens
through signals (docs/adr/0003-explicit-workflows-not-signals.md).

This package is the layer above the apps' services (`.importlinter`): views, API endpoints,
management commands and tasks call a workflow where one exists, and the service otherwise.
"""
