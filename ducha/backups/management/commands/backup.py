from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from ducha.backups.archive import BackupError, create
from ducha.backups.database import vendor_name
from ducha.lib.storage import FOLDER


class Command(BaseCommand):
    help = "把数据库和佐证材料备份为一个 tar 文件（附各成员的 SHA-256 清单）；-o 指定文件"

    def add_arguments(self, parser):
        parser.add_argument(
            "-o", "--output", required=True, help="备份文件（.tar）；不覆盖已有文件"
        )

    def handle(self, *args, **options):
        try:
            made = create(Path(options["output"]))
        except BackupError as e:
            raise CommandError(str(e)) from None
        manifest = made.manifest
        files = len(manifest["members"]) - 1
        self.stdout.write(
            self.style.SUCCESS(
                f"已备份到 {made.path}：{vendor_name(manifest['database']['vendor'])} 数据库和 "
                f"{files} 个文件，共 {made.size:,} 字节"
            )
        )
        self.stdout.write(f"备份文件 SHA-256：{made.sha256}")
        bucket = settings.STORAGES[FOLDER].get("OPTIONS", {}).get("bucket_name")
        if bucket:  # DUCHA_S3_BUCKET: the files are the store's to keep (ducha/lib/storage.py)
            self.stdout.write(
                f"上传的文件保存在 S3 存储桶 {bucket} 中，不在这份备份里：请开启存储桶的版本管理"
            )
