"""Two app servers on one database: an edit made through one is read through the other.

`check(a, b)` edits client 1's phone through server A's form and reads the client's page
through server B at once, then the other way round. Each side is a pair of callables
(get(path) → html, post(path, form) → status), so the bench drives gunicorns with them
and a test drives two in-process apps on one database file.
"""

import itertools
import time
from collections.abc import Callable
from dataclasses import dataclass
from html import escape
from html.parser import HTMLParser

CLIENT_ID = 1
_counter = itertools.count(int(time.time()))  # a phone no earlier run left


@dataclass
class Side:
    name: str
    get: Callable[[str], str]
    post: Callable[[str, dict], int]


class FormFields(HTMLParser):
    """The values a browser would send for the first <form method="post"> on a page."""

    def __init__(self):
        super().__init__()
        self.fields: dict[str, list[str]] = {}
        self.in_form = self.done = False
        self.select = self.textarea = None
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if self.done:
            return
        if tag == "form" and (a.get("method") or "").lower() == "post":
            self.in_form = True
        if not self.in_form or not a.get("name") and tag != "option":
            return
        name = a.get("name")
        if tag == "input":
            kind = (a.get("type") or "text").lower()
            if kind in ("radio", "checkbox"):
                if "checked" in a:
                    self.fields.setdefault(name, []).append(a.get("value") or "on")
            elif kind not in ("submit", "button", "file"):
                self.fields.setdefault(name, []).append(a.get("value") or "")
        elif tag == "select":
            self.select = name
            self.fields.setdefault(name, [])
        elif tag == "option" and self.select and "selected" in a:
            self.fields[self.select].append(a.get("value") or "")
        elif tag == "textarea":
            self.textarea, self.text = name, []

    def handle_data(self, data):
        if self.textarea:
            self.text.append(data)

    def handle_endtag(self, tag):
        if tag == "select":
            self.select = None
        elif tag == "textarea" and self.textarea:
            self.fields.setdefault(self.textarea, []).append("".join(self.text).lstrip("\n"))
            self.textarea = None
        elif tag == "form" and self.in_form:
            self.in_form, self.done = False, True


def form_fields(html: str) -> dict[str, list[str]]:
    parser = FormFields()
    parser.feed(html)
    return parser.fields


def edit_through(side: Side, phone: str) -> int:
    """Set client 1's phone through this server's edit form; the answer's status."""
    path = f"/clients/{CLIENT_ID}/edit"
    fields = form_fields(side.get(path))
    fields["phone"] = [phone]
    return side.post(path, fields)


def read_through(side: Side, phone: str) -> bool:
    """Whether this server's client page shows the phone."""
    return escape(phone) in side.get(f"/clients/{CLIENT_ID}")


def check(a: Side, b: Side) -> list[dict]:
    """Edit through A and read through B, then through B and read through A: a row per
    direction, `fresh` when the reading server showed the edit at once."""
    rows = []
    for writer, reader in ((a, b), (b, a)):
        phone = f"614-555-{next(_counter) % 10_000:04d}"
        status = edit_through(writer, phone)
        fresh = status in (302, 303) and read_through(reader, phone)
        rows.append({"wrote": writer.name, "read": reader.name, "status": status, "fresh": fresh})
    return rows
