"""`ducha backup` and `ducha restore`: the database and the evidence files in one tar archive.

The archive holds `database/…` (an SQLite copy or a pg_dump), `media/…` (every file under
MEDIA_ROOT), `manifest.json` (format, creation time, database vendor, migration state, and
the size and SHA-256 of every member) and `manifest.sha256` (the manifest's own hash). A
restore reads the whole archive and checks every hash before it touches anything, then
replaces the database and MEDIA_ROOT, each as one step.
"""

from __future__ import annotations

import dataclasses
import hashlib
import io
import json
import os
import shutil
import tarfile
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from django.conf import settings

from ducha.backups import database
from ducha.lib import clock
from ducha.lib.chain import file_sha256

FORMAT = "ducha-backup"
VERSION = 1
MANIFEST = "manifest.json"
MANIFEST_SUM = "manifest.sha256"
MEDIA = "media"
CHUNK = 1024 * 1024


class BackupError(Exception):
    """A backup that cannot be made, or an archive that must not be restored."""


@dataclass(frozen=True)
class Member:
    name: str
    size: int
    sha256: str


@dataclass(frozen=True)
class Made:
    path: Path
    manifest: dict
    size: int
    sha256: str


# --- backup ------------------------------------------------------------------------------


def create(output: Path) -> Made:
    """Write the archive to `output` (which must not exist yet); nothing is left half-made."""
    output = Path(output).absolute()
    media_root = Path(settings.MEDIA_ROOT).absolute()
    if output.exists():
        raise BackupError(f"{output}：文件已存在；备份不覆盖已有文件，请换一个文件名")
    if not output.parent.is_dir():
        raise BackupError(f"{output.parent}：文件夹不存在")
    if output.parent.resolve().is_relative_to(media_root.resolve()):
        raise BackupError(f"{output}：备份文件不能放在 MEDIA_ROOT（{media_root}）之内")
    try:
        with (
            _private_files(),
            tempfile.TemporaryDirectory(dir=output.parent, prefix=".ducha-backup-") as work,
        ):
            migrations = database.applied_migrations()
            # The database first: an evidence file uploaded meanwhile is then only an extra
            # file, whereas every evidence row in the copy already has its file on disk.
            copy = database.dump(Path(work))
            partial = Path(work) / "archive.tar"
            with tarfile.open(partial, "w", format=tarfile.PAX_FORMAT) as tar:
                members = [_add_file(tar, f"database/{copy.name}", copy)]
                members += [
                    _add_file(tar, f"{MEDIA}/{relative}", path)
                    for relative, path in _media_files(media_root)
                ]
                manifest = {
                    "format": FORMAT,
                    "version": VERSION,
                    "created_at": clock.local(clock.now()).isoformat(timespec="seconds"),
                    "database": {"vendor": database.vendor(), "member": members[0].name},
                    "migrations": migrations,
                    "members": [dataclasses.asdict(m) for m in members],
                }
                text = json.dumps(manifest, ensure_ascii=False, indent=1).encode()
                _add_bytes(tar, MANIFEST, text)
                _add_bytes(tar, MANIFEST_SUM, f"{_sha256(text)}  {MANIFEST}\n".encode())
            partial.chmod(0o600)
            os.replace(partial, output)
    except (database.DatabaseCopyError, OSError) as e:
        raise BackupError(f"备份失败：{e}") from None
    return Made(output, manifest, output.stat().st_size, file_sha256(output))


def _media_files(media_root: Path) -> Iterator[tuple[str, Path]]:
    if not media_root.is_dir():
        return
    for folder, dirs, files in os.walk(media_root):
        dirs.sort()
        for name in sorted(files):
            path = Path(folder) / name
            # Only regular files: a symlink could carry something from outside into the copy.
            if path.is_file() and not path.is_symlink():
                yield path.relative_to(media_root).as_posix(), path


class _Hashing:
    """Reads a file for tarfile and hashes exactly the bytes that went into the archive."""

    def __init__(self, file):
        self.file, self.digest = file, hashlib.sha256()

    def read(self, size: int = -1) -> bytes:
        data = self.file.read(size)
        self.digest.update(data)
        return data


def _add_file(tar: tarfile.TarFile, name: str, path: Path) -> Member:
    with path.open("rb") as f:
        stat = os.fstat(f.fileno())
        info = tarfile.TarInfo(name)
        info.size, info.mtime, info.mode = stat.st_size, int(stat.st_mtime), 0o600
        reader = _Hashing(f)
        tar.addfile(info, reader)  # exactly info.size bytes, or an error
    return Member(name, stat.st_size, reader.digest.hexdigest())


