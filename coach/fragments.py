"""Rendered pieces of pages, kept in memory and keyed by every value they show.

A card of a list (a visit on the timeline, a trip) is a pure function of its row, the
agency's time zone and where the app is mounted. The key is the macro's arguments (a
card by its row) with the time zone and the mount point, so a changed row is a new
key and there is nothing to invalidate: a stale card cannot be shown. Rendering ten
cards was a twelfth of the client page's cost.

The macro may read only its arguments and what the key holds (the time zone through
the `localtime` filter, links through `url_for` or `url_pattern`). Whatever else it
shows, such as who is looking, must be passed to it as an argument.
"""

import threading
from itertools import islice

from flask import request
from markupsafe import Markup

from coach.agency import current_agency
from coach.extensions import RowCard

MAX_PIECES = 5000  # about 1 KB each, per worker process


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
            html = macro(*args)
            with self.lock:
                if len(self.items) >= self.size:
                    # Drop the older half (dicts keep their order): cheaper than an LRU
                    # and as good for pages that are read again within the hour.
                    for old in list(islice(self.items, self.size // 2)):
                        del self.items[old]
                self.items[key] = html
        return html


remembered = FragmentMemo()
