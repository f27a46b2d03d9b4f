"""`ducha verify`: every way of tampering with the publication chain or the audit log that an
intruder with database access might try is named, on SQLite and on PostgreSQL alike."""

import datetime as dt
import json

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from ducha.audit import record, verify_log
from ducha.audit.log import content
from ducha.audit.models import AuditEntry
from ducha.boards.models import Publication
from ducha.boards.publication import publish, verify
from ducha.lib import append_only
from ducha.lib.chain import canonical_json, sha256_hex
from tests.helpers import tamper

APRIL, MAY, JUNE = dt.date(2021, 4, 1), dt.date(2021, 5, 1), dt.date(2021, 6, 1)
AUGUST_10 = dt.datetime(2021, 8, 10, 9, tzinfo=dt.UTC)


@pytest.fixture
def chain(sample_ledger):
    """April, May and June 2021 published on 10 August, in that order."""
    return [publish(m, now=AUGUST_10, by_name="ducha tick").publication for m in (APRIL, MAY, JUNE)]


def verify_fails(*args) -> str:
    """`ducha verify` exits non-zero; what it said."""
    with pytest.raises(CommandError) as failed:
        call_command("verify", *args)
    return str(failed.value)


def forge(after: Publication, month: dt.date, drop=(), by_name=None) -> Publication:
    """A publication appended by hand, consistent in itself and linked to `after`."""
    board = json.loads(after.snapshot) | {"month": f"{month:%Y-%m}", "version": 1}
    board |= {"previous": after.sha256, "published_at": "2021-09-10T09:00:00+08:00"}
    board["tasks"][0]["rating"] = "horse"
    for key in drop:
        del board[key]
    text = canonical_json(board)
    return Publication.objects.create(
        seq=after.seq + 1,
        month=month,
        version=1,
        kind=board["kind"],
        snapshot=text,
        sha256=sha256_hex(text),
        previous=after.sha256,
        published_at=dt.datetime.fromisoformat(board["published_at"]),
        by_name=board.get("by", by_name),
    )


# The publication chain ---------------------------------------------------------------------


def test_a_clean_chain_and_log_pass_and_say_what_a_deleted_newest_entry_would_escape(chain, capsys):
    call_command("verify", "--head", chain[-1].sha256)
    out = capsys.readouterr().out
    assert "核验通过：3 条发布" in out and "审计日志核验通过" in out
    recorded = json.loads(chain[-1].snapshot)["audit"]["seq"]
    newest = AuditEntry.objects.order_by("-seq").first().seq
    assert f"第 1 至 {recorded} 条审计记录由发布链担保" in out
    assert f"其后的 {newest - recorded} 条" in out and "核验无法发现" in out


def test_a_forged_publication_appended_after_the_recorded_head_is_named(chain, client):
    head = chain[-1].sha256
    forged = forge(chain[-1], dt.date(2021, 7, 1))
    assert verify() == []  # consistent in itself: only the recorded head can tell
    problems = verify(head)
    assert problems == [
        f"链头 {head} 不是最新的一条：其后还有 1 条发布：2021年7月第1版（链序号 4），"
        "发布于 2021-09-10 09:00:00。这些发布若不是您记下链头之后经手的，就是伪造的"
    ]
    said = verify_fails("--head", head)
    assert "其后还有 1 条发布" in said and "2021年7月第1版（链序号 4）" in said
    assert verify(forged.sha256) == []  # its own head passes: keep the head outside the database


def test_every_publication_after_an_older_recorded_head_is_listed(chain):
    problems = verify(chain[0].sha256)
    assert len(problems) == 1
    assert (
        "其后还有 2 条发布：2021年5月第1版（链序号 2），发布于 2021-08-10 17:00:00；"
        in (problems[0])
    )
    assert "2021年6月第1版（链序号 3），发布于 2021-08-10 17:00:00" in problems[0]


def test_an_edited_snapshot_is_named(chain):
    may = chain[1]
    edited = may.snapshot.replace('"rating":"snail"', '"rating":"ox"', 1)
    assert edited != may.snapshot
    tamper("UPDATE boards_publication SET snapshot = %s WHERE id = %s", [edited, may.pk])
    assert "2021年5月第1版（链序号 2）：快照内容与其 SHA-256 不符" in verify_fails()


