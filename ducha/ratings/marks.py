"""The four marks of the four-colour board (SPEC §1), defined once for the whole product.

The rules, the boards, the exports, the poster, the pages and the generated stylesheet all
read their names, colours, meanings, points and order from here. Plain data, no Django: the
web side translates the Chinese names through its message catalogue.

Red is the *best* mark here, unlike a Western traffic light: never draw red as bad.

Each mark carries several shades of its one hue, each for one job:
- `hue`: the colour SPEC §1 names, for bands, borders and the coloured strip of a row;
- `icon`: the pictogram, at least 3:1 against white (the snail's yellow is too light);
- `ink`: text in the mark's colour, at least 4.5:1 on white and on its `tint` (WCAG AA);
- `tint`: a light background behind `ink`;
- `solid` / `on_solid`: a filled cell (spreadsheets, the poster) and the text on it, 4.5:1.
"""

from __future__ import annotations

from dataclasses import dataclass


def _(text: str) -> str:
    """Marks a string for the message catalogue; the web side translates it when shown."""
    return text


@dataclass(frozen=True, slots=True)
class Mark:
    key: str
    name: str  # 骏马
    colour: str  # 红: the colour's name, as the source says it
    meaning: str  # 提前完成
    points: int  # default points in a unit's score (DUCHA_POINTS overrides)
    rank: int  # 4 best … 1 worst; 0 for "not rated"
    hue: str
    icon: str
    ink: str
    tint: str
    solid: str
    on_solid: str
    # The pictogram, drawn for Ducha in a 64×48 box: SVG shapes, filled and stroked in the
    # colour they are drawn in (ratings/templatetags/marks.py `pictogram` draws them).
    drawing: str = ""


HORSE = Mark(
    key="horse",
    name=_("骏马"),
    colour=_("红"),
    meaning=_("提前完成"),
    points=100,
    rank=4,
    hue="#D7261E",
    icon="#D7261E",
    ink="#B71C1C",
    tint="#FDECEB",
    solid="#B71C1C",
    on_solid="#FFFFFF",
    drawing=(
        '<ellipse cx="29" cy="23" rx="15" ry="7.5" stroke="none"/>'
        '<path d="M38 19 L47 7 L53 9 L46 26 Z" stroke="none"/>'
        '<path d="M46 4 L50 1 L51 5 L58 9 L61 14 L58 16 L52 13 L47 9 Z" stroke="none"/>'
        '<path d="M45 8 L38 17" fill="none" stroke-width="3.5"/>'
        '<path d="M16 20 Q7 22 5 33" fill="none" stroke-width="3"/>'
        '<path d="M41 27 L45 36 L44 45 M36 29 L36 45 M22 29 L19 37 L21 45 M18 27 L12 35 L13 44" fill="none" stroke-width="3.6"/>'  # noqa: E501 - one SVG element a line
    ),
)
OX = Mark(
    key="ox",
    name=_("黄牛"),
    colour=_("绿"),
    meaning=_("正常推进"),
    points=80,
    rank=3,
    hue="#2E8B3E",
    icon="#2E8B3E",
    ink="#1E6B2E",
    tint="#E9F4EC",
    solid="#1E6B2E",
    on_solid="#FFFFFF",
    drawing=(
        '<path d="M9 18 Q9 12 16 12 L36 12 Q42 10 45 15 L47 30 Q47 34 42 34 L14 34 Q9 34 9 29 Z" stroke="none"/>'  # noqa: E501 - one SVG element a line
        '<path d="M43 15 L55 18 Q60 19 59 24 L57 32 Q56 36 51 35 L45 30 Z" stroke="none"/>'
        '<path d="M47 17 Q42 10 46 5 M54 18 Q61 13 59 7" fill="none" stroke-width="3"/>'
        '<path d="M14 33 L14 45 M21 33 L21 45 M36 33 L36 45 M43 33 L43 45" fill="none" stroke-width="4"/>'  # noqa: E501 - one SVG element a line
        '<path d="M9 17 Q4 22 5 31" fill="none" stroke-width="2"/>'
        '<circle cx="5" cy="32" r="2.2" stroke="none"/>'
    ),
)
OSTRICH = Mark(
    key="ostrich",
    name=_("鸵鸟"),
    colour=_("蓝"),
    meaning=_("进展缓慢"),
    points=50,
    rank=2,
    hue="#1F5FBF",
    icon="#1F5FBF",
    ink="#1F5FBF",
    tint="#E8EEFA",
    solid="#1F5FBF",
    on_solid="#FFFFFF",
    drawing=(
        '<path d="M12 20 Q14 11 27 11 Q40 11 41 20 Q41 30 26 31 Q14 31 12 24 Z" stroke="none"/>'
        '<path d="M14 16 L4 11 L7 18 L3 21 L11 23 Z" stroke="none"/>'
        '<path d="M38 16 Q44 12 43 4" fill="none" stroke-width="3.2"/>'
        '<circle cx="44" cy="4" r="3.2" stroke="none"/>'
        '<path d="M46 3 L52 5 L46 6 Z" stroke="none"/>'
        '<path d="M23 30 L21 38 L24 46 M29 30 L33 38 L31 46" fill="none" stroke-width="2.6"/>'
        '<path d="M24 46 L28 46 M31 46 L35 46" fill="none" stroke-width="2.6"/>'
    ),
)
SNAIL = Mark(
    key="snail",
    name=_("蜗牛"),
    colour=_("黄"),
    meaning=_("工作无进展"),
    points=0,
    rank=1,
    hue="#F2C200",
    icon="#B08C00",
    ink="#6B5600",
    tint="#FFF7D1",
    solid="#F2C200",
    on_solid="#000000",
    drawing=(
        '<path d="M4 41 Q4 36 12 36 L46 36 Q50 36 52 30 L53 24 Q58 22 59 28 L58 35 Q56 42 46 42 L8 42 Q4 42 4 41 Z" stroke="none"/>'  # noqa: E501 - one SVG element a line
        '<circle cx="28" cy="21" r="15" stroke="none"/>'
        '<path d="M28 21 m0 -3 a3 3 0 1 1 -3 3 a6 6 0 0 1 6 -6 a9 9 0 0 1 9 9 a12 12 0 0 1 -12 12" fill="none" stroke="#fff" stroke-width="2.4"/>'  # noqa: E501 - one SVG element a line
        '<path d="M54 25 L52 15 M57 25 L60 16" fill="none" stroke-width="1.8"/>'
        '<circle cx="52" cy="14" r="2" stroke="none"/>'
        '<circle cx="60" cy="15" r="2" stroke="none"/>'
    ),
)
# Not one of the four: a task that is not rated this month (SPEC §2 rule 1).
NOT_RATED = Mark(
    key="none",
    name=_("不评价"),
    colour="",
    meaning=_("本月不参与评价"),
    points=0,
    rank=0,
    hue="#8A929C",
    icon="#5B6470",
    ink="#5B6470",
    tint="#F3F4F7",
    solid="#FFFFFF",
    on_solid="#333333",
)

