import json

from django.core.management.base import BaseCommand, CommandError

from ducha.assessment.exports import below_label, counties_xlsx, scores_xlsx
from ducha.assessment.scores import LABELS, scores, unranked_reason
from ducha.org.management.commands._jurisdiction import (
    add_jurisdiction_argument,
    chosen_jurisdiction,
)
from ducha.ratings.marks import MARKS


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
        parser.add_argument(
            "--min-rated",
            type=int,
            metavar="N",
            help="评定任务月数不足 N 个的不参与排名（名次为空，列在后面）；json 另给出评定任务月数",
        )
        add_jurisdiction_argument(parser)

    def handle(self, *args, **options):
        by = options["by"]
        slug = options["jurisdiction"]
        # Without --jurisdiction the home one, passed as None (the home boards, as before).
        jurisdiction = chosen_jurisdiction(slug) if slug else None
        minimum = options["min_rated"]
        if minimum is not None and minimum < 0:
            raise CommandError("--min-rated 应为不小于 0 的整数")
        result = scores(
            options["year"],
            options["quarter"],
            by,
            jurisdiction=jurisdiction,
            minimum=minimum or 0,
        )
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
            out[plural] = [
                s.as_json(key) | ({"rated": s.rated} if minimum is not None else {}) for s in result
            ]
            self.stdout.write(json.dumps(out, ensure_ascii=False, indent=1))
        elif options["format"] == "xlsx":
            if not options["output"]:
                raise CommandError("--format xlsx 需要用 -o 指定输出文件")
            period = {"year": options["year"], "quarter": options["quarter"], "minimum": minimum}
            if by == "county":  # a workbook of its own, never rows among the departments'
                counties_xlsx(result, options["output"], jurisdiction=jurisdiction, **period)
            else:
                named = jurisdiction is not None and not jurisdiction.home
                whose = jurisdiction.name if named else None
                office = jurisdiction.reform_office if jurisdiction is not None else None
                scores_xlsx(
                    result, options["output"], label=label, whose=whose, office=office, **period
                )
            self.stdout.write(f"已写出 {options['output']}")
        else:
            names = " ".join(m.name for m in MARKS.values())
            deducting = any(getattr(s, "deduction", 0) for s in result)
            extra = "  问责扣分" if deducting else ""
            rated = minimum is not None
            count = f"  {'评定月数':>4}" if rated else ""
            self.stdout.write(f"{'排名':<4} {label:<20} {'得分':>6}{count}  {names}{extra}")
            for s in result:
                counts = f"{s.horse:>4} {s.ox:>4} {s.ostrich:>4} {s.snail:>4}"
                off = f"  {s.deduction:>6}" if deducting else ""
                n = f"  {s.rated:>8}" if rated else ""
                rank = "" if s.rank is None else s.rank
                self.stdout.write(f"{rank:<6} {s.name:<20} {s.score:>6}{n}  {counts}{off}")
            if rated and any(s.rank is None for s in result):
                self.stdout.write(f"名次为空者{unranked_reason(minimum)}")
