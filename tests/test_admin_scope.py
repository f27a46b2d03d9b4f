"""The admin, jurisdiction by jurisdiction: each office sees and changes its own
jurisdiction's units, leaders, people and tasks alone (the one it runs), and what it adds is
of it whatever the form sends; a superuser sees every one's and chooses."""

import json
import re

import pytest
from django.test import Client

from ducha.demo.seeding import office_staff_group
from ducha.ledger.importing import Options, import_ledger
from ducha.ledger.models import Task
from ducha.org.models import Area, Jurisdiction, Leader, Unit, User
from tests.conftest import PASSWORD
from tests.helpers import LEDGER_HEADER, ledger_row, write_csv

COUNTIES = [("dc", "德城区", "张德城"), ("ll", "陵城区", "李陵城")]


def staff(user: User) -> User:
    """In the admin as the demo's office is: staff, in the 改革办 group."""
    user.is_staff = True
    user.save()
    user.groups.add(office_staff_group())
    return User.objects.get(pk=user.pk)


@pytest.fixture
def world(cycle, tmp_path):
    """The `cycle` city (home) and two counties below it, each with a unit, a leader, a
    reporter, a task of its own ledger and an office clerk in the admin; and a superuser."""
    home = Jurisdiction.objects.home()
    out = {"home": home, "city_office": staff(cycle["office"]), "counties": {}}
    out |= {"units": {}, "leaders": {}, "offices": {}, "reporters": {}, "tasks": {}}
    for order, (slug, name, leader) in enumerate(COUNTIES):
        county = Jurisdiction.objects.create(
            slug=slug, name=name, level=Jurisdiction.Level.COUNTY, parent=home, order=order
        )
        out["counties"][slug] = county
        unit = Unit.objects.create(jurisdiction=county, name=f"{name}发展改革局")
        out["units"][slug] = unit
        out["leaders"][slug] = Leader.objects.create(jurisdiction=county, name=leader)
        out["offices"][slug] = staff(
            User.objects.create_user(
                f"office-{slug}", password=PASSWORD, role=User.Role.OFFICE, jurisdiction=county
            )
        )
        out["reporters"][slug] = User.objects.create_user(
            f"reporter-{slug}",
            password=PASSWORD,
            role=User.Role.REPORTER,
            jurisdiction=county,
            unit=unit,
        )
        row = ledger_row(
            code=f"{slug.upper()}-1", 牵头单位=unit.name, 分管市领导=leader, 配合单位=""
        )
        import_ledger(
            write_csv(tmp_path / f"{slug}.csv", LEDGER_HEADER, [row]),
            options=Options(jurisdiction=county),
        )
        out["tasks"][slug] = Task.objects.get(jurisdiction=county)
    out["superuser"] = User.objects.create_superuser("root", password=PASSWORD)
    return out


def signed_in(user) -> Client:
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(user)
    return client


def unit_form(name: str, **more) -> dict:
    return {"name": name, "kind": "municipal", "order": 0, "is_active": "on"} | more


def user_form(user: User, **changes) -> dict:
    """The admin's change form for `user`, as a browser would send it back."""
    form = {
        "username": user.username,
        "full_name": user.full_name,
        "role": user.role,
        "is_active": "on",
        "date_joined_0": "2021-01-01",
        "date_joined_1": "09:00:00",
        "initial-date_joined_0": "2021-01-01",
        "initial-date_joined_1": "09:00:00",
    }
    return form | changes


# Seeing -------------------------------------------------------------------------------------


def test_a_county_office_lists_its_own_countys_units_leaders_people_and_tasks_alone(world):
    dc = signed_in(world["offices"]["dc"])
    units = dc.get("/admin/org/unit/").content.decode()
    assert "德城区发展改革局" in units
    assert "陵城区发展改革局" not in units and "市财政局" not in units
    leaders = dc.get("/admin/org/leader/").content.decode()
    assert "张德城" in leaders and "李陵城" not in leaders and "钱红" not in leaders
    people = dc.get("/admin/org/user/").content.decode()
    assert "reporter-dc" in people
    assert "reporter-ll" not in people and "other_reporter" not in people
    tasks = dc.get("/admin/ledger/task/").content.decode()
    assert "DC-1" in tasks and "LL-1" not in tasks and "T-1" not in tasks
    # Not even another's leaders' names in the list's filter.
    assert "李陵城" not in tasks and "赵明" not in tasks


