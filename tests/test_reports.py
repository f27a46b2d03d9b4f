"""The monthly cycle online: draft, submit, approve, review; versions; evidence files."""

import datetime as dt
import re

import pytest
from django.db import connection
from django.test import Client

from ducha.audit.models import AuditEntry
from ducha.ledger.models import Node, Progress
from ducha.reports.models import Evidence, Report

JUNE = dt.date(2021, 6, 1)
URL = "/reports/T-1/2021-06/"


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def form(report, action="save", task=None, **over):
    """What the page posts; `report` None: the first save of a report nobody saved yet."""
    data = {
        "action": action,
        "version": report.version if report else 0,
        "narrative": "完成方案起草，召开专题会",
        "problems": "部门协同不够",
        "next_steps": "7月上旬印发",
    }
    nodes = Node.objects.filter(task=report.task if report else task)
    for node in nodes:
        prefix = f"node-{node.pk}-"
        if node.code == "N1":
            data |= {
                prefix + "status": "done",
                prefix + "done_on": "2021-06-28",
                prefix + "note": "",
            }
        else:
            data |= {
                prefix + "status": "in_progress",
                prefix + "percent": "30",
                prefix + "note": "征求意见中",
            }
    data.update(over)
    return data


def start(cycle, **over) -> Report:
    """The reporter's first save creates the report."""
    response = client_for(cycle["reporter"]).post(URL, form(None, task=cycle["t1"], **over))
    assert response.status_code == 302, response.content.decode()[:2000]
    return Report.objects.get(task=cycle["t1"], month=JUNE)


def test_opening_the_report_page_writes_nothing(cycle):
    page = client_for(cycle["reporter"]).get(URL)
    assert page.status_code == 200
    assert 'name="version" value="0"' in page.content.decode()
    assert not Report.objects.exists() and not AuditEntry.objects.filter(action="report_saved")


def test_the_whole_cycle_writes_progress_on_approval(cycle):
    reporter, head, office = (client_for(cycle[k]) for k in ("reporter", "head", "office"))
    assert reporter.get(URL).status_code == 200
    report = start(cycle)
    assert report.status == "draft" and report.lines.count() == 2
    assert report.narrative == "完成方案起草，召开专题会"
    assert reporter.post(URL, form(report, "submit")).status_code == 302
    report.refresh_from_db()
    assert report.status == "submitted" and report.submitted_by == cycle["reporter"]
    assert not Progress.objects.exists()  # nothing counts until the head approves
    assert head.post(URL, {"action": "approve", "version": report.version}).status_code == 302
    report.refresh_from_db()
    assert report.status == "approved" and not report.late
    rows = {p.node.code: p for p in Progress.objects.select_related("node")}
    assert rows["N1"].status == "done" and rows["N1"].done_on == dt.date(2021, 6, 28)
    assert rows["N2"].percent == 30 and rows["N2"].origin == "online"
    assert rows["N2"].reported_by == cycle["reporter"]
    assert office.post(URL, {"action": "accept", "version": report.version}).status_code == 302
    report.refresh_from_db()
    assert report.status == "accepted"
    actions = list(AuditEntry.objects.order_by("seq").values_list("action", flat=True))
    assert actions[-3:] == ["report_submitted", "report_approved", "report_accepted"]


def test_two_people_saving_the_same_version_do_not_overwrite_each_other(cycle):
    reporter, head = client_for(cycle["reporter"]), client_for(cycle["head"])
    report = start(cycle)
    first = form(report, narrative="填报人的版本")
    second = form(report, narrative="负责人的版本")
    assert reporter.post(URL, first).status_code == 302
    response = head.post(URL, second)
    assert response.status_code == 409
    page = response.content.decode()
    assert "被他人修改" in page
    assert "负责人的版本" in page  # what the second person typed is still on the page
    report.refresh_from_db()
    assert report.narrative == "填报人的版本"


