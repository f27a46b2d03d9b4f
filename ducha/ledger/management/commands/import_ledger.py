from ducha.ledger.columns import LEDGER_FILE_COLUMNS
from ducha.ledger.importing import import_ledger
from ducha.ledger.management.commands._importing import ImportCommand


class Command(ImportCommand):
    help = "导入改革任务台账（xlsx 或 csv，每个节点一行），按任务编号和节点编号更新或新增"
    label = "导入台账"
    columns = LEDGER_FILE_COLUMNS

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument(
            "--allow-new-units",
            action="store_true",
            help="文件中有数据库里没有的单位或市领导时，确认新建它们",
        )

    def handle(self, *args, **options):
        chosen = self.options(options, allow_new=options["allow_new_units"])
        self.run_import(import_ledger, options["file"], chosen, options["dry_run"])
