"""Each domain idea is written once: the four marks, the month, the clock.

These read the source: a second definition, however small, fails here with its place.
"""

import re
from pathlib import Path

from ducha.ratings import marks

ROOT = Path(__file__).resolve().parent.parent / "ducha"
MARKS_MODULE = ROOT / "ratings" / "marks.py"
SOURCES = [
    p
    for p in ROOT.rglob("*")
    if p.suffix in {".py", ".html", ".css", ".js", ".txt"}
    and "migrations" not in p.parts
    and "locale" not in p.parts
]


def _hits(pattern: re.Pattern, allowed: set[Path]) -> list[str]:
    found = []
    for path in SOURCES:
        if path in allowed:
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if pattern.search(line):
                found.append(f"{path.relative_to(ROOT.parent)}:{number}: {line.strip()[:90]}")
    return found


def test_the_sources_are_found():
    assert MARKS_MODULE in SOURCES and len(SOURCES) > 50


def test_the_four_names_are_written_in_the_marks_module_only():
    names = [m.name for m in (*marks.MARKS.values(), marks.NOT_RATED)]
    assert names == ["骏马", "黄牛", "鸵鸟", "蜗牛", "不评价"]
    assert _hits(re.compile("|".join(names)), {MARKS_MODULE}) == []


def test_the_colours_are_written_in_the_marks_module_only():
    shades = {
        getattr(m, shade).lstrip("#")
        for m in marks.MARKS.values()
        for shade in ("hue", "icon", "ink", "tint", "solid")
    }
    pattern = re.compile("|".join(sorted(shades)), re.IGNORECASE)
    assert _hits(pattern, {MARKS_MODULE}) == []


def test_no_time_is_read_but_from_the_clock():
    clock = ROOT / "lib" / "clock.py"
    reads = r"timezone\.(now|localtime|localdate)\b|datetime\.now\(|date\.today\("
    assert _hits(re.compile(reads), {clock}) == []
    # Django's auto_now stamps read the real clock: StampField is the clock's.
    assert _hits(re.compile(r"models\.DateTimeField\([^)]*auto_now"), set()) == []


def test_the_pictograms_are_drawn_in_the_marks_module_only():
    # The first shapes of each animal's drawing.
    pieces = [m.drawing[:40] for m in marks.MARKS.values()]
    assert all(pieces)
    assert _hits(re.compile("|".join(re.escape(p) for p in pieces)), {MARKS_MODULE}) == []


def test_a_month_is_parsed_in_one_place():
    months = ROOT / "lib" / "months.py"
    pattern = re.compile(r"\.split\(\"-\"\)|int\(text\[:4\]\)|strptime\([^)]*%Y-%m")
    assert _hits(pattern, {months}) == []