def test_two_first_saves_of_a_new_report_do_not_overwrite_each_other(cycle):
    assert start(cycle, narrative="先保存的").narrative == "先保存的"
    response = client_for(cycle["head"]).post(URL, form(None, task=cycle["t1"], narrative="后到的"))
    assert response.status_code == 409
    assert Report.objects.get().narrative == "先保存的"


def test_a_refused_first_save_leaves_no_report_behind(cycle):
    n1 = Node.objects.get(task=cycle["t1"], code="N1").pk
    bad = form(None, task=cycle["t1"], **{f"node-{n1}-done_on": "2021-07-02"})
    assert client_for(cycle["reporter"]).post(URL, bad).status_code == 400
    assert not Report.objects.exists()


def test_an_inconsistent_line_is_refused_at_its_field_and_everything_typed_is_kept(cycle):
    reporter = client_for(cycle["reporter"])
    report = start(cycle, narrative="")
    n1 = report.lines.get(node__code="N1").node_id
    n2 = report.lines.get(node__code="N2").node_id
    typed = form(
        report,
        narrative="本月召开两次推进会",
        problems="资金未到位",
        next_steps="下月印发",
        **{f"node-{n1}-done_on": "2021-07-02", f"node-{n2}-note": "已形成初稿"},
    )
    response = reporter.post(URL, typed)
    assert response.status_code == 400
    page = response.content.decode()
    assert "完成日期 2021-07-02 晚于报送月份 2021年6月 的月底" in page
    assert f'href="#node-{n1}-done_on">N1 · 完成日期</a>' in page
    assert (
        f'id="node-{n1}-done_on" name="node-{n1}-done_on" value="2021-07-02" aria-invalid="true"'
        in page
    )
    for text in ("本月召开两次推进会", "资金未到位", "下月印发", "已形成初稿"):
        assert text in page
    assert (
        '<option value="done" selected>' in page and '<option value="in_progress" selected>' in page
    )
    report.refresh_from_db()
    assert report.narrative == "" and report.problems == "部门协同不够"  # nothing was written


def test_chosen_files_are_named_and_asked_for_again_when_a_field_is_refused(cycle):
    from django.core.files.uploadedfile import SimpleUploadedFile

    report = start(cycle)
    n2 = report.lines.get(node__code="N2").node_id
    data = form(report, **{f"node-{n2}-percent": "一百二"}) | {
        "files": SimpleUploadedFile("会议纪要.pdf", PDF)
    }
    response = client_for(cycle["reporter"]).post(URL, data)
    assert response.status_code == 400
    page = response.content.decode()
    assert "您选择的文件尚未上传，请重新选择" in page and "会议纪要.pdf" in page
    assert "「一百二」不是 0–100 之间的数字" in page
    assert not Evidence.objects.exists()


def test_a_refused_file_keeps_the_report_a_draft(cycle):
    from django.core.files.uploadedfile import SimpleUploadedFile

    report = start(cycle)
    data = form(report, "submit") | {"files": SimpleUploadedFile("setup.exe", b"MZ" + bytes(99))}
    response = client_for(cycle["reporter"]).post(URL, data)
    assert response.status_code == 400
    assert "文件内容不是允许的类型" in response.content.decode()
    report.refresh_from_db()
    assert report.status == "draft" and report.narrative == "完成方案起草，召开专题会"


def test_submitting_needs_the_narrative_and_a_note_on_each_open_node(cycle):
    report = start(cycle)
    n2 = report.lines.get(node__code="N2").node_id
    data = form(report, "submit", narrative="", **{f"node-{n2}-note": ""})
    response = client_for(cycle["reporter"]).post(URL, data)
    page = response.content.decode()
    assert response.status_code == 400
    assert 'href="#narrative">进展情况</a>：请填写本月进展情况后再提交' in page
    assert f'href="#node-{n2}-note">N2 · 说明</a>：未完成的节点请写明进展或原因' in page
    report.refresh_from_db()
    assert report.status == "draft"


