"""Issue 12's numbers on the demo (one module, so the demo is seeded once for them all): each
chart drawn for December and the year; the forecast's backtest over 2021 and its page; the
通报 for 2021-12 and the 盘点 for 2021, from `ducha bulletin`, `ducha review` and the office's
page — their counts are the boards', their charts are there (titles in the PDF, images in
Word), and the page lets each demo role do what it may."""

import datetime as dt
import io
import json
import shutil
import subprocess
from collections import Counter
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.test import Client

from ducha.audit.models import AuditEntry
from ducha.boards.publication import posted
from ducha.bulletins.models import IssuedBulletin
from ducha.org.models import User
from ducha.ratings import marks
from ducha.ratings.marks import MARKS
from ducha.stats import charts, figures
from ducha.stats.charts import month_charts, year_charts
from tests.test_bulletins import a_docx, paragraphs, table_headed
from tests.test_stats_charts import by_key, has_the_four_colours, texts

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


@pytest.fixture(scope="module")
def documents(demo_database, tmp_path_factory):
    """The four files the commands write, once for the module (drawing their charts is what
    costs), with the titles of the charts they should carry."""
    tmp_path = tmp_path_factory.mktemp("documents")
    out = {
        (name, fmt): command(name, *args, "--format", fmt, tmp_path=tmp_path)
        for name, args in (("bulletin", ("--month", "2021-12")), ("review", ("--year", "2021")))
        for fmt in ("docx", "pdf")
    }
    out["titles"] = {
        "bulletin": [c.title for c in month_charts(DECEMBER)],
        "review": [c.title for c in year_charts(2021)],
    }
    return out


def test_the_december_bulletin_counts_what_the_board_counts(demo, documents, tmp_path):
    word = documents["bulletin", "docx"]
    december, november = board_counts(DECEMBER), board_counts(dt.date(2021, 11, 1))
    rows = {r[0]: r[1:] for r in table_headed(word, "等次")}
    for head, key in zip(HEADS, MARKS, strict=True):
        assert [int(x) for x in rows[head][:2]] == [december[key], november[key]]
    assert rows["合计"][0] == "186"
    text = pdf_text(documents["bulletin", "pdf"], tmp_path)
    assert "关于2021年12月份全市改革任务推进情况的通报" in text
    spread = "、".join(f"{h}{december[k]}项" for h, k in zip(HEADS, MARKS, strict=True))
    assert spread in text and spread in "".join(paragraphs(word))


def test_the_2021_review_counts_every_month_as_its_board(demo, documents, tmp_path):
    word = documents["review", "docx"]
    rows = {r[0]: r[1:] for r in table_headed(word, "月份", HEADS[0])}
    for m in range(1, 13):
        counts = board_counts(dt.date(2021, m, 1))
        assert [int(x) for x in rows[f"2021年{m}月"]] == [counts[k] for k in (*MARKS, None)]
    text = pdf_text(documents["review", "pdf"], tmp_path)
    assert "2021年度全市改革任务推进情况盘点" in text and "全年发布月度“四色”督查公示12期" in text


def test_the_charts_appear_in_the_pdf_by_title_and_in_word_as_images(documents, tmp_path):
    from docx import Document

    for name in ("bulletin", "review"):
        titles = documents["titles"][name]
        assert titles
        text = pdf_text(documents[name, "pdf"], tmp_path)
        for title in titles:
            assert "".join(title.split()) in text, title
        word = Document(io.BytesIO(documents[name, "docx"]))
        assert len(word.inline_shapes) == len(titles)
        captions = [p.text for p in word.paragraphs]
        assert all(any(title in t for t in captions) for title in titles)


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
def test_the_bulletin_opens_in_libreoffice(documents, tmp_path):
    path = tmp_path / "通报.docx"
    path.write_bytes(documents["bulletin", "docx"])
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


# The charts ---------------------------------------------------------------------------------


def test_each_chart_is_drawn_for_the_demo(demo):
    december = figures.month_figures(DECEMBER)
    assert december.published and december.distribution.total == 186
    out = by_key(charts.month_charts(DECEMBER))
    assert len(out) == 8
    for key in ("distribution", "trend", "areas", "sources"):
        assert has_the_four_colours(out[key].svg), key
    words = texts(out["distribution"].svg)
    for m in marks.MARKS.values():
        assert m.name in words and str(december.distribution.count(m.key)) in words
    assert [f"{n}月" for n in range(1, 13)] == [s.label for s in december.trend]
    assert all(s.label in texts(out["trend"].svg) for s in december.trend)
    assert all(s.label in texts(out["areas"].svg) for s in december.areas)
    year = by_key(charts.year_charts(2021))
    assert len(year) == 4 and has_the_four_colours(year["months"].svg)
    months = figures.year_figures(2021).months
    assert [s.label for s in months] == [s.label for s in december.trend]
    assert months[-1].counts == december.distribution.counts
    assert all(s.label in texts(year["months"].svg) for s in months)


# The forecast -------------------------------------------------------------------------------


def test_the_2021_backtest_has_a_row_with_numbers_for_every_month_from_february(demo):
    out = StringIO()
    call_command("forecast", "--backtest", "--year", "2021", "--format", "json", stdout=out)
    data = json.loads(out.getvalue())
    months = {row["month"]: row for row in data["months"]}
    assert [f"2021-{m:02d}" for m in range(1, 13)] == sorted(months)
    for m in range(2, 13):
        row = months[f"2021-{m:02d}"]
        assert row["predicted"] > 0 and row["actual"] > 0, row
        assert 0 <= row["precision"] <= 100 and 0 <= row["recall"] <= 100, row
    total = data["total"]
    assert 0 < total["precision"] <= 100 and 0 < total["recall"] <= 100
    table = StringIO()
    call_command("forecast", "--backtest", "--year", "2021", stdout=table)
    assert len(table.getvalue().splitlines()) == 1 + 12 + 1


def test_the_page_forecasts_the_month_being_reported_for_the_office(demo):
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(User.objects.get(username="office"))
    page = client.get("/office/forecast/").content.decode()
    assert "2022年1月" in page and 'class="slip"' in page
    assert 'data-month="2021-12"' in page
