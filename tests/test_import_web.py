"""The office's import in the browser, in two steps: a preview that writes nothing and flags
every unit and leader the database does not have, then the import, which creates new names
only when the office ticks that it means them."""

import os
import stat
import time

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from openpyxl import Workbook

from ducha.audit.models import AuditEntry
from ducha.ledger.models import CoUnit, ImportRun, Node, Progress, Task
from ducha.ledger.views import SESSION_KEY
from ducha.org.models import Leader, Unit, User
from tests.conftest import PASSWORD
from tests.helpers import LEDGER_HEADER, PROGRESS_HEADER, ledger_row, write_csv

PAGE, CONFIRM = "/office/ledger/", "/office/ledger/confirm/"
NEW_UNIT = "市工业和信息化委"  # a clerk's slip for 市工业和信息化局


@pytest.fixture(autouse=True)
def staging(settings, tmp_path):
    """Staged uploads go under this test's own shared folder."""
    settings.DUCHA_SHARED_DIR = tmp_path / "var"
    return settings.DUCHA_SHARED_DIR / "import-staging"


@pytest.fixture
def office(cycle):
    client = Client()
    client.force_login(cycle["office"])
    return client


def counts() -> dict[str, int]:
    models = (Task, Node, CoUnit, Unit, Leader, ImportRun, Progress, AuditEntry)
    return {m.__name__: m.objects.count() for m in models}


def ledger_file(tmp_path, *rows, name="台账.csv") -> SimpleUploadedFile:
    path = write_csv(tmp_path / "upload.csv", LEDGER_HEADER, list(rows))
    return SimpleUploadedFile(name, path.read_bytes())


def with_new_unit(tmp_path) -> SimpleUploadedFile:
    return ledger_file(tmp_path, ledger_row(code="T-9", 牵头单位=NEW_UNIT))


def preview(client, upload, **fields):
    return client.post(PAGE, {"kind": "ledger", "file": upload, **fields})


def token_of(client) -> str:
    (token,) = client.session[SESSION_KEY]
    return token


def test_the_preview_writes_nothing_and_flags_the_new_unit_with_the_closest_name(office, tmp_path):
    before = counts()
    response = preview(office, with_new_unit(tmp_path))
    page = response.content.decode()
    assert response.status_code == 200
    assert counts() == before
    assert "预览（未写入任何数据）" in page
    assert "任务：将新增 1 项，将更新 0 项" in page
    assert f"「{NEW_UNIT}」" in page and "与已有「市工业和信息化局」相近" in page
    assert "确认新建以上 1 个单位/市领导" in page
    assert 'name="allow_new" value="1" required' in page


def test_the_preview_lists_what_would_change(office, tmp_path):
    upload = ledger_file(tmp_path, ledger_row(code="T-1", node="N1", 牵头单位="市财政局"))
    page = preview(office, upload).content.decode()
    assert "任务：将新增 0 项，将更新 1 项" in page
    assert "牵头单位" in page and "市工业和信息化局 → 市财政局" in page
    assert "allow_new" not in page  # nothing new to confirm
    assert Task.objects.get(code="T-1").lead_unit.name == "市工业和信息化局"


def test_importing_without_the_confirmation_writes_nothing_and_says_why(office, tmp_path):
    preview(office, with_new_unit(tmp_path))
    before = counts()
    response = office.post(CONFIRM, {"token": token_of(office)})
    page = response.content.decode()
    assert response.status_code == 400
    assert "未勾选“确认新建”，未导入任何数据" in page
    assert f"「{NEW_UNIT}」" in page and "确认新建以上 1 个单位/市领导" in page
    assert counts() == before
    assert not Unit.objects.filter(name=NEW_UNIT).exists()


def test_importing_with_the_confirmation_creates_the_new_unit(office, tmp_path, staging, cycle):
    preview(office, with_new_unit(tmp_path))
    token = token_of(office)
    assert len(list(staging.iterdir())) == 1
    response = office.post(CONFIRM, {"token": token, "allow_new": "1"})
    page = response.content.decode()
    assert response.status_code == 200 and "导入完成" in page
    assert Task.objects.get(code="T-9").lead_unit.name == NEW_UNIT
    assert AuditEntry.objects.filter(action="ledger_imported", actor=cycle["office"]).exists()
    # The staged file and its session entry are gone: the same token cannot import twice.
    assert list(staging.iterdir()) == []
    assert office.session[SESSION_KEY] == {}
    again = office.post(CONFIRM, {"token": token, "allow_new": "1"})
    assert again.status_code == 400 and "找不到这次导入的预览" in again.content.decode()


def test_a_file_with_nothing_new_imports_without_a_checkbox(office, tmp_path):
    preview(office, ledger_file(tmp_path, ledger_row(code="T-9")))
    response = office.post(CONFIRM, {"token": token_of(office)})
    assert response.status_code == 200 and "导入完成" in response.content.decode()
    assert Task.objects.filter(code="T-9").exists()


