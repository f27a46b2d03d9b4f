"""The audit log: the hash chain, catching tampering, admin changes, and the /audit/ page."""

import datetime as dt
import os
from zoneinfo import ZoneInfo

import pytest
from django.contrib.admin.models import ADDITION, CHANGE
from django.db import DatabaseError, connection, transaction
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from ducha.audit import record, verify_log
from ducha.audit.admin import audit_admin_change
from ducha.audit.log import append, content
from ducha.audit.models import AuditEntry, AuditLock
from ducha.boards.models import Publication
from ducha.desk.auditlog import SAYINGS, describe
from ducha.lib.chain import canonical_json, sha256_hex
from ducha.org.models import Unit, User
from ducha.ratings.marks import MARKS
from ducha.reports.models import Report
from tests.conftest import CHROMIUM, login
from tests.helpers import tamper

SHANGHAI = ZoneInfo("Asia/Shanghai")
FEB_8 = dt.datetime(2022, 2, 8, 14, 3, tzinfo=SHANGHAI)
JANUARY = dt.date(2022, 1, 1)


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


def test_deleting_an_entry_in_the_middle_names_the_deleted_entry(people):
    for _ in range(4):
        record("login", actor=people["office"])
    tamper("DELETE FROM audit_auditentry WHERE seq IN (2, 3)", [])
    assert verify_log() == ["第 2 至 3 条审计记录被删除（第 1 条之后是第 4 条）"]


def test_the_audit_table_refuses_update_and_delete(db):
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
        "jurisdiction": target.jurisdiction_id,  # a superuser's form shows it
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
    audit_admin_change(people["admin"], people["head"], CHANGE, [{"changed": {"fields": ["电话"]}}])
    audit_admin_change(people["admin"], people["leader"], ADDITION, [{"added": {}}])
    assert list(AuditEntry.objects.order_by("seq").values_list("action", "target_label")) == [
        ("user_changed", "head姓名"),
        ("user_changed", "leader姓名"),
    ]


def test_admin_changes_to_other_models_are_audited_as_admin_changes(people):
    unit = Unit.objects.create(name="市财政局")
    audit_admin_change(people["admin"], unit, CHANGE, '[{"changed": {"fields": ["名称"]}}]')
    entry = AuditEntry.objects.get()
    assert (entry.action, entry.target_type, entry.target_label) == (
        "admin_changed",
        "Unit",
        "市财政局",
    )
    assert entry.data() == {"change": "changed", "fields": ["名称"], "model": "单位"}


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
    record("exported", actor=people["head"], detail={"what": "ledger", "rows": 64})
    record("login", actor=people["head"])
    client.force_login(people["auditor"])
    html = client.get("/audit/").content.decode()
    assert "审计链核验通过" in html
    assert html.index("head姓名（head）") < html.index("reporter姓名（reporter）")
    assert "导出了任务台账（64 个节点行）" in html and "单位负责人" in html
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


# Where an entry is filed: task and month --------------------------------------------------


@pytest.fixture
def story(cycle):
    """T-1's January report, January's board, and 王科长 of the office."""
    t1 = cycle["t1"]
    return cycle | {
        "report": Report.objects.create(task=t1, month=JANUARY, unit=t1.lead_unit),
        "board": Publication.objects.create(
            seq=1,
            month=JANUARY,
            version=1,
            kind=Publication.Kind.SCHEDULED,
            snapshot="{}",
            sha256="ab" * 32,
            published_at=FEB_8,
        ),
        "wang": User.objects.create_user("wangkz", full_name="王科长", role="office"),
    }


def test_a_report_entry_is_filed_under_its_task_and_month(story):
    entry = record("report_submitted", actor=story["reporter"], target=story["report"])
    entry.refresh_from_db()
    assert (entry.task_code, entry.month) == ("T-1", JANUARY)


def test_an_override_entry_is_filed_under_its_task_and_the_month_of_its_detail(story):
    detail = {"month": "2022-01", "from": "ox", "to": "ostrich", "reason": "节点逾期"}
    entry = record("rating_overridden", actor=story["wang"], target=story["t1"], detail=detail)
    entry.refresh_from_db()
    assert (entry.task_code, entry.month) == ("T-1", JANUARY)


