"""The open door in numbers: received and replied, by the suggester's category and by the
outcome, in one grouped query; the public page's list of suggestions taken up with their
replies; and the year's part of the 盘点 (bulletins.content.YEAR_SECTIONS), in Chinese as
the document is. Nothing here reads a name, a contact or an address."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass

from django.db.models import Count, Prefetch
from django.utils import timezone

from ducha.bulletins.content import Section, Table
from ducha.ledger.models import Task
from ducha.opendoor.models import Suggestion
from ducha.org.models import Jurisdiction, of_jurisdiction

Category, State, Outcome = Suggestion.Category, Suggestion.State, Suggestion.Outcome
HEADING = "开门搞改革"
TAKEN_UP_SHOWN = 100  # the public page lists the newest this many taken up


@dataclass(frozen=True)
class Line:
    key: str
    label: str
    received: int
    replied: int
    outcomes: list[tuple[str, int]]  # (label, replies with it), in Outcome's order


@dataclass(frozen=True)
class Tally:
    received: int
    replied: int
    by_category: list[Line]
    by_outcome: list[tuple[str, str, int]]  # key, label, count of replies

    @property
    def in_handling(self) -> int:
        return self.received - self.replied


def tally(found) -> Tally:
    """The counts of the suggestions `found` (one query)."""
    counts = Counter()
    for row in found.values("category", "state", "outcome").annotate(n=Count("pk")).order_by():
        counts[(row["category"], row["state"], row["outcome"])] += row["n"]
    lines = []
    for key, label in Category.choices:
        mine = {k: n for k, n in counts.items() if k[0] == key}
        replied = {k: n for k, n in mine.items() if k[1] == State.REPLIED}
        lines.append(
            Line(
                key,
                str(label),
                sum(mine.values()),
                sum(replied.values()),
                [
                    (str(label), sum(n for k, n in replied.items() if k[2] == o))
                    for o, label in Outcome.choices
                ],
            )
        )
    return Tally(
        received=sum(line.received for line in lines),
        replied=sum(line.replied for line in lines),
        by_category=lines,
        by_outcome=[
            (o, str(label), sum(line.outcomes[i][1] for line in lines))
            for i, (o, label) in enumerate(Outcome.choices)
        ],
    )


def taken_up(found) -> list[Suggestion]:
    """The replied suggestions adopted in whole or in part, newest reply first, with their
    linked tasks (two queries)."""
    return list(
        found.filter(state=State.REPLIED, outcome__in=Suggestion.TAKEN_UP)
        .select_related("area")
        .only("code", "category", "area__name", "title", "outcome", "reply", "replied_at")
        .prefetch_related(Prefetch("tasks", Task.objects.only("code", "title").order_by("code")))
        .order_by("-replied_at", "-pk")[:TAKEN_UP_SHOWN]
    )


# The year's 盘点 ---------------------------------------------------------------------------------


def _year(year: int) -> tuple[dt.datetime, dt.datetime]:
    start = timezone.make_aware(dt.datetime(year, 1, 1))
    return start, timezone.make_aware(dt.datetime(year + 1, 1, 1))


def year_section(year: int, jurisdiction: Jurisdiction | None) -> Section | None:
    """The year's suggestions by category and outcome; None when none came in that year."""
    start, end = _year(year)
    found = Suggestion.objects.filter(
        of_jurisdiction(jurisdiction), created_at__gte=start, created_at__lt=end
    )
    t = tally(found)
    if not t.received:
        return None
    replied_outcomes = "、".join(f"{label}{n}条" for _, label, n in t.by_outcome if n)
    opening = (
        f"{year}年通过“开门搞改革”渠道收到民主党派、工商联、无党派人士、企业和群众等"
        f"提出的意见建议{t.received}条，已答复{t.replied}条"
        + (f"（{replied_outcomes}）" if replied_outcomes else "")
        + (f"，办理中{t.in_handling}条" if t.in_handling else "")
        + "。按提出者类别统计如下："
    )
    header = ("提出者类别", "收到", "已答复", *(label for _, label, _ in t.by_outcome))
    rows = [
        (line.label, str(line.received), str(line.replied), *(str(n) for _, n in line.outcomes))
        for line in t.by_category
        if line.received
    ]
    rows.append(("合计", str(t.received), str(t.replied), *(str(n) for _, _, n in t.by_outcome)))
    blocks: list = [opening, Table(header, rows)]
    adopted = list(
        found.filter(state=State.REPLIED, outcome__in=Suggestion.TAKEN_UP).order_by(
            "created_at", "pk"
        )
    )
    if adopted:
        blocks += [
            f"采纳和部分采纳的意见建议{len(adopted)}条：",
            Table(
                ("意见建议", "提出者类别", "办理结果"),
                [
                    (s.title, str(s.get_category_display()), str(s.get_outcome_display()))
                    for s in adopted
                ],
            ),
        ]
    return Section(HEADING, blocks)
