"""Rendered pieces of pages, kept in memory and keyed by every value they show.

A card of a list (a visit on the timeline, a trip) is a pure function of its row, the
agency's time zone and where the app is mounted. The key is the macro's arguments (a
card by its row) with the time zone and the mount point, so a changed row is a new
key and there is nothing to invalidate: a stale card cannot be shown. Rendering ten
cards was a twelfth of the client page's cost.

The macro may read only its arguments and what the key holds (the time zone through
the `localtime` filter, links through `url_for` or `url_pattern`). Whatever else it
shows, such as who is looking, must be passed to it as an argument. The one exception
is `csrf_input()`: a kept piece holds a slot where each page puts its own session's
token, so no token is ever kept or shown to another session.
"""

import secrets
import threading
from itertools import islice

from flask import current_app, g, request
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup

from coach.agency import current_agency
from coach.extensions import RowCard

MAX_PIECES = 5000  # about 1 KB each, per worker process
CSRF_SLOT = f"csrf-slot-{secrets.token_hex(8)}"  # unguessable: no typed text matches it


class FragmentMemo:
    def __init__(self, size: int = MAX_PIECES) -> None:
        self.size = size
        self.items: dict[tuple, Markup] = {}
        self.lock = threading.Lock()

    def __call__(self, macro, *args) -> Markup:
        # The macro's code object, not the macro: Jinja makes a new Macro on every render.
        key = (
            macro._func.__code__,
            tuple(a.row if isinstance(a, RowCard) else a for a in args),
            current_agency().timezone,
            request.script_root,
        )
        html = self.items.get(key)
        if html is None:
            html = render_with_csrf_slot(macro, args)
            with self.lock:
                if len(self.items) >= self.size:
                    # Drop the older half (dicts keep their order): cheaper than an LRU
                    # and as good for pages that are read again within the hour.
                    for old in list(islice(self.items, self.size // 2)):
                        del self.items[old]
                self.items[key] = html
        if CSRF_SLOT in html:
            return html.replace(CSRF_SLOT, generate_csrf())  # Markup's replace escapes
        return html


def render_with_csrf_slot(macro, args) -> Markup:
    """The macro's HTML with csrf_input() writing the slot, not this session's token."""
    real = g.pop("csrf_input", None)
    name = current_app.config["WTF_CSRF_FIELD_NAME"]
    g.csrf_input = Markup('<input type="hidden" name="{}" value="{}">').format(name, CSRF_SLOT)
    try:
        return macro(*args)
    finally:
        g.pop("csrf_input")
        if real is not None:
            g.csrf_input = real


remembered = FragmentMemo()
