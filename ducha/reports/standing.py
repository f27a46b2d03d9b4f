"""Where each task stands in its month's reporting: expected or not, reported or not, and where
its report is on its way. /me/, the office desk, the leader's page and the publication check
all read this, so they agree task by task.

Expected to report in month M means exactly what SPEC §2 rates in M (`TaskRating.expected`);
reported means the month has progress rows, whether approved online or imported. Nothing is
late before the deadline has passed.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field

from django.utils.translation import gettext_lazy as _

from ducha.ledger.models import Task
from ducha.lib import clock
from ducha.org.models import of_jurisdiction
from ducha.ratings.monthly import TaskRating, rate_month
from ducha.reports import workflow
from ducha.reports.models import Report, month_open

Status = Report.Status

# The stages a task goes through in a month, in the order a desk lists them.
LABELS = {
    "none": _("尚未填报"),
    "draft": _("草稿，尚未提交"),
    "returned": _("已退回修改"),
    "submitted": _("待单位负责人审核"),
    "approved": _("已报送，待改革办审核"),
    "accepted": _("已报送，改革办已审核"),
    "imported": _("已报送（表格导入）"),
    "not_expected": _("本月无需报送"),
}
PENDING = ("none", "draft", "returned", "submitted")


@dataclass
class Standing:
    task: Task
    month: dt.date
    rating: TaskRating
    report: Report | None
    deadline: dt.date
    today: dt.date
    history: list[dict] = field(default_factory=list)  # published marks, when a page wants them

    @property
    def due_nodes(self) -> list:
        """The nodes due this month (the task's nodes prefetched, or one query)."""
        return [n for n in self.task.nodes.all() if n.due_month == self.month]

    @property
    def expected(self) -> bool:
        return self.rating.expected

    @property
    def reported(self) -> bool:
        return self.rating.reported

    @property
    def stage(self) -> str:
        if not self.expected:
            return "not_expected"
        report = self.report.status if self.report else None
        if self.reported:
            # Rows without a report under way came from a spreadsheet import; a report the
            # office sent back has had its approval's rows undone, so rows beside it are the
            # ones from before (an import).
            online = (Status.APPROVED, Status.ACCEPTED, Status.RETURNED, Status.SUBMITTED)
            return report if report in online else "imported"
        return report or "none"

    @property
    def label(self):
        return LABELS[self.stage]

    @property
    def reworking(self) -> bool:
        """Reported, but the office sent the report back (or it waits again for its head)."""
        return self.expected and self.reported and self.stage in ("returned", "submitted")

    @property
    def overdue(self) -> bool:
        """Expected, not reported, and the deadline has passed."""
        return self.expected and not self.reported and self.today > self.deadline

    @property
    def days_late(self) -> int:
        return (self.today - self.deadline).days if self.overdue else 0

    @property
    def tone(self) -> str:
        """How a page colours it: done, waiting on someone, due, late, or nothing to do."""
        if not self.expected:
            return "quiet"
        if self.stage in ("returned", "submitted"):
            return "late" if self.overdue else "waiting"
        if self.reported:
            return "done"
        return "late" if self.overdue else "due"


def month_standings(month: dt.date, tasks=None, jurisdiction=None) -> list[Standing]:
    """Every task of the jurisdiction (None: the home one), or of `tasks`, a queryset, in
    `month`, in task-code order: six queries."""
    everything = tasks is None  # then no list of ids to send: every query is lighter
    tasks = Task.objects.in_jurisdiction(jurisdiction) if everything else tasks
    # What the pages show of a task, and no more: a desk lists hundreds of them.
    tasks = (
        tasks.select_related("leader", "lead_unit")
        .only("code", "title", "status", "lead_unit__name", "leader__name")
        .order_by("code")
    )
    by_code = {t.code: t for t in tasks}
    ratings = (
        rate_month(month, jurisdiction=jurisdiction) if everything else rate_month(month, tasks)
    )
    reports_q = (
        Report.objects.filter(month=month)
        .select_related("unit")
        .only("task_id", "status", "late", "approved_at", "unit__name", "month")
    )
    if everything:
        reports_q = reports_q.filter(of_jurisdiction(jurisdiction, through="task__"))
    else:
        reports_q = reports_q.filter(task_id__in=[t.pk for t in by_code.values()])
    reports = {r.task_id: r for r in reports_q}
    for task in by_code.values():  # pages reach the task from its report: no query each
        if task.pk in reports:
            reports[task.pk].task = task
    deadline, today = workflow.deadline(month, jurisdiction=jurisdiction), clock.today()
    return [
        Standing(task, month, r, reports.get(task.pk), deadline, today)
        for r in ratings
        if (task := by_code.get(r.task)) is not None
    ]


@dataclass(frozen=True)
class Tally:
    """A month's reporting in numbers. `stages` counts the tasks not reported yet, so the
    parts add up to what is missing; `reworking` counts reported tasks whose report the
    office sent back, or that were sent back and submitted again (a return undoes the
    approval's rows: what stands is what the month held before, an import)."""

    total: int
    expected: int
    reported: int
    imported: int
    stages: Counter
    overdue: int
    reworking: int

    @property
    def missing(self) -> int:
        return self.expected - self.reported

    @property
    def not_expected(self) -> int:
        return self.total - self.expected


def tally(standings: list[Standing]) -> Tally:
    return Tally(
        total=len(standings),
        expected=sum(s.expected for s in standings),
        reported=sum(s.expected and s.reported for s in standings),
        imported=sum(s.stage == "imported" for s in standings),
        stages=Counter(s.stage for s in standings if s.expected and not s.reported),
        overdue=sum(s.overdue for s in standings),
        reworking=sum(s.reworking for s in standings),
    )


def to_do(user, rows: list[Standing]) -> list[Standing]:
    """The tasks this unit member has to act on now: the head approves what was submitted;
    the reporter fills in what is due and corrects what the office sent back."""
    if not user.is_unit_member or not rows:
        return []
    if not month_open(rows[0].month, jurisdiction=user.jurisdiction):
        return []
    if user.is_unit_head:
        return [r for r in rows if r.stage == "submitted"]
    open_ = ("none", "draft")
    return [r for r in rows if r.stage == "returned" or (not r.reported and r.stage in open_)]
