"""The data of the deadline-day load test (`make load`): the Dezhou demo, moved on to the
day February 2022's reports are due, and the people who sign in that day.

    DATABASE_URL=postgres://…/ducha_load python -m benchmarks.load.seed --clerks 300 \\
        --plan var/load/plan.json

On an empty database: `ducha demo` seeds 2021 and January 2022; `ducha tick` posts January
on 10 February, as the timer would; then on 5 March (the deadline of February) every task
expected to report February and not yet reported gets a clerk of its lead unit (then, if
more clerks are asked for, tasks not rated in February that still have open nodes), every
such unit a head, and every jurisdiction with such a task an office account. One password
for all, written with the usernames into the plan the locustfile reads.

    python -m benchmarks.load.seed --outcome     # after the run: where the reports got to
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import json
import os
import random
import sys
from collections import Counter
from pathlib import Path

LOAD_DAY = dt.date(2022, 3, 5)  # February's reports are due today (DUCHA_REPORT_DEADLINE_DAY)
MONTH = dt.date(2022, 2, 1)
JANUARY_POSTED = dt.datetime(2022, 2, 10, 9)  # the publication day's tick
PASSWORD = "Load-2022-03-05"  # noqa: S105 - the load test's throwaway database only
PREFIX = "load-"


def post_january(out=None) -> None:
    """What `ducha tick` does on 10 February 2022: every chain posts January."""
    from django.core.management import call_command

    from ducha.lib import clock

    with clock.frozen(JANUARY_POSTED):
        call_command("tick", now=JANUARY_POSTED.isoformat(), stdout=out or io.StringIO())


def choose_tasks(month: dt.date, count: int) -> tuple[list, int]:
    """`count` tasks for clerks to report in `month` (fewer if there are not so many):
    first every task expected and not reported yet in any jurisdiction, then tasks not
    rated this month whose report would still ask about an open node, then tasks whose
    nodes are all done (a report of the narrative alone). Drawn and ordered at random
    (seeded), so that the city's and the counties' clerks arrive mixed. Also: how many of
    them were expected."""
    from ducha.ledger.models import Task
    from ducha.org.models import Jurisdiction
    from ducha.reports import standing, workflow
    from ducha.reports.models import Report

    open_statuses = (Report.Status.DRAFT, Report.Status.RETURNED)
    expected, spare = [], []
    for place in Jurisdiction.objects.order_by("order", "slug"):
        for row in standing.month_standings(month, jurisdiction=place):
            free = row.report is None or row.report.status in open_statuses
            if row.expected and not row.reported and free:
                expected.append(row.task.pk)
            elif not row.expected and row.report is None:
                spare.append(row.task.pk)
    shuffle = random.Random(month.toordinal()).shuffle
    shuffle(expected)  # a smaller run still spans the city and the counties
    chosen = expected[:count]
    if len(chosen) < count:
        tasks = Task.objects.filter(pk__in=spare).order_by("jurisdiction__order", "code")
        still_open = [t.pk for t in tasks if workflow.prefill_lines(t, month)]
        # A task with every node done still takes the month's narrative: the last resort.
        done = [pk for pk in spare if pk not in still_open]
        chosen += (still_open + done)[: count - len(chosen)]
    tasks = {t.pk: t for t in Task.objects.filter(pk__in=chosen).select_related("jurisdiction")}
    ordered = [tasks[pk] for pk in chosen]
    shuffle(ordered)
    return ordered, min(len(expected), count)


def sign_up(tasks: list, month: dt.date, password: str = PASSWORD) -> dict:
    """A clerk (单位填报员) per task, a head per lead unit, an office account per
    jurisdiction: created at once with one password, and the plan the locustfile reads."""
    from django.contrib.auth.hashers import make_password
    from django.db import transaction

    from ducha.boards.models import Publication
    from ducha.lib.months import format_month
    from ducha.org.models import User

    encoded = make_password(password)  # once: hashing hundreds of times would take minutes
    Role = User.Role
    clerks, heads, offices, people = [], {}, {}, []
    for n, task in enumerate(tasks, start=1):
        place, unit = task.jurisdiction, task.lead_unit_id
        if place.slug not in offices:
            offices[place.slug] = f"{PREFIX}office-{place.slug}"
            people.append(User(username=offices[place.slug], role=Role.OFFICE, jurisdiction=place))
        if unit not in heads:
            heads[unit] = f"{PREFIX}head-{len(heads) + 1:03d}"
            people.append(
                User(username=heads[unit], role=Role.HEAD, unit_id=unit, jurisdiction=place)
            )
        clerk = f"{PREFIX}clerk-{n:03d}"
        people.append(User(username=clerk, role=Role.REPORTER, unit_id=unit, jurisdiction=place))
        clerks.append({"username": clerk, "task": task.code, "head": heads[unit], "j": place.slug})
    for person in people:
        person.password = encoded
        person.full_name = person.username
    with transaction.atomic():
        User.objects.bulk_create(people)
    posted = Publication.objects.filter(jurisdiction__isnull=True).values_list("month", flat=True)
    return {
        "day": LOAD_DAY.isoformat(),
        "month": format_month(month),
        "password": password,
        "clerks": clerks,
        "heads": list(heads.values()),
        "offices": list(offices.values()),
        # The months the public reads on the city's board.
        "boards": sorted({format_month(m) for m in posted}),
    }


def outcome(month: dt.date = MONTH) -> dict[str, int]:
    """Where the load test's reports got to: reports of `month` by status."""
    from ducha.reports.models import Report

    reports = Report.objects.filter(month=month, submitted_by__username__startswith=PREFIX)
    return dict(Counter(reports.values_list("status", flat=True)))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clerks", type=int, default=300)
    parser.add_argument("--plan", type=Path, default=Path("var/load/plan.json"))
    parser.add_argument("--outcome", action="store_true", help="count the reports after a run")
    args = parser.parse_args(argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ducha.settings")
    import django

    django.setup()
    from django.core.management import call_command

    from ducha.lib import clock

    if args.outcome:
        counts = outcome()
        print(
            "reports of 2022-02 by status: "
            + (", ".join(f"{k} {v}" for k, v in sorted(counts.items())) or "none")
        )
        return
    out = io.StringIO()
    call_command("demo", "--no-serve", stdout=out)
    print(out.getvalue().splitlines()[0])
    post_january()
    with clock.frozen(dt.datetime.combine(LOAD_DAY, dt.time(8))):
        tasks, expected = choose_tasks(MONTH, args.clerks)
        plan = sign_up(tasks, MONTH)
    if len(tasks) < args.clerks:
        sys.exit(f"only {len(tasks)} tasks can be reported in 2022-02, not {args.clerks}")
    args.plan.parent.mkdir(parents=True, exist_ok=True)
    args.plan.write_text(json.dumps(plan, ensure_ascii=False, indent=1))
    print(
        f"load day {LOAD_DAY}: {len(tasks)} clerks ({expected} of their tasks expected in "
        f"2022-02, {len(tasks) - expected} not rated that month), {len(plan['heads'])} heads, "
        f"{len(plan['offices'])} offices; plan in {args.plan}"
    )


if __name__ == "__main__":
    main()
