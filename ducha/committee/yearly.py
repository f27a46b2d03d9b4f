"""A year of the committee in figures: on /committee/ and in the year's 盘点 (its section of
ducha.bulletins.content.YEAR_SECTIONS, registered in CommitteeConfig.ready)."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Q

from ducha.bulletins.content import Section, Table
from ducha.committee.models import (
    AgendaItem,
    Decision,
    Meeting,
    committee_name_zh,
)
from ducha.lib.months import format_day_zh
from ducha.org.models import Jurisdiction

Kind, Tracking = AgendaItem.Kind, Decision.Tracking


@dataclass(frozen=True)
class Figures:
    meetings: int
    plenary: int
    thematic: int
    plans: int
    reports: int
    studies: int
    decisions: int
    new_tasks: int
    follow_ups: int
    assignments: int

    @property
    def tracked(self) -> int:
        return self.new_tasks + self.follow_ups + self.assignments

    @property
    def untracked(self) -> int:
        return self.decisions - self.tracked


def figures(year: int, jurisdiction: Jurisdiction | None = None) -> Figures:
    """The year's meetings, agenda items by kind and decisions by how they are tracked, in
    three queries."""
    place = Jurisdiction.objects.resolve(jurisdiction)
    meetings = Meeting.objects.of_year(place, year).aggregate(
        n=Count("pk"),
        plenary=Count("pk", filter=Q(kind=Meeting.Kind.PLENARY)),
        thematic=Count("pk", filter=Q(kind=Meeting.Kind.THEMATIC)),
    )
    agenda = AgendaItem.objects.filter(meeting__jurisdiction=place, meeting__year=year).aggregate(
        plans=Count("pk", filter=Q(kind=Kind.PLAN)),
        reports=Count("pk", filter=Q(kind=Kind.REPORT)),
        studies=Count("pk", filter=Q(kind=Kind.STUDY)),
    )
    decisions = Decision.objects.filter(meeting__jurisdiction=place, meeting__year=year).aggregate(
        n=Count("pk"),
        new=Count("pk", filter=Q(tracking=Tracking.NEW_TASK)),
        follow=Count("pk", filter=Q(tracking=Tracking.FOLLOW_UP)),
        assigned=Count("pk", filter=Q(tracking=Tracking.ASSIGNMENT)),
    )
    return Figures(
        meetings=meetings["n"],
        plenary=meetings["plenary"],
        thematic=meetings["thematic"],
        plans=agenda["plans"],
        reports=agenda["reports"],
        studies=agenda["studies"],
        decisions=decisions["n"],
        new_tasks=decisions["new"],
        follow_ups=decisions["follow"],
        assignments=decisions["assigned"],
    )


def review_section(year: int, jurisdiction: Jurisdiction | None = None) -> Section | None:
    """The 盘点's section on the committee (Chinese, as the document is): the year's
    meetings, plans reviewed, reports heard and decisions tracked, with a table of the
    meetings; None when the year had no meeting."""
    place = Jurisdiction.objects.resolve(jurisdiction)
    f = figures(year, place)
    if not f.meetings:
        return None
    name = committee_name_zh(place)
    kinds = []
    if f.plenary:
        kinds.append(f"全体会议{f.plenary}次")
    if f.thematic:
        kinds.append(f"专题会议{f.thematic}次")
    studies = f"，开展学习研究{f.studies}项" if f.studies else ""
    opening = (
        f"{year}年，{name}共召开会议{f.meetings}次（{'、'.join(kinds)}），"
        f"审议改革方案{f.plans}个，听取汇报{f.reports}项{studies}。"
    )
    tracked = (
        f"会议作出决定{f.decisions}项，已转化为跟踪事项{f.tracked}项：新列改革任务{f.new_tasks}项，"
        f"纳入已有任务跟踪{f.follow_ups}项，作为交办事项交办{f.assignments}项"
    )
    tracked += f"；尚待转办{f.untracked}项。" if f.untracked else "。"
    rows = (
        Meeting.objects.of_year(place, year)
        .select_related("presided_by")
        .annotate(
            plans=Count("agenda", filter=Q(agenda__kind=Kind.PLAN), distinct=True),
            reports=Count("agenda", filter=Q(agenda__kind=Kind.REPORT), distinct=True),
            decided=Count("decisions", distinct=True),
        )
        .order_by("number")
    )
    table = Table(
        ("会议", "召开日期", "会议类型", "主持人", "审议方案", "听取汇报", "决定事项"),
        [
            (
                f"第{m.number}次",
                format_day_zh(m.held_on),
                str(m.get_kind_display()),
                m.presided_by.name if m.presided_by else "—",
                str(m.plans),
                str(m.reports),
                str(m.decided),
            )
            for m in rows
        ],
    )
    return Section("深改委会议及决定落实情况", [opening, tracked, table])