def test_a_publication_entry_is_filed_under_its_month_and_no_task(story):
    entry = record("board_published", actor_name="ducha tick", target=story["board"])
    entry.refresh_from_db()
    assert (entry.task_code, entry.month) == ("", JANUARY)


def test_a_hold_is_filed_under_the_month_of_its_detail_and_a_login_under_nothing(story):
    held = record("month_held", actor=story["wang"], detail={"month": "2022-01", "reason": ""})
    login = record("login", actor=story["wang"], detail={"month": "not a month"})
    assert (held.task_code, held.month) == ("", JANUARY)
    assert (login.task_code, login.month) == ("", None)


def test_an_entry_without_task_or_month_hashes_exactly_as_before_the_columns_existed(people):
    entry = record("login", actor=people["office"], at=FEB_8)
    before = {
        "seq": 1,
        "at": "2022-02-08T06:03:00+00:00",
        "actor": people["office"].pk,
        "actor_name": "office姓名（office）",
        "role": "office",
        "action": "login",
        "target_type": "",
        "target_id": "",
        "target_label": "",
        "detail": "{}",
        "address": "",
        "previous": "",
    }
    assert content(entry) == before
    assert entry.sha256 == sha256_hex(canonical_json(before))


def test_the_task_and_month_of_an_entry_are_covered_by_its_hash(story):
    entry = record("report_submitted", actor=story["reporter"], target=story["report"])
    assert content(entry)["task_code"] == "T-1" and content(entry)["month"] == "2022-01"
    assert verify_log() == []
    tamper("UPDATE audit_auditentry SET task_code = %s WHERE id = %s", ["T-2", entry.pk])
    assert "内容与其 SHA-256 不符" in verify_log()[0]


# The log in words --------------------------------------------------------------------------


