"""开门搞改革 (ducha/opendoor): the public form and what it refuses (no CSRF token, a 21st
suggestion from one address within the window, an oversized field, a form sent too fast or
too late), the receipt code and the status page, the public statistics, the office's list,
triage and workbook, who sees a suggester's name and contact (the office; never a public
page, never the auditor), the retention, the year's 盘点 and the demo's scale."""

from __future__ import annotations

import datetime as dt
import io
import re

import pytest
from django.core import signing
from django.test import Client
from openpyxl import load_workbook

from ducha.audit.models import AuditEntry
from ducha.bulletins.content import YEAR_SECTIONS
from ducha.lib import clock
from ducha.notify.models import Message
from ducha.opendoor import demo, figures, retention, submission, triage
from ducha.opendoor.models import Suggestion, grouped, normal_code

pytestmark = pytest.mark.django_db

NAME, PHONE = "张三丰", "13912345678"
RECEIPT = re.compile(r'data-receipt="([0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4})"')


def typed(**over) -> dict:
    data = {
        "category": "enterprise",
        "title": "关于简化企业开办流程的建议",
        "text": "建议将企业开办全流程压缩到半天内办结。",
        "name": NAME,
        "contact": PHONE,
        "stamp": submission.stamp(),
    }
    return data | over


def visitor(address="203.0.113.7", **kwargs) -> Client:
    return Client(HTTP_HOST="127.0.0.1", REMOTE_ADDR=address, **kwargs)


@pytest.fixture
def quick(settings):
    """No wait between serving the form and sending it (the stamp's cost is tested apart)."""
    settings.DUCHA_OPEN_DOOR_MIN_SECONDS = 0


def send(client, **over):
    return client.post("/open-door/", typed(**over))


def receipt(response) -> str:
    return RECEIPT.search(response.content.decode())[1]


def suggestion(**over) -> Suggestion:
    fields = {
        "category": "citizen",
        "title": "关于增设公交站点的建议",
        "text": "建议在新区增设公交站点。",
        "name": NAME,
        "contact": PHONE,
        "reply_due": dt.date(2021, 7, 18),
    }
    fields |= over
    due = fields.pop("reply_due")
    s, _ = submission.submit(**fields, address_hash="a" * 64)
    Suggestion.objects.filter(pk=s.pk).update(reply_due=due)
    s.refresh_from_db()
    return s


# The form -----------------------------------------------------------------------------------


def test_the_form_has_the_privacy_note_and_costs_one_query(client, django_assert_max_num_queries):
    with django_assert_max_num_queries(1):  # the areas
        html = client.get("/open-door/").content.decode()
    assert "个人信息保护说明" in html and "365 天后，姓名和联系方式即被删除" in html
    assert 'name="stamp"' in html and 'name="csrfmiddlewaretoken"' in html
    assert NAME not in html


def test_the_form_speaks_english_when_chosen(client):
    client.cookies["django_language"] = "en"
    html = client.get("/open-door/").content.decode()
    assert "Your personal data" in html and ">Send</button>" in html
    assert "Federation of industry and commerce" in html and "个人信息" not in html


def test_the_blank_form_is_rendered_once_but_each_visitor_has_his_own_token_and_stamp(
    cycle, settings
):
    settings.DUCHA_OPEN_DOOR_MIN_SECONDS = 0
    found = re.compile(r'name="(?:csrfmiddlewaretoken|stamp)" value="([^"]+)"')
    pages = [visitor(enforce_csrf_checks=True) for _ in range(2)]
    seen = [found.findall(c.get("/open-door/").content.decode()) for c in pages]
    assert len(seen[0]) == 2 and seen[0][0] != seen[1][0] and "hole" not in str(seen)
    token, stamp = seen[1]
    sent = pages[1].post("/open-door/", typed(stamp=stamp) | {"csrfmiddlewaretoken": token})
    assert sent.status_code == 200 and Suggestion.objects.count() == 1
    office = Client(HTTP_HOST="127.0.0.1")
    office.force_login(cycle["office"])  # his page has his nav: never the shared one
    assert "退出（office）" in office.get("/open-door/").content.decode()


