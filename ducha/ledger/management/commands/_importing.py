"""What the two import commands share: arguments, the progress bar, error reporting."""

import getpass

from django.core.management.base import BaseCommand, CommandError

from ducha.ledger.importing import ImportFailed
from ducha.lib.console import ProgressBar
from ducha.lib.tabular import FileRefused


class ImportCommand(BaseCommand):
    label = ""

    def add_arguments(self, parser):
        parser.add_argument("file", help="xlsx 或 csv 文件")

    def run_import(self, function, path: str) -> None:
        bar = ProgressBar(self.label)
        try:
            summary = function(path, by_name=getpass.getuser(), progressed=bar)
        except (ImportFailed, FileRefused) as e:
            raise CommandError(str(e)) from None
        finally:
            bar.close()
        for line in summary.lines():
            self.stdout.write(line)
        if not summary.changed:
            self.stdout.write(self.style.SUCCESS("  数据库没有变化（与已导入内容一致）"))