def one_of_each(story) -> list[tuple[AuditEntry, str]]:
    """One entry of every action, shaped as the code that writes it, and how it reads."""
    wang, reporter, head = story["wang"], story["reporter"], story["head"]
    report, board, t1 = story["report"], story["board"], story["t1"]
    visitor = RequestFactory().post("/accounts/login/", REMOTE_ADDR="10.0.0.9")
    w, who = "2022-02-08 14:03", "王科长（wangkz）"
    said = [
        # First (the oldest): the log page's first page still shows those it checks.
        *api_entries(wang, who, w),
        (
            record("login", actor=wang, at=FEB_8),
            f"{who} 于 {w} 登录",
        ),
        (
            record("login_failed", request=visitor, detail={"username": "wang"}, at=FEB_8),
            f"来自 10.0.0.9 的访客 于 {w} 登录失败（用户名 wang）",
        ),
        (
            record(
                "lockout",
                request=visitor,
                detail={
                    "username": "wang",
                    "scope": "username",
                    "until": "2022-02-08T14:18:00+08:00",
                },
                at=FEB_8,
            ),
            f"来自 10.0.0.9 的访客 于 {w} 登录失败次数过多，用户名 wang 锁定至 2022-02-08 14:18",
        ),
        (
            record(
                "lockout",
                request=visitor,
                detail={
                    "username": "wang",
                    "scope": "username",
                    "until": "2022-02-08T14:03:30+08:00",
                    "wait": 30,
                },
                at=FEB_8,
            ),
            f"来自 10.0.0.9 的访客 于 {w} 登录失败次数过多，用户名 wang 须等待 30 秒"
            "（至 2022-02-08 14:03）才能再试",
        ),
        (
            record("mfa_enrolled", actor=wang, at=FEB_8),
            f"{who} 于 {w} 启用了两步验证（身份验证器），并领取了恢复码",
        ),
        (
            record("mfa_failed", actor=wang, detail={"username": "wangkz"}, at=FEB_8),
            f"{who} 于 {w} 输入的动态验证码不正确（用户名 wangkz）",
        ),
        (
            record("recovery_code_used", actor=wang, detail={"left": 9}, at=FEB_8),
            f"{who} 于 {w} 用一个恢复码完成了两步验证，还剩 9 个恢复码",
        ),
        (
            record("mfa_reset", actor=story["office"], target=wang, at=FEB_8),
            f"office 于 {w} 重置了 王科长 的两步验证，其下次登录时须重新绑定",
        ),
        (
            record("logout", actor=reporter, detail={"reason": "idle"}, at=FEB_8),
            f"reporter 于 {w} 因长时间未操作被自动退出",
        ),
        (
            record("logout", actor=wang, at=FEB_8),
            f"{who} 于 {w} 退出登录",
        ),
        (
            record("report_saved", actor=reporter, target=report, at=FEB_8),
            f"reporter 于 {w} 保存了 T-1 2022年1月 的报送草稿",
        ),
        (
            record(
                "report_saved",
                actor=reporter,
                target=report,
                detail={"evidence": "会议纪要.pdf"},
                at=FEB_8,
            ),
            f"reporter 于 {w} 为 T-1 2022年1月 的报送上传了佐证材料“会议纪要.pdf”",
        ),
        (
            record("report_submitted", actor=reporter, target=report, at=FEB_8),
            f"reporter 于 {w} 提交了 T-1 2022年1月 的报送",
        ),
        (
            record("report_withdrawn", actor=reporter, target=report, at=FEB_8),
            f"reporter 于 {w} 撤回了 T-1 2022年1月 的报送",
        ),
        (
            record(
                "report_sent_back",
                actor=head,
                target=report,
                detail={"comment": "请补充会议纪要"},
                at=FEB_8,
            ),
            f"head 于 {w} 将 T-1 2022年1月 的报送退回填报人，意见：请补充会议纪要",
        ),
        (
            record("report_approved", actor=head, target=report, detail={"late": True}, at=FEB_8),
            f"head 于 {w} 审核通过 T-1 2022年1月 的报送并报送改革办（逾期报送）",
        ),
        (
            record(
                "report_returned",
                actor=wang,
                target=report,
                detail={"comment": "进度与佐证不符"},
                at=FEB_8,
            ),
            f"{who} 于 {w} 将 T-1 2022年1月 的报送退回单位修改，意见：进度与佐证不符",
        ),
        (
            record("report_accepted", actor=wang, target=report, at=FEB_8),
            f"{who} 于 {w} 采用了 T-1 2022年1月 的报送",
        ),
        (
            record(
                "rating_overridden",
                actor=wang,
                target=t1,
                detail={"month": "2022-01", "from": "ox", "to": "ostrich", "reason": "节点逾期"},
                at=FEB_8,
            ),
            f"{who} 于 {w} 将 T-1 2022年1月 的评价由黄牛调整为鸵鸟，理由：节点逾期",
        ),
        (
            record(
                "rating_overridden",
                actor=wang,
                target=t1,
                detail={"month": "2022-01", "from": None, "to": "", "reason": "误调"},
                at=FEB_8,
            ),
            f"{who} 于 {w} 撤销了 T-1 2022年1月 的评价调整，恢复为不评价，理由：误调",
        ),
        (
            record(
                "month_held",
                actor=wang,
                detail={"month": "2022-01", "reason": "等待补报"},
                at=FEB_8,
            ),
            f"{who} 于 {w} 暂缓自动发布 2022年1月 公示，理由：等待补报",
        ),
        (
            record("month_released", actor=wang, detail={"month": "2022-01"}, at=FEB_8),
            f"{who} 于 {w} 解除了 2022年1月 公示的暂缓",
        ),
        (
            record(
                "board_published",
                actor_name="ducha tick",
                target=board,
                detail={"month": "2022-01", "version": 1, "sha256": board.sha256},
                at=FEB_8,
            ),
            f"ducha tick 于 {w} 发布了 2022年1月 公示（第1版）",
        ),
        (
            record(
                "board_corrected",
                actor=wang,
                target=board,
                detail={"month": "2022-01", "version": 2, "sha256": "cd" * 32, "reason": "更正"},
                at=FEB_8,
            ),
            f"{who} 于 {w} 发布了 2022年1月 公示的勘误版（第2版），理由：更正",
        ),
        (
            record(
                "ledger_imported",
                actor_name="ducha import-ledger",
                detail={
                    "kind": "progress",
                    "file": "1月进展.xlsx",
                    "sha256": "ef" * 32,
                    "created": 12,
                    "updated": 3,
                    "new_units": [],
                    "new_leaders": [],
                },
                at=FEB_8,
            ),
            f"ducha import-ledger 于 {w} 导入了月度进展“1月进展.xlsx”：新增 12 条，更新 3 条",
        ),
        (
            record(
                "task_pushed",
                actor=wang,
                target=t1,
                detail={"to": ["decheng", "lingcheng"], "names": ["德城区", "陵城区"]},
                at=FEB_8,
            ),
            f"{who} 于 {w} 将任务 {t1} 下达到 德城区、陵城区",
        ),
        (
            record(
                "task_accepted",
                actor=wang,
                target=t1,
                detail={
                    "source": t1.code,
                    "jurisdiction": "decheng",
                    "lead_unit": "区发展改革局",
                    "leader": "李区长",
                    "tightened": {"N1": "2021-05"},
                },
                at=FEB_8,
            ),
            f"{who} 于 {w} 承接了上级下达的任务 {t1}：牵头单位 区发展改革局，分管领导 李区长",
        ),
        (
            record("units_chased", actor=wang, detail={"month": "2022-01", "sent": 7}, at=FEB_8),
            f"{who} 于 {w} 催报了 2022年1月 尚未报送的单位（发出 7 条）",
        ),
        (
            record("exported", actor=wang, detail={"what": "ledger", "rows": 64}, at=FEB_8),
            f"{who} 于 {w} 导出了任务台账（64 个节点行）",
        ),
        (
            record(
                "exported",
                actor_name="clerk",
                target=board,
                detail={"what": "board", "format": "pdf", "file": "board.pdf"},
                at=FEB_8,
            ),
            f"clerk 于 {w} 导出了 2022年1月 公示（PDF）",
        ),
        (
            append(
                "user_changed",
                actor=wang,
                detail={"change": "changed", "fields": ["角色", "电话"], "message": "…"},
                at=FEB_8,
                target_type="User",
                target_id=str(reporter.pk),
                target_label="reporter",
            ),
            f"{who} 于 {w} 修改了用户 reporter 的角色、电话",
        ),
        (
            append(
                "role_changed",
                actor=wang,
                detail={"role": "head", "role_name": "单位负责人"},
                at=FEB_8,
                target_type="User",
                target_id=str(reporter.pk),
                target_label="reporter",
            ),
            f"{who} 于 {w} 将用户 reporter 的角色改为单位负责人",
        ),
        (
            append(
                "admin_changed",
                actor=wang,
                detail={"change": "changed", "model": "单位", "fields": ["简称", "排序"]},
                at=FEB_8,
                target_type="Unit",
                target_id="7",
                target_label="市财政局",
            ),
            f"{who} 于 {w} 在管理后台修改了单位 市财政局 的简称、排序",
        ),
        *supervision_entries(wang, who, w),
        *attribution_entries(wang, who, w),
        *warmap_entries(wang, who, w),
        *pilot_entries(wang, who, w),
        *assignment_entries(wang, who, w),
        *committee_entries(wang, who, w),
        *suggestion_entries(wang, who, w),
        (
            append(
                "bulletin_issued",
                actor=wang,
                detail={"month": "2022-01", "version": 2, "number": "德改办〔2022〕3号"},
                at=FEB_8,
                target_type="IssuedBulletin",
                target_id="1",
                month=JANUARY,
            ),
            f"{who} 于 {w} 印发了 2022年1月 的通报 德改办〔2022〕3号（第2版）",
        ),
        (
            append(
                "scores_policy_changed",
                actor=wang,
                detail={"min_rated": 6, "public": True},
                at=FEB_8,
                target_type="ScorePolicy",
                target_id="1",
            ),
            f"{who} 于 {w} 修改了考核排名设置：评定任务月数不少于 6 个的参与排名，"
            "考核得分向社会公开",
        ),
    ]
    return said


