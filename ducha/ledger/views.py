"""The ledger in the browser: the office imports a ledger or progress file in two steps, and
exports the ledger in the import layout.

Step one stages the upload in a private folder and previews it (the importer's dry run:
nothing is written) — what would be created and changed, every unit and leader the database
does not have with the closest name it does. Step two imports that staged file with the
options previewed. New units or leaders are created only when the office ticks that it
means them (on a first import too, which the command line lets through), and only those it
was shown: if the database changed since the preview, the new preview comes back instead of
a write. No GET writes anything: staged files are swept when the next one is staged.
"""

import hashlib
import secrets
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.http import HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from ducha.audit import record
from ducha.ledger.columns import LEDGER_COLUMNS, PROGRESS_COLUMNS
from ducha.ledger.exporting import export_ledger
from ducha.ledger.importing import (
    ImportFailed,
    NewNames,
    Summary,
    import_ledger,
    import_progress,
    joined_text,
)
from ducha.ledger.layout import Options, parse_mapping
from ducha.lib import clock
from ducha.lib.access import office_required, overseer_required
from ducha.lib.chain import file_sha256
from ducha.lib.env import private_dir, private_file
from ducha.lib.tabular import FileRefused
from ducha.lib.xlsx import CONTENT_TYPE

IMPORTERS = {"ledger": import_ledger, "progress": import_progress}
COLUMNS = {"ledger": LEDGER_COLUMNS, "progress": PROGRESS_COLUMNS}
HIDDEN = ("refuse", "include", "skip")
SESSION_KEY = "ledger_imports"
STAGED_SECONDS = 3600  # a staged upload older than this is removed at the next upload
STAGED_PER_SESSION = 3  # previews kept open at once (several tabs)
CHANGES_SHOWN = 200


@dataclass
class ImportForm:
    """What the office typed and chose, kept as typed: every answer shows it again."""

    kind: str = "ledger"
    sheet: str = ""
    mapping: str = ""  # one 表头=字段 a line
    year: str = ""
    hidden: str = "refuse"

    @classmethod
    def read(cls, data) -> "ImportForm":
        return cls(
            kind=data.get("kind", ""),
            sheet=data.get("sheet", "").strip(),
            mapping=data.get("mapping", "").strip(),
            year=data.get("year", "").strip(),
            hidden=data.get("hidden", "refuse"),
        )

    def problems(self) -> dict[str, str]:
        found = {}
        if self.kind not in IMPORTERS:
            found["kind"] = _("请选择导入类型")
        if self.year and not (
            self.year.isascii() and self.year.isdigit() and 2000 <= int(self.year) <= 2099
        ):
            found["year"] = _("年度应为四位数字，如 2021")
        if self.hidden not in HIDDEN:
            found["hidden"] = _("请选择如何处理隐藏的行和列")
        if "kind" not in found:
            try:
                self._mapping()
            except FileRefused as e:
                found["mapping"] = str(e)
        return found

    def _mapping(self) -> dict[str, str]:
        lines = [line.strip() for line in self.mapping.splitlines() if line.strip()]
        return parse_mapping(lines, COLUMNS[self.kind])

    def options(self, jurisdiction, allow_new: bool = False) -> Options:
        """The reading options, into `jurisdiction`'s ledger: the office's own, always."""
        return Options(
            jurisdiction=jurisdiction,
            sheet=self.sheet or None,
            mapping=self._mapping(),
            year=int(self.year) if self.year else None,
            hidden=self.hidden,
            allow_new=allow_new,
        )

    @property
    def has_options(self) -> bool:
        return bool(self.sheet or self.mapping or self.year or self.hidden != "refuse")


# --- the staged files: a private folder, named by a token only this session holds ---------


def _folder() -> Path:
    """In the folder every app server shares: the confirmation may reach another server."""
    return private_dir(Path(settings.DUCHA_SHARED_DIR) / "import-staging")


def _staged(request) -> dict[str, dict]:
    return request.session.get(SESSION_KEY, {})


def _path(token: str, entry: dict) -> Path:
    return _folder() / f"{token}{entry['suffix']}"


