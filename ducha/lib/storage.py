"""Where uploaded files are kept: a folder every app server shares, or an S3-compatible store.

Every stored file (evidence, a 整改反馈's, an attribution's, a meeting's documents) goes
through Django's storage API under the name "evidence" (ducha/reports/evidence.py), so that
several app servers see the same files: on a filesystem, `MEDIA_ROOT/evidence` inside
DUCHA_SHARED_DIR, which each of them mounts at the same path (NFS); with DUCHA_S3_BUCKET,
a private bucket through django-storages (requirements-s3.txt installs boto3). Either way
nothing is ever served from a URL: a download streams through Ducha's permission check.
"""

from __future__ import annotations

import os
from functools import cached_property

from django.conf import settings
from django.core.files.storage import FileSystemStorage

from ducha.lib.env import ConfigError

# The folder (or the bucket's prefix) the stored files live under.
FOLDER = "evidence"
FILESYSTEM = "ducha.lib.storage.PrivateFolder"
S3 = "storages.backends.s3.S3Storage"


def storages_setting(
    bucket: str = "",
    endpoint_url: str = "",
    access_key: str = "",
    secret_key: str = "",
    region: str = "",
) -> dict:
    """Django's STORAGES from the DUCHA_S3_* settings: the files on the shared folder when no
    bucket is named, in the bucket otherwise. Static files stay on each machine's disk
    (collectstatic's output, served by nginx or WhiteNoise)."""
    named = {
        "DUCHA_S3_ENDPOINT_URL": endpoint_url,
        "DUCHA_S3_ACCESS_KEY": access_key,
        "DUCHA_S3_SECRET_KEY": secret_key,
        "DUCHA_S3_REGION": region,
    }
    if not bucket:
        given = [name for name, value in named.items() if value]
        if given:
            raise ConfigError(
                f"{', '.join(given)} set but DUCHA_S3_BUCKET is empty: name the bucket to "
                "keep the files in an S3-compatible store, or clear them to keep the files "
                "in DUCHA_SHARED_DIR"
            )
        files = {"BACKEND": FILESYSTEM}
    else:
        if bool(access_key) != bool(secret_key):
            missing = "DUCHA_S3_SECRET_KEY" if access_key else "DUCHA_S3_ACCESS_KEY"
            raise ConfigError(f"DUCHA_S3_BUCKET={bucket}: {missing} is empty")
        options = {
            "bucket_name": bucket,
            "location": FOLDER,
            # Private objects, never overwritten (every stored name is new), and no URL is
            # ever handed out: downloads stream through Ducha.
            "default_acl": "private",
            "file_overwrite": False,
            "querystring_auth": True,
        }
        if endpoint_url:
            # MinIO and most stores on an intranet: the bucket in the path, not the host name.
            options |= {"endpoint_url": endpoint_url, "addressing_style": "path"}
        if access_key:  # without: boto3's own (AWS_* variables, an instance profile)
            options |= {"access_key": access_key, "secret_key": secret_key}
        if region:
            options["region_name"] = region
        files = {"BACKEND": S3, "OPTIONS": options}
    return {
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
        FOLDER: files,
    }


class PrivateFolder(FileSystemStorage):
    """MEDIA_ROOT/evidence, owner only: files 0600, folders 0700, no URL. The folder follows
    MEDIA_ROOT (read when first used, and again when a test changes it)."""

    def __init__(self, **options):
        options.setdefault("file_permissions_mode", 0o600)
        options.setdefault("directory_permissions_mode", 0o700)
        super().__init__(**options)

    @cached_property
    def base_location(self):
        # FileSystemStorage forgets this cached value when MEDIA_ROOT changes.
        return os.path.join(settings.MEDIA_ROOT, FOLDER)

    def url(self, name):
        raise ValueError("stored files have no URL: they are downloaded through Ducha")
