"""Stored files go through Django's storage API: the shared folder by default, an
S3-compatible bucket when DUCHA_S3_BUCKET names one; no URL either way."""

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from ducha.lib.env import ConfigError
from ducha.lib.storage import S3, PrivateFolder, storages_setting
from ducha.reports import evidence

ROOT = Path(__file__).resolve().parent.parent
PDF = b"%PDF-1.4\n" + b"x" * 5000 + b"\n%%EOF\n"


def test_without_a_bucket_the_files_stay_in_the_shared_folder():
    storages = storages_setting()
    assert storages["evidence"] == {"BACKEND": "ducha.lib.storage.PrivateFolder"}
    assert storages["staticfiles"]["BACKEND"].endswith("StaticFilesStorage")
    assert storages["default"]["BACKEND"].endswith("FileSystemStorage")


def test_a_bucket_makes_the_files_private_objects_of_an_s3_compatible_store():
    storages = storages_setting(
        bucket="ducha-files",
        endpoint_url="https://minio.example.gov.cn:9000",
        access_key="AKIA-DUCHA",
        secret_key="s3cr3t",
        region="cn-north-1",
    )
    assert storages["evidence"] == {
        "BACKEND": S3,
        "OPTIONS": {
            "bucket_name": "ducha-files",
            "location": "evidence",
            "default_acl": "private",
            "file_overwrite": False,
            "querystring_auth": True,
            "endpoint_url": "https://minio.example.gov.cn:9000",
            "addressing_style": "path",
            "access_key": "AKIA-DUCHA",
            "secret_key": "s3cr3t",
            "region_name": "cn-north-1",
        },
    }
    # Static files never go to the bucket: nginx serves them from each machine's disk.
    assert storages["staticfiles"]["BACKEND"].endswith("StaticFilesStorage")


def test_a_bucket_alone_leaves_the_keys_and_the_address_to_boto3():
    options = storages_setting(bucket="ducha-files")["evidence"]["OPTIONS"]
    assert "access_key" not in options and "endpoint_url" not in options
    assert "region_name" not in options and "addressing_style" not in options


@pytest.mark.parametrize(
    "given, named",
    [
        ({"endpoint_url": "https://minio.example.gov.cn"}, "DUCHA_S3_ENDPOINT_URL"),
        ({"access_key": "a", "secret_key": "b"}, "DUCHA_S3_ACCESS_KEY, DUCHA_S3_SECRET_KEY"),
        ({"bucket": "b", "access_key": "a"}, "DUCHA_S3_SECRET_KEY is empty"),
        ({"bucket": "b", "secret_key": "s"}, "DUCHA_S3_ACCESS_KEY is empty"),
    ],
)
def test_a_half_given_s3_setting_is_refused_naming_the_variable(given, named):
    with pytest.raises(ConfigError, match=named):
        storages_setting(**given)


def test_the_shared_folder_holds_the_media_and_the_staged_imports(tmp_path):
    """DUCHA_SHARED_DIR (here an NFS mount's stand-in) holds what every server must see;
    DUCHA_VAR_DIR keeps each machine's own (static files)."""
    script = (
        "import json, django; django.setup()\n"
        "from django.conf import settings\n"
        "from ducha.ledger.views import _folder\n"
        "from ducha.reports.evidence import storage_dir\n"
        "print(json.dumps([str(settings.MEDIA_ROOT), str(storage_dir()), str(_folder()),"
        " str(settings.STATIC_ROOT), settings.STORAGES['evidence']['BACKEND']]))"
    )
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "ducha.settings",
        "DUCHA_VAR_DIR": str(tmp_path / "var"),
        "DUCHA_SHARED_DIR": str(tmp_path / "nfs"),
    }
    env.pop("DUCHA_S3_BUCKET", None)
    done = subprocess.run(
        [sys.executable, "-c", script], env=env, cwd=ROOT, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    media, files, staging, static, backend = json.loads(done.stdout)
    nfs = tmp_path / "nfs"
    assert (media, files, staging) == (
        str(nfs / "media"),
        str(nfs / "media" / "evidence"),
        str(nfs / "import-staging"),
    )
    assert static == str(tmp_path / "var" / "static")
    assert backend == "ducha.lib.storage.PrivateFolder"
    for folder in (nfs, nfs / "media", nfs / "media" / "evidence", nfs / "import-staging"):
        assert folder.stat().st_mode & 0o777 == 0o700, folder


def test_a_stored_file_is_owner_only_under_generated_name_and_has_no_url(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    checked, name = evidence.store_upload(SimpleUploadedFile("方案.pdf", PDF))
    path = tmp_path / "media" / "evidence" / name
    assert path.read_bytes() == PDF and checked.sha256 == hashlib.sha256(PDF).hexdigest()
    assert path.stat().st_mode & 0o777 == 0o600
    assert path.parent.stat().st_mode & 0o777 == 0o700
    assert evidence.stored_path(name) == path
    with pytest.raises(ValueError, match="no URL"):
        evidence.storage().url(name)
    evidence.discard(name)
    assert not path.exists()
    evidence.discard(name)  # gone already: no error


def test_the_storage_follows_media_root_when_it_changes(settings, tmp_path):
    storage = PrivateFolder()
    settings.MEDIA_ROOT = tmp_path / "a"
    assert storage.location == str(tmp_path / "a" / "evidence")
    settings.MEDIA_ROOT = tmp_path / "b"
    assert storage.location == str(tmp_path / "b" / "evidence")


class Item:
    def __init__(self, stored_name):
        self.stored_name, self.original_name, self.kind = stored_name, "方案.pdf", "pdf"


def test_any_storage_backend_serves_the_same_way(settings, tmp_path):
    """Through the storage API only: a backend with no filesystem (as S3 has none) stores,
    downloads and discards as the shared folder does."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.STORAGES = settings.STORAGES | {
        "evidence": {"BACKEND": "django.core.files.storage.InMemoryStorage"}
    }
    checked, name = evidence.store_upload(SimpleUploadedFile("方案.pdf", PDF))
    assert checked.kind == "pdf" and evidence.storage().exists(name)
    response = evidence.download(Item(name))
    assert b"".join(response.streaming_content) == PDF
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment")
    assert response["Content-Security-Policy"] == "default-src 'none'; sandbox"
    assert response["Content-Length"] == str(len(PDF))
    evidence.discard(name)
    assert not evidence.storage().exists(name)
    assert not (tmp_path / "media").exists()  # nothing went to the disk


def test_a_refused_upload_leaves_nothing_in_any_storage(settings, tmp_path):
    settings.STORAGES = settings.STORAGES | {
        "evidence": {"BACKEND": "django.core.files.storage.InMemoryStorage"}
    }
    with pytest.raises(evidence.EvidenceRefused):
        evidence.store_upload(SimpleUploadedFile("方案.pdf", b"<html>not a pdf</html>"))
    assert evidence.storage().listdir("") == ([], [])


def test_a_stored_name_that_is_not_ours_is_refused():
    for bad in ("../secret_key", "a" * 31, "A" * 32):
        with pytest.raises(ValueError, match="bad stored name"):
            evidence.discard(bad)
        with pytest.raises(ValueError, match="bad stored name"):
            evidence.download(Item(bad))
