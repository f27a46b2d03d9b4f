from ducha.ledger.importing import import_ledger
from ducha.ledger.management.commands._importing import ImportCommand


class Command(ImportCommand):
    help = "导入改革任务台账（xlsx 或 csv，每个节点一行），按任务编号和节点编号更新或新增"
    label = "导入台账"

    def handle(self, *args, **options):
        self.run_import(import_ledger, options["file"])
