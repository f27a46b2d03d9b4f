"""Publishing boards, corrections, the hash chain, and catching tampering."""

import datetime as dt
import json

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction

from ducha.boards.models import Publication
from ducha.boards.publication import PublicationError, publish, verify
from ducha.ledger.importing import import_progress
from ducha.ledger.models import Task
from ducha.lib.chain import canonical_json, sha256_hex
from ducha.ratings.models import Override
from ducha.ratings.monthly import override_rating
from tests.helpers import PROGRESS_HEADER, tamper, write_csv

JUNE = dt.date(2021, 6, 1)


def months(*names):
    return [dt.date(2021, int(m), 1) for m in names]


def test_publishing_freezes_the_board_against_later_imports(sample_ledger, tmp_path):
    first = publish(JUNE).publication
    board = json.loads(first.snapshot)
    hx002 = next(t for t in board["tasks"] if t["task"] == "HX-002")
    assert hx002["rating"] == "snail"
    assert hx002["nodes"][0]["code"] == "N1" and "status" in hx002["nodes"][0]
    # A late report for June arrives after publication: the published board does not move.
    late = [["HX-002", "N1", "2021-06", "推进中", "", "50", "补报"]]
    import_progress(write_csv(tmp_path / "late.csv", PROGRESS_HEADER, late))
    assert Publication.objects.get(pk=first.pk).snapshot == first.snapshot
    assert publish(JUNE).created is False


def test_publishing_again_is_a_no_op_that_says_so(sample_ledger, capsys):
    call_command("publish", "--month", "2021-06")
    out = capsys.readouterr().out
    assert "2021年6月第1版已发布" in out and "链头 SHA-256：" in out
    call_command("publish", "--month", "2021-06")
    assert "未做改动" in capsys.readouterr().out
    assert Publication.objects.count() == 1


def test_a_correction_is_a_new_version_and_the_old_one_stays_readable(sample_ledger, capsys):
    v1 = publish(JUNE).publication
    task = Task.objects.get(code="HX-002")
    override_rating(task, JUNE, "ostrich", "补报材料证明6月已启动", by_name="office")
    v2 = publish(JUNE, correction="HX-002 补报后调整").publication
    assert (v2.version, v2.previous, v2.kind) == (2, v1.sha256, "correction")
    capsys.readouterr()
    call_command("board", "--month", "2021-06", "--format", "json", "--version", "1")
    old = json.loads(capsys.readouterr().out)
    call_command("board", "--month", "2021-06", "--format", "json")
    new = json.loads(capsys.readouterr().out)
    rating = {
        b["version"]: next(t for t in b["tasks"] if t["task"] == "HX-002") for b in (old, new)
    }
    assert rating[1]["rating"] == "snail"
    assert rating[2]["rating"] == "ostrich" and rating[2]["computed"] == "snail"
    assert rating[2]["override"]["reason"] == "补报材料证明6月已启动"
    assert new["correction"] == "HX-002 补报后调整"
    assert (new["sha256"], new["previous"]) == (v2.sha256, v1.sha256)
    assert old["sha256"] == v1.sha256 and old["previous"] is None


def test_a_correction_needs_a_reason_and_a_published_month(sample_ledger):
    with pytest.raises(PublicationError, match="还没有发布"):
        publish(JUNE, correction="x")
    publish(JUNE)
    with pytest.raises(PublicationError, match="必须写明理由"):
        publish(JUNE, correction="  ")


def test_a_month_cannot_be_published_before_it_ends(sample_ledger):
    with pytest.raises(PublicationError, match="尚未结束"):
        publish(JUNE, now=dt.datetime(2021, 6, 30, 12, tzinfo=dt.UTC))


def test_an_override_needs_a_reason_and_keeps_both_values(sample_ledger):
    task = Task.objects.get(code="HX-001")
    with pytest.raises(ValueError, match="必须写明理由"):
        override_rating(task, JUNE, "horse", " ")
    override_rating(task, JUNE, "horse", "提前完成试点", by_name="office")
    o = Override.objects.get()
    assert (o.computed, o.rating, o.by_name) == ("ox", "horse", "office")
    with pytest.raises(ValueError, match="不参与评价"):
        override_rating(Task.objects.get(code="HX-004"), JUNE, "ox", "x")


