"""The audit log: who did what, when and from where, in one append-only hash chain."""

import json

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import models
from django.utils.translation import pgettext_lazy


class AuditEntry(models.Model):
    """One audited action.

    `sha256` is the hash of the entry's canonical JSON content (see `ducha.audit.log`),
    which includes `previous`, the hash of the entry before it: the rows form one chain.
    Rows are never updated or deleted (a trigger refuses it, see `ducha.lib.append_only`);
    each publication records the head of the chain, so that deleting the newest entries
    before it shows in `ducha verify`.
    """

    class Action(models.TextChoices):
        # A context of their own: "登录" the action is "Signed in", the button "Log in".
        LOGIN = "login", pgettext_lazy("audit action", "登录")
        LOGIN_FAILED = "login_failed", pgettext_lazy("audit action", "登录失败")
        LOGOUT = "logout", pgettext_lazy("audit action", "退出登录")
        LOCKOUT = "lockout", pgettext_lazy("audit action", "登录锁定")
        MFA_ENROLLED = "mfa_enrolled", pgettext_lazy("audit action", "启用两步验证")
        MFA_FAILED = "mfa_failed", pgettext_lazy("audit action", "动态验证码错误")
        RECOVERY_CODE_USED = "recovery_code_used", pgettext_lazy("audit action", "使用恢复码")
        MFA_RESET = "mfa_reset", pgettext_lazy("audit action", "重置两步验证")
        REPORT_SAVED = "report_saved", pgettext_lazy("audit action", "保存进展")
        REPORT_SUBMITTED = "report_submitted", pgettext_lazy("audit action", "报送进展")
        REPORT_WITHDRAWN = "report_withdrawn", pgettext_lazy("audit action", "撤回报送")
        REPORT_APPROVED = "report_approved", pgettext_lazy("audit action", "单位审核通过")
        REPORT_SENT_BACK = "report_sent_back", pgettext_lazy("audit action", "单位退回")
        REPORT_ACCEPTED = "report_accepted", pgettext_lazy("audit action", "改革办采用")
        REPORT_RETURNED = "report_returned", pgettext_lazy("audit action", "改革办退回")
        RATING_OVERRIDDEN = "rating_overridden", pgettext_lazy("audit action", "调整评价")
        BOARD_PUBLISHED = "board_published", pgettext_lazy("audit action", "发布公示")
        BOARD_CORRECTED = "board_corrected", pgettext_lazy("audit action", "公示勘误")
        MONTH_HELD = "month_held", pgettext_lazy("audit action", "暂缓发布")
        MONTH_RELEASED = "month_released", pgettext_lazy("audit action", "解除暂缓")
        LEDGER_IMPORTED = "ledger_imported", pgettext_lazy("audit action", "导入台账")
        TASK_PUSHED = "task_pushed", pgettext_lazy("audit action", "下达任务")
        TASK_ACCEPTED = "task_accepted", pgettext_lazy("audit action", "承接任务")
        UNITS_CHASED = "units_chased", pgettext_lazy("audit action", "催报")
        NOTICE_DRAFTED = "notice_drafted", pgettext_lazy("audit action", "起草督办通知")
        NOTICE_ISSUED = "notice_issued", pgettext_lazy("audit action", "签发督办通知")
        NOTICE_ANSWERED = "notice_answered", pgettext_lazy("audit action", "报送整改反馈")
        NOTICE_ACCEPTED = "notice_accepted", pgettext_lazy("audit action", "督办办结")
        NOTICE_RETURNED = "notice_returned", pgettext_lazy("audit action", "退回整改反馈")
        NOTICE_ESCALATED = "notice_escalated", pgettext_lazy("audit action", "督办催办")
        LADDER_PROPOSED = "ladder_proposed", pgettext_lazy("audit action", "提出问责建议")
        PROPOSAL_CONFIRMED = "proposal_confirmed", pgettext_lazy("audit action", "确认问责建议")
        PROPOSAL_DISMISSED = "proposal_dismissed", pgettext_lazy("audit action", "不予采纳问责建议")
        LADDER_RULE_CHANGED = "ladder_rule_changed", pgettext_lazy("audit action", "修改问责规则")
        ATTRIBUTION_CLAIMED = "attribution_claimed", pgettext_lazy("audit action", "申请延误归因")
        ATTRIBUTION_ANSWERED = "attribution_answered", pgettext_lazy("audit action", "回复延误归因")
        ATTRIBUTION_ACCEPTED = "attribution_accepted", pgettext_lazy("audit action", "认定延误归因")
        ATTRIBUTION_REJECTED = (
            "attribution_rejected",
            pgettext_lazy("audit action", "不予认定延误归因"),
        )
        BULLETIN_ISSUED = "bulletin_issued", pgettext_lazy("audit action", "印发通报")
        SCORES_POLICY_CHANGED = (
            "scores_policy_changed",
            pgettext_lazy("audit action", "修改考核排名设置"),
        )
        MEETING_SAVED = "meeting_saved", pgettext_lazy("audit action", "登记深改委会议")
        DECISION_TRACKED = "decision_tracked", pgettext_lazy("audit action", "会议决定转办")
        ASSIGNMENT_ISSUED = "assignment_issued", pgettext_lazy("audit action", "交办事项")
        ASSIGNMENT_SIGNED = "assignment_signed", pgettext_lazy("audit action", "签收交办事项")
        ASSIGNMENT_ANSWERED = (
            "assignment_answered",
            pgettext_lazy("audit action", "反馈交办事项"),
        )
        ASSIGNMENT_RETURNED = (
            "assignment_returned",
            pgettext_lazy("audit action", "退回交办事项反馈"),
        )
        ASSIGNMENT_CLOSED = "assignment_closed", pgettext_lazy("audit action", "办结销号")
        PILOT_SAVED = "pilot_saved", pgettext_lazy("audit action", "登记改革试点")
        PILOT_STATUS_CHANGED = (
            "pilot_status_changed",
            pgettext_lazy("audit action", "改革试点状态变更"),
        )
        SUGGESTION_TRIAGED = "suggestion_triaged", pgettext_lazy("audit action", "办理意见建议")
        SUGGESTIONS_PURGED = (
            "suggestions_purged",
            pgettext_lazy("audit action", "清除意见建议个人信息"),
        )
        PROJECT_SAVED = "project_saved", pgettext_lazy("audit action", "登记重点项目")
        PROJECT_REPORTED = "project_reported", pgettext_lazy("audit action", "报送项目进展")
        API_TOKEN_ISSUED = "api_token_issued", pgettext_lazy("audit action", "签发接口令牌")
        API_TOKEN_REVOKED = "api_token_revoked", pgettext_lazy("audit action", "吊销接口令牌")
        WEBHOOK_SAVED = "webhook_saved", pgettext_lazy("audit action", "登记推送地址")
        EXPORTED = "exported", pgettext_lazy("audit action", "导出")
        USER_CHANGED = "user_changed", pgettext_lazy("audit action", "用户变更")
        ROLE_CHANGED = "role_changed", pgettext_lazy("audit action", "角色变更")
        ADMIN_CHANGED = "admin_changed", pgettext_lazy("audit action", "后台修改")

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
    # For the filters: the task and the month the entry concerns, taken from its target
    # and detail when written. Entries written before these columns existed leave them
    # empty, and their hashes never covered them (see `ducha.audit.log.content`).
    task_code = models.CharField("任务编号", max_length=32, blank=True, db_index=True)
    month = models.DateField("月份", null=True, blank=True, db_index=True)
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
        # The user model (ducha.org) sits above the audit log, which every app writes to.
        return get_user_model().role_label(self.role)

    def data(self) -> dict:
        """The detail as a dict ({} if it is not one: an entry is shown, never refused)."""
        try:
            value = json.loads(self.detail)
        except ValueError:
            return {}
        return value if isinstance(value, dict) else {}


class AuditLock(models.Model):
    """A single row, locked while appending, so that the chain never forks."""

    class Meta:
        verbose_name = verbose_name_plural = "审计锁"

    def __str__(self) -> str:
        return "审计锁"
