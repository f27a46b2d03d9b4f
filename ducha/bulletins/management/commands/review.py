from django.core.management.base import BaseCommand, CommandError

from ducha.bulletins.content import review
from ducha.bulletins.management.commands._write import add_output_arguments, write
from ducha.org.management.commands._jurisdiction import (
    add_jurisdiction_argument,
    chosen_jurisdiction,
)


class Command(BaseCommand):
    help = "生成一个年度的改革任务推进情况盘点（Word 或 PDF）"

    def add_arguments(self, parser):
        parser.add_argument("--year", required=True, type=int, help="YYYY")
        add_output_arguments(parser)
        add_jurisdiction_argument(parser)

    def handle(self, *args, **options):
        year = options["year"]
        if not 2000 <= year <= 2100:
            raise CommandError(f"--year {year} 不是可用的年份")
        jurisdiction = chosen_jurisdiction(options["jurisdiction"])
        write(lambda: review(year, jurisdiction), options, self.stdout)