def api_entries(wang, who, w):
    """Tokens and webhooks (ducha.api), as `ducha api-token` and `ducha webhook` write them."""
    token = {"unit": "市财政局", "scope": "report", "prefix": "dch_AbCd1234"}

    def on(action, detail, target_type):
        target = {"target_type": target_type, "target_id": "1", "target_label": "x"}
        return append(action, actor=wang, detail=detail, at=FEB_8, **target)

    return [
        (
            on("api_token_issued", token, "ApiToken"),
            f"{who} 于 {w} 为 市财政局 签发了接口令牌 dch_AbCd1234…（读取并报送）",
        ),
        (
            on("api_token_revoked", token, "ApiToken"),
            f"{who} 于 {w} 吊销了 市财政局 的接口令牌 dch_AbCd1234…（读取并报送）",
        ),
        (
            on("webhook_saved", {"change": "added", "url": "https://kh.example/h"}, "Webhook"),
            f"{who} 于 {w} 登记了公示推送地址 https://kh.example/h",
        ),
    ]


def supervision_entries(wang, who, w) -> list[tuple[AuditEntry, str]]:
    """督办: notices, the ladder's proposals and rules (ducha/supervision), on a task of
    their own (T-9: the page's filter by T-1 counts the others)."""

    def on(action, detail, target_type="Notice", month=None, actor=wang, **more):
        target = {"target_type": target_type, "target_id": "1", "task_code": "T-9"}
        if month:
            target["month"] = month
        return append(action, actor=actor, detail=detail, at=FEB_8, **target, **more)

    number = {"number": "德改督〔2022〕3号"}
    return [
        (
            on("notice_drafted", {"number": "", "proposal": 4}),
            f"{who} 于 {w} 按问责建议起草了 T-9 的督办通知",
        ),
        (
            on("notice_issued", number | {"due": "2022-02-18"}),
            f"{who} 于 {w} 签发了 T-9 的督办通知 德改督〔2022〕3号（反馈期限 2022-02-18）",
        ),
        (
            on("notice_answered", number | {"files": 2, "late": False}),
            f"{who} 于 {w} 就督办通知 德改督〔2022〕3号（T-9）报送了整改反馈（附 2 个佐证材料）",
        ),
        (
            on("notice_returned", number | {"comment": "措施不具体", "due": "2022-02-25"}),
            f"{who} 于 {w} 退回了督办通知 德改督〔2022〕3号（T-9）的整改反馈，意见：措施不具体；"
            "反馈期限 2022-02-25",
        ),
        (
            on("notice_accepted", number),
            f"{who} 于 {w} 审核通过了督办通知 德改督〔2022〕3号（T-9）的整改反馈，督办办结",
        ),
        (
            on("notice_escalated", number | {"days": 3}, actor=None, actor_name="ducha tick"),
            f"ducha tick 于 {w} 催办了逾期 3 天未反馈的督办通知 德改督〔2022〕3号（T-9）",
        ),
        (
            append(
                "ladder_proposed",
                actor_name="问责阶梯",
                detail={"month": "2022-01", "proposals": 5},
                at=FEB_8,
                month=JANUARY,
            ),
            f"问责阶梯 于 {w} 按问责规则对 2022年1月 公示提出了 5 条问责建议",
        ),
        (
            on(
                "proposal_confirmed", {"month": "2022-01", "step": "interview"}, "Proposal", JANUARY
            ),
            f"{who} 于 {w} 确认了 T-9 2022年1月 的问责建议：约谈",
        ),
        (
            on(
                "proposal_dismissed",
                {"month": "2022-01", "step": "notice", "note": "已整改"},
                "Proposal",
                JANUARY,
            ),
            f"{who} 于 {w} 对 T-9 2022年1月 的问责建议（督办通知）不予采纳，理由：已整改",
        ),
        (
            append(
                "ladder_rule_changed",
                actor=wang,
                detail={
                    "change": "changed",
                    "kind": "streak",
                    "mark": "ostrich",
                    "count": 3,
                    "step": "reminder",
                    "active": True,
                    "deduction": "1.0",
                },
                at=FEB_8,
            ),
            f"{who} 于 {w} 修改了问责规则：连续 3 个月评为“{MARKS['ostrich'].name}” → 提醒"
            "（启用，扣分 1.0）",
        ),
    ]