@pytest.mark.parametrize(
    "url",
    [
        "/admin/org/unit/{ll_unit}/change/",
        "/admin/org/unit/{ll_unit}/delete/",
        "/admin/org/unit/{ll_unit}/history/",
        "/admin/org/unit/{city_unit}/change/",
        "/admin/org/leader/{ll_leader}/change/",
        "/admin/org/user/{ll_reporter}/change/",
        "/admin/org/user/{ll_reporter}/password/",
        "/admin/ledger/task/{ll_task}/change/",
        "/admin/org/jurisdiction/{ll}/change/",
        "/admin/org/jurisdiction/{home}/change/",
    ],
)
def test_a_county_office_cannot_open_another_jurisdictions_row(world, url):
    url = url.format(
        ll_unit=world["units"]["ll"].pk,
        city_unit=Unit.objects.get(name="市财政局").pk,
        ll_leader=world["leaders"]["ll"].pk,
        ll_reporter=world["reporters"]["ll"].pk,
        ll_task=world["tasks"]["ll"].pk,
        ll=world["counties"]["ll"].pk,
        home=world["home"].pk,
    )
    assert signed_in(world["offices"]["dc"]).get(url).status_code == 404


def test_a_county_office_cannot_change_or_delete_another_countys_unit(world):
    dc = signed_in(world["offices"]["dc"])
    unit = world["units"]["ll"]
    url = f"/admin/org/unit/{unit.pk}"
    assert dc.post(f"{url}/change/", unit_form("改了")).status_code == 404
    assert dc.post(f"{url}/delete/", {"post": "yes"}).status_code == 404
    bulk = {"action": "delete_selected", "_selected_action": [unit.pk], "post": "yes"}
    dc.post("/admin/org/unit/", bulk)
    unit.refresh_from_db()
    assert unit.name == "陵城区发展改革局"
    password = {"password1": "taken-over-1", "password2": "taken-over-1"}
    reporter = world["reporters"]["ll"]
    assert dc.post(f"/admin/org/user/{reporter.pk}/password/", password).status_code == 404
    reporter.refresh_from_db()
    assert reporter.check_password(PASSWORD)


def test_the_city_office_runs_the_city_alone_in_the_admin(world):
    city = signed_in(world["city_office"])
    units = city.get("/admin/org/unit/").content.decode()
    assert "市财政局" in units and "德城区发展改革局" not in units
    url = f"/admin/org/unit/{world['units']['dc'].pk}/change/"
    assert city.get(url).status_code == 404


# Adding -------------------------------------------------------------------------------------


def test_what_a_county_office_adds_is_of_its_county_whatever_the_form_sends(world):
    dc = signed_in(world["offices"]["dc"])
    forged = {"jurisdiction": world["counties"]["ll"].pk}
    response = dc.post("/admin/org/unit/add/", unit_form("德城区财政局", **forged))
    assert response.status_code == 302
    assert Unit.objects.get(name="德城区财政局").jurisdiction.slug == "dc"
    form = {"name": "德城区县长", "order": 1, **forged}
    assert dc.post("/admin/org/leader/add/", form).status_code == 302
    assert Leader.objects.get(name="德城区县长").jurisdiction.slug == "dc"
    home = {"jurisdiction": world["home"].pk}
    assert dc.post("/admin/org/unit/add/", unit_form("县里新单位", **home)).status_code == 302
    assert Unit.objects.get(name="县里新单位").jurisdiction.slug == "dc"
    assert not Unit.objects.filter(jurisdiction__slug="ll").exclude(name="陵城区发展改革局")


