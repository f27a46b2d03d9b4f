"""Schemathesis against /api/v1/openapi.json: every operation, with data generated from the
document (valid and invalid), answers no 5xx, with the status codes, content types, headers
and bodies the document declares, and refuses what the document says is invalid.

The site runs in process (its WSGI handler) over real data: the sample ledger with May and
June 2021 published and June corrected, a county with its own board, a public scores table,
and a report token of a lead unit for the operations behind a token. The data is made once
for the module inside a transaction that is rolled back at its end; each example's writes
roll back with its test.
"""

import datetime as dt
import tempfile
from pathlib import Path

import pytest
import schemathesis
from django.core import signals
from django.core.handlers.wsgi import WSGIHandler
from django.db import close_old_connections, transaction
from django.test.utils import override_settings
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.conftest import SAMPLES

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    negative_data_rejection,
]
AUGUST_10 = dt.datetime(2021, 8, 10, 9, tzinfo=dt.UTC)
SITE = WSGIHandler()

pytestmark = pytest.mark.django_db


def build() -> str:
    """The data the examples read; returns a report token of 市工业和信息化局."""
    from ducha.api.tokens import issue_token
    from ducha.assessment.models import ScorePolicy
    from ducha.boards.publication import publish
    from ducha.ledger.importing import import_ledger, import_progress
    from ducha.ledger.layout import Options
    from ducha.org.areas import ensure_areas
    from ducha.org.models import Area, Jurisdiction, Unit, ensure_home
    from tests.helpers import LEDGER_HEADER, ledger_row, write_csv

    ensure_areas(Area)
    home = ensure_home()
    import_ledger(SAMPLES / "ledger.xlsx")
    import_progress(SAMPLES / "progress.csv")
    for month in (dt.date(2021, 5, 1), dt.date(2021, 6, 1)):
        publish(month, now=AUGUST_10)
    publish(dt.date(2021, 6, 1), correction="更正一处笔误", now=AUGUST_10)
    county = Jurisdiction.objects.create(slug="qingyun", name="庆云县", level="county", parent=home)
    with tempfile.TemporaryDirectory() as folder:
        rows = [ledger_row(code="HX-001", due="2021-06")]
        ledger = write_csv(Path(folder) / "county.csv", LEDGER_HEADER, rows)
        import_ledger(ledger, options=Options(jurisdiction=county))
    publish(dt.date(2021, 6, 1), jurisdiction=county, now=AUGUST_10)
    ScorePolicy.objects.create(jurisdiction=home, public=True)
    return issue_token(
        Unit.objects.get(jurisdiction=home, name="市工业和信息化局"), "report"
    ).secret


@pytest.fixture(scope="module")
def token(django_db_setup, django_db_blocker):
    # The test client's way: a request must not close the connection the data lives in.
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        with (
            django_db_blocker.unblock(),
            override_settings(DUCHA_TODAY="2021-08-11"),
            transaction.atomic(),
        ):
            yield build()
            transaction.set_rollback(True)
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


# Read at collection: serving the document touches no database.
schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", SITE)


@schema.parametrize()
@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
    database=None,
)
def test_the_api_keeps_to_its_openapi_document(case, token):
    headers = {}
    if case.operation.definition.raw.get("security"):
        headers["Authorization"] = f"Bearer {token}"
    case.call_and_validate(headers=headers, checks=CHECKS)
