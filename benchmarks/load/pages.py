"""Reading Ducha's pages as a browser would, for the deadline-day load test.

Plain functions over HTML text, with no locust and no Django in them: the locustfile posts
what these return, and tests/test_load_files.py runs the same functions against the real
pages through Django's test client, so the scenario cannot drift from the templates.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser


@dataclass
class Form:
    attrs: dict[str, str]
    # What the browser sends: every named field but the buttons and the file inputs, in
    # page order (a name may repeat).
    fields: list[tuple[str, str]] = field(default_factory=list)
    buttons: list[tuple[str, str]] = field(default_factory=list)

    @property
    def classes(self) -> set[str]:
        return set(self.attrs.get("class", "").split())

    def data(self) -> dict[str, str]:
        return dict(self.fields)


class _Forms(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms: list[Form] = []
        self._form: Form | None = None
        self._select: str | None = None
        self._options: list[tuple[str, bool]] = []
        self._option: list | None = None
        self._textarea: str | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag, attrs):
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self._form = Form(a)
            self.forms.append(self._form)
        elif self._form is None:
            return
        elif tag == "input" and a.get("name"):
            kind = a.get("type", "text").lower()
            if kind in ("submit", "button", "image", "reset"):
                self._form.buttons.append((a["name"], a.get("value", "")))
            elif kind in ("checkbox", "radio"):
                if "checked" in a:
                    self._form.fields.append((a["name"], a.get("value", "on")))
            elif kind != "file":
                self._form.fields.append((a["name"], a.get("value", "")))
        elif tag == "button" and a.get("name"):
            self._form.buttons.append((a["name"], a.get("value", "")))
        elif tag == "select" and a.get("name"):
            self._select, self._options = a["name"], []
        elif tag == "option" and self._select is not None:
            self._option = [a.get("value"), "selected" in a, []]
            self._options.append(self._option)
        elif tag == "textarea" and a.get("name"):
            self._textarea, self._text = a["name"], []

    def handle_data(self, data):
        if self._textarea is not None:
            self._text.append(data)
        elif self._option is not None:
            self._option[2].append(data)

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "option":
            self._option = None
        elif tag == "select" and self._select is not None and self._form is not None:
            options = [(v if v is not None else "".join(t).strip(), s) for v, s, t in self._options]
            chosen = [v for v, s in options if s] or [v for v, _ in options[:1]]
            self._form.fields.extend((self._select, v) for v in chosen)
            self._select = None
        elif tag == "textarea" and self._textarea is not None and self._form is not None:
            text = "".join(self._text)
            # The HTML parser keeps the newline a browser drops after <textarea>.
            self._form.fields.append((self._textarea, text.removeprefix("\n")))
            self._textarea = None


def forms(html: str) -> list[Form]:
    parser = _Forms()
    parser.feed(html)
    parser.close()
    return parser.forms


def form_with_class(html: str, name: str) -> Form | None:
    return next((f for f in forms(html) if name in f.classes), None)


def login_form(html: str) -> Form | None:
    return form_with_class(html, "login-form")


def report_form(html: str) -> Form | None:
    """The report page's one form (the lead unit's, the head's and the office's buttons)."""
    return form_with_class(html, "report-form")


def actions(form: Form) -> set[str]:
    """The report form's buttons: save, submit, approve, accept, ..."""
    return {value for name, value in form.buttons if name == "action"}


def status(html: str) -> str | None:
    """The report's status as the page shows it (draft, submitted, approved, ...)."""
    found = re.search(r'<span class="status status-([a-z_]+)"', html)
    return found.group(1) if found else None


NODE_FIELD = re.compile(r"^node-(\d+)-(status|percent|done_on|note)$")


def filled(form: Form, *, note: str, narrative: str, problems="", next_steps="") -> dict:
    """The report form as a clerk fills it in: every open node moved on and explained, the
    month's narrative written; nodes already done are left as they are."""
    data = form.data()
    for name in list(data):
        match = NODE_FIELD.match(name)
        if not match or match.group(2) != "status":
            continue
        prefix = f"node-{match.group(1)}-"
        if data[name] == "done":
            continue
        data[name] = "in_progress"
        try:
            percent = int(data.get(prefix + "percent") or 0)
        except ValueError:
            percent = 0
        data[prefix + "percent"] = str(min(95, percent + 10))
        data[prefix + "done_on"] = ""
        data[prefix + "note"] = note
    data["narrative"] = narrative
    data["problems"] = problems
    data["next_steps"] = next_steps
    return data


def _links_in_section(html: str, section_class_or_id: str) -> list[str]:
    """The report pages linked from one section of a page, in order, each once."""
    start = re.search(
        rf'<section[^>]*(class="[^"]*\b{section_class_or_id}\b[^"]*"|id="{section_class_or_id}")',
        html,
    )
    if not start:
        return []
    end = html.find("</section>", start.end())
    part = html[start.end() : end if end >= 0 else None]
    seen: dict[str, None] = {}
    for href in re.findall(r'href="(/reports/[^"]+)"', part):
        seen.setdefault(href.replace("&amp;", "&"), None)
    return list(seen)


def to_approve(html: str) -> list[str]:
    """A unit head's /me/: the reports waiting for him (待您审核)."""
    return _links_in_section(html, "todo")


def to_review(html: str) -> list[str]:
    """The office's desk: the review queue (待审核报送)."""
    return _links_in_section(html, "queue")