def test_the_unit_withdraws_a_submission_until_the_head_acts(cycle):
    report = start(cycle)
    reporter, head = client_for(cycle["reporter"]), client_for(cycle["head"])
    reporter.post(URL, form(report, "submit"))
    report.refresh_from_db()
    assert "撤回提交" in reporter.get(URL).content.decode()
    assert reporter.post(URL, {"action": "withdraw", "version": report.version}).status_code == 302
    report.refresh_from_db()
    assert report.status == "draft"
    assert AuditEntry.objects.filter(action="report_withdrawn").count() == 1
    reporter.post(URL, form(report, "submit"))
    report.refresh_from_db()
    head.post(URL, {"action": "approve", "version": report.version})
    report.refresh_from_db()
    assert "撤回提交" not in reporter.get(URL).content.decode()
    response = reporter.post(URL, {"action": "withdraw", "version": report.version})
    assert response.status_code == 403
    report.refresh_from_db()
    assert report.status == "approved"


def test_the_page_says_when_it_was_saved_not_a_version_number(cycle, settings):
    start(cycle)
    page = client_for(cycle["reporter"]).get(URL).content.decode()
    assert "保存于" in page and "第1版" not in page and "第2版" not in page


def test_an_approval_after_the_deadline_is_marked_late(cycle, settings):
    reporter = client_for(cycle["reporter"])
    report = start(cycle)
    reporter.post(URL, form(report, "submit"))
    report.refresh_from_db()
    settings.DUCHA_TODAY = "2021-07-06"  # three days on: sign in afresh
    head, reporter = client_for(cycle["head"]), client_for(cycle["reporter"])
    head.post(URL, {"action": "approve", "version": report.version})
    report.refresh_from_db()
    assert report.late
    assert "逾期" in reporter.get("/me/?month=2021-06").content.decode()


def test_sending_back_needs_a_comment_and_reopens_the_report(cycle):
    reporter, head = client_for(cycle["reporter"]), client_for(cycle["head"])
    report = start(cycle)
    reporter.post(URL, form(report, "submit"))
    report.refresh_from_db()
    assert head.post(URL, {"action": "send_back", "version": report.version}).status_code == 400
    head.post(URL, {"action": "send_back", "version": report.version, "comment": "补充佐证"})
    report.refresh_from_db()
    assert report.status == "returned" and report.comment == "补充佐证"
    assert reporter.post(URL, form(report)).status_code == 302


def test_a_reporter_cannot_approve_and_a_head_of_another_unit_cannot_see(cycle):
    reporter = client_for(cycle["reporter"])
    report = start(cycle)
    reporter.post(URL, form(report, "submit"))
    report.refresh_from_db()
    assert reporter.post(URL, {"action": "approve", "version": report.version}).status_code == 403
    other = client_for(cycle["other_head"])
    assert other.get(URL).status_code == 404
    assert other.post(URL, {"action": "approve", "version": report.version}).status_code == 404


# --- evidence -------------------------------------------------------------------------------

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = (
    b"\x89PNG\r\n\x1a\n"
    + (13).to_bytes(4, "big")
    + b"IHDR"
    + bytes(13)
    + bytes(4)
    + (0).to_bytes(4, "big")
    + b"IEND"
    + bytes(4)
)