def test_a_suggestion_is_answered_with_its_receipt_code_in_the_same_page(cycle, quick):
    client = visitor()
    response = send(client)
    assert response.status_code == 200
    code = receipt(response)
    s = Suggestion.objects.get()
    assert (s.receipt, s.state, s.name, s.contact) == (code, "received", NAME, PHONE)
    assert len(s.address_hash) == 64 and "203.0.113.7" not in s.address_hash
    assert s.reply_due == dt.date(2021, 7, 18)  # 3 July + 15 days
    assert NAME not in response.content.decode() and PHONE not in response.content.decode()
    message = Message.objects.get(kind="suggestion_received")
    assert s.title in message.subject and NAME not in message.body and PHONE not in message.body
    # The page reloaded (the POST sent again): the same suggestion, the same code.
    assert receipt(send(client, stamp=typed()["stamp"])) == code
    assert Suggestion.objects.count() == 1


def test_a_receipt_code_is_read_in_lower_case_without_dashes():
    assert normal_code(" k7pm 29qd-xr4h ") == "K7PM29QDXR4H"
    assert normal_code("K7PM-29QD-XR4") is None and normal_code("O0I1-29QD-XR4H") is None
    assert grouped("K7PM29QDXR4H") == "K7PM-29QD-XR4H"


def test_a_post_without_csrf_token_is_refused_clearly_keeping_the_text(cycle, quick):
    client = visitor(enforce_csrf_checks=True)
    client.get("/open-door/")  # the token's cookie
    response = send(client, text="一段很长的、不想重写的建议内容")
    assert response.status_code == 403
    html = response.content.decode()
    assert "这次提交未被接受：页面的安全校验已失效" in html
    assert "一段很长的、不想重写的建议内容" in html
    assert not Suggestion.objects.exists()
    # The page carries a fresh token: sending it again goes through.
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)[1]
    again = client.post("/open-door/", typed() | {"csrfmiddlewaretoken": token})
    assert again.status_code == 200 and Suggestion.objects.count() == 1


def test_a_csrf_refusal_elsewhere_gets_the_general_page():
    client = Client(HTTP_HOST="127.0.0.1", enforce_csrf_checks=True)
    response = client.post("/accounts/login/", {"username": "x", "password": "y"})
    assert response.status_code == 403 and "页面已过期，未能提交" in response.content.decode()


def test_the_21st_from_one_address_within_the_window_is_refused_another_address_is_not(
    cycle, quick, settings
):
    assert settings.DUCHA_OPEN_DOOR_LIMIT == 20
    client = visitor("198.51.100.9")
    for n in range(20):
        assert send(client, title=f"建议{n}").status_code == 200
    refused = send(client, title="第二十一条", text="第二十一条的内容")
    assert refused.status_code == 429
    html = refused.content.decode()
    assert "已达 20 条（60 分钟内），暂不能再提交" in html and "第二十一条的内容" in html
    assert send(visitor("198.51.100.10"), title="另一个地址").status_code == 200
    # Counted in the database: an hour later the first address may send again.
    later = clock.now() + dt.timedelta(minutes=61)
    with clock.frozen(later):
        assert send(client, title="一小时后").status_code == 200
    assert Suggestion.objects.count() == 22


def test_an_oversized_field_is_refused_naming_it_and_its_limit_keeping_the_text(cycle, quick):
    client = visitor()
    long_text = "改" * 5001
    response = send(client, text=long_text)
    assert response.status_code == 400
    html = response.content.decode()
    assert "“意见建议内容”最多 5000 字，现有 5001 字" in html and long_text in html
    response = send(client, title="题" * 101)
    assert response.status_code == 400
    assert "“标题”最多 100 字，现有 101 字" in response.content.decode()
    assert send(client, contact="1" * 101).status_code == 400
    assert not Suggestion.objects.exists()