@pytest.mark.parametrize(
    ("column", "value", "said"),
    [
        (
            "published_at",
            dt.datetime(2021, 8, 9, 1, tzinfo=dt.UTC),
            "发布时间（2021-08-09 09:00:00）",
        ),
        ("reason", "已更正", "勘误理由（已更正）"),
        ("kind", "correction", "类型（correction）"),
        ("by_name", "王科长", "发布人（王科长）"),
    ],
)
def test_an_edited_column_shown_on_the_board_is_named(chain, column, value, said):
    may = chain[1]
    tamper(f"UPDATE boards_publication SET {column} = %s WHERE id = %s", [value, may.pk])  # noqa: S608
    problems = verify()
    assert len(problems) == 1
    assert problems[0].startswith(f"2021年5月第1版（链序号 2）：数据库中的{said}与快照中的")
    assert "2021年5月第1版" in verify_fails()


def test_the_board_shows_the_snapshots_time_and_reason_not_an_edited_column(chain, client):
    june = chain[-1]
    tamper(
        "UPDATE boards_publication SET published_at = %s, kind = %s, reason = %s WHERE id = %s",
        [dt.datetime(2021, 7, 1, tzinfo=dt.UTC), "correction", "伪造的理由", june.pk],
    )
    html = client.get("/board/2021-06/").content.decode()
    assert "2021-08-10 17:00" in html and "2021-07-01" not in html
    assert "伪造的理由" not in html and "勘误理由" not in html


def test_a_publication_rewritten_with_its_own_hash_is_named_not_the_next_one(chain):
    """F17: May rewritten, snapshot and hash together; June's link still holds May's old hash."""
    may = chain[1]
    board = json.loads(may.snapshot)
    board["tasks"][0]["rating"] = "horse"
    text = canonical_json(board)
    tamper(
        "UPDATE boards_publication SET snapshot = %s, sha256 = %s WHERE id = %s",
        [text, sha256_hex(text), may.pk],
    )
    assert verify() == [
        f"2021年5月第1版（链序号 2）：被改写过（快照和哈希一并改动）：链序号 3 记下的上一条哈希是 "
        f"{may.sha256}，它现在的哈希是 {sha256_hex(text)}"
    ]
    assert "2021年5月第1版（链序号 2）：被改写过" in verify_fails()


def test_a_deleted_publication_in_the_middle_is_named(chain):
    tamper("DELETE FROM boards_publication WHERE id = %s", [chain[1].pk])
    assert verify() == ["链序号 2 的发布被删除（链序号 1 之后是 3）"]


def test_old_snapshots_without_the_publisher_or_audit_head_still_verify(chain):
    """Snapshots written before the publisher's name and the audit head were recorded: the
    name column has nothing to be compared with."""
    old = forge(chain[-1], dt.date(2021, 7, 1), drop=("by", "audit"), by_name="someone")
    assert "by" not in json.loads(old.snapshot)
    assert verify(old.sha256) == []


def test_a_new_snapshot_carries_its_publisher_and_the_audit_head(chain):
    board = json.loads(chain[-1].snapshot)
    assert board["by"] == chain[-1].by_name == "ducha tick"
    published = AuditEntry.objects.get(action="board_published", detail__contains=chain[-1].sha256)
    before = AuditEntry.objects.get(seq=published.seq - 1)
    assert board["audit"] == {"seq": before.seq, "sha256": before.sha256}


# The audit log -----------------------------------------------------------------------------


def test_a_deleted_newest_audit_entry_before_the_last_publication_is_named(chain):
    recorded = json.loads(chain[-1].snapshot)["audit"]
    # The intruder deletes the newest entries from the recorded head on: the rest still links.
    tamper("DELETE FROM audit_auditentry WHERE seq >= %s", [recorded["seq"]])
    assert verify_log() == []
    said = verify_fails()
    assert f"第 {recorded['seq']} 条审计记录已不在审计日志中" in said
    assert "2021年6月第1版（链序号 3）发布时它是审计链头" in said


