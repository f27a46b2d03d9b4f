"""报送核查提示: signs that a monthly report was copied rather than written (SPEC issue 11).

Three signs, each with its reason in words; the office decides what they mean (it accepts the
report all the same, or returns it with the reason), so a sign is never a verdict:

- its 进展情况 or 存在问题 is nearly the same text as the task's report of the month before
  (difflib's ratio over the text without whitespace and punctuation, at least
  DUCHA_STALE_SIMILARITY; texts shorter than MIN_CHARS, such as "无", are left alone);
- a node still open shows the same percent DUCHA_STALE_MONTHS months running while it is due
  within DUCHA_STALE_DUE_MONTHS months of the report's month, or overdue;
- an evidence file (by its SHA-256) was already filed with a report of an earlier month by the
  same unit, on any task.

The signs are computed when a page asks, not stored at submission: everything they read is
stored already (the texts, the lines, the progress rows, each file's hash), and a report the
unit rewrites after a return stops showing them without any bookkeeping. They are relative to
the report's month, never to today, so a report shows the same signs whenever it is read.
The unit sees the same reasons as the office (on the report page, once it is submitted):
whoever is asked to explain should know what is asked.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from bisect import bisect_right
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from difflib import SequenceMatcher

from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from ducha.ledger.models import Progress
from ducha.lib.dates import month_label
from ducha.lib.months import add_months
from ducha.reports.models import Evidence, Report, ReportLine

# Shorter texts ("无", "暂无问题", "按计划推进") are the same every month by nature.
MIN_CHARS = 15
# A copied text is copied from its start; comparing past this keeps a long pair cheap.
MAX_CHARS = 3000
TEXTS = {"narrative": gettext_noop("进展情况"), "problems": gettext_noop("存在问题")}
DONE, NOT_STARTED = Progress.Status.DONE, Progress.Status.NOT_STARTED


@dataclass(frozen=True)
class Flag:
    code: str  # same_text | same_percent | same_file
    text: str


# --- the rules, on plain values ------------------------------------------------------------


def normalise(text: str) -> str:
    """The text without whitespace, punctuation or control characters, full-width forms
    folded: what is left is what was written."""
    folded = unicodedata.normalize("NFKC", text).lower()
    return "".join(c for c in folded if unicodedata.category(c)[0] not in "PZC")


def similarity(a: str, b: str, threshold: float = 0.0) -> float | None:
    """How alike two texts are (0–1), or None when either is too short to say. Below
    `threshold` the answer may be any value under it (the cheap upper bound decides)."""
    a, b = normalise(a)[:MAX_CHARS], normalise(b)[:MAX_CHARS]
    if len(a) < MIN_CHARS or len(b) < MIN_CHARS:
        return None
    matcher = SequenceMatcher(None, a, b, autojunk=False)
    bound = matcher.quick_ratio()  # cheap, and never below the ratio
    return bound if bound < threshold else matcher.ratio()


def level(status: str, percent: int | None) -> int | None:
    """A line's percent as the rules compare it (SPEC §2): 未启动 0, 已完成 100."""
    if status == NOT_STARTED:
        return 0
    if status == DONE:
        return 100
    return percent


def months_at(
    rows: list[tuple[dt.date, int | None]], month: dt.date, months: int
) -> list[int | None]:
    """The node's level in each of the `months` months before `month`, latest first, each
    its latest row up to that month (a month with no row keeps the one before); None where
    nothing was reported yet. `rows`: (month, level), by month, all before `month`."""
    starts = [m for m, _ in rows]
    out = []
    for k in range(1, months + 1):
        i = bisect_right(starts, add_months(month, -k))
        out.append(rows[i - 1][1] if i else None)
    return out


# --- a batch of reports, in a fixed number of queries ----------------------------------------


def flags_for(reports: Iterable[Report]) -> dict[int, list[Flag]]:
    """The signs of each report (by pk; a report with none is absent), in six queries at
    most whatever the number of reports, none for no report."""
    ids = [r.pk for r in reports]
    if not ids:
        return {}
    current = {
        r["pk"]: r
        for r in Report.objects.filter(pk__in=ids).values(
            "pk", "task_id", "month", "unit_id", "narrative", "problems"
        )
    }
    found: dict[int, list[Flag]] = defaultdict(list)
    _same_texts(current, found)
    _same_percents(current, found)
    _same_files(current, found)
    return {pk: found[pk] for pk in ids if found.get(pk)}