def test_names_that_changed_since_the_preview_are_shown_again_not_written(office, tmp_path):
    """The database changed between the two steps: the office confirms what it now sees."""
    preview(office, with_new_unit(tmp_path))
    token = token_of(office)
    Unit.objects.filter(name="德城区").update(name="德城区人民政府")  # a co-unit of the file
    before = counts()
    response = office.post(CONFIRM, {"token": token, "allow_new": "1"})
    page = response.content.decode()
    assert response.status_code == 409
    assert "预览之后数据库有变化" in page
    assert "「德城区」" in page and "确认新建以上 2 个单位/市领导" in page
    assert counts() == before
    # Confirming the new preview imports it.
    response = office.post(CONFIRM, {"token": token, "allow_new": "1"})
    assert response.status_code == 200 and "导入完成" in response.content.decode()
    assert Unit.objects.filter(name__in=[NEW_UNIT, "德城区"]).count() == 2


def test_the_first_import_into_an_empty_database_also_asks(db, areas, tmp_path):
    """The command line lets a first import create every name; the web still asks."""
    clerk = User.objects.create_user("clerk", password=PASSWORD, role=User.Role.OFFICE)
    client = Client()
    client.force_login(clerk)
    page = preview(client, ledger_file(tmp_path, ledger_row(code="T-1"))).content.decode()
    assert "确认新建以上 4 个单位/市领导" in page  # three units and one leader
    response = client.post(CONFIRM, {"token": token_of(client)})
    assert response.status_code == 400
    assert Unit.objects.count() == Leader.objects.count() == Task.objects.count() == 0
    response = client.post(CONFIRM, {"token": token_of(client), "allow_new": "1"})
    assert response.status_code == 200
    assert Unit.objects.count() == 3 and Leader.objects.count() == 1


def test_a_token_from_another_session_or_user_is_refused(office, cycle, tmp_path):
    preview(office, with_new_unit(tmp_path))
    token = token_of(office)
    colleague = User.objects.create_user("office2", password=PASSWORD, role=User.Role.OFFICE)
    for user in (cycle["office"], colleague):  # the same person signed in elsewhere, too
        other = Client()
        other.force_login(user)
        before = counts()
        response = other.post(CONFIRM, {"token": token, "allow_new": "1"})
        assert response.status_code == 400
        assert "找不到这次导入的预览" in response.content.decode()
        assert counts() == before
    # The owner's preview still stands.
    assert office.post(CONFIRM, {"token": token, "allow_new": "1"}).status_code == 200


@pytest.mark.parametrize("role", ["reporter", "head", "other_reporter", "leader", "auditor"])
def test_only_the_office_may_post_either_step(cycle, office, role, tmp_path):
    preview(office, with_new_unit(tmp_path))
    token = token_of(office)
    client = Client()
    client.force_login(cycle[role])
    before = counts()
    assert preview(client, with_new_unit(tmp_path)).status_code == 403
    assert client.post(CONFIRM, {"token": token, "allow_new": "1"}).status_code == 403
    assert counts() == before


def test_anonymous_visitors_are_sent_to_sign_in(cycle):
    assert Client().post(CONFIRM, {"token": "x"}).status_code == 302


def test_the_confirm_step_takes_no_get(office):
    assert office.get(CONFIRM).status_code == 405


def test_a_refused_file_keeps_the_kind_and_options_chosen(office, tmp_path):
    fields = {"sheet": "进展", "year": "2021", "hidden": "skip", "mapping": "备注=忽略"}
    upload = SimpleUploadedFile("进展.xls", b"\xd0\xcf\x11\xe0 old excel")
    response = office.post(PAGE, {"kind": "progress", "file": upload, **fields})
    page = response.content.decode()
    assert response.status_code == 400
    assert "进展.xls" in page
    assert 'value="progress" checked' in page and 'value="ledger" checked' not in page
    assert 'name="sheet" value="进展"' in page and 'name="year" value="2021"' in page
    assert 'value="skip" checked' in page and ">备注=忽略</textarea>" in page


def test_a_mapping_the_importer_cannot_read_is_shown_beside_the_field(office, tmp_path):
    before = counts()
    response = preview(office, with_new_unit(tmp_path), mapping="责任单位=负责人")
    page = response.content.decode()
    assert response.status_code == 400
    assert "不是可导入的字段" in page and ">责任单位=负责人</textarea>" in page
    assert counts() == before


def test_a_year_that_is_not_four_digits_is_refused_and_kept(office, tmp_path):
    response = preview(office, with_new_unit(tmp_path), year="２０２１")
    page = response.content.decode()
    assert response.status_code == 400
    assert "年度应为四位数字" in page and 'value="２０２１"' in page


