"""Import runs have no Django admin pages, on purpose
(docs/adr/0001-no-confidential-records-in-admin.md).

A run keeps the uploaded file and its rows' errors and warnings, which name children: the import
pages (for Performance Assurance and administrators) show them. Do not register it here: the
access-control matrix fails for any admin page it does not list."""
