"""The reform committee (深改委): its meetings, their agenda (plans reviewed, reports heard,
studies), documents and attendance, and the decisions the office turns into tracked work — a
new ledger task, a follow-up on a task already in the ledger, or a 交办事项."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop

from ducha.lib.clock import StampField
from ducha.org.models import Jurisdiction, Leader, Unit, home_jurisdiction_id
from ducha.reports.models import StoredFile


def committee_name_zh(jurisdiction: Jurisdiction) -> str:
    """What the jurisdiction's committee is called in Chinese records: 市委深改委 for a
    city (or a county-level city), 县委深改委, 区委深改委, 省委深改委."""
    if jurisdiction.level == Jurisdiction.Level.PROVINCE:
        return gettext_noop("省委深改委")
    if jurisdiction.level == Jurisdiction.Level.COUNTY and jurisdiction.name.endswith("县"):
        return gettext_noop("县委深改委")
    if jurisdiction.level == Jurisdiction.Level.COUNTY and jurisdiction.name.endswith("区"):
        return gettext_noop("区委深改委")
    return gettext_noop("市委深改委")


def committee_name(jurisdiction: Jurisdiction) -> str:
    """`committee_name_zh` in the reader's language."""
    return _(committee_name_zh(jurisdiction))


class MeetingQuerySet(models.QuerySet):
    def visible_to(self, user):
        """The office and the auditor read their jurisdiction's meetings and those below;
        the leaders their own jurisdiction's (User.reads_committee); nobody else any."""
        if not user.is_authenticated or not user.reads_committee(user.jurisdiction_id):
            return self.none()
        return self.filter(jurisdiction_id__in=user.jurisdictions_read)

    def of_year(self, jurisdiction: Jurisdiction, year: int):
        return self.filter(jurisdiction=jurisdiction, year=year)


class Meeting(models.Model):
    class Kind(models.TextChoices):
        PLENARY = "plenary", gettext_lazy("全体会议")
        THEMATIC = "thematic", gettext_lazy("专题会议")

    jurisdiction = models.ForeignKey(
        Jurisdiction,
        verbose_name="辖区",
        on_delete=models.PROTECT,
        default=home_jurisdiction_id,
        related_name="+",
    )
    year = models.PositiveSmallIntegerField("年度")
    number = models.PositiveSmallIntegerField("第N次")
    held_on = models.DateField("召开日期")
    kind = models.CharField("会议类型", max_length=16, choices=Kind, default=Kind.PLENARY)
    title = models.CharField("会议名称", max_length=200)
    presided_by = models.ForeignKey(
        Leader,
        verbose_name="主持人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    summary = models.TextField("会议纪要摘要", blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="登记人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = StampField("登记时间", auto_now_add=True)
    updated_at = StampField("更新时间", auto_now=True)

    objects = MeetingQuerySet.as_manager()

    class Meta:
        ordering = ["-year", "-number"]
        verbose_name = verbose_name_plural = "深改委会议"
        constraints = [
            models.UniqueConstraint(
                fields=["jurisdiction", "year", "number"], name="meeting_number_unique_in_year"
            )
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def label(self) -> str:
        """2021年第2次会议 (Meeting 2 of 2021), in the reader's language."""
        return _("%(year)s年第%(number)s次会议") % {"year": self.year, "number": self.number}

    @property
    def named(self) -> str:
        """市委深改委2021年第2次会议, in the reader's language."""
        return _("%(committee)s%(year)s年第%(number)s次会议") % {
            "committee": committee_name(self.jurisdiction),
            "year": self.year,
            "number": self.number,
        }

    def origin_zh(self) -> str:
        """How a record written in Chinese names the meeting (an assignment's origin)."""
        return f"{committee_name_zh(self.jurisdiction)}{self.year}年第{self.number}次会议"


class AgendaItem(models.Model):
    """A 议题: a plan reviewed (审议方案), a report heard (听取汇报) or a study (学习研究)."""

    class Kind(models.TextChoices):
        PLAN = "plan", gettext_lazy("审议方案")
        REPORT = "report", gettext_lazy("听取汇报")
        STUDY = "study", gettext_lazy("学习研究")

    meeting = models.ForeignKey(
        Meeting, verbose_name="会议", on_delete=models.CASCADE, related_name="agenda"
    )
    order = models.PositiveSmallIntegerField("序号")
    kind = models.CharField("议题类型", max_length=16, choices=Kind)
    title = models.CharField("议题", max_length=300)
    unit = models.ForeignKey(
        Unit,
        verbose_name="汇报或起草单位",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        ordering = ["meeting", "order", "pk"]
        verbose_name = verbose_name_plural = "会议议题"

    def __str__(self) -> str:
        return f"{self.order}. {self.title}"


class MeetingDocument(StoredFile):
    """A file of the meeting (its notice, minutes, a plan's draft): checked by content and
    stored as a report's evidence is (ducha.reports.evidence)."""

    meeting = models.ForeignKey(
        Meeting, verbose_name="会议", on_delete=models.CASCADE, related_name="documents"
    )
    agenda_item = models.ForeignKey(
        AgendaItem,
        verbose_name="所属议题",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="documents",
    )

    class Meta(StoredFile.Meta):
        verbose_name = verbose_name_plural = "会议材料"


class Attendance(models.Model):
    """Who attended (出席) or was excused (请假, with the reason)."""

    meeting = models.ForeignKey(
        Meeting, verbose_name="会议", on_delete=models.CASCADE, related_name="attendance"
    )
    order = models.PositiveSmallIntegerField("排序", default=0)
    name = models.CharField("姓名", max_length=50)
    post = models.CharField("单位及职务", max_length=100, blank=True)
    present = models.BooleanField("出席", default=True)
    leave_reason = models.CharField("请假事由", max_length=200, blank=True)

    class Meta:
        ordering = ["meeting", "order", "pk"]
        verbose_name = verbose_name_plural = "出席情况"

    def __str__(self) -> str:
        return self.name


class Decision(models.Model):
    """A decision of the meeting, and how the office tracks it."""

    class Tracking(models.TextChoices):
        NEW_TASK = "new_task", gettext_lazy("新建台账任务")
        FOLLOW_UP = "follow_up", gettext_lazy("跟踪已有任务")
        ASSIGNMENT = "assignment", gettext_lazy("交办事项")

    meeting = models.ForeignKey(
        Meeting, verbose_name="会议", on_delete=models.CASCADE, related_name="decisions"
    )
    agenda_item = models.ForeignKey(
        AgendaItem,
        verbose_name="所属议题",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="decisions",
    )
    order = models.PositiveSmallIntegerField("排序", default=0)
    text = models.TextField("决定事项")
    tracking = models.CharField("跟踪方式", max_length=16, choices=Tracking, blank=True)
    task = models.ForeignKey(
        "ledger.Task",
        verbose_name="台账任务",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="committee_decisions",
    )
    assignment = models.OneToOneField(
        "assignments.Assignment",
        verbose_name="交办事项",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="committee_decision",
    )
    tracked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="转办人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    tracked_at = models.DateTimeField("转办时间", null=True, blank=True)

    class Meta:
        ordering = ["meeting", "order", "pk"]
        verbose_name = verbose_name_plural = "会议决定"
        indexes = [models.Index(fields=["task", "tracking"])]

    def __str__(self) -> str:
        return self.text[:50]

    @property
    def is_tracked(self) -> bool:
        return bool(self.tracking)
