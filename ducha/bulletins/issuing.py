"""Issuing a 通报: the office uploads the .docx it edited (drafted from the month's data), and
it is kept as that month's issued 通报, a new version each time, with its audit entry."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import zipfile

from django.conf import settings
from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from ducha.audit import record
from ducha.boards.publication import is_published
from ducha.bulletins.models import IssuedBulletin
from ducha.lib.dates import month_label
from ducha.lib.months import format_month
from ducha.org.models import Jurisdiction, named

MB = 1024 * 1024


class IssueRefused(Exception):
    pass


def max_bytes() -> int:
    """An issued 通报 is an office's upload, as a ledger file is."""
    return settings.DUCHA_IMPORT_MAX_MB * MB


def check_size(name: str, size: int) -> None:
    if size > max_bytes():
        raise IssueRefused(
            _("「%(name)s」有 %(size).1f MB，超过 %(limit)s MB 的上限")
            % {"name": name, "size": size / MB, "limit": settings.DUCHA_IMPORT_MAX_MB}
        )


def check_docx(name: str, data: bytes) -> None:
    """A real Word document (.docx) within the size limit, or IssueRefused saying what is not."""
    if not name.lower().endswith(".docx"):
        raise IssueRefused(_("「%(name)s」不是 Word 文档：请上传 .docx 文件") % {"name": name})
    check_size(name, len(data))
    from docx import Document

    try:
        Document(io.BytesIO(data))
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as e:
        raise IssueRefused(_("「%(name)s」无法作为 Word 文档打开") % {"name": name}) from e
    except Exception as e:  # python-docx raises its own errors on a package that is not Word's
        raise IssueRefused(_("「%(name)s」无法作为 Word 文档打开") % {"name": name}) from e


def issue(
    month: dt.date,
    name: str,
    data: bytes,
    *,
    by,
    jurisdiction: Jurisdiction,
    number: str = "",
    request=None,
) -> IssuedBulletin:
    """Keep `data` as the month's issued 通报 (a new version), audited in one transaction."""
    chain = None if jurisdiction.home else jurisdiction
    if not is_published(month, jurisdiction=chain):
        raise IssueRefused(
            _("%(month)s的公示尚未发布，不能印发该月通报") % {"month": month_label(month)}
        )
    check_docx(name, data)
    with transaction.atomic():
        Jurisdiction.objects.select_for_update().get(pk=jurisdiction.pk)
        last = IssuedBulletin.objects.filter(jurisdiction=jurisdiction, month=month).aggregate(
            v=Max("version")
        )["v"]
        issued = IssuedBulletin.objects.create(
            jurisdiction=jurisdiction,
            month=month,
            version=(last or 0) + 1,
            number=number.strip()[:50],
            filename=name[-255:],
            content=data,
            size=len(data),
            sha256=hashlib.sha256(data).hexdigest(),
            issued_by=by,
        )
        record(
            "bulletin_issued",
            actor=by,
            request=request,
            target=issued,
            detail={
                "month": format_month(month),
                "version": issued.version,
                "number": issued.number,
                "sha256": issued.sha256,
                **named(jurisdiction),
            },
        )
    return issued
