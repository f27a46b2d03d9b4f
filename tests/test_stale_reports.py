"""报送核查提示: a copied text, a percent standing still near its deadline and a file filed
before are flagged with their reasons, on the desk's review queue and on the report; an
honest report is left alone."""

import datetime as dt
import hashlib
import itertools

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from ducha.ledger.importing import import_ledger
from ducha.ledger.models import Node, Progress, Task
from ducha.lib import clock
from ducha.reports import stale
from ducha.reports.models import Evidence, Report, ReportLine
from tests.helpers import LEDGER_HEADER, ledger_row, write_csv

APRIL, MAY, JUNE = dt.date(2021, 4, 1), dt.date(2021, 5, 1), dt.date(2021, 6, 1)
NARRATIVE = "完成实施方案起草，召开专题推进会两次，征求市直部门意见并形成修改稿"
PROBLEMS = "部门之间协同不够，配套资金尚未落实，需要市领导出面协调"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
names = (f"{n:032x}" for n in itertools.count(1))  # evidence's stored names


def client_for(user) -> Client:
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(user)
    return client


def progress(task, code, month, percent, status="in_progress"):
    node = Node.objects.get(task=task, code=code)
    Progress.objects.create(task=task, node=node, month=month, status=status, percent=percent)


def report(task, month, *, lines=(), status=Report.Status.APPROVED, files=(), by=None, **texts):
    """A report as the workflow leaves it; for an approved one, its lines are the month's
    progress rows too (what the head's approval writes)."""
    made = Report.objects.create(
        task=task,
        month=month,
        unit_id=task.lead_unit_id,
        status=status,
        narrative=texts.get("narrative", NARRATIVE),
        problems=texts.get("problems", PROBLEMS),
        approved_at=clock.now() if status == Report.Status.APPROVED else None,
    )
    for code, percent, line_status in lines:
        node = Node.objects.get(task=task, code=code)
        ReportLine.objects.create(
            report=made, node=node, status=line_status, percent=percent, note="推进中"
        )
        if status in (Report.Status.APPROVED, Report.Status.ACCEPTED):
            progress(task, code, month, percent, line_status)
    for name, data in files:
        Evidence.objects.create(
            report=made,
            original_name=name,
            stored_name=next(names),
            kind="pdf",
            size=len(data),
            sha256=hashlib.sha256(data).hexdigest(),
            uploaded_by=by,
        )
    return made


@pytest.fixture
def history(cycle):
    """T-1's N1 (due June) at 40% in April and May, with May's report accepted; N2 (due
    September) at 30% since April."""
    t1 = cycle["t1"]
    progress(t1, "N1", APRIL, 40)
    progress(t1, "N2", APRIL, 30)
    report(
        t1,
        MAY,
        status=Report.Status.ACCEPTED,
        lines=[("N1", 40, "in_progress"), ("N2", 30, "in_progress")],
        files=[("五月会议纪要.pdf", PDF)],
        by=cycle["reporter"],
    )
    return cycle


def codes(flags):
    return [f.code for f in flags]


def test_a_copied_narrative_and_a_percent_standing_still_are_flagged(history):
    # The same words, spaced and punctuated differently.
    copied = NARRATIVE.replace("，", "、 ").replace("两次", "两次 \n")
    june = report(
        history["t1"],
        JUNE,
        narrative=copied,
        problems="资金已经落实到位，下一步重点是协调用地指标和审批流程",
        lines=[("N1", 40, "in_progress"), ("N2", 30, "in_progress")],
    )
    flags = stale.flags_of(june)
    assert [f.text for f in flags] == [
        "本月“进展情况”与上月几乎相同（相似度 100%）",
        "节点 N1 完成进度连续 3 个月为 40%，完成时限 2021年6月",
    ]
    # N2 stands still too, but is not due before September: no sign yet.
    assert codes(flags) == ["same_text", "same_percent"]


def test_an_honestly_changed_report_is_left_alone(history):
    june = report(
        history["t1"],
        JUNE,
        narrative="实施方案已经市政府常务会议审议通过，正在按程序印发，配套细则同步起草",
        problems="资金已经落实到位，下一步重点是协调用地指标和审批流程",
        lines=[("N1", 60, "in_progress"), ("N2", 35, "in_progress")],
    )
    assert stale.flags_of(june) == []


