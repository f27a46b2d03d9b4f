"""Building ledger and progress files in tests."""

import csv
from pathlib import Path

from openpyxl import Workbook

LEDGER_HEADER = [
    "任务编号",
    "领域",
    "任务名称",
    "任务来源",
    "分管市领导",
    "牵头单位",
    "配合单位",
    "节点编号",
    "节点目标",
    "完成时限",
]
PROGRESS_HEADER = ["任务编号", "节点编号", "月份", "状态", "完成日期", "进度", "进展情况"]


def write_csv(path: Path, header, rows, encoding="utf-8") -> Path:
    with path.open("w", encoding=encoding, newline="") as f:
        writer = csv.writer(f)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def write_xlsx(path: Path, header, rows, merges=()) -> Path:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    for ref in merges:
        sheet.merge_cells(ref)
    workbook.save(path)
    return path


def ledger_row(code="T-1", node="N1", due="2021-06", **over):
    row = {
        "任务编号": code,
        "领域": "强产业",
        "任务名称": "推进亩产效益评价改革",
        "任务来源": "省定",
        "分管市领导": "赵明",
        "牵头单位": "市工业和信息化局",
        "配合单位": "市财政局、德城区",
        "节点编号": node,
        "节点目标": "制定实施方案",
        "完成时限": due,
    }
    row.update(over)
    return [row[h] for h in LEDGER_HEADER]


def tamper(sql: str, params) -> None:
    """Change rows as a database administrator would, past the application and triggers
    (on SQLite: drop the append-only triggers, change, put them back)."""
    from django.db import connection

    from ducha.lib.append_only import lifted

    with lifted(connection), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET session_replication_role = replica")  # triggers off
        cursor.execute(sql, params)
        if connection.vendor == "postgresql":
            cursor.execute("SET session_replication_role = DEFAULT")


def sign_in_fully(client, user):
    """force_login and a passed second factor, as after both steps of signing in: what
    django_otp.login records in the session, with an authenticator bound for the user."""
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    client.force_login(user)
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="身份验证器", confirmed=True)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return device
