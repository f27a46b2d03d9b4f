"""The reform ledger: tasks, their dated milestones (nodes) and monthly progress rows."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from ducha.lib.clock import StampField
from ducha.org.models import (
    Area,
    Jurisdiction,
    Leader,
    Unit,
    home_jurisdiction_id,
    of_jurisdiction,
)


class TaskQuerySet(models.QuerySet):
    def led_by(self, unit: Unit):
        """Tasks the unit leads, alone or jointly (共同牵头)."""
        joint = JointLead.objects.filter(unit=unit).values("task_id")
        return self.filter(models.Q(lead_unit=unit) | models.Q(pk__in=joint))

    def in_jurisdiction(self, jurisdiction: Jurisdiction | None = None):
        """The tasks of one jurisdiction's ledger (None: the home one)."""
        return self.filter(of_jurisdiction(jurisdiction))

    def active(self):
        return self.filter(status=Task.Status.ACTIVE)

    def of_leader(self, leader: Leader):
        """Tasks in the leader's charge, as the first or a further leader."""
        further = CoLeader.objects.filter(leader=leader).values("task_id")
        return self.filter(models.Q(leader=leader) | models.Q(pk__in=further))

    def visible_to(self, user):
        """What this person may read: for the office and the auditor every task of their
        jurisdiction and of those below it (read-only there: User.works_in); in one's own
        jurisdiction only, the tasks the unit leads for its reporter and head, a leader's
        own tasks."""
        if not user.is_authenticated:
            return self.none()
        if user.sees_everything:
            return self.filter(jurisdiction__in=user.jurisdictions_read)
        own = self.filter(jurisdiction=user.jurisdiction_id)
        if user.is_unit_member:
            return own.led_by(user.unit)
        if user.is_city_leader:
            return own.of_leader(user.leader_id)
        return self.none()

    def with_co_units(self):
        """Each task's cooperating units, further lead units and further leaders, in their
        written order, in three queries."""
        return self.prefetch_related(
            models.Prefetch("co_unit_links", queryset=CoUnit.objects.select_related("unit")),
            models.Prefetch("joint_lead_links", queryset=JointLead.objects.select_related("unit")),
            models.Prefetch("co_leader_links", queryset=CoLeader.objects.select_related("leader")),
        )


class Task(models.Model):
    class Source(models.TextChoices):
        PROVINCIAL = "provincial", _("省定")
        CITY = "city", _("市定")

    class Status(models.TextChoices):
        ACTIVE = "active", _("正常")
        SUSPENDED = "suspended", _("暂停")
        CANCELLED = "cancelled", _("取消")

    jurisdiction = models.ForeignKey(
        Jurisdiction,
        verbose_name="辖区",
        on_delete=models.PROTECT,
        default=home_jurisdiction_id,
        related_name="tasks",
    )
    code = models.CharField("任务编号", max_length=32)
    title = models.CharField("任务名称", max_length=300)
    area = models.ForeignKey(Area, verbose_name="领域", on_delete=models.PROTECT)
    source = models.CharField("任务来源", max_length=16, choices=Source)
    leader = models.ForeignKey(Leader, verbose_name="分管市领导", on_delete=models.PROTECT)
    lead_unit = models.ForeignKey(
        Unit, verbose_name="牵头单位", on_delete=models.PROTECT, related_name="led_tasks"
    )
    co_units = models.ManyToManyField(
        Unit,
        verbose_name="配合单位",
        blank=True,
        related_name="cooperating_tasks",
        through="CoUnit",
    )
    requirements = models.TextField("工作要求", blank=True)
    start_month = models.DateField(
        "起始月份", null=True, blank=True, help_text="空白时为最早节点所在年度的1月"
    )
    status = models.CharField("状态", max_length=16, choices=Status, default=Status.ACTIVE)
    plan_year = models.PositiveSmallIntegerField("计划年度")
    created_at = StampField("创建时间", auto_now_add=True)
    updated_at = StampField("更新时间", auto_now=True)

    objects = TaskQuerySet.as_manager()

    class Meta:
        ordering = ["code"]
        verbose_name = verbose_name_plural = "改革任务"
        indexes = [models.Index(fields=["lead_unit", "status"])]
        constraints = [
            models.UniqueConstraint(
                fields=["jurisdiction", "code"], name="task_code_unique_in_jurisdiction"
            )
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.title}"

    def co_unit_names(self) -> list[str]:
        """The cooperating units in the order the ledger names them (`co_units` is in the
        units' own order): from `with_co_units()` when prefetched, else in one query."""
        if "co_unit_links" in getattr(self, "_prefetched_objects_cache", {}):
            links = self.co_unit_links.all()
        else:
            links = self.co_unit_links.select_related("unit")
        return [link.unit.name for link in links]

    def lead_unit_names(self) -> list[str]:
        """Every lead unit, the primary first (共同牵头: each counts the task in its score)."""
        return [self.lead_unit.name, *(link.unit.name for link in self.joint_lead_links.all())]

    def leader_names(self) -> list[str]:
        """Every leader in charge, the first named first."""
        return [self.leader.name, *(link.leader.name for link in self.co_leader_links.all())]


