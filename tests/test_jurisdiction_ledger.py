"""Each jurisdiction's own ledger: import, progress, export and the list of jurisdictions.

Two counties under the home city write the same task codes and the same unit names; what
is imported into one never touches the other, nor the city."""

import io
import json

import pytest
from django.core.management import CommandError, call_command
from openpyxl import load_workbook

from ducha.audit.models import AuditEntry
from ducha.ledger.exporting import export_ledger
from ducha.ledger.importing import ImportFailed, NewNames, Options, import_ledger, import_progress
from ducha.ledger.models import CoUnit, ImportRun, Node, Progress, Task
from ducha.org.models import Jurisdiction, Leader, Unit
from tests.helpers import LEDGER_HEADER, PROGRESS_HEADER, ledger_row, write_csv, write_xlsx

pytestmark = pytest.mark.django_db


@pytest.fixture
def places(areas):
    home = Jurisdiction.objects.home()
    county = Jurisdiction.Level.COUNTY
    decheng = Jurisdiction.objects.create(
        slug="decheng", name="德城区", level=county, parent=home, order=1
    )
    lingcheng = Jurisdiction.objects.create(
        slug="lingcheng", name="陵城区", level=county, parent=home, order=2
    )
    return {"home": home, "decheng": decheng, "lingcheng": lingcheng}


def ledger_file(path, *rows):
    rows = rows or (
        ledger_row(code="T-1", node="N1", due="2021-06"),
        ledger_row(code="T-1", node="N2", due="2021-09"),
    )
    return write_csv(path, LEDGER_HEADER, list(rows))


def into(jurisdiction, **options):
    return Options(jurisdiction=jurisdiction, **options)


def ledger_of(jurisdiction):
    """What a jurisdiction's ledger holds, by name: tasks, their lead units and nodes."""
    return sorted(
        (t.code, t.title, t.lead_unit.name, t.leader.name, n.code, str(n.due_month))
        for t in Task.objects.filter(jurisdiction=jurisdiction).select_related(
            "lead_unit", "leader"
        )
        for n in t.nodes.all()
    )


def run(*args) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_the_same_file_imported_into_two_counties_makes_two_ledgers(places, tmp_path):
    path = ledger_file(tmp_path / "l.csv")
    import_ledger(path, options=into(places["decheng"]))
    import_ledger(path, options=into(places["lingcheng"]))

    for county in ("decheng", "lingcheng"):
        j = places[county]
        task = Task.objects.get(jurisdiction=j, code="T-1")
        assert task.lead_unit.jurisdiction == j and task.leader.jurisdiction == j
        assert {c.unit.jurisdiction for c in CoUnit.objects.filter(task=task)} == {j}
        assert Unit.objects.filter(jurisdiction=j).count() == 3  # 工信局, 财政局, 德城区
        assert ImportRun.objects.get(jurisdiction=j).kind == ImportRun.Kind.LEDGER
    assert not Task.objects.filter(jurisdiction=places["home"]).exists()
    assert not Unit.objects.filter(jurisdiction=places["home"]).exists()
    imported = AuditEntry.objects.filter(action="ledger_imported").order_by("pk")
    assert [e.data().get("jurisdiction") for e in imported] == ["decheng", "lingcheng"]


def test_reimporting_a_changed_ledger_into_one_county_leaves_the_other_as_it_was(places, tmp_path):
    path = ledger_file(tmp_path / "l.csv")
    import_ledger(path, options=into(places["decheng"]))
    import_ledger(path, options=into(places["lingcheng"]))
    lingcheng_before = ledger_of(places["lingcheng"])

    changed = ledger_file(
        tmp_path / "c.csv",
        ledger_row(code="T-1", node="N1", due="2021-07", 牵头单位="市财政局", 任务名称="改名"),
        ledger_row(code="T-1", node="N2", due="2021-09", 牵头单位="市财政局", 任务名称="改名"),
        ledger_row(code="T-2", node="N1", due="2021-10"),
    )
    summary = import_ledger(changed, options=into(places["decheng"]))

    assert summary.tasks_created == 1 and summary.tasks_updated == 1
    assert "任务 T-1 牵头单位：市工业和信息化局 → 市财政局" in summary.changes
    assert ledger_of(places["lingcheng"]) == lingcheng_before
    decheng = ledger_of(places["decheng"])
    assert ("T-1", "改名", "市财政局", "赵明", "N1", "2021-07-01") in decheng
    assert {row[0] for row in decheng} == {"T-1", "T-2"}
    # The lead unit it moved to is the county's own 市财政局, not the other county's.
    task = Task.objects.get(jurisdiction=places["decheng"], code="T-1")
    assert task.lead_unit.jurisdiction == places["decheng"]


