"""An integration reports for its unit through /api/v1/ exactly as the report page does:
the same checks, the same workflow (draft → submitted → the head approves on the web), the
same stale-version refusal, the same evidence checks."""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client, RequestFactory

from ducha.audit.models import AuditEntry
from ducha.lib.requestsize import body_limit
from ducha.reports.models import Report
from tests.test_api_permissions import bearer, make_world
from tests.test_reports import PDF

URL = "/api/v1/reports/T-1/2021-07"


@pytest.fixture
def world(cycle, tmp_path):
    return make_world(cycle, tmp_path)


@pytest.fixture
def api(world):
    """A client holding the lead unit's report token."""
    client = Client(**bearer(world["tokens"]["report"]))
    return client


def put(client, body, url=URL):
    return client.put(url, body, content_type="application/json")


def node_codes(client, url=URL) -> list[str]:
    return [line["node"] for line in client.get(url).json()["lines"]]


def test_me_names_the_unit_its_jurisdiction_and_scope(world, api):
    me = api.get("/api/v1/me").json()
    assert me["unit"]["name"] == "市工业和信息化局"
    assert me["jurisdiction"]["slug"] == "city"
    assert me["scope"] == "report" and me["prefix"].startswith("dch_")


def test_a_report_never_saved_reads_as_version_0_with_the_lines_it_would_start_from(world, api):
    got = api.get("/api/v1/reports/T-2/2021-07", **bearer(world["tokens"]["other_unit"]))
    assert got.status_code == 200
    body = api.get("/api/v1/reports/T-1/2021-08").json()
    assert (body["saved"], body["version"], body["can_save"]) == (False, 0, False)
    assert Report.objects.filter(month=dt.date(2021, 8, 1)).count() == 0  # a GET wrote nothing


def test_saving_and_submitting_run_the_web_workflow(world, api):
    report = world["report"]
    lines = [
        {"node": "N1", "status": "done", "done_on": "2021-06-28", "note": "印发"},
        {"node": "N2", "status": "in_progress", "percent": 40, "note": "起草中"},
    ]
    body = {"version": report.version, "narrative": "本月进展", "lines": lines, "submit": True}
    response = put(api, body)
    assert response.status_code == 200, response.content
    saved = response.json()
    assert (saved["status"], saved["version"], saved["narrative"]) == ("submitted", 3, "本月进展")
    assert [(x["node"], x["status"], x["percent"]) for x in saved["lines"]] == [
        ("N1", "done", 100),
        ("N2", "in_progress", 40),
    ]
    report.refresh_from_db()
    account = report.submitted_by
    assert account.is_integration and account.unit == world["reporter"].unit
    actions = list(
        AuditEntry.objects.filter(target_type="Report", target_id=str(report.pk))
        .order_by("seq")
        .values_list("action", "actor")
    )
    assert actions[-2:] == [("report_saved", account.pk), ("report_submitted", account.pk)]
    # The head approves it on the web, as any reporter's submission.
    head = Client()
    head.force_login(world["head"])
    approved = head.post("/reports/T-1/2021-07/", {"action": "approve", "version": report.version})
    assert approved.status_code == 302
    report.refresh_from_db()
    assert report.status == "approved"


def test_a_report_changed_since_it_was_read_is_refused_as_stale(world, api):
    version = world["report"].version
    assert put(api, {"version": version, "narrative": "一"}).status_code == 200
    stale = put(api, {"version": version, "narrative": "二"})
    assert stale.status_code == 409
    assert stale["Content-Type"] == "application/problem+json"
    assert "请重新读取" in stale.json()["detail"]
    assert Report.objects.get(pk=world["report"].pk).narrative == "一"


def test_a_report_that_moved_on_is_refused_as_stale_too(world, api):
    report = world["report"]
    body = {"version": report.version, "narrative": "进展", "submit": True}
    body["lines"] = [
        {"node": c, "status": "in_progress", "percent": 10, "note": "推进"} for c in node_codes(api)
    ]
    assert put(api, body).json()["status"] == "submitted"
    again = put(api, {"version": 3, "narrative": "再改"})
    assert again.status_code == 409


def test_the_first_save_of_a_new_report_sends_version_0(world, api):
    url = "/api/v1/reports/T-2/2021-07"
    other = Client(**bearer(world["tokens"]["other_unit"]))
    Report.objects.filter(task=world["t2"]).delete()
    assert put(other, {"version": 1, "narrative": "x"}, url).status_code == 409
    assert not Report.objects.filter(task=world["t2"]).exists()  # refused: nothing left
    created = put(other, {"version": 0, "narrative": "新建"}, url)
    assert created.status_code == 200 and created.json()["saved"] is True


def test_refused_fields_are_named_as_the_api_names_them(world, api):
    version = world["report"].version
    body = {
        "version": version,
        "lines": [
            {"node": "N1", "status": "done", "done_on": "2021-09-30"},
            {"node": "N9", "status": "done"},
        ],
    }
    unknown = put(api, body)
    assert unknown.status_code == 400
    assert [e["field"] for e in unknown.json()["errors"]] == ["lines.N9.node"]
    body["lines"] = body["lines"][:1]
    refused = put(api, body)
    assert refused.status_code == 400
    fields = [e["field"] for e in refused.json()["errors"]]
    assert fields == ["lines.N1.done_on"]
    assert Report.objects.get(pk=world["report"].pk).version == version  # nothing saved


