"""延误归因's pages: who opens which, forms that keep what was typed, GETs that write nothing,
constant queries, and the accepted attributions on /me/, the task page and the board."""

import datetime as dt
import re

import pytest
from django.contrib.auth.models import Permission
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from ducha.attributions import workflow
from ducha.attributions.models import Attribution
from ducha.boards.publication import publish
from ducha.org.models import Jurisdiction, Unit, User
from ducha.ratings.models import Override
from tests.test_attributions import JULY_10, JUNE, claimed, n1
from tests.test_attributions import units as units

WRITES = re.compile(r"^\s*(INSERT|UPDATE|DELETE|REPLACE)\b", re.I)


def client_of(user=None) -> Client:
    client = Client(HTTP_HOST="127.0.0.1")
    if user is not None:
        client.force_login(user)
    return client


def answered(cycle, units, **more):
    a = claimed(cycle, units, **more)
    return workflow.answer(a, cycle["other_reporter"], stance="agrees", text="资金拨付滞后属实")


def page(response) -> str:
    return response.content.decode()


# The claim form ------------------------------------------------------------------------------


def test_the_report_page_links_each_node_to_the_claim_form(cycle):
    html = page(client_of(cycle["reporter"]).get("/reports/T-1/2021-06/"))
    node = n1(cycle)
    assert f'href="/attributions/new/T-1/2021-06/?node={node.pk}"' in html
    assert "申请延误归因" not in page(client_of(cycle["office"]).get("/reports/T-1/2021-06/"))


def test_a_task_without_co_units_offers_no_claim(cycle):
    cycle["t1"].co_unit_links.all().delete()
    client = client_of(cycle["reporter"])
    assert "申请延误归因" not in page(client.get("/reports/T-1/2021-06/"))
    assert "没有配合单位" in page(client.get("/attributions/new/T-1/2021-06/"))


def test_the_lead_unit_claims_from_the_form(cycle, units):
    client = client_of(cycle["reporter"])
    node = n1(cycle)
    html = page(client.get(f"/attributions/new/T-1/2021-06/?node={node.pk}"))
    assert f'<option value="{node.pk}" selected>' in html
    assert "市财政局" in html and "德城区" in html
    response = client.post(
        "/attributions/new/T-1/2021-06/",
        {"node": node.pk, "unit": units["czj"].pk, "reason": "资金未拨付"},
    )
    a = Attribution.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/attributions/{a.pk}/"
    assert (a.month, a.unit, a.claimed_by) == (JUNE, units["czj"], cycle["reporter"])
    assert "等待市财政局回复" in page(client.get(response["Location"]))


def test_a_refused_claim_shows_the_form_again_with_what_was_typed(cycle, units):
    claimed(cycle, units)
    client = client_of(cycle["head"])
    form = {"node": n1(cycle).pk, "unit": units["czj"].pk, "reason": "再次申请：资金仍未拨付"}
    response = client.post("/attributions/new/T-1/2021-06/", form)
    html = page(response)
    assert response.status_code == 400 and "正在办理" in html
    assert "再次申请：资金仍未拨付" in html
    assert f'<option value="{units["czj"].pk}" selected>' in html
    response = client.post("/attributions/new/T-1/2021-06/", form | {"reason": ""})
    assert response.status_code == 400 and Attribution.objects.count() == 1


def test_a_unit_that_is_no_co_unit_cannot_be_posted(cycle, units):
    stranger = Unit.objects.create(name="市民政局")
    form = {"node": n1(cycle).pk, "unit": stranger.pk, "reason": "x"}
    response = client_of(cycle["reporter"]).post("/attributions/new/T-1/2021-06/", form)
    assert response.status_code == 400 and not Attribution.objects.exists()


@pytest.mark.parametrize("who", ["office", "auditor", "leader"])
def test_only_a_lead_unit_opens_the_claim_form(cycle, who):
    response = client_of(cycle[who]).get("/attributions/new/T-1/2021-06/")
    assert response.status_code == 403


def test_another_unit_does_not_even_find_the_task(cycle):
    response = client_of(cycle["other_reporter"]).get("/attributions/new/T-1/2021-06/")
    assert response.status_code == 404
    assert client_of().get("/attributions/new/T-1/2021-06/").status_code == 302  # sign in


