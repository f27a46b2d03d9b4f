"""/healthz: 200 "ok" while the database answers and the shared storage can be written, 503
naming what failed otherwise; open to anyone, cheap, and it writes nothing."""

from unittest import mock

from django.db import OperationalError, connection
from django.test.utils import CaptureQueriesContext

from ducha.ops import health


def test_a_healthy_site_says_ok_with_one_query(db, client, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/healthz", REMOTE_ADDR="203.0.113.9")
    assert response.status_code == 200 and response.content == b"ok"
    assert response["Content-Type"] == "text/plain"
    assert "no-cache" in response["Cache-Control"]
    assert [q["sql"] for q in queries] == ["SELECT 1"]


def test_a_missing_storage_folder_is_a_503_naming_the_setting_not_the_path(
    db, client, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path / "not-mounted"
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.content == b"storage: MEDIA_ROOT is missing\n"


def test_a_storage_folder_it_cannot_write_is_a_503(db, client, settings, tmp_path):
    # Tests may run as root, whom chmod does not stop: ask access() what it would say.
    settings.MEDIA_ROOT = settings.DUCHA_SHARED_DIR = tmp_path
    with mock.patch.object(health.os, "access", return_value=False):
        response = client.get("/healthz")
    assert response.status_code == 503
    assert response.content == b"storage: MEDIA_ROOT is not writable\n"


def test_the_shared_folder_is_checked_beside_the_media(db, client, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.DUCHA_SHARED_DIR = tmp_path / "gone"
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.content == b"storage: DUCHA_SHARED_DIR is missing\n"


def test_a_database_that_does_not_answer_is_a_503_without_its_message(
    db, client, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path / "gone"
    refused = OperationalError('connection to server at "10.0.0.9" failed: password')
    with mock.patch.object(health.connection, "cursor", side_effect=refused):
        response = client.get("/healthz")
    assert response.status_code == 503
    text = response.content.decode()
    assert text == ("database: not answering (OperationalError)\nstorage: MEDIA_ROOT is missing\n")


def test_it_takes_no_post(db, client):
    assert client.post("/healthz").status_code == 405