def _add_bytes(tar: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size, info.mtime, info.mode = len(data), int(clock.now().timestamp()), 0o600
    tar.addfile(info, io.BytesIO(data))


# --- checking an archive -----------------------------------------------------------------


def check(path: Path) -> dict:
    """The manifest of a sound archive; BackupError naming every bad member otherwise.

    Reads every member through and compares it with the manifest; writes nothing.
    """
    path = Path(path)
    if not path.is_file():
        raise BackupError(f"{path}：文件不存在")
    with _open(path) as tar:
        infos = _members(path, tar)
        manifest = _manifest(path, tar, infos)
        problems = []
        listed = {m.name for m in _listed(manifest)}
        for extra in sorted(set(infos) - listed - {MANIFEST, MANIFEST_SUM}):
            problems.append(f"{extra}：清单中没有这个成员")
        for member in _listed(manifest):
            info = infos.get(member.name)
            if info is None:
                problems.append(f"{member.name}：缺少这个成员（备份文件不完整）")
                continue
            problem = _compare(tar, info, member, sink=None)
            if problem:
                problems.append(problem)
    if problems:
        raise BackupError(_refusal(path, problems))
    return manifest


def check_fits(manifest: dict) -> None:
    """Refuse an archive this installation cannot take: another vendor, a newer program."""
    theirs, ours = manifest["database"]["vendor"], database.vendor()
    if theirs != ours:
        raise BackupError(
            f"这份备份是 {database.vendor_name(theirs)} 数据库的，本系统配置的是 "
            f"{database.vendor_name(ours)}：不能恢复到另一种数据库，未做任何改动"
        )
    unknown = database.unknown_migrations(manifest["migrations"])
    if unknown:
        raise BackupError(
            "这份备份来自更新版本的 Ducha，其中有本程序没有的数据库迁移（"
            + "、".join(unknown[:5])
            + "）：请先升级程序再恢复，未做任何改动"
        )


@contextmanager
def _open(path: Path) -> Iterator[tarfile.TarFile]:
    try:
        with tarfile.open(path, "r:") as tar:
            yield tar
    except tarfile.TarError as e:
        raise BackupError(_refusal(path, [f"不是完整的 tar 文件（{e}）"])) from None


def _members(path: Path, tar: tarfile.TarFile) -> dict[str, tarfile.TarInfo]:
    try:
        infos = tar.getmembers()
    except (tarfile.TarError, OSError) as e:
        # tarfile stops at a member whose data runs past the end of the file.
        said = _cut(path, tar.members) or [f"目录无法读出（{e}）"]
        raise BackupError(_refusal(path, said)) from None
    named: dict[str, tarfile.TarInfo] = {}
    for info in infos:
        if info.name in named:
            raise BackupError(_refusal(path, [f"{info.name}：成员重复出现"]))
        named[info.name] = info
    return named


def _manifest(path: Path, tar: tarfile.TarFile, infos: dict[str, tarfile.TarInfo]) -> dict:
    missing = [
        f"缺少 {name}：不是 Ducha 的备份，或备份文件被截断"
        for name in (MANIFEST, MANIFEST_SUM)
        if name not in infos
    ]
    if missing:
        # The manifest is written last, so a cut archive loses it: name the member cut too.
        raise BackupError(_refusal(path, _cut(path, infos.values()) + missing))
    try:
        text = _read(tar, infos[MANIFEST])
        recorded = _read(tar, infos[MANIFEST_SUM]).decode("ascii", "replace").split()[:1]
    except (tarfile.TarError, OSError):
        raise BackupError(_refusal(path, [f"{MANIFEST}：读不完整（备份文件被截断）"])) from None
    if recorded != [_sha256(text)]:
        raise BackupError(_refusal(path, [f"{MANIFEST}：内容与 {MANIFEST_SUM} 记录的哈希不符"]))
    try:
        manifest = json.loads(text)
        if manifest["format"] != FORMAT:
            raise ValueError(f"格式为 {manifest['format']!r}")
        if manifest["version"] != VERSION:
            raise ValueError(f"第 {manifest['version']} 版格式，本程序读第 {VERSION} 版")
        members = _listed(manifest)
        if manifest["database"]["member"] not in {m.name for m in members}:
            raise ValueError("清单未列出数据库成员")
        if not isinstance(manifest["database"]["vendor"], str):
            raise ValueError("数据库类型格式不对")
        if not isinstance(manifest["created_at"], str):
            raise ValueError("生成时间格式不对")
        migrations = manifest["migrations"]
        if not isinstance(migrations, dict) or not all(
            isinstance(names, list) and all(isinstance(n, str) for n in names)
            for names in migrations.values()
        ):
            raise ValueError("迁移状态格式不对")
    except (ValueError, KeyError, TypeError) as e:
        raise BackupError(_refusal(path, [f"{MANIFEST}：不是 Ducha 的备份清单（{e}）"])) from None
    return manifest


def _cut(path: Path, infos) -> list[str]:
    end = path.stat().st_size
    return [
        f"{info.name}：内容读不完整（备份文件被截断）"
        for info in infos
        if info.offset_data + info.size > end
    ]


def _listed(manifest: dict) -> list[Member]:
    members = []
    for entry in manifest["members"]:
        member = Member(str(entry["name"]), int(entry["size"]), str(entry["sha256"]))
        if not _safe_name(member.name):
            raise ValueError(f"成员名 {member.name!r} 不安全")
        members.append(member)
    return members


def _safe_name(name: str) -> bool:
    """database/<file> or media/<relative path>: nothing that climbs out of its folder."""
    parts = PurePosixPath(name).parts
    if "\x00" in name or name.startswith("/") or len(parts) < 2:
        return False
    if parts[0] == "database":
        return len(parts) == 2 and parts[1] in database.DUMP_NAMES.values()
    return parts[0] == MEDIA and all(p not in ("", ".", "..") for p in parts)


def _compare(tar: tarfile.TarFile, info: tarfile.TarInfo, member: Member, sink) -> str | None:
    """Why `info` is not `member` (None when it is); its bytes also go to `sink` if given."""
    if not info.isfile():
        return f"{member.name}：不是普通文件"
    if info.size != member.size:
        return f"{member.name}：大小 {info.size} 字节，清单记录 {member.size} 字节"
    digest = hashlib.sha256()
    try:
        source = tar.extractfile(info)
        assert source is not None  # a regular file always has its data
        while chunk := source.read(CHUNK):
            digest.update(chunk)
            if sink is not None:
                sink.write(chunk)
    except (tarfile.TarError, OSError):
        return f"{member.name}：内容读不完整（备份文件被截断）"
    if digest.hexdigest() != member.sha256:
        return f"{member.name}：SHA-256 与清单不符，内容已损坏"
    return None


def _read(tar: tarfile.TarFile, info: tarfile.TarInfo) -> bytes:
    source = tar.extractfile(info)
    if source is None:
        raise tarfile.ReadError(f"{info.name} is not a file")
    return source.read()


def _refusal(path: Path, problems: list[str]) -> str:
    lines = "\n".join(f"  {p}" for p in problems)
    return f"{path}：备份已损坏，拒绝恢复，未做任何改动：\n{lines}"


# --- restore -----------------------------------------------------------------------------


def restore(path: Path, manifest: dict) -> int:
    """Replace the database and MEDIA_ROOT with the archive's; returns the files restored.

    Everything is unpacked beside its destination and checked again while it is written
    (the archive could have changed since `check`), then MEDIA_ROOT is swapped by rename
    and the database replaced in one transaction; if the database refuses, the old
    MEDIA_ROOT goes back.
    """
    media_root = Path(settings.MEDIA_ROOT).absolute()
    members = _listed(manifest)
    staged: list[Path] = []
    replaced = None
    with _private_files():
        try:
            media_root.parent.mkdir(parents=True, exist_ok=True)
            for parent, prefix in (
                (database.staging_parent(), ".ducha-restore-"),
                (media_root.parent, ".ducha-media-"),
            ):
                staged.append(Path(tempfile.mkdtemp(dir=parent, prefix=prefix)))
            stage, incoming = staged
            copy = _unpack(path, members, manifest["database"]["member"], stage, incoming)
            database.check_copy(copy)
            replaced = _swap_in(incoming, media_root)
            try:
                database.load(copy)
            except BaseException:
                _swap_back(replaced, media_root, incoming)
                replaced = None
                raise
        except (database.DatabaseCopyError, OSError) as e:
            raise BackupError(f"恢复失败：{e}") from None
        finally:
            for folder in [*staged, replaced]:
                if folder is not None:
                    shutil.rmtree(folder, ignore_errors=True)
    return len(members) - 1


def _unpack(path: Path, members: list[Member], db_member: str, stage: Path, media: Path) -> Path:
    problems = []
    with _open(path) as tar:
        infos = _members(path, tar)
        for member in members:
            parts = PurePosixPath(member.name).parts
            if member.name == db_member:
                target = stage / parts[1]
            else:
                target = media.joinpath(*parts[1:])
                for folder in reversed(target.relative_to(media).parents[:-1]):
                    (media / folder).mkdir(mode=0o700, exist_ok=True)
            info = infos.get(member.name)
            if info is None:
                problems.append(f"{member.name}：缺少这个成员（备份文件不完整）")
                continue
            with open(os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "wb") as sink:
                problem = _compare(tar, info, member, sink)
            if problem:
                problems.append(problem)
    if problems:
        raise BackupError(_refusal(path, problems))
    return stage / PurePosixPath(db_member).parts[1]


def _swap_in(incoming: Path, media_root: Path) -> Path | None:
    """Put `incoming` where MEDIA_ROOT is; returns where the old MEDIA_ROOT went."""
    if not media_root.exists():
        os.rename(incoming, media_root)
        return None
    aside = Path(tempfile.mkdtemp(dir=media_root.parent, prefix=".ducha-media-old-"))
    os.rename(media_root, aside / "media")
    try:
        os.rename(incoming, media_root)
    except OSError:
        os.rename(aside / "media", media_root)
        shutil.rmtree(aside, ignore_errors=True)
        raise
    return aside


def _swap_back(aside: Path | None, media_root: Path, incoming: Path) -> None:
    os.rename(media_root, incoming)
    if aside is not None:
        os.rename(aside / "media", media_root)
        shutil.rmtree(aside, ignore_errors=True)


# --- helpers -----------------------------------------------------------------------------


@contextmanager
def _private_files() -> Iterator[None]:
    """Database copies and evidence are personal data: 0600 files, 0700 folders."""
    previous = os.umask(0o077)
    try:
        yield
    finally:
        os.umask(previous)


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
