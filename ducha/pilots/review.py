"""The pilots' part of the year's 盘点 (bulletins.content.YEAR_SECTIONS): how many there are
by level and by status as they stood at the year's end, those evaluated and promoted in the
year, and the practices promoted in it. Chinese, as the document is."""

from __future__ import annotations

import datetime as dt
from collections import Counter

from ducha.bulletins.content import Section, Table
from ducha.lib.months import format_day_zh
from ducha.org.models import Jurisdiction, of_jurisdiction
from ducha.pilots.models import BY_LEVEL, Pilot, Practice

HEADING = "改革试点"


def _day(day: dt.date | None) -> str:
    return format_day_zh(day) if day else "—"


def year_section(year: int, jurisdiction: Jurisdiction | None) -> Section | None:
    """None when the jurisdiction had no pilot approved by the year's end."""
    end = dt.date(year, 12, 31)
    pilots = list(
        Pilot.objects.filter(of_jurisdiction(jurisdiction), approved_on__lte=end)
        .select_related("lead_unit")
        .order_by(BY_LEVEL, "approved_on", "pk")
    )
    if not pilots:
        return None
    levels, statuses = Pilot.Level, Pilot.Status
    by = Counter((p.level, p.status_on(end)) for p in pilots)
    per_level = Counter(p.level for p in pilots)
    new = sum(p.approved_on.year == year for p in pilots)
    blocks: list = [
        f"截至{year}年底，共有改革试点{len(pilots)}个，其中"
        + "、".join(f"{label}{per_level[key]}个" for key, label in _zh(levels))
        + f"；{year}年新批复{new}个。按推进状态（截至年底）统计如下：",
        Table(
            ("层级", *(label for _, label in _zh(statuses)), "合计"),
            [
                (label, *(str(by[(key, s)]) for s, _ in _zh(statuses)), str(per_level[key]))
                for key, label in _zh(levels)
            ]
            + [
                (
                    "合计",
                    *(str(sum(by[(k, s)] for k in levels.values)) for s, _ in _zh(statuses)),
                    str(len(pilots)),
                )
            ],
        ),
    ]
    evaluated = [p for p in pilots if p.evaluated_on and p.evaluated_on.year == year]
    promoted = [p for p in pilots if p.promoted_on and p.promoted_on.year == year]
    if evaluated or promoted:
        blocks += [
            f"{year}年完成评估的试点{len(evaluated)}个，复制推广的试点{len(promoted)}个：",
            Table(
                ("试点", "层级", "牵头单位", "评估日期", "复制推广日期"),
                [
                    (
                        p.title,
                        p.get_level_display(),
                        p.lead_unit.name,
                        _day(p.evaluated_on),
                        _day(p.promoted_on if p.promoted_on and p.promoted_on <= end else None),
                    )
                    for p in pilots
                    if p in evaluated or p in promoted
                ],
            ),
        ]
    practices = list(
        Practice.objects.filter(
            of_jurisdiction(jurisdiction, "pilot__"),
            promoted_on__gte=dt.date(year, 1, 1),
            promoted_on__lte=end,
        )
        .select_related("pilot")
        .order_by("promoted_on", "pk")
    )
    if practices:
        blocks += [
            f"{year}年形成并复制推广可复制推广经验{len(practices)}条：",
            Table(
                ("经验", "试点", "推广范围", "推广日期"),
                [(x.title, x.pilot.title, x.scope or "—", _day(x.promoted_on)) for x in practices],
            ),
        ]
    return Section(HEADING, blocks)


def _zh(choices) -> list[tuple[str, str]]:
    """(key, label): review() runs in the site's language, the document's (Chinese)."""
    return [(key, str(label)) for key, label in choices.choices]
