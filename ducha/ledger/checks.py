"""What makes one node's reported state consistent, for imports and online reports alike."""

import datetime as dt

from django.utils.translation import gettext as _

from ducha.lib.dates import month_label
from ducha.lib.months import month_end

DONE, NOT_STARTED = "done", "not_started"


def progress_problems(
    status: str, month: dt.date, done_on: dt.date | None, percent: int | None
) -> list[tuple[str, str]]:
    """(field, message) for every inconsistency; empty when the state is fine."""
    problems = []
    if status == DONE:
        if done_on is None:
            problems.append(("done_on", _("状态为已完成时必须填写完成日期")))
        elif done_on > month_end(month):
            text = _("完成日期 %(date)s 晚于报送月份 %(month)s 的月底") % {
                "date": done_on.isoformat(),
                "month": month_label(month),
            }
            problems.append(("done_on", text))
        if percent is not None and percent != 100:
            text = _("状态为已完成，进度应为 100%% 或留空，而不是 %(n)s%%") % {"n": percent}
            problems.append(("percent", text))
    else:
        if done_on is not None:
            problems.append(("done_on", _("只有状态为已完成时才填写完成日期")))
        if status == NOT_STARTED and percent:
            text = _("状态为未启动，进度应为 0 或留空，而不是 %(n)s%%") % {"n": percent}
            problems.append(("percent", text))
    return problems


def stored_percent(status: str, percent: int | None) -> int | None:
    """已完成 is stored as 100; 未启动 as 0 when a figure was given."""
    if status == DONE:
        return 100
    if status == NOT_STARTED:
        return 0 if percent is not None else None
    return percent
