"""Each jurisdiction on the same engine: its own ratings, its own publication chain, its own
calendar and holds; `ducha tick` publishes every one that is due and `ducha verify` checks
every chain. The city is the home jurisdiction (the sample ledger); 德城区 and 陵城区 are
two counties below it, each with a task numbered HX-001 like one of the city's."""

import datetime as dt
import json
import threading

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from ducha.boards.models import Publication
from ducha.boards.publication import (
    build_board,
    chain_head,
    hold,
    is_held,
    is_published,
    latest,
    month_entries,
    months_due,
    posted,
    publication_day,
    publish,
    publish_due,
    release,
    verify,
)
from ducha.ledger.models import Node, Progress, Task
from ducha.org.models import Area, Jurisdiction, Leader, Unit
from ducha.ratings.monthly import override_rating, rate_month
from tests.helpers import tamper

TZ = dt.timezone(dt.timedelta(hours=8))
APRIL, MAY, JUNE = dt.date(2021, 4, 1), dt.date(2021, 5, 1), dt.date(2021, 6, 1)
AUGUST_10 = dt.datetime(2021, 8, 10, 9, tzinfo=dt.UTC)


def at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=TZ)


def county(slug: str, name: str, **calendar) -> Jurisdiction:
    home = Jurisdiction.objects.home()
    return Jurisdiction.objects.create(
        slug=slug, name=name, level="county", parent=home, **calendar
    )


def task(j: Jurisdiction, code: str, title: str, due: dt.date, reports=()) -> Task:
    """A one-node task of `j`'s ledger, with (month, status, percent) progress rows."""
    unit, _ = Unit.objects.get_or_create(jurisdiction=j, name=f"{j.name}发展和改革局")
    leader, _ = Leader.objects.get_or_create(jurisdiction=j, name=f"{j.name}王县长")
    t = Task.objects.create(
        jurisdiction=j,
        code=code,
        title=title,
        area=Area.objects.get(key="industry"),
        source=Task.Source.CITY,
        leader=leader,
        lead_unit=unit,
        plan_year=due.year,
    )
    node = Node.objects.create(task=t, code="N1", title=f"{title}节点", due_month=due, order=1)
    for month, status, percent in reports:
        Progress.objects.create(task=t, node=node, month=month, status=status, percent=percent)
    return t


def make_counties(**lingcheng_calendar) -> tuple[Jurisdiction, Jurisdiction]:
    """德城区 reports on both its tasks; 陵城区 never reports on its one."""
    decheng = county("decheng", "德城区")
    task(
        decheng,
        "HX-001",
        "德城区亩产效益评价",
        dt.date(2021, 12, 1),
        [(MAY, "in_progress", 30), (JUNE, "in_progress", 50)],
    )
    task(decheng, "DC-002", "德城区一窗受理", MAY, [(MAY, "done", None)])
    lingcheng = county("lingcheng", "陵城区", **lingcheng_calendar)
    task(lingcheng, "HX-001", "陵城区亩产效益评价", dt.date(2021, 12, 1))
    return decheng, lingcheng


@pytest.fixture
def counties(sample_ledger):
    return make_counties()


def ratings(month, **kw) -> dict[str, str | None]:
    return {r.task: r.rating for r in rate_month(month, **kw)}


def chain(j=None) -> list[Publication]:
    """`j`'s chain (the home one for None), oldest first."""
    rows = Publication.objects.order_by("seq")
    if j is None:
        return list(rows.filter(jurisdiction__isnull=True))
    return list(rows.filter(jurisdiction=j))


def published(j=None) -> list[str]:
    return [f"{p.month:%Y-%m} v{p.version}" for p in chain(j)]


# Rating ------------------------------------------------------------------------------------


def test_rating_a_county_counts_only_its_own_tasks(sample_ledger):
    city_before = [r.as_json() for r in rate_month(JUNE)]
    decheng, lingcheng = make_counties()
    assert ratings(JUNE, jurisdiction=decheng) == {"DC-002": None, "HX-001": "ox"}
    assert ratings(MAY, jurisdiction=decheng) == {"DC-002": "ox", "HX-001": "ox"}
    assert ratings(JUNE, jurisdiction=lingcheng) == {"HX-001": "snail"}
    # The city's board is what it was: the counties' HX-001 are not the city's.
    assert [r.as_json() for r in rate_month(JUNE)] == city_before
    home = Jurisdiction.objects.home()
    assert [r.as_json() for r in rate_month(JUNE, jurisdiction=home)] == city_before
    assert "DC-002" not in ratings(JUNE)


