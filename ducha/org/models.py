"""Who is who: the "1+6" areas, units, city leaders and the people who log in."""

from functools import cached_property

from django.conf import settings
from django.contrib.auth.models import AbstractUser, UserManager
from django.core.exceptions import ValidationError
from django.db import DatabaseError, models
from django.utils.translation import gettext_lazy as _

from ducha.lib import clock


class JurisdictionQuerySet(models.QuerySet):
    def home(self) -> "Jurisdiction":
        """The jurisdiction this server's / and /board/ show, and commands act on by default."""
        return self.get(home=True)

    def resolve(self, jurisdiction: "Jurisdiction | None") -> "Jurisdiction":
        """The jurisdiction a function acting on one was given: None means the home one."""
        return self.home() if jurisdiction is None else jurisdiction

    def below(self, jurisdiction: "Jurisdiction") -> list["Jurisdiction"]:
        """Every jurisdiction under this one, at any depth, in tree order (one query)."""
        children: dict[int | None, list[Jurisdiction]] = {}
        for j in self.order_by("order", "slug"):
            children.setdefault(j.parent_id, []).append(j)
        out, stack = [], list(reversed(children.get(jurisdiction.pk, [])))
        while stack:
            j = stack.pop()
            out.append(j)
            stack.extend(reversed(children.get(j.pk, [])))
        return out


