"""The `ducha` console script as a user runs it: exit codes and messages."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT
from tests.helpers import LEDGER_HEADER, ledger_row, write_xlsx


@pytest.fixture(scope="module")
def cli(tmp_path_factory):
    folder = tmp_path_factory.mktemp("cli")
    env = {
        **os.environ,
        "DUCHA_VAR_DIR": str(folder),
        "DATABASE_URL": f"sqlite:///{folder}/cli.sqlite3",  # folder is absolute: four slashes
    }

    def run(*args):
        return subprocess.run(
            [sys.executable, "-m", "ducha", *args],
            capture_output=True,
            text=True,
            cwd=ROOT,
            env=env,
        )

    assert run("migrate", "--noinput").returncode == 0
    return run


def test_a_bad_cell_exits_non_zero_naming_row_and_column(cli, tmp_path):
    rows = [ledger_row(), ledger_row(code="T-2", due="2021-13")]
    path = write_xlsx(tmp_path / "bad.xlsx", LEDGER_HEADER, rows)
    result = cli("import-ledger", str(path))
    assert result.returncode != 0
    assert "bad.xlsx 工作表「Sheet」 第3行 J列（完成时限）：月份 13 不存在" in result.stderr
    assert "未导入任何数据" in result.stderr
    check = cli("export-ledger", "-o", str(tmp_path / "out.xlsx"))
    assert check.returncode == 0
    assert "已导出 0 个节点行" in check.stdout


def test_hyphenated_commands_work_and_a_second_import_changes_nothing(cli, samples):
    first = cli("import-ledger", str(samples / "ledger.xlsx"))
    assert first.returncode == 0, first.stderr
    second = cli("import-ledger", str(samples / "ledger.xlsx"))
    assert second.returncode == 0
    assert "节点：新增 0，更新 0，未变 64" in second.stdout
    assert "数据库没有变化" in second.stdout


def test_a_missing_file_is_a_clear_error(cli):
    result = cli("import-progress", "nowhere.csv")
    assert result.returncode != 0
    assert "nowhere.csv：文件不存在" in result.stderr


def _help(*args):
    """`ducha` as typed, without a database: help needs none."""
    return subprocess.run(
        [sys.executable, "-m", "ducha", *args], capture_output=True, text=True, cwd=ROOT
    )


@pytest.mark.parametrize("args", [("--help",), ("help",), ("-h",), ()])
def test_help_lists_duchas_commands_first_with_their_help_and_djangos_after(args):
    result = _help(*args)
    assert result.returncode == 0, result.stderr
    text = result.stdout
    ours, django = text.index("Ducha 命令"), text.index("Django 命令")
    assert ours < text.index("import-ledger") < django < text.index("flush")
    assert django < text.index("startproject")
    assert re.search(r"^  import-ledger +导入改革任务台账（xlsx", text, re.MULTILINE)
    listed = text[ours:django]
    for command in ("board", "publish", "rate", "scores", "tick", "verify", "export-ledger"):
        assert re.search(rf"^  {command} +\S", listed, re.MULTILINE), f"{command}: no help"
    assert "import_ledger" not in text and "flush" not in text[:django]


def test_the_list_for_shell_completion_stays_plain():
    result = _help("help", "--commands")
    assert result.returncode == 0
    assert "import_ledger" in result.stdout.split() and "Ducha 命令" not in result.stdout


def test_the_installed_script_gives_the_same_help():
    script = Path(sys.executable).parent / "ducha"  # installed beside the running Python
    result = subprocess.run([str(script), "--help"], capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 0 and result.stdout == _help("--help").stdout
