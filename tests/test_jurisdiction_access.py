"""The permission matrix over a city and two of its counties: a county's people never read
or change another county's reports, files or ledger; the city office reads its counties'
reports and files and changes none of them; every jurisdiction's public boards are public.

Each county (甲县 county-a, 乙县 county-b, under the home city) has an office, an auditor, a
unit with a reporter and a head, and July reports in three states: X-1 approved by the head
with a file (for the office to accept or return), X-2 submitted (for the head), X-3 a draft
(for the reporter). The matrix is written once by relation to the county whose objects a
row is about ("own", "other") and run for both counties.

Writes are posted with a stale version (0): a 409 says the permission check passed and
nothing was written, as in tests/test_permissions.py.
"""

import datetime as dt
import re

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from ducha.audit.models import AuditEntry
from ducha.boards.models import Hold, Publication
from ducha.boards.publication import publish
from ducha.ledger.importing import import_ledger
from ducha.ledger.layout import Options
from ducha.ledger.models import Task
from ducha.org.models import Jurisdiction, Leader, Unit, User
from ducha.reports import workflow
from ducha.reports.models import Evidence, Report
from tests.conftest import PASSWORD
from tests.helpers import LEDGER_HEADER, ledger_row, sign_in_fully, write_csv
from tests.test_reports import PDF

pytestmark = pytest.mark.mfa

JUNE, JULY = dt.date(2021, 6, 1), dt.date(2021, 7, 1)
JULY_10 = dt.datetime(2021, 7, 10, 9, tzinfo=dt.UTC)
COUNTIES = {"a": ("county-a", "甲县"), "b": ("county-b", "乙县")}
# Who asks, by relation to the county a row is about.
RELATIONS = [
    "anonymous",
    "city_office",
    "city_auditor",
    "own_office",
    "own_auditor",
    "own_reporter",
    "own_head",
    "other_office",
    "other_auditor",
    "other_reporter",
    "other_head",
]
SECOND_FACTOR = {"office", "auditor"}  # signed in with both factors, as in production
LOGIN = 302
A, F, N, S = 200, 403, 404, 409  # allowed, forbidden, not found (out of scope), stale
# (method, url, posted data, expected status per relation in RELATIONS order). {x}: the
# county's letter, {slug}: its slug, {evidence}: its X-1 report's file.
MATRIX = [
    # Reading a county's report: the city office and auditor name the county (?j=).
    ("get", "/reports/{X}-1/2021-07/?j={slug}", None, [LOGIN, A, A, A, A, A, A, N, N, N, N]),
    # Without it, a code is looked up in the person's own jurisdiction.
    ("get", "/reports/{X}-1/2021-07/", None, [LOGIN, N, N, A, A, A, A, N, N, N, N]),
    ("get", "/evidence/{evidence}/", None, [LOGIN, A, A, A, A, A, A, N, N, N, N]),
    # The office's review: only the county's own office.
    (
        "post",
        "/reports/{X}-1/2021-07/?j={slug}",
        {"action": "accept", "version": "0"},
        [LOGIN, F, F, S, F, F, F, N, N, N, N],
    ),
    (
        "post",
        "/reports/{X}-1/2021-07/?j={slug}",
        {"action": "return", "version": "0", "comment": "请补充"},
        [LOGIN, F, F, S, F, F, F, N, N, N, N],
    ),
    # The head's approval and sending back.
    (
        "post",
        "/reports/{X}-2/2021-07/?j={slug}",
        {"action": "approve", "version": "0"},
        [LOGIN, F, F, F, F, F, S, N, N, N, N],
    ),
    (
        "post",
        "/reports/{X}-2/2021-07/?j={slug}",
        {"action": "send_back", "version": "0", "comment": "请补充"},
        [LOGIN, F, F, F, F, F, S, N, N, N, N],
    ),
    # Editing a draft.
    (
        "post",
        "/reports/{X}-3/2021-07/?j={slug}",
        {"action": "save", "version": "0", "narrative": "改了"},
        [LOGIN, F, F, F, F, S, S, N, N, N, N],
    ),
    # The override form acts on the office's own tasks: another's code is not found there.
    (
        "get",
        "/office/override/?task={X}-1&month=2021-06",
        None,
        [LOGIN, N, F, A, F, F, F, N, F, F, F],
    ),
    # Refused for want of a reason (400): the permission check passed.
    (
        "post",
        "/office/override/",
        {"task": "{X}-1", "month": "2021-06", "rating": "horse", "reason": ""},
        [LOGIN, N, F, 400, F, F, F, N, F, F, F],
    ),
    # A county's desk, read by the offices and auditors above it and its own.
    ("get", "/office/?j={slug}", None, [LOGIN, A, A, A, A, F, F, N, N, F, F]),
]


