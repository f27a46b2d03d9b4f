"""The demo's 通报 for 2021-12 and 盘点 for 2021, from `ducha bulletin`, `ducha review` and the
office's page: their counts are the boards', their charts are there (titles in the PDF, images
in Word), and the page lets each demo role do what it may. The one module of
tests/test_bulletins*.py on the demo database."""

import datetime as dt
import io
import shutil
import subprocess
from collections import Counter
from pathlib import Path

import pytest
from django.core.management import call_command
from django.test import Client

from ducha.audit.models import AuditEntry
from ducha.boards.publication import posted
from ducha.bulletins.models import IssuedBulletin
from ducha.org.models import User
from ducha.ratings.marks import MARKS
from ducha.stats.charts import month_charts, year_charts
from tests.test_bulletins import a_docx, paragraphs, table_headed

DECEMBER = dt.date(2021, 12, 1)
HEADS = [f"{m.name}（{m.colour}）" for m in MARKS.values()]


@pytest.fixture
def demo(demo_database, db):
    return demo_database


def board_counts(month) -> Counter:
    return Counter(t["rating"] for t in posted(month)["tasks"])


def command(name: str, *args: str, tmp_path: Path) -> bytes:
    out = tmp_path / f"{name}-{'-'.join(args)}"
    call_command(name, *args, "-o", str(out), stdout=io.StringIO())
    return out.read_bytes()


def pdf_text(data: bytes, tmp_path: Path) -> str:
    path = tmp_path / "read.pdf"
    path.write_bytes(data)
    out = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True)
    return "".join(out.stdout.split())


def test_the_december_bulletin_counts_what_the_board_counts(demo, tmp_path):
    word = command("bulletin", "--month", "2021-12", "--format", "docx", tmp_path=tmp_path)
    december, november = board_counts(DECEMBER), board_counts(dt.date(2021, 11, 1))
    rows = {r[0]: r[1:] for r in table_headed(word, "等次")}
    for head, key in zip(HEADS, MARKS, strict=True):
        assert [int(x) for x in rows[head][:2]] == [december[key], november[key]]
    assert rows["合计"][0] == "186"
    text = pdf_text(
        command("bulletin", "--month", "2021-12", "--format", "pdf", tmp_path=tmp_path), tmp_path
    )
    assert "关于2021年12月份全市改革任务推进情况的通报" in text
    spread = "、".join(f"{h}{december[k]}项" for h, k in zip(HEADS, MARKS, strict=True))
    assert spread in text and spread in "".join(paragraphs(word))


def test_the_2021_review_counts_every_month_as_its_board(demo, tmp_path):
    word = command("review", "--year", "2021", "--format", "docx", tmp_path=tmp_path)
    rows = {r[0]: r[1:] for r in table_headed(word, "月份", HEADS[0])}
    for m in range(1, 13):
        counts = board_counts(dt.date(2021, m, 1))
        assert [int(x) for x in rows[f"2021年{m}月"]] == [counts[k] for k in (*MARKS, None)]
    text = pdf_text(
        command("review", "--year", "2021", "--format", "pdf", tmp_path=tmp_path), tmp_path
    )
    assert "2021年度全市改革任务推进情况盘点" in text and "全年发布月度“四色”督查公示12期" in text


def test_the_charts_appear_in_the_pdf_by_title_and_in_word_as_images(demo, tmp_path):
    from docx import Document

    for name, args, charts in (
        ("bulletin", ("--month", "2021-12"), month_charts(DECEMBER)),
        ("review", ("--year", "2021"), year_charts(2021)),
    ):
        assert charts
        text = pdf_text(command(name, *args, "--format", "pdf", tmp_path=tmp_path), tmp_path)
        for chart in charts:
            assert "".join(chart.title.split()) in text, chart.title
        word = Document(io.BytesIO(command(name, *args, "--format", "docx", tmp_path=tmp_path)))
        assert len(word.inline_shapes) == len(charts)
        captions = [p.text for p in word.paragraphs]
        assert all(any(c.title in t for t in captions) for c in charts)


def test_a_month_not_published_is_refused_by_the_command(demo, tmp_path):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match=r"2022年1月.*尚未发布"):
        command("bulletin", "--month", "2022-01", "--format", "docx", tmp_path=tmp_path)


def signed_in(username: str) -> Client:
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(User.objects.get(username=username))
    return client


def test_the_office_pages_serve_drafts_issue_and_keep_to_each_role(demo):
    office = signed_in("office")
    page = office.get("/office/bulletins/")
    assert page.status_code == 200
    for url in (
        "/office/bulletins/2021-12/bulletin.docx",
        "/office/bulletins/2021-12/bulletin.pdf",
        "/office/bulletins/2021/review.docx",
        "/office/bulletins/2021/review.pdf",
    ):
        assert url in page.text
    before = AuditEntry.objects.count()
    word = office.get("/office/bulletins/2021-12/bulletin.docx")
    rows = {r[0]: r[1] for r in table_headed(word.content, "等次")}
    december = board_counts(DECEMBER)
    assert [int(rows[h]) for h in HEADS] == [december[k] for k in MARKS]
    review = office.get("/office/bulletins/2021/review.pdf")
    assert review.status_code == 200 and review.content.startswith(b"%PDF")
    assert AuditEntry.objects.count() == before  # downloads write nothing

    issued = office.post("/office/bulletins/2021-12/issue/", {"file": a_docx(), "number": "1号"})
    assert issued.status_code == 302
    (bulletin,) = IssuedBulletin.objects.all()
    assert AuditEntry.objects.filter(action="bulletin_issued").count() == 1

    for username, drafts, issue, download in (
        ("auditor", 200, 403, 200),
        ("leader", 403, 403, 200),
        ("reporter", 403, 403, 403),
        ("county", 200, 200, 404),  # another jurisdiction's office: its own 通报 only
    ):
        client = signed_in(username)
        got = client.get("/office/bulletins/2021-12/bulletin.docx")
        assert got.status_code == drafts, (username, "draft")
        assert client.get(f"/office/bulletins/issued/{bulletin.pk}/").status_code == download, (
            username,
            "issued",
        )
        if issue == 403:
            post = client.post("/office/bulletins/2021-12/issue/", {"file": a_docx()})
            assert post.status_code == 403, (username, "issue")
    county = signed_in("county")
    assert "德城区" in "".join(
        paragraphs(county.get("/office/bulletins/2021-12/bulletin.docx").content)
    )
    assert IssuedBulletin.objects.count() == 1


WRITER = Path("/usr/lib/libreoffice/program/libswlo.so")


@pytest.mark.skipif(
    not shutil.which("soffice") or not WRITER.exists(), reason="needs LibreOffice Writer"
)
def test_the_bulletin_opens_in_libreoffice(demo, tmp_path):
    path = tmp_path / "通报.docx"
    path.write_bytes(
        command("bulletin", "--month", "2021-12", "--format", "docx", tmp_path=tmp_path)
    )
    subprocess.run(
        [
            "soffice",
            f"-env:UserInstallation=file://{tmp_path}/profile",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(tmp_path / "out"),
            str(path),
        ],
        capture_output=True,
        timeout=60,
        check=True,
    )
    converted = tmp_path / "out" / "通报.pdf"
    assert "关于2021年12月份全市改革任务推进情况的通报" in pdf_text(
        converted.read_bytes(), tmp_path
    )
