"""The office's month at a glance: who was expected and who reported, what waits for whom,
the ratings that would be posted and how they moved against last month. The desk and the
publication check read it, so that they say the same numbers as /me/ and the board.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from functools import cached_property
from types import SimpleNamespace

from django.db.models import Count, Q
from django.utils.translation import gettext as _

from ducha.boards.models import Hold, Publication
from ducha.boards.publication import chain_filter, is_published, posted
from ducha.ledger.models import Progress, Task
from ducha.lib import clock
from ducha.lib.months import add_months
from ducha.org.models import Jurisdiction
from ducha.ratings import marks
from ducha.ratings.display import MARKS, distribution, shown
from ducha.reports import standing, workflow
from ducha.reports.models import Report


@dataclass
class UnitLine:
    unit: object
    expected: int = 0
    reported: int = 0
    missing: list[standing.Standing] = field(default_factory=list)

    @property
    def overdue(self) -> int:
        return sum(s.overdue for s in self.missing)


@dataclass
class MonthSummary:
    month: dt.date
    deadline: dt.date
    today: dt.date
    standings: list[standing.Standing]
    tally: standing.Tally
    publications: list[Publication]
    held: Hold | None
    rated: list  # TaskRating, or the posted rows once published
    before: dict[str, str | None]  # last month's board: task code → rating ({}: unpublished)
    moves: dict[str, str]  # task code → movement against last month's board

    @property
    def previous_published(self) -> bool:
        return bool(self.before)

    @cached_property
    def movers(self) -> list[dict]:
        """The tasks whose mark went up or down, with both marks."""
        return [
            {
                "code": r.task,
                "before": shown(self.before.get(r.task)),
                "after": shown(r.rating),
                "move": self.moves[r.task],
            }
            for r in self.rated
            if self.moves.get(r.task) in ("up", "down")
        ]

    @property
    def ended(self) -> bool:
        return self.month < self.today.replace(day=1)

    @property
    def published(self) -> bool:
        return bool(self.publications)

    @property
    def deadline_passed(self) -> bool:
        return self.today > self.deadline

    @cached_property
    def missing(self) -> list[standing.Standing]:
        return [s for s in self.standings if s.expected and not s.reported]

    @cached_property
    def waiting_for_head(self) -> list[standing.Standing]:
        return [s for s in self.missing if s.stage == "submitted"]

    @cached_property
    def queue(self) -> list[Report]:
        """Reports the heads approved, waiting for the office's review, oldest first."""
        waiting = [s.report for s in self.standings if s.report and s.stage == "approved"]
        return sorted(waiting, key=lambda r: r.approved_at or clock.now())

    @cached_property
    def units(self) -> list[UnitLine]:
        lines: dict[int, UnitLine] = {}
        for s in self.standings:
            if not s.expected:
                continue
            line = lines.setdefault(s.task.lead_unit_id, UnitLine(s.task.lead_unit))
            line.expected += 1
            if s.reported:
                line.reported += 1
            else:
                line.missing.append(s)
        return sorted(lines.values(), key=lambda u: (-len(u.missing), -u.overdue, u.unit.name))

    @cached_property
    def complete_units(self) -> list[UnitLine]:
        return [u for u in self.units if not u.missing]

    @cached_property
    def distribution(self) -> list[tuple]:
        return distribution(r.rating for r in self.rated)

    @cached_property
    def movement(self) -> Counter:
        return Counter(self.moves.values())

    @property
    def warnings(self) -> list[str]:
        """What the office should know before it posts the month (in the reader's language)."""
        out = []
        if self.missing:
            out.append(
                _("%(n)s 项应报送的任务尚未报送，发布后将评为%(mark)s（未报送）")
                % {"n": len(self.missing), "mark": MARKS["snail"].name}
            )
        if self.waiting_for_head:
            out.append(
                _("其中 %(n)s 项已填报、仍待单位负责人审核") % {"n": len(self.waiting_for_head)}
            )
        if self.queue:
            out.append(_("%(n)s 份报送仍待改革办审核") % {"n": len(self.queue)})
        if self.tally.reworking:
            out.append(
                _("%(n)s 项已退回修改、尚未重新报送：发布将按原报送评价")
                % {"n": self.tally.reworking}
            )
        if not self.deadline_passed:
            out.append(_("报送截止日期尚未到"))
        return out


