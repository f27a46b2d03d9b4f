"""The ledger in the admin: read only, a task's cooperating units shown in their order."""

import re

from ducha.ledger.importing import import_ledger
from ducha.ledger.models import Task
from tests.helpers import LEDGER_HEADER, ledger_row, write_csv


def test_a_tasks_page_lists_its_co_units_in_their_written_order(admin_client, areas, tmp_path):
    rows = [ledger_row(配合单位="德城区、市财政局、市大数据局")]
    import_ledger(write_csv(tmp_path / "a.csv", LEDGER_HEADER, rows))
    task = Task.objects.get()
    response = admin_client.get(f"/admin/ledger/task/{task.pk}/change/")
    assert response.status_code == 200
    html = response.content.decode()
    co_units = html[html.index('id="co_unit_links-group"') :]
    names = dict.fromkeys(re.findall(r"德城区|市财政局|市大数据局", co_units))
    assert list(names) == ["德城区", "市财政局", "市大数据局"]
    assert 'name="co_unit_links-0-order"' not in html  # shown, not editable
