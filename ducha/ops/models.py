"""When scheduled work last ran to its end.

`ducha tick` runs from a timer on one or several machines and leaves nothing behind when
nothing is due; a timer that stopped firing looks the same as a quiet month. One row per
kind of work, written when it finishes, tells the monitoring how long ago that was. It lives
in the database, the one thing every app server and timer host shares whatever stores the
files (a shared folder or an S3-compatible store)."""

from django.db import models

from ducha.lib import clock


class Beat(models.Model):
    name = models.CharField("工作", max_length=32, primary_key=True)  # "tick"
    at = models.DateTimeField("最近一次完成")

    class Meta:
        verbose_name = verbose_name_plural = "定时工作运行记录"

    def __str__(self) -> str:
        return f"{self.name} {self.at:%Y-%m-%d %H:%M}"


def beat(name: str) -> None:
    """Note that `name` has just run to its end (two at once: the later stamp stays)."""
    Beat.objects.update_or_create(name=name, defaults={"at": clock.now()})


def last_beat(name: str):
    return Beat.objects.filter(name=name).values_list("at", flat=True).first()