def test_the_chain_links_every_publication_and_verify_passes(sample_ledger, capsys):
    for m in months(1, 2, 3):
        publish(m)
    chain = list(Publication.objects.order_by("seq"))
    assert [p.previous for p in chain] == ["", chain[0].sha256, chain[1].sha256]
    for p in chain:
        assert sha256_hex(p.snapshot) == p.sha256
        assert p.snapshot == canonical_json(json.loads(p.snapshot))
    assert verify() == []
    call_command("verify", "--head", chain[-1].sha256)
    assert "核验通过：3 条发布" in capsys.readouterr().out


def test_editing_a_stored_snapshot_makes_verify_fail_naming_the_month(sample_ledger):
    for m in months(4, 5, 6):
        publish(m)
    may = Publication.objects.get(month="2021-05-01")
    edited = may.snapshot.replace('"rating":"snail"', '"rating":"ox"', 1)
    assert edited != may.snapshot
    tamper("UPDATE boards_publication SET snapshot = %s WHERE id = %s", [edited, may.pk])
    problems = verify()
    assert len(problems) == 1
    assert problems[0].startswith("2021年5月第1版（链序号 2）：快照内容与其 SHA-256 不符")
    with pytest.raises(CommandError, match="2021年5月第1版"):
        call_command("verify")


def test_rewriting_the_whole_chain_consistently_is_caught_by_the_old_head(sample_ledger):
    for m in months(4, 5, 6):
        publish(m)
    old_head = Publication.objects.order_by("-seq").first().sha256
    previous = ""
    for p in Publication.objects.order_by("seq"):
        board = json.loads(p.snapshot)
        board["tasks"][0]["rating"] = "horse"
        board["previous"] = previous or None
        text = canonical_json(board)
        tamper(
            "UPDATE boards_publication SET snapshot = %s, sha256 = %s, previous = %s WHERE id = %s",
            [text, sha256_hex(text), previous, p.pk],
        )
        previous = sha256_hex(text)
    assert verify() == []  # consistent in itself …
    problems = verify(old_head)  # … but not the chain whose head was recorded
    assert problems == [f"链头 {old_head} 不在发布链中：发布链被整体改写过（当前链头 {previous}）"]
    with pytest.raises(CommandError, match="发布链被整体改写"):
        call_command("verify", "--head", old_head)


def test_a_broken_link_is_named(sample_ledger):
    for m in months(1, 2):
        publish(m)
    feb = Publication.objects.get(month="2021-02-01")
    tamper("UPDATE boards_publication SET previous = %s WHERE id = %s", ["0" * 64, feb.pk])
    problems = verify()
    assert any("2021年2月第1版" in p and "链条断开" in p for p in problems)


def test_the_publication_table_refuses_update_and_delete(sample_ledger):
    p = publish(JUNE).publication
    for sql in (
        "UPDATE boards_publication SET snapshot = '{}' WHERE id = %s",
        "DELETE FROM boards_publication WHERE id = %s",
    ):
        with (
            pytest.raises(DatabaseError, match="append-only"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(sql, [p.pk])
    assert Publication.objects.get(pk=p.pk).snapshot == p.snapshot


def test_publishing_from_the_command_line_is_audited(sample_ledger):
    from ducha.audit.models import AuditEntry

    call_command("publish", "--month", "2021-06")
    entry = AuditEntry.objects.get(action="board_published")
    assert entry.actor is None and entry.actor_name
    assert json.loads(entry.detail)["month"] == "2021-06"
    assert json.loads(entry.detail)["sha256"] == Publication.objects.get().sha256


def test_a_board_published_by_an_english_reader_is_still_chinese(sample_ledger):
    from django.utils import translation

    with translation.override("en"):
        board = json.loads(publish(JUNE).publication.snapshot)
    assert {t["source"] for t in board["tasks"]} == {"省定", "市定"}
