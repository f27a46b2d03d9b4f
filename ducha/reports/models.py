"""A lead unit's monthly report on one task: node lines, narrative and evidence files."""

from django.conf import settings
from django.db import models
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

from ducha.ledger.models import Node, Progress, Task
from ducha.lib import clock
from ducha.lib.clock import StampField
from ducha.org.models import Unit


def month_open(month, jurisdiction=None) -> bool:
    """Units report a month once it has started and until its board is posted (a posted
    month is the record, and later months rate from it), and never a month before any task
    is rated (a node "done" in 1900 would rate a task ahead). In `jurisdiction`'s chain and
    ledger (None: the home one)."""
    from ducha.boards.publication import first_rated_month, is_published  # boards reads no report

    if month > clock.today().replace(day=1) or is_published(month, jurisdiction=jurisdiction):
        return False
    first = first_rated_month(jurisdiction=jurisdiction)
    return first is not None and month >= first


class ReportQuerySet(models.QuerySet):
    def visible_to(self, user):
        """The reports on the tasks this person may read (Task.objects.visible_to)."""
        if user.is_authenticated and user.sees_everything:
            return self.filter(task__jurisdiction__in=user.jurisdictions_read)
        return self.filter(task__in=Task.objects.visible_to(user))

    def for_month(self, month):
        return self.filter(month=month)

    def awaiting_office(self):
        return self.filter(status=Report.Status.APPROVED)


class Report(models.Model):
    """月度报送: drafted and submitted by the unit's reporter, approved by its head (which
    is when its node lines become progress rows), then reviewed by the reform office."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("草稿")
        SUBMITTED = "submitted", _("待单位负责人审核")
        APPROVED = "approved", _("已报送，待改革办审核")
        RETURNED = "returned", _("已退回修改")
        ACCEPTED = "accepted", _("改革办已审核")

    task = models.ForeignKey(
        Task, verbose_name="任务", on_delete=models.CASCADE, related_name="reports"
    )
    month = models.DateField("月份")
    unit = models.ForeignKey(Unit, verbose_name="报送单位", on_delete=models.PROTECT)
    status = models.CharField("状态", max_length=16, choices=Status, default=Status.DRAFT)
    narrative = models.TextField("进展情况", blank=True)
    problems = models.TextField("存在问题", blank=True)
    next_steps = models.TextField("下步打算", blank=True)
    version = models.PositiveIntegerField("版本", default=1)
    late = models.BooleanField("逾期报送", default=False)
    comment = models.TextField("退回意见", blank=True)
    submitted_at = models.DateTimeField("提交时间", null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="填报人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    approved_at = models.DateTimeField("审核报送时间", null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="单位负责人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    approved_alone = models.BooleanField(
        "本人填报并审核",
        default=False,
        help_text="单位只有一人、经改革办允许，由负责人本人提交并审核",
    )
    reviewed_at = models.DateTimeField("改革办审核时间", null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="改革办审核人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    updated_at = StampField("更新时间", auto_now=True)

    objects = ReportQuerySet.as_manager()

    class Meta:
        ordering = ["-month", "task"]
        verbose_name = verbose_name_plural = "月度报送"
        constraints = [
            models.UniqueConstraint(fields=["task", "month"], name="one_report_per_task_month")
        ]
        indexes = [models.Index(fields=["month", "status"])]

    def __str__(self) -> str:
        return f"{self.task.code} {self.month:%Y-%m}"

    @property
    def editable(self) -> bool:
        return self.status in (self.Status.DRAFT, self.Status.RETURNED)

    @cached_property
    def month_is_open(self) -> bool:
        """Asked by several rules on one page: answered once per report object, in its
        task's jurisdiction (load the report with its task's jurisdiction to ask no more)."""
        return month_open(self.month, jurisdiction=self.task.jurisdiction)


class ReportLine(models.Model):
    """One node's state as the report gives it; becomes a Progress row on approval."""

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="lines")
    node = models.ForeignKey(Node, verbose_name="节点", on_delete=models.CASCADE)
    status = models.CharField("状态", max_length=16, choices=Progress.Status)
    percent = models.PositiveSmallIntegerField("进度（%）", null=True, blank=True)
    done_on = models.DateField("完成日期", null=True, blank=True)
    note = models.TextField("说明", blank=True)

    class Meta:
        ordering = ["node__order", "node__code"]
        verbose_name = verbose_name_plural = "节点进展"
        constraints = [models.UniqueConstraint(fields=["report", "node"], name="one_line_per_node")]

    def __str__(self) -> str:
        return f"{self.report} {self.node.code}"


class StoredFile(models.Model):
    """A file someone handed in beside a report's evidence (a notice's answer, a delay claim,
    a 交办事项's answer, a meeting's document): checked by content and stored under a
    generated name as evidence is (ducha.reports.evidence), downloaded through
    `evidence.download`."""

    original_name = models.CharField("文件名", max_length=255)
    stored_name = models.CharField("存储名", max_length=64, unique=True)
    kind = models.CharField("类型", max_length=16)
    size = models.PositiveIntegerField("大小")
    sha256 = models.CharField("SHA-256", max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="上传人", on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = StampField("上传时间", auto_now_add=True)

    class Meta:
        abstract = True
        ordering = ["uploaded_at", "pk"]

    def __str__(self) -> str:
        return self.original_name


class EvidenceQuerySet(models.QuerySet):
    def visible_to(self, user):
        """The files of the reports this person may read (Report.objects.visible_to)."""
        return self.filter(report__in=Report.objects.visible_to(user))


class Evidence(models.Model):
    """佐证材料: a file checked by content, stored under a generated name."""

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="evidence")
    original_name = models.CharField("文件名", max_length=255)
    stored_name = models.CharField("存储名", max_length=64, unique=True)
    kind = models.CharField("类型", max_length=16)
    size = models.PositiveIntegerField("大小")
    sha256 = models.CharField("SHA-256", max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="上传人", on_delete=models.PROTECT
    )
    uploaded_at = StampField("上传时间", auto_now_add=True)

    objects = EvidenceQuerySet.as_manager()

    class Meta:
        ordering = ["uploaded_at"]
        verbose_name = verbose_name_plural = "佐证材料"

    def __str__(self) -> str:
        return self.original_name
