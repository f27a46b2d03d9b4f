"""What /healthz checks: the database answers and the shared storage can be written.

A load balancer asks every few seconds and takes the app server out of rotation on a 503,
so each check is cheap (one SELECT 1, one access() call) and writes nothing."""

import logging
import os
from pathlib import Path

from django.conf import settings
from django.db import connection

log = logging.getLogger(__name__)


def shared_folders() -> dict[str, Path]:
    """The folders every app server must be able to write, by the setting that names them:
    the uploaded files (MEDIA_ROOT) and the folder shared between app servers that holds it
    (DUCHA_SHARED_DIR, where the deployment sets one)."""
    folders = {"MEDIA_ROOT": Path(settings.MEDIA_ROOT)}
    shared = getattr(settings, "DUCHA_SHARED_DIR", None)
    if shared and Path(shared) != folders["MEDIA_ROOT"]:
        folders["DUCHA_SHARED_DIR"] = Path(shared)
    return folders


def problems() -> list[str]:
    """What is wrong, one short line each ([] when healthy). The lines name the part that
    failed, never a host, a path or a password: anyone may read them."""
    found = []
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as error:  # whatever the driver raises, the answer is "not healthy"
        log.error("healthz: the database does not answer: %s", error)
        found.append(f"database: not answering ({type(error).__name__})")
    for name, folder in shared_folders().items():
        if not folder.is_dir():
            log.error("healthz: %s (%s) is not a folder", name, folder)
            found.append(f"storage: {name} is missing")
        elif not os.access(folder, os.W_OK | os.X_OK):
            log.error("healthz: %s (%s) is not writable", name, folder)
            found.append(f"storage: {name} is not writable")
    return found
