import getpass

from django.core.management.base import BaseCommand, CommandError

from ducha.boards.publication import PublicationError, publish
from ducha.lib import clock
from ducha.lib.cli import month_argument
from ducha.lib.months import format_month_zh


class Command(BaseCommand):
    help = "发布（冻结）某月的四色公示；已发布的月份再次发布不做任何事，勘误用 --correction"

    def add_arguments(self, parser):
        parser.add_argument("--month", required=True, help="YYYY-MM")
        parser.add_argument("--correction", metavar="REASON", help="勘误理由：发布新版本")

    def handle(self, *args, **options):
        month = month_argument(options["month"])
        try:
            result = publish(month, correction=options["correction"], by_name=getpass.getuser())
        except PublicationError as e:
            raise CommandError(str(e)) from None
        p = result.publication
        if not result.created:
            when = clock.local(p.published_at)
            self.stdout.write(
                f"{format_month_zh(month)}已于 {when:%Y-%m-%d %H:%M} 发布（第{p.version}版），"
                "未做改动；如需更正请用 --correction 理由"
            )
            return
        what = "勘误" if options["correction"] else "发布"
        self.stdout.write(self.style.SUCCESS(f"{format_month_zh(month)}第{p.version}版已{what}"))
        self.stdout.write(f"链头 SHA-256：{p.sha256}")