@pytest.mark.django_db(transaction=True)  # autocommit, as a request runs: ratings are kept
def test_a_kept_rating_is_kept_per_jurisdiction(areas, samples, django_assert_max_num_queries):
    from ducha.ledger.importing import import_ledger
    from ducha.ratings.models import InputsVersion

    InputsVersion.objects.get_or_create(pk=1)  # a transactional test's flush removed it
    import_ledger(samples / "ledger.xlsx")
    decheng, lingcheng = make_counties()
    city = ratings(JUNE)
    assert "DC-002" not in city

    def each():
        assert ratings(JUNE, jurisdiction=decheng) == {"DC-002": None, "HX-001": "ox"}
        assert ratings(JUNE, jurisdiction=lingcheng) == {"HX-001": "snail"}
        assert ratings(JUNE) == city

    each()
    with django_assert_max_num_queries(3):  # from memory: one query each, for the version
        each()


def test_an_override_in_a_county_stays_in_that_county(counties):
    decheng, lingcheng = counties
    city_hx = ratings(JUNE)["HX-001"]
    mine = Task.objects.get(jurisdiction=lingcheng, code="HX-001")
    override_rating(mine, JUNE, "ox", "县改革办核实：已开工", by_name="陵城区改革办")
    assert ratings(JUNE, jurisdiction=lingcheng) == {"HX-001": "ox"}
    assert ratings(JUNE, jurisdiction=decheng)["HX-001"] == "ox"  # its own, not overridden
    assert rate_month(JUNE, jurisdiction=decheng)[1].override is None
    assert ratings(JUNE)["HX-001"] == city_hx


def test_a_county_board_lists_its_tasks_and_units_and_names_its_jurisdiction(counties):
    decheng, _ = counties
    board = build_board(JUNE, jurisdiction=decheng)
    assert board["jurisdiction"] == "decheng"
    assert [(row["task"], row["title"]) for row in board["tasks"]] == [
        ("DC-002", "德城区一窗受理"),
        ("HX-001", "德城区亩产效益评价"),
    ]
    assert [u["unit"] for u in board["units"]] == ["德城区发展和改革局"]
    city = build_board(JUNE)
    assert "jurisdiction" not in city  # the home board is the same document as before
    assert "德城区一窗受理" not in json.dumps(city, ensure_ascii=False)


# Publishing and the chains -----------------------------------------------------------------


def test_publishing_a_county_leaves_the_city_chain_untouched_and_vice_versa(counties):
    decheng, lingcheng = counties
    city_may = publish(MAY, now=AUGUST_10).publication
    dc_may = publish(MAY, now=AUGUST_10, jurisdiction=decheng).publication
    assert chain_head().pk == city_may.pk
    assert chain_head(jurisdiction=decheng).pk == dc_may.pk
    assert chain_head(jurisdiction=lingcheng) is None
    assert dc_may.previous == ""  # the first link of 德城区's own chain
    city_june = publish(JUNE, now=AUGUST_10).publication
    dc_june = publish(JUNE, now=AUGUST_10, jurisdiction=decheng).publication
    lc_june = publish(JUNE, now=AUGUST_10, jurisdiction=lingcheng).publication
    assert city_june.previous == city_may.sha256
    assert dc_june.previous == dc_may.sha256
    assert lc_june.previous == ""
    # One series of sequence numbers over all chains.
    assert [p.seq for p in Publication.objects.order_by("seq")] == [1, 2, 3, 4, 5]
    assert (city_may.jurisdiction_id, dc_may.jurisdiction_id) == (None, decheng.pk)
    snapshot = json.loads(dc_june.snapshot)
    assert snapshot["jurisdiction"] == "decheng" and snapshot["previous"] == dc_may.sha256
    assert "jurisdiction" not in json.loads(city_june.snapshot)
    assert published() == ["2021-05 v1", "2021-06 v1"]
    assert published(decheng) == ["2021-05 v1", "2021-06 v1"]
    assert published(lingcheng) == ["2021-06 v1"]


