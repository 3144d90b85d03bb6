"""The few pieces of HTML a run or a progress grid repeats on every row or cell.

A score row has seven prompt-level buttons and a progress grid has a cell per step and
run, hundreds in all, yet there are only eight variants of each: built once here and
looked up, instead of rendered by the template every time (a fifth of those pages).
"""

import functools

from markupsafe import Markup

from coach.models import PROMPT_LEVELS


def _short(code: str) -> str:
    return "—" if code == "NA" else code


@functools.cache
def _buttons(chosen: str | None) -> Markup:
    return Markup("\n").join(
        Markup(
            '<button type="submit" name="level" value="{0}" class="lvl lvl-{0}"'
            ' aria-label="{1}" aria-pressed="{2}">{3}</button>'
        ).format(code, name, "true" if code == chosen else "false", _short(code))
        for code, name in PROMPT_LEVELS.items()
    )


def level_buttons(chosen: str | None) -> Markup:
    """A score row's buttons, the one for `chosen` pressed."""
    return _buttons(chosen if chosen in PROMPT_LEVELS else None)


@functools.cache
def _cell(level: str | None) -> Markup:
    if level is None:
        return Markup('<td class="empty-cell"></td>')
    return Markup('<td class="lvl lvl-{0}"><abbr title="{1}">{2}</abbr></td>').format(
        level, PROMPT_LEVELS[level], _short(level)
    )


def grid_cells(levels: list[str | None]) -> Markup:
    """One step's row of the progress grid: a cell per run, empty where not scored."""
    return Markup("").join(_cell(level if level in PROMPT_LEVELS else None) for level in levels)


@functools.cache
def legend_items() -> Markup:
    """The prompt-level legend's terms, the same on every run and progress page."""
    return Markup("\n").join(
        Markup('<div><dt class="lvl lvl-{0}">{1}</dt><dd>{2}</dd></div>').format(
            code, _short(code), name
        )
        for code, name in PROMPT_LEVELS.items()
    )
