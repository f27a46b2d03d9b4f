"""Unit and leader names, and nodes, as offices write them in a ledger's cells.

Pure functions: text in, names out, with notes saying what was changed so the office can
check it. Nothing here looks at the database; `closest` is given the names that exist.

- Units are split on every separator people use (、，,；;／/, newlines and spaces, half- or
  full-width), never on 和 or 及 (市工业和信息化局 is one unit) and never inside brackets
  (市委办公室（市委机要局、市委保密办） is one unit). A trailing 等 is dropped.
- Leaders are split the same way, except that spaces separate a name from its title
  ("王芳 市委常委"). A title in brackets or written after the name ("陈静（副市长）",
  "刘洋副市长") is split off. A two-character name padded to three with a space, as
  offices align names ("张 伟"), is one person: 张伟 — a Chinese name has no spaces, and
  two one-character people in one cell are far less likely than one padded name.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable
from dataclasses import dataclass

from ducha.lib.cells import parse_due
from ducha.lib.tabular import halfwidth


@dataclass(frozen=True)
class Names:
    names: tuple[str, ...]
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Person:
    name: str
    title: str = ""


@dataclass(frozen=True)
class People:
    people: tuple[Person, ...]
    notes: tuple[str, ...] = ()


# A bracketed part: kept whole, whatever separators it holds. An unclosed bracket is text.
_OPEN, _CLOSE = "（(【〔[", "）)】〕]"
_BRACKETS = re.escape(_OPEN + _CLOSE)
_GROUP = rf"[{re.escape(_OPEN)}][^{_BRACKETS}]*[{re.escape(_CLOSE)}]"
SEPARATORS = "、,，;；/／"
_UNIT = re.compile(rf"(?:{_GROUP}|[^{SEPARATORS}\s])+")
_LEADER = re.compile(rf"(?:{_GROUP}|[^{SEPARATORS}\n\r\v\f\u2028\u2029])+")
_ETC = re.compile(r"等(?:相关|有关|其他|其它)?(?:单位|部门)*$")
# A role written after a unit ("市财政局（牵头）"): the column already says it.
_ROLE = re.compile(rf"[{re.escape(_OPEN)}](牵头|共同牵头|配合|协助|协办)[{re.escape(_CLOSE)}]$")
_TRAILING_GROUP = re.compile(
    rf"^(.*?)\s*[{re.escape(_OPEN)}]([^{_BRACKETS}]*)[{re.escape(_CLOSE)}]$"
)


def _pieces(pattern: re.Pattern, text: str) -> list[str]:
    text = text.replace("\ufeff", "").replace("\u200b", "")
    return [p.strip() for p in pattern.findall(text) if p.strip()]


def _drop_etc(piece: str, notes: list[str]) -> str:
    if found := _ETC.search(piece):
        kept = piece[: found.start()].strip()
        notes.append(f"「{piece}」末尾的「{found[0]}」已去掉" if kept else f"「{piece}」已去掉")
        return kept
    return piece


def _unique(items: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(items))


def split_units(text: str) -> Names:
    """A cell of unit names → the names, in their written order, each once."""
    names, notes = [], []
    for piece in _pieces(_UNIT, text):
        name = _drop_etc("".join(piece.split()), notes)
        if found := _ROLE.search(name):
            notes.append(f"「{name}」中的「{found[0]}」已去掉")
            name = name[: found.start()]
        if name:
            names.append(name)
    return Names(_unique(names), tuple(notes))


# Titles of a city's and a county's leaders, matched longest first.
_TITLES = sorted(
    {
        t
        for p in ("市", "县", "区")
        for t in (
            f"{p}委书记",
            f"{p}委副书记",
            f"{p}长",
            f"常务副{p}长",
            f"副{p}长",
            f"{p}长助理",
            f"{p}委常委",
            f"{p}委秘书长",
            f"{p}政府秘书长",
            f"{p}政府副秘书长",
            f"{p}人大常委会主任",
            f"{p}人大常委会副主任",
            f"{p}人大常委会党组书记",
            f"{p}政协主席",
            f"{p}政协副主席",
            f"{p}政协党组书记",
            f"{p}纪委书记",
            f"{p}监委主任",
            f"{p}委组织部部长",
            f"{p}委宣传部部长",
            f"{p}委统战部部长",
            f"{p}委政法委书记",
            f"{p}法院院长",
            f"{p}检察院检察长",
            f"{p}政府党组成员",
        )
    }
    | {
        "秘书长",
        "副秘书长",
        "主任",
        "副主任",
        "主席",
        "副主席",
        "部长",
        "副部长",
        "书记",
        "副书记",
        "党组书记",
        "党组成员",
        "局长",
        "副局长",
        "院长",
        "副院长",
        "检察长",
        "副检察长",
        "组织部部长",
        "宣传部部长",
        "统战部部长",
        "政法委书记",
        "巡视员",
        "一级巡视员",
        "二级巡视员",
        "常委",
    },
    key=lambda t: (-len(t), t),
)
_NAME_LENGTH = 2  # the least a name keeps once a title is split off ("李主任" stays whole)


def _title_at(word: str, *, end: bool) -> str | None:
    for title in _TITLES:
        if (word.endswith(title) if end else word.startswith(title)) and len(word) > len(title):
            return title
    return None


def is_title(word: str) -> bool:
    """A leader's title written where a name should be ("副市长")."""
    return _is_title(word)