def upload(client, report, name, data):
    """Choose a file on the report form and save the draft."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    report.refresh_from_db()
    data = form(report) | {"files": SimpleUploadedFile(name, data)}
    return client.post(URL, data, follow=True)


@pytest.fixture
def draft(cycle):
    return client_for(cycle["reporter"]), start(cycle)


def test_a_pdf_is_stored_under_a_generated_name_and_served_to_the_unit_only(draft, cycle):
    client, report = draft
    page = upload(client, report, "会议纪要.pdf", PDF).content.decode()
    assert "已上传 会议纪要.pdf" in page
    item = Evidence.objects.get()
    assert (
        item.kind == "pdf"
        and len(item.stored_name) == 32
        and item.stored_name not in item.original_name
    )
    response = client.get(f"/evidence/{item.pk}/")
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content) == PDF
    assert client_for(cycle["other_reporter"]).get(f"/evidence/{item.pk}/").status_code == 404
    assert client_for(cycle["auditor"]).get(f"/evidence/{item.pk}/").status_code == 200


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("报告.pdf", b"MZ\x90\x00" + bytes(200), "文件内容不是允许的类型"),
        ("setup.exe", b"MZ\x90\x00" + bytes(200), "文件内容不是允许的类型"),
        ("照片.png", PNG + b"<html><script>alert(1)</script></html>", "图片中夹带了网页代码"),
        ("照片.png", PNG + b"trailing", "末尾附加了其他数据"),
        ("照片.jpg", PDF, "扩展名 .jpg 与文件内容（pdf）不符"),
        ("空.pdf", b"", "文件是空的"),
    ],
)
def test_hostile_or_mislabelled_uploads_are_refused(draft, name, data, message):
    client, report = draft
    page = upload(client, report, name, data).content.decode()
    assert message in page
    assert not Evidence.objects.exists()


def test_an_oversized_upload_is_refused(draft, settings):
    settings.DUCHA_EVIDENCE_MAX_MB = 1
    client, report = draft
    page = upload(client, report, "大.pdf", PDF + b"0" * (1024 * 1024) + b"%%EOF").content.decode()
    assert "超过 1 MB 的上限" in page
    assert not Evidence.objects.exists()


def test_the_number_of_files_is_capped(draft, settings):
    settings.DUCHA_EVIDENCE_MAX_FILES = 2
    client, report = draft
    for i in range(3):
        page = upload(client, report, f"{i}.pdf", PDF).content.decode()
    assert "最多 2 个佐证材料" in page
    assert Evidence.objects.count() == 2


def test_two_reviewers_never_overwrite_each_other(cycle):
    from ducha.org.models import User

    reporter, head = client_for(cycle["reporter"]), client_for(cycle["head"])
    report = start(cycle)
    reporter.post(URL, form(report, "submit"))
    report.refresh_from_db()
    head.post(URL, {"action": "approve", "version": report.version})
    report.refresh_from_db()
    second = User.objects.create_user("office2", role=User.Role.OFFICE)
    seen = report.version  # both reviewers opened the page at this version
    assert (
        client_for(cycle["office"]).post(URL, {"action": "accept", "version": seen}).status_code
        == 302
    )
    response = client_for(second).post(
        URL, {"action": "return", "version": seen, "comment": "数据有误"}
    )
    assert response.status_code == 409
    assert "被他人修改" in response.content.decode()
    report.refresh_from_db()
    assert report.status == "accepted" and report.comment == ""


def test_the_office_imports_in_the_browser_with_the_clis_row_errors(cycle, tmp_path, settings):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from ducha.ledger.models import Task
    from tests.helpers import LEDGER_HEADER, ledger_row, write_csv

    settings.DUCHA_SHARED_DIR = tmp_path / "var"  # where the upload is staged between the two steps
    office = client_for(cycle["office"])
    bad = write_csv(tmp_path / "bad.csv", LEDGER_HEADER, [ledger_row(code="T-9", due="2021-13")])
    response = office.post(
        "/office/ledger/",
        {"kind": "ledger", "file": SimpleUploadedFile("台账.csv", bad.read_bytes())},
        HTTP_HX_REQUEST="true",
    )
    page = response.content.decode()
    assert response.status_code == 400  # base.html's htmx-config swaps a 400 in
    assert "台账.csv：发现 1 处错误，未导入任何数据" in page
    assert "J列（完成时限）" in page and "月份 13 不存在" in page
    assert "<html" not in page  # htmx gets the working area only
    assert not Task.objects.filter(code="T-9").exists()
    good = write_csv(tmp_path / "good.csv", LEDGER_HEADER, [ledger_row(code="T-9")])
    response = office.post(
        "/office/ledger/",
        {"kind": "ledger", "file": SimpleUploadedFile("台账.csv", good.read_bytes())},
    )
    page = response.content.decode()
    assert response.status_code == 200 and "预览（未写入任何数据）" in page
    assert not Task.objects.filter(code="T-9").exists()
    token = re.search(r'name="token" value="([^"]+)"', page)[1]
    response = office.post("/office/ledger/confirm/", {"token": token})
    assert response.status_code == 200 and "导入完成" in response.content.decode()
    assert Task.objects.filter(code="T-9").exists()
    assert AuditEntry.objects.filter(action="ledger_imported", actor=cycle["office"]).exists()


# --- months a unit may report, and what the page says about saves -------------------------


def test_a_unit_cannot_file_a_month_still_ahead_or_one_already_posted(cycle):
    import datetime as dt

    from ducha.boards.publication import publish

    reporter = client_for(cycle["reporter"])
    ahead = reporter.post("/reports/T-1/2021-09/", form(None, task=cycle["t1"]))
    assert ahead.status_code == 403
    assert "这个月份不再接受报送" in reporter.get("/reports/T-1/2021-09/").content.decode()
    publish(JUNE, now=dt.datetime(2021, 7, 10, 9, tzinfo=dt.UTC))
    posted = reporter.post(URL, form(None, task=cycle["t1"]))
    assert posted.status_code == 403
    assert not Report.objects.exists()


@pytest.mark.parametrize("month", ["1900-01", "2020-12"])
def test_a_unit_cannot_file_a_month_before_any_task_is_rated(cycle, month):
    """F7: a node "done" in 1900 would rate the task ahead of every due date."""
    reporter = client_for(cycle["reporter"])
    response = reporter.post(f"/reports/T-1/{month}/", form(None, task=cycle["t1"]))
    assert response.status_code == 403
    assert "这个月份不再接受报送" in reporter.get(f"/reports/T-1/{month}/").content.decode()
    assert not Report.objects.exists() and not Progress.objects.exists()
    # January of the first due year is the first month rated, and reported.
    assert "这个月份不再接受报送" not in reporter.get("/reports/T-1/2021-01/").content.decode()


def test_a_completion_date_still_ahead_is_refused(cycle):
    n1 = Node.objects.get(task=cycle["t1"], code="N1").pk
    # The cycle's today is 3 July: July the 20th has not come yet.
    data = form(None, task=cycle["t1"], **{f"node-{n1}-done_on": "2021-07-20"})
    response = client_for(cycle["reporter"]).post("/reports/T-1/2021-07/", data)
    assert response.status_code == 400
    assert "完成日期 2021-07-20 还没有到" in response.content.decode()


def test_a_date_past_the_month_and_ahead_of_today_gets_one_message(cycle):
    n1 = Node.objects.get(task=cycle["t1"], code="N1").pk
    data = form(None, task=cycle["t1"], **{f"node-{n1}-done_on": "2030-01-01"})
    response = client_for(cycle["reporter"]).post("/reports/T-1/2021-07/", data)
    html = response.content.decode()
    assert response.status_code == 400
    assert "完成日期 2030-01-01 晚于报送月份 2021年7月 的月底" in html
    assert "还没有到" not in html


def test_saved_at_moves_with_every_save_and_a_withdrawal_clears_the_submission(cycle):
    from ducha.lib import clock

    reporter = client_for(cycle["reporter"])
    with clock.frozen(dt.datetime(2021, 7, 3, 9, 0)):
        report = start(cycle)
    with clock.frozen(dt.datetime(2021, 7, 3, 16, 45)):
        reporter.post(URL, form(report, narrative="下午改过"))
    report.refresh_from_db()
    assert clock.local(report.updated_at).strftime("%H:%M") == "16:45"
    # Read a minute later on the same clock: at the real time of day the session could have
    # been idle past its limit since 16:45 (and the page would ask to sign in again).
    with clock.frozen(dt.datetime(2021, 7, 3, 16, 46)):
        assert "保存于 7月3日 16:45" in reporter.get(URL).content.decode()
        reporter.post(URL, form(report, "submit"))
        report.refresh_from_db()
        assert report.status == "submitted"
        reporter.post(URL, {"action": "withdraw", "version": report.version})
    report.refresh_from_db()
    assert report.status == "draft" and report.submitted_at is None
    assert report.submitted_by is None


def test_a_save_after_the_head_acted_keeps_what_was_typed(cycle):
    report = start(cycle)
    reporter = client_for(cycle["reporter"])
    reporter.post(URL, form(report, "submit"))
    report.refresh_from_db()
    late = form(report, narrative="我还在改的内容")  # the form was opened before submitting
    response = reporter.post(URL, late)
    assert response.status_code == 409
    page = response.content.decode()
    assert "被他人修改" in page and "我还在改的内容" in page


def test_a_refused_submission_does_not_ask_again_for_files_already_stored(cycle):
    from django.core.files.uploadedfile import SimpleUploadedFile

    report = start(cycle)
    data = form(report, "submit", narrative="") | {"files": SimpleUploadedFile("会议纪要.pdf", PDF)}
    response = client_for(cycle["reporter"]).post(URL, data)
    page = response.content.decode()
    assert response.status_code == 400 and "请填写本月进展情况后再提交" in page
    assert "您选择的文件尚未上传" not in page
    assert Evidence.objects.get().original_name == "会议纪要.pdf"


def test_a_report_approved_on_time_stays_on_time_when_approved_again(cycle, settings):
    reporter, head, office = (client_for(cycle[k]) for k in ("reporter", "head", "office"))
    report = start(cycle)
    reporter.post(URL, form(report, "submit"))
    report.refresh_from_db()
    head.post(URL, {"action": "approve", "version": report.version})
    report.refresh_from_db()
    office.post(URL, {"action": "return", "version": report.version, "comment": "补充材料"})
    settings.DUCHA_TODAY = "2021-07-08"  # after the 5 July deadline: sign in afresh
    reporter, head = client_for(cycle["reporter"]), client_for(cycle["head"])
    report.refresh_from_db()
    reporter.post(URL, form(report, "submit"))
    report.refresh_from_db()
    head.post(URL, {"action": "approve", "version": report.version})
    report.refresh_from_db()
    assert report.status == "approved" and not report.late


# --- no GET writes; a return undoes the approval; the file cap holds under races -----------


@pytest.mark.parametrize("month", ["2021-06", "2021-05", "1900-01"])
def test_a_report_page_of_any_open_month_is_drawn_without_writing(cycle, month):
    """An <img src="/reports/T-1/1900-01/"> on another site, loaded by a signed-in
    reporter, must not leave a draft behind."""
    entries = AuditEntry.objects.count()
    page = client_for(cycle["reporter"]).get(f"/reports/T-1/{month}/")
    assert page.status_code == 200
    assert not Report.objects.exists() and AuditEntry.objects.count() == entries


@pytest.mark.parametrize("month", ["0001-01", "9999-12", "2021-13", "2021-00", "٢٠٢١-٠٦"])
def test_a_report_page_of_a_month_that_cannot_exist_is_a_404_and_writes_nothing(cycle, month):
    page = client_for(cycle["reporter"]).get(f"/reports/T-1/{month}/")
    assert page.status_code == 404
    assert not Report.objects.exists()


def _approved_online(cycle) -> Report:
    """T-1's June report, N1 done and N2 at 30%, submitted and approved by the head."""
    report = start(cycle)
    client_for(cycle["reporter"]).post(URL, form(report, "submit"))
    report.refresh_from_db()
    client_for(cycle["head"]).post(URL, {"action": "approve", "version": report.version})
    report.refresh_from_db()
    assert report.status == "approved"
    return report


