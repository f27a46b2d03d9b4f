import json

from django.core.management.base import BaseCommand, CommandError

from ducha.assessment.exports import below_label, counties_xlsx, scores_xlsx
from ducha.assessment.scores import scores
from ducha.org.management.commands._jurisdiction import (
    add_jurisdiction_argument,
    chosen_jurisdiction,
)
from ducha.ratings.marks import MARKS

LABELS = {
    "unit": ("牵头单位", "units"),
    "area": ("领域", "areas"),
    "leader": ("分管市领导", "leaders"),
    "county": ("县市区", "counties"),
}


class Command(BaseCommand):
    help = (
        "单位考核得分与排名（全年或季度；也可按领域、分管市领导汇总）；"
        "--by county 为下辖县市区的考核排名（与部门排名分开）"
    )

    def add_arguments(self, parser):
        parser.add_argument("--year", type=int, required=True)
        parser.add_argument("--quarter", type=int, choices=[1, 2, 3, 4])
        parser.add_argument("--by", choices=list(LABELS), default="unit")
        parser.add_argument("--format", choices=["table", "json", "xlsx"], default="table")
        parser.add_argument("-o", "--output", help="xlsx 输出文件")
        add_jurisdiction_argument(parser)

    def handle(self, *args, **options):
        by = options["by"]
        slug = options["jurisdiction"]
        # Without --jurisdiction the home one, passed as None (the home boards, as before).
        jurisdiction = chosen_jurisdiction(slug) if slug else None
        result = scores(options["year"], options["quarter"], by, jurisdiction=jurisdiction)
        label, plural = LABELS[by]
        if by == "county":
            label = below_label(jurisdiction)
        key = "unit" if by == "unit" else by
        if options["format"] == "json":
            out = {"year": options["year"]}
            if options["quarter"]:
                out["quarter"] = options["quarter"]
            if jurisdiction is not None and not jurisdiction.home:
                out["jurisdiction"] = jurisdiction.slug
            out[plural] = [s.as_json(key) for s in result]
            self.stdout.write(json.dumps(out, ensure_ascii=False, indent=1))
        elif options["format"] == "xlsx":
            if not options["output"]:
                raise CommandError("--format xlsx 需要用 -o 指定输出文件")
            period = {"year": options["year"], "quarter": options["quarter"]}
            if by == "county":  # a workbook of its own, never rows among the departments'
                counties_xlsx(result, options["output"], jurisdiction=jurisdiction, **period)
            else:
                named = jurisdiction is not None and not jurisdiction.home
                whose = jurisdiction.name if named else None
                scores_xlsx(result, options["output"], label=label, whose=whose, **period)
            self.stdout.write(f"已写出 {options['output']}")
        else:
            names = " ".join(m.name for m in MARKS.values())
            deducting = any(getattr(s, "deduction", 0) for s in result)
            extra = "  问责扣分" if deducting else ""
            self.stdout.write(f"{'排名':<4} {label:<20} {'得分':>6}  {names}{extra}")
            for s in result:
                counts = f"{s.horse:>4} {s.ox:>4} {s.ostrich:>4} {s.snail:>4}"
                off = f"  {s.deduction:>6}" if deducting else ""
                self.stdout.write(f"{s.rank:<6} {s.name:<20} {s.score:>6}  {counts}{off}")