class JointLead(models.Model):
    """A lead unit after the first (共同牵头). The first, `Task.lead_unit`, files the
    monthly report; every lead unit counts the task's rating in its own score."""

    task = models.ForeignKey(
        Task, verbose_name="任务", on_delete=models.CASCADE, related_name="joint_lead_links"
    )
    unit = models.ForeignKey(
        Unit, verbose_name="共同牵头单位", on_delete=models.PROTECT, related_name="joint_leads"
    )
    order = models.PositiveSmallIntegerField("排序", default=0)

    class Meta:
        ordering = ["order", "id"]
        unique_together = [("task", "unit")]
        verbose_name = verbose_name_plural = "共同牵头单位"

    def __str__(self) -> str:
        return f"{self.task.code} {self.unit.name}"


class CoLeader(models.Model):
    """A further city leader in charge of a task, after `Task.leader`."""

    task = models.ForeignKey(
        Task, verbose_name="任务", on_delete=models.CASCADE, related_name="co_leader_links"
    )
    leader = models.ForeignKey(
        Leader, verbose_name="分管市领导", on_delete=models.PROTECT, related_name="co_leads"
    )
    order = models.PositiveSmallIntegerField("排序", default=0)

    class Meta:
        ordering = ["order", "id"]
        unique_together = [("task", "leader")]
        verbose_name = verbose_name_plural = "其他分管市领导"

    def __str__(self) -> str:
        return f"{self.task.code} {self.leader.name}"


class CoUnit(models.Model):
    """A cooperating unit (配合单位) of a task, in its place: official documents list them
    in a deliberate order, so the order written in the ledger is kept."""

    task = models.ForeignKey(
        Task, verbose_name="任务", on_delete=models.CASCADE, related_name="co_unit_links"
    )
    unit = models.ForeignKey(
        Unit, verbose_name="配合单位", on_delete=models.CASCADE, related_name="co_unit_links"
    )
    order = models.PositiveSmallIntegerField("排序", default=0)

    class Meta:
        # The table Django made for the plain many-to-many field, kept with its rows.
        db_table = "ledger_task_co_units"
        ordering = ["order", "id"]
        unique_together = [("task", "unit")]
        verbose_name = verbose_name_plural = "配合单位"

    def __str__(self) -> str:
        return f"{self.task.code} {self.unit.name}"


class Node(models.Model):
    """A dated milestone (节点任务目标) of a task."""

    task = models.ForeignKey(
        Task, verbose_name="任务", on_delete=models.CASCADE, related_name="nodes"
    )
    code = models.CharField("节点编号", max_length=32)
    title = models.CharField("节点目标", max_length=500)
    due_month = models.DateField("完成时限（月）")
    due_text = models.CharField("完成时限（原文）", max_length=50, blank=True)
    order = models.PositiveSmallIntegerField("排序", default=0)

    class Meta:
        ordering = ["task", "order", "code"]
        verbose_name = verbose_name_plural = "节点"
        constraints = [
            models.UniqueConstraint(fields=["task", "code"], name="node_code_unique_in_task")
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.title}"


