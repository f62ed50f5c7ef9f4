"""What the two import commands share: reading a file and reporting the outcome."""

from pathlib import Path

from django.core.management.base import CommandError

from caseaudit.imports.services import ImportRefused


def read_file(path: str) -> tuple[bytes, str]:
    file = Path(path)
    if not file.is_file():
        raise CommandError(f"{path}: no such file")
    return file.read_bytes(), file.name


def report(command, run_import) -> None:
    """Run an import; print its counts, or every error and fail."""
    try:
        result = run_import()
    except ImportRefused as refused:
        for error in refused.errors:
            command.stderr.write(str(error))
        for warning in refused.warnings:
            command.stderr.write(f"Warning: {warning}")
        if refused.new.places and not refused.new.allowed:
            command.stderr.write(
                "The file names service areas or teams that do not exist yet: "
                f"{refused.new.places.describe()}. Correct any typo; if they are new, run the "
                "import again with --allow-new-teams."
            )
        raise CommandError(
            f"{len(refused.errors)} error{'s' if len(refused.errors) != 1 else ''}: "
            "nothing was imported."
        ) from None
    for warning in result.warnings:
        command.stdout.write(f"Warning: {warning}")
    if result.dry_run:
        command.stdout.write(
            f"Dry run of {result.file_name} ({result.rows} records): {result.summary()}. "
            "Nothing was written."
        )
    else:
        command.stdout.write(
            command.style.SUCCESS(
                f"Imported {result.file_name} ({result.rows} records): {result.summary()}."
            )
        )
    for line in result.new_places_lines():  # named, dry run or not
        command.stdout.write(line)
