"""`ducha backup` and `ducha restore`: the restore drill, and damaged archives refused.

The commands run as an operator runs them, in their own processes, against a throwaway site
on the database the suite runs on (an SQLite file, or a PostgreSQL database of its own):
see tests/backup_site.py.
"""

import hashlib
import io
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tarfile
from contextlib import closing, contextmanager
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.db import connection

from tests.backup_site import PDF
from tests.conftest import ROOT

pytestmark = pytest.mark.slow
VENDOR = connection.vendor  # the drill runs on the kind of database the suite runs on


class Site:
    def __init__(self, folder: Path, database_url: str):
        self.folder = folder
        self.media = folder / "media"
        self.archive = folder / "ducha.tar"
        self.database_url = database_url
        self.env = {
            **os.environ,
            "DUCHA_VAR_DIR": str(folder),
            "DATABASE_URL": database_url,
            "DUCHA_TODAY": "2021-07-03",  # June is being reported, as in the `cycle` fixture
        }

    def ducha(self, *args, answer=None) -> subprocess.CompletedProcess:
        return self._run("ducha", *args, answer=answer)

    def step(self, *steps) -> dict:
        """Steps of tests/backup_site.py in one process; what they saw."""
        result = self._run("tests.backup_site", *steps)
        assert result.returncode == 0, result.stderr
        return json.loads(result.stdout)

    def _run(self, module, *args, answer=None):
        return subprocess.run(
            [sys.executable, "-m", module, *map(str, args)],
            capture_output=True,
            text=True,
            cwd=ROOT,
            env=self.env,
            input=answer,
            check=False,
        )

    def sql(self, statement: str) -> list:
        """Straight to the site's database, past Ducha."""
        url = urlsplit(self.database_url)
        if VENDOR == "sqlite":
            with closing(sqlite3.connect(url.path[1:])) as db:
                rows = db.execute(statement).fetchall()
                db.commit()
                return rows
        import psycopg

        with psycopg.connect(self.database_url, autocommit=True) as db:
            cursor = db.execute(statement)
            return cursor.fetchall() if cursor.description else []

    @contextmanager
    def untouched(self):
        """A table and a file that no backup holds: a refused restore leaves both."""
        self.sql("CREATE TABLE untouched_marker (x integer)")
        marker = self.media / "untouched-marker"
        marker.write_text("still here")
        yield
        assert self.sql("SELECT count(*) FROM untouched_marker") == [(0,)]
        assert marker.read_text() == "still here"
        self.sql("DROP TABLE untouched_marker")
        marker.unlink()


@contextmanager
def site_database(folder: Path):
    if VENDOR == "sqlite":
        yield f"sqlite:///{folder}/site.sqlite3"  # folder is absolute: four slashes
        return
    import psycopg
    from psycopg import sql

    url = urlsplit(os.environ["DATABASE_URL"])
    name = f"{url.path.lstrip('/')}_backup"
    server = url._replace(path="/postgres").geturl()
    with psycopg.connect(server, autocommit=True) as admin:
        drop = sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        admin.execute(drop)
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        try:
            yield url._replace(path=f"/{name}").geturl()
        finally:
            admin.execute(drop)


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """A site with a report, its evidence file and a published June; backed up."""
    folder = tmp_path_factory.mktemp("backup")
    with site_database(folder) as url:
        site = Site(folder, url)
        migrated = site.ducha("migrate", "--noinput")
        assert migrated.returncode == 0, migrated.stderr
        seen = site.step("seed", "snapshot")
        site.stored_name = seen.pop("stored_name")
        assert {page["status"] for page in seen.values()} == {200}, seen
        site.before = seen
        made = site.ducha("backup", "-o", site.archive)
        assert made.returncode == 0, made.stderr
        assert f"已备份到 {site.archive}" in made.stdout
        yield site


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def test_the_archive_holds_the_database_and_every_evidence_file_with_size_and_hash(site):
    assert site.archive.stat().st_mode & 0o777 == 0o600
    with tarfile.open(site.archive) as tar:
        manifest = json.load(tar.extractfile("manifest.json"))
        recorded = tar.extractfile("manifest.sha256").read().decode().split()[0]
        assert recorded == sha256(tar.extractfile("manifest.json").read())
        assert manifest["format"] == "ducha-backup" and manifest["version"] == 1
        assert manifest["created_at"].startswith("2021-07-03T")  # Ducha's clock
        assert manifest["database"]["vendor"] == VENDOR
        assert "0001_initial" in manifest["migrations"]["boards"]
        members = {m["name"]: m for m in manifest["members"]}
        assert set(tar.getnames()) == set(members) | {"manifest.json", "manifest.sha256"}
        for name, member in members.items():
            data = tar.extractfile(name).read()
            assert (len(data), sha256(data)) == (member["size"], member["sha256"]), name
    evidence = members[f"media/evidence/{site.stored_name}"]
    assert (evidence["size"], evidence["sha256"]) == (len(PDF), sha256(PDF))
    assert manifest["database"]["member"] in members