def test_a_person_a_county_office_adds_is_of_its_county(world):
    dc = signed_in(world["offices"]["dc"])
    form = {
        "username": "new-clerk",
        "password1": "pw-9876543210",
        "password2": "pw-9876543210",
        "usable_password": "true",
        "jurisdiction": world["counties"]["ll"].pk,
        "full_name": "新填报员",
        "role": "reporter",
        "unit": world["units"]["dc"].pk,
    }
    response = dc.post("/admin/org/user/add/", form)
    assert response.status_code == 302, response.context["adminform"].form.errors
    added = User.objects.get(username="new-clerk")
    assert (added.jurisdiction.slug, added.unit) == ("dc", world["units"]["dc"])


def test_a_county_office_cannot_name_another_jurisdictions_unit_or_leader(world):
    dc = signed_in(world["offices"]["dc"])
    parent = {"parent": world["units"]["ll"].pk}
    response = dc.post("/admin/org/unit/add/", unit_form("德城区分局", **parent))
    assert response.status_code == 200
    assert "parent" in response.context["adminform"].form.errors
    assert not Unit.objects.filter(name="德城区分局").exists()
    reporter = world["reporters"]["dc"]
    for field, other in (("unit", world["units"]["ll"]), ("leader", world["leaders"]["ll"])):
        url = f"/admin/org/user/{reporter.pk}/change/"
        response = dc.post(url, user_form(reporter, **{field: other.pk}))
        assert response.status_code == 200
        assert field in response.context["adminform"].form.errors
    reporter.refresh_from_db()
    assert reporter.unit == world["units"]["dc"] and reporter.leader is None


def test_the_choices_a_county_office_is_offered_are_its_countys(world):
    dc = signed_in(world["offices"]["dc"])
    reporter = world["reporters"]["dc"]
    page = dc.get(f"/admin/org/user/{reporter.pk}/change/").content.decode()
    assert "张德城" in page and "李陵城" not in page and "赵明" not in page
    assert 'name="jurisdiction"' not in page
    # Shown, not chosen: on a new row's form too, as the county it will be of.
    adding = dc.get("/admin/org/unit/add/").content.decode()
    assert 'name="jurisdiction"' not in adding
    assert re.search(r'<div class="readonly">(<a [^>]+>)?德城区(</a>)?</div>', adding)
    query = {"app_label": "org", "model_name": "user", "field_name": "unit", "term": "区"}
    found = json.loads(dc.get("/admin/autocomplete/", query).content)["results"]
    assert [r["text"] for r in found] == ["德城区发展改革局"]


def test_a_units_name_is_unique_within_its_county_and_said_so(world):
    dc = signed_in(world["offices"]["dc"])
    response = dc.post("/admin/org/unit/add/", unit_form("德城区发展改革局"))
    assert response.status_code == 200 and response.context["adminform"].form.errors
    # The city has a 市财政局: a county may have one of its own.
    assert dc.post("/admin/org/unit/add/", unit_form("市财政局")).status_code == 302
    assert Unit.objects.filter(name="市财政局").count() == 2


# The superuser ------------------------------------------------------------------------------


def test_a_superuser_sees_every_jurisdiction_and_chooses_a_rows(world):
    root = signed_in(world["superuser"])
    units = root.get("/admin/org/unit/").content.decode()
    assert all(n in units for n in ("市财政局", "德城区发展改革局", "陵城区发展改革局"))
    page = root.get(f"/admin/org/unit/{world['units']['ll'].pk}/change/")
    assert page.status_code == 200 and 'name="jurisdiction"' in page.content.decode()
    ll = {"jurisdiction": world["counties"]["ll"].pk}
    assert root.post("/admin/org/unit/add/", unit_form("陵城区财政局", **ll)).status_code == 302
    assert Unit.objects.get(name="陵城区财政局").jurisdiction.slug == "ll"
    # Not with a parent of another jurisdiction, though.
    mixed = unit_form("陵城区分局", parent=world["units"]["dc"].pk, **ll)
    response = root.post("/admin/org/unit/add/", mixed)
    assert response.status_code == 200 and "parent" in response.context["adminform"].form.errors