def test_a_submission_refused_leaves_the_draft_saved_and_says_so(world, api):
    version = world["report"].version
    refused = put(api, {"version": version, "narrative": "", "submit": True})
    assert refused.status_code == 400
    problem = refused.json()
    assert problem["detail"].startswith("草稿已保存，但未能提交")
    assert {e["field"] for e in problem["errors"]} == {
        "narrative",
        "lines.N1.note",
        "lines.N2.note",
    }
    report = Report.objects.get(pk=world["report"].pk)
    assert (report.status, report.version) == ("draft", version + 1)


def test_a_wrongly_typed_body_is_a_422_naming_the_field(world, api):
    response = put(api, {"version": "x", "lines": [{"node": "N1", "status": "finished"}]})
    assert response.status_code == 422
    fields = {e["field"] for e in response.json()["errors"]}
    # (ninja puts the body's parameter name first: "data.version")
    assert any(f.endswith("version") for f in fields)
    assert any(f.endswith("lines.0.status") for f in fields)


def test_evidence_goes_in_checked_and_comes_out_the_same(world, api):
    upload = api.post(f"{URL}/evidence", {"file": SimpleUploadedFile("方案.pdf", PDF)})
    assert upload.status_code == 201, upload.content
    item = upload.json()
    assert (item["name"], item["kind"], item["size"]) == ("方案.pdf", "pdf", len(PDF))
    listed = api.get(URL).json()["evidence"]
    assert [e["name"] for e in listed] == ["a.pdf", "方案.pdf"]
    download = api.get(item["url"])
    assert download.status_code == 200 and b"".join(download.streaming_content) == PDF


def test_a_refused_file_is_a_400_naming_it(world, api):
    refused = api.post(f"{URL}/evidence", {"file": SimpleUploadedFile("x.pdf", b"MZ\x90")})
    assert refused.status_code == 400
    (error,) = refused.json()["errors"]
    assert error["field"] == "file" and "x.pdf" in error["message"]
    assert world["report"].evidence.count() == 1


def test_evidence_waits_for_the_first_save(world, api):
    response = api.post(
        "/api/v1/reports/T-1/2021-08/evidence", {"file": SimpleUploadedFile("a.pdf", PDF)}
    )
    assert response.status_code == 404
    assert "请先保存" in response.json()["detail"]


def test_the_list_is_the_units_reports_filtered(world, api):
    listed = api.get("/api/v1/reports").json()
    assert [(r["task"], r["month"], r["status"]) for r in listed["items"]] == [
        ("T-1", "2021-07", "draft")
    ]
    assert (listed["count"], listed["next"]) == (1, None)
    assert api.get("/api/v1/reports?month=2021-06").json()["items"] == []
    assert api.get("/api/v1/reports?status=submitted").json()["items"] == []
    bad = api.get("/api/v1/reports?status=lost")
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "status"
    bad_month = api.get("/api/v1/reports?month=2021-13")
    assert bad_month.status_code == 422 and bad_month.json()["errors"][0]["field"] == "month"


def test_the_list_costs_the_same_queries_however_long(world, api, django_assert_max_num_queries):
    with django_assert_max_num_queries(6):
        assert api.get("/api/v1/reports").status_code == 200


def test_an_upload_gets_the_report_pages_size_cap_only_with_a_token(settings):
    factory = RequestFactory()
    url = "/api/v1/reports/T-1/2021-07/evidence"
    with_token = factory.post(url, HTTP_AUTHORIZATION="Bearer dch_x")
    without = factory.post(url)
    for request in (with_token, without):
        request.user = type("Anonymous", (), {"is_authenticated": False})()
    cap = settings.DUCHA_EVIDENCE_MAX_MB * settings.DUCHA_EVIDENCE_MAX_FILES + 1
    assert body_limit(with_token) == cap * 1024 * 1024
    assert body_limit(without) == settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    save = factory.put(url.removesuffix("/evidence"), HTTP_AUTHORIZATION="Bearer dch_x")
    save.user = without.user
    assert body_limit(save) == settings.DATA_UPLOAD_MAX_MEMORY_SIZE


def test_a_closed_month_cannot_be_saved(world, api):
    june = api.put("/api/v1/reports/T-1/2021-06", {"version": 0}, content_type="application/json")
    assert june.status_code == 403


def test_a_large_file_passes_the_size_check_with_a_token_and_not_without(world, api):
    big = b"%PDF-1.4\n" + b"0" * (3 * 1024 * 1024 // 2) + b"\n%%EOF\n"  # 1.5 MB
    upload = api.post(f"{URL}/evidence", {"file": SimpleUploadedFile("big.pdf", big)})
    assert upload.status_code == 201 and upload.json()["size"] == len(big)
    anonymous = Client().post(f"{URL}/evidence", {"file": SimpleUploadedFile("big.pdf", big)})
    assert anonymous.status_code == 413


def test_values_no_database_column_takes_are_refused_as_422s(world, api):
    """A NUL character (PostgreSQL refuses it), an id past 64 bits, a percent past 100: the
    document says so, and the answer is a 422 naming the field, never a server error."""
    nul = put(api, {"version": world["report"].version, "narrative": "a\x00b"})
    assert nul.status_code == 422
    assert api.get("/api/v1/evidence/99999999999999999999999").status_code in (404, 422)
    assert api.get("/api/v1/reports/T\x00/2021-07").status_code in (404, 422)
    line = {"node": "N2", "status": "in_progress", "percent": 101}
    assert put(api, {"version": 1, "lines": [line]}).status_code == 422
