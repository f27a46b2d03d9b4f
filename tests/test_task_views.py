"""The public task page `/tasks/<code>/`: the task, its nodes and its marks month by month."""

import datetime as dt
import json
import re

import pytest

from ducha.boards.publication import publish
from ducha.ledger.importing import import_ledger
from ducha.ledger.layout import Options
from ducha.ledger.models import Task
from ducha.ratings.monthly import override_rating
from tests.helpers import LEDGER_HEADER, ledger_row, write_csv

NEW_NAMES_OK = Options(allow_new=True)
MAY, JUNE = dt.date(2021, 5, 1), dt.date(2021, 6, 1)
AUGUST_10 = dt.datetime(2021, 8, 10, 9, tzinfo=dt.UTC)
NAMES = {"horse": "骏马", "ox": "黄牛", "ostrich": "鸵鸟", "snail": "蜗牛", None: "不评价"}
HISTORY = re.compile(
    r'<li class="history-item history-(\w+)[^"]*">\s*<a href="([^"]+)">(.*?)</a>', re.S
)


def task_row(publication, code):
    return next(t for t in json.loads(publication.snapshot)["tasks"] if t["task"] == code)


def node_row(html, status, code):
    pattern = rf'<tr class="node node-{status}">\s*<td class="c-code">{code}</td>(.*?)</tr>'
    return re.search(pattern, html, re.S)[1]


def page(client, url):
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def test_a_task_page_is_public_and_shows_who_does_what(client, sample_ledger):
    html = page(client, "/tasks/HX-002/")
    task = Task.objects.get(code="HX-002")
    assert task.title in html and "促开放" in html and "省定" in html
    assert "刘洋" in html and "市工业和信息化局" in html
    assert "<li>市商务局</li><li>市委组织部</li>" in html  # co-units
    for node in task.nodes.all():
        assert f'<td class="c-code">{node.code}</td>' in html and node.title in html


def test_its_nodes_show_their_due_months_and_published_states(client, boards):
    html = page(client, "/tasks/HX-003/")
    assert "完成状态截至2021年6月公示（第1版）" in html
    nodes = {n["code"]: n for n in task_row(boards[JUNE], "HX-003")["nodes"]}
    assert nodes["N2"]["status"] == "done" and nodes["N1"]["status"] == "in_progress"
    row = re.search(
        r'<tr class="node node-done">\s*<td class="c-code">N2</td>(.*?)</tr>', html, re.S
    )
    assert "2021年6月" in row[1] and "已完成" in row[1]
    row = re.search(
        r'<tr class="node node-in_progress">\s*<td class="c-code">N1</td>(.*?)</tr>', html, re.S
    )
    assert "2021年4月" in row[1] and "推进中" in row[1] and "已逾期" in row[1]


def test_a_node_added_to_the_ledger_after_publication_shows_as_not_yet_published(
    client, boards, tmp_path
):
    task = Task.objects.get(code="HX-010")
    rows = [
        ledger_row(
            code="HX-010",
            node=node,
            due=due,
            任务名称=task.title,
            领域=task.area.name,
            任务来源="省定",
            分管市领导="刘洋",
            牵头单位=task.lead_unit.name,
            配合单位="、".join(u.name for u in task.co_units.all()),
            节点目标=title,
        )
        for node, due, title in [("N1", "2021-06", "节点目标1"), ("N9", "2021-10", "新增节点")]
    ]
    import_ledger(write_csv(tmp_path / "more.csv", LEDGER_HEADER, rows), options=NEW_NAMES_OK)
    html = page(client, "/tasks/HX-010/")
    added = re.search(r'<td class="c-code">N9</td>(.*?)</tr>', html, re.S)[1]
    assert "新增节点" in added and "2021年10月" in added and "尚未公示" in added


def test_its_rating_history_shows_every_published_month_with_icon_name_and_link(client, boards):
    html = page(client, "/tasks/HX-002/")
    history = HISTORY.findall(html)
    assert [h[1] for h in history] == ["/board/2021-05/#t-HX-002", "/board/2021-06/#t-HX-002"]
    for (key, _, body), month, label in zip(
        history, (MAY, JUNE), ("2021年5月", "2021年6月"), strict=True
    ):
        rating = task_row(boards[month], "HX-002")["rating"]
        assert key == (rating or "none") and label in body
        assert f'<span class="mark-name">{NAMES[rating]}</span>' in body
        if rating:
            assert f'class="icon icon-{rating}"' in body


def test_the_history_follows_a_correction_of_a_month(client, boards):
    override_rating(Task.objects.get(code="HX-002"), JUNE, "ostrich", "补报材料证明6月已启动")
    publish(JUNE, correction="HX-002 补报后调整", now=AUGUST_10)
    history = HISTORY.findall(page(client, "/tasks/HX-002/"))
    assert history[-1][0] == "ostrich"
    assert "调整" in history[-1][2] and "补报材料证明6月已启动" in history[-1][2]


def test_a_task_that_was_never_published_says_so(client, sample_ledger):
    html = page(client, "/tasks/HX-001/")
    assert "这项任务还没有出现在已发布的公示中" in html and "尚未公示" in html


def test_an_unknown_task_is_a_friendly_404(client, boards):
    response = client.get("/tasks/NO-SUCH/")
    assert response.status_code == 404
    assert "没有编号为 NO-SUCH 的改革任务" in response.content.decode()


@pytest.mark.parametrize("extra", [0, 60])
def test_a_task_page_costs_the_same_few_queries_however_large_the_ledger(
    client, boards, tmp_path, extra, django_assert_num_queries
):
    if extra:
        rows = [ledger_row(code=f"X-{i:03d}", due="2021-06") for i in range(extra)]
        import_ledger(write_csv(tmp_path / "more.csv", LEDGER_HEADER, rows), options=NEW_NAMES_OK)
        publish(dt.date(2021, 7, 1), now=AUGUST_10)
    # the page cache's chain head; task with area, leader, lead unit; co-units; further
    # lead units; further leaders; nodes; publications; snapshots; committee decisions cited;
    # and the page cache's stamp of those decisions (lib/pagecache.TASK_PAGE_STAMPS)
    with django_assert_num_queries(10):
        page(client, "/tasks/HX-002/")
    with django_assert_num_queries(2):  # the chain head and the stamp, then the cached page
        page(client, "/tasks/HX-002/")


def test_the_task_page_speaks_english_after_the_switch(client, boards):
    client.post("/i18n/setlang/", {"language": "en", "next": "/tasks/HX-002/"})
    html = page(client, "/tasks/HX-002/")
    for text in ("Ratings month by month", "Milestones", "Lead unit", "May 2021", "Provincial"):
        assert text in html
    assert "历月评价" not in html and "改革任务2" in html