# One claim: answer and decide ---------------------------------------------------------------


def test_the_co_unit_answers_on_the_claims_page(cycle, units):
    a = claimed(cycle, units)
    client = client_of(cycle["other_head"])
    html = page(client.get(f"/attributions/{a.pk}/"))
    assert f'action="/attributions/{a.pk}/answer/"' in html
    response = client.post(f"/attributions/{a.pk}/answer/", {"stance": "disputes", "text": ""})
    assert response.status_code == 400 and re.search(
        r'value="disputes"[^>]* checked', page(response)
    )
    response = client.post(
        f"/attributions/{a.pk}/answer/", {"stance": "disputes", "text": "已按期拨付"}
    )
    assert response.status_code == 302
    a.refresh_from_db()
    assert (a.state, a.answer) == ("answered", "已按期拨付")


@pytest.mark.parametrize("who", ["reporter", "office", "leader"])
def test_nobody_else_posts_the_answer(cycle, units, who):
    a = claimed(cycle, units)
    response = client_of(cycle[who]).post(
        f"/attributions/{a.pk}/answer/", {"stance": "agrees", "text": "认可"}
    )
    assert response.status_code == 403
    a.refresh_from_db()
    assert a.state == "claimed"


def test_the_office_decides_with_the_rules_rating_preselected(cycle, units):
    a = answered(cycle, units)
    client = client_of(cycle["office"])
    html = page(client.get(f"/attributions/{a.pk}/"))
    assert '<option value="snail" selected>' in html  # June not reported: the rules' rating
    response = client.post(
        f"/attributions/{a.pk}/decide/", {"outcome": "accept", "rating": "", "decision": "属实"}
    )
    assert response.status_code == 400 and "认定时请选择调整后的评价" in page(response)
    assert re.search(r">\s*属实</textarea>", page(response))
    response = client.post(
        f"/attributions/{a.pk}/decide/",
        {"outcome": "accept", "rating": "ostrich", "decision": "资金拨付滞后属实"},
    )
    assert response.status_code == 302
    html = page(client.get(response["Location"]))
    assert "将随该月公示发布" in html
    assert Override.objects.get().rating == "ostrich"


def test_accepting_on_a_published_month_says_a_correction_is_needed(cycle, units):
    publish(JUNE, now=JULY_10)
    a = answered(cycle, units)
    client = client_of(cycle["office"])
    response = client.post(
        f"/attributions/{a.pk}/decide/",
        {"outcome": "accept", "rating": "ostrich", "decision": "属实"},
        follow=True,
    )
    assert "勘误" in page(response)


@pytest.mark.parametrize("who", ["auditor", "reporter", "other_head", "leader"])
def test_nobody_but_the_office_posts_a_decision(cycle, units, who):
    a = answered(cycle, units)
    response = client_of(cycle[who]).post(
        f"/attributions/{a.pk}/decide/", {"outcome": "reject", "decision": "x"}
    )
    assert response.status_code == 403
    a.refresh_from_db()
    assert a.state == "answered"


def test_a_stranger_finds_no_claim_and_no_file(cycle, units):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tests.test_reports import PDF

    a = claimed(cycle, units, uploads=[SimpleUploadedFile("证明.pdf", PDF)])
    item = a.files.get()
    stranger = User.objects.create_user(
        "stranger", role=User.Role.REPORTER, unit=Unit.objects.create(name="市民政局")
    )
    client = client_of(stranger)
    assert client.get(f"/attributions/{a.pk}/").status_code == 404
    assert client.get(f"/attributions/files/{item.pk}/").status_code == 404
    response = client_of(cycle["other_reporter"]).get(f"/attributions/files/{item.pk}/")
    assert response.status_code == 200 and b"".join(response.streaming_content) == PDF


# Lists --------------------------------------------------------------------------------------