def test_a_backup_never_overwrites_an_existing_file(site):
    before = site.archive.read_bytes()
    result = site.ducha("backup", "-o", site.archive)
    assert result.returncode != 0
    assert "文件已存在" in result.stderr
    assert site.archive.read_bytes() == before


def test_a_restore_after_damage_brings_back_the_boards_and_evidence_byte_for_byte(site):
    evidence = site.media / "evidence" / site.stored_name
    damaged = site.step("damage", "verify", "snapshot")
    assert damaged["verified"] is False  # the edited board is caught …
    assert damaged["/board/2021-06/"] != site.before["/board/2021-06/"]  # … and shown
    assert damaged["/board/2021-06.json"] != site.before["/board/2021-06.json"]
    assert damaged["evidence"] is None and evidence.read_bytes() != PDF

    result = site.ducha("restore", "--yes", site.archive)
    assert result.returncode == 0, result.stderr
    assert "ducha verify：核验通过" in result.stdout
    assert "应用服务器（gunicorn 等）必须重启" in result.stdout
    after = site.step("verify", "snapshot")
    assert after.pop("verified") is True
    assert after == site.before
    assert evidence.read_bytes() == PDF
    assert evidence.stat().st_mode & 0o777 == 0o600
    assert {(site.media / d).stat().st_mode & 0o777 for d in ("", "evidence")} == {0o700}
    assert not list(site.folder.glob(".ducha-*"))  # no staging left behind


def flip_a_byte(archive: Path, member: str) -> None:
    with tarfile.open(archive) as tar:
        offset = tar.getmember(member).offset_data + 10
    data = bytearray(archive.read_bytes())
    data[offset] ^= 0xFF
    archive.write_bytes(bytes(data))


def leave_out(archive: Path, member: str) -> None:
    kept = io.BytesIO()
    with tarfile.open(archive) as tar, tarfile.open(fileobj=kept, mode="w") as out:
        for info in tar.getmembers():
            if info.name != member:
                out.addfile(info, tar.extractfile(info))
    archive.write_bytes(kept.getvalue())


def cut_inside(archive: Path, member: str) -> None:
    with tarfile.open(archive) as tar:
        end = tar.getmember(member).offset_data + 20
    archive.write_bytes(archive.read_bytes()[:end])


@pytest.mark.parametrize(
    ("spoil", "said"),
    [
        (flip_a_byte, "SHA-256 与清单不符，内容已损坏"),
        (leave_out, "缺少这个成员（备份文件不完整）"),
        (cut_inside, "内容读不完整（备份文件被截断）"),
    ],
    ids=["one-byte-flipped", "member-missing", "truncated"],
)
def test_a_damaged_archive_is_refused_naming_the_member_and_nothing_is_touched(
    site, tmp_path, spoil, said
):
    member = f"media/evidence/{site.stored_name}"
    archive = tmp_path / "spoilt.tar"
    shutil.copyfile(site.archive, archive)
    spoil(archive, member)
    with site.untouched():
        result = site.ducha("restore", "--yes", archive)
    assert result.returncode != 0
    assert "备份已损坏，拒绝恢复，未做任何改动" in result.stderr
    assert f"{member}：{said}" in result.stderr


