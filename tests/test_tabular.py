"""Reading files: encodings, layouts, and refusing hostile files fast in bounded memory."""

import json
import subprocess
import sys
import zipfile

import pytest
from openpyxl import Workbook

from ducha.lib.tabular import FileRefused, Limits, read_table
from tests.conftest import ROOT

MB = 1024 * 1024


def test_it_reads_utf8_utf8_bom_gbk_and_gb18030_csv(tmp_path):
    text = "任务编号,任务名称\nT-1,推进“无证明城市”建设\n"
    for encoding in ("utf-8", "utf-8-sig", "gbk", "gb18030"):
        path = tmp_path / f"{encoding}.csv"
        path.write_bytes(text.encode(encoding))
        table = read_table(path)
        assert table.rows[0][1] == ["任务编号", "任务名称"], encoding
        assert table.rows[1][1][1] == "推进“无证明城市”建设", encoding


def test_bytes_in_no_known_encoding_are_refused_with_the_line(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_bytes(b"a,b\n" + b"\xff\xfe\xfd,x\n")
    with pytest.raises(FileRefused, match="第2行有无法识别的字符"):
        read_table(path)


def test_percent_formatted_cells_read_as_percents(tmp_path):
    workbook = Workbook()
    cell = workbook.active.cell(row=1, column=1, value=0.4)
    cell.number_format = "0%"
    workbook.save(tmp_path / "p.xlsx")
    assert read_table(tmp_path / "p.xlsx").rows[0][1] == ["40%"]


def test_merged_cells_fill_the_rows_they_cover(tmp_path):
    workbook = Workbook()
    sheet = workbook.active
    for row in (["T-1", "N1"], [None, "N2"], [None, "N3"]):
        sheet.append(row)
    sheet.merge_cells("A1:A3")
    workbook.save(tmp_path / "m.xlsx")
    assert [cells for _, cells in read_table(tmp_path / "m.xlsx").rows] == [
        ["T-1", "N1"],
        ["T-1", "N2"],
        ["T-1", "N3"],
    ]


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("x.xlsx", b"task_code,node_code\n", "内容不是 Excel（xlsx）文件"),
        ("x.xlsx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100, "旧版 .xls"),
        ("x.csv", b"PK\x03\x04" + b"\0" * 100, "内容不是文本 CSV 文件"),
        ("x.csv", b"MZ\x90\x00\x03\x00\x00\x00", "内容不是文本 CSV 文件"),
        ("x.xlsx", b"PK\x03\x04broken", "文件已损坏"),
        ("x.pdf", b"%PDF-1.4", "只能导入 .xlsx 或 .csv 文件"),
    ],
)
def test_a_file_that_is_not_what_its_extension_says_is_refused(tmp_path, name, content, message):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(FileRefused, match=message):
        read_table(path)


@pytest.mark.parametrize(
    ("name", "content", "kind"),
    [
        ("台账.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100, "旧版 .xls 文件"),
        ("台账.xlsx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100, "旧版 .xls 文件"),
        ("台账.et", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100, "WPS 表格"),
        ("台账.ods", b"PK\x03\x04" + b"\0" * 100, "LibreOffice 的 .ods 文件"),
        ("台账.pdf", b"%PDF-1.4", "只能导入 .xlsx 或 .csv 文件"),
    ],
)
def test_a_refused_format_says_how_to_save_it_in_the_programs_clerks_use(
    tmp_path, name, content, kind
):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(FileRefused) as excinfo:
        read_table(path)
    message = str(excinfo.value)
    assert message.startswith(f"{name}：") and kind in message
    assert message.endswith("请在 Excel、WPS 或 LibreOffice 中另存为 .xlsx 后再导入")


# --- hostile files ---------------------------------------------------------------------


def _minimal_xlsx(path, sheet_xml: bytes) -> None:
    """A real workbook whose first sheet is replaced by `sheet_xml`."""
    workbook = Workbook()
    workbook.active.append(["任务编号"])
    workbook.save(path)
    with zipfile.ZipFile(path) as src:
        parts = {i.filename: src.read(i) for i in src.infolist()}
    parts["xl/worksheets/sheet1.xml"] = sheet_xml
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        for name, data in parts.items():
            out.writestr(name, data)


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    folder = tmp_path_factory.mktemp("hostile")
    # A zip bomb: 1 GiB of zeros in one sheet, about 1 MB on disk.
    bomb = folder / "bomb.xlsx"
    _minimal_xlsx(bomb, b"<worksheet/>")
    with (
        zipfile.ZipFile(bomb, "a", zipfile.ZIP_DEFLATED, compresslevel=9) as z,
        z.open("xl/worksheets/sheet2.xml", "w", force_zip64=True) as f,
    ):
        chunk = b"\0" * MB
        for _ in range(1024):
            f.write(chunk)
    # Billion laughs in the sheet XML.
    laughs = [b'<!ENTITY lol0 "lol">']
    laughs += [f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">'.encode() for i in range(1, 10)]
    xxe = folder / "xxe.xlsx"
    _minimal_xlsx(
        xxe,
        b'<?xml version="1.0"?><!DOCTYPE worksheet [' + b"".join(laughs) + b"]>"
        b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        b'<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>&lol9;</t></is></c></row>'
        b"</sheetData></worksheet>",
    )
    # External entity, with the DTD pushed past the cheap pre-scan by a long comment:
    # defusedxml must refuse it.
    external = folder / "external.xlsx"
    _minimal_xlsx(
        external,
        b'<?xml version="1.0"?><!--' + b"x" * 100_000 + b"-->"
        b'<!DOCTYPE worksheet [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
        b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        b'<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>&xxe;</t></is></c></row>'
        b"</sheetData></worksheet>",
    )
    # Over the size limit (sparse, so it costs no disk).
    big = folder / "big.csv"
    with big.open("wb") as f:
        f.truncate(25 * MB)
    return {"bomb": bomb, "xxe": xxe, "external": external, "big": big}


PROBE = """
import json, resource, sys, time
from ducha.lib.tabular import FileRefused, read_table
base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
start = time.perf_counter()
try:
    read_table(sys.argv[1])
    outcome = "accepted"
except FileRefused as e:
    outcome = str(e)
elapsed = time.perf_counter() - start
extra = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - base) / 1024
print(json.dumps({"outcome": outcome, "seconds": elapsed, "extra_mb": extra}))
"""


@pytest.mark.parametrize(
    ("key", "message"),
    [
        ("bomb", "可能是压缩炸弹"),
        ("xxe", "含有 DTD/实体声明"),
        ("external", "含有 DTD/实体声明"),
        ("big", "超过上限 20 MB"),
    ],
)
def test_a_hostile_file_is_refused_in_under_2s_and_200mb(hostile, key, message):
    # A fresh process, so that its peak memory is this file's alone.
    result = subprocess.run(
        [sys.executable, "-c", PROBE, str(hostile[key])],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=True,
    )
    report = json.loads(result.stdout)
    assert message in report["outcome"]
    assert report["seconds"] < 2
    assert report["extra_mb"] < 200


def test_the_zip_limits_count_members_too(tmp_path):
    path = tmp_path / "many.xlsx"
    with zipfile.ZipFile(path, "w") as z:
        for i in range(50):
            z.writestr(f"x{i}.txt", b"")
    with pytest.raises(FileRefused, match="50 个文件"):
        read_table(path, Limits(max_zip_members=10))


def test_row_count_is_capped(tmp_path):
    path = tmp_path / "rows.csv"
    path.write_text("a\n" * 200)
    with pytest.raises(FileRefused, match="超过 100 行的上限"):
        read_table(path, Limits(max_rows=100))
