import getpass

from django.core.management.base import BaseCommand, CommandError

from ducha.boards.publication import PublicationError, hold, release, whose
from ducha.lib.cli import month_argument
from ducha.lib.months import format_month_zh
from ducha.org.management.commands._jurisdiction import (
    add_jurisdiction_argument,
    chosen_jurisdiction,
)


class Command(BaseCommand):
    help = "暂缓某月的自动发布（--release 解除）"

    def add_arguments(self, parser):
        parser.add_argument("--month", required=True, help="YYYY-MM")
        parser.add_argument("--reason", default="", help="暂缓理由")
        parser.add_argument("--release", action="store_true", help="解除暂缓")
        add_jurisdiction_argument(parser)

    def handle(self, *args, **options):
        month = month_argument(options["month"])
        jurisdiction = chosen_jurisdiction(options["jurisdiction"])
        label = whose(jurisdiction) + format_month_zh(month)
        if options["release"]:
            n = release(month, by_name=getpass.getuser(), jurisdiction=jurisdiction)
            self.stdout.write(f"{label}：{'已解除暂缓' if n else '没有暂缓'}")
            return
        try:
            hold(month, options["reason"], by_name=getpass.getuser(), jurisdiction=jurisdiction)
        except PublicationError as e:
            raise CommandError(str(e)) from None
        self.stdout.write(f"{label}：已暂缓自动发布")