def test_the_summary_names_the_county_it_imported_into(places, tmp_path):
    summary = import_ledger(ledger_file(tmp_path / "l.csv"), options=into(places["decheng"]))
    assert summary.lines()[0].startswith("l.csv（德城区）：读取 2 行数据")
    home = import_ledger(ledger_file(tmp_path / "h.csv"))
    assert home.lines()[0] == "h.csv：读取 2 行数据"


def test_progress_lands_on_the_tasks_of_the_county_imported_into(places, tmp_path):
    path = ledger_file(tmp_path / "l.csv")
    import_ledger(path, options=into(places["decheng"]))
    import_ledger(path, options=into(places["lingcheng"]))
    progress = write_csv(
        tmp_path / "p.csv", PROGRESS_HEADER, [["T-1", "N1", "2021-03", "推进中", "", "40", "启动"]]
    )

    import_progress(progress, options=into(places["lingcheng"]))

    row = Progress.objects.get()
    assert row.task.jurisdiction == places["lingcheng"]
    assert row.node.task_id == row.task_id
    assert row.import_run.jurisdiction == places["lingcheng"]
    # The city has no task T-1: the same file is refused there, naming the ledger.
    with pytest.raises(ImportFailed, match="任务 T-1 不在台账中"):
        import_progress(progress)
    with pytest.raises(ImportFailed, match="任务 T-2 不在德城区的台账中"):
        import_progress(
            write_csv(tmp_path / "q.csv", PROGRESS_HEADER, [["T-2", "N1", "2021-03", "推进中"]]),
            options=into(places["decheng"]),
        )
    assert Progress.objects.count() == 1


def test_a_first_import_into_a_county_needs_no_confirmation_even_when_the_city_has_units(
    places, tmp_path
):
    import_ledger(ledger_file(tmp_path / "city.csv"))  # the city's own units and leaders
    summary = import_ledger(ledger_file(tmp_path / "l.csv"), options=into(places["decheng"]))
    assert set(summary.new_units) == {"市工业和信息化局", "市财政局", "德城区"}
    assert summary.new_leaders == ["赵明"]
    assert Unit.objects.filter(jurisdiction=places["decheng"]).count() == 3


def test_new_names_in_a_county_that_has_units_need_allow_new_units(places, tmp_path):
    import_ledger(ledger_file(tmp_path / "l.csv"), options=into(places["decheng"]))
    # The other county already has 区税务局; the city has 区税务局分局. Neither counts here.
    import_ledger(
        ledger_file(tmp_path / "o.csv", ledger_row(配合单位="区税务局")),
        options=into(places["lingcheng"]),
    )
    Unit.objects.create(jurisdiction=places["home"], name="区税务局分局")
    Leader.objects.create(jurisdiction=places["home"], name="钱红")
    newer = ledger_file(tmp_path / "n.csv", ledger_row(配合单位="区税务局", 分管市领导="钱红"))

    with pytest.raises(NewNames) as refused:
        import_ledger(newer, options=into(places["decheng"]))

    assert refused.value.names == ["区税务局", "钱红"]
    # Close names are looked for among the county's own units only.
    assert refused.value.summary.similar == {}
    assert not Unit.objects.filter(jurisdiction=places["decheng"], name="区税务局").exists()
    import_ledger(newer, options=into(places["decheng"], allow_new=True))
    assert Unit.objects.filter(name="区税务局").count() == 2  # one in each county
    assert Leader.objects.filter(name="钱红").count() == 2


def test_close_names_are_suggested_from_the_county_s_own_units(places, tmp_path):
    import_ledger(ledger_file(tmp_path / "l.csv"), options=into(places["decheng"]))
    with pytest.raises(NewNames) as refused:
        import_ledger(
            ledger_file(tmp_path / "n.csv", ledger_row(牵头单位="市工业信息化局")),
            options=into(places["decheng"]),
        )
    assert refused.value.summary.similar == {"市工业信息化局": "市工业和信息化局"}


