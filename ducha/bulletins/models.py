"""The 通报 the office issued: the .docx it edited and uploaded, each version kept."""

from django.conf import settings
from django.db import models

from ducha.lib.clock import StampField
from ducha.org.models import Jurisdiction


class IssuedQuerySet(models.QuerySet):
    def of(self, jurisdiction: Jurisdiction):
        return self.filter(jurisdiction=jurisdiction)

    def newest_first(self):
        return self.order_by("-month", "-version")


class IssuedBulletin(models.Model):
    """One issued version of a month's 通报. Issuing again adds a version: earlier ones stay
    downloadable. The file lives in the database, so a backup carries it with its record."""

    jurisdiction = models.ForeignKey(
        Jurisdiction, verbose_name="辖区", on_delete=models.PROTECT, related_name="+"
    )
    month = models.DateField("月份")
    version = models.PositiveSmallIntegerField("版本")
    number = models.CharField("文号", max_length=50, blank=True)
    filename = models.CharField("文件名", max_length=255)
    content = models.BinaryField("文件（.docx）")
    size = models.PositiveIntegerField("大小（字节）")
    sha256 = models.CharField("SHA-256", max_length=64)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="印发人", on_delete=models.PROTECT, related_name="+"
    )
    issued_at = StampField("印发时间", auto_now_add=True)

    objects = IssuedQuerySet.as_manager()

    class Meta:
        ordering = ["-month", "-version"]
        verbose_name = verbose_name_plural = "已印发通报"
        constraints = [
            models.UniqueConstraint(
                fields=["jurisdiction", "month", "version"], name="one_bulletin_version"
            )
        ]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} 通报 第{self.version}版"
