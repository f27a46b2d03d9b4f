"""The ledger in the browser: the office imports a ledger or progress file with the command
line's row-level errors, and exports the ledger in the import layout."""

import tempfile
from pathlib import Path

from django.conf import settings
from django.http import HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from ducha.audit import record
from ducha.ledger.exporting import export_ledger
from ducha.ledger.importing import ImportFailed, import_ledger, import_progress
from ducha.lib import clock
from ducha.lib.access import office_required, overseer_required
from ducha.lib.tabular import FileRefused

IMPORTERS = {"ledger": import_ledger, "progress": import_progress}


@office_required
def ledger(request):
    context: dict = {"max_mb": settings.DUCHA_IMPORT_MAX_MB}
    if request.method == "POST":
        kind = request.POST.get("kind")
        context["kind"] = kind
        upload = request.FILES.get("file")
        function = IMPORTERS.get(kind or "")
        if function is None or upload is None:
            context["failure"] = _("请选择导入类型和文件")
        else:
            context.update(_import(request, function, upload))
        template = "ledger/import.html#result" if request.htmx else "ledger/import.html"
        return render(request, template, context, status=400 if "failure" in context else 200)
    return render(request, "ledger/import.html", context)


def _import(request, function, upload) -> dict:
    suffix = Path(upload.name).suffix.lower()
    with tempfile.NamedTemporaryFile(suffix=suffix) as tmp:
        for chunk in upload.chunks():
            tmp.write(chunk)
        tmp.flush()
        try:
            summary = function(
                tmp.name,
                name=Path(upload.name).name,
                by=request.user,
                by_name=request.user.username,
            )
        except ImportFailed as e:
            return {
                "failure": _("%(file)s：发现 %(n)s 处错误，未导入任何数据")
                % {"file": e.file, "n": e.total},
                "errors": e.errors,
                "more": e.total - len(e.errors),
            }
        except FileRefused as e:
            return {"failure": str(e)}
    return {"summary": summary.lines()}


@overseer_required
@require_POST  # the export is audited, and no GET writes anything
def ledger_export(request):
    with tempfile.NamedTemporaryFile(suffix=".xlsx") as tmp:
        rows = export_ledger(tmp.name)
        data = Path(tmp.name).read_bytes()
    record("exported", actor=request.user, request=request, detail={"what": "ledger", "rows": rows})
    response = HttpResponse(
        data, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = f'attachment; filename="ledger-{clock.today():%Y%m%d}.xlsx"'
    return response
