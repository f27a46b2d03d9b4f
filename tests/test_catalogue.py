"""The English catalogue is complete: every message in the source has its translation.

The messages are extracted afresh (Django's makemessages over a copy of the package), so a
string added to a template or a view without its English fails here, naming it."""

import shutil
import subprocess

from django.core.management import call_command

from tests.conftest import ROOT


def test_every_message_in_the_source_has_an_english_translation(tmp_path, settings, monkeypatch):
    copy = tmp_path / "ducha"
    shutil.copytree(ROOT / "ducha", copy, ignore=shutil.ignore_patterns("__pycache__"))
    catalogue = copy / "locale" / "en" / "LC_MESSAGES" / "django.po"
    # A message nobody translated: proof that the extraction ran over the copy.
    (copy / "sentinel.py").write_text(
        'from django.utils.translation import gettext as _\n_("哨兵")\n'
    )
    settings.LOCALE_PATHS = [copy / "locale"]
    monkeypatch.chdir(tmp_path)
    call_command("makemessages", locale=["en"], no_wrap=True, verbosity=0)

    def entries(*flags) -> list[str]:
        out = subprocess.run(
            ["msgattrib", *flags, "--no-obsolete", "--no-wrap", str(catalogue)],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        return [
            line for line in out.splitlines() if line.startswith("msgid ") and line != 'msgid ""'
        ]

    assert len(entries()) > 400
    assert entries("--untranslated") == ['msgid "哨兵"']
    assert entries("--only-fuzzy") == []
