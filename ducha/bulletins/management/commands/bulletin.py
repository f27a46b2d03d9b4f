from django.core.management.base import BaseCommand

from ducha.bulletins.content import bulletin
from ducha.bulletins.management.commands._write import add_output_arguments, write
from ducha.lib.cli import month_argument
from ducha.org.management.commands._jurisdiction import (
    add_jurisdiction_argument,
    chosen_jurisdiction,
)


class Command(BaseCommand):
    help = "起草一个已发布月份的改革任务推进情况通报（Word 或 PDF）"

    def add_arguments(self, parser):
        parser.add_argument("--month", required=True, help="YYYY-MM（须已发布）")
        add_output_arguments(parser)
        add_jurisdiction_argument(parser)

    def handle(self, *args, **options):
        month = month_argument(options["month"])
        jurisdiction = chosen_jurisdiction(options["jurisdiction"])
        write(lambda: bulletin(month, jurisdiction), options, self.stdout)