def _ledger(tmp_path, x: str, name: str):
    """The county's ledger: X-1, X-2, X-3 and C-1 (a code every county has), one unit."""
    unit, leader = f"{name}发展改革局", f"{name}县长"
    rows = [
        ledger_row(
            code=code,
            node="N1",
            due="2021-07",
            任务名称=f"{name}任务{code}",
            牵头单位=unit,
            分管市领导=leader,
            配合单位="",
        )
        for code in (f"{x.upper()}-1", f"{x.upper()}-2", f"{x.upper()}-3", "C-1")
    ]
    return write_csv(tmp_path / f"{x}.csv", LEDGER_HEADER, rows)


def _person(username, role, jurisdiction, unit=None):
    user = User.objects.create_user(
        username, password=PASSWORD, role=role, unit=unit, jurisdiction=jurisdiction
    )
    user.full_name = username
    user.save()
    return user


@pytest.fixture
def world(cycle, tmp_path, settings):
    """The city of the `cycle` fixture (home) and its two counties, June published in all
    three, July reported in each county."""
    home = Jurisdiction.objects.home()
    people = {
        "city_office": cycle["office"],
        "city_auditor": cycle["auditor"],
        "city_reporter": cycle["reporter"],
    }
    counties, reports = {}, {}
    for x, (slug, name) in COUNTIES.items():
        county = Jurisdiction.objects.create(
            slug=slug, name=name, level=Jurisdiction.Level.COUNTY, parent=home
        )
        counties[x] = county
        import_ledger(_ledger(tmp_path, x, name), options=Options(jurisdiction=county))
        unit = Unit.objects.get(jurisdiction=county)
        Role = User.Role
        people |= {
            f"{x}_office": _person(f"{x}_office", Role.OFFICE, county),
            f"{x}_auditor": _person(f"{x}_auditor", Role.AUDITOR, county),
            f"{x}_reporter": _person(f"{x}_reporter", Role.REPORTER, county, unit),
            f"{x}_head": _person(f"{x}_head", Role.HEAD, county, unit),
        }
        reports[x] = _reports(county, x, people[f"{x}_reporter"], people[f"{x}_head"])
    for jurisdiction in (None, *counties.values()):
        publish(JUNE, now=JULY_10, jurisdiction=jurisdiction)
    return {"home": home, "counties": counties, "people": people, "reports": reports}


def _reports(county, x: str, reporter, head) -> dict[str, Report]:
    """X-1 approved with a file, X-2 submitted, X-3 a draft."""
    task = {n: Task.objects.get(jurisdiction=county, code=f"{x.upper()}-{n}") for n in (1, 2, 3)}
    out = {}
    for n in (1, 2, 3):
        report = workflow.start_report(task[n], JULY, 0)
        lines = {
            line.node_id: workflow.LineInput("in_progress", 50, None, "推进中")
            for line in report.lines.all()
        }
        workflow.save_report(
            report,
            reporter,
            report.version,
            narrative=f"{county.name}的进展",
            problems="",
            next_steps="",
            lines=lines,
        )
        if n == 1:
            workflow.add_evidence(report, reporter, SimpleUploadedFile(f"{x}.pdf", PDF))
        if n in (1, 2):
            workflow.submit_report(report, reporter, report.version)
        if n == 1:
            workflow.approve_report(report, head, report.version)
        out[f"{x.upper()}-{n}"] = report
    return out


def _who(world, x: str, relation: str):
    if relation == "anonymous":
        return None
    if relation.startswith("city_"):
        return world["people"][relation]
    side, role = relation.split("_", 1)
    county = x if side == "own" else ("b" if x == "a" else "a")
    return world["people"][f"{county}_{role}"]


def client_of(user) -> Client:
    client = Client()
    if user is None:
        return client
    if user.role in SECOND_FACTOR:
        sign_in_fully(client, user)
    else:
        client.force_login(user)
    return client


