"""交办事项: a leader's written instruction (领导批示) or a meeting's decision (会议决定), assigned
by the reform office to a unit with a deadline. The unit signs for it (签收), handles it and
reports back (办理反馈); the office closes it (办结销号) or returns it (退回重办) to be
answered again. Each step is a row of the item's history."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from ducha.assignments import urgency
from ducha.lib import clock
from ducha.lib.clock import StampField
from ducha.org.models import Jurisdiction, Leader, Unit, home_jurisdiction_id
from ducha.reports.models import StoredFile


class AssignmentQuerySet(models.QuerySet):
    def visible_to(self, user):
        """The office and the auditor read their jurisdiction's (and those below, read
        only); a unit's members their unit's items; a city leader the items of his
        instructions."""
        if not user.is_authenticated or not user.is_active:
            return self.none()
        if user.sees_everything:
            return self.filter(jurisdiction__in=user.jurisdictions_read)
        if user.is_unit_member:
            return self.filter(unit_id=user.unit_id, jurisdiction_id=user.jurisdiction_id)
        if user.is_city_leader:
            return self.filter(leader_id=user.leader_id)
        return self.none()

    def open(self):
        return self.exclude(state=Assignment.State.CLOSED)

    def graded(self, which: str, today=None):
        """The items of this urgency grade (ducha.assignments.urgency) today."""
        today = today or clock.today()
        return self.filter(urgency.between(which, today, settings.DUCHA_ASSIGNMENT_NEAR_DAYS))


class Assignment(models.Model):
    class Kind(models.TextChoices):
        INSTRUCTION = "instruction", _("领导批示")
        DECISION = "decision", _("会议决定")

    class State(models.TextChoices):
        ISSUED = "issued", _("待签收")
        SIGNED = "signed", _("办理中")
        ANSWERED = "answered", _("已反馈待审核")
        RETURNED = "returned", _("退回重办")
        CLOSED = "closed", _("已办结销号")

    AWAITING_ANSWER = (State.SIGNED, State.RETURNED)  # the unit's turn to report back
    OPEN = (State.ISSUED, State.SIGNED, State.ANSWERED, State.RETURNED)

    jurisdiction = models.ForeignKey(
        Jurisdiction,
        verbose_name="辖区",
        on_delete=models.PROTECT,
        default=home_jurisdiction_id,
        related_name="+",
    )
    kind = models.CharField("类别", max_length=16, choices=Kind)
    title = models.CharField("事项", max_length=200)
    instruction = models.TextField("批示或决定内容")
    leader = models.ForeignKey(
        Leader,
        verbose_name="批示领导",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="assignments",
    )
    origin = models.CharField("来源", max_length=200, blank=True)
    task = models.ForeignKey(
        "ledger.Task",
        verbose_name="关联任务",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="assignments",
    )
    unit = models.ForeignKey(
        Unit, verbose_name="承办单位", on_delete=models.PROTECT, related_name="assignments"
    )
    deadline = models.DateField("办理时限")
    state = models.CharField("状态", max_length=16, choices=State, default=State.ISSUED)
    # The number, given when the item is assigned: 德改交〔2022〕3号.
    prefix = models.CharField("编号前缀", max_length=20)
    year = models.PositiveSmallIntegerField("年度")
    number = models.PositiveIntegerField("序号")
    issued_at = StampField("交办时间", auto_now_add=True)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="交办人", on_delete=models.PROTECT, related_name="+"
    )
    signed_at = models.DateTimeField("签收时间", null=True, blank=True)
    closed_on = models.DateField("办结日期", null=True, blank=True)
    # Closed after its deadline: recorded when closed (the grade shows it ever after).
    closed_late = models.BooleanField("逾期办结", null=True, blank=True)
    # The deadline warnings `due` sent (the dates), each at most once.
    near_warned_on = models.DateField("临期提醒日期", null=True, blank=True)
    overdue_warned_on = models.DateField("逾期提醒日期", null=True, blank=True)
    updated_at = StampField("更新时间", auto_now=True)

    objects = AssignmentQuerySet.as_manager()

    class Meta:
        ordering = ["-year", "-number"]
        verbose_name = verbose_name_plural = "交办事项"
        indexes = [models.Index(fields=["state", "deadline"])]
        constraints = [
            models.UniqueConstraint(
                fields=["jurisdiction", "year", "number"], name="one_assignment_number_per_year"
            )
        ]

    def __str__(self) -> str:
        return f"{self.document_number} {self.title}"

    @property
    def document_number(self) -> str:
        """德改交〔2022〕3号."""
        return f"{self.prefix}〔{self.year}〕{self.number}号"

    @property
    def awaits_signing(self) -> bool:
        return self.state == self.State.ISSUED

    @property
    def awaits_answer(self) -> bool:
        return self.state in self.AWAITING_ANSWER

    @property
    def awaits_review(self) -> bool:
        return self.state == self.State.ANSWERED

    @property
    def is_open(self) -> bool:
        return self.state != self.State.CLOSED

    def urgency(self, today=None) -> str:
        """normal, near, overdue, closed (on time) or closed_late: the badge it shows."""
        return urgency.grade(
            self.deadline,
            today or clock.today(),
            closed=self.state == self.State.CLOSED,
            closed_on=self.closed_on,
            near_days=settings.DUCHA_ASSIGNMENT_NEAR_DAYS,
        )

    def days_left(self, today=None) -> int:
        """Days until the deadline (negative: days overdue)."""
        return (self.deadline - (today or clock.today())).days


class AssignmentCounter(models.Model):
    """The last number given in a jurisdiction's year: locked while an item is numbered."""

    jurisdiction = models.ForeignKey(Jurisdiction, on_delete=models.CASCADE, related_name="+")
    year = models.PositiveSmallIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = verbose_name_plural = "交办事项编号"
        constraints = [
            models.UniqueConstraint(
                fields=["jurisdiction", "year"], name="one_assignment_counter_per_year"
            )
        ]

    def __str__(self) -> str:
        return f"{self.jurisdiction} {self.year}: {self.last}"


class Step(models.Model):
    """One step of an item's history: who did what, when, with his words."""

    class Action(models.TextChoices):
        ISSUED = "issued", _("交办")
        SIGNED = "signed", _("签收")
        ANSWERED = "answered", _("办理反馈")
        RETURNED = "returned", _("退回重办")
        CLOSED = "closed", _("办结销号")

    assignment = models.ForeignKey(
        Assignment, verbose_name="交办事项", on_delete=models.CASCADE, related_name="steps"
    )
    action = models.CharField("环节", max_length=16, choices=Action)
    text = models.TextField("内容", blank=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="办理人", on_delete=models.PROTECT, related_name="+"
    )
    at = StampField("时间", auto_now_add=True)

    class Meta:
        ordering = ["at", "pk"]
        verbose_name = verbose_name_plural = "交办事项办理记录"

    def __str__(self) -> str:
        return f"{self.assignment.document_number} {self.get_action_display()}"


class AssignmentFile(StoredFile):
    """A file of an answer (办理佐证材料): checked by content and stored as a report's
    evidence is (ducha.reports.evidence)."""

    step = models.ForeignKey(
        Step, verbose_name="办理记录", on_delete=models.CASCADE, related_name="files"
    )

    class Meta(StoredFile.Meta):
        verbose_name = verbose_name_plural = "交办事项佐证材料"
