"""Messages to people, and their deliveries: one row per recipient and channel.

A message is written once (what, to whom, why); each recipient gets it in the in-app inbox at
once, and on the external channels through the queue: his own e-mail address, and his unit's
channels (a shared mailbox, group robots). Every delivery has an idempotency key: the same key
is never delivered twice, whoever asks again (a second tick, a restarted worker)."""

from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import models
from django.utils.translation import gettext_lazy as _

from ducha.org.models import Jurisdiction, Unit, home_jurisdiction_id


class Channel(models.TextChoices):
    INBOX = "inbox", _("站内消息")
    EMAIL = "email", _("电子邮件")
    WECOM = "wecom", _("企业微信")
    DINGTALK = "dingtalk", _("钉钉")
    FEISHU = "feishu", _("飞书")


ROBOTS = (Channel.WECOM, Channel.DINGTALK, Channel.FEISHU)


def robot_host_allowed(url: str) -> bool:
    """A webhook on an http(s) host of DUCHA_ROBOT_HOSTS: the one rule, for the form that
    saves a robot and for the worker that posts to it."""
    parts = urlsplit(url.strip())
    allowed = {host.strip().lower() for host in settings.DUCHA_ROBOT_HOSTS}
    return parts.scheme in ("http", "https") and (parts.hostname or "").lower() in allowed


SIGNED = (Channel.DINGTALK, Channel.FEISHU)  # robots with a signing secret


class Message(models.Model):
    """One notification, as written: the same text for every recipient."""

    jurisdiction = models.ForeignKey(
        Jurisdiction,
        verbose_name="辖区",
        on_delete=models.PROTECT,
        default=home_jurisdiction_id,
        related_name="+",
    )
    kind = models.CharField("类别", max_length=40)  # reminder_before, chase, notice_issued…
    key = models.CharField("幂等键", max_length=200, unique=True)
    subject = models.CharField("标题", max_length=200)
    body = models.TextField("内容")
    url = models.CharField("链接", max_length=300, blank=True)  # a path inside the site
    created_at = models.DateTimeField("时间")
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="发送人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    by_name = models.CharField("发送方", max_length=100, blank=True)  # "ducha tick"

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = verbose_name_plural = "消息"

    def __str__(self) -> str:
        return self.subject