def test_the_commands_take_a_jurisdiction_slug(places, tmp_path):
    path = ledger_file(tmp_path / "l.csv")
    out = run("import_ledger", str(path), "--jurisdiction", "decheng")
    assert "（德城区）" in out
    progress = write_csv(tmp_path / "p.csv", PROGRESS_HEADER, [["T-1", "N1", "2021-03", "推进中"]])
    run("import_progress", str(progress), "--jurisdiction", "decheng")
    assert Progress.objects.get().task.jurisdiction == places["decheng"]
    assert not Task.objects.filter(jurisdiction=places["home"]).exists()


@pytest.mark.parametrize("command", ["import_ledger", "import_progress"])
def test_an_unknown_jurisdiction_is_refused_naming_those_there_are(places, tmp_path, command):
    path = ledger_file(tmp_path / "l.csv")
    with pytest.raises(CommandError, match="没有标识为「dezhou」的辖区") as refused:
        run(command, str(path), "--jurisdiction", "dezhou")
    assert "city、decheng、lingcheng" in str(refused.value)
    assert not ImportRun.objects.exists()


def test_the_command_s_new_units_rule_is_the_county_s(places, tmp_path):
    import_ledger(ledger_file(tmp_path / "l.csv"), options=into(places["decheng"]))
    newer = ledger_file(tmp_path / "n.csv", ledger_row(配合单位="区税务局"))
    with pytest.raises(CommandError, match="--allow-new-units"):
        run("import_ledger", str(newer), "--jurisdiction", "decheng")
    # The same file into the other county is its first import: no confirmation.
    run("import_ledger", str(newer), "--jurisdiction", "lingcheng")
    assert Unit.objects.filter(jurisdiction=places["lingcheng"], name="区税务局").exists()


# --- a file that says whose it is ------------------------------------------------------

WHOSE_HEADER = ["辖区", *LEDGER_HEADER]


def whose_file(path, *values):
    rows = [
        [value, *ledger_row(code="T-1", node=f"N{i}", due="2021-06")]
        for i, value in enumerate(values, start=1)
    ]
    return write_xlsx(path, WHOSE_HEADER, rows)


def test_a_jurisdiction_column_naming_the_county_imported_into_is_read(places, tmp_path):
    path = whose_file(tmp_path / "w.xlsx", "德城区", "decheng", "")
    summary = import_ledger(path, options=into(places["decheng"]))
    assert summary.created == 3
    assert not any("未识别的列" in w for w in summary.warnings)
    assert Node.objects.filter(task__jurisdiction=places["decheng"]).count() == 3


def test_a_county_s_file_imported_without_jurisdiction_is_refused_naming_the_option(
    places, tmp_path
):
    path = whose_file(tmp_path / "w.xlsx", "德城区", "德城区")
    with pytest.raises(ImportFailed) as refused:
        import_ledger(path)
    text = str(refused.value)
    assert "第2行 A列（辖区）" in text and "第3行 A列（辖区）" in text
    assert "请用 --jurisdiction decheng 导入" in text
    assert not Task.objects.exists()


def test_a_file_mixing_counties_is_refused_at_the_rows_of_the_other(places, tmp_path):
    path = whose_file(tmp_path / "w.xlsx", "德城区", "陵城区", "德州市开发区")
    with pytest.raises(ImportFailed) as refused:
        import_ledger(path, options=into(places["decheng"]))
    errors = {e.row: e.message for e in refused.value.errors}
    assert set(errors) == {3, 4}
    assert "本行属于「陵城区」" in errors[3] and "--jurisdiction lingcheng" in errors[3]
    assert "「德州市开发区」不是已知的辖区" in errors[4]
    assert not Task.objects.exists()


def test_a_progress_file_s_jurisdiction_column_is_checked_too(places, tmp_path):
    import_ledger(ledger_file(tmp_path / "l.csv"), options=into(places["decheng"]))
    header = ["县市区", *PROGRESS_HEADER]
    path = write_csv(tmp_path / "p.csv", header, [["陵城区", "T-1", "N1", "2021-03", "推进中"]])
    with pytest.raises(ImportFailed, match="--jurisdiction lingcheng"):
        import_progress(path, options=into(places["decheng"]))
    assert not Progress.objects.exists()


# --- export ------------------------------------------------------------------------------