def test_the_staged_file_is_read_again_with_new_options(office, tmp_path):
    """Two sheets look like the ledger: the office names one without choosing the file again."""
    workbook = Workbook()
    for title, code in (("台账A", "T-8"), ("台账B", "T-9")):
        sheet = workbook.create_sheet(title)
        sheet.append(LEDGER_HEADER)
        sheet.append(ledger_row(code=code))
    workbook.remove(workbook["Sheet"])
    path = tmp_path / "两张表.xlsx"
    workbook.save(path)
    upload = SimpleUploadedFile("两张表.xlsx", path.read_bytes())
    response = preview(office, upload)
    page = response.content.decode()
    assert response.status_code == 400 and "台账A" in page and "台账B" in page
    token = token_of(office)
    assert f'name="staged" value="{token}"' in page
    response = office.post(PAGE, {"kind": "ledger", "staged": token, "sheet": "台账B"})
    page = response.content.decode()
    assert response.status_code == 200 and "两张表.xlsx 工作表「台账B」" in page
    assert office.post(CONFIRM, {"token": token}).status_code == 200
    assert list(Task.objects.filter(code__in=["T-8", "T-9"]).values_list("code", flat=True)) == [
        "T-9"
    ]


def test_a_stale_token_says_the_file_is_gone(office, tmp_path, staging):
    preview(office, with_new_unit(tmp_path))
    for path in staging.iterdir():
        path.unlink()
    before = counts()
    response = office.post(CONFIRM, {"token": token_of(office), "allow_new": "1"})
    assert response.status_code == 400
    assert "上传的文件已过期清理" in response.content.decode()
    assert counts() == before


def test_a_staged_file_that_was_changed_on_disk_is_not_imported(office, tmp_path, staging):
    preview(office, with_new_unit(tmp_path))
    (path,) = staging.iterdir()
    path.write_bytes(path.read_bytes().replace(b"T-9", b"T-7"))
    response = office.post(CONFIRM, {"token": token_of(office), "allow_new": "1"})
    assert response.status_code == 400
    assert not Task.objects.filter(code__in=["T-7", "T-9"]).exists()


def test_the_staged_file_is_private(office, tmp_path, staging):
    preview(office, with_new_unit(tmp_path))
    (path,) = staging.iterdir()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(staging.stat().st_mode) == 0o700
    assert path.name.startswith(token_of(office)) and "台账" not in path.name


def test_uploads_older_than_an_hour_are_swept_by_the_next_upload_and_never_by_a_get(
    office, tmp_path, staging
):
    preview(office, with_new_unit(tmp_path))
    (recent,) = staging.iterdir()
    old = staging / "abandoned.xlsx"
    old.write_bytes(b"x")
    two_hours_ago = time.time() - 7200
    os.utime(old, (two_hours_ago, two_hours_ago))
    assert office.get(PAGE).status_code == 200
    assert old.exists()
    preview(office, ledger_file(tmp_path, ledger_row(code="T-9")))
    assert not old.exists() and recent.exists()


def test_a_progress_file_is_previewed_then_imported(office, tmp_path):
    path = write_csv(
        tmp_path / "p.csv",
        PROGRESS_HEADER,
        [["T-1", "N1", "2021-06", "已完成", "2021-06-20", "", "印发方案"]],
    )
    upload = SimpleUploadedFile("进展.csv", path.read_bytes())
    response = office.post(PAGE, {"kind": "progress", "file": upload})
    page = response.content.decode()
    assert response.status_code == 200 and "进展：将新增 1 条" in page
    assert Progress.objects.count() == 0
    response = office.post(CONFIRM, {"token": token_of(office)})
    assert response.status_code == 200 and "导入完成" in response.content.decode()
    assert Progress.objects.count() == 1


def test_htmx_gets_the_working_area_alone_even_when_refused(office, tmp_path):
    """A refusal is what the office must read: base.html has htmx swap a 400 in."""
    data = {"kind": "ledger", "file": with_new_unit(tmp_path)}
    response = office.post(PAGE, data, HTTP_HX_REQUEST="true")
    page = response.content.decode()
    assert response.status_code == 200 and "<html" not in page
    assert page.lstrip().startswith('<div id="import-work">') and "确认新建以上" in page
    response = office.post(CONFIRM, {"token": token_of(office)}, HTTP_HX_REQUEST="true")
    page = response.content.decode()
    assert response.status_code == 400 and "<html" not in page
    assert "未勾选“确认新建”" in page and not Unit.objects.filter(name=NEW_UNIT).exists()


def test_the_page_links_the_templates(office):
    page = office.get(PAGE).content.decode()
    assert 'href="/office/ledger/template/ledger.xlsx"' in page
    assert 'href="/office/ledger/template/progress.xlsx"' in page