def flags_of(report: Report) -> list[Flag]:
    return flags_for([report]).get(report.pk, [])


def _same_texts(current: dict[int, dict], found) -> None:
    threshold = settings.DUCHA_STALE_SIMILARITY
    before = {
        (r["task_id"], r["month"]): r
        for r in Report.objects.filter(
            task_id__in={r["task_id"] for r in current.values()},
            month__in={add_months(r["month"], -1) for r in current.values()},
        ).values("task_id", "month", "narrative", "problems")
    }
    for pk, report in current.items():
        last = before.get((report["task_id"], add_months(report["month"], -1)))
        if last is None:
            continue
        for field, label in TEXTS.items():
            ratio = similarity(report[field], last[field], threshold)
            if ratio is not None and ratio >= threshold:
                found[pk].append(
                    Flag(
                        "same_text",
                        _("本月“%(field)s”与上月几乎相同（相似度 %(ratio)s%%）")
                        % {"field": _(label), "ratio": int(ratio * 100)},
                    )
                )


def _same_percents(current: dict[int, dict], found) -> None:
    """Open lines due soon (or overdue) whose level the months before already held."""
    months = settings.DUCHA_STALE_MONTHS
    within = settings.DUCHA_STALE_DUE_MONTHS
    if months < 2:
        return  # one month alone is never "unchanged"
    candidates = []
    for line in ReportLine.objects.filter(report_id__in=list(current)).values(
        "report_id", "node_id", "node__code", "node__due_month", "status", "percent"
    ):
        month = current[line["report_id"]]["month"]
        now = level(line["status"], line["percent"])
        if line["status"] == DONE or now is None:
            continue
        if line["node__due_month"] > add_months(month, within):
            continue  # not due soon: a pause is no sign yet
        candidates.append((line, month, now))
    if not candidates:
        return
    rows: dict[int, list[tuple[dt.date, int | None]]] = defaultdict(list)
    latest = max(month for _, month, _ in candidates)
    for node_id, month, status, percent in (
        Progress.objects.filter(node_id__in={c[0]["node_id"] for c in candidates}, month__lt=latest)
        .order_by("node_id", "month")
        .values_list("node_id", "month", "status", "percent")
    ):
        rows[node_id].append((month, level(status, percent)))
    for line, month, now in sorted(candidates, key=lambda c: c[0]["node__code"]):
        earlier = [r for r in rows[line["node_id"]] if r[0] < month]
        if all(value == now for value in months_at(earlier, month, months - 1)):
            found[line["report_id"]].append(
                Flag(
                    "same_percent",
                    _("节点 %(node)s 完成进度连续 %(n)s 个月为 %(percent)s%%，完成时限 %(due)s")
                    % {
                        "node": line["node__code"],
                        "n": months,
                        "percent": now,
                        "due": month_label(line["node__due_month"]),
                    },
                )
            )


def _same_files(current: dict[int, dict], found) -> None:
    """Files filed before, in an earlier month, by the same unit (any of its tasks)."""
    files = list(
        Evidence.objects.filter(report_id__in=list(current))
        .order_by("uploaded_at", "pk")
        .values("report_id", "sha256", "original_name")
    )
    if not files:
        return
    earlier: dict[str, list[dict]] = defaultdict(list)
    for item in (
        Evidence.objects.filter(
            sha256__in={f["sha256"] for f in files},
            report__unit_id__in={r["unit_id"] for r in current.values()},
            report__month__lt=max(r["month"] for r in current.values()),
        )
        .order_by("report__month", "report__task__code", "pk")
        .values("sha256", "original_name", "report__unit_id", "report__month", "report__task__code")
    ):
        earlier[item["sha256"]].append(item)
    for item in files:
        report = current[item["report_id"]]
        first = next(
            (
                e
                for e in earlier[item["sha256"]]
                if e["report__unit_id"] == report["unit_id"]
                and e["report__month"] < report["month"]
            ),
            None,
        )
        if first is not None:
            found[item["report_id"]].append(
                Flag(
                    "same_file",
                    _("佐证材料“%(name)s”与 %(month)s %(task)s 报送中的“%(earlier)s”是同一文件")
                    % {
                        "name": item["original_name"],
                        "month": month_label(first["report__month"]),
                        "task": first["report__task__code"],
                        "earlier": first["original_name"],
                    },
                )
            )
