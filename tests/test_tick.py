"""`ducha tick`: the scheduled publication on the 10th, holds, idempotence, concurrency."""

import datetime as dt
import threading

import pytest
from django.core.management import call_command
from django.db import connection

from ducha.boards.models import Publication
from ducha.boards.publication import hold, publish_due, release

TZ = dt.timezone(dt.timedelta(hours=8))


def at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=TZ)


def published() -> list[str]:
    return [f"{p.month:%Y-%m} v{p.version}" for p in Publication.objects.order_by("seq")]


def test_a_month_is_published_on_the_10th_of_the_next_month_not_before(sample_ledger):
    publish_due(at("2021-07-09T23:59"))
    assert published() == ["2021-04 v1", "2021-05 v1"]  # within the three-month look-back
    said = publish_due(at("2021-07-10T00:01"))
    assert published() == ["2021-04 v1", "2021-05 v1", "2021-06 v1"]  # three months look back
    assert said[-1].startswith("2021年6月：已自动发布，链头 ")
    june = Publication.objects.get(month="2021-06-01")
    assert (june.kind, june.by_name) == ("scheduled", "ducha tick")


def test_tick_is_idempotent(sample_ledger, capsys):
    call_command("tick", "--now", "2021-07-10T09:00")
    first = published()
    call_command("tick", "--now", "2021-07-10T09:05")
    call_command("tick", "--now", "2021-07-11T09:00")
    assert published() == first
    assert capsys.readouterr().out.strip().endswith("没有到期的工作")


def test_the_publication_day_is_a_setting(sample_ledger, settings):
    settings.DUCHA_PUBLISH_DAY = 5
    publish_due(at("2021-07-05T08:00"))
    assert "2021-06 v1" in published()


def test_a_held_month_waits_until_released(sample_ledger):
    hold(dt.date(2021, 6, 1), "等待补报材料")
    said = publish_due(at("2021-07-10T09:00"))
    assert "2021年6月：已被暂缓，未自动发布" in said
    assert "2021-06 v1" not in published()
    release(dt.date(2021, 6, 1))
    publish_due(at("2021-07-11T09:00"))
    assert "2021-06 v1" in published()


def test_nothing_before_the_first_rated_month_is_published(sample_ledger):
    publish_due(at("2021-02-10T09:00"))
    assert published() == ["2021-01 v1"]


def test_a_bad_now_is_a_clear_error(db):
    from django.core.management import CommandError

    with pytest.raises(CommandError, match="不是 ISO 时间"):
        call_command("tick", "--now", "next tuesday")


@pytest.mark.skipif(connection.vendor != "postgresql", reason="real concurrency needs PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_two_ticks_at_the_same_moment_publish_once(areas, samples):
    from ducha.ledger.importing import import_ledger, import_progress

    import_ledger(samples / "ledger.xlsx")
    import_progress(samples / "progress.csv")
    start = threading.Barrier(4)
    errors = []

    def tick():
        try:
            start.wait()
            publish_due(at("2021-07-10T09:00"))
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
    assert published() == ["2021-04 v1", "2021-05 v1", "2021-06 v1"]
    chain = list(Publication.objects.order_by("seq"))
    assert [p.previous for p in chain[1:]] == [p.sha256 for p in chain[:-1]]