def summarize(month: dt.date, jurisdiction: Jurisdiction | None = None) -> MonthSummary:
    """Everything the desk shows for `month` in `jurisdiction` (None: the home one), in a
    constant number of queries."""
    rows = standing.month_standings(month, jurisdiction=jurisdiction)
    chain = chain_filter(jurisdiction)
    publications = list(
        Publication.objects.filter(chain, month=month).order_by("version").defer("snapshot")
    )
    held = Hold.objects.filter(chain, month=month, released_at__isnull=True).first()
    if publications:  # what was posted, not a recomputation
        rated = [
            SimpleNamespace(**row) for row in posted(month, jurisdiction=jurisdiction)["tasks"]
        ]
    else:
        rated = [s.rating for s in rows]
    before = _board_before(month, jurisdiction)
    moves = {
        r.task: marks.movement(before.get(r.task), r.rating, r.task in before)
        for r in rated
        if before
    }
    return MonthSummary(
        month=month,
        deadline=workflow.deadline(month, jurisdiction=jurisdiction),
        today=clock.today(),
        standings=rows,
        tally=standing.tally(rows),
        publications=publications,
        held=held,
        rated=rated,
        before=before,
        moves=moves,
    )


def _board_before(month: dt.date, jurisdiction: Jurisdiction | None) -> dict[str, str | None]:
    """Last month's latest publication as {task code: rating}; empty when not published."""
    last = posted(add_months(month, -1), jurisdiction=jurisdiction)
    return {t["task"]: t["rating"] for t in last["tasks"]} if last else {}


@dataclass
class Below:
    """How far one jurisdiction below is with `month`, as its office's desk would say it:
    what the city office reads of each county (read-only)."""

    jurisdiction: Jurisdiction
    tasks: int = 0  # its active tasks
    reported: int = 0  # tasks with the month's progress (approved online or imported)
    with_head: int = 0  # reports submitted, waiting for the unit head
    with_office: int = 0  # reports the head approved, waiting for its office
    accepted: int = 0
    published: bool = False


def below(month: dt.date, jurisdiction: Jurisdiction) -> list[Below]:
    """The jurisdictions right under `jurisdiction`, each with its month in numbers: five
    queries, however many there are."""
    lines = {j.pk: Below(j) for j in Jurisdiction.objects.filter(parent=jurisdiction)}
    if not lines:
        return []
    ids = list(lines)
    for row in (
        Task.objects.active()
        .filter(jurisdiction__in=ids)
        .values("jurisdiction")
        .annotate(n=Count("pk"))
        .order_by()
    ):
        lines[row["jurisdiction"]].tasks = row["n"]
    for row in (
        Progress.objects.filter(month=month, task__jurisdiction__in=ids)
        .values("task__jurisdiction")
        .annotate(n=Count("task", distinct=True))
        .order_by()
    ):
        lines[row["task__jurisdiction"]].reported = row["n"]
    Status = Report.Status
    for row in (
        Report.objects.filter(month=month, task__jurisdiction__in=ids)
        .values("task__jurisdiction")
        .annotate(
            with_head=Count("pk", filter=Q(status=Status.SUBMITTED)),
            with_office=Count("pk", filter=Q(status=Status.APPROVED)),
            accepted=Count("pk", filter=Q(status=Status.ACCEPTED)),
        )
        .order_by()
    ):
        line = lines[row["task__jurisdiction"]]
        line.with_head, line.with_office = row["with_head"], row["with_office"]
        line.accepted = row["accepted"]
    published = Publication.objects.filter(month=month, jurisdiction__in=ids)
    for pk in published.values_list("jurisdiction", flat=True).distinct():
        lines[pk].published = True
    for line in lines.values():
        if line.jurisdiction.home:  # its chain also holds rows naming no jurisdiction
            line.published = is_published(month, jurisdiction=line.jurisdiction)
    return list(lines.values())
