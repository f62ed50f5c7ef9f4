"""Planning an import: check the parsed rows against the database and work out what would be
created, updated, closed or marked as left, with every row error. Reads only, never writes:
`caseaudit.imports.apply` writes a plan, `caseaudit.imports.services` runs parse → plan → apply.

Every lookup is loaded once into a dict before the rows are checked (no query per row)."""
