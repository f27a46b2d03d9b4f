from django.core.management.base import BaseCommand, CommandError

from ducha.ledger.blanks import UnknownUnit, ledger_template, progress_template, unit_named
from ducha.lib.months import format_month, parse_month
from ducha.org.management.commands._jurisdiction import (
    add_jurisdiction_argument,
    chosen_jurisdiction,
)
from ducha.reports.workflow import reporting_month


class Command(BaseCommand):
    help = "写出带下拉选项和日期校验的空白模板：任务台账（ledger）或月度进展（progress）"

    def add_arguments(self, parser):
        parser.add_argument("kind", choices=["ledger", "progress"], help="ledger 或 progress")
        parser.add_argument("-o", "--output", required=True, help="输出文件，如 台账模板.xlsx")
        parser.add_argument(
            "--unit", help="月度进展：预填该单位牵头任务的全部节点（单位全称或简称）"
        )
        parser.add_argument("--month", help="月度进展：报送月份 YYYY-MM，默认为当前报送月份")
        add_jurisdiction_argument(parser)

    def handle(self, *args, **options):
        path = options["output"]
        if not path.lower().endswith(".xlsx"):
            raise CommandError(f"{path}：输出文件须以 .xlsx 结尾")
        jurisdiction = chosen_jurisdiction(options["jurisdiction"])
        if options["kind"] == "ledger":
            if options["unit"] or options["month"]:
                raise CommandError("--unit 和 --month 只用于月度进展模板（progress）")
            ledger_template(path, jurisdiction)
            self.stdout.write(f"已写出任务台账模板 {path}")
            return
        month = reporting_month(jurisdiction=jurisdiction)
        if options["month"]:
            try:
                month = parse_month(options["month"])
            except ValueError as e:
                raise CommandError(f"--month：{e}") from None
        unit = None
        if options["unit"]:
            try:
                unit = unit_named(options["unit"], jurisdiction)
            except UnknownUnit as e:
                raise CommandError(f"--unit：{e}") from None
        rows = progress_template(path, month=month, unit=unit)
        filled = f"，已列出{unit.name}牵头任务的 {rows} 个节点" if unit else ""
        self.stdout.write(f"已写出 {format_month(month)} 月度进展模板 {path}{filled}")