def attribution_entries(wang, who, w) -> list[tuple[AuditEntry, str]]:
    """延误归因 (ducha/attributions), on T-9 too."""

    def on(action, detail):
        detail = {"month": "2022-01", "node": "N1", "unit": "市财政局"} | detail
        target = {"target_type": "Attribution", "target_id": "1", "task_code": "T-9"}
        return append(action, actor=wang, detail=detail, at=FEB_8, month=JANUARY, **target)

    about = "T-9 2022年1月 节点 N1"
    return [
        (
            on("attribution_claimed", {"files": 1}),
            f"{who} 于 {w} 就 {about} 申请延误归因，认为延误由配合单位市财政局造成"
            "（附 1 个佐证材料）",
        ),
        (
            on("attribution_answered", {"stance": "agrees", "files": 0}),
            f"{who} 于 {w} 代表市财政局回复 {about} 的延误归因：认可（附 0 个佐证材料）",
        ),
        (
            on("attribution_accepted", {"rating": "ostrich", "correction_needed": True}),
            f"{who} 于 {w} 认定了 {about} 对市财政局的延误归因，"
            f"评价调整为{MARKS['ostrich'].name}（该月公示已发布，待勘误）",
        ),
        (
            on("attribution_rejected", {}),
            f"{who} 于 {w} 对 {about} 对市财政局的延误归因不予认定",
        ),
    ]


