"""Each access rule is written once, on the models: role questions on the user
(ducha/org/models.py), data scope as querysets. And one person alone does not fill in,
submit and approve a report (F8) unless the office allows it for a unit of one."""

import re

from ducha.audit.models import AuditEntry
from ducha.ledger.models import Task
from ducha.org.models import User
from ducha.reports.models import Evidence, Report
from tests.conftest import ROOT
from tests.test_reports import URL, client_for, form, start

# A role compared, filtered on or tested in a template: such a line is an access rule.
ROLE_COMPARED = [
    re.compile(r"\brole\s*(==|!=)"),
    re.compile(r"\brole\s+(not\s+)?in\b"),
    re.compile(r"(==|!=)\s*(\w+\.)*Role\.\w+"),
    re.compile(r"Role\.\w+\s*(==|!=)"),
    re.compile(r"\brole(__in)?\s*=\s*(\w+\.)*(Role|UNIT_ROLES)"),
    re.compile(r"\{%[^%]*\buser\.role\b"),
    re.compile(r"""["'](office|reporter|head|leader|auditor)["']\s*(==|!=|in\b)"""),
    re.compile(r"""(==|!=)\s*["'](office|reporter|head|leader|auditor)["']"""),
    re.compile(r"""\brole\s*=\s*["'](office|reporter|head|leader|auditor)["']"""),
    re.compile(r"\brole__\w+\s*="),
    re.compile(r"\bmatch\b.*\brole\b"),
    re.compile(r"""["']role["']\s*\)\s*(==|!=|in\b)"""),
]


def _sources():
    for path in sorted((ROOT / "ducha").rglob("*")):
        if path.suffix in (".py", ".html") and "migrations" not in path.parts:
            yield path


def test_no_role_is_compared_outside_the_org_app():
    offenders = []
    for path in _sources():
        if path.is_relative_to(ROOT / "ducha" / "org"):
            continue
        for number, line in enumerate(path.read_text().splitlines(), 1):
            if any(p.search(line) for p in ROLE_COMPARED):
                offenders.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert offenders == [], "ask the user (ducha/org/models.py) instead:\n" + "\n".join(offenders)


def test_the_role_check_catches_a_comparison(tmp_path):
    lines = [
        "if request.user.role == 'office':",
        "ok = user.role in (User.Role.HEAD,)",
        "User.objects.filter(role=User.Role.OFFICE)",
        "{% if user.role == 'head' %}",
        'User.objects.filter(role="office")',
        "qs.filter(role__in=['reporter', 'head'])",
        "match user.role:",
        "getattr(u, 'role') in {'office'}",
    ]
    assert all(any(p.search(line) for p in ROLE_COMPARED) for line in lines)
    innocent = ["Login('admin', User.Role.OFFICE, '管理员')", '<p role="alert">']
    assert not any(p.search(line) for p in ROLE_COMPARED for line in innocent)


def test_each_person_sees_the_tasks_reports_and_files_of_their_scope(cycle):
    from django.contrib.auth.models import AnonymousUser

    report = start(cycle)
    visible = {
        name: set(Task.objects.visible_to(cycle[name]).values_list("code", flat=True))
        for name in ("office", "auditor", "reporter", "head", "other_reporter", "leader")
    }
    assert visible == {
        "office": {"T-1", "T-2"},
        "auditor": {"T-1", "T-2"},
        "reporter": {"T-1"},
        "head": {"T-1"},
        "other_reporter": {"T-2"},
        "leader": {"T-1"},
    }
    assert not Task.objects.visible_to(AnonymousUser()).exists()
    assert list(Report.objects.visible_to(cycle["head"])) == [report]
    assert not Report.objects.visible_to(cycle["other_reporter"]).exists()
    assert not Evidence.objects.visible_to(cycle["other_reporter"]).exists()
    cycle["reporter"].is_active = False
    assert not Task.objects.visible_to(cycle["reporter"]).exists()


# --- F8: separation of duties -------------------------------------------------------------


def _submitted_by_head(cycle) -> Report:
    head = client_for(cycle["head"])
    assert head.post(URL, form(None, task=cycle["t1"])).status_code == 302
    report = Report.objects.get(task=cycle["t1"])
    assert head.post(URL, form(report, "submit")).status_code == 302
    report.refresh_from_db()
    assert report.status == "submitted" and report.submitted_by == cycle["head"]
    return report


def test_a_head_cannot_approve_what_he_submitted_himself(cycle):
    report = _submitted_by_head(cycle)
    response = client_for(cycle["head"]).post(URL, {"action": "approve", "version": report.version})
    assert response.status_code == 403
    report.refresh_from_db()
    assert report.status == "submitted" and report.approved_by is None
    page = client_for(cycle["head"]).get(URL).content.decode()
    assert 'value="approve"' not in page


def test_a_head_alone_in_his_unit_approves_his_own_report_when_the_office_allows_it(cycle):
    cycle["reporter"].delete()
    unit = cycle["head"].unit
    report = _submitted_by_head(cycle)
    approve = {"action": "approve", "version": report.version}
    # Alone but not allowed: still refused.
    assert client_for(cycle["head"]).post(URL, approve).status_code == 403
    unit.approves_alone = True
    unit.save()
    assert client_for(cycle["head"]).post(URL, approve).status_code == 302
    report.refresh_from_db()
    assert report.status == "approved" and report.approved_alone
    entry = AuditEntry.objects.filter(action="report_approved").get()
    assert entry.data()["alone"] is True


def test_the_allowance_does_not_hold_once_the_unit_has_a_second_member(cycle):
    unit = cycle["head"].unit
    unit.approves_alone = True
    unit.save()
    report = _submitted_by_head(cycle)  # the unit's reporter is still there
    response = client_for(cycle["head"]).post(URL, {"action": "approve", "version": report.version})
    assert response.status_code == 403


def test_a_report_the_reporter_submitted_is_approved_as_usual_and_not_marked_alone(cycle):
    report = start(cycle)
    client_for(cycle["reporter"]).post(URL, form(report, "submit"))
    report.refresh_from_db()
    response = client_for(cycle["head"]).post(URL, {"action": "approve", "version": report.version})
    assert response.status_code == 302
    report.refresh_from_db()
    assert report.status == "approved" and not report.approved_alone
    assert User.objects.get(username="head").can_approve(report) is False  # done: not again
