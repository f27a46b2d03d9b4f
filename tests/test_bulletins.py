"""The monthly 通报 and the year's 盘点 on data built in code: what they say (from the
published boards), what they leave out, the same text in Word and PDF, the charts they carry,
and the office's page (drafts, issuing, who may do what). The demo's 2021-12 and 2021 are in
tests/test_bulletins_demo.py."""

import datetime as dt
import io
import json
import subprocess
from collections import Counter

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from ducha.audit.models import AuditEntry
from ducha.boards.publication import latest, publish
from ducha.bulletins import content, docx, pdf
from ducha.bulletins.models import IssuedBulletin
from ducha.ratings.marks import MARKS
from ducha.reports.models import Report
from ducha.stats.charts import Chart
from ducha.supervision.models import Notice

MAY, JUNE, JULY = dt.date(2021, 5, 1), dt.date(2021, 6, 1), dt.date(2021, 7, 1)


def paragraphs(data: bytes) -> list[str]:
    from docx import Document

    return [p.text for p in Document(io.BytesIO(data)).paragraphs]


def tables(data: bytes) -> list[list[list[str]]]:
    from docx import Document

    return [
        [[c.text for c in row.cells] for row in t.rows] for t in Document(io.BytesIO(data)).tables
    ]


def table_headed(data: bytes, *heads: str) -> list[list[str]]:
    """The one table whose header starts with `heads`."""
    (found,) = [t for t in tables(data) if tuple(t[0][: len(heads)]) == heads]
    return found


def pdf_text(data: bytes, tmp_path) -> str:
    path = tmp_path / "document.pdf"
    path.write_bytes(data)
    out = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True)
    return "".join(out.stdout.split())  # lines wrap anywhere in Chinese


def board_counts(month) -> Counter:
    return Counter(t["rating"] for t in json.loads(latest(month).snapshot)["tasks"])


@pytest.fixture
def no_charts(monkeypatch):
    """The charts and the forecast are other modules' (tests/test_charts*.py): here none."""
    monkeypatch.setattr(content, "month_charts", lambda *a, **k: [])
    monkeypatch.setattr(content, "year_charts", lambda *a, **k: [])
    monkeypatch.setattr(content, "likely_slips", lambda *a, **k: [])


def test_it_refuses_a_month_that_is_not_published(boards, no_charts):
    with pytest.raises(content.BulletinError, match=r"2021年7月.*尚未发布"):
        content.bulletin(JULY)


def test_the_counts_are_the_boards_with_the_change_against_last_month(boards, no_charts):
    data = docx.docx_bytes(content.bulletin(JUNE))
    june, may = board_counts(JUNE), board_counts(MAY)
    rows = table_headed(data, "等次")
    by_mark = {r[0]: r[1:] for r in rows}
    for key, m in MARKS.items():
        now, before, change = by_mark[f"{m.name}（{m.colour}）"]
        assert (int(now), int(before)) == (june[key], may[key])
        assert int(change) == june[key] - may[key]
    assert by_mark["合计"][0] == str(sum(june.values()))
    text = "".join(paragraphs(data))
    assert "关于2021年6月份全市改革任务推进情况的通报" in text
    assert f"{MARKS['horse'].name}（{MARKS['horse'].colour}）{june['horse']}项" in text
    assert "与上月相比" in text


def test_a_first_month_has_no_comparison(boards, no_charts):
    text = "".join(paragraphs(docx.docx_bytes(content.bulletin(MAY))))
    assert "与上月相比" not in text


def test_it_names_the_horses_and_snails_with_their_lead_units(boards, no_charts):
    board = json.loads(latest(JUNE).snapshot)["tasks"]
    data = docx.docx_bytes(content.bulletin(JUNE))
    named = {r[0]: r[2] for t in tables(data) if t[0][0] == "任务编号" for r in t[1:]}
    for row in board:
        if row["rating"] in ("horse", "snail"):
            assert named[row["task"]] == row["lead_unit"]
    assert sum(r["rating"] in ("horse", "snail") for r in board) == len(named)


def test_it_lists_units_that_reported_late_or_not_at_all(boards, no_charts, db):
    board = json.loads(latest(JUNE).snapshot)["tasks"]
    silent = [r for r in board if any(x["code"] == "not_reported" for x in r["reasons"])]
    assert silent, "the sample has a task not reported in June"
    from ducha.ledger.models import Task

    task = Task.objects.select_related("lead_unit").exclude(code=silent[0]["task"]).first()
    Report.objects.create(
        task=task, month=JUNE, unit=task.lead_unit, status=Report.Status.ACCEPTED, late=True
    )
    rows = table_headed(docx.docx_bytes(content.bulletin(JUNE)), "单位")
    by_unit = {r[0]: r for r in rows[1:]}
    assert silent[0]["task"] in by_unit[silent[0]["lead_unit"]][1]
    assert task.code in by_unit[task.lead_unit.name][2]


