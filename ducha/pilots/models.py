"""改革试点: the national, provincial and city reform pilots landed in a jurisdiction, each
approved by a body's document, led by a unit and tied to ledger tasks, moving one step at a
time from 已批复 to 已复制推广; and the replicable practices (可复制推广经验) they yield.

The date a pilot reached each status is kept on it (approved_on, started_on, evaluated_on,
promoted_on): its timeline, and its status on any past day (the year's 盘点 counts them as
they stood at the year's end)."""

from __future__ import annotations

import datetime as dt

from django.db import models
from django.utils.translation import gettext_lazy as _

from ducha.lib.clock import StampField
from ducha.org.models import Area, Jurisdiction, Unit, home_jurisdiction_id


def awaiting_evaluation() -> models.Q:
    """Approved or in progress: the evaluation is still to come."""
    return models.Q(status__in=Pilot.BEFORE_EVALUATION)


def evaluation_near(today: dt.date, days: int) -> models.Q:
    """Awaiting evaluation, its deadline today or within `days` days."""
    window = models.Q(
        evaluation_due__gte=today, evaluation_due__lte=today + dt.timedelta(days=days)
    )
    return awaiting_evaluation() & window


def evaluation_past(today: dt.date) -> models.Q:
    """Awaiting evaluation after its deadline."""
    return awaiting_evaluation() & models.Q(evaluation_due__lt=today)


# National first, then provincial, then city (their keys sort otherwise).
BY_LEVEL = models.Case(
    models.When(level="national", then=models.Value(0)),
    models.When(level="provincial", then=models.Value(1)),
    default=models.Value(2),
)


class PilotQuerySet(models.QuerySet):
    def awaiting_evaluation(self):
        return self.filter(awaiting_evaluation())

    def evaluation_near(self, today: dt.date, days: int):
        return self.filter(evaluation_near(today, days))

    def evaluation_past(self, today: dt.date):
        return self.filter(evaluation_past(today))

    def search(self, text: str):
        """Title, approving body, document number or lead unit containing `text`."""
        q = models.Q()
        for word in text.split():
            q &= (
                models.Q(title__icontains=word)
                | models.Q(approving_body__icontains=word)
                | models.Q(approval_number__icontains=word)
                | models.Q(lead_unit__name__icontains=word)
            )
        return self.filter(q)


class Pilot(models.Model):
    class Level(models.TextChoices):
        NATIONAL = "national", _("国家级")
        PROVINCIAL = "provincial", _("省级")
        CITY = "city", _("市级")

    class Status(models.TextChoices):
        APPROVED = "approved", _("已批复")
        IN_PROGRESS = "in_progress", _("推进中")
        EVALUATED = "evaluated", _("已评估")
        PROMOTED = "promoted", _("已复制推广")

    # The order the statuses are reached in, and the date field each is reached on.
    ORDER = (Status.APPROVED, Status.IN_PROGRESS, Status.EVALUATED, Status.PROMOTED)
    REACHED_ON = {
        Status.APPROVED: "approved_on",
        Status.IN_PROGRESS: "started_on",
        Status.EVALUATED: "evaluated_on",
        Status.PROMOTED: "promoted_on",
    }
    BEFORE_EVALUATION = (Status.APPROVED, Status.IN_PROGRESS)

    jurisdiction = models.ForeignKey(
        Jurisdiction,
        verbose_name="辖区",
        on_delete=models.PROTECT,
        default=home_jurisdiction_id,
        related_name="+",
    )
    title = models.CharField("试点名称", max_length=200)
    level = models.CharField("试点层级", max_length=16, choices=Level)
    approving_body = models.CharField("批准单位", max_length=100)
    approval_number = models.CharField("批复文号", max_length=100, blank=True)
    approved_on = models.DateField("批复日期")
    area = models.ForeignKey(
        Area, verbose_name="领域", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    lead_unit = models.ForeignKey(
        Unit, verbose_name="牵头单位", on_delete=models.PROTECT, related_name="pilots_led"
    )
    tasks = models.ManyToManyField(
        "ledger.Task", verbose_name="关联改革任务", blank=True, related_name="pilots"
    )
    status = models.CharField("状态", max_length=16, choices=Status, default=Status.APPROVED)
    started_on = models.DateField("启动推进日期", null=True, blank=True)
    evaluation_due = models.DateField("评估期限", null=True, blank=True)
    evaluated_on = models.DateField("评估日期", null=True, blank=True)
    evaluation_summary = models.TextField("评估结论", blank=True)
    promoted_on = models.DateField("复制推广日期", null=True, blank=True)
    created_at = StampField("登记时间", auto_now_add=True)
    updated_at = StampField("更新时间", auto_now=True)

    objects = PilotQuerySet.as_manager()

    class Meta:
        ordering = [BY_LEVEL, "-approved_on", "pk"]
        verbose_name = verbose_name_plural = "改革试点"
        indexes = [models.Index(fields=["jurisdiction", "level", "status"])]
        constraints = [
            models.UniqueConstraint(
                fields=["jurisdiction", "title"], name="pilot_title_unique_in_jurisdiction"
            )
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def step(self) -> int:
        return self.ORDER.index(self.status)

    @property
    def next_status(self) -> str | None:
        return self.ORDER[self.step + 1] if self.step + 1 < len(self.ORDER) else None

    @property
    def previous_status(self) -> str | None:
        return self.ORDER[self.step - 1] if self.step > 0 else None

    @property
    def status_tone(self) -> str:
        """The status badge's tone (app.css .stage.tone-*): done once evaluated."""
        return "waiting" if self.awaits_evaluation else "done"

    @property
    def awaits_evaluation(self) -> bool:
        return self.status in self.BEFORE_EVALUATION

    def status_on(self, day: dt.date) -> str | None:
        """Its status at the end of `day` (None: not approved yet)."""
        reached = None
        for status in self.ORDER:
            on = getattr(self, self.REACHED_ON[status])
            if on is None or on > day or self.step < self.ORDER.index(status):
                break
            reached = status
        return reached

    def deadline_state(self, today: dt.date, near_days: int) -> str:
        """Past once the evaluation deadline has gone by unevaluated ("past"), "near" within
        `near_days` days of it, else ""."""
        if not self.awaits_evaluation or self.evaluation_due is None:
            return ""
        if self.evaluation_due < today:
            return "past"
        if (self.evaluation_due - today).days <= near_days:
            return "near"
        return ""

    def timeline(self) -> list[tuple[str, str, dt.date | None]]:
        """(status, label, date reached or None) for every status, in order."""
        return [
            (
                s,
                Pilot.Status(s).label,
                getattr(self, self.REACHED_ON[s]) if self.ORDER.index(s) <= self.step else None,
            )
            for s in self.ORDER
        ]


class Practice(models.Model):
    """可复制推广经验: what a pilot found worth copying, and where it has been copied."""

    pilot = models.ForeignKey(
        Pilot, verbose_name="改革试点", on_delete=models.CASCADE, related_name="practices"
    )
    title = models.CharField("经验名称", max_length=200)
    description = models.TextField("主要做法", blank=True)
    scope = models.CharField("推广范围", max_length=200, blank=True)
    promoted_on = models.DateField("推广日期", null=True, blank=True)
    created_at = StampField("登记时间", auto_now_add=True)
    updated_at = StampField("更新时间", auto_now=True)

    class Meta:
        ordering = ["pilot_id", "pk"]
        verbose_name = verbose_name_plural = "可复制推广经验"

    def __str__(self) -> str:
        return self.title