def _is_title(word: str) -> bool:
    """A title alone, or titles run together ("市委常委常务副市长")."""
    while word:
        title = next((t for t in _TITLES if word.startswith(t)), None)
        if title is None:
            return False
        word = word[len(title) :]
    return True


def _peel(word: str) -> tuple[str, list[str]]:
    """Titles off either end of a word: 刘洋副市长 or 副市长刘洋 → 刘洋, [副市长]."""
    before, after = [], []
    while (t := _title_at(word, end=True)) and len(word) - len(t) >= _NAME_LENGTH:
        after.insert(0, t)
        word = word[: -len(t)]
    while (t := _title_at(word, end=False)) and len(word) - len(t) >= _NAME_LENGTH:
        before.append(t)
        word = word[len(t) :]
    return word, before + after


def _names_in(words: list[str]) -> list[tuple[str, bool]]:
    """Words written between titles → (name, whether spaces were taken out of it).

    A padded name ("张 伟", "欧阳 明") is one person; so is a run of two or three
    one-character words among others ("张 伟 李娜")."""
    if len(words) > 1 and len("".join(words)) <= 3:
        return [("".join(words), True)]
    out: list[tuple[str, bool]] = []
    run: list[str] = []
    for word in [*words, ""]:
        if len(word) == 1:
            run.append(word)
            continue
        if 2 <= len(run) <= 3:
            out.append(("".join(run), True))
        else:
            out += [(w, False) for w in run]
        run = []
        if word:
            out.append((word, False))
    return out


def split_leaders(text: str) -> People:
    """A leader cell → the people in it, in order, with any title split off each name."""
    notes: list[str] = []
    people: list[tuple[str, list[str], str]] = []  # name, titles, the piece it came from
    pending: list[str] = []  # titles written before a name ("市委常委、常务副市长王芳")

    def add_title(title: str) -> None:
        if people and not pending:
            people[-1][1].append(title)
        else:
            pending.append(title)

    def add_names(words: list[str], piece: str) -> None:
        for word, padded in _names_in(words):
            name, titles = _peel(word)
            if padded:
                notes.append(f"「{piece}」→ 姓名 {name}（去掉了姓名中的空格）")
            people.append((name, [*pending, *titles], piece))
            pending.clear()

    for piece in _pieces(_LEADER, text):
        piece = _drop_etc(piece, notes)
        rest, bracket = piece, ""
        if found := _TRAILING_GROUP.match(piece):
            rest, bracket = found[1], "".join(found[2].split())
        run: list[str] = []
        for word in rest.split():
            if _is_title(word):
                add_names(run, piece)
                run = []
                add_title(word)
            else:
                run.append(word)
        add_names(run, piece)
        if bracket:
            add_title(bracket)
    if pending:
        if people:
            people[-1][1].extend(pending)
        else:
            notes.append(f"「{text.strip()}」只写了职务，没有姓名")
            people.append(("".join(text.split()), [], text.strip()))
    merged: dict[str, tuple[list[str], str]] = {}
    for name, titles, piece in people:
        merged.setdefault(name, ([], piece))[0].extend(titles)
    result = tuple(Person(name, "、".join(_unique(titles))) for name, (titles, _) in merged.items())
    for person in result:
        if person.title:
            piece = text.strip() if len(result) == 1 else merged[person.name][1]
            notes.append(f"「{piece}」→ 姓名 {person.name}，职务 {person.title}")
    if len(result) > 1:
        listed = "、".join(p.name for p in result)
        notes.append(f"「{text.strip()}」→ {len(result)} 位领导：{listed}（第一位为主）")
    return People(result, tuple(notes))


def closest(name: str, existing: Iterable[str]) -> str | None:
    """The existing name most like `name`, when clearly alike: one holds the other, or
    difflib's ratio is at least 0.6. Ties go to the name that sorts first."""
    wanted = _folded(name)
    best: tuple[float, str] | None = None
    for candidate in sorted(set(existing)):
        other = _folded(candidate)
        if not other or not wanted:
            continue
        ratio = difflib.SequenceMatcher(None, wanted, other).ratio()
        shorter = min(wanted, other, key=len)
        contained = len(shorter) >= 2 and (wanted in other or other in wanted)
        if (contained or ratio >= 0.6) and (best is None or ratio > best[0]):
            best = (ratio, candidate)
    return best[1] if best else None


def _folded(name: str) -> str:
    return "".join(halfwidth(name).split())