class ImportRun(models.Model):
    """One file taken into the ledger: what, by whom, and what it changed."""

    class Kind(models.TextChoices):
        LEDGER = "ledger", _("任务台账")
        PROGRESS = "progress", _("月度进展")

    kind = models.CharField("类型", max_length=16, choices=Kind)
    jurisdiction = models.ForeignKey(
        Jurisdiction,
        verbose_name="辖区",
        on_delete=models.PROTECT,
        default=home_jurisdiction_id,
        related_name="+",
    )
    filename = models.CharField("文件名", max_length=255)
    sha256 = models.CharField("SHA-256", max_length=64)
    rows = models.PositiveIntegerField("行数", default=0)
    created = models.PositiveIntegerField("新增", default=0)
    updated = models.PositiveIntegerField("更新", default=0)
    unchanged = models.PositiveIntegerField("未变", default=0)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="操作人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
    )
    by_name = models.CharField("操作人（命令行）", max_length=100, blank=True)
    at = StampField("时间", auto_now_add=True)

    class Meta:
        ordering = ["-at"]
        verbose_name = verbose_name_plural = "导入记录"

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.filename} {self.at:%Y-%m-%d %H:%M}"


class Progress(models.Model):
    """What a lead unit reported for one node in one month."""

    class Status(models.TextChoices):
        NOT_STARTED = "not_started", _("未启动")
        IN_PROGRESS = "in_progress", _("推进中")
        DONE = "done", _("已完成")

    class Origin(models.TextChoices):
        IMPORT = "import", _("导入")
        ONLINE = "online", _("在线填报")

    task = models.ForeignKey(
        Task, verbose_name="任务", on_delete=models.CASCADE, related_name="progress"
    )
    node = models.ForeignKey(
        Node, verbose_name="节点", on_delete=models.CASCADE, related_name="progress"
    )
    month = models.DateField("月份")
    status = models.CharField("状态", max_length=16, choices=Status)
    done_on = models.DateField("完成日期", null=True, blank=True)
    percent = models.PositiveSmallIntegerField("进度（%）", null=True, blank=True)
    note = models.TextField("进展情况", blank=True)
    origin = models.CharField("来源", max_length=16, choices=Origin, default=Origin.IMPORT)
    import_run = models.ForeignKey(
        ImportRun, verbose_name="导入批次", null=True, blank=True, on_delete=models.SET_NULL
    )
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="填报人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
    )
    created_at = StampField("创建时间", auto_now_add=True)
    updated_at = StampField("更新时间", auto_now=True)

    class Meta:
        ordering = ["task", "node", "month"]
        verbose_name = verbose_name_plural = "月度进展"
        constraints = [
            models.UniqueConstraint(fields=["node", "month"], name="progress_once_per_node_month"),
            models.CheckConstraint(
                condition=models.Q(percent__isnull=True) | models.Q(percent__lte=100),
                name="progress_percent_at_most_100",
            ),
        ]
        indexes = [models.Index(fields=["month", "task"])]

    def __str__(self) -> str:
        return f"{self.task.code}/{self.node.code} {self.month:%Y-%m} {self.get_status_display()}"


class Cascade(models.Model):
    """A task the city pushed down to a county (一竿子插到底). Once the county's office
    takes it up, `task` is the county's counterpart: the city's nodes copied, due no later
    than the city's, with the county's own lead unit and leader."""

    source = models.ForeignKey(
        Task, verbose_name="上级任务", on_delete=models.CASCADE, related_name="cascades"
    )
    jurisdiction = models.ForeignKey(
        Jurisdiction, verbose_name="下达辖区", on_delete=models.PROTECT, related_name="cascades"
    )
    task = models.OneToOneField(
        Task,
        verbose_name="承接任务",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="cascaded_from",
    )
    pushed_at = StampField("下达时间", auto_now_add=True)
    pushed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="下达人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    accepted_at = models.DateTimeField("承接时间", null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="承接人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        ordering = ["source", "jurisdiction"]
        verbose_name = verbose_name_plural = "任务下达"
        constraints = [
            models.UniqueConstraint(
                fields=["source", "jurisdiction"], name="cascade_once_per_jurisdiction"
            )
        ]

    def __str__(self) -> str:
        return f"{self.source.code} → {self.jurisdiction.name}"
