"""Office overrides of a computed rating; the rules themselves live in rules.py."""

from django.conf import settings
from django.db import models

from ducha.ledger.models import Task
from ducha.lib.clock import StampField
from ducha.ratings.marks import MARKS

Rating = models.TextChoices("Rating", [(key.upper(), (key, m.name)) for key, m in MARKS.items()])


class Override(models.Model):
    """The office sets a task's rating for a month by hand, with a written reason.

    Rows are never edited: the latest row for a (task, month) is in force, so the history
    of who changed what stays. A row with a blank rating withdraws the override.
    """

    task = models.ForeignKey(
        Task, verbose_name="任务", on_delete=models.CASCADE, related_name="overrides"
    )
    month = models.DateField("月份")
    computed = models.CharField("系统评价", max_length=16, choices=Rating, blank=True)
    rating = models.CharField(
        "调整为", max_length=16, choices=Rating, blank=True, help_text="留空表示撤销调整"
    )
    reason = models.TextField("理由")
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="操作人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
    )
    by_name = models.CharField("操作人（命令行）", max_length=100, blank=True)
    at = StampField("时间", auto_now_add=True)

    class Meta:
        ordering = ["month", "task", "id"]
        verbose_name = verbose_name_plural = "评价调整"
        indexes = [models.Index(fields=["month", "task"])]
        constraints = [
            models.CheckConstraint(condition=~models.Q(reason=""), name="override_needs_reason")
        ]

    def __str__(self) -> str:
        return f"{self.task.code} {self.month:%Y-%m} {self.computed or '—'}→{self.rating or '撤销'}"


class InputsVersion(models.Model):
    """A number that changes whenever anything a rating reads changes (tasks, nodes, progress,
    overrides): database triggers move it, so no write path can forget to. See inputs.py."""

    version = models.BigIntegerField("版本", default=0)

    class Meta:
        verbose_name = verbose_name_plural = "评价输入版本"

    def __str__(self) -> str:
        return str(self.version)


class InputsChange(models.Model):
    """PostgreSQL only: one row per statement that changed a rating's inputs (see inputs.py)."""

    class Meta:
        verbose_name = verbose_name_plural = "评价输入变更"

    def __str__(self) -> str:
        return str(self.pk)