# Nodes written in one cell: "1. 2021年6月底前：制定方案；2. 2021年12月底前：全面推开".
_NUMBERINGS = (
    lambda n: rf"(?<!\d){n}\s*[.、]",  # 1.  1、  1．
    lambda n: rf"\(\s*{n}\s*\)",  # （1）  (1)
    lambda n: rf"(?<![\d(]){n}\)",  # 1)
    lambda n: chr(0x2460 + n - 1) if n <= 20 else r"(?!)",  # ①
)
_ANY_NUMBER = re.compile(r"(?<!\d)\d{1,2}\s*[.、]|\(\s*\d{1,2}\s*\)|(?<![\d(])\d{1,2}\)|[①-⑳]")
_DATE_START = re.compile(
    r"\s*(?:\d{4,}\s*[年.\-/]|\d{1,2}\s*月"
    r"|(?:\d{4}\s*年度?)?(?:[上下]半年|第?[一二三四1-4]季度|年底|年末|年内|全年|持续|长期|常态化))"
)
_STRONG, _WEAK = ":", ", \t\u3000"
_ITEM_END = "；;。,，、 \t\r\n\u3000"


def split_nodes(text: str) -> list[tuple[str, str]] | None:
    """A cell listing nodes, each with its date → [(date, target), ...]; None when the cell
    is one plain target (or items without a leading date), to be read as one node.

    Items are numbered (1. 1、 （1） ①) and split at the next number; a single line or
    lines without numbers are split only at line ends, and only when every line is dated."""
    raw = text.replace("\ufeff", "").replace("\u200b", "")
    flat = halfwidth(raw)  # one character for one: positions in `flat` are positions in `raw`
    start = len(flat) - len(flat.lstrip())
    numbering = next((f for f in _NUMBERINGS if re.compile(f(1)).match(flat, start)), None)
    if numbering is None:
        return _unnumbered(raw, flat)
    bodies = []
    marker = re.compile(numbering(1)).match(flat, start)
    n = 1
    while marker:
        n += 1
        after = marker.end()
        following = re.compile(numbering(n)).finditer(flat, after)
        marker = next((m for m in following if _starts_item(raw, flat, m)), None)
        bodies.append((after, marker.start() if marker else len(flat)))
    items = []
    for begin, end in bodies:
        item = _dated(raw[begin:end], flat[begin:end], strict=False)
        # Another number inside a target ("1. … 3. …", "…；2. 全面推开" with no date) would
        # hide a node there: the cell is not read as a list.
        hidden = any(
            _after_separator(flat, m) or _starts_item(raw, flat, m)
            for m in _ANY_NUMBER.finditer(flat, begin, end)
        )
        if item is None or hidden:
            return None
        items.append(item)
    return items


def _starts_item(raw: str, flat: str, marker: re.Match) -> bool:
    """Whether a number found in the text starts a dated item. After a separator a date-like
    start is enough; run on ("…方案2. 2021年12月底前：…") the date must read as one, so
    that "开展3、6月份检查" is not taken for an item."""
    if _after_separator(flat, marker):
        return bool(_DATE_START.match(flat, marker.end()))
    return _dated(raw[marker.end() :], flat[marker.end() :], strict=True) is not None


def _after_separator(flat: str, marker: re.Match) -> bool:
    before = flat[marker.start() - 1] if marker.start() else "\n"
    return before in _ITEM_END or before.isspace()


def _unnumbered(raw: str, flat: str) -> list[tuple[str, str]] | None:
    items = []
    at = 0
    for line in flat.splitlines(keepends=True):
        if line.strip():
            item = _dated(raw[at : at + len(line)], line, strict=True)
            if item is None:
                return None
            items.append(item)
        at += len(line)
    return items or None


def _dated(raw: str, flat: str, *, strict: bool) -> tuple[str, str] | None:
    """(date phrase, target) when `raw` starts with a date; else None.

    The phrase ends at a colon, a comma or a space; the longest such prefix that reads as a
    due date is taken ("2021年 6月底前：…"). Not strict: a date-like start that does not
    read (a typo) is still taken as the phrase, so the importer says what is wrong with it."""
    lead = len(flat) - len(flat.lstrip())
    raw, flat = raw[lead:], flat[lead:]
    if not _DATE_START.match(flat):
        return None
    ends = []
    for i, char in enumerate(flat):
        if char in _STRONG:
            ends.append(i)
            break
        if char in _WEAK or char.isspace():
            ends.append(i)
    else:
        ends.append(len(flat))
    phrase_end = None
    for end in reversed(ends):
        if _reads_as_due(flat[:end]):
            phrase_end = end
            break
    if phrase_end is None:
        if strict:
            return None
        phrase_end = ends[0]
    phrase = raw[:phrase_end].strip()
    target = raw[phrase_end:].lstrip(":：,， \t\u3000\r\n").rstrip(_ITEM_END)
    return phrase, target


def _reads_as_due(text: str) -> bool:
    try:
        parse_due(text, year=2000)  # any year: only the form matters here
    except ValueError:
        return False
    return True
