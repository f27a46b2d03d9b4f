import getpass
import json

from django.core.management.base import BaseCommand, CommandError

from ducha.boards import cascades
from ducha.ledger import cascade
from ducha.ledger.models import Cascade, Task
from ducha.lib import clock
from ducha.lib.months import add_months, format_month, month, parse_month
from ducha.org.management.commands._jurisdiction import (
    add_jurisdiction_argument,
    chosen_jurisdiction,
)
from ducha.ratings.marks import name


class Command(BaseCommand):
    help = (
        "任务下达（一竿子插到底）：push 把本级任务下达到下级辖区（--to 或 --all）；"
        "status 查看各县市区的承接情况和逐月评价"
    )

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True, metavar="push|status")
        push = actions.add_parser("push", help="把本级一项任务下达到下级辖区（已下达的不重复）")
        push.add_argument("--task", required=True, metavar="CODE", help="任务编号")
        to = push.add_mutually_exclusive_group(required=True)
        to.add_argument(
            "--to", nargs="+", action="extend", metavar="SLUG", help="下级辖区标识，可写多个"
        )
        to.add_argument("--all", action="store_true", help="下达到全部下级辖区")
        add_jurisdiction_argument(push)
        status = actions.add_parser("status", help="各县市区的承接情况和逐月评价")
        status.add_argument("--task", required=True, metavar="CODE", help="任务编号")
        status.add_argument(
            "--month",
            action="append",
            metavar="YYYY-MM",
            help="只看这些月份（可写多次）；默认为任务计划年度中已结束的月份",
        )
        status.add_argument("--format", choices=["table", "json"], default="table")
        add_jurisdiction_argument(status)

    def handle(self, *args, **options):
        place = chosen_jurisdiction(options["jurisdiction"])
        task = Task.objects.filter(jurisdiction=place, code=options["task"]).first()
        if task is None:
            raise CommandError(f"{place.name}的台账里没有编号为「{options['task']}」的任务")
        if options["action"] == "push":
            self._push(task, place, options)
        else:
            self._status(task, options)

    def _push(self, task, place, options):
        below = cascade.children(place)
        if options["all"]:
            chosen = below
        else:
            slugs = {j.slug: j for j in below}
            unknown = [s for s in options["to"] if s not in slugs]
            if unknown:
                known = "、".join(slugs) or "（没有）"
                raise CommandError(
                    f"「{'」「'.join(unknown)}」不是{place.name}的下级辖区；可下达到：{known}"
                )
            chosen = [slugs[s] for s in options["to"]]
        before = set(Cascade.objects.filter(source=task).values_list("jurisdiction_id", flat=True))
        try:
            done = cascade.push(task, chosen, by_name=getpass.getuser())
        except cascade.CascadeError as e:
            raise CommandError(str(e)) from None
        for c in done:
            said = "已下达过" if c.jurisdiction_id in before else "已下达"
            taken = "，已承接" if c.task_id else ""
            self.stdout.write(
                f"{task.code} → {c.jurisdiction.name}（{c.jurisdiction.slug}）：{said}{taken}"
            )

    def _status(self, task, options):
        try:
            months = sorted({parse_month(m) for m in options["month"] or []})
        except ValueError as e:
            raise CommandError(str(e)) from None
        if not months:
            months = _ended_months(task.plan_year)
        rows = cascades.county_grid(task, months)
        if options["format"] == "json":
            out = {
                "task": task.code,
                "months": [format_month(m) for m in months],
                "counties": [
                    {
                        "slug": r.county.slug,
                        "name": r.county.name,
                        "accepted": r.accepted,
                        "task": r.task.code if r.task else None,
                        "ratings": {format_month(m): r.cells[m] for m in months if m in r.listed},
                    }
                    for r in rows
                ],
                "not_accepted": [r.county.slug for r in rows if not r.accepted],
            }
            if not task.jurisdiction.home:
                out["jurisdiction"] = task.jurisdiction.slug
            self.stdout.write(json.dumps(out, ensure_ascii=False, indent=1))
            return
        self.stdout.write(f"{task.code} {task.title}")
        if not rows:
            self.stdout.write("尚未下达到任何县市区")
            return
        self.stdout.write("\t".join(["县市区", "承接", *(format_month(m) for m in months)]))
        for r in rows:
            cells = [name(r.cells[m]) if m in r.listed else "—" for m in months]
            taken = "已承接" if r.accepted else "未承接"
            self.stdout.write("\t".join([r.county.name, taken, *cells]))


def _ended_months(year: int) -> list:
    """The months of `year` that have ended by today."""
    this_month = clock.today().replace(day=1)
    return [m for k in range(12) if (m := add_months(month(year, 1), k)) < this_month]
