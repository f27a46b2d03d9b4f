"""Publish a whole province (figures, not a test): 1 province, 16 cities, 130 counties,
45,000 tasks, about 170,000 nodes and a year of progress (`ducha province-data`).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/ducha python -m benchmarks.province
    python -m benchmarks.province --scale 0.1      # a tenth of it, on whatever DATABASE_URL says

Works in a throwaway database (Django's test database, `test_<name>`, dropped at the end),
never the one DATABASE_URL names. It prints:

(a) the seconds `ducha tick --now 2022-01-10T09:00` takes, with the clock frozen then, to
    publish December 2021 for every jurisdiction (DUCHA_PUBLISH_LOOKBACK=1: December
    alone, not October and November too); target 60 s;
(b) the seconds rating December takes for the largest jurisdiction, with the function
    publishing and `ducha rate` use (best of three, cache emptied); target 10 s;
(c) the queries each jurisdiction's publication made, which must not grow with its size,
    and apart from them the queries of what listens to a published board (board_published).

Targets are printed beside the figures, not asserted.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import io
import os
import time
from dataclasses import dataclass
from unittest import mock

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ducha.settings")

DECEMBER = dt.date(2021, 12, 1)


@dataclass(frozen=True)
class Measured:
    """One jurisdiction's publication in the tick, and apart from it its listeners'."""

    slug: str
    tasks: int
    queries: int
    seconds: float
    listener_queries: int
    listener_seconds: float


TICK_AT = "2022-01-10T09:00"
PUBLISH_TARGET, RATING_TARGET = 60.0, 10.0


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.province")
    parser.add_argument("--seed", type=int, default=2021)
    parser.add_argument("--scale", type=float, default=1.0)
    args = parser.parse_args(argv)

    import django

    django.setup()
    from django.db import connection

    # Verbosity 0: no prompt either; an old test database of the same name is replaced.
    name = connection.settings_dict["NAME"]
    connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    try:
        run(args.seed, args.scale)
    finally:
        connection.creation.destroy_test_db(name, verbosity=0)


def run(seed: int, scale: float) -> None:
    from django.core.management import call_command
    from django.db import connection, reset_queries
    from django.db.models import Count
    from django.test.utils import CaptureQueriesContext, override_settings

    from ducha.boards import publication
    from ducha.boards.models import Publication
    from ducha.demo.province_seeding import seed_province
    from ducha.ledger.models import CoUnit, Node, Progress, Task
    from ducha.lib import clock
    from ducha.org.models import Jurisdiction, Leader, Unit
    from ducha.ratings import monthly

    print(f"database: {connection.vendor} ({connection.settings_dict['NAME']})")
    written = seed_province(seed, scale)
    levels = written.jurisdictions
    print(
        f"generated in {written.seconds:.1f} s (seed {seed}, scale {scale:g}): "
        f"{levels.get('province', 0)} province, {levels.get('city', 0)} cities, "
        f"{levels.get('county', 0)} counties; {Task.objects.count()} tasks, "
        f"{Node.objects.count()} nodes, {Progress.objects.count()} progress rows, "
        f"{CoUnit.objects.count()} co-unit links, {Unit.objects.count()} units, "
        f"{Leader.objects.count()} leaders"
    )
    sizes = dict(Task.objects.values_list("jurisdiction").annotate(n=Count("id")))

    # (a) and (c): the tick, each jurisdiction's part of it measured on the way, and apart
    # from it what the listeners to a published board do (reminders, the ladder…).
    measured: list[Measured] = []
    one = publication._publish_due
    signal = getattr(publication, "board_published", None)  # absent before listeners came
    heard: list[tuple[int, float]] = []

    def measure(now, jurisdiction):
        reset_queries()  # the log keeps 9,000 queries: counting needs room
        heard.clear()
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            said = one(now, jurisdiction)
            seconds = time.perf_counter() - started
        listeners = sum(q for q, _ in heard), sum(s for _, s in heard)
        measured.append(
            Measured(
                jurisdiction.slug,
                sizes.get(jurisdiction.pk, 0),
                len(queries) - listeners[0],
                seconds - listeners[1],
                *listeners,
            )
        )
        return said

    def send(*args, **kwargs):
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            answers = type(signal).send(signal, *args, **kwargs)
            heard.append((len(queries), time.perf_counter() - started))
        return answers

    out = io.StringIO()
    with contextlib.ExitStack() as stack:
        stack.enter_context(override_settings(DUCHA_PUBLISH_LOOKBACK=1))
        stack.enter_context(mock.patch.object(publication, "_publish_due", measure))
        if signal is not None:
            stack.enter_context(mock.patch.object(signal, "send", send))
        stack.enter_context(clock.frozen(dt.datetime.fromisoformat(TICK_AT)))
        started, cpu = time.perf_counter(), time.process_time()
        call_command("tick", "--now", TICK_AT, stdout=out)
        total, cpu = time.perf_counter() - started, time.process_time() - cpu
    published = Publication.objects.filter(month=DECEMBER).count()
    listening = sum(m.listener_seconds for m in measured)
    print(
        f"(a) ducha tick --now {TICK_AT}: December 2021 published for {published} of "
        f"{Jurisdiction.objects.count()} jurisdictions in {total:.1f} s ({cpu:.1f} s of CPU "
        f"in this process; the rest is waiting for the database or a free core) "
        f"(target {PUBLISH_TARGET:.0f} s: {'met' if total <= PUBLISH_TARGET else 'MISSED'}); "
        f"of which the listeners to the published boards took {listening:.1f} s"
    )
    slowest = sorted(measured, key=lambda m: -m.seconds)[:3]
    print(
        "    slowest publications: "
        + ", ".join(f"{m.slug} ({m.tasks} tasks) {m.seconds:.2f} s" for m in slowest)
    )

    # (b) the largest jurisdiction's rating, as publishing computes it: afresh.
    largest = Jurisdiction.objects.get(pk=max(sizes, key=sizes.get))
    rounds = []
    for _ in range(3):
        monthly.forget()
        reset_queries()
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            ratings = monthly.rate_month(DECEMBER, jurisdiction=largest)
            rounds.append(time.perf_counter() - started)
    mix = {}
    for r in ratings:
        mix[r.rating] = mix.get(r.rating, 0) + 1
    best = min(rounds)
    print(
        f"(b) rating December for the largest, {largest.slug} ({len(ratings)} tasks): "
        f"{best:.2f} s best of {', '.join(f'{s:.2f}' for s in rounds)}, {len(queries)} queries "
        f"(target {RATING_TARGET:.0f} s: {'met' if best <= RATING_TARGET else 'MISSED'}); "
        + ", ".join(f"{k}: {v}" for k, v in sorted(mix.items(), key=lambda kv: str(kv[0])))
    )

    # (c) queries per publication, smallest against largest; then the listeners'.
    by_size = sorted(measured, key=lambda m: m.tasks)
    for what, field in (("publication", "queries"), ("listeners", "listener_queries")):
        counts = sorted({getattr(m, field) for m in measured})
        small, large = by_size[0], by_size[-1]
        print(
            f"(c) queries per jurisdiction, {what}: smallest {small.slug} ({small.tasks} tasks) "
            f"{getattr(small, field)}, largest {large.slug} ({large.tasks} tasks) "
            f"{getattr(large, field)}; over all {len(measured)}: "
            + ("constant" if len(counts) == 1 else f"from {counts[0]} to {counts[-1]}")
        )
        for count in counts if len(counts) > 1 else ():
            sized = [m.tasks for m in measured if getattr(m, field) == count]
            print(
                f"    {count} queries: {len(sized)} jurisdictions, "
                f"{min(sized)} to {max(sized)} tasks"
            )


if __name__ == "__main__":
    main()
