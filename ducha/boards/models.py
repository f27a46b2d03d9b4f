"""Published monthly boards: frozen snapshots in one hash chain, and holds on publication."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from ducha.lib.clock import StampField


class Publication(models.Model):
    """One version of one month's board, frozen as canonical JSON.

    `sha256` is the hash of `snapshot`, which itself records `previous`, the hash of the
    publication before it (any month): the rows form one chain, and its head is printed
    on every publication so that a copy lives outside the database. The snapshot also
    holds what the columns say of the publication (time, kind, reason, publisher) and the
    audit log's head at that moment; the board shows the snapshot's values and `ducha
    verify` compares the columns with them. Rows are never updated or deleted (a trigger
    refuses it, see `ducha.lib.append_only`).
    """

    class Kind(models.TextChoices):
        SCHEDULED = "scheduled", _("定时发布")
        MANUAL = "manual", _("手动发布")
        CORRECTION = "correction", _("勘误")

    seq = models.PositiveIntegerField("链序号", unique=True)
    # Each jurisdiction's boards form their own chain. Blank: the home jurisdiction (the
    # rows published before there were several are never rewritten).
    jurisdiction = models.ForeignKey(
        "org.Jurisdiction",
        verbose_name="辖区",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    month = models.DateField("月份")
    version = models.PositiveSmallIntegerField("版本")
    kind = models.CharField("类型", max_length=16, choices=Kind)
    reason = models.TextField("勘误理由", blank=True)
    snapshot = models.TextField("快照（规范 JSON）")
    sha256 = models.CharField("SHA-256", max_length=64, unique=True)
    previous = models.CharField("上一条的 SHA-256", max_length=64, blank=True)
    published_at = models.DateTimeField("发布时间")
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="发布人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
    )
    by_name = models.CharField("发布人名称", max_length=100, blank=True)

    class Meta:
        ordering = ["seq"]
        verbose_name = verbose_name_plural = "已发布公示"
        constraints = [
            models.UniqueConstraint(
                fields=["month", "version"],
                condition=models.Q(jurisdiction__isnull=True),
                name="one_version_per_month",
            ),
            models.UniqueConstraint(
                fields=["jurisdiction", "month", "version"],
                name="one_version_per_month_in_jurisdiction",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} 第{self.version}版"


class Hold(models.Model):
    """The office holds a month back from automatic publication."""

    jurisdiction = models.ForeignKey(
        "org.Jurisdiction",
        verbose_name="辖区",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    month = models.DateField("月份")
    reason = models.TextField("理由", blank=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="操作人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
    )
    at = StampField("暂缓时间", auto_now_add=True)
    released_at = models.DateTimeField("解除时间", null=True, blank=True)

    class Meta:
        ordering = ["-at"]
        verbose_name = verbose_name_plural = "暂缓发布"

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} 暂缓"


class ChainLock(models.Model):
    """A single row, locked while publishing, so that the chain never forks."""

    class Meta:
        verbose_name = verbose_name_plural = "发布锁"

    def __str__(self) -> str:
        return "发布锁"
