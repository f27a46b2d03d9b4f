"""The marks as the pages show them: the one definition (marks.py), in the reader's language."""

from __future__ import annotations

import hashlib
from collections import Counter
from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy

from ducha.ratings import marks


@dataclass(frozen=True)
class ShownMark:
    key: str
    name: Promise | str
    colour: Promise | str
    meaning: Promise | str
    rank: int
    icon: str  # the pictogram's colour; "" draws no pictogram (not rated)


def _shown(m: marks.Mark) -> ShownMark:
    translate = gettext_lazy
    return ShownMark(
        m.key,
        translate(m.name),
        translate(m.colour) if m.colour else "",
        translate(m.meaning),
        m.rank,
        m.icon if m.key in marks.MARKS else "",
    )


MARKS: dict[str, ShownMark] = {key: _shown(m) for key, m in marks.MARKS.items()}
NOT_RATED = _shown(marks.NOT_RATED)


def shown(key: str | None) -> ShownMark:
    return MARKS.get(key or "", NOT_RATED)


def distribution(keys, unrated: bool = True) -> list[tuple[ShownMark, int]]:
    """How many of each mark among `keys` (rating keys, None for not rated), in mark order,
    "not rated" last unless left out."""
    counts = Counter(keys)
    out = [(m, counts[key]) for key, m in MARKS.items()]
    return [*out, (NOT_RATED, counts[None])] if unrated else out


CSS = marks.stylesheet()
CSS_VERSION = hashlib.sha256(CSS.encode()).hexdigest()[:12]


ALL = list(MARKS.values())


def context(request) -> dict:
    """Every page links the marks' stylesheet by its version (a new palette is a new URL);
    pages with long lists of marks draw them from one sprite of `all_marks`."""
    return {"marks_css_version": CSS_VERSION, "all_marks": ALL}