MARKS: dict[str, Mark] = {m.key: m for m in (HORSE, OX, OSTRICH, SNAIL)}
KEYS: tuple[str, ...] = tuple(MARKS)
NAMES: dict[str, str] = {key: m.name for key, m in MARKS.items()}
DEFAULT_POINTS: dict[str, int] = {key: m.points for key, m in MARKS.items()}


def needs_attention(key: str | None) -> bool:
    """Slow or stalled: what a leader and the office look at first."""
    return key in (OSTRICH.key, SNAIL.key)


def is_routine(key: str | None) -> bool:
    """On track, or not rated: what a list of exceptions leaves out."""
    return key in (OX.key, None)


def mark(key: str | None) -> Mark:
    """The mark of a rating key; None (not rated) gives NOT_RATED."""
    return MARKS[key] if key else NOT_RATED


def name(key: str | None) -> str:
    return mark(key).name


def stylesheet() -> str:
    """CSS custom properties and classes for every mark: the pages' only source of these colours."""
    lines = [":root {"]
    for m in (*MARKS.values(), NOT_RATED):
        for shade in ("hue", "icon", "ink", "tint", "solid", "on_solid"):
            lines.append(f"  --{m.key}-{shade.replace('_', '-')}: {getattr(m, shade)};")
    lines.append("}")
    for m in (*MARKS.values(), NOT_RATED):
        k = m.key
        lines += [
            f".mark-{k} {{ color: var(--{k}-ink); border-color: var(--{k}-hue);"
            f" background: var(--{k}-tint); }}",
            f".ink-{k} {{ color: var(--{k}-ink); }}",
            f".icon-{k} {{ color: var(--{k}-icon); }}",
            f".band-{k} {{ border-left-color: var(--{k}-hue); }}",
            f".top-{k} {{ border-top-color: var(--{k}-hue); }}",
        ]
    return "\n".join(lines) + "\n"


def movement(before: str | None, after: str | None, listed_before: bool = True) -> str:
    """How a task's mark moved against the month before: up, down, same, new (not on last
    month's board), rated (no mark → a mark), unrated (a mark → none) or none (neither)."""
    if not listed_before:
        return "new"
    if before is None and after is None:
        return "none"
    if before == after:
        return "same"
    if before is None:
        return "rated"
    if after is None:
        return "unrated"
    return "up" if MARKS[after].rank > MARKS[before].rank else "down"
