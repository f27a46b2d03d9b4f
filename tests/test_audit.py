"""The audit log: the hash chain, catching tampering, admin changes, and the /audit/ page."""

import datetime as dt

import pytest
from django.contrib.admin.models import ADDITION, CHANGE, LogEntry
from django.db import DatabaseError, connection, transaction
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from ducha.audit import record, verify_log
from ducha.audit.log import content
from ducha.audit.models import AuditEntry, AuditLock
from ducha.lib.chain import canonical_json, sha256_hex
from ducha.org.models import Unit, User
from tests.helpers import tamper


@pytest.fixture
def people(db):
    def person(username, role, **extra):
        return User.objects.create_user(
            username, password="pw-12345678", role=role, full_name=f"{username}姓名", **extra
        )

    return {
        "office": person("office", "office"),
        "auditor": person("auditor", "auditor"),
        "reporter": person("reporter", "reporter"),
        "head": person("head", "head"),
        "leader": person("leader", "leader"),
        "admin": person("admin", "reporter", is_superuser=True, is_staff=True),
    }


def test_entries_link_into_one_chain_and_verify_passes(people):
    entries = [record("login", actor=people["office"]) for _ in range(3)]
    assert [e.seq for e in entries] == [1, 2, 3]
    assert [e.previous for e in entries] == ["", entries[0].sha256, entries[1].sha256]
    for e in AuditEntry.objects.all():
        assert e.sha256 == sha256_hex(canonical_json(content(e)))
        assert content(e)["previous"] == e.previous
    assert verify_log() == []


def test_record_takes_the_actor_role_and_address_from_the_request(people):
    request = RequestFactory().post("/x", REMOTE_ADDR="192.0.2.5")
    request.user = people["office"]
    entry = record("exported", request=request)
    assert (entry.actor, entry.actor_name, entry.role, entry.address) == (
        people["office"],
        "office姓名（office）",
        "office",
        "192.0.2.5",
    )


def test_record_stores_the_target_class_pk_and_label_and_canonical_detail(db):
    unit = Unit.objects.create(name="市发展和改革委员会")
    detail = {"月份": dt.date(2021, 6, 1), "b": 2, "a": [1, "二"]}
    entry = record("ledger_imported", target=unit, detail=detail, actor_name="ducha import-ledger")
    entry.refresh_from_db()
    assert (entry.target_type, entry.target_id, entry.target_label) == (
        "Unit",
        str(unit.pk),
        "市发展和改革委员会",
    )
    assert entry.detail == '{"a":[1,"二"],"b":2,"月份":"2021-06-01"}'
    assert (entry.actor, entry.actor_name) == (None, "ducha import-ledger")


def test_an_unknown_action_is_refused(db):
    with pytest.raises(ValueError, match="unknown audit action"):
        record("dance")
    assert not AuditEntry.objects.exists()


def test_the_lock_row_is_recreated_if_missing(db):
    AuditLock.objects.all().delete()
    record("login")
    assert AuditLock.objects.filter(pk=1).exists()


def test_editing_an_entry_with_raw_sql_makes_verify_log_fail_naming_it(people):
    for _ in range(3):
        record("login", actor=people["office"])
    second = AuditEntry.objects.get(seq=2)
    tamper("UPDATE audit_auditentry SET address = %s WHERE id = %s", ["6.6.6.6", second.pk])
    when = timezone.localtime(second.at).strftime("%Y-%m-%d %H:%M:%S")
    assert verify_log() == [f"第 2 条审计记录（{when}）：内容与其 SHA-256 不符，写入后被改动过"]


def test_deleting_an_entry_breaks_the_chain_at_the_next_one(people):
    for _ in range(3):
        record("login", actor=people["office"])
    tamper("DELETE FROM audit_auditentry WHERE seq = %s", [2])
    problems = verify_log()
    assert len(problems) == 1
    assert problems[0].startswith("第 3 条审计记录") and "链条断开" in problems[0]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the trigger is PostgreSQL's")
