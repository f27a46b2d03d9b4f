"""What makes one node's reported state consistent, for imports and online reports alike."""

import datetime as dt

from ducha.lib.months import format_month_zh, month_end

DONE, NOT_STARTED = "done", "not_started"


def progress_problems(
    status: str, month: dt.date, done_on: dt.date | None, percent: int | None
) -> list[tuple[str, str]]:
    """(field, message) for every inconsistency; empty when the state is fine."""
    problems = []
    if status == DONE:
        if done_on is None:
            problems.append(("done_on", "状态为已完成时必须填写完成日期"))
        elif done_on > month_end(month):
            problems.append(
                (
                    "done_on",
                    f"完成日期 {done_on.isoformat()} 晚于报送月份 {format_month_zh(month)} 的月底",
                )
            )
        if percent is not None and percent != 100:
            problems.append(("percent", f"状态为已完成，进度应为 100% 或留空，而不是 {percent}%"))
    else:
        if done_on is not None:
            problems.append(("done_on", "只有状态为已完成时才填写完成日期"))
        if status == NOT_STARTED and percent:
            problems.append(("percent", f"状态为未启动，进度应为 0 或留空，而不是 {percent}%"))
    return problems


def stored_percent(status: str, percent: int | None) -> int | None:
    """已完成 is stored as 100; 未启动 as 0 when a figure was given."""
    if status == DONE:
        return 100
    if status == NOT_STARTED:
        return 0 if percent is not None else None
    return percent
