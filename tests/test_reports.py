"""The monthly cycle online: draft, submit, approve, review; versions; evidence files."""

import datetime as dt

import pytest
from django.test import Client

from ducha.audit.models import AuditEntry
from ducha.ledger.models import Progress
from ducha.reports.models import Evidence, Report

JUNE = dt.date(2021, 6, 1)
URL = "/reports/T-1/2021-06/"


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def form(report, action="save", **over):
    data = {
        "action": action,
        "version": report.version,
        "narrative": "完成方案起草，召开专题会",
        "problems": "部门协同不够",
        "next_steps": "7月上旬印发",
    }
    for line in report.lines.select_related("node"):
        prefix = f"node-{line.node_id}-"
        if line.node.code == "N1":
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


def test_the_whole_cycle_writes_progress_on_approval(cycle):
    reporter, head, office = (client_for(cycle[k]) for k in ("reporter", "head", "office"))
    assert reporter.get(URL).status_code == 200
    report = Report.objects.get(task=cycle["t1"], month=JUNE)
    assert report.status == "draft" and report.lines.count() == 2
    assert reporter.post(URL, form(report)).status_code == 302
    report.refresh_from_db()
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
    reporter.get(URL)
    report = Report.objects.get()
    first = form(report, narrative="填报人的版本")
    second = form(report, narrative="负责人的版本")
    assert reporter.post(URL, first).status_code == 302
    response = head.post(URL, second)
    assert response.status_code == 409
    assert "已被他人修改" in response.content.decode()
    report.refresh_from_db()
    assert report.narrative == "填报人的版本"


def test_an_inconsistent_line_is_refused_with_its_node(cycle):
    reporter = client_for(cycle["reporter"])
    reporter.get(URL)
    report = Report.objects.get()
    n1 = report.lines.get(node__code="N1").node_id
    response = reporter.post(URL, form(report, **{f"node-{n1}-done_on": "2021-07-02"}))
    assert response.status_code == 400
    assert "N1：完成日期 2021-07-02 晚于报送月份 2021年6月 的月底" in response.content.decode()
    report.refresh_from_db()
    assert report.version == 1 and report.narrative == ""


def test_an_approval_after_the_deadline_is_marked_late(cycle, settings):
    reporter, head = client_for(cycle["reporter"]), client_for(cycle["head"])
    reporter.get(URL)
    report = Report.objects.get()
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
    reporter.get(URL)
    report = Report.objects.get()
    reporter.post(URL, form(report, "submit"))
    report.refresh_from_db()
    assert head.post(URL, {"action": "send_back", "version": report.version}).status_code == 400
    head.post(URL, {"action": "send_back", "version": report.version, "comment": "补充佐证"})
    report.refresh_from_db()
    assert report.status == "returned" and report.comment == "补充佐证"
    assert reporter.post(URL, form(report)).status_code == 302


def test_a_reporter_cannot_approve_and_a_head_of_another_unit_cannot_see(cycle):
    reporter = client_for(cycle["reporter"])
    reporter.get(URL)
    report = Report.objects.get()
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
    from django.core.files.uploadedfile import SimpleUploadedFile

    return client.post(
        f"/reports/{report.pk}/evidence/", {"files": SimpleUploadedFile(name, data)}, follow=True
    )


@pytest.fixture
def draft(cycle):
    client = client_for(cycle["reporter"])
    client.get(URL)
    return client, Report.objects.get()


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
    reporter.get(URL)
    report = Report.objects.get()
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
    assert "已被他人修改" in response.content.decode()
    report.refresh_from_db()
    assert report.status == "accepted" and report.comment == ""


def test_the_office_imports_in_the_browser_with_the_clis_row_errors(cycle, tmp_path):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from ducha.ledger.models import Task
    from tests.helpers import LEDGER_HEADER, ledger_row, write_csv

    office = client_for(cycle["office"])
    bad = write_csv(tmp_path / "bad.csv", LEDGER_HEADER, [ledger_row(code="T-9", due="2021-13")])
    response = office.post(
        "/office/ledger/",
        {"kind": "ledger", "file": SimpleUploadedFile("台账.csv", bad.read_bytes())},
        HTTP_HX_REQUEST="true",
    )
    page = response.content.decode()
    assert response.status_code == 400
    assert "台账.csv：发现 1 处错误，未导入任何数据" in page
    assert "J列（完成时限）" in page and "月份 13 不存在" in page
    assert "<html" not in page  # htmx gets the result partial only
    assert not Task.objects.filter(code="T-9").exists()
    good = write_csv(tmp_path / "good.csv", LEDGER_HEADER, [ledger_row(code="T-9")])
    response = office.post(
        "/office/ledger/",
        {"kind": "ledger", "file": SimpleUploadedFile("台账.csv", good.read_bytes())},
    )
    assert response.status_code == 200 and "导入完成" in response.content.decode()
    assert Task.objects.filter(code="T-9").exists()
    assert AuditEntry.objects.filter(action="ledger_imported", actor=cycle["office"]).exists()