def test_the_inbox_shows_a_unit_its_claims_in_and_out(cycle, units):
    a = claimed(cycle, units)
    b = claimed(cycle, units, unit="dcq")
    mine = page(client_of(cycle["other_reporter"]).get("/attributions/"))
    assert f'data-attribution="{a.pk}"' in mine and f'data-attribution="{b.pk}"' not in mine
    assert "本单位" in mine
    theirs = page(client_of(cycle["reporter"]).get("/attributions/"))
    assert f'data-attribution="{a.pk}"' in theirs and f'data-attribution="{b.pk}"' in theirs
    office = client_of(cycle["office"])
    assert f'data-attribution="{b.pk}"' in page(office.get("/attributions/?state=claimed"))
    assert f'data-attribution="{b.pk}"' not in page(office.get("/attributions/?state=accepted"))
    assert office.get("/attributions/?state=bogus").status_code == 400


def count_queries(client, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_the_inbox_and_the_units_table_cost_the_same_queries_for_2_or_12_claims(cycle, units):
    client = client_of(cycle["office"])
    months = [dt.date(2021, m, 1) for m in range(1, 7)]
    costs = []
    for wanted in (months[:1], months):
        for month in wanted:
            for unit in ("czj", "dcq"):
                if not Attribution.objects.filter(month=month, unit=units[unit]).exists():
                    claimed(cycle, units, unit=unit, month=month)
        client.get("/attributions/")  # warm up
        costs.append([count_queries(client, u) for u in ("/attributions/", "/attributions/units/")])
    assert Attribution.objects.count() == 12
    assert costs[0] == costs[1], costs


def test_the_units_table_counts_each_co_units_claims(cycle, units):
    answered(cycle, units)
    a = answered(cycle, units, month=dt.date(2021, 5, 1))
    workflow.reject(a, cycle["office"], decision="不属实")
    claimed(cycle, units, unit="dcq")
    html = page(client_of(cycle["leader"]).get("/attributions/units/?year=2021"))
    row = re.search(r'data-unit="市财政局">(.*?)</tr>', html).group(1)
    cells = re.findall(r"<td[^>]*>([^<]*)</td>", row)
    assert cells == ["市财政局", "2", "2", "0", "1", "1"]
    assert 'data-unit="德城区"' in html
    own = page(client_of(cycle["other_head"]).get("/attributions/units/"))
    assert 'data-unit="市财政局"' in own and 'data-unit="德城区"' not in own
    assert client_of(cycle["office"]).get("/attributions/units/?year=99999").status_code == 400


def test_a_person_with_neither_numbers_nor_a_unit_is_refused_the_table(cycle):
    nobody = User.objects.create_user("nobody", role=User.Role.LEADER)  # no leader attached
    assert client_of(nobody).get("/attributions/units/").status_code == 403


def test_me_counts_the_claims_awaiting_my_units_answer(cycle, units):
    claimed(cycle, units)
    claimed(cycle, units, month=dt.date(2021, 5, 1))
    html = page(client_of(cycle["other_reporter"]).get("/me/"))
    assert "延误归因待本单位回复（2）" in html
    assert "延误归因待本单位回复" not in page(client_of(cycle["reporter"]).get("/me/"))


def test_no_get_writes_anything(cycle, units):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tests.test_reports import PDF

    a = claimed(cycle, units, uploads=[SimpleUploadedFile("证明.pdf", PDF)])
    b = answered(cycle, units, month=dt.date(2021, 5, 1))
    urls = [
        "/attributions/",
        "/attributions/?state=answered",
        "/attributions/units/",
        "/attributions/new/T-1/2021-06/",
        f"/attributions/{a.pk}/",
        f"/attributions/{b.pk}/",
        f"/attributions/files/{a.files.get().pk}/",
        f"/attributions/{a.pk}/answer/",
        f"/attributions/{b.pk}/decide/",
    ]
    for who in (None, "office", "auditor", "reporter", "other_head", "leader"):
        client = client_of(cycle[who] if who else None)
        for url in urls:
            with CaptureQueriesContext(connection) as captured:
                status = client.get(url).status_code
            assert status < 500, (who, url)
            writes = [
                q["sql"]
                for q in captured
                if WRITES.match(q["sql"]) and "django_session" not in q["sql"]
            ]
            assert writes == [], (who, url, writes)
    assert Attribution.objects.get(pk=a.pk).state == "claimed"


# The public pages -----------------------------------------------------------------------------


def accepted(cycle, units, task="t1", **more):
    if task == "t1":
        a = answered(cycle, units, **more)
    else:  # T-2: 市财政局 leads, 德城区 cooperates
        a = workflow.claim(
            cycle["t2"],
            cycle["other_reporter"],
            node=cycle["t2"].nodes.get(),
            unit=units["dcq"],
            month=JUNE,
            reason="德城区未提供用地",
        )
        dcq = User.objects.create_user("dcq", role=User.Role.REPORTER, unit=units["dcq"])
        a = workflow.answer(a, dcq, stance="agrees", text="属实")
    return workflow.accept(a, cycle["office"], rating="ox", decision="经核实属实").attribution


def test_the_board_and_the_task_page_show_an_accepted_attribution_once_published(cycle, units):
    a = accepted(cycle, units)
    publish(JUNE, now=JULY_10)
    visitor = client_of()
    board = page(visitor.get("/board/2021-06/"))
    assert f'class="attribution" data-attribution="{a.pk}"' in board
    assert "延误归因：节点 N1 的延误经改革办认定由配合单位市财政局造成" in board
    task = page(visitor.get("/tasks/T-1/"))
    assert f'data-attribution="{a.pk}"' in task and "经改革办认定由配合单位市财政局造成" in task


def test_an_attribution_accepted_after_publication_waits_for_the_correction(cycle, units):
    publish(JUNE, now=JULY_10)
    a = accepted(cycle, units)
    assert f'data-attribution="{a.pk}"' not in page(client_of().get("/board/2021-06/"))
    html = page(client_of(cycle["office"]).get(f"/attributions/{a.pk}/"))
    assert "需改革办发布勘误后体现" in html
    publish(JUNE, correction="延误归因认定", now=JULY_10 + dt.timedelta(days=1))
    assert f'data-attribution="{a.pk}"' in page(client_of().get("/board/2021-06/"))
    assert "已在公示中体现" in page(client_of(cycle["office"]).get(f"/attributions/{a.pk}/"))


def test_the_public_pages_cost_one_query_more_for_attributions_however_many(cycle, units):
    accepted(cycle, units)
    publish(JUNE, now=JULY_10)
    visitor = client_of()
    one = [count_queries(visitor, u) for u in ("/board/2021-06/", "/tasks/T-1/")]
    accepted(cycle, units, task="t2")
    publish(JUNE, correction="T-2 延误归因", now=JULY_10 + dt.timedelta(days=1))
    cache.clear()
    two = [count_queries(visitor, u) for u in ("/board/2021-06/", "/tasks/T-1/")]
    assert one == two
    # The board without any: tests/test_board_views.py counts 4 (and the task page 8, and
    # one more for the committee decisions it cites: ducha/committee/templatetags, and one
    # for the page cache's stamp of them).
    assert one == [5, 11]


# The admin ------------------------------------------------------------------------------------


def test_the_admin_lists_a_jurisdictions_own_attributions_read_only(cycle, units):
    a = claimed(cycle, units)
    county = Jurisdiction.objects.create(
        slug="dc", name="德城区", level="county", parent=Jurisdiction.objects.home()
    )
    perms = Permission.objects.filter(content_type__app_label="attributions")
    clerks = {}
    for place, name in ((Jurisdiction.objects.home(), "city-clerk"), (county, "dc-clerk")):
        clerk = User.objects.create_user(
            name, role=User.Role.OFFICE, jurisdiction=place, is_staff=True
        )
        clerk.user_permissions.add(*perms)
        clerks[name] = client_of(clerk)
    listing = "/admin/attributions/attribution/"
    assert "T-1" in page(clerks["city-clerk"].get(listing))
    assert "T-1" not in page(clerks["dc-clerk"].get(listing))
    assert clerks["dc-clerk"].get(f"{listing}{a.pk}/change/").status_code == 404
    assert clerks["city-clerk"].get(f"{listing}{a.pk}/change/").status_code == 200
    assert clerks["city-clerk"].get(f"{listing}add/").status_code == 403
