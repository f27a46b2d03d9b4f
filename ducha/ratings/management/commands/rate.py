import json

from django.core.management.base import BaseCommand

from ducha.lib.cli import month_argument
from ducha.lib.months import format_month
from ducha.org.management.commands._jurisdiction import (
    add_jurisdiction_argument,
    chosen_jurisdiction,
)
from ducha.ratings import marks
from ducha.ratings.monthly import rate_month


class Command(BaseCommand):
    help = "计算（不发布）某月的四色评价及理由"

    def add_arguments(self, parser):
        parser.add_argument("--month", required=True, help="YYYY-MM")
        parser.add_argument("--format", choices=["table", "json"], default="table")
        add_jurisdiction_argument(parser)

    def handle(self, *args, **options):
        month = month_argument(options["month"])
        jurisdiction = chosen_jurisdiction(options["jurisdiction"])
        ratings = rate_month(month, jurisdiction=jurisdiction)
        if options["format"] == "json":
            out = {"month": format_month(month), "ratings": [r.as_json() for r in ratings]}
            if not jurisdiction.home:  # the home jurisdiction's output is as it always was
                out = {"jurisdiction": jurisdiction.slug, **out}
            self.stdout.write(json.dumps(out, ensure_ascii=False, indent=1))
            return
        for r in ratings:
            name = marks.name(r.rating)
            mark = "（调整）" if r.override else ""
            reasons = "；".join(x.text for x in r.reasons)
            self.stdout.write(f"{r.task:<12} {name}{mark}  {reasons}")
