"""延误归因: a lead unit says which cooperating unit (配合单位) held a node up in a report month;
that unit answers (agreeing or disputing); the office decides. An accepted attribution is the
office's override of the task-month's rating, with the attribution as its reason."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from ducha.lib.clock import StampField
from ducha.org.models import Jurisdiction, Unit
from ducha.ratings.models import Override, Rating
from ducha.reports.models import StoredFile

# How the reason of an accepted attribution's override begins: the public pages find the
# attributions behind a published override by it (it is part of the published record).
PREFIX = "延误归因："


class AttributionQuerySet(models.QuerySet):
    def visible_to(self, user):
        """The office and the auditor read their jurisdiction's (and those below, read
        only); a unit's members the claims their unit made or leads and those it received;
        a leader those of his tasks."""
        from ducha.ledger.models import Task

        if not user.is_authenticated:
            return self.none()
        if user.sees_everything:
            return self.filter(jurisdiction__in=user.jurisdictions_read)
        tasks = models.Q(task__in=Task.objects.visible_to(user))
        if user.is_unit_member:
            received = models.Q(unit_id=user.unit_id, jurisdiction_id=user.jurisdiction_id)
            return self.filter(tasks | received)
        return self.filter(tasks)

    def open(self):
        return self.filter(state__in=Attribution.OPEN)

    def awaiting_answer_of(self, unit_id: int):
        """The claims this cooperating unit has yet to answer."""
        return self.filter(unit_id=unit_id, state=Attribution.State.CLAIMED)


class Attribution(models.Model):
    class State(models.TextChoices):
        CLAIMED = "claimed", _("待配合单位回复")
        ANSWERED = "answered", _("已回复，待改革办认定")
        ACCEPTED = "accepted", _("已认定")
        REJECTED = "rejected", _("不予认定")

    class Stance(models.TextChoices):
        AGREES = "agrees", _("认可")
        DISPUTES = "disputes", _("有异议")

    OPEN = (State.CLAIMED, State.ANSWERED)

    jurisdiction = models.ForeignKey(
        Jurisdiction, verbose_name="辖区", on_delete=models.PROTECT, related_name="+"
    )
    task = models.ForeignKey(
        "ledger.Task", verbose_name="任务", on_delete=models.PROTECT, related_name="attributions"
    )
    node = models.ForeignKey(
        "ledger.Node", verbose_name="节点", on_delete=models.PROTECT, related_name="attributions"
    )
    month = models.DateField("报送月份")
    claimant = models.ForeignKey(
        Unit, verbose_name="提出单位（牵头单位）", on_delete=models.PROTECT, related_name="+"
    )
    unit = models.ForeignKey(
        Unit,
        verbose_name="配合单位",
        on_delete=models.PROTECT,
        related_name="attributions_received",
    )
    reason = models.TextField("延误原因")
    state = models.CharField("状态", max_length=16, choices=State, default=State.CLAIMED)
    claimed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="提出人", on_delete=models.PROTECT, related_name="+"
    )
    claimed_at = StampField("提出时间", auto_now_add=True)
    stance = models.CharField("配合单位意见", max_length=16, choices=Stance, blank=True)
    answer = models.TextField("配合单位回复", blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="回复人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    answered_at = models.DateTimeField("回复时间", null=True, blank=True)
    decision = models.TextField("认定意见", blank=True)
    rating = models.CharField("认定后的评价", max_length=16, choices=Rating, blank=True)
    override = models.OneToOneField(
        Override,
        verbose_name="评价调整",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="attribution",
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="认定人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    decided_at = models.DateTimeField("认定时间", null=True, blank=True)

    objects = AttributionQuerySet.as_manager()

    class Meta:
        ordering = ["-claimed_at", "-pk"]
        verbose_name = verbose_name_plural = "延误归因"
        indexes = [models.Index(fields=["month", "state"])]
        constraints = [
            models.UniqueConstraint(
                fields=["task", "node", "month", "unit"],
                condition=models.Q(state__in=["claimed", "answered"]),
                name="one_open_attribution_per_node_month_unit",
            )
        ]

    def __str__(self) -> str:
        return f"{self.task.code} {self.month:%Y-%m} {self.node.code} → {self.unit.name}"

    @property
    def awaits_answer(self) -> bool:
        return self.state == self.State.CLAIMED

    @property
    def awaits_decision(self) -> bool:
        return self.state == self.State.ANSWERED

    @property
    def is_open(self) -> bool:
        return self.state in self.OPEN

    def public_reason(self, decision: str) -> str:
        """The override's reason: what the board and the task page show (Chinese, as the
        published record is)."""
        text = " ".join(decision.split())
        node, unit = self.node, self.unit.name
        return f"{PREFIX}{node.code}「{node.title}」的延误由配合单位造成（配合单位{unit}）。{text}"


class AttributionFile(StoredFile):
    """佐证材料 of a claim or of its answer: checked by content and stored as a report's
    evidence is (ducha.reports.evidence)."""

    class Side(models.TextChoices):
        CLAIM = "claim", _("牵头单位")
        ANSWER = "answer", _("配合单位")

    attribution = models.ForeignKey(
        Attribution, verbose_name="延误归因", on_delete=models.CASCADE, related_name="files"
    )
    side = models.CharField("提交方", max_length=16, choices=Side)

    class Meta(StoredFile.Meta):
        verbose_name = verbose_name_plural = "延误归因佐证材料"