def _fill(text: str, world, x: str) -> str:
    evidence = Evidence.objects.get(report=world["reports"][x][f"{x.upper()}-1"])
    return text.format(X=x.upper(), slug=COUNTIES[x][0], evidence=evidence.pk)


def _state(world) -> list:
    """Everything a write in the matrix could change."""
    return [
        list(Report.objects.order_by("pk").values_list("pk", "status", "version", "narrative")),
        AuditEntry.objects.count(),
    ]


@pytest.mark.parametrize("x", sorted(COUNTIES))
@pytest.mark.parametrize(
    ("method", "url", "data", "expected"), MATRIX, ids=[f"{m} {u}" for m, u, _, _ in MATRIX]
)
def test_each_person_gets_exactly_what_their_jurisdiction_allows(
    world, x, method, url, data, expected
):
    before = _state(world)
    url = _fill(url, world, x)
    data = {k: _fill(v, world, x) for k, v in (data or {}).items()}
    got = {}
    for relation in RELATIONS:
        client = client_of(_who(world, x, relation))
        response = client.get(url) if method == "get" else client.post(url, data)
        got[relation] = response.status_code
    assert got == dict(zip(RELATIONS, expected, strict=True))
    assert _state(world) == before  # nobody wrote anything: refused, or stale


def test_the_city_office_reads_a_county_report_and_its_file_and_changes_nothing(world):
    client = client_of(world["people"]["city_office"])
    page = client.get("/reports/A-1/2021-07/?j=county-a")
    assert page.status_code == 200
    html = page.content.decode()
    assert "甲县的进展" in html and "a.pdf" in html
    # Neither the office's buttons nor the unit's: it reads.
    assert 'value="accept"' not in html and 'value="return"' not in html
    evidence = Evidence.objects.get(report=world["reports"]["a"]["A-1"])
    download = client.get(f"/evidence/{evidence.pk}/")
    assert download.status_code == 200 and b"".join(download.streaming_content) == PDF

    report = world["reports"]["a"]["A-1"]
    report.refresh_from_db()
    for action in ("accept", "return"):
        data = {"action": action, "version": report.version, "comment": "城市改革办的意见"}
        assert client.post("/reports/A-1/2021-07/?j=county-a", data).status_code == 403
    report.refresh_from_db()
    assert report.status == Report.Status.APPROVED and report.reviewed_by is None
    # Nor does it start a report nobody has started (C-1's July).
    data = {"action": "save", "version": "0", "narrative": "城市改革办代填"}
    assert client.post("/reports/C-1/2021-07/?j=county-a", data).status_code == 403
    assert not Report.objects.filter(task__code="C-1").exists()


def test_the_county_office_accepts_its_own_report_with_the_current_version(world):
    """The same post that is refused to the city office goes through for the county's own."""
    report = world["reports"]["a"]["A-1"]
    report.refresh_from_db()
    client = client_of(world["people"]["a_office"])
    response = client.post("/reports/A-1/2021-07/", {"action": "accept", "version": report.version})
    assert response.status_code == 302
    report.refresh_from_db()
    assert report.status == Report.Status.ACCEPTED
    assert report.reviewed_by == world["people"]["a_office"]


def test_a_code_both_counties_have_is_each_persons_own(world):
    """C-1 is in both ledgers: each county's reporter gets his own, and never the other's
    by naming it."""
    for x, other in (("a", "county-b"), ("b", "county-a")):
        client = client_of(world["people"][f"{x}_reporter"])
        name = COUNTIES[x][1]
        page = client.get("/reports/C-1/2021-07/")
        assert page.status_code == 200
        html = page.content.decode()
        assert f"{name}任务C-1" in html
        assert all(f"{n}任务C-1" not in html for _, n in COUNTIES.values() if n != name)
        assert client.get(f"/reports/C-1/2021-07/?j={other}").status_code == 404


def test_an_unknown_or_unreadable_jurisdiction_is_not_found(world):
    client = client_of(world["people"]["city_office"])
    for bad in ("nowhere", "x" * 300, "①", "a%2Fb"):
        assert client.get(f"/reports/A-1/2021-07/?j={bad}").status_code == 404
        assert client.get(f"/office/?j={bad}").status_code == 404
    # A county's office does not read the city either.
    county = client_of(world["people"]["a_office"])
    assert county.get(f"/reports/T-1/2021-07/?j={world['home'].slug}").status_code == 404
    assert county.get(f"/office/?j={world['home'].slug}").status_code == 404