def test_a_form_sent_too_fast_or_too_late_or_without_its_stamp_is_refused(cycle, settings):
    assert settings.DUCHA_OPEN_DOOR_MIN_SECONDS == 5
    client = visitor()
    response = send(client, text="太快了的内容")
    assert response.status_code == 400
    html = response.content.decode()
    assert "提交得太快了（表单打开后不到 5 秒）" in html and "太快了的内容" in html
    old = signing.dumps(round((clock.now().timestamp() - 7 * 3600) * 1000), salt=submission.SALT)
    response = send(client, stamp=old)
    assert response.status_code == 400 and "已打开超过 6 小时" in response.content.decode()
    assert old not in response.content.decode()  # a new stamp
    fine = signing.dumps(round((clock.now().timestamp() - 60) * 1000), salt=submission.SALT)
    for bad in ("", "forged", fine[:-2] + "xx"):
        assert send(client, stamp=bad).status_code == 400
    assert send(client, stamp=fine).status_code == 200


def test_a_missing_choice_is_refused_naming_it(cycle, quick):
    response = send(visitor(), category="", title="")
    assert response.status_code == 400
    html = response.content.decode()
    assert "请选择您的身份" in html and "请填写标题" in html


# The status page and the statistics ---------------------------------------------------------


def test_the_status_page_finds_a_suggestion_by_its_code_and_says_when_it_cannot(
    cycle, client, django_assert_max_num_queries
):
    s = suggestion()
    found = client.get(f"/open-door/status/?code={s.code.lower()}")
    assert found.status_code == 200
    html = found.content.decode()
    assert s.receipt in html and "已收到" in html and "改革办正在办理" in html
    unknown = client.get("/open-door/status/?code=AAAA-BBBB-CCCC")
    assert unknown.status_code == 404
    assert "没有找到回执码为“AAAA-BBBB-CCCC”的意见建议" in unknown.content.decode()
    assert client.get("/open-door/status/?code=" + "x" * 300).status_code == 404
    assert client.get("/open-door/status/").status_code == 200
    with django_assert_max_num_queries(1):  # cached: the version's query only
        client.get(f"/open-door/status/?code={s.code.lower()}")


def test_the_reply_shows_on_the_status_page_after_the_triage(cycle, client):
    s = suggestion()
    before = client.get(f"/open-door/status/?code={s.receipt}").content.decode()
    handling = triage.Handling(
        "replied", dt.date(2021, 7, 20), "adopted", "已采纳，纳入实施方案", [cycle["t1"]]
    )
    triage.handle(s, cycle["office"], handling, version=s.version)
    after = client.get(f"/open-door/status/?code={s.receipt}").content.decode()
    assert after != before
    assert "已答复" in after and "采纳" in after and "已采纳，纳入实施方案" in after
    assert "T-1" in after and "/tasks/T-1/" in after


def test_the_statistics_count_by_category_and_outcome_and_list_those_taken_up(
    cycle, client, django_assert_max_num_queries
):
    adopted = suggestion(category="party", title="采纳的建议")
    suggestion(category="party", title="未答复的建议")
    declined = suggestion(category="enterprise", title="不予采纳的建议")
    for s, outcome in ((adopted, "adopted"), (declined, "declined")):
        handling = triage.Handling("replied", s.reply_due, outcome, f"答复：{outcome}")
        triage.handle(s, cycle["office"], handling, version=s.version)
    with django_assert_max_num_queries(4):  # version, counts, the taken up and their tasks
        html = client.get("/open-door/stats/").content.decode()
    assert 'data-count="received">3<' in html and 'data-count="replied">2<' in html
    assert "采纳的建议" in html and "答复：adopted" in html
    assert "不予采纳的建议" not in html and "答复：declined" not in html
    with django_assert_max_num_queries(1):
        assert client.get("/open-door/stats/").content.decode() == html
    suggestion(title="又一条")  # the count moves: the cached page is not served
    assert 'data-count="received">4<' in client.get("/open-door/stats/").content.decode()


