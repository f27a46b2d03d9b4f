import json

from django.core.management.base import BaseCommand, CommandError

from ducha.forecast.backtest import Score, backtest
from ducha.forecast.slips import likely_slips
from ducha.lib.cli import month_argument
from ducha.lib.months import FIRST_YEAR, LAST_YEAR, format_month
from ducha.org.management.commands._jurisdiction import (
    add_jurisdiction_argument,
    chosen_jurisdiction,
)
from ducha.ratings import marks


def percent(share: float | None) -> str:
    """A share as the table prints it: one decimal, or "—" when it is undefined."""
    return "—" if share is None else f"{share:.1f}%"


class Command(BaseCommand):
    help = (
        "滑坡预警：--month YYYY-MM 列出该月可能滑坡（评为后两档）的任务及理由"
        "（只用上月底以前的数据）；"
        "--backtest --year YYYY 逐月回测，输出精确率与召回率"
    )

    def add_arguments(self, parser):
        parser.add_argument("--month", help="YYYY-MM：预测的月份")
        parser.add_argument("--backtest", action="store_true", help="回测一年")
        parser.add_argument("--year", type=int, help="回测的年度")
        parser.add_argument("--format", choices=["table", "json"], default="table")
        add_jurisdiction_argument(parser)

    def handle(self, *args, **options):
        slug = options["jurisdiction"]
        jurisdiction = chosen_jurisdiction(slug) if slug else None
        if options["backtest"]:
            year = options["year"]
            if year is None or not FIRST_YEAR <= year <= LAST_YEAR:
                raise CommandError("--backtest 需要用 --year YYYY 指定年度")
            self._backtest(year, jurisdiction, options["format"])
        elif options["month"]:
            self._slips(month_argument(options["month"]), jurisdiction, options["format"])
        else:
            raise CommandError("请指定 --month YYYY-MM，或 --backtest --year YYYY")

    def _slips(self, month, jurisdiction, format: str) -> None:
        found = likely_slips(month, jurisdiction)
        if format == "json":
            out = {
                "month": format_month(month),
                "slips": [
                    {
                        "task": s.task_code,
                        "title": s.task_title,
                        "lead_unit": s.lead_unit,
                        "likely": s.likely,
                        "reasons": [{"code": c, "text": t} for c, t in s.reasons],
                    }
                    for s in found
                ],
            }
            self.stdout.write(json.dumps(out, ensure_ascii=False, indent=1))
            return
        for s in found:
            reasons = "；".join(text for _code, text in s.reasons)
            self.stdout.write(f"{s.task_code:<12} {marks.name(s.likely)}  {s.lead_unit}  {reasons}")
        self.stdout.write(f"共 {len(found)} 项")

    def _backtest(self, year: int, jurisdiction, format: str) -> None:
        result = backtest(year, jurisdiction)
        if format == "json":
            self.stdout.write(json.dumps(result.as_json(), ensure_ascii=False, indent=1))
            return
        self.stdout.write(
            f"{'月份':<8} {'预测':>4} {'实际':>4} {'命中':>4} {'精确率':>7} {'召回率':>7}"
        )
        for s in (*result.months, result.total):
            self.stdout.write(_line(s, year))
        if not result.months:
            self.stdout.write(f"{year}年没有已发布的月份，无从回测")


def _line(s: Score, year: int) -> str:
    label = format_month(s.month) if s.month else f"{year}全年"
    return (
        f"{label:<10} {s.predicted:>6} {s.actual:>6} {s.hits:>6} "
        f"{percent(s.precision):>10} {percent(s.recall):>10}"
    )