class Jurisdiction(models.Model):
    """A province, a city or a county (县市区): each runs its own ledger, calendar,
    publication chain and boards, by the same rules (SPEC.md §2 applies inside each)."""

    class Level(models.TextChoices):
        PROVINCE = "province", _("省")
        CITY = "city", _("市")
        COUNTY = "county", _("县市区")

    slug = models.SlugField("标识", max_length=40, unique=True)
    name = models.CharField("名称", max_length=50)
    level = models.CharField("层级", max_length=16, choices=Level, default=Level.CITY)
    parent = models.ForeignKey(
        "self",
        verbose_name="上级",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    home = models.BooleanField("本级（首页所示）", default=False)
    order = models.PositiveIntegerField("排序", default=0)
    deadline_day = models.PositiveSmallIntegerField(
        "报送截止日", null=True, blank=True, help_text="空白时用系统设置（每月 5 日）"
    )
    publish_day = models.PositiveSmallIntegerField(
        "公示日", null=True, blank=True, help_text="空白时用系统设置（每月 10 日）"
    )

    objects = JurisdictionQuerySet.as_manager()

    class Meta:
        ordering = ["order", "slug"]
        verbose_name = verbose_name_plural = "辖区"
        constraints = [
            models.UniqueConstraint(
                fields=["home"], condition=models.Q(home=True), name="one_home_jurisdiction"
            )
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def deadline(self) -> int:
        return self.deadline_day or settings.DUCHA_REPORT_DEADLINE_DAY

    @property
    def publication_day(self) -> int:
        return self.publish_day or settings.DUCHA_PUBLISH_DAY

    @property
    def reform_office(self) -> str:
        """Who issues its boards and notices: the home one's office as configured, another's
        own reform office (县委改革办, by its full name)."""
        if self.home:
            return settings.DUCHA_OFFICE_NAME
        return f"{self.name}委全面深化改革委员会办公室"


def of_jurisdiction(jurisdiction: "Jurisdiction | None", through: str = "") -> models.Q:
    """The rows of `jurisdiction` (None: the home one, found by a join rather than a query of
    its own), reached through `through` ("task__" from a node, "" on the row itself)."""
    if jurisdiction is None:
        return models.Q(**{f"{through}jurisdiction__home": True})
    return models.Q(**{f"{through}jurisdiction": jurisdiction})


def named(jurisdiction: "Jurisdiction | None") -> dict:
    """What an audit entry's detail adds about the jurisdiction it happened in: nothing for
    the home one (None, or the home jurisdiction itself), else its slug."""
    if jurisdiction is None or jurisdiction.home:
        return {}
    return {"jurisdiction": jurisdiction.slug}


def ensure_home() -> "Jurisdiction":
    """The home jurisdiction, made if missing (a flushed test database, a bare install)."""
    home = Jurisdiction.objects.filter(home=True).first()
    if home is None:
        home, _ = Jurisdiction.objects.get_or_create(
            slug=settings.DUCHA_HOME_JURISDICTION,
            defaults={"name": settings.DUCHA_CITY, "home": True},
        )
    return home


def home_jurisdiction_id() -> int | None:
    """The home jurisdiction's id, the default of every row that belongs to one (None
    before the table exists: `makemigrations` asks for the default)."""
    try:
        return Jurisdiction.objects.filter(home=True).values_list("pk", flat=True).first()
    except DatabaseError:
        return None


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

    jurisdiction = models.ForeignKey(
        Jurisdiction,
        verbose_name="辖区",
        on_delete=models.PROTECT,
        default=home_jurisdiction_id,
        related_name="units",
    )
    name = models.CharField("名称", max_length=100)
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
    approves_alone = models.BooleanField(
        "允许一人填报并审核",
        default=False,
        help_text="单位只有一名填报人员时，改革办可允许其本人填报、提交并审核（记录在案）",
    )

    objects = UnitQuerySet.as_manager()

    class Meta:
        ordering = ["order", "name"]
        verbose_name = verbose_name_plural = "单位"
        constraints = [
            models.UniqueConstraint(
                fields=["jurisdiction", "name"], name="unit_name_unique_in_jurisdiction"
            )
        ]

    def __str__(self) -> str:
        return self.name

    @staticmethod
    def kind_label(kind: str, jurisdiction: "Jurisdiction | None" = None):
        """What a kind of unit is called in `jurisdiction` (None: the home one): a city's
        own departments are 市直部门, a county's 县直部门 (a district's 区直部门), and the
        units below a county are its towns and subdistricts."""
        if jurisdiction is None or jurisdiction.level != Jurisdiction.Level.COUNTY:
            return Unit.Kind(kind).label
        if kind == Unit.Kind.MUNICIPAL and jurisdiction.name.endswith("区"):
            return _("区直部门")
        if kind == Unit.Kind.MUNICIPAL and not jurisdiction.name.endswith("市"):
            return _("县直部门")  # a county-level city's are 市直部门, as a city's
        if kind == Unit.Kind.COUNTY:
            return _("乡镇（街道）")
        return Unit.Kind(kind).label

    @staticmethod
    def guess_kind(name: str) -> str:
        """Municipal departments start with 市; counties end with 县/区/市."""
        if name.startswith("市"):
            return Unit.Kind.MUNICIPAL
        if name.endswith(("县", "区", "市")):
            return Unit.Kind.COUNTY
        return Unit.Kind.OTHER


class Leader(models.Model):
    jurisdiction = models.ForeignKey(
        Jurisdiction,
        verbose_name="辖区",
        on_delete=models.PROTECT,
        default=home_jurisdiction_id,
        related_name="leaders",
    )
    name = models.CharField("姓名", max_length=50)
    title = models.CharField("职务", max_length=100, blank=True)
    order = models.PositiveIntegerField("排序", default=0)

    class Meta:
        ordering = ["order", "name"]
        verbose_name = verbose_name_plural = "分管市领导"
        constraints = [
            models.UniqueConstraint(
                fields=["jurisdiction", "name"], name="leader_name_unique_in_jurisdiction"
            )
        ]

    def __str__(self) -> str:
        return self.name


class PeopleQuerySet(models.QuerySet):
    """Who is reached for what: the messages a reminder or a notice sends go to these."""

    def of_units(self, unit_ids, *, heads_only: bool = False):
        """The active reporters and heads of these units (only the heads if asked)."""
        roles = [User.Role.HEAD] if heads_only else list(User.UNIT_ROLES)
        return self.people().filter(unit_id__in=list(unit_ids), role__in=roles, is_active=True)

    def people(self):
        """People, not the accounts through which integrations act (ducha.api tokens)."""
        return self.filter(is_integration=False)

    def offices_of(self, jurisdiction):
        """The active reform-office people of this jurisdiction."""
        return self.filter(jurisdiction=jurisdiction, role=User.Role.OFFICE, is_active=True)

    def leaders_of(self, leader_ids):
        """The active accounts of these city (or county) leaders."""
        return self.filter(leader_id__in=list(leader_ids), role=User.Role.LEADER, is_active=True)


class PeopleManager(UserManager.from_queryset(PeopleQuerySet)):
    pass


class User(AbstractUser):
    class Role(models.TextChoices):
        OFFICE = "office", _("改革办")
        REPORTER = "reporter", _("单位填报员")
        HEAD = "head", _("单位负责人")
        LEADER = "leader", _("市领导")
        AUDITOR = "auditor", _("审计查看")

    full_name = models.CharField("姓名", max_length=50, blank=True)

    objects = PeopleManager()
    jurisdiction = models.ForeignKey(
        Jurisdiction,
        verbose_name="辖区",
        on_delete=models.PROTECT,
        default=home_jurisdiction_id,
        related_name="users",
    )
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
    # The account an API token acts through (ducha/api): a unit's reporter in every rule, but
    # nobody signs in with it, messages never go to it, and it makes no unit "of one".
    is_integration = models.BooleanField("接口账号", default=False, editable=False)
    date_joined = models.DateTimeField(_("date joined"), default=clock.now)

    class Meta:
        verbose_name = verbose_name_plural = "用户"

    def __str__(self) -> str:
        return self.full_name or self.username

    @classmethod
    def role_label(cls, role: str) -> str:
        """A stored role's name in the reader's language (the value itself if unknown)."""
        return cls.Role(role).label if role in cls.Role.values else role

    # Who may do what: each rule once, here; views, templates and scopes ask these.

    @property
    def is_office(self) -> bool:
        """The reform office (改革办) runs the month; a superuser counts as office."""
        return self.is_active and (self.is_superuser or self.role == self.Role.OFFICE)

    @property
    def sees_everything(self) -> bool:
        """The office, and the auditor who reads what the office reads and changes nothing."""
        return self.is_office or (self.is_active and self.role == self.Role.AUDITOR)

    # Who works on a unit's reports: its reporter and its head.
    UNIT_ROLES = (Role.REPORTER, Role.HEAD)

    @property
    def needs_second_factor(self) -> bool:
        """The office, the auditor, and anyone who may open the admin sign in with a second
        factor (MLPS 2.0 level 3 asks it of administrators)."""
        return self.sees_everything or (self.is_active and (self.is_staff or self.is_superuser))

    @property
    def owes_second_factor(self) -> bool:
        """Signed in with the password, not yet with the second factor asked of him
        (django-otp's middleware gives the user `is_verified`)."""
        return (
            settings.DUCHA_MFA_REQUIRED
            and self.needs_second_factor
            and not (hasattr(self, "is_verified") and self.is_verified())
        )

    # Data scope. Everyone belongs to one jurisdiction and works in it alone; the office and
    # the auditor of a city (or a province) also read every jurisdiction below theirs, and
    # change nothing there: each county's office runs its own.

    @cached_property
    def jurisdictions_read(self) -> frozenset[int]:
        """The ids of the jurisdictions whose ledger, reports and files this person reads:
        his own, and for the office and the auditor every one below it (one query, asked
        once per user object, which is once per request)."""
        own = frozenset({self.jurisdiction_id})
        if not self.sees_everything:
            return own
        # below() reads only the pk: no query for the jurisdiction itself.
        below = Jurisdiction.objects.below(Jurisdiction(pk=self.jurisdiction_id))
        return own | {j.pk for j in below}

    def reads_in(self, jurisdiction_id: int | None) -> bool:
        """May read this jurisdiction's tasks, reports and files (his own costs no query)."""
        return self.is_active and (
            jurisdiction_id == self.jurisdiction_id or jurisdiction_id in self.jurisdictions_read
        )

    def works_in(self, jurisdiction_id: int | None) -> bool:
        """May change anything of this jurisdiction: his own only, whatever he reads."""
        return self.is_active and jurisdiction_id == self.jurisdiction_id

    def runs(self, jurisdiction_id: int | None) -> bool:
        """The office of this very jurisdiction: it overrides, publishes, holds, imports."""
        return self.is_office and self.works_in(jurisdiction_id)

    def clean(self) -> None:
        """A person's unit and leader are of his own jurisdiction (otherwise he would see
        and do nothing: every rule asks the task's jurisdiction to be his)."""
        super().clean()
        for field, what in (("unit", "单位"), ("leader", "领导")):
            related = getattr(self, field)
            if related is not None and related.jurisdiction_id != self.jurisdiction_id:
                raise ValidationError({field: f"所选{what}不属于该用户的辖区"})

    def integrates_for(self, unit_id: int | None, jurisdiction_id: int | None) -> bool:
        """An integration's account (ducha.api) still as issued: active, that unit's
        reporter in that jurisdiction, nothing more (no superuser, no other role)."""
        return (
            self.is_active
            and self.is_integration
            and not self.is_superuser
            and self.role == self.Role.REPORTER
            and (self.unit_id, self.jurisdiction_id) == (unit_id, jurisdiction_id)
        )

    @property
    def is_unit_member(self) -> bool:
        """A unit's reporter or head: works on the tasks the unit leads."""
        return self.is_active and self.role in self.UNIT_ROLES and self.unit_id is not None

    @property
    def is_unit_head(self) -> bool:
        return self.is_unit_member and self.role == self.Role.HEAD

    @property
    def is_city_leader(self) -> bool:
        """A city leader (分管市领导) follows the tasks he is responsible for."""
        return self.is_active and self.role == self.Role.LEADER and self.leader_id is not None

    @property
    def reads_numbers(self) -> bool:
        """Scores, league tables, dashboards and the forecast: the office, the auditor (and
        the assessment office, which signs in as one) and the city leaders. Units read their
        own figures on /me/ and, where the office publishes the scores, the public table."""
        return self.sees_everything or self.is_city_leader

    def leads(self, task) -> bool:
        """A member of the task's lead unit, in the task's jurisdiction."""
        return (
            self.is_unit_member
            and self.unit_id == task.lead_unit_id
            and self.works_in(task.jurisdiction_id)
        )

    def in_lead_units(self, task) -> bool:
        """A member of one of the task's lead units (the first or a joint one, 共同牵头), in
        the task's jurisdiction."""
        return self.leads(task) or (
            self.is_unit_member
            and self.works_in(task.jurisdiction_id)
            and task.joint_lead_links.filter(unit_id=self.unit_id).exists()
        )

    def can_answer(self, notice) -> bool:
        """A 督办通知's 整改反馈 is written by the task's lead units while the notice waits
        for it (issued, or its answer returned)."""
        return notice.awaits_answer and self.in_lead_units(notice.task)

    # 延误归因 (ducha.attributions): `attribution` is an Attribution; its state questions
    # (`awaits_answer`, `awaits_decision`) are its own.

    def can_claim_delay(self, task) -> bool:
        """A member of one of the task's lead units names the cooperating unit that held a
        node up (the task's co-units are the claim's question, not the person's)."""
        return self.in_lead_units(task)

    def can_answer_attribution(self, attribution) -> bool:
        """A member of the cooperating unit named, while the claim waits for its answer."""
        return (
            attribution.awaits_answer
            and self.is_unit_member
            and self.unit_id == attribution.unit_id
            and self.works_in(attribution.jurisdiction_id)
        )

    def can_decide_attribution(self, attribution) -> bool:
        """The office of the task's own jurisdiction, once the cooperating unit answered."""
        return attribution.awaits_decision and self.runs(attribution.jurisdiction_id)

    # 交办事项 (ducha.assignments): `item` is an Assignment; its state questions
    # (`awaits_signing`, `awaits_answer`, `awaits_review`) are its own.

    def can_assign(self, jurisdiction_id: int | None) -> bool:
        """The office of the jurisdiction records a leader's instruction or a meeting's
        decision and assigns it to a unit (the leader's name is on it, not his login)."""
        return self.runs(jurisdiction_id)

    def in_assigned_unit(self, item) -> bool:
        """A member of the unit the item is assigned to, in its jurisdiction."""
        return (
            self.is_unit_member
            and self.unit_id == item.unit_id
            and self.works_in(item.jurisdiction_id)
        )

    def can_sign_for(self, item) -> bool:
        """签收: a member of the assigned unit, while the item waits for it."""
        return item.awaits_signing and self.in_assigned_unit(item)

    def can_answer_assignment(self, item) -> bool:
        """The assigned unit reports back (办理反馈) once signed for, or after a return."""
        return item.awaits_answer and self.in_assigned_unit(item)

    def can_close_assignment(self, item) -> bool:
        """The office of the item's jurisdiction closes (办结销号) or returns an answer."""
        return item.awaits_review and self.runs(item.jurisdiction_id)

    # 深改委, 改革试点, 挂图作战 registers and the 开门搞改革 mailbox.

    def keeps_registers(self, jurisdiction_id: int | None) -> bool:
        """The office of the jurisdiction keeps its committee's meetings, its pilots, its
        war map's command posts and projects, and answers its suggestions."""
        return self.runs(jurisdiction_id)

    def reads_committee(self, jurisdiction_id: int | None) -> bool:
        """The committee's meetings and decisions: the office and the auditor (theirs and
        those below, read only) and the city leaders (their own)."""
        return self.reads_numbers and self.reads_in(jurisdiction_id)

    def reads_personal_data(self, jurisdiction_id: int | None) -> bool:
        """A suggester's contact details and address: the office of that jurisdiction only
        (not the auditor, not an office above it)."""
        return self.runs(jurisdiction_id)

    def can_report_project(self, project) -> bool:
        """A key project's monthly progress is reported by its responsible unit."""
        return (
            self.is_unit_member
            and self.unit_id == project.unit_id
            and self.works_in(project.jurisdiction_id)
        )

    def is_alone_in_unit(self) -> bool:
        """No other active reporter or head in this person's unit."""
        others = User.objects.people().filter(
            unit_id=self.unit_id, is_active=True, role__in=self.UNIT_ROLES
        )
        return not others.exclude(pk=self.pk).exists()

    # A report's steps. `report` is a ducha.reports Report: saved, or unsaved for a month
    # nobody has written on yet; its state questions (`editable`, `month_is_open`) are its own.

    def can_edit(self, report) -> bool:
        """The lead unit's reporter (or head) while the report is a draft or sent back and
        its month is open."""
        return self.leads(report.task) and report.editable and report.month_is_open

    def can_withdraw(self, report) -> bool:
        """The lead unit takes a submission back until its head acts on it."""
        return self.leads(report.task) and report.status == report.Status.SUBMITTED

    def can_approve(self, report) -> bool:
        """The lead unit's head, on a submission of an open month, that someone else
        submitted: one person alone may not fill in, submit and approve a report, unless
        the office allows it for a unit of one (`approves_alone`, recorded on the report)."""
        return (
            self.is_unit_head
            and self.leads(report.task)
            and report.status == report.Status.SUBMITTED
            and report.month_is_open
            and (report.submitted_by_id != self.pk or self.approves_alone())
        )

    def approves_alone(self) -> bool:
        """The office lets this head approve what he submitted himself: he is his unit's
        only member and the unit is marked so."""
        return self.is_unit_head and self.unit.approves_alone and self.is_alone_in_unit()

    def can_review(self, report) -> bool:
        """The office of the report's own jurisdiction accepts what a head approved."""
        return self.runs(report.task.jurisdiction_id) and report.status == report.Status.APPROVED

    def can_return(self, report) -> bool:
        """The office sends a unit's report back, before or after accepting it, while its
        month is open: a posted month is the record (a correction changes it), and a return
        undoes the approval's progress rows, which nobody could approve again."""
        return (
            self.runs(report.task.jurisdiction_id)
            and report.status in (report.Status.APPROVED, report.Status.ACCEPTED)
            and report.month_is_open
        )