def assignment_entries(wang, who, w) -> list[tuple[AuditEntry, str]]:
    """交办事项 (ducha/assignments)."""

    def on(action, detail):
        detail = {"number": "德改交〔2022〕3号", "unit": "市财政局"} | detail
        target = {"target_type": "Assignment", "target_id": "1"}
        return append(action, actor=wang, detail=detail, at=FEB_8, **target)

    number = "德改交〔2022〕3号"
    return [
        (
            on("assignment_issued", {"kind": "instruction", "deadline": "2022-02-28"}),
            f"{who} 于 {w} 将领导批示作为交办事项 {number} 交市财政局办理（办理时限 2022-02-28）",
        ),
        (
            on("assignment_signed", {}),
            f"{who} 于 {w} 代表市财政局签收了交办事项 {number}",
        ),
        (
            on("assignment_answered", {"files": 1, "again": False}),
            f"{who} 于 {w} 代表市财政局反馈了交办事项 {number} 的办理情况（附 1 个佐证材料）",
        ),
        (
            on("assignment_returned", {"comment": "未见成效"}),
            f"{who} 于 {w} 退回了市财政局就交办事项 {number} 的办理反馈，理由：未见成效",
        ),
        (
            on("assignment_closed", {"late": True}),
            f"{who} 于 {w} 将市财政局承办的交办事项 {number} 办结销号（逾期办结）",
        ),
    ]


def committee_entries(wang, who, w) -> list[tuple[AuditEntry, str]]:
    """深改委 (ducha/committee)."""

    def on(action, target_type, detail):
        target = {"target_type": target_type, "target_id": "1"}
        return append(action, actor=wang, detail=detail, at=FEB_8, **target)

    meeting = {"year": 2021, "number": 2, "held_on": "2021-06-24", "agenda": 8, "decisions": 5}
    tracked = {"meeting": "市委深改委2021年第2次会议", "lead_unit": "市财政局"}
    return [
        (
            on("meeting_saved", "Meeting", meeting | {"created": True}),
            f"{who} 于 {w} 登记了深改委2021年第2次会议（2021-06-24召开，议题 8 项，决定事项 5 项）",
        ),
        (
            on("decision_tracked", "Decision", tracked | {"how": "new_task", "task": "SGW-1"}),
            f"{who} 于 {w} 将市委深改委2021年第2次会议的一项决定列为新的改革任务 SGW-1"
            "（牵头单位市财政局）",
        ),
    ]


def pilot_entries(wang, who, w) -> list[tuple[AuditEntry, str]]:
    """改革试点 (ducha/pilots)."""
    title = "农村集体经营性建设用地入市试点"

    def on(action, detail):
        target = {"target_type": "Pilot", "target_id": "1", "target_label": title}
        detail = {"level": "national", "status": "in_progress"} | detail
        return append(action, actor=wang, detail=detail, at=FEB_8, **target)

    return [
        (
            on("pilot_saved", {"change": "added", "fields": ["title"]}),
            f"{who} 于 {w} 登记了国家级改革试点「{title}」",
        ),
        (
            on("pilot_saved", {"change": "practice_added", "practice": "入市一张图"}),
            f"{who} 于 {w} 为改革试点「{title}」登记了可复制推广经验「入市一张图」",
        ),
        (
            on("pilot_status_changed", {"old": "approved", "back": False}),
            f"{who} 于 {w} 将改革试点「{title}」的状态由“已批复”推进为“推进中”",
        ),
        (
            on("pilot_status_changed", {"old": "evaluated", "back": True}),
            f"{who} 于 {w} 撤销了改革试点「{title}」的上一步，状态由“已评估”退回“推进中”",
        ),
    ]


