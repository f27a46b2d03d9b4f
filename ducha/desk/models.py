"""The office's reminder calendar, per jurisdiction, and what each rule did on each day."""

from django.core.exceptions import ValidationError
from django.db import models

from ducha.org.models import Jurisdiction


def _days(text: str) -> tuple[int, ...]:
    return tuple(sorted({int(part) for part in text.replace("，", ",").split(",") if part.strip()}))


def validate_days(text: str) -> None:
    try:
        days = _days(text)
    except ValueError:
        raise ValidationError(f"「{text}」应是用逗号分开的天数，如 3,1") from None
    if any(d < 1 or d > 20 for d in days):
        raise ValidationError("提前天数应在 1 到 20 之间")


class ReminderPlan(models.Model):
    """When a jurisdiction's units, heads and office are reminded. A jurisdiction without a
    row of its own keeps the defaults: 3 and 1 days before the deadline, on its day, daily
    after it, at 9 o'clock."""

    jurisdiction = models.OneToOneField(
        Jurisdiction, verbose_name="辖区", on_delete=models.CASCADE, related_name="+"
    )
    before = models.CharField(
        "截止前几天提醒",
        max_length=40,
        default="3,1",
        validators=[validate_days],
        help_text="用逗号分开，如 3,1；留空则不提前提醒",
        blank=True,
    )
    on_deadline = models.BooleanField("截止当天提醒", default=True)
    after_deadline = models.BooleanField("逾期后每天提醒单位负责人", default=True)
    approvals = models.BooleanField("提醒单位负责人审核待审报送", default=True)
    review_queue = models.BooleanField("提醒改革办审核", default=True)
    after_publication = models.BooleanField("公示后向各单位和分管领导发送结果", default=True)
    hour = models.PositiveSmallIntegerField("发送时刻（时）", default=9)

    class Meta:
        verbose_name = verbose_name_plural = "提醒日程"

    def __str__(self) -> str:
        return f"{self.jurisdiction}的提醒日程"

    @property
    def days_before(self) -> tuple[int, ...]:
        return _days(self.before)

    @classmethod
    def of(cls, jurisdiction: Jurisdiction) -> "ReminderPlan":
        """The jurisdiction's plan, or the defaults (unsaved) when it has none."""
        return cls.objects.filter(jurisdiction=jurisdiction).first() or cls(
            jurisdiction=jurisdiction
        )


class ReminderRun(models.Model):
    """A reminder rule that ran for a jurisdiction's month on a day, and how many it sent."""

    jurisdiction = models.ForeignKey(Jurisdiction, on_delete=models.CASCADE, related_name="+")
    month = models.DateField("月份")
    day = models.DateField("日期")
    rule = models.CharField("规则", max_length=20)
    sent = models.PositiveIntegerField("发送条数", default=0)

    class Meta:
        verbose_name = verbose_name_plural = "提醒记录"
        constraints = [
            models.UniqueConstraint(
                fields=["jurisdiction", "month", "day", "rule"], name="one_reminder_run"
            )
        ]

    def __str__(self) -> str:
        return f"{self.jurisdiction} {self.month:%Y-%m} {self.day} {self.rule}：{self.sent}"