class UnitChannel(models.Model):
    """Where a unit's messages go besides each person's inbox: its shared mailbox, or a group
    robot (its webhook address, and for DingTalk and Feishu the signing secret). The office
    of the unit's jurisdiction sets them (/office/channels/)."""

    unit = models.ForeignKey(
        Unit, verbose_name="单位", on_delete=models.CASCADE, related_name="channels"
    )
    channel = models.CharField(
        "渠道", max_length=16, choices=[c for c in Channel.choices if c[0] != Channel.INBOX]
    )
    address = models.CharField(
        "地址", max_length=500, help_text="电子邮件地址，或群机器人的 Webhook 地址（http/https）"
    )
    secret = models.CharField(
        "签名密钥",
        max_length=200,
        blank=True,
        help_text="钉钉“加签”或飞书“签名校验”的密钥；企业微信和电子邮件不填",
    )
    label = models.CharField("备注", max_length=50, blank=True)  # "办公室工作群"
    active = models.BooleanField("启用", default=True)

    class Meta:
        ordering = ["unit__order", "unit__name", "channel", "pk"]
        verbose_name = verbose_name_plural = "单位消息渠道"
        constraints = [
            models.UniqueConstraint(
                fields=["unit", "channel", "address"], name="unit_channel_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.unit} · {self.get_channel_display()} {self.shown_address}"

    @property
    def shown_address(self) -> str:
        """The address as pages show it: a robot's webhook carries its access token, so only
        its host and the start of its path."""
        return masked(self.channel, self.address)

    def clean(self) -> None:
        self.address = self.address.strip()
        self.secret = self.secret.strip()
        if self.channel == Channel.EMAIL:
            try:
                validate_email(self.address)
            except ValidationError:
                raise ValidationError({"address": _("请填写有效的电子邮件地址")}) from None
        elif self.channel in ROBOTS:
            parts = urlsplit(self.address)
            if parts.scheme not in ("http", "https") or not parts.hostname:
                raise ValidationError(
                    {"address": _("群机器人地址应是 http:// 或 https:// 开头的网址")}
                )
            if not robot_host_allowed(self.address):
                raise ValidationError(
                    {
                        "address": _(
                            "群机器人只能指向这些主机：%(hosts)s（其他主机请系统管理员在 "
                            "DUCHA_ROBOT_HOSTS 中添加）"
                        )
                        % {"hosts": "、".join(settings.DUCHA_ROBOT_HOSTS)}
                    }
                )
        if self.secret and self.channel not in SIGNED:
            raise ValidationError({"secret": _("只有钉钉和飞书机器人使用签名密钥")})


def masked(channel: str, address: str) -> str:
    if channel not in ROBOTS:
        return address
    parts = urlsplit(address)
    path = parts.path if len(parts.path) <= 16 else parts.path[:16] + "…"
    return f"{parts.scheme}://{parts.netloc}{path}" + ("?…" if parts.query else "")


class QuietHours(models.Model):
    """A person's quiet hours (local time): e-mail and robot posts meant for him wait until
    they end; the inbox has the message at once."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name="用户",
        on_delete=models.CASCADE,
        related_name="quiet_hours",
    )
    start = models.TimeField("开始")
    end = models.TimeField("结束")

    class Meta:
        verbose_name = verbose_name_plural = "免打扰时段"

    def __str__(self) -> str:
        return f"{self.user} {self.start:%H:%M}–{self.end:%H:%M}"


class Delivery(models.Model):
    """A message to one person on one channel, or to one shared address (a unit's mailbox,
    a group robot) once for everyone it reaches."""

    Channel = Channel

    class Status(models.TextChoices):
        QUEUED = "queued", _("待发送")
        SENDING = "sending", _("发送中")
        SENT = "sent", _("已发送")
        FAILED = "failed", _("发送失败")

    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="deliveries")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="收件人",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="deliveries",
    )
    channel = models.CharField("渠道", max_length=16, choices=Channel)
    address = models.CharField("地址", max_length=500, blank=True)  # e-mail or robot
    # The unit's channel it goes through (its robot's secret is read when sending); blank
    # for the inbox and a person's own e-mail address.
    via = models.ForeignKey(
        UnitChannel,
        verbose_name="单位渠道",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="deliveries",
    )
    key = models.CharField("幂等键", max_length=300, unique=True)
    status = models.CharField("状态", max_length=16, choices=Status, default=Status.QUEUED)
    attempts = models.PositiveSmallIntegerField("尝试次数", default=0)
    not_before = models.DateTimeField("最早发送", null=True, blank=True)  # quiet hours, backoff
    claimed_at = models.DateTimeField("开始发送", null=True, blank=True)  # while sending
    last_error = models.CharField("失败原因", max_length=500, blank=True)
    sent_at = models.DateTimeField("发送时间", null=True, blank=True)
    read_at = models.DateTimeField("阅读时间", null=True, blank=True)  # the inbox

    class Meta:
        ordering = ["-pk"]
        verbose_name = verbose_name_plural = "投递"
        indexes = [
            models.Index(fields=["user", "channel", "read_at"], name="delivery_inbox"),
            models.Index(fields=["status", "not_before"], name="delivery_queue"),
        ]

    def __str__(self) -> str:
        return f"{self.message} → {self.user or self.shown_address} ({self.channel})"

    @property
    def shown_address(self) -> str:
        return masked(self.channel, self.address)

    @property
    def is_external(self) -> bool:
        return self.channel != Channel.INBOX
