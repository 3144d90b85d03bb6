"""Rendered cards of a list, kept in memory and keyed by every value they show.

A card (a visit on the timeline, a trip, a row of the review queue) is a pure function
of its row, the agency's time zone and where the app is mounted. Its key is all of
these, so a changed row is a new key and there is nothing to invalidate: a stale card
cannot be shown. Rendering ten cards was a sixth of the client page's cost.

The macro given may read only its card and what the key holds (the time zone through
the `localtime` filter, links through `url_pattern`); anything else a card depends on,
such as who is looking, goes into `extra`.
"""

import threading
from itertools import islice

from flask import request
from markupsafe import Markup

from coach.agency import current_agency

MAX_CARDS = 5000  # about 1 KB each, per worker process


class CardMemo:
    def __init__(self, size: int = MAX_CARDS) -> None:
        self.size = size
        self.items: dict[tuple, Markup] = {}
        self.lock = threading.Lock()

    def __call__(self, macro, card, *extra) -> Markup:
        # The macro's code object, not the macro: Jinja makes a new Macro on every render.
        key = (
            macro._func.__code__,
            card.row,
            current_agency().timezone,
            request.script_root,
            extra,
        )
        html = self.items.get(key)
        if html is None:
            html = macro(card)
            with self.lock:
                if len(self.items) >= self.size:
                    # Drop the older half (dicts keep their order): cheaper than an LRU
                    # and as good for pages that are read again within the hour.
                    for old in list(islice(self.items, self.size // 2)):
                        del self.items[old]
                self.items[key] = html
        return html


remembered = CardMemo()
