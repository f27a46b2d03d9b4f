from ducha.ledger.columns import PROGRESS_FILE_COLUMNS
from ducha.ledger.importing import import_progress
from ducha.ledger.management.commands._importing import ImportCommand


class Command(ImportCommand):
    help = "导入月度进展（xlsx 或 csv），按任务、节点和月份更新或新增"
    label = "导入进展"
    columns = PROGRESS_FILE_COLUMNS

    def handle(self, *args, **options):
        chosen = self.options(options)
        self.run_import(import_progress, options["file"], chosen, options["dry_run"])