def suggestion_entries(wang, who, w) -> list[tuple[AuditEntry, str]]:
    """开门搞改革 (ducha/opendoor): the office's triage and the tick's erasure."""

    def on(detail):
        target = {"target_type": "Suggestion", "target_id": "1", "target_label": "K7PM-29QD-XR4H"}
        detail = {"code": "K7PM-29QD-XR4H", "due": "2022-02-20", "tasks": []} | detail
        return append("suggestion_triaged", actor=wang, detail=detail, at=FEB_8, **target)

    return [
        (
            on({"state": "handling", "outcome": ""}),
            f"{who} 于 {w} 将意见建议 K7PM-29QD-XR4H 的办理状态设为“办理中”（答复期限 2022-02-20）",
        ),
        (
            on({"state": "replied", "outcome": "partly", "tasks": ["T-1"]}),
            f"{who} 于 {w} 答复了意见建议 K7PM-29QD-XR4H，办理结果：部分采纳",
        ),
        (
            append(
                "suggestions_purged",
                actor_name="ducha tick",
                detail={"personal": 3, "addresses": 5},
                at=FEB_8,
            ),
            f"ducha tick 于 {w} 按保存期限清除了 3 条已答复意见建议的姓名和联系方式，"
            "以及 5 条意见建议的来源地址哈希",
        ),
    ]


def warmap_entries(wang, who, w) -> list[tuple[AuditEntry, str]]:
    """挂图作战 (ducha/warmap)."""
    label = "ZD2021-001 智能装备制造基地项目"

    def on(action, detail):
        target = {"target_type": "Project", "target_id": "1", "target_label": label}
        if "month" in detail:  # record() files the entry under the month it reports
            target["month"] = JANUARY
        return append(action, actor=wang, detail=detail, at=FEB_8, **target)

    return [
        (
            on("project_saved", {"change": "added", "code": "ZD2021-001"}),
            f"{who} 于 {w} 登记了重点项目「{label}」",
        ),
        (
            on("project_saved", {"change": "phase_changed", "phase": "P2"}),
            f"{who} 于 {w} 修改了重点项目「{label}」的阶段 P2",
        ),
        (
            on("project_reported", {"month": "2022-01", "phases": 3, "invested": "1200.00"}),
            f"{who} 于 {w} 报送了重点项目「{label}」2022年1月 的进展"
            "（3 个阶段，本月完成投资 1200.00 万元）",
        ),
    ]


def test_every_action_reads_as_a_sentence_naming_who_when_and_what(story):
    said = one_of_each(story)
    assert {entry.action for entry, _ in said} == set(AuditEntry.Action.values) == set(SAYINGS)
    for entry, sentence in said:
        assert describe(entry).sentence == sentence


def test_details_a_reader_needs_are_in_words_with_hashes_shortened(story):
    said = dict((e.action, e) for e, _ in one_of_each(story))
    override = describe(said["rating_overridden"])
    assert [(d.label, d.text) for d in override.details] == [("任务", "T-1 推进亩产效益评价改革")]
    (snapshot,) = describe(said["board_published"]).details
    assert (snapshot.label, snapshot.text, snapshot.full) == (
        "快照 SHA-256",
        "abababababab…",
        "ab" * 32,
    )
    (file,) = describe(said["exported"]).details
    assert (file.label, file.text) == ("文件", "board.pdf")


def test_an_entry_written_before_the_columns_existed_still_names_its_task_and_month(story):
    entry = append(
        "report_submitted",
        actor=story["reporter"],
        at=FEB_8,
        target_type="Report",
        target_id=str(story["report"].pk),
        target_label="T-1 2022-01",
    )
    assert (entry.task_code, entry.month) == ("", None)
    assert describe(entry).sentence == "reporter 于 2022-02-08 14:03 提交了 T-1 2022年1月 的报送"