def test_each_persons_tasks_are_of_their_own_jurisdiction(world):
    people = world["people"]

    def codes(user):
        return set(Task.objects.visible_to(user).values_list("jurisdiction__slug", "code"))

    county_a = {("county-a", c) for c in ("A-1", "A-2", "A-3", "C-1")}
    county_b = {("county-b", c) for c in ("B-1", "B-2", "B-3", "C-1")}
    city = {(world["home"].slug, "T-1"), (world["home"].slug, "T-2")}
    assert codes(people["a_reporter"]) == county_a
    assert codes(people["a_office"]) == codes(people["a_auditor"]) == county_a
    assert codes(people["b_head"]) == county_b
    assert (
        codes(people["city_office"]) == codes(people["city_auditor"]) == city | county_a | county_b
    )
    assert codes(people["city_reporter"]) == {(world["home"].slug, "T-1")}
    for user in (people["a_office"], people["a_reporter"]):
        reports = Report.objects.visible_to(user)
        assert set(reports.values_list("task__jurisdiction__slug", flat=True)) == {"county-a"}
        files = Evidence.objects.visible_to(user)
        assert list(files.values_list("original_name", flat=True)) == ["a.pdf"]
    assert Evidence.objects.visible_to(people["city_office"]).count() == 2


def test_a_county_leader_follows_his_own_countys_tasks(world):
    county = world["counties"]["a"]
    leader = Leader.objects.get(jurisdiction=county)
    user = _person("a_leader", User.Role.LEADER, county)
    user.leader = leader
    user.save()
    assert set(Task.objects.visible_to(user).values_list("code", flat=True)) == {
        "A-1",
        "A-2",
        "A-3",
        "C-1",
    }
    html = client_of(user).get("/me/?month=2021-07").content.decode()
    assert "/j/county-a/tasks/A-1/" in html and "乙县" not in html


def test_a_unit_of_another_jurisdiction_is_refused_and_would_give_nothing(world):
    a_unit = Unit.objects.get(jurisdiction=world["counties"]["a"])
    user = User(username="astray", role=User.Role.REPORTER, unit=a_unit)
    user.jurisdiction = world["counties"]["b"]
    with pytest.raises(ValidationError) as refused:
        user.full_clean()
    assert refused.value.message_dict["unit"] == ["所选单位不属于该用户的辖区"]
    user.set_password(PASSWORD)
    user.save()  # past the check (a script): he reads and writes nothing
    assert not Task.objects.visible_to(user).exists()
    assert not Report.objects.visible_to(user).exists()
    report = world["reports"]["a"]["A-3"]
    assert not user.can_edit(report)


def test_a_county_reporters_page_lists_his_own_tasks_only(world):
    client = client_of(world["people"]["a_reporter"])
    html = client.get("/me/?month=2021-07").content.decode()
    assert "A-1" in html and "甲县任务C-1" in html
    assert "B-1" not in html and "乙县" not in html and "T-1" not in html


def test_each_office_publishes_and_holds_its_own_jurisdiction_alone(world):
    """The desk acts on the office's own chain; naming another county changes nothing."""
    a, b = world["counties"]["a"], world["counties"]["b"]
    client = client_of(world["people"]["a_office"])
    response = client.post(
        "/office/publication/?j=county-b", {"month": "2021-07", "action": "hold", "reason": "x"}
    )
    assert response.status_code == 302
    assert list(Hold.objects.values_list("jurisdiction", flat=True)) == [a.pk]
    client.post("/office/publication/", {"month": "2021-07", "action": "release"})
    assert not Hold.objects.filter(released_at__isnull=True).exists()

    # Publishing a correction of June: A's chain gets version 2, B's and the city's not.
    data = {"month": "2021-06", "action": "correct", "confirm": "2021-06", "reason": "更正"}
    assert client.post("/office/publication/", data).status_code == 302
    june = Publication.objects.filter(month=JUNE)
    assert sorted(june.values_list("jurisdiction", "version"), key=str) == sorted(
        [(None, 1), (a.pk, 1), (a.pk, 2), (b.pk, 1)], key=str
    )


