"""The demo's 13 counties on the city's calendar: `ducha tick` on 10 January 2022 publishes
December for the city and every county, once (also four ticks at once, on PostgreSQL), and
`ducha verify` checks all 14 chains."""

import datetime as dt
import threading

import pytest
from django.core.management import call_command
from django.db import connection

from ducha.boards.models import Publication
from ducha.boards.publication import chain_filter, publish_due, verify
from ducha.demo.seeding import publish_demo_boards, seed_counties, seed_demo
from ducha.lib import clock
from ducha.org.models import Jurisdiction

DECEMBER = "2021-12-01"
TENTH = "2022-01-10T09:00"


def seed_until_november() -> list[Jurisdiction | None]:
    """The demo as it stood on 9 January 2022: 2021 published up to November everywhere."""
    data, _, _ = seed_demo()
    seed_counties(data)
    publish_demo_boards(until=11)
    return [None, *Jurisdiction.objects.filter(parent__home=True).order_by("order")]


def decembers(places) -> dict[str, list[int]]:
    """{jurisdiction name: versions of December in its chain}."""
    return {
        getattr(place, "name", "德州市"): list(
            Publication.objects.filter(chain_filter(place), month=DECEMBER).values_list(
                "version", flat=True
            )
        )
        for place in places
    }


@pytest.mark.skipif(
    connection.vendor == "postgresql", reason="PostgreSQL: the four ticks at once below"
)
def test_tick_on_10_january_publishes_december_for_the_city_and_all_13_counties_once(db, capsys):
    places = seed_until_november()
    assert len(places) == 14 and not Publication.objects.filter(month=DECEMBER).exists()
    capsys.readouterr()
    call_command("tick", "--now", TENTH)
    said = capsys.readouterr().out.splitlines()
    assert decembers(places) == {name: [1] for name in decembers(places)}
    assert len([line for line in said if "2021年12月：已自动发布" in line]) == 14
    assert any(line.startswith("「运河经济开发区」2021年12月：已自动发布") for line in said)
    call_command("tick", "--now", "2022-01-10T09:05")
    assert capsys.readouterr().out.strip() == "没有到期的工作"
    assert Publication.objects.filter(month=DECEMBER).count() == 14
    assert verify() == []
    call_command("verify")
    out = capsys.readouterr().out
    assert "（14 条发布链）" in out
    assert len([line for line in out.splitlines() if "链头 SHA-256：" in line]) == 14


@pytest.mark.skipif(connection.vendor != "postgresql", reason="real concurrency needs PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_four_ticks_at_once_on_the_demo_publish_each_december_once():
    places = seed_until_november()
    start = threading.Barrier(4)
    errors = []

    def tick():
        try:
            start.wait()
            publish_due(clock.local(dt.datetime.fromisoformat(TENTH)))
        except Exception as e:
            errors.append(e)
        finally:
            connection.close()

    threads = [threading.Thread(target=tick) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert decembers(places) == {name: [1] for name in decembers(places)}
    for place in places:
        chain = list(Publication.objects.filter(chain_filter(place)).order_by("seq"))
        assert [p.month.month for p in chain] == list(range(1, 13)), place
        assert [p.previous for p in chain[1:]] == [p.sha256 for p in chain[:-1]], place
    assert verify() == []
