"""开门搞改革: suggestions sent through the public form by the democratic parties, the
federation of industry and commerce, non-party figures, enterprises and citizens. Each gets
a receipt code to follow it with; the office triages it (in handling, then replied with an
outcome and a written reply by a deadline) and links it to the ledger's tasks.

A suggester's name and contact are personal data: only the office of the suggestion's
jurisdiction reads them (`user.reads_personal_data`), and `retention.due` erases them once
the suggestion has been settled for DUCHA_OPEN_DOOR_RETENTION_DAYS. The keyed hash of the
client address exists only for the rate limit and is erased after its window.
"""

from __future__ import annotations

import datetime as dt
import re
import secrets

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from ducha.lib import clock
from ducha.lib.clock import StampField
from ducha.org.models import Area, Jurisdiction, home_jurisdiction_id

# Receipt codes: no 0/O, 1/I/L or U/V look-alikes to misread; 12 characters of 30 are
# 58 bits, shown in groups of four (K7PM-29QD-XR4H).
ALPHABET = "23456789ABCDEFGHJKMNPQRSTVWXYZ"
CODE_LENGTH = 12
_NOT_CODE = re.compile(r"[\s\-_.·—]+")
TITLE_MAX = 100
NAME_MAX = 50
CONTACT_MAX = 100


def new_code() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))


def normal_code(text: str) -> str | None:
    """A receipt code as typed (lower case, spaces or dashes anywhere) in its stored form,
    or None when it cannot be one."""
    code = _NOT_CODE.sub("", text or "").upper()
    if len(code) != CODE_LENGTH or any(c not in ALPHABET for c in code):
        return None
    return code


def grouped(code: str) -> str:
    return "-".join(code[i : i + 4] for i in range(0, len(code), 4))


class SuggestionQuerySet(models.QuerySet):
    def readable_by(self, user):
        """The office and the auditor read their jurisdiction's (and those below it)."""
        if not user.is_authenticated or not user.sees_everything:
            return self.none()
        return self.filter(jurisdiction__in=user.jurisdictions_read)

    def public(self):
        """What the public pages count: the home jurisdiction's (its form is the site's)."""
        return self.filter(jurisdiction__home=True)

    def open(self):
        return self.exclude(state=Suggestion.State.REPLIED)

    def overdue(self, today: dt.date):
        return self.open().filter(reply_due__lt=today)

    def from_address(self, address_hash: str, since: dt.datetime):
        return self.filter(address_hash=address_hash, created_at__gte=since)


class Suggestion(models.Model):
    class Category(models.TextChoices):
        PARTY = "party", _("民主党派")
        FEDERATION = "federation", _("工商联")
        NON_PARTY = "non_party", _("无党派人士")
        ENTERPRISE = "enterprise", _("企业")
        CITIZEN = "citizen", _("群众")
        OTHER = "other", _("其他")

    class State(models.TextChoices):
        # A context of their own: the same words elsewhere ("不予采纳" a proposal) differ.
        RECEIVED = "received", pgettext_lazy("suggestion", "已收到")
        HANDLING = "handling", pgettext_lazy("suggestion", "办理中")
        REPLIED = "replied", pgettext_lazy("suggestion", "已答复")

    class Outcome(models.TextChoices):
        ADOPTED = "adopted", pgettext_lazy("suggestion", "采纳")
        PARTLY = "partly", pgettext_lazy("suggestion", "部分采纳")
        NOTED = "noted", pgettext_lazy("suggestion", "留作参考")
        DECLINED = "declined", pgettext_lazy("suggestion", "不予采纳")

    # The outcomes the public page lists with their replies.
    TAKEN_UP = (Outcome.ADOPTED, Outcome.PARTLY)

    jurisdiction = models.ForeignKey(
        Jurisdiction,
        verbose_name="辖区",
        on_delete=models.PROTECT,
        default=home_jurisdiction_id,
        related_name="+",
    )
    code = models.CharField("回执码", max_length=CODE_LENGTH, unique=True)
    category = models.CharField("提出者类别", max_length=16, choices=Category)
    area = models.ForeignKey(
        Area,
        verbose_name="涉及领域",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    title = models.CharField("标题", max_length=TITLE_MAX)
    text = models.TextField("建议内容")
    # Personal data: the office of the jurisdiction only; erased after the retention time.
    name = models.CharField("姓名或单位", max_length=NAME_MAX, blank=True)
    contact = models.CharField("联系方式", max_length=CONTACT_MAX, blank=True)
    address_hash = models.CharField("来源地址（密钥哈希）", max_length=64, blank=True)
    created_at = models.DateTimeField("收到时间", default=clock.now)
    state = models.CharField("状态", max_length=16, choices=State, default=State.RECEIVED)
    outcome = models.CharField("办理结果", max_length=16, choices=Outcome, blank=True)
    reply = models.TextField("答复意见", blank=True)
    reply_due = models.DateField("答复期限")
    tasks = models.ManyToManyField(
        "ledger.Task", verbose_name="关联任务", blank=True, related_name="suggestions"
    )
    replied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="答复人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    replied_at = models.DateTimeField("答复时间", null=True, blank=True)
    personal_erased_at = models.DateTimeField("个人信息清除时间", null=True, blank=True)
    # The triage form's optimistic check: one more at every change.
    version = models.PositiveIntegerField("版本", default=1)
    updated_at = StampField("更新时间", auto_now=True)

    objects = SuggestionQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = verbose_name_plural = "意见建议"
        indexes = [
            models.Index(fields=["address_hash", "created_at"]),
            models.Index(fields=["state", "reply_due"]),
            models.Index(fields=["created_at"]),
        ]

    def __str__(self) -> str:
        return f"{grouped(self.code)} {self.title}"

    @property
    def receipt(self) -> str:
        return grouped(self.code)

    @property
    def is_replied(self) -> bool:
        return self.state == self.State.REPLIED

    @property
    def has_personal_data(self) -> bool:
        return bool(self.name or self.contact)

    def is_overdue(self, today: dt.date | None = None) -> bool:
        return not self.is_replied and self.reply_due < (today or clock.today())

    @staticmethod
    def due_from(created: dt.datetime) -> dt.date:
        return clock.local(created).date() + dt.timedelta(days=settings.DUCHA_OPEN_DOOR_REPLY_DAYS)
