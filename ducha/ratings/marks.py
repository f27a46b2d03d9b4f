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
