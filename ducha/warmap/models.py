"""挂图作战: the key projects a jurisdiction runs under its command posts (指挥部), each with a
service team (服务专班) beside it, its responsible unit, its investment plan and its phases
(决策立项, 土地, 审批手续, 开工建设, 竣工投产…) with planned and actual dates.

The responsible unit reports each month, phase by phase, as a lead unit reports a task's
nodes (`PhaseProgress` mirrors ledger.Progress), with the month's investment done
(`ProjectMonth`); the month is rated by the same pure rules as a task (warmap/rating.py).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from ducha.lib.clock import StampField
from ducha.lib.months import first_of
from ducha.org.models import Jurisdiction, Leader, Unit, home_jurisdiction_id

MONEY = {"max_digits": 14, "decimal_places": 2}  # 万元, to the hundred yuan


class CommandPost(models.Model):
    """A war-map command post (作战指挥部), commanded by a city leader."""

    jurisdiction = models.ForeignKey(
        Jurisdiction,
        verbose_name="辖区",
        on_delete=models.PROTECT,
        default=home_jurisdiction_id,
        related_name="+",
    )
    name = models.CharField("名称", max_length=100)
    order = models.PositiveSmallIntegerField("排序", default=0)
    commander = models.ForeignKey(
        Leader,
        verbose_name="指挥长",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    updated_at = StampField("更新时间", auto_now=True)

    class Meta:
        ordering = ["jurisdiction", "order", "name"]
        verbose_name = verbose_name_plural = "作战指挥部"
        constraints = [
            models.UniqueConstraint(
                fields=["jurisdiction", "name"], name="warmap_post_name_unique_in_jurisdiction"
            )
        ]

    def __str__(self) -> str:
        return self.name


class ServiceTeam(models.Model):
    """A service team (服务专班) that clears the way for projects: land, permits, finance."""

    jurisdiction = models.ForeignKey(
        Jurisdiction,
        verbose_name="辖区",
        on_delete=models.PROTECT,
        default=home_jurisdiction_id,
        related_name="+",
    )
    name = models.CharField("名称", max_length=100)
    order = models.PositiveSmallIntegerField("排序", default=0)
    lead_unit = models.ForeignKey(
        Unit,
        verbose_name="牵头单位",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    duties = models.CharField("服务内容", max_length=300, blank=True)
    updated_at = StampField("更新时间", auto_now=True)

    class Meta:
        ordering = ["jurisdiction", "order", "name"]
        verbose_name = verbose_name_plural = "服务专班"
        constraints = [
            models.UniqueConstraint(
                fields=["jurisdiction", "name"], name="warmap_team_name_unique_in_jurisdiction"
            )
        ]

    def __str__(self) -> str:
        return self.name


class Project(models.Model):
    """A key project (重点项目) on the war map."""

    class Status(models.TextChoices):
        # The rating rules' own words for a task's status: a project is rated as one.
        ACTIVE = "active", _("正常")
        SUSPENDED = "suspended", _("暂停")
        CANCELLED = "cancelled", _("取消")

    jurisdiction = models.ForeignKey(
        Jurisdiction,
        verbose_name="辖区",
        on_delete=models.PROTECT,
        default=home_jurisdiction_id,
        related_name="+",
    )
    code = models.CharField("项目编号", max_length=32)
    name = models.CharField("项目名称", max_length=200)
    post = models.ForeignKey(
        CommandPost, verbose_name="作战指挥部", on_delete=models.PROTECT, related_name="projects"
    )
    team = models.ForeignKey(
        ServiceTeam,
        verbose_name="服务专班",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="projects",
    )
    unit = models.ForeignKey(
        Unit, verbose_name="责任单位", on_delete=models.PROTECT, related_name="key_projects"
    )
    location = models.CharField("建设地点", max_length=100, blank=True)
    scope = models.TextField("建设内容", blank=True)
    investment = models.DecimalField("计划总投资（万元）", **MONEY)
    annual_investment = models.DecimalField("年度计划投资（万元）", **MONEY, default=0)
    plan_year = models.PositiveSmallIntegerField("计划年度", help_text="年度计划投资所属的年度")
    start_month = models.DateField(
        "起始月份", null=True, blank=True, help_text="空白时为最早阶段完成时限所在年度的1月"
    )
    status = models.CharField("状态", max_length=16, choices=Status, default=Status.ACTIVE)
    created_at = StampField("创建时间", auto_now_add=True)
    updated_at = StampField("更新时间", auto_now=True)

    class Meta:
        ordering = ["jurisdiction", "code"]
        verbose_name = verbose_name_plural = "重点项目"
        indexes = [models.Index(fields=["updated_at"])]  # the public pages' version
        constraints = [
            models.UniqueConstraint(
                fields=["jurisdiction", "code"], name="warmap_project_code_unique_in_jurisdiction"
            )
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class Phase(models.Model):
    """A phase (阶段) of a project: the rules' node. Its due month is its planned end's."""

    class Kind(models.TextChoices):
        DECISION = "decision", _("决策立项")
        LAND = "land", _("土地保障")
        PERMITS = "permits", _("审批手续")
        CONSTRUCTION = "construction", _("开工建设")
        COMPLETION = "completion", _("竣工投产")
        OTHER = "other", _("其他")

    project = models.ForeignKey(
        Project, verbose_name="项目", on_delete=models.CASCADE, related_name="phases"
    )
    code = models.CharField("阶段编号", max_length=16)
    kind = models.CharField("类型", max_length=16, choices=Kind, default=Kind.OTHER)
    title = models.CharField("阶段目标", max_length=300)
    planned_start = models.DateField("计划开始")
    planned_end = models.DateField("计划完成")
    actual_start = models.DateField("实际开始", null=True, blank=True)
    actual_end = models.DateField("实际完成", null=True, blank=True)
    order = models.PositiveSmallIntegerField("排序", default=0)
    updated_at = StampField("更新时间", auto_now=True)

    class Meta:
        ordering = ["project", "order", "code"]
        verbose_name = verbose_name_plural = "项目阶段"
        indexes = [models.Index(fields=["updated_at"])]  # the public pages' version
        constraints = [
            models.UniqueConstraint(fields=["project", "code"], name="warmap_phase_code_unique"),
            models.CheckConstraint(
                condition=models.Q(planned_end__gte=models.F("planned_start")),
                name="warmap_phase_ends_after_it_starts",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.title}"

    @property
    def due_month(self):
        return first_of(self.planned_end)


class PhaseProgress(models.Model):
    """What the responsible unit reported for one phase in one month (ledger.Progress's
    twin: the same statuses, 进度 and 完成日期, read by the same rules)."""

    class Status(models.TextChoices):
        NOT_STARTED = "not_started", _("未启动")
        IN_PROGRESS = "in_progress", _("推进中")
        DONE = "done", _("已完成")

    project = models.ForeignKey(
        Project, verbose_name="项目", on_delete=models.CASCADE, related_name="progress"
    )
    phase = models.ForeignKey(
        Phase, verbose_name="阶段", on_delete=models.CASCADE, related_name="progress"
    )
    month = models.DateField("月份")
    status = models.CharField("状态", max_length=16, choices=Status)
    done_on = models.DateField("完成日期", null=True, blank=True)
    percent = models.PositiveSmallIntegerField("进度（%）", null=True, blank=True)
    note = models.TextField("进展情况", blank=True)
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="填报人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = StampField("创建时间", auto_now_add=True)
    updated_at = StampField("更新时间", auto_now=True)

    class Meta:
        ordering = ["project", "phase", "month"]
        verbose_name = verbose_name_plural = "阶段月度进展"
        constraints = [
            models.UniqueConstraint(fields=["phase", "month"], name="warmap_progress_once"),
            models.CheckConstraint(
                condition=models.Q(percent__isnull=True) | models.Q(percent__lte=100),
                name="warmap_progress_percent_at_most_100",
            ),
        ]
        # The month's rows; the newest change, which the public pages' version reads.
        indexes = [models.Index(fields=["month", "project"]), models.Index(fields=["updated_at"])]

    def __str__(self) -> str:
        return f"{self.project.code}/{self.phase.code} {self.month:%Y-%m}"


class ProjectMonth(models.Model):
    """A project's month as a whole: the investment completed in it and a note."""

    project = models.ForeignKey(
        Project, verbose_name="项目", on_delete=models.CASCADE, related_name="months"
    )
    month = models.DateField("月份")
    invested = models.DecimalField("本月完成投资（万元）", **MONEY, default=0)
    note = models.TextField("本月情况", blank=True)
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="填报人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = StampField("创建时间", auto_now_add=True)
    updated_at = StampField("更新时间", auto_now=True)

    class Meta:
        ordering = ["project", "month"]
        verbose_name = verbose_name_plural = "项目月度投资"
        indexes = [models.Index(fields=["updated_at"])]  # the public pages' version
        constraints = [
            models.UniqueConstraint(fields=["project", "month"], name="warmap_month_once")
        ]

    def __str__(self) -> str:
        return f"{self.project.code} {self.month:%Y-%m}"