def test_each_jurisdiction_reads_its_own_publication_of_a_month(counties):
    decheng, lingcheng = counties
    publish(JUNE, now=AUGUST_10, jurisdiction=decheng)
    assert is_published(JUNE, jurisdiction=decheng)
    assert not is_published(JUNE) and not is_published(JUNE, jurisdiction=lingcheng)
    assert latest(JUNE) is None and posted(JUNE) is None
    assert posted(JUNE, jurisdiction=decheng)["jurisdiction"] == "decheng"
    assert [e["task"] for e in month_entries(JUNE, jurisdiction=decheng)] == ["DC-002", "HX-001"]
    assert [e["task"] for e in month_entries(JUNE, jurisdiction=lingcheng)] == ["HX-001"]
    publish(JUNE, now=AUGUST_10)
    assert posted(JUNE)["tasks"][0]["title"] != "德城区亩产效益评价"
    assert "jurisdiction" not in posted(JUNE)


def test_publishing_again_does_nothing_and_a_correction_is_a_version_of_that_county(counties):
    decheng, _ = counties
    first = publish(JUNE, now=AUGUST_10, jurisdiction=decheng)
    again = publish(JUNE, now=AUGUST_10, jurisdiction=decheng)
    assert first.created and not again.created and again.publication.pk == first.publication.pk
    city = publish(JUNE, now=AUGUST_10).publication
    fixed = publish(JUNE, correction="更正节点名称", now=AUGUST_10, jurisdiction=decheng)
    assert (fixed.publication.version, fixed.publication.previous) == (
        2,
        first.publication.sha256,
    )
    assert latest(JUNE).pk == city.pk and city.version == 1


def test_a_county_with_nothing_to_rate_cannot_be_published(sample_ledger):
    empty = county("qingyun", "庆云县")
    with pytest.raises(Exception, match="「庆云县」2021年6月还没有参与评价的任务"):
        publish(JUNE, now=AUGUST_10, jurisdiction=empty)


# Verifying every chain ---------------------------------------------------------------------


@pytest.fixture
def chains(counties):
    """May and June of the city and both counties, published in turn on 10 August."""
    decheng, lingcheng = counties
    for month in (MAY, JUNE):
        for j in (None, decheng, lingcheng):
            publish(month, now=AUGUST_10, jurisdiction=j)
    return decheng, lingcheng


def test_verify_passes_every_chain_and_prints_each_head(chains, capsys):
    decheng, lingcheng = chains
    assert verify() == []
    call_command("verify", "--head", chain_head().sha256)
    out = capsys.readouterr().out
    assert "核验通过：6 条发布（3 条发布链）" in out
    heads = [line for line in out.splitlines() if "链头 SHA-256：" in line]
    assert heads == [
        f"链头 SHA-256：{chain_head().sha256}",
        f"「德城区」（decheng）链头 SHA-256：{chain_head(jurisdiction=decheng).sha256}",
        f"「陵城区」（lingcheng）链头 SHA-256：{chain_head(jurisdiction=lingcheng).sha256}",
    ]


def test_the_recorded_head_is_the_home_chains(chains):
    decheng, _ = chains
    county_head = chain_head(jurisdiction=decheng).sha256
    assert verify(chain_head().sha256) == []
    # A county's head is not where the home chain ends.
    assert "不在发布链中" in verify(county_head)[0]


def test_a_tampered_county_snapshot_is_named_with_its_jurisdiction(chains):
    decheng, _ = chains
    may = chain(decheng)[0]
    edited = may.snapshot.replace('"rating":"ox"', '"rating":"horse"', 1)
    assert edited != may.snapshot
    tamper("UPDATE boards_publication SET snapshot = %s WHERE id = %s", [edited, may.pk])
    problems = verify()
    assert problems[0] == (
        f"「德城区」2021年5月第1版（链序号 {may.seq}）：快照内容与其 SHA-256 不符，发布后被改动过"
    )
    with pytest.raises(CommandError, match="「德城区」2021年5月第1版"):
        call_command("verify")