def test_the_city_office_cannot_publish_or_hold_for_a_county(world):
    client = client_of(world["people"]["city_office"])
    client.post("/office/publication/?j=county-a", {"month": "2021-07", "action": "hold"})
    assert list(Hold.objects.values_list("jurisdiction", flat=True)) == [None]  # the city's


def test_the_city_desk_shows_each_county_read_only(world):
    client = client_of(world["people"]["city_office"])
    html = client.get("/office/?month=2021-07").content.decode()
    for slug, name in COUNTIES.values():
        row = re.search(rf'<tr role="row" data-jurisdiction="{slug}">(.*?)</tr>', html, re.S)
        assert row, html
        cells = row.group(1)
        assert name in cells and f"?month=2021-07&amp;j={slug}" in cells
        # X-1 approved (its progress in: reported), X-2 waits for the head, X-1 for the office
        assert 'data-reported="1"' in cells
        assert 'data-with-head="1"' in cells and 'data-with-office="1"' in cells

    county = client.get("/office/?month=2021-07&j=county-a").content.decode()
    assert "甲县 · " in county and "只读" in county
    assert "A-1" in county and "T-1" not in county
    assert "/reports/A-1/2021-07/?j=county-a" in county
    assert 'value="hold"' not in county and 'name="action"' not in county
    assert "/office/override/" not in county


def test_a_county_office_desk_is_its_own_county(world):
    html = client_of(world["people"]["b_office"]).get("/office/?month=2021-07").content.decode()
    assert "乙县 · " in html and "B-1" in html
    assert "A-1" not in html and "T-1" not in html and "甲县" not in html
    assert 'value="hold"' in html  # its own month: it may hold it


def test_the_audit_log_shows_each_county_its_own_entries(world):
    """A county's office reads what happened in its county; the city office in every one."""
    people = world["people"]

    def logged(user) -> str:
        return client_of(user).get("/audit/").content.decode()

    county_b = logged(people["b_office"])
    assert "B-1" in county_b and "A-1" not in county_b and "T-1" not in county_b
    city = logged(people["city_office"])
    assert "A-1" in city and "B-1" in city
    assert logged(people["a_auditor"]).count("B-1") == 0


@pytest.mark.parametrize("slug", [None, "county-a", "county-b"])
def test_every_jurisdictions_public_boards_are_public(world, slug):
    anonymous = Client()
    prefix = "" if slug is None else f"/j/{slug}"
    assert anonymous.get(f"{prefix}/").status_code == 200
    board = anonymous.get(f"{prefix}/board/2021-06/")
    assert board.status_code == 200
    for code in ("A-1",) if slug == "county-a" else ("B-1",) if slug == "county-b" else ("T-1",):
        assert code in board.content.decode()


def test_a_county_office_exports_and_imports_its_own_ledger_alone(world, tmp_path, settings):
    from openpyxl import load_workbook

    from ducha.ledger.views import SESSION_KEY

    settings.DUCHA_SHARED_DIR = tmp_path / "var"
    client = client_of(world["people"]["b_office"])
    response = client.post("/office/ledger/export/")
    assert response.status_code == 200
    path = tmp_path / "export.xlsx"
    path.write_bytes(response.content)
    sheet = load_workbook(path).active
    text = " ".join(str(c) for row in sheet.iter_rows(values_only=True) for c in row if c)
    assert "B-1" in text and "A-1" not in text and "T-1" not in text

    # Its import goes into its own ledger, with its own units: nothing new to confirm.
    row = ledger_row(code="B-9", 牵头单位="乙县发展改革局", 分管市领导="乙县县长", 配合单位="")
    upload = write_csv(tmp_path / "b9.csv", LEDGER_HEADER, [row])
    data = {"kind": "ledger", "file": SimpleUploadedFile("乙县台账.csv", upload.read_bytes())}
    assert client.post("/office/ledger/", data).status_code == 200
    (token,) = client.session[SESSION_KEY]
    assert client.post("/office/ledger/confirm/", {"token": token}).status_code == 200
    made = Task.objects.get(code="B-9")
    assert made.jurisdiction == world["counties"]["b"]
    assert made.lead_unit.jurisdiction == world["counties"]["b"]