def test_on_postgresql_the_audit_table_refuses_update_and_delete(db):
    entry = record("login")
    for sql in (
        "UPDATE audit_auditentry SET address = 'x' WHERE id = %s",
        "DELETE FROM audit_auditentry WHERE id = %s",
    ):
        with (
            pytest.raises(DatabaseError, match="append-only"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(sql, [entry.pk])
    assert AuditEntry.objects.get(pk=entry.pk).sha256 == entry.sha256


def test_changing_a_role_in_the_admin_is_audited_with_the_admin_as_actor(client, people):
    target = people["reporter"]
    client.force_login(people["admin"])
    form = {
        "username": target.username,
        "full_name": target.full_name,
        "role": "head",
        "is_active": "on",
        "date_joined_0": "2021-01-01",
        "date_joined_1": "09:00:00",
        "initial-date_joined_0": "2021-01-01",
        "initial-date_joined_1": "09:00:00",
    }
    response = client.post(f"/admin/org/user/{target.pk}/change/", form)
    assert response.status_code == 302, response.context["adminform"].form.errors
    target.refresh_from_db()
    assert target.role == "head"
    changed, role = AuditEntry.objects.order_by("seq")
    assert (changed.action, changed.actor, changed.target_type, changed.target_id) == (
        "user_changed",
        people["admin"],
        "User",
        str(target.pk),
    )
    assert "角色" in changed.detail and '"change":"changed"' in changed.detail
    assert (role.action, role.actor, role.target_label) == (
        "role_changed",
        people["admin"],
        str(target),
    )
    assert '"role":"head"' in role.detail


def test_other_admin_changes_to_users_are_audited_without_a_role_change(people):
    LogEntry.objects.log_actions(
        people["admin"].pk, [people["head"]], CHANGE, [{"changed": {"fields": ["电话"]}}]
    )
    LogEntry.objects.log_actions(people["admin"].pk, [people["leader"]], ADDITION, [{"added": {}}])
    assert list(AuditEntry.objects.order_by("seq").values_list("action", "target_label")) == [
        ("user_changed", "head姓名"),
        ("user_changed", "leader姓名"),
    ]


def test_admin_changes_to_other_models_are_not_audited_as_user_changes(people):
    unit = Unit.objects.create(name="市财政局")
    LogEntry.objects.log_actions(
        people["admin"].pk, [unit], CHANGE, [{"changed": {"fields": ["名称"]}}]
    )
    assert not AuditEntry.objects.exists()


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("office", 200),
        ("auditor", 200),
        ("admin", 200),
        ("reporter", 403),
        ("head", 403),
        ("leader", 403),
    ],
)
def test_only_the_office_auditors_and_superusers_may_read_the_log(client, people, who, status):
    client.force_login(people[who])
    assert client.get("/audit/").status_code == status


def test_anonymous_visitors_are_sent_to_sign_in(client, db):
    response = client.get("/audit/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/audit/"


def test_the_page_lists_newest_first_and_filters_by_action_and_actor(client, people):
    record("login", actor=people["reporter"])
    record("exported", actor=people["head"], detail={"文件": "台账.xlsx"})
    record("login", actor=people["head"])
    client.force_login(people["auditor"])
    html = client.get("/audit/").content.decode()
    assert "审计链核验通过" in html
    assert html.index("head姓名（head）") < html.index("reporter姓名（reporter）")
    assert "文件：台账.xlsx" in html and "单位负责人" in html
    page = client.get("/audit/", {"action": "login"}).context["page"]
    assert [e.seq for e in page] == [3, 1]
    page = client.get("/audit/", {"action": "login", "actor": people["head"].pk}).context["page"]
    assert [e.seq for e in page] == [3]


def test_the_page_shows_a_broken_chain(client, people):
    record("login", actor=people["office"])
    entry = AuditEntry.objects.get()
    tamper("UPDATE audit_auditentry SET actor_name = %s WHERE id = %s", ["别人", entry.pk])
    client.force_login(people["office"])
    html = client.get("/audit/").content.decode()
    assert "审计链核验未通过" in html and "第 1 条审计记录" in html


def _queries(client, **params) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/audit/", params).status_code == 200
    return len(queries)


def test_the_page_runs_a_constant_number_of_queries(client, people):
    client.force_login(people["office"])
    client.get("/audit/")  # the session's timestamps are written once
    record("login", actor=people["reporter"])
    few = _queries(client)
    users = list(people.values())
    for i in range(120):
        record("exported", actor=users[i % len(users)], target=users[i % 3])
    assert _queries(client) == few
    assert _queries(client, page=2) == few
    assert _queries(client, action="exported", actor=people["head"].pk) == few