def test_a_node_done_or_not_yet_due_is_never_flagged_for_its_percent(history, settings):
    t1 = history["t1"]
    june = report(
        t1,
        JUNE,
        narrative="另写",
        problems="另写",
        lines=[("N1", 100, "done"), ("N2", 30, "in_progress")],
    )
    assert stale.flags_of(june) == []
    settings.DUCHA_STALE_DUE_MONTHS = 3  # now September is near enough
    assert [f.text for f in stale.flags_of(june)] == [
        "节点 N2 完成进度连续 3 个月为 30%，完成时限 2021年9月"
    ]
    settings.DUCHA_STALE_MONTHS = 4  # March had nothing: four months are not known
    assert stale.flags_of(june) == []


def test_a_month_without_a_row_keeps_the_percent_before_it(cycle):
    """Nothing reported in May: the node still stood at 40% then."""
    t1 = cycle["t1"]
    progress(t1, "N1", APRIL, 40)
    june = report(t1, JUNE, lines=[("N1", 40, "in_progress")])
    assert codes(stale.flags_of(june)) == ["same_percent"]


def test_very_short_texts_are_not_flagged(history):
    t1 = history["t1"]
    Report.objects.filter(task=t1, month=MAY).update(narrative="按计划推进", problems="无")
    june = report(t1, JUNE, narrative="按计划推进。", problems="无", lines=[])
    assert stale.flags_of(june) == []


def test_the_threshold_is_a_setting(history, settings):
    edited = NARRATIVE.replace("两次", "三次").replace("修改稿", "送审稿")
    june = report(history["t1"], JUNE, narrative=edited, problems="另写", lines=[])
    assert stale.similarity(edited, NARRATIVE) < 0.95
    assert codes(stale.flags_of(june)) == ["same_text"]  # at 0.9
    settings.DUCHA_STALE_SIMILARITY = 0.95
    assert stale.flags_of(june) == []


def test_a_file_filed_in_an_earlier_month_by_the_same_unit_is_flagged(history, tmp_path):
    # Another task of the same unit (市工业和信息化局), and one of another unit.
    import_ledger(write_csv(tmp_path / "t3.csv", LEDGER_HEADER, [ledger_row("T-3", due="2021-12")]))
    t3 = Task.objects.get(code="T-3")
    other = {"narrative": "另写一段足够长的本月进展情况说明文字", "problems": ""}
    t3_june = report(
        t3, JUNE, files=[("会议纪要（6月）.pdf", PDF)], by=history["reporter"], **other
    )
    t2_june = report(
        history["t2"], JUNE, files=[("纪要.pdf", PDF)], by=history["reporter"], **other
    )
    fresh = report(
        history["t1"], JUNE, files=[("新材料.pdf", PDF + b"\n")], by=history["reporter"], **other
    )
    found = stale.flags_for([t3_june, t2_june, fresh])
    assert [f.text for f in found[t3_june.pk]] == [
        "佐证材料“会议纪要（6月）.pdf”与 2021年5月 T-1 报送中的“五月会议纪要.pdf”是同一文件"
    ]
    assert t2_june.pk not in found  # 市财政局 never filed it before
    assert fresh.pk not in found  # a different file


