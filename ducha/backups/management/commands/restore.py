import io
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from ducha.backups import archive, database


class Command(BaseCommand):
    help = "用 ducha backup 的备份替换数据库和佐证材料：先核对全部哈希，恢复后运行 verify"

    def add_arguments(self, parser):
        parser.add_argument("file", help="ducha backup 生成的备份文件")
        parser.add_argument(
            "--yes",
            "--noinput",
            "--no-input",
            action="store_false",
            dest="interactive",
            help="不询问，直接恢复（会覆盖现有数据）",
        )

    def handle(self, *args, **options):
        path = Path(options["file"])
        try:
            manifest = archive.check(path)
            archive.check_fits(manifest)
        except archive.BackupError as e:
            raise CommandError(str(e)) from None
        files = len(manifest["members"]) - 1
        self.stdout.write(
            f"备份核对通过：{manifest['created_at']} 生成，"
            f"{database.vendor_name(manifest['database']['vendor'])} 数据库和 {files} 个文件，"
            "哈希全部相符"
        )
        if options["interactive"] and not self._confirmed():
            raise CommandError("已取消，未做任何改动")
        try:
            restored = archive.restore(path, manifest)
        except archive.BackupError as e:
            raise CommandError(str(e)) from None
        self.stdout.write(
            self.style.SUCCESS(f"已恢复数据库和 {restored} 个文件（{settings.MEDIA_ROOT}）")
        )
        if database.pending_migrations():
            # A backup made by an older version: bring its tables up to this program's.
            self.stdout.write("备份的数据库结构比本程序旧，正在运行 migrate …")
            call_command("migrate", interactive=False, verbosity=0)
        verified, said = self._verify()
        self.stdout.write(said)
        self.stdout.write(
            self.style.WARNING(
                "正在运行的应用服务器（gunicorn 等）必须重启，才会读到恢复后的数据。"
            )
        )
        if not verified:
            raise CommandError("数据已恢复，但 ducha verify 未通过（见上）：这份备份中的数据不可信")

    def _confirmed(self) -> bool:
        question = (
            f"将用这份备份替换{database.describe()}和佐证材料文件夹 {settings.MEDIA_ROOT}，"
            "现有数据会被覆盖。输入 yes 继续："
        )
        try:
            return input(question).strip().lower() == "yes"
        except EOFError:
            return False

    def _verify(self) -> tuple[bool, str]:
        """`ducha verify` over the restored data: a CommandError (its non-zero exit) fails."""
        out = io.StringIO()
        try:
            call_command("verify", stdout=out, stderr=out)
        except CommandError as e:
            return False, f"ducha verify：{e}"
        except Exception as e:  # the restored data may not even load
            return False, f"ducha verify 无法完成：{e}"
        return True, "ducha verify：" + out.getvalue().strip()