def test_it_lists_the_notices_issued_in_the_month_and_next_months_deadlines(boards, no_charts):
    from ducha.ledger.models import Task
    from ducha.org.models import Jurisdiction

    task = Task.objects.select_related("lead_unit").first()
    home = Jurisdiction.objects.home()
    for number, day in ((1, dt.date(2021, 6, 20)), (2, dt.date(2021, 7, 2))):
        Notice.objects.create(
            jurisdiction=home,
            task=task,
            unit=task.lead_unit,
            requirements="整改",
            due_on=day + dt.timedelta(days=10),
            state=Notice.State.ISSUED,
            prefix="德改督",
            year=2021,
            number=number,
            issued_on=day,
        )
    data = docx.docx_bytes(content.bulletin(JUNE))
    notices = table_headed(data, "文号")
    assert [r[0] for r in notices[1:]] == ["德改督〔2021〕1号"]  # July's is July's
    text = "".join(paragraphs(data))
    assert "2021年7月份月度进展请于2021年8月5日前报送" in text
    board = json.loads(latest(JUNE).snapshot)["tasks"]
    due = [
        (r["lead_unit"], f"{r['task']} 节点{n['code']}")
        for r in board
        for n in r["nodes"]
        if n["due"] == "2021-07" and n["status"] != "done" and r["status"] == "active"
    ]
    rows = table_headed(data, "牵头单位")
    listed = {r[0]: r[2] for r in rows[1:]}
    assert sum(int(r[1]) for r in rows[1:]) == len(due)
    for unit, node in due:
        assert node in listed[unit]


def test_the_pdf_says_what_the_word_file_says(boards, no_charts, tmp_path):
    document = content.bulletin(JUNE)
    text = pdf_text(pdf.pdf_bytes(document), tmp_path)
    assert document.title in text and document.masthead in text
    words = "".join(paragraphs(docx.docx_bytes(document)))
    for heading, _section in document.numbered:
        assert heading in text and heading in words
    for table in document.tables:
        for row in table.rows:
            assert "".join(row[:2]).replace(" ", "") in text


def test_the_charts_are_figures_with_their_titles_as_captions(boards, no_charts, monkeypatch):
    png = io.BytesIO()
    from PIL import Image

    Image.new("RGB", (40, 30), "white").save(png, "PNG")
    svg = (
        '<svg xmlns="http://www.w3.org/2000/svg" width="40" height="30"><text y="20">7</text></svg>'
    )
    charts = [Chart("a", "本月评价分布", svg, png.getvalue()), Chart("b", "全年走势", svg, b"")]
    charts[1] = Chart("b", "全年走势", svg, png.getvalue())
    monkeypatch.setattr(content, "month_charts", lambda *a, **k: charts)
    document = content.bulletin(JUNE)
    assert [f.caption for f in document.figures] == ["图1　本月评价分布", "图2　全年走势"]
    from docx import Document

    word = Document(io.BytesIO(docx.docx_bytes(document)))
    assert len(word.inline_shapes) == 2
    assert "图2　全年走势" in [p.text for p in word.paragraphs]
    assert "data:image/svg+xml;base64," in pdf.document_html(document)


def test_the_review_counts_each_published_month_as_its_board(boards, no_charts):
    data = docx.docx_bytes(content.review(2021))
    rows = table_headed(data, "月份", f"{MARKS['horse'].name}（{MARKS['horse'].colour}）")
    heads = rows[0]
    assert heads[1:5] == [f"{m.name}（{m.colour}）" for m in MARKS.values()]
    lines = {r[0]: r[1:] for r in rows[1:]}
    for month in (MAY, JUNE):
        counts = board_counts(month)
        got = lines[f"2021年{month.month}月"]
        assert [int(x) for x in got] == [counts[k] for k in (*MARKS, None)]
    text = "".join(paragraphs(data))
    assert "全年发布月度“四色”督查公示2期" in text
    assert "单位得分排名" in text and "任务总体情况" in text


def test_the_review_prints_no_empty_heading_and_takes_later_sections(
    boards, no_charts, monkeypatch
):
    text = "".join(paragraphs(docx.docx_bytes(content.review(2021))))
    assert "督办情况" not in text and "图表" not in text
    monkeypatch.setattr(
        content,
        "YEAR_SECTIONS",
        [
            lambda year, j: content.Section("改革试点", [f"{year}年开展试点3项。"]),
            lambda year, j: None,
        ],
    )
    text = "".join(paragraphs(docx.docx_bytes(content.review(2021))))
    assert "五、改革试点" in text and "2021年开展试点3项。" in text


def test_a_year_with_nothing_published_is_refused(boards, no_charts):
    with pytest.raises(content.BulletinError, match="2020年还没有已发布"):
        content.review(2020)


# The office's page -----------------------------------------------------------------------------


@pytest.fixture
def published(cycle, settings, no_charts):
    """The cycle's June published (on 10 July)."""
    settings.DUCHA_TODAY = "2021-07-12"
    publish(JUNE, now=dt.datetime(2021, 7, 10, 9, tzinfo=dt.UTC))
    return cycle


def client_for(user) -> Client:
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(user)
    return client