def _sweep() -> None:
    """Remove staged uploads nobody imported within the hour (any session's)."""
    cutoff = time.time() - STAGED_SECONDS
    for path in _folder().iterdir():
        try:
            if path.is_file() and path.stat().st_mtime < cutoff:
                path.unlink()
        except FileNotFoundError:
            pass  # another request swept it first


def _stage(request, upload) -> str:
    """Keep the upload for the second step; returns its token."""
    _sweep()
    suffix = Path(upload.name).suffix.lower()
    if not (suffix[1:].isascii() and suffix[1:].isalnum() and len(suffix) <= 6):
        suffix = ""  # the importer refuses it by name; the folder holds only plain names
    token = secrets.token_urlsafe(18)
    entry = {"suffix": suffix, "name": Path(upload.name).name, "at": time.time(), "previewed": None}
    digest = hashlib.sha256()
    with private_file(_path(token, entry)).open("wb") as f:
        for chunk in upload.chunks():
            f.write(chunk)
            digest.update(chunk)
    entry["sha256"] = digest.hexdigest()
    entries = dict(_staged(request))
    entries[token] = entry
    for old in sorted(entries, key=lambda t: entries[t]["at"])[:-STAGED_PER_SESSION]:
        _path(old, entries.pop(old)).unlink(missing_ok=True)
    request.session[SESSION_KEY] = entries
    return token


def _update(request, token: str, **values) -> None:
    entries = dict(_staged(request))
    entries[token] = entries[token] | values
    request.session[SESSION_KEY] = entries


def _drop(request, token: str) -> None:
    entries = dict(_staged(request))
    entry = entries.pop(token, None)
    if entry is not None:
        _path(token, entry).unlink(missing_ok=True)
        request.session[SESSION_KEY] = entries


# --- the page ----------------------------------------------------------------------------


def _render(request, context: dict, status: int = 200) -> HttpResponse:
    context = {"max_mb": settings.DUCHA_IMPORT_MAX_MB, "form": ImportForm()} | context
    # base.html tells htmx to swap 400, 409 and 422 answers in: a refusal is the answer
    # the office must read, with its status kept.
    template = "ledger/import.html#work" if request.htmx else "ledger/import.html"
    return render(request, template, context, status=status)


def _new_names(summary: Summary) -> dict[str, list[str]]:
    return {"units": sorted(summary.new_units), "leaders": sorted(summary.new_leaders)}


def _preview(summary: Summary, token: str) -> dict:
    summary.dry_run = True  # a rolled-back import is shown as what it is: nothing written
    names = [(_("新单位"), n, summary.similar.get(n)) for n in summary.new_units]
    names += [(_("新市领导"), n, summary.similar.get(n)) for n in summary.new_leaders]
    notes = [joined_text(summary.joined)] if summary.joined else []
    return {
        "preview": summary,
        "token": token,
        "new_names": names,
        "changes": summary.changes[:CHANGES_SHOWN],
        "changes_more": max(0, len(summary.changes) - CHANGES_SHOWN),
        "notes": notes + summary.warnings,
    }


def _refused(e: Exception) -> dict:
    if isinstance(e, ImportFailed):
        return {
            "failure": _("%(file)s：发现 %(n)s 处错误，未导入任何数据")
            % {"file": e.file, "n": e.total},
            "errors": e.errors,
            "more": e.total - len(e.errors),
        }
    return {"failure": str(e)}


