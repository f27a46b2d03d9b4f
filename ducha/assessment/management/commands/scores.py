import json

from django.core.management.base import BaseCommand, CommandError

from ducha.assessment.exports import scores_xlsx
from ducha.assessment.scores import scores
from ducha.ratings.marks import MARKS

LABELS = {
    "unit": ("牵头单位", "units"),
    "area": ("领域", "areas"),
    "leader": ("分管市领导", "leaders"),
}


class Command(BaseCommand):
    help = "单位考核得分与排名（全年或季度；也可按领域、分管市领导汇总）"

    def add_arguments(self, parser):
        parser.add_argument("--year", type=int, required=True)
        parser.add_argument("--quarter", type=int, choices=[1, 2, 3, 4])
        parser.add_argument("--by", choices=list(LABELS), default="unit")
        parser.add_argument("--format", choices=["table", "json", "xlsx"], default="table")
        parser.add_argument("-o", "--output", help="xlsx 输出文件")

    def handle(self, *args, **options):
        by = options["by"]
        result = scores(options["year"], options["quarter"], by)
        label, plural = LABELS[by]
        key = "unit" if by == "unit" else by
        if options["format"] == "json":
            out = {"year": options["year"]}
            if options["quarter"]:
                out["quarter"] = options["quarter"]
            out[plural] = [s.as_json(key) for s in result]
            self.stdout.write(json.dumps(out, ensure_ascii=False, indent=1))
        elif options["format"] == "xlsx":
            if not options["output"]:
                raise CommandError("--format xlsx 需要用 -o 指定输出文件")
            scores_xlsx(
                result,
                options["output"],
                year=options["year"],
                quarter=options["quarter"],
                label=label,
            )
            self.stdout.write(f"已写出 {options['output']}")
        else:
            names = " ".join(m.name for m in MARKS.values())
            self.stdout.write(f"{'排名':<4} {label:<20} {'得分':>6}  {names}")
            for s in result:
                counts = f"{s.horse:>4} {s.ox:>4} {s.ostrich:>4} {s.snail:>4}"
                self.stdout.write(f"{s.rank:<6} {s.name:<20} {s.score:>6}  {counts}")
