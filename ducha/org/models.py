"""Who is who: the "1+6" areas, units, city leaders and the people who log in."""

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _

from ducha.lib import clock


class Area(models.Model):
    """One of the "1+6" areas: the overall plan (总体) and six fields of reform."""

    key = models.SlugField("标识", max_length=32, unique=True)
    name = models.CharField("名称", max_length=32, unique=True)
    short_name = models.CharField("简称", max_length=16, blank=True)
    aliases = models.CharField(
        "别名", max_length=200, blank=True, help_text="导入时也认这些写法，用逗号分隔"
    )
    order = models.PositiveSmallIntegerField("排序", default=0)

    class Meta:
        ordering = ["order", "id"]
        verbose_name = verbose_name_plural = "领域"

    def __str__(self) -> str:
        return self.name

    def spellings(self) -> set[str]:
        names = {self.key, self.name, self.short_name}
        names.update(a.strip() for a in self.aliases.replace("，", ",").split(","))
        return {n for n in names if n}


class UnitQuerySet(models.QuerySet):
    def municipal(self):
        return self.filter(kind=Unit.Kind.MUNICIPAL)

    def counties(self):
        return self.filter(kind=Unit.Kind.COUNTY, parent__isnull=True)


class Unit(models.Model):
    class Kind(models.TextChoices):
        MUNICIPAL = "municipal", _("市直部门")
        COUNTY = "county", _("县市区")
        OTHER = "other", _("其他")

    name = models.CharField("名称", max_length=100, unique=True)
    short_name = models.CharField("简称", max_length=50, blank=True)
    kind = models.CharField("类型", max_length=16, choices=Kind, default=Kind.MUNICIPAL)
    parent = models.ForeignKey(
        "self",
        verbose_name="上级单位",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
        help_text="县市区的下属单位填所属县市区",
    )
    order = models.PositiveIntegerField("排序", default=0)
    is_active = models.BooleanField("启用", default=True)

    objects = UnitQuerySet.as_manager()

    class Meta:
        ordering = ["order", "name"]
        verbose_name = verbose_name_plural = "单位"

    def __str__(self) -> str:
        return self.name

    @staticmethod
    def guess_kind(name: str) -> str:
        """Municipal departments start with 市; counties end with 县/区/市."""
        if name.startswith("市"):
            return Unit.Kind.MUNICIPAL
        if name.endswith(("县", "区", "市")):
            return Unit.Kind.COUNTY
        return Unit.Kind.OTHER


class Leader(models.Model):
    name = models.CharField("姓名", max_length=50, unique=True)
    title = models.CharField("职务", max_length=100, blank=True)
    order = models.PositiveIntegerField("排序", default=0)

    class Meta:
        ordering = ["order", "name"]
        verbose_name = verbose_name_plural = "分管市领导"

    def __str__(self) -> str:
        return self.name


class User(AbstractUser):
    class Role(models.TextChoices):
        OFFICE = "office", _("改革办")
        REPORTER = "reporter", _("单位填报员")
        HEAD = "head", _("单位负责人")
        LEADER = "leader", _("市领导")
        AUDITOR = "auditor", _("审计查看")

    full_name = models.CharField("姓名", max_length=50, blank=True)
    role = models.CharField("角色", max_length=16, choices=Role, default=Role.REPORTER)
    unit = models.ForeignKey(
        Unit,
        verbose_name="所属单位",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="users",
    )
    leader = models.ForeignKey(
        Leader,
        verbose_name="对应市领导",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="users",
        help_text="角色为市领导时填写",
    )
    phone = models.CharField("电话", max_length=30, blank=True)
    date_joined = models.DateTimeField(_("date joined"), default=clock.now)

    class Meta:
        verbose_name = verbose_name_plural = "用户"

    def __str__(self) -> str:
        return self.full_name or self.username

    # Who may do what: each rule once, here; views, templates and scopes ask these.

    @property
    def is_office(self) -> bool:
        """The reform office (改革办) runs the month; a superuser counts as office."""
        return self.is_active and (self.is_superuser or self.role == self.Role.OFFICE)

    @property
    def sees_everything(self) -> bool:
        """The office, and the auditor who reads what the office reads and changes nothing."""
        return self.is_office or (self.is_active and self.role == self.Role.AUDITOR)

    @property
    def is_unit_member(self) -> bool:
        """A unit's reporter or head: works on the tasks the unit leads."""
        return (
            self.is_active
            and self.role in (self.Role.REPORTER, self.Role.HEAD)
            and self.unit_id is not None
        )

    @property
    def is_unit_head(self) -> bool:
        return self.is_unit_member and self.role == self.Role.HEAD

    @property
    def is_city_leader(self) -> bool:
        """A city leader (分管市领导) follows the tasks he is responsible for."""
        return self.is_active and self.role == self.Role.LEADER and self.leader_id is not None
