"""How a jurisdiction's office shows its scores: who is ranked, and whether anyone may read
the table. One row per jurisdiction, made when its office first saves; until then the
defaults (the setting's minimum, not public)."""

from django.conf import settings
from django.db import models

from ducha.org.models import Jurisdiction


class ScorePolicy(models.Model):
    jurisdiction = models.OneToOneField(
        Jurisdiction,
        verbose_name="辖区",
        on_delete=models.CASCADE,
        related_name="score_policy",
    )
    min_rated = models.PositiveSmallIntegerField(
        "参与排名的最少评定任务月数",
        null=True,
        blank=True,
        help_text="空白时用系统设置（DUCHA_SCORES_MIN_RATED，默认 6）",
    )
    public = models.BooleanField("公开考核得分", default=False)
    changed_at = models.DateTimeField("修改时间", null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "考核排名设置"

    def __str__(self) -> str:
        return f"{self.jurisdiction}考核排名设置"

    @property
    def minimum(self) -> int:
        """A unit with fewer rated task-months than this is shown, not ranked."""
        return settings.DUCHA_SCORES_MIN_RATED if self.min_rated is None else self.min_rated
