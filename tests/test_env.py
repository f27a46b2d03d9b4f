"""Settings from the environment, and the files they make: owner-only (finding F16)."""

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from ducha.lib.env import private_dir, private_file, sqlite_database

ROOT = Path(__file__).resolve().parent.parent


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def open_umask():
    """The usual umask, under which files come out world-readable unless made private."""
    old = os.umask(0o022)
    yield
    os.umask(old)


def test_a_new_sqlite_database_and_its_folder_are_owner_only(tmp_path, open_umask):
    name = tmp_path / "new" / "ducha.sqlite3"
    sqlite_database(str(name))
    assert mode(name) == 0o600 and mode(name.parent) == 0o700


def test_an_existing_world_readable_database_and_its_journals_are_tightened(tmp_path, open_umask):
    tmp_path.chmod(0o755)
    name = tmp_path / "ducha.sqlite3"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{name}{suffix}").write_bytes(b"")
        Path(f"{name}{suffix}").chmod(0o644)
    sqlite_database(str(name))
    assert [mode(Path(f"{name}{s}")) for s in ("", "-wal", "-shm")] == [0o600] * 3
    assert mode(tmp_path) == 0o755  # a parent folder that is not Ducha's own is left alone


def test_an_in_memory_database_makes_no_file(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    sqlite_database(":memory:")
    assert list(tmp_path.iterdir()) == []


def test_private_folders_are_created_0700_and_tightened_only_when_asked(tmp_path, open_umask):
    made = private_dir(tmp_path / "a" / "b")
    assert mode(made) == 0o700
    shared = tmp_path / "shared"
    shared.mkdir(mode=0o755)
    private_dir(shared)
    assert mode(shared) == 0o755
    private_dir(shared, tighten=True)
    assert mode(shared) == 0o700


def test_a_private_file_keeps_its_content(tmp_path, open_umask):
    path = tmp_path / "key"
    path.write_text("secret")
    path.chmod(0o644)
    private_file(path)
    assert mode(path) == 0o600 and path.read_text() == "secret"


def test_a_fresh_install_writes_its_database_and_folders_owner_only(tmp_path):
    var = tmp_path / "var"
    env = {
        **{k: v for k, v in os.environ.items() if k not in ("DUCHA_PRODUCTION", "DATABASE_URL")},
        "DUCHA_VAR_DIR": str(var),
        "DATABASE_URL": f"sqlite:///{var}/ducha.sqlite3",
    }
    result = subprocess.run(
        ["sh", "-c", f"umask 022 && {sys.executable} -m ducha migrate --noinput"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    assert mode(var) == 0o700 and mode(var / "media") == 0o700
    database = var / "ducha.sqlite3"
    assert database.stat().st_size > 0 and mode(database) == 0o600
    for journal in var.glob("ducha.sqlite3-*"):
        assert mode(journal) == 0o600, journal
    assert mode(var / "secret_key") == 0o600