def _import_june(tmp_path, rows):
    from ducha.ledger.importing import import_progress
    from tests.helpers import PROGRESS_HEADER, write_csv

    import_progress(write_csv(tmp_path / f"p{len(list(tmp_path.iterdir()))}.csv",
                              PROGRESS_HEADER, rows))  # fmt: skip


def _rows() -> list[tuple]:
    return [
        (p.node.code, p.status, p.percent, p.note, p.origin, p.import_run_id)
        for p in Progress.objects.select_related("node").order_by("node__code")
    ]


@pytest.mark.django_db(transaction=True)  # autocommit, so that the ratings' cache is live
def test_an_office_return_undoes_the_progress_rows_the_approval_wrote(cycle, tmp_path):
    from ducha.ratings.models import InputsVersion
    from ducha.ratings.monthly import rate_month

    InputsVersion.objects.get_or_create(pk=1)  # a transactional test's flush removed it
    # N2's June came in by spreadsheet first; N1 had no June row at all.
    _import_june(tmp_path, [["T-1", "N2", "2021-06", "推进中", "", "10", "表格报送"]])
    imported = _rows()
    rated_before = {r.task: r.computed for r in rate_month(JUNE)}
    report = _approved_online(cycle)
    assert [r[:5] for r in _rows()] == [
        ("N1", "done", 100, "", "online"),
        ("N2", "in_progress", 30, "征求意见中", "online"),
    ]
    assert {r.task: r.computed for r in rate_month(JUNE)} != rated_before
    office = client_for(cycle["office"])
    back = {"action": "return", "version": report.version, "comment": "佐证不足，请补充"}
    assert office.post(URL, back).status_code == 302
    # N1's row, which the approval created, is gone; N2's imported row is back as it was.
    assert _rows() == imported
    entry = AuditEntry.objects.filter(action="report_returned").get()
    assert entry.data()["progress"] == {"undone": ["N1", "N2"], "kept": []}
    # The ratings read the rows as they are now, not a cached rating of the approved ones.
    assert {r.task: r.computed for r in rate_month(JUNE)} == rated_before


