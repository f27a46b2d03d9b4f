import datetime as dt

import pytest
from django.core.management import call_command

from ducha.ledger.importing import ImportFailed, import_ledger, import_progress
from ducha.ledger.models import ImportRun, Progress
from tests.helpers import LEDGER_HEADER, PROGRESS_HEADER, ledger_row, write_csv


@pytest.fixture
def ledger(db, areas, tmp_path):
    rows = [ledger_row(node="N1", due="2021-03"), ledger_row(code="", node="N2", due="2021-06")]
    import_ledger(write_csv(tmp_path / "ledger.csv", LEDGER_HEADER, rows))


def progress_rows():
    return list(Progress.objects.values_list().order_by("id"))


def test_it_imports_the_sample_progress_csv_and_xlsx(db, sample_ledger):
    assert Progress.objects.count() == 226 + 227
    row = Progress.objects.get(task__code="HX-018", node__code="N3", month="2021-11-01")
    assert row.status == Progress.Status.DONE
    assert row.done_on == dt.date(2021, 11, 25)
    assert row.percent == 100
    assert row.origin == Progress.Origin.IMPORT
    assert row.import_run.kind == ImportRun.Kind.PROGRESS
    started = Progress.objects.get(task__code="HX-007", node__code="N1", month="2021-03-01")
    assert (started.status, started.percent) == (Progress.Status.IN_PROGRESS, 40)


def test_importing_the_sample_progress_again_changes_nothing(db, sample_ledger, samples):
    before = progress_rows()
    for name in ("progress.csv", "progress.xlsx"):
        summary = import_progress(samples / name)
        assert summary.created == summary.updated == 0
        assert not summary.changed
    assert progress_rows() == before


def test_the_command_says_when_nothing_changed(db, sample_ledger, samples, capsys):
    call_command("import_progress", str(samples / "progress.csv"))
    out = capsys.readouterr().out
    assert "进展：新增 0，更新 0，未变 226" in out
    assert "数据库没有变化" in out


def test_a_changed_row_is_updated_in_place(ledger, tmp_path):
    first = [["T-1", "N1", "2021-01", "推进中", "", "20%", "起草方案"]]
    import_progress(write_csv(tmp_path / "a.csv", PROGRESS_HEADER, first))
    second = [["T-1", "N1", "2021年1月", "推进中", "", "30", "征求意见"]]
    summary = import_progress(write_csv(tmp_path / "b.csv", PROGRESS_HEADER, second))
    assert summary.updated == 1
    row = Progress.objects.get()
    assert (row.percent, row.note) == (30, "征求意见")


@pytest.mark.parametrize(
    ("row", "expected"),
    [
        (
            ["T-1", "N1", "2021-01", "已完成", "", "", ""],
            "E列（完成日期）：状态为已完成时必须填写完成日期",
        ),
        (
            ["T-1", "N1", "2021-01", "已完成", "2021-02-01", "", ""],
            "E列（完成日期）：完成日期 2021-02-01 晚于报送月份 2021年1月 的月底",
        ),
        (["T-1", "N1", "2021-01", "推进中", "", "120%", ""], "F列（进度）：120 超出 0–100 的范围"),
        (
            ["T-1", "N1", "2021-01", "推进中", "", "一半", ""],
            "F列（进度）：「一半」不是 0–100 之间的数字",
        ),
        (
            ["T-1", "N1", "2021-01", "差不多", "", "", ""],
            "D列（状态）：「差不多」应为 未启动、推进中 或 已完成",
        ),
        (
            ["T-1", "N1", "2021-01", "未启动", "", "30", ""],
            "F列（进度）：状态为未启动，进度应为 0 或留空",
        ),
        (
            ["T-1", "N1", "2021-01", "推进中", "2021-01-05", "", ""],
            "E列（完成日期）：只有状态为已完成时",
        ),
        (["T-1", "N1", "2021-00", "推进中", "", "", ""], "C列（月份）：月份 0 不存在"),
        (["T-9", "N1", "2021-01", "推进中", "", "", ""], "A列（任务编号）：任务 T-9 不在台账中"),
        (["T-1", "N7", "2021-01", "推进中", "", "", ""], "B列（节点编号）：任务 T-1 没有节点 N7"),
    ],
)
def test_a_bad_row_is_named_and_nothing_is_written(ledger, tmp_path, row, expected):
    good = ["T-1", "N2", "2021-01", "推进中", "", "10", ""]
    path = write_csv(tmp_path / "p.csv", PROGRESS_HEADER, [good, row])
    with pytest.raises(ImportFailed) as excinfo:
        import_progress(path)
    assert str(excinfo.value.errors[0]).startswith(f"p.csv 第3行 {expected}")
    assert Progress.objects.count() == 0
    assert ImportRun.objects.filter(kind=ImportRun.Kind.PROGRESS).count() == 0


def test_duplicate_rows_for_one_node_and_month_are_an_error(ledger, tmp_path):
    rows = [["T-1", "N1", "2021-01", "推进中", "", "10", ""]]
    rows += [["T-1", "N1", "2021年1月", "推进中", "", "20", ""]]
    with pytest.raises(ImportFailed) as excinfo:
        import_progress(write_csv(tmp_path / "p.csv", PROGRESS_HEADER, rows))
    assert str(excinfo.value.errors[0]) == (
        "p.csv 第3行：与第2行重复：T-1/N1 在 2021年1月 已有一行"
    )


def test_done_means_100_percent_and_not_started_means_0(ledger, tmp_path):
    rows = [
        ["T-1", "N1", "2021-03", "已完成", "2021/3/15", "", ""],
        ["T-1", "N2", "2021-03", "未启动", "", "0%", ""],
    ]
    import_progress(write_csv(tmp_path / "p.csv", PROGRESS_HEADER, rows))
    assert dict(Progress.objects.values_list("node__code", "percent")) == {"N1": 100, "N2": 0}


def test_a_row_after_completion_is_kept_with_a_warning(ledger, tmp_path):
    rows = [
        ["T-1", "N1", "2021-02", "已完成", "2021-02-20", "", ""],
        ["T-1", "N1", "2021-03", "推进中", "", "50", ""],
    ]
    summary = import_progress(write_csv(tmp_path / "p.csv", PROGRESS_HEADER, rows))
    assert summary.created == 2
    assert any("此前已完成" in w and "T-1/N1（第3行）" in w for w in summary.warnings)
