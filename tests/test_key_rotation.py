"""Rotating SECRET_KEY (docs/operations.*.md): the old key in SECRET_KEY_FALLBACKS keeps the
people signed in and the signed values good until it is dropped."""

import os
import subprocess
import sys
from pathlib import Path

from django.core import signing
from django.test import Client

OLD, NEW = "old-" + "k" * 50, "new-" + "n" * 50
ROOT = Path(__file__).resolve().parent.parent


def test_the_fallbacks_are_read_from_the_environment():
    env = {**os.environ, "SECRET_KEY": NEW, "SECRET_KEY_FALLBACKS": f"{OLD}, older-key"}
    shown = subprocess.run(
        [
            sys.executable,
            "-m",
            "ducha",
            "shell",
            "-c",
            "from django.conf import settings; print(settings.SECRET_KEY_FALLBACKS)",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    ).stdout
    assert shown.strip().splitlines()[-1] == repr([OLD, "older-key"])


def test_a_session_from_before_the_rotation_stays_signed_in_while_the_old_key_is_a_fallback(
    cycle, settings
):
    """A visit while the old key is a fallback re-signs the session with the new key; one
    that waited until the fallback was dropped signs in again."""
    settings.SECRET_KEY = OLD
    active, away = Client(), Client()
    for person in (active, away):
        person.force_login(cycle["reporter"])
        assert person.get("/me/").status_code == 200
    settings.SECRET_KEY, settings.SECRET_KEY_FALLBACKS = NEW, [OLD]
    assert active.get("/me/").status_code == 200
    settings.SECRET_KEY_FALLBACKS = []
    assert active.get("/me/").status_code == 200
    assert away.get("/me/").status_code == 302


def test_without_the_fallback_every_session_signs_in_again(cycle, client, settings):
    settings.SECRET_KEY = OLD
    client.force_login(cycle["reporter"])
    settings.SECRET_KEY = NEW
    assert client.get("/me/").status_code == 302


def test_a_value_signed_with_the_old_key_is_read_while_it_is_a_fallback(settings):
    settings.SECRET_KEY = OLD
    signed = signing.dumps("enrol", salt="ducha")
    settings.SECRET_KEY, settings.SECRET_KEY_FALLBACKS = NEW, [OLD]
    assert signing.loads(signed, salt="ducha") == "enrol"
    settings.SECRET_KEY_FALLBACKS = []
    try:
        signing.loads(signed, salt="ducha")
    except signing.BadSignature:
        pass
    else:
        raise AssertionError("a value signed with a dropped key was accepted")