def rewrite_manifest(archive: Path, copy: Path, change) -> None:
    """A sound archive whose manifest says something else (its own hash made to match)."""
    with tarfile.open(archive) as tar, tarfile.open(copy, "w") as out:
        for info in tar.getmembers():
            data = tar.extractfile(info).read()
            if info.name == "manifest.json":
                manifest = json.loads(data)
                change(manifest)
                data = json.dumps(manifest).encode()
                checksum = f"{sha256(data)}  manifest.json\n".encode()
            elif info.name == "manifest.sha256":
                data = checksum
            info.size = len(data)
            out.addfile(info, io.BytesIO(data))


def test_an_archive_of_another_kind_of_database_is_refused(site, tmp_path):
    other = {"sqlite": "postgresql", "postgresql": "sqlite"}[VENDOR]
    archive = tmp_path / "other.tar"
    rewrite_manifest(site.archive, archive, lambda m: m["database"].update(vendor=other))
    with site.untouched():
        result = site.ducha("restore", "--yes", archive)
    assert result.returncode != 0
    names = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}
    assert f"这份备份是 {names[other]} 数据库的，本系统配置的是 {names[VENDOR]}" in result.stderr


def test_an_archive_from_a_newer_version_of_ducha_is_refused(site, tmp_path):
    archive = tmp_path / "newer.tar"
    rewrite_manifest(site.archive, archive, lambda m: m["migrations"]["boards"].append("9999_x"))
    with site.untouched():
        result = site.ducha("restore", "--yes", archive)
    assert result.returncode != 0
    assert "来自更新版本的 Ducha，其中有本程序没有的数据库迁移（boards.9999_x）" in result.stderr


def test_restore_asks_first_and_anything_but_yes_changes_nothing(site):
    with site.untouched():
        result = site.ducha("restore", site.archive, answer="no\n")
    assert result.returncode != 0
    assert "现有数据会被覆盖。输入 yes 继续" in result.stdout
    assert "已取消，未做任何改动" in result.stderr


@pytest.mark.skipif(VENDOR != "sqlite", reason="an SQLite file")
def test_a_database_file_too_damaged_to_open_is_replaced_with_its_stale_log(site):
    database = Path(urlsplit(site.database_url).path[1:])
    with database.open("r+b") as f:
        f.write(b"not a database any more" * 200)
    Path(f"{database}-wal").write_bytes(b"a log that belongs to the damaged file" * 100)
    with pytest.raises(sqlite3.DatabaseError), closing(sqlite3.connect(database)) as db:
        db.execute("SELECT count(*) FROM sqlite_master").fetchall()
    result = site.ducha("restore", "--yes", site.archive)
    assert result.returncode == 0, result.stderr
    after = site.step("verify", "snapshot")
    assert after.pop("verified") is True
    assert after == site.before
    assert database.stat().st_mode & 0o777 == 0o600


def test_a_restore_whose_data_fails_verify_says_so_and_exits_non_zero(site, tmp_path):
    site.step("damage")
    tampered = tmp_path / "tampered.tar"
    assert site.ducha("backup", "-o", tampered).returncode == 0
    result = site.ducha("restore", "--yes", tampered)
    assert result.returncode != 0
    assert "已恢复数据库" in result.stdout  # the restore itself went through …
    assert "2021年6月" in result.stdout  # … verify naming the board that broke …
    assert "ducha verify 未通过" in result.stderr  # … and the exit says it failed
    assert "必须重启" in result.stdout