def test_a_return_undoes_an_approval_made_before_approvals_recorded_what_they_replaced(
    cycle, monkeypatch
):
    from ducha.reports import workflow

    record = workflow.record

    def as_before(action, **kwargs):  # the approval's audit entry as it was written then
        if action == "report_approved":
            kwargs["detail"] = {"late": kwargs["detail"]["late"]}
        return record(action, **kwargs)

    monkeypatch.setattr(workflow, "record", as_before)
    report = _approved_online(cycle)
    monkeypatch.undo()
    assert "replaced" not in AuditEntry.objects.get(action="report_approved").data()
    assert len(_rows()) == 2
    back = {"action": "return", "version": report.version, "comment": "补充"}
    assert client_for(cycle["office"]).post(URL, back).status_code == 302
    assert _rows() == []
    entry = AuditEntry.objects.get(action="report_returned")
    assert entry.data()["progress"] == {"undone": ["N1", "N2"], "kept": []}


def test_a_report_of_a_posted_month_cannot_be_returned(cycle):
    """Returning it would delete the rows the posted board and later months rate from."""
    from ducha.boards.publication import publish

    report = _approved_online(cycle)
    office = client_for(cycle["office"])
    assert office.post(URL, {"action": "accept", "version": report.version}).status_code == 302
    report.refresh_from_db()
    publish(JUNE, now=dt.datetime(2021, 7, 10, 9, tzinfo=dt.UTC))
    rows = _rows()
    back = {"action": "return", "version": report.version, "comment": "补充"}
    assert office.post(URL, back).status_code == 403
    report.refresh_from_db()
    assert report.status == "accepted" and _rows() == rows
    assert 'value="return"' not in office.get(URL).content.decode()