def test_a_deleted_newest_audit_entry_after_the_last_publication_is_named_by_its_written_head(
    chain, capsys
):
    """The entries written since the last publication: the head `verify` printed, written
    down elsewhere, catches their deletion."""
    record("logout", actor_name="改革办")
    call_command("verify")
    printed = capsys.readouterr().out
    newest = AuditEntry.objects.order_by("-seq").first()
    assert f"审计日志链头：{newest.seq}:{newest.sha256}" in printed
    written_down = f"{newest.seq}:{newest.sha256}"
    record("login", actor_name="someone")  # later work is fine
    call_command("verify", "--audit-head", written_down)
    tamper("DELETE FROM audit_auditentry WHERE seq >= %s", [newest.seq])
    assert verify_log() == [] and verify() == []  # the rest still links
    said = verify_fails("--audit-head", written_down)
    assert f"记下的第 {newest.seq} 条审计记录已不存在" in said


def test_a_written_audit_head_that_no_longer_matches_is_named(chain):
    newest = AuditEntry.objects.order_by("-seq").first()
    said = verify_fails("--audit-head", f"{newest.seq}:{'0' * 64}")
    assert f"第 {newest.seq} 条审计记录" in said and "被改写过" in said
    assert "应写作 序号:SHA-256" in verify_fails("--audit-head", "①:abc")


def test_an_edited_audit_entry_is_named(chain):
    entry = AuditEntry.objects.order_by("seq").first()
    tamper("UPDATE audit_auditentry SET actor_name = %s WHERE id = %s", ["别人", entry.pk])
    said = verify_fails()
    assert "审计日志核验失败" in said and f"第 {entry.seq} 条审计记录" in said
    assert "内容与其 SHA-256 不符" in said


def test_an_audit_entry_rewritten_with_its_own_hash_is_named_not_the_next_one(db):
    for name in ("a", "b", "c"):
        record("login", actor_name=name)
    second = AuditEntry.objects.get(seq=2)
    second.actor_name = "别人"
    new_hash = sha256_hex(canonical_json(content(second)))
    tamper(
        "UPDATE audit_auditentry SET actor_name = %s, sha256 = %s WHERE id = %s",
        ["别人", new_hash, second.pk],
    )
    (problem,) = verify_log()
    assert problem.startswith("第 2 条审计记录") and "被改写过" in problem
    assert f"它现在的哈希是 {new_hash}" in problem


def test_a_rewritten_audit_head_is_caught_by_the_publication_that_recorded_it(chain):
    recorded = json.loads(chain[-1].snapshot)["audit"]
    # Rewrite the recorded head and every entry after it, hash and link, consistently.
    previous = None
    for entry in AuditEntry.objects.filter(seq__gte=recorded["seq"]).order_by("seq"):
        entry.address = "6.6.6.6"
        entry.previous = previous or entry.previous
        previous = sha256_hex(canonical_json(content(entry)))
        tamper(
            "UPDATE audit_auditentry SET address = %s, previous = %s, sha256 = %s WHERE id = %s",
            [entry.address, entry.previous, previous, entry.pk],
        )
    assert verify_log() == []
    assert f"第 {recorded['seq']} 条审计记录被改写过" in verify_fails()


# Append-only, on both databases --------------------------------------------------------------


def test_the_append_only_triggers_are_put_back_after_a_migrate(db):
    for table, trigger in append_only.TABLES.items():
        append_only.uninstall(connection, table, trigger)
        assert not append_only.installed(connection, table, trigger)
        append_only.reinstall_after_migrate(table)(sender=None, using="default")
        assert append_only.installed(connection, table, trigger)


@pytest.mark.django_db(transaction=True)
def test_a_flush_empties_the_append_only_tables_and_keeps_their_triggers(db):
    record("login", actor_name="a")
    Publication.objects.create(
        seq=1,
        month=JUNE,
        version=1,
        kind="manual",
        snapshot="{}",
        sha256=sha256_hex("{}"),
        published_at=AUGUST_10,
    )
    call_command("flush", interactive=False, verbosity=0)
    assert not AuditEntry.objects.exists() and not Publication.objects.exists()
    for table, trigger in append_only.TABLES.items():
        assert append_only.installed(connection, table, trigger)
