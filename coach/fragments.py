"""Rendered pieces of pages, kept in memory and keyed by every value they show.

A card of a list (a visit on the timeline, a trip) is a pure function of its row, the
agency's time zone and where the app is mounted. The key is the macro's arguments (a
card by its row) with the time zone and the mount point, so a changed row is a new
key and there is nothing to invalidate: a stale card cannot be shown. Rendering ten
cards was a twelfth of the client page's cost.

The macro may read only its arguments and what the key holds (the time zone through
the `localtime` filter, links through `url_for` or `url_pattern`). Whatever else it
shows, such as who is looking, must be passed to it as an argument. The one exception
is `csrf_input()`: a kept piece holds a slot, and each response puts its own session's
token in the slots it carries (fill_csrf_slots, once a response), so no token is ever
kept or shown to another session. Kept pieces are for responses, not for e-mails.
"""

import secrets
import threading
from collections.abc import Callable
from itertools import islice

from flask import current_app, g, request
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup

from coach.agency import current_agency
from coach.extensions import Card

MAX_PIECES = 5000  # per worker process
MAX_CHARS = 8_000_000  # of kept HTML per worker process: 8 to 16 MB
CSRF_SLOT = f"csrf-slot-{secrets.token_hex(8)}"  # unguessable: no typed text matches it
SLOT_BYTES = CSRF_SLOT.encode()


def key_of(value):
    """What a piece's key holds of one argument: a card its row, a list its items' keys
    (a list of cards their rows); a tuple or a row as it is."""
    if isinstance(value, Card):
        return value.row
    if isinstance(value, list):
        return tuple(key_of(item) for item in value)
    return value


class FragmentMemo:
    def __init__(self, size: int = MAX_PIECES, chars: int = MAX_CHARS) -> None:
        self.size, self.chars = size, chars
        self.items: dict[tuple, Markup] = {}
        self.kept_chars = 0
        self.lock = threading.Lock()

    def __call__(self, macro, *args) -> Markup:
        """The HTML of a template's macro called with `args`: `remembered(card, row)`."""
        # The macro's code object, not the macro: Jinja makes a new Macro on every render.
        return self.kept(macro._func.__code__, args, lambda: macro(*args))

    def each(self, macro, items, *args) -> Markup:
        """The macro's HTML for each item (called with the item, then `args`), joined: a
        list's cards in one call, `remembered.each(card, rows)`, so the page's part of
        the key is found once, not once a card."""
        code, rest, scope = macro._func.__code__, tuple(map(key_of, args)), self.scope()
        return Markup("").join(
            self.lookup((code, (key_of(item), *rest), *scope), lambda item=item: macro(item, *args))
            for item in items
        )

    def kept(self, maker, args: tuple, render: Callable[[], str]) -> Markup:
        """The piece `maker` makes of `args`: kept, or `render()`ed and kept."""
        return self.lookup((maker, tuple(map(key_of, args)), *self.scope()), render)

    @staticmethod
    def scope() -> tuple:
        """What every piece shows besides its arguments: times in the agency's zone, and
        links under the path the app is served at."""
        return current_agency().timezone, request.script_root

    def lookup(self, key: tuple, render: Callable[[], str]) -> Markup:
        """The kept piece (its CSRF slots are filled as the response leaves)."""
        html = self.items.get(key)
        if html is None:
            html = render_with_csrf_slot(render)
            with self.lock:
                if len(self.items) >= self.size or self.kept_chars + len(html) > self.chars:
                    # Drop the older half (dicts keep their order): cheaper than an LRU
                    # and as good for pages that are read again within the hour.
                    for old in list(islice(self.items, len(self.items) // 2 + 1)):
                        self.kept_chars -= len(self.items.pop(old))
                if key not in self.items:  # another thread may have kept it meanwhile
                    self.items[key] = html
                    self.kept_chars += len(html)
        return html


def fill_csrf_slots(response):
    """After each request: this session's CSRF token in the slots of the kept pieces the
    page carries, in one pass over it (not once a piece: a token costs 10 µs)."""
    if response.mimetype == "text/html" and not response.direct_passthrough:
        body = response.get_data()
        if SLOT_BYTES in body:
            response.set_data(body.replace(SLOT_BYTES, generate_csrf().encode()))
    return response


def render_with_csrf_slot(render: Callable[[], str]) -> Markup:
    """What `render()` writes, with csrf_input() writing the slot, not this session's
    token. Its HTML was escaped as it was rendered (Jinja's autoescape)."""
    real = g.pop("csrf_input", None)
    name = current_app.config["WTF_CSRF_FIELD_NAME"]
    g.csrf_input = Markup('<input type="hidden" name="{}" value="{}">').format(name, CSRF_SLOT)
    try:
        # A macro's or a template's output, escaped by Jinja's autoescape as it rendered.
        return Markup(render())  # nosec B704
    finally:
        g.pop("csrf_input")
        if real is not None:
            g.csrf_input = real


remembered = FragmentMemo()