def test_a_second_approval_and_return_come_back_to_the_same_rows(cycle, tmp_path):
    _import_june(tmp_path, [["T-1", "N2", "2021-06", "推进中", "", "10", "表格报送"]])
    imported = _rows()
    report = _approved_online(cycle)
    office, reporter, head = (client_for(cycle[k]) for k in ("office", "reporter", "head"))
    office.post(URL, {"action": "return", "version": report.version, "comment": "补充"})
    report.refresh_from_db()
    reporter.post(URL, form(report, "submit"))
    report.refresh_from_db()
    head.post(URL, {"action": "approve", "version": report.version})
    report.refresh_from_db()
    office.post(URL, {"action": "accept", "version": report.version})
    report.refresh_from_db()
    office.post(URL, {"action": "return", "version": report.version, "comment": "再补充"})
    report.refresh_from_db()
    assert report.status == "returned"
    assert _rows() == imported


def test_a_return_keeps_a_row_someone_changed_after_the_approval(cycle, tmp_path):
    report = _approved_online(cycle)
    # The office corrects N2 from a spreadsheet after the head approved.
    _import_june(tmp_path, [["T-1", "N2", "2021-06", "推进中", "", "50", "表格更正"]])
    corrected = [r for r in _rows() if r[0] == "N2"]
    office = client_for(cycle["office"])
    office.post(URL, {"action": "return", "version": report.version, "comment": "补充"})
    assert _rows() == corrected
    entry = AuditEntry.objects.filter(action="report_returned").get()
    assert entry.data()["progress"] == {"undone": ["N1"], "kept": ["N2"]}