def test_a_county_publication_moved_into_the_city_chain_is_named(chains):
    decheng, _ = chains
    april = publish(APRIL, now=AUGUST_10, jurisdiction=decheng).publication
    tamper("UPDATE boards_publication SET jurisdiction_id = NULL WHERE id = %s", [april.pk])
    problems = verify()
    assert problems[0] == (
        f"2021年4月第1版（链序号 {april.seq}）：数据库中的辖区（空（本级））与快照中的"
        "（德城区（decheng））不符，发布后被改动过"
    )
    with pytest.raises(CommandError, match="数据库中的辖区"):
        call_command("verify")


def test_a_deleted_county_publication_is_named_and_so_is_its_broken_chain(chains):
    decheng, _ = chains
    may, june = chain(decheng)
    tamper("DELETE FROM boards_publication WHERE id = %s", [may.pk])
    assert verify() == [
        f"链序号 {may.seq} 的发布被删除（链序号 {may.seq - 1} 之后是 {may.seq + 1}）",
        f"「德城区」2021年6月第1版（链序号 {june.seq}）：链条断开："
        "「德城区」发布链中它之前的一条发布被删除",
    ]


def test_a_county_publication_relinked_to_another_chain_is_named(chains):
    decheng, lingcheng = chains
    june = chain(lingcheng)[-1]
    board = json.loads(june.snapshot)
    board["previous"] = chain(decheng)[-1].sha256
    from ducha.lib.chain import canonical_json, sha256_hex

    text = canonical_json(board)
    tamper(
        "UPDATE boards_publication SET snapshot = %s, sha256 = %s, previous = %s WHERE id = %s",
        [text, sha256_hex(text), board["previous"], june.pk],
    )
    problems = verify()
    assert len(problems) == 1
    assert problems[0].startswith("「陵城区」2021年5月第1版")
    assert "被改写过" in problems[0]


# The calendar: tick, publication days and holds ---------------------------------------------


def test_tick_on_the_10th_publishes_the_city_and_both_counties_once(counties, capsys):
    decheng, lingcheng = counties
    call_command("tick", "--now", "2021-07-10T09:00")
    # What else the tick does after publishing (the ladder, the digests) follows these lines.
    out = [line for line in capsys.readouterr().out.splitlines() if "已自动发布" in line]
    months = ["2021-04 v1", "2021-05 v1", "2021-06 v1"]
    assert published() == published(decheng) == published(lingcheng) == months
    assert out[2].startswith("2021年6月：已自动发布，链头 ")
    assert out[3].startswith("「德城区」2021年4月：已自动发布，链头 ")
    assert out[8].startswith("「陵城区」2021年6月：已自动发布，链头 ")
    assert len(out) == 9
    call_command("tick", "--now", "2021-07-10T09:05")
    assert capsys.readouterr().out.strip() == "没有到期的工作"
    assert Publication.objects.count() == 9
    assert verify() == []


def test_a_county_publishes_on_its_own_day(sample_ledger):
    decheng, lingcheng = make_counties(publish_day=12)
    assert publication_day(JUNE, jurisdiction=lingcheng) == dt.date(2021, 7, 12)
    assert publication_day(JUNE) == dt.date(2021, 7, 10)
    assert months_due(dt.date(2021, 7, 10), jurisdiction=lingcheng) == [APRIL, MAY]
    publish_due(at("2021-07-10T09:00"))
    assert "2021-06 v1" in published() and "2021-06 v1" in published(decheng)
    assert published(lingcheng) == ["2021-04 v1", "2021-05 v1"]
    said = publish_due(at("2021-07-12T09:00"))
    assert [line[: line.index("：")] for line in said] == ["「陵城区」2021年6月"]
    assert published(lingcheng) == ["2021-04 v1", "2021-05 v1", "2021-06 v1"]


def test_a_publication_day_past_a_months_end_is_its_last_day(sample_ledger):
    late = county("xiajin", "夏津县", publish_day=31)
    assert publication_day(dt.date(2021, 1, 1), jurisdiction=late) == dt.date(2021, 2, 28)


