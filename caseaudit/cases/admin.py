"""Cases have no Django admin pages, on purpose (docs/adr/0001-no-confidential-records-in-admin.md).

A case holds a child's name, date of birth and family details: it is read on the app's own pages,
which write the access log, and erased only by the erasure service. Do not register it here:
the access-control matrix fails for any admin page it does not list."""
