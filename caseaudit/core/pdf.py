"""Every PDF the service writes goes through `html_to_pdf`: WeasyPrint, fetching nothing, and
tagged for screen readers (PDF/UA-1: a structure tree of headings, lists, tables and
paragraphs, marked content, the document's language and title shown in the reader's title
bar).

The HTML must carry what PDF/UA needs from it: `<html lang="...">` (the PDF's /Lang) and a
`<title>` (its /Title and the title a reader shows); `html_to_pdf` refuses HTML without
either, so a new document cannot quietly lose them. Images need `alt` text and charts
(inline SVG) their `<title>`, as on the pages.

    pdf = html_to_pdf(html, what="audit PDF")
"""

import logging
import re

# WeasyPrint logs each layout step at INFO: ten lines per PDF in the server's log.
logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)

PDF_VARIANT = "pdf/ua-1"
HTML_LANG = re.compile(r"<html\b[^>]*\blang=\"[A-Za-z]{2,3}(-[A-Za-z0-9]+)*\"", re.IGNORECASE)
HTML_TITLE = re.compile(r"<title>\s*\S[^<]*</title>", re.IGNORECASE)


class PDFSourceError(ValueError):
    """The HTML lacks what an accessible PDF needs (its language or title)."""


def html_to_pdf(html: str, *, what: str) -> bytes:
    """The HTML as a tagged PDF (PDF/UA-1). WeasyPrint fetches nothing: every resource must be
    inline. `what` names the document in errors ("audit PDF")."""
    if not HTML_LANG.search(html):
        raise PDFSourceError(f"The {what}'s HTML has no lang on <html>")
    if not HTML_TITLE.search(html):
        raise PDFSourceError(f"The {what}'s HTML has no <title>")
    # Imported late: WeasyPrint loads Pango, which no web page needs.
    from weasyprint import HTML
    from weasyprint.urls import URLFetcher

    class NoFetching(URLFetcher):
        def fetch(self, url, headers=None):
            raise ValueError(f"The {what} fetches no resources ({url[:40]})")

    return HTML(string=html, url_fetcher=NoFetching()).write_pdf(pdf_variant=PDF_VARIANT)
