"""The admin is no way around the audited paths: the ledger, publications and the log are
read only there, every change that remains is audited, and office staff cannot give
themselves (or take from a superuser) the powers of the admin itself."""

import json

import pytest
from django.contrib import admin
from django.contrib.auth.models import Group, Permission
from django.test import RequestFactory

from ducha.audit.admin import AuditedAdmin
from ducha.audit.models import AuditEntry
from ducha.ledger.models import Progress, Task
from ducha.org.models import Area, Leader, Unit, User
from tests.helpers import PROGRESS_HEADER, write_csv


@pytest.fixture
def office(cycle):
    """The cycle's office clerk with admin access and the office's permissions (org, ledger)."""
    user = cycle["office"]
    user.is_staff = True
    user.save()
    user.user_permissions.set(
        Permission.objects.filter(content_type__app_label__in=["org", "ledger", "auth"])
    )
    return User.objects.get(pk=user.pk)


@pytest.fixture
def superuser(db):
    return User.objects.create_superuser("root", password="pw-12345678", full_name="管理员")


@pytest.fixture
def progress(cycle, tmp_path):
    from ducha.ledger.importing import import_progress

    rows = [["T-1", "N1", "2021-06", "推进中", "", "40", "起草中"]]
    import_progress(write_csv(tmp_path / "p.csv", PROGRESS_HEADER, rows))
    return Progress.objects.get()


def user_form(user: User, **changes) -> dict:
    """The admin's change form for `user`, as a browser would send it back."""
    form = {
        "username": user.username,
        "full_name": user.full_name,
        "jurisdiction": user.jurisdiction_id,  # a superuser's form shows it, an office's not
        "role": user.role,
        "is_active": "on",
        "date_joined_0": "2021-01-01",
        "date_joined_1": "09:00:00",
        "initial-date_joined_0": "2021-01-01",
        "initial-date_joined_1": "09:00:00",
    }
    return form | changes


def entries(action: str) -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(action=action).order_by("seq"))


# F15: the admin's powers ---------------------------------------------------------------------


def test_office_staff_cannot_make_themselves_superuser(client, office):
    client.force_login(office)
    powers = user_form(
        office,
        is_superuser="on",
        is_staff="on",
        groups=[Group.objects.create(name="全部").pk],
        user_permissions=[Permission.objects.get(codename="view_auditentry").pk],
        phone="0534-1234567",
    )
    response = client.post(f"/admin/org/user/{office.pk}/change/", powers)
    assert response.status_code == 302
    office.refresh_from_db()
    assert office.phone == "0534-1234567"  # the rest of the form was saved …
    assert not office.is_superuser and not office.groups.exists()  # … but not the powers
    assert not office.user_permissions.filter(codename="view_auditentry").exists()
    (entry,) = entries("user_changed")
    fields = set(json.loads(entry.detail)["fields"])
    assert entry.actor == office and "电话" in fields
    assert not {"Superuser status", "Staff status", "Groups", "User permissions"} & fields


def test_office_staff_cannot_edit_or_delete_a_superuser(client, office, superuser):
    client.force_login(office)
    url = f"/admin/org/user/{superuser.pk}"
    assert client.post(f"{url}/change/", user_form(superuser, role="reporter")).status_code == 403
    password = {"password1": "taken-over-1", "password2": "taken-over-1"}
    assert client.post(f"{url}/password/", password).status_code == 403
    assert client.post(f"{url}/delete/", {"post": "yes"}).status_code == 403
    superuser.refresh_from_db()
    assert superuser.check_password("pw-12345678") and superuser.role == User.Role.REPORTER
    assert not AuditEntry.objects.filter(action="user_changed").exists()


def test_office_staff_cannot_grant_permissions_through_a_group(client, office):
    client.force_login(office)
    change_user = Permission.objects.get(codename="change_user")
    form = {"name": "改革办2", "permissions": [change_user.pk]}
    assert client.post("/admin/auth/group/add/", form).status_code == 403
    assert not Group.objects.exists()


def test_a_superuser_may_grant_the_powers_and_it_is_audited(client, cycle, superuser):
    target = cycle["reporter"]
    client.force_login(superuser)
    response = client.post(
        f"/admin/org/user/{target.pk}/change/", user_form(target, is_staff="on", role="office")
    )
    assert response.status_code == 302
    target.refresh_from_db()
    assert target.is_staff and target.role == User.Role.OFFICE
    changed, role = entries("user_changed") + entries("role_changed")
    assert changed.actor == superuser and "角色" in json.loads(changed.detail)["fields"]
    assert json.loads(role.detail)["role"] == "office"


# F4: read only for the ledger; every other change audited ------------------------------------


