import getpass

from django.core.management.base import BaseCommand, CommandError

from ducha.boards.publication import PublicationError, publish, whose
from ducha.lib import clock
from ducha.lib.cli import month_argument
from ducha.lib.months import format_month_zh
from ducha.org.management.commands._jurisdiction import (
    add_jurisdiction_argument,
    chosen_jurisdiction,
)


class Command(BaseCommand):
    help = "发布（冻结）某月的四色公示；已发布的月份再次发布不做任何事，勘误用 --correction"

    def add_arguments(self, parser):
        parser.add_argument("--month", required=True, help="YYYY-MM")
        parser.add_argument("--correction", metavar="REASON", help="勘误理由：发布新版本")
        add_jurisdiction_argument(parser)

    def handle(self, *args, **options):
        month = month_argument(options["month"])
        jurisdiction = chosen_jurisdiction(options["jurisdiction"])
        try:
            result = publish(
                month,
                correction=options["correction"],
                by_name=getpass.getuser(),
                jurisdiction=jurisdiction,
            )
        except PublicationError as e:
            raise CommandError(str(e)) from None
        p = result.publication
        label = whose(jurisdiction) + format_month_zh(month)
        if not result.created:
            when = clock.local(p.published_at)
            self.stdout.write(
                f"{label}已于 {when:%Y-%m-%d %H:%M} 发布（第{p.version}版），"
                "未做改动；如需更正请用 --correction 理由"
            )
            return
        what = "勘误" if options["correction"] else "发布"
        self.stdout.write(self.style.SUCCESS(f"{label}第{p.version}版已{what}"))
        self.stdout.write(f"链头 SHA-256：{p.sha256}")
