"""The audit log. Import-safe before apps are ready: the functions load models on call."""


def record(action, *, actor=None, request=None, target=None, detail=None, actor_name="", at=None):
    from ducha.audit.log import record as _record

    return _record(
        action,
        actor=actor,
        request=request,
        target=target,
        detail=detail,
        actor_name=actor_name,
        at=at,
    )


def verify_log() -> list[str]:
    from ducha.audit.log import verify_log as _verify_log

    return _verify_log()


def audit_head() -> dict | None:
    """The newest entry as {"seq", "sha256"}, or None: what a publication records."""
    from ducha.audit.log import head

    return head()


def audit_hashes(seqs) -> dict[int, str]:
    """The current hash of each of these entries that still exists, by its seq."""
    from ducha.audit.models import AuditEntry

    return dict(AuditEntry.objects.filter(seq__in=list(seqs)).values_list("seq", "sha256"))


def check_audit_head(recorded: str) -> list[str]:
    """Problems with an audit head written down earlier as SEQ:SHA256 ([] if it holds)."""
    from ducha.audit.log import check_head

    return check_head(recorded)
