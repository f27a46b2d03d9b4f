"""督办: the office's rules (问责阶梯), the proposals they make from the published boards, the
interview list, and the supervision notices (督办通知) with the units' answers (整改反馈)."""

from __future__ import annotations

import json

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from ducha.lib.clock import StampField
from ducha.org.models import Jurisdiction, Leader, Unit
from ducha.reports.models import StoredFile
from ducha.supervision import conditions


class Step(models.TextChoices):
    """What the ladder proposes: each step is confirmed by the office before anything happens."""

    NOTICE = "notice", _("督办通知")
    INTERVIEW = "interview", _("约谈")
    REMINDER = "reminder", _("提醒")


class Rule(models.Model):
    """One rung of a jurisdiction's ladder: a condition over a task's published marks (or its
    nodes' deadlines) and the step it proposes. `mark` is a rating key (ratings/marks.py);
    `count` is the condition's number: N months in a row, N times in a year, more than N
    months overdue."""

    class Kind(models.TextChoices):
        STREAK = conditions.STREAK, _("连续 N 个月评为同一等次")
        IN_YEAR = conditions.IN_YEAR, _("同一年内 N 次评为同一等次")
        NODE_OVERDUE = conditions.NODE_OVERDUE, _("节点逾期超过 N 个月")

    jurisdiction = models.ForeignKey(
        Jurisdiction, verbose_name="辖区", on_delete=models.CASCADE, related_name="+"
    )
    kind = models.CharField("条件", max_length=16, choices=Kind)
    mark = models.CharField("等次", max_length=16, blank=True)
    count = models.PositiveSmallIntegerField("N")
    step = models.CharField("措施", max_length=16, choices=Step)
    active = models.BooleanField("启用", default=True)
    # Points taken off the lead unit's assessment score once the office confirms the step;
    # zero (the default) takes nothing off.
    deduction = models.DecimalField("扣分", max_digits=4, decimal_places=1, default=0)
    order = models.PositiveSmallIntegerField("排序", default=0)

    class Meta:
        ordering = ["jurisdiction", "order", "pk"]
        verbose_name = verbose_name_plural = "问责规则"
        constraints = [
            models.UniqueConstraint(
                fields=["jurisdiction", "kind", "mark", "count", "step"], name="one_rule_per_rung"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.mark} {self.count} → {self.get_step_display()}"


def dump_list(value: list) -> str:
    """Reasons and marks are kept as JSON text: the same spelling for the same content."""
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def load_list(text: str) -> list:
    try:
        value = json.loads(text or "[]")
    except ValueError:
        return []
    return value if isinstance(value, list) else []


class Proposal(models.Model):
    """What the ladder proposes for one task in one published month: one step (a notice, an
    interview, a reminder), with the rules that fired. Nothing happens until the office
    confirms it; a dismissed proposal stays on record."""

    class State(models.TextChoices):
        PENDING = "pending", _("待确认")
        CONFIRMED = "confirmed", _("已确认")
        DISMISSED = "dismissed", _("已不予采纳")

    jurisdiction = models.ForeignKey(
        Jurisdiction, verbose_name="辖区", on_delete=models.PROTECT, related_name="+"
    )
    task = models.ForeignKey(
        "ledger.Task", verbose_name="任务", on_delete=models.CASCADE, related_name="proposals"
    )
    unit = models.ForeignKey(
        Unit, verbose_name="牵头单位", on_delete=models.PROTECT, related_name="+"
    )
    month = models.DateField("公示月份")
    step = models.CharField("措施", max_length=16, choices=Step)
    reasons = models.TextField("依据（JSON）", default="[]")
    triggers = models.TextField("触发的评价（JSON）", default="[]")
    deduction = models.DecimalField("扣分", max_digits=4, decimal_places=1, default=0)
    state = models.CharField("状态", max_length=16, choices=State, default=State.PENDING)
    created_at = StampField("提出时间", auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="确认人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    decided_at = models.DateTimeField("确认时间", null=True, blank=True)
    note = models.TextField("说明", blank=True)

    class Meta:
        ordering = ["-month", "task__code", "step"]
        verbose_name = verbose_name_plural = "问责建议"
        constraints = [
            # The same step for the same task and month is proposed once, however often the
            # ladder runs (a correction, a repeated tick).
            models.UniqueConstraint(fields=["task", "month", "step"], name="one_proposal_per_step")
        ]

    def __str__(self) -> str:
        return f"{self.task.code} {self.month:%Y-%m} {self.get_step_display()}"

    def reason_list(self) -> list[dict]:
        return load_list(self.reasons)

    def trigger_list(self) -> list[dict]:
        return load_list(self.triggers)


class Interview(models.Model):
    """The 约谈 list: a leader and a task the office confirmed for an interview."""

    jurisdiction = models.ForeignKey(
        Jurisdiction, verbose_name="辖区", on_delete=models.PROTECT, related_name="+"
    )
    proposal = models.ForeignKey(
        Proposal, verbose_name="问责建议", on_delete=models.CASCADE, related_name="interviews"
    )
    leader = models.ForeignKey(
        Leader, verbose_name="分管领导", on_delete=models.PROTECT, related_name="+"
    )
    task = models.ForeignKey(
        "ledger.Task", verbose_name="任务", on_delete=models.CASCADE, related_name="+"
    )
    unit = models.ForeignKey(
        Unit, verbose_name="牵头单位", on_delete=models.PROTECT, related_name="+"
    )
    month = models.DateField("公示月份")
    added_at = StampField("列入时间", auto_now_add=True)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="确认人",
        null=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        ordering = ["-month", "leader__order", "task__code"]
        verbose_name = verbose_name_plural = "约谈名单"
        constraints = [
            models.UniqueConstraint(fields=["proposal", "leader"], name="one_interview_per_leader")
        ]

    def __str__(self) -> str:
        return f"{self.leader} {self.task.code}"


class NoticeQuerySet(models.QuerySet):
    def visible_to(self, user):
        """The notices of the tasks this person reads (Task.objects.visible_to): the office
        and the auditor of the jurisdiction (and of those above it, read-only), the lead
        units' members, the task's leaders. Drafts are the office's and the auditor's."""
        from ducha.ledger.models import Task

        if not user.is_authenticated:
            return self.none()
        found = self.filter(task__in=Task.objects.visible_to(user))
        return found if user.sees_everything else found.exclude(state=Notice.State.DRAFT)

    def open(self):
        """Issued and not yet settled: waiting for the unit's answer or the office's decision."""
        return self.filter(state__in=Notice.OPEN)

    def overdue(self, today):
        """Waiting for the unit's answer past its deadline."""
        return self.filter(state__in=Notice.AWAITING, due_on__lt=today)


class Notice(models.Model):
    """督办通知: issued by a jurisdiction's reform office to a task's lead unit (copied to the
    task's leader), numbered 德改督〔YYYY〕N号 per jurisdiction and year when issued."""

    class State(models.TextChoices):
        DRAFT = "draft", _("草稿")
        ISSUED = "issued", _("已签发，待反馈")
        ANSWERED = "answered", _("已反馈，待审核")
        RETURNED = "returned", _("反馈退回，待重新反馈")
        ACCEPTED = "accepted", _("已办结")

    AWAITING = (State.ISSUED, State.RETURNED)  # the unit's turn
    OPEN = (State.ISSUED, State.ANSWERED, State.RETURNED)

    jurisdiction = models.ForeignKey(
        Jurisdiction, verbose_name="辖区", on_delete=models.PROTECT, related_name="+"
    )
    task = models.ForeignKey(
        "ledger.Task", verbose_name="任务", on_delete=models.PROTECT, related_name="notices"
    )
    unit = models.ForeignKey(
        Unit, verbose_name="主送单位", on_delete=models.PROTECT, related_name="+"
    )
    proposal = models.OneToOneField(
        Proposal,
        verbose_name="问责建议",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="notice",
    )
    reasons = models.TextField("依据（JSON）", default="[]")
    triggers = models.TextField("触发的评价（JSON）", default="[]")
    requirements = models.TextField("整改要求")
    due_on = models.DateField("反馈期限")
    state = models.CharField("状态", max_length=16, choices=State, default=State.DRAFT)
    # The document number, given when the notice is issued.
    prefix = models.CharField("文号前缀", max_length=20, blank=True)
    year = models.PositiveSmallIntegerField("年度", null=True, blank=True)
    number = models.PositiveIntegerField("序号", null=True, blank=True)
    office_name = models.CharField("发文机关", max_length=100, blank=True)
    issued_on = models.DateField("成文日期", null=True, blank=True)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="签发人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    overdue_since = models.DateField("逾期起始", null=True, blank=True)
    reminded_on = models.DateField("最近催办", null=True, blank=True)
    created_at = StampField("起草时间", auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="起草人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    objects = NoticeQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = verbose_name_plural = "督办通知"
        constraints = [
            models.UniqueConstraint(
                fields=["jurisdiction", "year", "number"],
                condition=models.Q(number__isnull=False),
                name="one_notice_number_per_year",
            )
        ]

    def __str__(self) -> str:
        return f"{self.document_number or '督办通知（草稿）'} {self.task.code}"

    @property
    def document_number(self) -> str:
        """德改督〔2021〕3号; empty while a draft."""
        if self.number is None:
            return ""
        return f"{self.prefix}〔{self.year}〕{self.number}号"

    @property
    def awaits_answer(self) -> bool:
        return self.state in self.AWAITING

    def is_overdue(self, today) -> bool:
        return self.awaits_answer and self.due_on < today

    def reason_list(self) -> list[dict]:
        return load_list(self.reasons)

    def trigger_list(self) -> list[dict]:
        return load_list(self.triggers)


class NoticeCounter(models.Model):
    """The last number given in a jurisdiction's year: locked while a notice is numbered."""

    jurisdiction = models.ForeignKey(Jurisdiction, on_delete=models.CASCADE, related_name="+")
    year = models.PositiveSmallIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = verbose_name_plural = "督办通知编号"
        constraints = [
            models.UniqueConstraint(fields=["jurisdiction", "year"], name="one_counter_per_year")
        ]

    def __str__(self) -> str:
        return f"{self.jurisdiction} {self.year}: {self.last}"


class Answer(models.Model):
    """整改反馈: one answer of the lead unit to a notice; a returned one is followed by another."""

    class Decision(models.TextChoices):
        ACCEPTED = "accepted", _("通过")
        RETURNED = "returned", _("退回")

    notice = models.ForeignKey(
        Notice, verbose_name="督办通知", on_delete=models.CASCADE, related_name="answers"
    )
    text = models.TextField("整改反馈")
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="反馈人", on_delete=models.PROTECT, related_name="+"
    )
    submitted_at = StampField("反馈时间", auto_now_add=True)
    decision = models.CharField("审核结果", max_length=16, choices=Decision, blank=True)
    comment = models.TextField("审核意见", blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="审核人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    decided_at = models.DateTimeField("审核时间", null=True, blank=True)

    class Meta:
        ordering = ["submitted_at", "pk"]
        verbose_name = verbose_name_plural = "整改反馈"

    def __str__(self) -> str:
        return f"{self.notice} {self.submitted_at:%Y-%m-%d}"


class AnswerFile(StoredFile):
    """佐证材料 of an answer: checked by content and stored as a report's evidence is."""

    answer = models.ForeignKey(
        Answer, verbose_name="整改反馈", on_delete=models.CASCADE, related_name="files"
    )

    class Meta(StoredFile.Meta):
        verbose_name = verbose_name_plural = "整改佐证材料"