def a_docx(text="定稿") -> io.BytesIO:
    from docx import Document

    out = io.BytesIO()
    word = Document()
    word.add_paragraph(text)
    word.save(out)
    out.seek(0)
    out.name = "通报定稿.docx"
    return out


def test_the_office_downloads_drafts_and_nothing_is_written(published):
    client = client_for(published["office"])
    before = AuditEntry.objects.count()
    page = client.get("/office/bulletins/")
    assert page.status_code == 200
    assert "/office/bulletins/2021-06/bulletin.docx" in page.text
    assert "/office/bulletins/2021/review.pdf" in page.text
    word = client.get("/office/bulletins/2021-06/bulletin.docx")
    assert word.status_code == 200 and word["Content-Type"].startswith("application/vnd.openxml")
    assert "2021年6月份" in "".join(paragraphs(word.content))
    assert client.get("/office/bulletins/2021/review.docx").status_code == 200
    assert client.get("/office/bulletins/2021-05/bulletin.docx").status_code == 404
    assert client.get("/office/bulletins/2021-06/bulletin.xls").status_code == 404
    assert client.get("/office/bulletins/2021-13/bulletin.pdf").status_code == 400
    assert AuditEntry.objects.count() == before


def test_the_office_issues_a_docx_and_issuing_again_keeps_the_first(published):
    client = client_for(published["office"])
    for n in (1, 2):
        response = client.post(
            "/office/bulletins/2021-06/issue/",
            {"file": a_docx(f"第{n}稿"), "number": "德改办〔2021〕5号"},
        )
        assert response.status_code == 302
    issued = list(IssuedBulletin.objects.order_by("version"))
    assert [(b.version, b.month, b.number) for b in issued] == [
        (1, JUNE, "德改办〔2021〕5号"),
        (2, JUNE, "德改办〔2021〕5号"),
    ]
    entry = AuditEntry.objects.filter(action="bulletin_issued").latest("seq")
    assert entry.data()["version"] == 2 and entry.data()["sha256"] == issued[1].sha256
    assert entry.month == JUNE
    for user in ("office", "auditor", "leader"):
        got = client_for(published[user]).get(f"/office/bulletins/issued/{issued[0].pk}/")
        assert got.status_code == 200
        assert paragraphs(got.content) == ["第1稿"]
    page = client_for(published["leader"]).get("/office/bulletins/")
    assert f"/office/bulletins/issued/{issued[1].pk}/" in page.text
    assert "bulletin.docx" not in page.text  # drafts are the office's and the auditor's


def test_a_file_that_is_not_a_word_document_is_refused_and_the_number_kept(published):
    client = client_for(published["office"])
    fake = io.BytesIO(b"PK\x03\x04 not really a zip")
    fake.name = "通报.docx"
    response = client.post(
        "/office/bulletins/2021-06/issue/", {"file": fake, "number": "德改办〔2021〕6号"}
    )
    assert response.status_code == 400
    assert "无法作为 Word 文档打开" in response.text
    assert 'value="德改办〔2021〕6号"' in response.text
    sheet = io.BytesIO(b"a,b\n")
    sheet.name = "通报.csv"
    response = client.post("/office/bulletins/2021-06/issue/", {"file": sheet})
    assert "不是 Word 文档" in response.text
    response = client.post("/office/bulletins/2021-05/issue/", {"file": a_docx()})
    assert "尚未发布" in response.text
    assert not IssuedBulletin.objects.exists()


def test_only_the_office_issues_and_only_overseers_read_drafts(published):
    auditor, leader, reporter = (
        client_for(published[u]) for u in ("auditor", "leader", "reporter")
    )
    url = "/office/bulletins/2021-06/issue/"
    assert auditor.post(url, {"file": a_docx()}).status_code == 403
    assert leader.post(url, {"file": a_docx()}).status_code == 403
    assert auditor.get("/office/bulletins/2021-06/bulletin.docx").status_code == 200
    assert leader.get("/office/bulletins/2021-06/bulletin.docx").status_code == 403
    assert reporter.get("/office/bulletins/").status_code == 403
    assert not IssuedBulletin.objects.exists()


def test_the_page_costs_the_same_queries_however_many_are_issued(published):
    client = client_for(published["office"])

    def queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get("/office/bulletins/").status_code == 200
        return len(ctx.captured_queries)

    queries()  # the session's first read
    few = queries()
    for _ in range(3):
        client.post("/office/bulletins/2021-06/issue/", {"file": a_docx()})
    assert IssuedBulletin.objects.count() == 3
    queries()  # shows the messages of the uploads
    assert queries() == few


def test_the_review_ranks_only_units_with_enough_rated_months(boards, no_charts, settings):
    settings.DUCHA_SCORES_MIN_RATED = 2
    rows = table_headed(docx.docx_bytes(content.review(2021)), "名次", "单位")
    few = [r for r in rows[1:] if int(r[-1]) < 2]
    assert few and all(r[0] == "—" for r in few)
    assert all(r[0] != "—" for r in rows[1:] if int(r[-1]) >= 2)
    text = "".join(paragraphs(docx.docx_bytes(content.review(2021))))
    assert f"评价月次不足2个的{len(few)}个单位不参与排名" in text