def test_the_page_shows_sentences_and_no_internal_keys(client, story):
    one_of_each(story)
    client.force_login(story["auditor"])
    html = client.get("/audit/").content.decode()
    log = html[html.index('<ol class="audit-log">') :]
    assert "王科长（wangkz） 于 2022-02-08 14:03 将 T-1 2022年1月 的评价由黄牛调整为鸵鸟" in log
    assert 'title="' + "ab" * 32 + '">abababababab…</code>' in log
    for key in ("late", "sha256：", "sha256:", "month", "reason", "{", "True", "None"):
        assert key not in log


def test_the_page_speaks_english_when_chosen(client, story):
    one_of_each(story)
    client.force_login(story["auditor"])
    client.cookies["django_language"] = "en"
    html = client.get("/audit/").content.decode()
    assert (
        "王科长（wangkz） changed the rating of T-1 for January 2022 from Ox to Ostrich"
        " at 2022-02-08 14:03. Reason: 节点逾期"
    ) in html
    assert "ducha tick published the board for January 2022 (version 1) at 2022-02-08 14:03" in html
    assert "Audit log" in html and "Rating overridden" in html
    assert "的报送" not in html


def test_the_page_filters_by_task_and_month(client, story):
    said = one_of_each(story)
    record(
        "report_submitted",
        actor=story["reporter"],
        target=Report.objects.create(
            task=story["t2"], month=dt.date(2021, 12, 1), unit=story["t2"].lead_unit
        ),
    )
    client.force_login(story["office"])
    by_task = client.get("/audit/", {"task": "T-1"}).context["page"]
    on_t1 = [e for e, _ in said if e.task_code == "T-1"]
    assert {e.task_code for e in by_task} == {"T-1"} and len(by_task) == len(on_t1) == 12
    by_month = client.get("/audit/", {"month": "2022-01"}).context["page"]
    month_entries = [e for e, _ in said if e.month == JANUARY]
    assert [e.seq for e in by_month] == sorted((e.seq for e in month_entries), reverse=True)
    both = client.get("/audit/", {"task": "T-2", "month": "2021-12"}).context["page"]
    assert [e.action for e in both] == ["report_submitted"]
    page = client.get("/audit/", {"month": "2021-12"})
    html = page.content.decode()
    assert '<option value="2021-12" selected>2021年12月</option>' in html
    assert '<option value="T-2">' in html


def test_the_page_runs_a_constant_number_of_queries_whatever_the_entries_say(client, story):
    client.force_login(story["office"])
    client.get("/audit/")  # the session's timestamps are written once
    record("login", actor=story["reporter"])
    few = _queries(client)
    for _ in range(3):
        one_of_each(story)  # 72 entries of every kind, over two pages
    assert AuditEntry.objects.count() > 60
    assert _queries(client) == few
    assert _queries(client, page=2) == few
    assert _queries(client, task="T-1", month="2022-01", action="report_saved") == few


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="needs Debian's chromium")
@pytest.mark.parametrize("width", [1366, 390])
def test_the_log_reads_in_wide_columns_without_sideways_scrolling(
    request, live_server, story, width
):
    chromium = request.getfixturevalue("browser")
    one_of_each(story)
    page = login(chromium, live_server, "office", width=width)
    page.goto(f"{live_server.url}/audit/")
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    narrowest = page.evaluate(
        "Math.min(...[...document.querySelectorAll('.audit-sentence, .audit-meta')]"
        ".map(e => e.getBoundingClientRect().width))"
    )
    assert narrowest > (300 if width < 600 else 180)  # never a column of a character or two
    sentence = page.locator(".audit-sentence", has_text="调整为鸵鸟").first
    assert sentence.bounding_box()["width"] > (300 if width < 600 else 800)
    page.close()


def test_filters_find_entries_written_before_the_task_and_month_columns(client, story):
    """Old entries name their task and month only in their label and detail."""
    from tests.helpers import tamper

    one_of_each(story)
    tamper(
        "UPDATE audit_auditentry SET task_code = '', month = NULL WHERE action = %s",
        ["report_submitted"],
    )
    client.force_login(story["auditor"])
    html = client.get("/audit/?task=T-1&month=2022-01&action=report_submitted").content.decode()
    assert "提交了 T-1 2022年1月 的报送" in html
