"""A file sent to the browser as a download."""

from django.http import HttpResponse
from django.utils.http import content_disposition_header


def attachment(content: bytes | str, *, content_type: str, filename: str) -> HttpResponse:
    """`content` as a download named `filename`, kept by no cache: every file here holds
    records about children, and a browser or proxy must not keep a copy."""
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=True, filename=filename
    )
    response["Cache-Control"] = "no-store"
    return response
