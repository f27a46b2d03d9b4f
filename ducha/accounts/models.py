"""Sign-in attempts, kept briefly so that repeated failures slow a username down and stop
an address (ducha/accounts/lockout.py)."""

from django.db import models


class LoginAttempt(models.Model):
    """One checked password or second-factor code. Rows older than a day are pruned (the
    audit log keeps history)."""

    username = models.CharField("用户名", max_length=150)
    address = models.CharField("来源地址", max_length=64)
    at = models.DateTimeField("时间")
    succeeded = models.BooleanField("是否成功")
    # The browser's device cookie, when it was given to this username by a complete
    # sign-in: its own failures slow it; a stranger's do not (lockout.py).
    device = models.CharField("已知设备", max_length=32, blank=True)

    class Meta:
        ordering = ["-at"]
        verbose_name = verbose_name_plural = "登录尝试"
        indexes = [
            models.Index(fields=["username", "at"], name="loginattempt_user_at"),
            models.Index(fields=["address", "at"], name="loginattempt_address_at"),
            models.Index(fields=["at"], name="loginattempt_at"),
        ]

    def __str__(self) -> str:
        outcome = "成功" if self.succeeded else "失败"
        return f"{self.username} @ {self.address} {outcome}"