def test_a_superuser_moves_a_person_with_a_unit_of_the_same_county(world):
    root = signed_in(world["superuser"])
    reporter = world["reporters"]["dc"]
    form = user_form(
        reporter, jurisdiction=world["counties"]["ll"].pk, unit=world["units"]["ll"].pk
    )
    response = root.post(f"/admin/org/user/{reporter.pk}/change/", form)
    assert response.status_code == 302, response.context["adminform"].form.errors
    reporter.refresh_from_db()
    assert (reporter.jurisdiction.slug, reporter.unit) == ("ll", world["units"]["ll"])


# Jurisdictions and areas --------------------------------------------------------------------


def test_a_county_office_sets_its_own_calendar_and_nothing_of_the_tree(world):
    dc = signed_in(world["offices"]["dc"])
    county = world["counties"]["dc"]
    listed = dc.get("/admin/org/jurisdiction/").content.decode()
    assert "德城区" in listed and "陵城区" not in listed
    form = {"deadline_day": 3, "publish_day": 8, "slug": "x", "name": "改名", "parent": ""}
    response = dc.post(f"/admin/org/jurisdiction/{county.pk}/change/", form)
    assert response.status_code == 302
    county.refresh_from_db()
    assert (county.deadline_day, county.publish_day) == (3, 8)
    assert (county.slug, county.name, county.parent) == ("dc", "德城区", world["home"])
    form = {"slug": "new", "name": "新县", "level": "county", "order": 0}
    assert dc.post("/admin/org/jurisdiction/add/", form).status_code == 403


def test_the_areas_every_jurisdiction_shares_are_the_citys_to_change(world):
    area = Area.objects.order_by("order").first()
    dc = signed_in(world["offices"]["dc"])
    assert dc.get(f"/admin/org/area/{area.pk}/change/").status_code == 200  # read
    form = {"key": area.key, "name": "改名", "order": area.order}
    assert dc.post(f"/admin/org/area/{area.pk}/change/", form).status_code == 403
    area.refresh_from_db()
    assert area.name != "改名"


def test_staff_who_run_no_jurisdiction_see_and_add_nothing_there(world):
    auditor = staff(world["city_office"])
    auditor.role = User.Role.AUDITOR
    auditor.save()
    client = signed_in(auditor)
    assert "市财政局" not in client.get("/admin/org/unit/").content.decode()
    assert client.post("/admin/org/unit/add/", unit_form("审计新单位")).status_code == 403
    assert not Unit.objects.filter(name="审计新单位").exists()


def test_an_office_resets_its_peoples_authenticators_but_never_a_superusers(world):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    root = TOTPDevice.objects.create(user=world["superuser"], name="root", confirmed=True)
    clerk = TOTPDevice.objects.create(user=world["reporters"]["dc"], name="p", confirmed=True)
    # The demo's 改革办 group has no say over authenticators; an administrator may give it.
    from django.contrib.auth.models import Permission

    perms = Permission.objects.filter(content_type__app_label="otp_totp")
    for office in (world["offices"]["dc"], world["city_office"]):
        office.user_permissions.add(*perms)
    dc = signed_in(world["offices"]["dc"])
    city = signed_in(world["city_office"])
    assert city.get(f"/admin/otp_totp/totpdevice/{root.pk}/delete/").status_code == 403
    assert (
        city.post(f"/admin/otp_totp/totpdevice/{root.pk}/delete/", {"post": "yes"}).status_code
        == 403
    )
    # Nor through the list's bulk action, which takes whatever ids the form sends.
    bulk = {"action": "delete_selected", "_selected_action": [root.pk], "post": "yes"}
    city.post("/admin/otp_totp/totpdevice/", bulk)
    assert TOTPDevice.objects.filter(pk=root.pk).exists()
    bulk["_selected_action"] = [clerk.pk]
    assert dc.post("/admin/otp_totp/totpdevice/", bulk).status_code == 302
    assert not TOTPDevice.objects.filter(pk=clerk.pk).exists()
    # The superuser resets his own (the lost phone of the one who can).
    superuser = signed_in(world["superuser"])
    response = superuser.post(f"/admin/otp_totp/totpdevice/{root.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302 and not TOTPDevice.objects.exists()