@pytest.fixture
def three_ledgers(places, tmp_path):
    """The city leads C-1; 德城区 has T-1 and T-2; 陵城区 T-1 with other dates."""
    import_ledger(ledger_file(tmp_path / "c.csv", ledger_row(code="C-1", due="2021-05")))
    import_ledger(
        ledger_file(
            tmp_path / "d.csv",
            ledger_row(code="T-1", node="N1", due="2021-06"),
            ledger_row(code="T-2", node="N1", due="2021-08", 牵头单位="市财政局"),
        ),
        options=into(places["decheng"]),
    )
    import_ledger(
        ledger_file(tmp_path / "l.csv", ledger_row(code="T-1", node="N1", due="2021-11")),
        options=into(places["lingcheng"]),
    )
    return places


def test_a_county_s_export_holds_its_own_tasks_and_names_it_on_every_row(three_ledgers, tmp_path):
    path = tmp_path / "d.xlsx"
    assert export_ledger(path, jurisdiction=three_ledgers["decheng"]) == 2
    sheet = load_workbook(path).active
    assert [c.value for c in sheet[1]][: len(LEDGER_HEADER) + 1] == WHOSE_HEADER
    rows = [[c.value for c in row] for row in sheet.iter_rows(min_row=2)]
    assert [(r[0], r[1], r[10]) for r in rows] == [
        ("德城区", "T-1", "2021-06"),
        ("德城区", "T-2", "2021-08"),
    ]
    assert sheet.oddHeader.right.text.startswith("德城区改革任务台账")


def test_the_city_s_export_is_as_before_without_the_counties_tasks(three_ledgers, tmp_path):
    path = tmp_path / "c.xlsx"
    assert export_ledger(path) == 1
    sheet = load_workbook(path).active
    assert [c.value for c in sheet[1]][: len(LEDGER_HEADER)] == LEDGER_HEADER
    assert sheet["A2"].value == "C-1"


def test_a_county_s_export_imports_back_unchanged_and_only_into_that_county(
    three_ledgers, tmp_path
):
    places = three_ledgers
    before = {slug: ledger_of(places[slug]) for slug in places}
    path = tmp_path / "d.xlsx"
    out = run("export_ledger", "-o", str(path), "--jurisdiction", "decheng")
    assert out.strip() == f"已导出德城区台账 2 个节点行到 {path}"

    summary = import_ledger(path, options=into(places["decheng"]))
    assert not summary.changed and summary.unchanged == 2
    for wrong in (None, places["lingcheng"]):
        with pytest.raises(ImportFailed, match="--jurisdiction decheng"):
            import_ledger(path, options=into(wrong))
    assert {slug: ledger_of(places[slug]) for slug in places} == before


def test_export_refuses_an_unknown_jurisdiction(places, tmp_path):
    with pytest.raises(CommandError, match="现有：city、decheng、lingcheng"):
        run("export_ledger", "-o", str(tmp_path / "x.xlsx"), "--jurisdiction", "nope")


# --- the list of jurisdictions -------------------------------------------------------------


def test_jurisdictions_lists_the_tree_in_order_as_json(places):
    province = Jurisdiction.objects.create(
        slug="shandong", name="山东省", level=Jurisdiction.Level.PROVINCE
    )
    home = places["home"]
    home.parent = province
    home.save()
    # Created last but ordered before 德州市: a sibling city and its county follow it.
    jinan = Jurisdiction.objects.create(slug="jinan", name="济南市", parent=province, order=2)
    Jurisdiction.objects.create(
        slug="licheng", name="历城区", level=Jurisdiction.Level.COUNTY, parent=jinan
    )

    listed = json.loads(run("jurisdictions", "--format", "json"))["jurisdictions"]

    assert listed == [
        {"slug": "shandong", "name": "山东省", "level": "province", "parent": None, "home": False},
        {"slug": "city", "name": "德州市", "level": "city", "parent": "shandong", "home": True},
        {"slug": "decheng", "name": "德城区", "level": "county", "parent": "city", "home": False},
        {"slug": "lingcheng", "name": "陵城区", "level": "county", "parent": "city", "home": False},
        {"slug": "jinan", "name": "济南市", "level": "city", "parent": "shandong", "home": False},
        {"slug": "licheng", "name": "历城区", "level": "county", "parent": "jinan", "home": False},
    ]


def test_jurisdictions_as_a_table_marks_the_home_one(places):
    out = run("jurisdictions")
    lines = out.splitlines()
    assert "德州市（本级）" in lines[1]
    assert lines[2].startswith("decheng") and "  德城区" in lines[2] and lines[2].endswith("city")
