"""What a browser would post: the fields of an HTML form read from a page, without Django.

Used by the fault tests (posting the real audit form to a real server) and the load test's
locustfile (signing in through the real sign-in form). Standard library only.
"""

from html.parser import HTMLParser

TEXT_INPUTS = {"", "text", "hidden", "date", "email", "number", "password", "search", "tel"}


class _Forms(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms: list[dict] = []
        self._form: dict | None = None
        self._textarea: list | None = None
        self._select: dict | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self._form = {"action": a.get("action") or "", "fields": [], "buttons": []}
            self.forms.append(self._form)
        if self._form is None:
            return
        fields = self._form["fields"]
        if tag == "input":
            kind = (a.get("type") or "").lower()
            if not a.get("name") or a.get("disabled") is not None:
                return
            if kind in TEXT_INPUTS:
                fields.append((a["name"], a.get("value") or ""))
            elif kind in ("radio", "checkbox") and "checked" in a:
                fields.append((a["name"], a.get("value") or "on"))
            elif kind == "submit":
                self._form["buttons"].append((a["name"], a.get("value") or ""))
        elif tag == "button" and a.get("name"):
            self._form["buttons"].append((a["name"], a.get("value") or ""))
        elif tag == "textarea" and a.get("name"):
            self._textarea = [a["name"], ""]
        elif tag == "select" and a.get("name"):
            self._select = {"name": a["name"], "first": None, "selected": None}
        elif tag == "option" and self._select is not None:
            value = a.get("value") or ""
            if self._select["first"] is None:
                self._select["first"] = value
            if "selected" in a:
                self._select["selected"] = value

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea[1] += data

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "textarea" and self._textarea is not None:
            name, value = self._textarea
            # A browser drops one newline straight after <textarea>.
            self._form["fields"].append((name, value[1:] if value.startswith("\n") else value))
            self._textarea = None
        elif tag == "select" and self._select is not None:
            s = self._select
            value = s["selected"] if s["selected"] is not None else s["first"]
            if value is not None:
                self._form["fields"].append((s["name"], value))
            self._select = None


def form_fields(html: str, *, action: str | None = None, index: int = 0) -> list[tuple[str, str]]:
    """The (name, value) pairs the form would post without any button: the form whose
    `action` ends with `action` (or the `index`th form of the page)."""
    parser = _Forms()
    parser.feed(html)
    forms = parser.forms
    if action is not None:
        forms = [f for f in forms if f["action"].split("?")[0].endswith(action)]
    if not forms:
        raise LookupError(f"No form with action {action!r} on the page")
    return list(forms[0 if action is not None else index]["fields"])


def csrf_token(html: str) -> str:
    """The page's first CSRF token (every POST form carries one)."""
    parser = _Forms()
    parser.feed(html)
    for form in parser.forms:
        for name, value in form["fields"]:
            if name == "csrfmiddlewaretoken":
                return value
    raise LookupError("No CSRF token on the page")
