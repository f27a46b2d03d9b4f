"""The audit log: who did what, when and from where, in one append-only hash chain."""

import json

from django.conf import settings
from django.db import models


class AuditEntry(models.Model):
    """One audited action.

    `sha256` is the hash of the entry's canonical JSON content (see `ducha.audit.log`),
    which includes `previous`, the hash of the entry before it: the rows form one chain.
    Rows are never updated or deleted (on PostgreSQL a trigger refuses it).
    """

    class Action(models.TextChoices):
        LOGIN = "login", "登录"
        LOGIN_FAILED = "login_failed", "登录失败"
        LOGOUT = "logout", "退出登录"
        LOCKOUT = "lockout", "登录锁定"
        REPORT_SAVED = "report_saved", "保存进展"
        REPORT_SUBMITTED = "report_submitted", "报送进展"
        REPORT_APPROVED = "report_approved", "单位审核通过"
        REPORT_SENT_BACK = "report_sent_back", "单位退回"
        REPORT_ACCEPTED = "report_accepted", "改革办采用"
        REPORT_RETURNED = "report_returned", "改革办退回"
        RATING_OVERRIDDEN = "rating_overridden", "调整评价"
        BOARD_PUBLISHED = "board_published", "发布公示"
        BOARD_CORRECTED = "board_corrected", "公示勘误"
        MONTH_HELD = "month_held", "暂缓发布"
        MONTH_RELEASED = "month_released", "解除暂缓"
        LEDGER_IMPORTED = "ledger_imported", "导入台账"
        EXPORTED = "exported", "导出"
        USER_CHANGED = "user_changed", "用户变更"
        ROLE_CHANGED = "role_changed", "角色变更"

    seq = models.PositiveBigIntegerField("链序号", unique=True)
    at = models.DateTimeField("时间")
    # PROTECT: people who appear in the log are deactivated, never deleted.
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="操作人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="audit_entries",
    )
    actor_name = models.CharField("操作人名称", max_length=150, blank=True)
    role = models.CharField("角色", max_length=16, blank=True)
    action = models.CharField("操作", max_length=32, choices=Action, db_index=True)
    target_type = models.CharField("对象类型", max_length=100, blank=True)
    target_id = models.CharField("对象编号", max_length=64, blank=True)
    target_label = models.CharField("对象", max_length=200, blank=True)
    detail = models.TextField("详情（规范 JSON）", default="{}")
    address = models.CharField("来源地址", max_length=64, blank=True)
    previous = models.CharField("上一条的 SHA-256", max_length=64, blank=True)
    sha256 = models.CharField("SHA-256", max_length=64, unique=True)

    class Meta:
        ordering = ["-seq"]
        verbose_name = verbose_name_plural = "审计记录"

    def __str__(self) -> str:
        return f"#{self.seq} {self.get_action_display()}"

    def role_name(self) -> str:
        from ducha.org.models import User

        return dict(User.Role.choices).get(self.role, self.role)

    def detail_items(self) -> list[tuple[str, object]]:
        try:
            data = json.loads(self.detail)
        except ValueError:
            return [("detail", self.detail)]
        return sorted(data.items()) if isinstance(data, dict) else [("detail", data)]


class AuditLock(models.Model):
    """A single row, locked while appending, so that the chain never forks."""

    class Meta:
        verbose_name = verbose_name_plural = "审计锁"

    def __str__(self) -> str:
        return "审计锁"
