import getpass

from django.core.management.base import BaseCommand, CommandError

from ducha.audit import record
from ducha.ledger.exporting import export_ledger
from ducha.org.management.commands._jurisdiction import (
    add_jurisdiction_argument,
    chosen_jurisdiction,
)


class Command(BaseCommand):
    help = "导出改革任务台账为 xlsx（与导入格式相同，可修改后重新导入）"

    def add_arguments(self, parser):
        parser.add_argument("-o", "--output", required=True, help="输出文件，如 台账.xlsx")
        add_jurisdiction_argument(parser)

    def handle(self, *args, **options):
        path = options["output"]
        if not path.lower().endswith(".xlsx"):
            raise CommandError(f"{path}：输出文件须以 .xlsx 结尾")
        jurisdiction = chosen_jurisdiction(options["jurisdiction"])
        rows = export_ledger(path, jurisdiction=jurisdiction)
        detail = {"what": "ledger", "rows": rows}
        if not jurisdiction.home:
            detail["jurisdiction"] = jurisdiction.slug
        record("exported", actor_name=getpass.getuser(), detail=detail)
        whose = "" if jurisdiction.home else f"{jurisdiction.name}台账"
        self.stdout.write(f"已导出{whose} {rows} 个节点行到 {path}")
