"""The integrations that read and report through /api/v1/, and where publications are pushed.

A token is issued for one unit of one jurisdiction (`ducha api-token`), and acts through an
account of its own (`token.user`, `User.is_integration`): a reporter of that unit in every
rule the web asks, so the API reads and writes exactly what the unit's reporter may. Its
scope narrows it further: `read` reads, `report` also saves and submits the unit's reports
(its head approves them on the web, as for any reporter's). Only the token's SHA-256 is
kept; the token itself is shown once, when issued.
"""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from ducha.lib.clock import StampField


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class ApiToken(models.Model):
    class Scope(models.TextChoices):
        READ = "read", _("只读")
        REPORT = "report", _("读取并报送")

    name = models.CharField("名称", max_length=100)
    jurisdiction = models.ForeignKey(
        "org.Jurisdiction", verbose_name="辖区", on_delete=models.PROTECT, related_name="+"
    )
    unit = models.ForeignKey(
        "org.Unit", verbose_name="单位", on_delete=models.PROTECT, related_name="api_tokens"
    )
    scope = models.CharField("权限", max_length=8, choices=Scope)
    # The account the token acts through (is_integration, the unit's reporter).
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name="接口账号",
        on_delete=models.PROTECT,
        related_name="api_token",
    )
    digest = models.CharField("令牌摘要", max_length=64, unique=True)
    # The token's first characters, so an office can tell its tokens apart in a list.
    prefix = models.CharField("令牌前缀", max_length=12)
    created_at = StampField("签发时间", auto_now_add=True)
    last_used_at = models.DateTimeField("最近使用", null=True, blank=True)
    revoked_at = models.DateTimeField("吊销时间", null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "接口令牌"
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name}（{self.prefix}…）"

    @property
    def active(self) -> bool:
        """Not revoked, and its account still what it was issued as: its unit's reporter.
        An account changed since in the admin (another unit or role, made a superuser)
        acts for nobody, rather than for more than the token was issued for."""
        return self.revoked_at is None and self.user.integrates_for(
            self.unit_id, self.jurisdiction_id
        )

    @property
    def may_report(self) -> bool:
        return self.scope == self.Scope.REPORT


class Webhook(models.Model):
    """An address told of every publication of its jurisdiction's boards (signed with its
    secret, retried until it answers 2xx)."""

    jurisdiction = models.ForeignKey(
        "org.Jurisdiction", verbose_name="辖区", on_delete=models.PROTECT, related_name="+"
    )
    url = models.URLField("推送地址", max_length=500)
    secret = models.CharField("签名密钥", max_length=64)
    active = models.BooleanField("启用", default=True)
    created_at = StampField("登记时间", auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "推送地址"

    def __str__(self) -> str:
        return self.url


class WebhookDelivery(models.Model):
    """One publication's push to one address: sent, or waiting for its next attempt."""

    class Status(models.TextChoices):
        PENDING = "pending", "待发送"
        SENT = "sent", "已送达"
        FAILED = "failed", "已放弃"

    webhook = models.ForeignKey(Webhook, on_delete=models.CASCADE, related_name="deliveries")
    publication = models.ForeignKey(
        "boards.Publication", on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField("状态", max_length=8, choices=Status, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField("尝试次数", default=0)
    next_attempt_at = models.DateTimeField("下次尝试", null=True, blank=True)
    last_error = models.CharField("最近错误", max_length=300, blank=True)
    created_at = StampField("创建时间", auto_now_add=True)
    sent_at = models.DateTimeField("送达时间", null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "推送记录"
        constraints = [
            models.UniqueConstraint(
                fields=["webhook", "publication"], name="one_delivery_per_publication"
            )
        ]
        indexes = [models.Index(fields=["status", "next_attempt_at"])]

    def __str__(self) -> str:
        return f"{self.webhook} ← {self.publication_id}"