def test_no_public_page_shows_a_name_or_a_contact_the_office_does_the_auditor_not(
    cycle, client, quick
):
    response = send(visitor(), name=NAME, contact=PHONE)
    s = Suggestion.objects.get()
    triage.handle(
        s,
        cycle["office"],
        triage.Handling("replied", s.reply_due, "adopted", "已采纳", [cycle["t1"]]),
        version=s.version,
    )
    public = [
        response.content.decode(),
        client.get("/open-door/").content.decode(),
        client.get(f"/open-door/status/?code={s.code}").content.decode(),
        client.get("/open-door/stats/").content.decode(),
    ]
    assert s.title in public[2] and s.title in public[3]
    for html in public:
        assert NAME not in html and PHONE not in html

    office = Client(HTTP_HOST="127.0.0.1")
    office.force_login(cycle["office"])
    assert NAME in office.get(f"/office/suggestions/{s.pk}/").content.decode()
    assert PHONE in office.get(f"/office/suggestions/{s.pk}/").content.decode()
    assert NAME in office.get("/office/suggestions/").content.decode()

    auditor = Client(HTTP_HOST="127.0.0.1")
    auditor.force_login(cycle["auditor"])
    for url in (f"/office/suggestions/{s.pk}/", "/office/suggestions/"):
        html = auditor.get(url).content.decode()
        assert s.title in html and NAME not in html and PHONE not in html
    for who in ("reporter", "leader"):
        other = Client(HTTP_HOST="127.0.0.1")
        other.force_login(cycle[who])
        assert other.get(f"/office/suggestions/{s.pk}/").status_code == 403


# The office ----------------------------------------------------------------------------------


def test_the_office_replies_through_the_triage_form_audited(cycle):
    s = suggestion()
    office = Client(HTTP_HOST="127.0.0.1")
    office.force_login(cycle["office"])
    url = f"/office/suggestions/{s.pk}/"
    assert 'value="2021-07-18"' in office.get(url).content.decode()  # what a date input reads
    form = {"state": "replied", "outcome": "", "reply": "", "reply_due": "2021-07-25"}
    form |= {"tasks": "T-1", "version": s.version}
    refused = office.post(url, form)
    assert refused.status_code == 400
    assert "答复时请选择办理结果" in refused.content.decode()
    refused = office.post(url, form | {"outcome": "partly", "tasks": "T-1 T-99"})
    assert refused.status_code == 400 and "本辖区台账中没有任务 T-99" in refused.content.decode()
    done = office.post(url, form | {"outcome": "partly", "reply": "部分采纳：……"})
    assert done.status_code == 302
    s.refresh_from_db()
    assert (s.state, s.outcome, s.reply_due, s.replied_by) == (
        "replied",
        "partly",
        dt.date(2021, 7, 25),
        cycle["office"],
    )
    assert list(s.tasks.values_list("code", flat=True)) == ["T-1"]
    entry = AuditEntry.objects.get(action="suggestion_triaged")
    assert entry.data()["outcome"] == "partly" and entry.data()["tasks"] == ["T-1"]
    assert NAME not in entry.detail and NAME not in entry.target_label
    # A form opened before that change is not saved over it.
    stale = office.post(url, form | {"state": "handling", "version": s.version - 1})
    assert stale.status_code == 409 and "已被他人修改" in stale.content.decode()
    auditor = Client(HTTP_HOST="127.0.0.1")
    auditor.force_login(cycle["auditor"])
    assert auditor.post(url, form | {"state": "handling"}).status_code == 403
    assert 'name="reply"' not in auditor.get(url).content.decode()


def test_the_office_list_filters_and_counts_its_queries(
    cycle, client, django_assert_max_num_queries
):
    for n in range(5):
        suggestion(title=f"建议{n}", category="party" if n % 2 else "other")
    overdue = suggestion(title="逾期的", reply_due=dt.date(2021, 7, 1))
    client.force_login(cycle["office"])
    with django_assert_max_num_queries(12):
        html = client.get("/office/suggestions/").content.decode()
    assert html.count("data-suggestion=") == 6 and 'data-count="open">6<' in html
    html = client.get("/office/suggestions/?overdue=1").content.decode()
    assert html.count("data-suggestion=") == 1 and overdue.title in html
    html = client.get("/office/suggestions/?category=party").content.decode()
    assert html.count("data-suggestion=") == 2
    response = client.get("/office/suggestions/?state=nonsense")
    assert response.status_code == 400 and "state" in response.content.decode()