def test_the_file_cap_is_counted_again_with_the_report_locked(draft, cycle, settings, monkeypatch):
    """Two uploads at once each see room for one more file when they start; the count that
    decides is the one taken inside the transaction that stores the file."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from ducha.reports import evidence, workflow

    settings.DUCHA_EVIDENCE_MAX_FILES = 1
    _client, report = draft
    check = evidence.check

    def another_upload_lands_meanwhile(path, name):
        checked = check(path, name)
        Evidence.objects.create(
            report=report, original_name="first.pdf", stored_name="0" * 32, kind="pdf",
            size=len(PDF), sha256=checked.sha256, uploaded_by=cycle["head"],
        )  # fmt: skip
        return checked

    monkeypatch.setattr(evidence, "check", another_upload_lands_meanwhile)
    upload = SimpleUploadedFile("second.pdf", PDF)
    with pytest.raises(evidence.EvidenceRefused, match="最多 1 个佐证材料"):
        workflow.add_evidence(report, cycle["reporter"], upload)
    assert list(Evidence.objects.values_list("original_name", flat=True)) == ["first.pdf"]
    assert list(evidence.storage_dir().iterdir()) == []  # the refused file was not kept


@pytest.mark.skipif(connection.vendor != "postgresql", reason="real concurrency needs PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_eleven_uploads_at_once_store_ten_files(draft, cycle, settings, monkeypatch):
    import threading

    from django.core.files.uploadedfile import SimpleUploadedFile

    from ducha.reports import evidence, workflow

    settings.DUCHA_EVIDENCE_MAX_FILES = 10
    _client, report = draft
    # Every upload has passed the early count before any of them stores its file.
    together = threading.Barrier(11, timeout=30)
    check = evidence.check

    def in_step(path, name):
        together.wait()
        return check(path, name)

    monkeypatch.setattr(evidence, "check", in_step)
    stored, refused, errors = [], [], []

    def upload(i):
        try:
            item = workflow.add_evidence(
                report, cycle["reporter"], SimpleUploadedFile(f"{i}.pdf", PDF)
            )
            stored.append(item.pk)
        except evidence.EvidenceRefused as e:
            refused.append(str(e))
        except Exception as e:  # any other failure is the test's failure
            errors.append(e)
        finally:
            connection.close()

    threads = [threading.Thread(target=upload, args=(i,)) for i in range(11)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert len(stored) == 10 and len(refused) == 1
    assert Evidence.objects.filter(report=report).count() == 10
    assert len(list(evidence.storage_dir().iterdir())) == 10


def test_evidence_files_are_readable_by_their_owner_only(cycle):
    """F16: the folder 0700, each file 0600, whatever the umask."""
    import os
    import stat

    from ducha.reports import evidence

    old = os.umask(0o022)
    try:
        report = start(cycle)
        response = upload(client_for(cycle["reporter"]), report, "a.pdf", PDF)
        assert response.status_code == 200
    finally:
        os.umask(old)
    item = Evidence.objects.get()
    path = evidence.stored_path(item.stored_name)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