def test_the_desk_shows_the_flags_next_to_the_report_and_the_page_to_everyone(history):
    """Through the pages: the unit copies May, attaches May's file again, submits; the head
    approves; the office and the auditor see why on the desk, everyone on the report."""
    url = "/reports/T-1/2021-06/"
    reporter = client_for(history["reporter"])
    nodes = {n.code: n.pk for n in Node.objects.filter(task=history["t1"])}
    data = {
        "action": "save",
        "version": 0,
        "narrative": NARRATIVE,
        "problems": "无",
        "next_steps": "",
        f"node-{nodes['N1']}-status": "in_progress",
        f"node-{nodes['N1']}-percent": "40",
        f"node-{nodes['N1']}-note": "仍在征求意见",
        f"node-{nodes['N2']}-status": "in_progress",
        f"node-{nodes['N2']}-percent": "50",
        f"node-{nodes['N2']}-note": "起草中",
    }
    from django.core.files.uploadedfile import SimpleUploadedFile

    data["files"] = SimpleUploadedFile("纪要.pdf", PDF)
    assert reporter.post(url, data).status_code == 302
    draft_page = reporter.get(url).content.decode()
    assert "报送核查提示" not in draft_page  # a draft is the unit's own business
    june = Report.objects.get(task=history["t1"], month=JUNE)
    data = {k: v for k, v in data.items() if k != "files"} | {
        "action": "submit",
        "version": june.version,
    }
    assert reporter.post(url, data).status_code == 302
    june.refresh_from_db()
    head = client_for(history["head"])
    assert head.post(url, {"action": "approve", "version": june.version}).status_code == 302
    reasons = [
        "本月“进展情况”与上月几乎相同（相似度 100%）",
        "节点 N1 完成进度连续 3 个月为 40%，完成时限 2021年6月",
        "佐证材料“纪要.pdf”与 2021年5月 T-1 报送中的“五月会议纪要.pdf”是同一文件",
    ]
    for who in ("office", "auditor"):
        desk = client_for(history[who]).get("/office/?month=2021-06").content.decode()
        queue = desk.split('id="queue"')[1].split("</section>")[0]
        assert "T-1" in queue and all(r in queue for r in reasons), who
        assert queue.count('data-flag="') == 3
    for who in ("office", "auditor", "reporter", "head"):
        page = client_for(history[who]).get(url).content.decode()
        assert "报送核查提示" in page and all(r in page for r in reasons), who
    # The office decides with the actions it has: accepting all the same is allowed.
    office = client_for(history["office"])
    june.refresh_from_db()
    assert office.post(url, {"action": "accept", "version": june.version}).status_code == 302
    assert Report.objects.get(pk=june.pk).status == Report.Status.ACCEPTED


def test_the_flags_speak_english_when_chosen(history, settings):
    june = report(history["t1"], JUNE, lines=[("N1", 40, "in_progress")], problems="另写")
    client = client_for(history["office"])
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    page = client.get("/reports/T-1/2021-06/").content.decode()
    assert "Checks on this report" in page
    assert "nearly the same as last month" in page and "Node N1 has been at 40%" in page
    assert june.pk


def _queue(tmp_path, start, size, reporter):
    """`size` more tasks of 市工业和信息化局, each with a copied June report waiting for
    the office, a percent standing still and May's file again."""
    rows = [ledger_row(f"Q-{i}", node="N1", due="2021-07") for i in range(start, start + size)]
    import_ledger(write_csv(tmp_path / f"q{start}.csv", LEDGER_HEADER, rows))
    for i in range(start, start + size):
        task = Task.objects.get(code=f"Q-{i}")
        progress(task, "N1", APRIL, 20)
        line = [("N1", 20, "in_progress")]
        report(
            task,
            MAY,
            status=Report.Status.ACCEPTED,
            lines=line,
            files=[("a.pdf", PDF)],
            by=reporter,
        )
        report(task, JUNE, lines=line, files=[("b.pdf", PDF)], by=reporter)


def test_the_desk_takes_the_same_queries_for_two_or_eight_flagged_reports(cycle, tmp_path):
    office = client_for(cycle["office"])
    counts = []
    for start, size in ((0, 2), (2, 6)):
        _queue(tmp_path, start, size, cycle["reporter"])
        office.get("/office/?month=2021-06")  # warm up: sessions, caches
        with CaptureQueriesContext(connection) as ctx:
            page = office.get("/office/?month=2021-06").content.decode()
        counts.append(len(ctx))
        queue = page.split('id="queue"')[1].split("</section>")[0]
        assert queue.count('data-flag="same_file"') == start + size
        assert queue.count('data-flag="same_text"') == 2 * (start + size)  # both texts
        assert queue.count('data-flag="same_percent"') == start + size
    assert counts[0] == counts[1], counts


def test_a_whole_queue_is_flagged_in_six_queries(cycle, tmp_path, django_assert_num_queries):
    _queue(tmp_path, 0, 5, cycle["reporter"])
    reports = list(Report.objects.filter(month=JUNE))
    with django_assert_num_queries(6):
        found = stale.flags_for(reports)
    assert len(found) == 5
    with django_assert_num_queries(0):
        assert stale.flags_for([]) == {}