def test_the_workbook_carries_contacts_for_the_office_only_and_is_audited(cycle):
    suggestion()
    sheets = {}
    for who in ("office", "auditor"):
        client = Client(HTTP_HOST="127.0.0.1")
        client.force_login(cycle[who])
        assert client.get("/office/suggestions/export/").status_code == 405
        response = client.post("/office/suggestions/export/", {"state": "received"})
        assert response.status_code == 200
        sheet = load_workbook(io.BytesIO(response.content)).active
        sheets[who] = [[c.value for c in row] for row in sheet.iter_rows(min_row=2)]
    assert "联系方式" in sheets["office"][0] and PHONE in sheets["office"][1]
    assert "联系方式" not in sheets["auditor"][0] and PHONE not in sheets["auditor"][1]
    assert AuditEntry.objects.filter(action="exported").count() == 2


# Retention, the 盘点, the demo -------------------------------------------------------------------


def test_retention_erases_contacts_once_settled_and_addresses_after_the_window(cycle, settings):
    settings.DUCHA_OPEN_DOOR_RETENTION_DAYS = 30
    settled, open_one = suggestion(title="已答复"), suggestion(title="未答复")
    triage.handle(
        settled,
        cycle["office"],
        triage.Handling("replied", settled.reply_due, "noted", "留作参考"),
        version=settled.version,
    )
    now = clock.now()
    assert retention.due(now) == []  # within the window, nothing settled long enough
    assert retention.due(now + dt.timedelta(hours=2)) == [
        "开门搞改革：清除超过限流时段的来源地址哈希 2 条"
    ]
    later = now + dt.timedelta(days=31)
    assert retention.due(later) == ["开门搞改革：清除已答复超过保存期限的意见建议个人信息 1 条"]
    assert retention.due(later) == []  # idempotent
    settled.refresh_from_db()
    open_one.refresh_from_db()
    assert (settled.name, settled.contact, settled.address_hash) == ("", "", "")
    assert (open_one.name, open_one.contact, open_one.address_hash) == (NAME, PHONE, "")
    entries = AuditEntry.objects.filter(action="suggestions_purged").order_by("seq")
    assert [e.data() for e in entries] == [
        {"personal": 0, "addresses": 2},
        {"personal": 1, "addresses": 0},
    ]


def test_the_years_review_has_the_suggestions_by_category_and_outcome(cycle):
    assert figures.year_section in YEAR_SECTIONS
    assert figures.year_section(2021, None) is None
    s = suggestion(category="federation", title="关于融资的建议")
    suggestion(category="citizen")
    triage.handle(
        s,
        cycle["office"],
        triage.Handling("replied", s.reply_due, "adopted", "采纳"),
        version=s.version,
    )
    section = figures.year_section(2021, None)
    assert section.heading == "开门搞改革"
    assert section.blocks[0].startswith("2021年通过“开门搞改革”渠道收到")
    assert "意见建议2条，已答复1条（采纳1条），办理中1条" in section.blocks[0]
    table = section.blocks[1]
    assert table.header[:3] == ("提出者类别", "收到", "已答复")
    assert ("工商联", "1", "1", "1", "0", "0", "0") in table.rows
    assert table.rows[-1][:3] == ("合计", "2", "1")
    assert section.blocks[3].rows == [("关于融资的建议", "工商联", "采纳")]
    assert figures.year_section(2020, None) is None


def test_the_demo_holds_a_few_dozen_suggestions_in_every_state_and_outcome(demo_database):
    assert "开门搞改革：收到意见建议36条，已答复31条" in demo_database
    found = Suggestion.objects.all()
    assert found.count() >= 24
    assert set(found.values_list("state", flat=True)) == set(Suggestion.State.values)
    assert set(found.exclude(outcome="").values_list("outcome", flat=True)) == set(
        Suggestion.Outcome.values
    )
    assert set(found.values_list("category", flat=True)) == set(Suggestion.Category.values)
    assert found.exclude(contact="").exists() and found.filter(tasks__isnull=False).exists()
    assert found.overdue(clock.today()).exists()
    assert demo.seed() == ["开门搞改革：收到意见建议36条，已答复31条"]
    assert Suggestion.objects.count() == 36