@office_required
def ledger(request):
    """GET: the page. POST: step one, stage the file and preview it (nothing written)."""
    if request.method != "POST":
        return _render(request, {})
    form = ImportForm.read(request.POST)
    upload = request.FILES.get("file")
    token = request.POST.get("staged", "")
    if token not in _staged(request):
        token = ""
    context: dict = {"form": form}
    problems = form.problems()
    if upload is None and token and not _path(token, _staged(request)[token]).is_file():
        _drop(request, token)
        token = ""
        problems["file"] = _("之前上传的文件已过期清理，请重新选择文件")
    elif upload is None and not token:
        problems["file"] = _("请选择文件")
    if problems:
        context["staged"] = _staged_file(request, token)
        if {"kind", "file"} & problems.keys():
            failure = _("请选择导入类型和文件")
        else:
            failure = _("读取选项有误，请按下面的提示修改")
        return _render(request, context | {"problems": problems, "failure": failure}, 400)
    if upload is not None:
        if token:
            _drop(request, token)  # the file chosen again replaces the one staged
        token = _stage(request, upload)
    entry = _staged(request)[token]
    context["staged"] = _staged_file(request, token)
    try:
        summary = IMPORTERS[form.kind](
            _path(token, entry),
            options=form.options(request.user.jurisdiction),
            name=entry["name"],
            dry_run=True,
        )
    except (ImportFailed, FileRefused) as e:
        _update(request, token, previewed=None)  # the file stays staged, to read again
        return _render(request, context | _refused(e), 400)
    _update(request, token, form=asdict(form), previewed=_new_names(summary))
    return _render(request, context | _preview(summary, token))


def _staged_file(request, token: str) -> dict | None:
    entry = _staged(request).get(token)
    return {"token": token, "name": entry["name"]} if entry else None


class _Held(Exception):
    """Undoes an import whose new units or leaders the office has not confirmed."""

    def __init__(self, summary: Summary):
        self.summary = summary


@office_required
@require_POST
def confirm(request):
    """Step two: import the staged file as previewed."""
    token = request.POST.get("token", "")
    entry = _staged(request).get(token)
    if entry is None or entry.get("previewed") is None:
        failure = _(
            "找不到这次导入的预览：它不属于当前登录，或已经导入、已过期。未导入任何数据，"
            "请重新上传文件。"
        )
        return _render(request, {"failure": failure}, 400)
    form = ImportForm(**entry["form"])
    path = _path(token, entry)
    if not path.is_file() or file_sha256(path) != entry["sha256"]:
        _drop(request, token)
        failure = _(
            "上传的文件已过期清理或已改变（预览后 1 小时内未导入的会被清理）。未导入任何数据，"
            "请重新上传文件。"
        )
        return _render(request, {"form": form, "failure": failure}, 400)
    allow = request.POST.get("allow_new") == "1"
    previewed = entry["previewed"]
    context: dict = {"form": form, "staged": _staged_file(request, token)}
    try:
        with transaction.atomic():
            summary = IMPORTERS[form.kind](
                path,
                options=form.options(request.user.jurisdiction, allow_new=allow),
                name=entry["name"],
                by=request.user,
                by_name=request.user.username,
            )
            # Nothing new (someone added the names meanwhile) needs no confirmation; new
            # names need it, and must be the ones the office was shown. Otherwise undo —
            # this catches the first import too, which the importer lets through.
            now = _new_names(summary)
            if any(now.values()) and (not allow or now != previewed):
                raise _Held(summary)
    except (NewNames, _Held) as e:
        now = _new_names(e.summary)
        context |= _preview(e.summary, token)
        if now != previewed:
            _update(request, token, previewed=now)
            context["failure"] = _(
                "预览之后数据库有变化，需要新建的单位或市领导与预览时不同。未导入任何数据，"
                "请核对下面的新预览后再导入。"
            )
            return _render(request, context, 409)
        context["failure"] = _(
            "文件中有数据库里没有的单位或市领导，未勾选“确认新建”，未导入任何数据。核对无误后"
            "请勾选确认；若是写法不同，请改成已有名称后重新上传。"
        )
        return _render(request, context, 400)
    except (ImportFailed, FileRefused) as e:
        return _render(request, context | _refused(e), 400)
    _drop(request, token)
    return _render(request, {"summary": summary.lines()})


@overseer_required
@require_POST  # the export is audited, and no GET writes anything
def ledger_export(request):
    with tempfile.NamedTemporaryFile(suffix=".xlsx") as tmp:
        rows = export_ledger(tmp.name, jurisdiction=request.user.jurisdiction)
        data = Path(tmp.name).read_bytes()
    record("exported", actor=request.user, request=request, detail={"what": "ledger", "rows": rows})
    response = HttpResponse(data, content_type=CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="ledger-{clock.today():%Y%m%d}.xlsx"'
    return response