def test_a_hold_on_one_county_holds_only_it(counties):
    decheng, lingcheng = counties
    hold(JUNE, "等待补报材料", by_name="德城区改革办", jurisdiction=decheng)
    assert is_held(JUNE, jurisdiction=decheng)
    assert not is_held(JUNE) and not is_held(JUNE, jurisdiction=lingcheng)
    said = publish_due(at("2021-07-10T09:00"))
    assert "「德城区」2021年6月：已被暂缓，未自动发布" in said
    assert "2021-06 v1" not in published(decheng)
    assert "2021-06 v1" in published() and "2021-06 v1" in published(lingcheng)
    assert release(JUNE) == 0  # the city had no hold to release
    assert release(JUNE, jurisdiction=decheng) == 1
    publish_due(at("2021-07-11T09:00"))
    assert "2021-06 v1" in published(decheng)


def test_a_hold_on_the_city_does_not_hold_a_county(counties):
    decheng, _ = counties
    hold(JUNE, "市里暂缓")
    publish_due(at("2021-07-10T09:00"))
    assert "2021-06 v1" not in published()
    assert "2021-06 v1" in published(decheng)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="real concurrency needs PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_four_ticks_at_the_same_moment_publish_each_jurisdiction_once(areas, samples):
    from ducha.ledger.importing import import_ledger, import_progress

    import_ledger(samples / "ledger.xlsx")
    import_progress(samples / "progress.csv")
    decheng, lingcheng = make_counties()
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
    months = ["2021-04 v1", "2021-05 v1", "2021-06 v1"]
    assert published() == published(decheng) == published(lingcheng) == months
    for j in (None, decheng, lingcheng):
        links = chain(j)
        assert [p.previous for p in links] == ["", *(p.sha256 for p in links[:-1])]
    assert [p.seq for p in Publication.objects.order_by("seq")] == list(range(1, 10))
    assert verify() == []


# The command line --------------------------------------------------------------------------


def test_rate_takes_a_jurisdiction(counties, capsys):
    call_command("rate", "--month", "2021-06", "--jurisdiction", "lingcheng", "--format", "json")
    out = json.loads(capsys.readouterr().out)
    assert out["jurisdiction"] == "lingcheng"
    assert [(r["task"], r["rating"]) for r in out["ratings"]] == [("HX-001", "snail")]
    call_command("rate", "--month", "2021-06", "--format", "json")
    city = json.loads(capsys.readouterr().out)
    assert "jurisdiction" not in city and len(city["ratings"]) > 1


@pytest.mark.parametrize("command", ["rate", "publish", "board", "hold"])
def test_an_unknown_jurisdiction_is_refused_naming_the_valid_ones(counties, command):
    with pytest.raises(CommandError) as refused:
        call_command(command, "--month", "2021-06", "--jurisdiction", "nowhere")
    said = str(refused.value)
    assert "nowhere" in said
    assert all(slug in said for slug in ("city", "decheng", "lingcheng"))


def test_publish_board_and_hold_take_a_jurisdiction(counties, capsys, tmp_path):
    decheng, lingcheng = counties
    call_command("publish", "--month", "2021-06", "--jurisdiction", "decheng")
    out = capsys.readouterr().out
    assert "「德城区」2021年6月第1版已发布" in out
    assert chain_head(jurisdiction=decheng).sha256 in out
    assert chain_head() is None
    call_command("board", "--month", "2021-06", "--jurisdiction", "decheng")
    board = json.loads(capsys.readouterr().out)
    assert board["jurisdiction"] == "decheng"
    assert board["sha256"] == chain_head(jurisdiction=decheng).sha256
    with pytest.raises(CommandError, match="2021年6月尚未发布"):
        call_command("board", "--month", "2021-06")
    with pytest.raises(CommandError, match="「陵城区」2021年6月尚未发布"):
        call_command("board", "--month", "2021-06", "--jurisdiction", "lingcheng")
    call_command("hold", "--month", "2021-06", "--jurisdiction", "lingcheng", "--reason", "补报")
    assert "「陵城区」2021年6月：已暂缓自动发布" in capsys.readouterr().out
    assert is_held(JUNE, jurisdiction=lingcheng) and not is_held(JUNE)
    with pytest.raises(CommandError, match="「德城区」2021年6月已经发布，暂缓无效"):
        call_command("hold", "--month", "2021-06", "--jurisdiction", "decheng")
    call_command("hold", "--month", "2021-06", "--jurisdiction", "lingcheng", "--release")
    assert "「陵城区」2021年6月：已解除暂缓" in capsys.readouterr().out
    assert not is_held(JUNE, jurisdiction=lingcheng)
