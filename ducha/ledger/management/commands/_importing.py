"""What the two import commands share: arguments, the progress bar, error reporting."""

import getpass

from django.core.management.base import BaseCommand, CommandError

from ducha.ledger.importing import ImportFailed
from ducha.ledger.layout import Options, parse_mapping
from ducha.lib.console import ProgressBar
from ducha.lib.months import FIRST_YEAR, LAST_YEAR
from ducha.lib.tabular import FileRefused
from ducha.org.management.commands._jurisdiction import (
    add_jurisdiction_argument,
    chosen_jurisdiction,
)


class ImportCommand(BaseCommand):
    label = ""
    columns: tuple = ()

    def add_arguments(self, parser):
        parser.add_argument("file", help="xlsx 或 csv 文件")
        parser.add_argument(
            "--dry-run", action="store_true", help="只预览将新增、修改的内容，不写入任何数据"
        )
        parser.add_argument("--sheet", help="要导入的工作表名称（工作簿有多个像台账的表时）")
        parser.add_argument(
            "--map",
            action="append",
            default=[],
            metavar="表头=字段",
            help="指定某列对应的字段，如 --map '责任单位=配合单位'；字段写「忽略」则不导入该列",
        )
        parser.add_argument("--year", type=int, help="未写年份的日期（如「6月底」）所属的年度")
        hidden = parser.add_mutually_exclusive_group()
        hidden.add_argument("--include-hidden", action="store_true", help="隐藏的行和列也导入")
        hidden.add_argument("--skip-hidden", action="store_true", help="跳过隐藏的行和列")
        add_jurisdiction_argument(parser)

    def options(self, options: dict, *, allow_new: bool = False) -> Options:
        year = options.get("year")
        if year is not None and not FIRST_YEAR <= year <= LAST_YEAR:
            raise CommandError(f"--year {year} 不合理，应在 {FIRST_YEAR}–{LAST_YEAR} 之间")
        try:
            mapping = parse_mapping(options["map"], self.columns)
        except FileRefused as e:
            raise CommandError(str(e)) from None
        hidden = "refuse"
        if options["include_hidden"]:
            hidden = "include"
        elif options["skip_hidden"]:
            hidden = "skip"
        return Options(
            sheet=options.get("sheet"),
            mapping=mapping,
            year=year,
            hidden=hidden,
            allow_new=allow_new,
            jurisdiction=chosen_jurisdiction(options.get("jurisdiction")),
        )

    def run_import(self, function, path: str, options: Options, dry_run: bool) -> None:
        bar = ProgressBar(self.label)
        try:
            summary = function(
                path, options=options, by_name=getpass.getuser(), progressed=bar, dry_run=dry_run
            )
        except (ImportFailed, FileRefused) as e:
            raise CommandError(str(e)) from None
        finally:
            bar.close()
        for line in summary.lines():
            self.stdout.write(line)
        if dry_run:
            self.stdout.write(self.style.WARNING("  这是预览：数据库没有任何变化"))
        elif not summary.changed:
            self.stdout.write(self.style.SUCCESS("  数据库没有变化（与已导入内容一致）"))
