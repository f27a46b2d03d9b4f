"""Upgrading a database made before cooperating units had an order keeps every link."""

import os
import sqlite3
import subprocess
import sys

from tests.conftest import ROOT


def test_co_unit_links_made_before_the_order_survive_the_upgrade_numbered(tmp_path):
    database = tmp_path / "old.sqlite3"
    env = {
        **os.environ,
        "DUCHA_VAR_DIR": str(tmp_path),
        "DATABASE_URL": f"sqlite:///{database}",
    }

    def ducha(*args):
        done = subprocess.run(
            [sys.executable, "-m", "ducha", *args],
            capture_output=True,
            text=True,
            cwd=ROOT,
            env=env,
        )
        assert done.returncode == 0, done.stderr
        return done.stdout

    ducha("migrate", "--noinput", "ledger", "0002_clock_stamps")
    with sqlite3.connect(database) as db:
        db.executemany(
            'INSERT INTO org_unit (name, short_name, kind, "order", is_active)'
            " VALUES (?, '', 'municipal', 0, 1)",
            [("市财政局",), ("德城区",), ("市大数据局",)],
        )
        db.execute(
            'INSERT INTO org_area (key, name, short_name, aliases, "order")'
            " VALUES ('industry', '强产业', '', '', 1)"
        )
        db.execute("INSERT INTO org_leader (name, title, \"order\") VALUES ('赵明', '', 0)")
        for code in ("T-1", "T-2"):
            db.execute(
                "INSERT INTO ledger_task (code, title, source, requirements, status, plan_year,"
                " created_at, updated_at, area_id, lead_unit_id, leader_id)"
                " VALUES (?, '任务', 'city', '', 'active', 2021, '2021-01-01', '2021-01-01',"
                " (SELECT min(id) FROM org_area), 1, 1)",
                (code,),
            )
        db.executemany(
            "INSERT INTO ledger_task_co_units (task_id, unit_id) VALUES (?, ?)",
            [(1, 3), (1, 2), (2, 2), (1, 1)],
        )
    ducha("migrate", "--noinput")
    with sqlite3.connect(database) as db:
        links = db.execute(
            'SELECT task_id, unit_id, "order" FROM ledger_task_co_units ORDER BY id'
        ).fetchall()
    assert links == [(1, 3, 1), (1, 2, 2), (2, 2, 1), (1, 1, 3)]
