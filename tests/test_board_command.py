"""`ducha board`: the published board as JSON, CSV, xlsx and the printable PDF poster."""

import csv
import io
import json
import shutil
import subprocess
import zipfile

import pytest
from django.core.management import CommandError, call_command
from openpyxl import load_workbook

from ducha.boards import poster
from ducha.boards.publication import publish
from ducha.ledger.models import Task
from ducha.ratings import marks
from ducha.ratings.monthly import override_rating

JUNE = "2021-06"


@pytest.fixture
def june(sample_ledger):
    import datetime as dt

    task = Task.objects.get(code="HX-003")
    task.title = '=HYPERLINK("http://evil","点我")'
    task.save()
    override_rating(Task.objects.get(code="HX-001"), dt.date(2021, 6, 1), "horse", "+提前完成试点")
    return publish(dt.date(2021, 6, 1)).publication


def test_an_unpublished_month_is_a_clear_error(sample_ledger):
    with pytest.raises(CommandError, match="2021年6月尚未发布"):
        call_command("board", "--month", JUNE)


def test_json_is_the_snapshot_with_its_hash(june, capsys):
    call_command("board", "--month", JUNE, "--format", "json")
    board = json.loads(capsys.readouterr().out)
    assert (board["version"], board["sha256"], board["previous"]) == (1, june.sha256, None)
    assert board["month"] == JUNE and len(board["tasks"]) == 24
    assert {u["unit"] for u in board["units"]} >= {"市工业和信息化局"}


def test_csv_keeps_formula_like_text_as_text(june, tmp_path):
    path = tmp_path / "b.csv"
    call_command("board", "--month", JUNE, "--format", "csv", "-o", str(path))
    text = path.read_text(encoding="utf-8-sig")
    rows = {r["任务编号"]: r for r in csv.DictReader(io.StringIO(text))}
    assert rows["HX-003"]["任务名称"] == '\'=HYPERLINK("http://evil","点我")'
    assert rows["HX-001"]["评价"] == "骏马（调整）" and rows["HX-001"]["颜色"] == "红"


def test_xlsx_uses_the_four_colours_and_never_formulas(june, tmp_path):
    path = tmp_path / "b.xlsx"
    call_command("board", "--month", JUNE, "--format", "xlsx", "-o", str(path))
    sheet = load_workbook(path)["2021-06四色公示"]
    cells = {sheet.cell(row=r, column=1).value: r for r in range(3, 30)}
    title = sheet.cell(row=cells["HX-003"], column=3)
    assert title.value.startswith("=HYPERLINK") and title.data_type == "s"
    horse = sheet.cell(row=cells["HX-001"], column=7)
    assert horse.value == "骏马（调整）"
    assert horse.fill.fgColor.rgb.endswith(marks.HORSE.solid[1:])  # red is the best mark
    with zipfile.ZipFile(path) as z:
        assert b"<f>" not in z.read("xl/worksheets/sheet1.xml")
    assert load_workbook(path)["单位汇总"]["B2"].value


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="needs poppler-utils")
def test_the_pdf_poster_renders_with_the_title_and_four_animal_names(june, tmp_path, artifacts):
    path = artifacts / "poster-2021-06.pdf"
    call_command("board", "--month", JUNE, "--format", "pdf", "-o", str(path))
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True).stdout
    assert "德州市改革任务“四色”督查公示" in text
    assert "2021年6月" in text
    for name in ("骏马", "黄牛", "鸵鸟", "蜗牛"):
        assert name in text
    assert june.sha256 in text.replace("\n", "")
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True).stdout
    assert "841.89 x 1190.55 pts (A3)" in info
    subprocess.run(
        [
            "pdftoppm",
            "-png",
            "-r",
            "60",
            "-f",
            "1",
            "-l",
            "1",
            str(path),
            str(artifacts / "poster"),
        ],
        check=True,
    )
    assert (artifacts / "poster-1.png").stat().st_size > 10_000


def test_without_a_cjk_font_the_pdf_says_what_to_install(june, tmp_path, monkeypatch):
    monkeypatch.setattr(poster.shutil, "which", lambda name: None)
    with pytest.raises(CommandError, match="fonts-noto-cjk"):
        call_command("board", "--month", JUNE, "--format", "pdf", "-o", str(tmp_path / "x.pdf"))
