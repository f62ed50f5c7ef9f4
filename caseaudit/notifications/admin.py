"""Notifications have no Django admin pages, on purpose
(docs/adr/0001-no-confidential-records-in-admin.md).

A notification's subject and body name cases and children; each person reads their own in the
inbox. A failed email is seen with `manage.py send_pending_emails` and the logs. Do not register
it here: the access-control matrix fails for any admin page it does not list."""