@pytest.mark.parametrize("who", ["office", "superuser"])
def test_the_ledger_cannot_be_changed_in_the_admin(client, request, progress, who):
    client.force_login(request.getfixturevalue(who))
    task = Task.objects.get(code="T-1")
    before = (Progress.objects.get().percent, Task.objects.get(code="T-1").title)
    assert client.get(f"/admin/ledger/progress/{progress.pk}/change/").status_code == 200
    attempts = [
        (f"/admin/ledger/progress/{progress.pk}/change/", {"percent": "100", "status": "done"}),
        (f"/admin/ledger/progress/{progress.pk}/delete/", {"post": "yes"}),
        (f"/admin/ledger/task/{task.pk}/change/", {"title": "改了"}),
        (f"/admin/ledger/task/{task.pk}/delete/", {"post": "yes"}),
        ("/admin/ledger/task/add/", {"code": "T-9", "title": "新任务"}),
        ("/admin/ledger/progress/add/", {"task": task.pk}),
    ]
    for url, form in attempts:
        assert client.post(url, form).status_code == 403, url
    bulk = {"action": "delete_selected", "_selected_action": [progress.pk], "post": "yes"}
    client.post("/admin/ledger/progress/", bulk)
    assert (Progress.objects.get().percent, Task.objects.get(code="T-1").title) == before
    assert not AuditEntry.objects.filter(action="admin_changed").exists()


@pytest.mark.parametrize("who", ["office", "superuser"])
def test_publications_ratings_and_the_audit_log_cannot_be_changed_in_the_admin(
    client, request, cycle, who
):
    client.force_login(request.getfixturevalue(who))
    entry = AuditEntry.objects.order_by("seq").first()
    assert client.post(
        f"/admin/audit/auditentry/{entry.pk}/delete/", {"post": "yes"}
    ).status_code in (
        403,
        302,  # a user without the log's view permission is sent to the admin's index
    )
    assert AuditEntry.objects.filter(pk=entry.pk).exists()
    registered = {m._meta.label for m in admin.site._registry}
    for label in ("boards.Publication", "ratings.Override", "ratings.Rating", "boards.Hold"):
        assert label not in registered


def test_changing_a_unit_in_the_admin_is_audited_naming_who_what_and_which_fields(client, office):
    unit = Unit.objects.get(name="市财政局")
    client.force_login(office)
    form = {"name": "市财政局", "short_name": "财政", "kind": unit.kind, "order": unit.order}
    form |= {"is_active": "on"}
    response = client.post(f"/admin/org/unit/{unit.pk}/change/", form)
    assert response.status_code == 302, response.context["adminform"].form.errors
    (entry,) = entries("admin_changed")
    detail = json.loads(entry.detail)
    assert (entry.actor, entry.target_type, entry.target_id) == (office, "Unit", str(unit.pk))
    assert (detail["change"], detail["model"], detail["fields"]) == ("changed", "单位", ["简称"])


def test_adding_and_deleting_in_the_admin_are_audited(client, office):
    client.force_login(office)
    assert client.post("/admin/org/leader/add/", {"name": "孙明", "order": 9}).status_code == 302
    leader = Leader.objects.get(name="孙明")
    assert client.post(f"/admin/org/leader/{leader.pk}/delete/", {"post": "yes"}).status_code == 302
    added, deleted = entries("admin_changed")
    assert (added.actor, json.loads(added.detail)["change"], added.target_label) == (
        office,
        "added",
        "孙明",
    )
    assert (json.loads(deleted.detail)["change"], deleted.target_id) == ("deleted", str(leader.pk))


def test_an_edit_in_a_list_is_audited(client, office):
    area = Area.objects.order_by("order").first()
    areas = list(Area.objects.order_by("order"))
    client.force_login(office)
    form = {
        "form-TOTAL_FORMS": len(areas),
        "form-INITIAL_FORMS": len(areas),
        "_save": "保存",
    }
    for i, a in enumerate(areas):
        form |= {f"form-{i}-id": a.pk, f"form-{i}-order": a.order + (10 if a == area else 0)}
    assert client.post("/admin/org/area/", form).status_code == 302
    (entry,) = entries("admin_changed")
    assert entry.target_id == str(area.pk) and json.loads(entry.detail)["fields"]


# One rule for every admin: read only, or audited ----------------------------------------------

# Admins that audit their writes themselves, with an action of their own.
AUDITED_OTHERWISE = {
    "otp_totp.TOTPDevice",  # removing an authenticator records mfa_reset
    "api.Webhook",  # registering, changing, removing: webhook_saved (ducha.api.webhooks)
}


def test_every_model_the_admin_can_change_is_audited(superuser):
    request = RequestFactory().get("/admin/")
    request.user = superuser
    for model, model_admin in admin.site._registry.items():
        writes = (
            model_admin.has_add_permission(request)
            or model_admin.has_change_permission(request)
            or model_admin.has_delete_permission(request)
        )
        if writes and model._meta.label not in AUDITED_OTHERWISE:
            assert isinstance(model_admin, AuditedAdmin), model._meta.label
