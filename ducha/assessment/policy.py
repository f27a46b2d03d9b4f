"""A jurisdiction's scores policy: read (never written on a read) and changed by its office,
with the audit entry in the same transaction."""

from __future__ import annotations

from django.db import transaction

from ducha.assessment.models import ScorePolicy
from ducha.audit import record
from ducha.lib import clock
from ducha.org.models import Jurisdiction, named


def policy_of(jurisdiction: Jurisdiction) -> ScorePolicy:
    """The jurisdiction's policy, or the defaults (unsaved) until its office saves one."""
    found = ScorePolicy.objects.filter(jurisdiction=jurisdiction).first()
    return found or ScorePolicy(jurisdiction=jurisdiction)


@transaction.atomic
def save_policy(
    jurisdiction: Jurisdiction, user, *, min_rated: int | None, public: bool, request=None
) -> ScorePolicy:
    """The office of `jurisdiction` sets its minimum (None: the setting's) and whether its
    table is public. The caller has checked `user.runs(jurisdiction.pk)`."""
    policy, _ = ScorePolicy.objects.select_for_update().get_or_create(jurisdiction=jurisdiction)
    policy.min_rated, policy.public, policy.changed_at = min_rated, public, clock.now()
    policy.save()
    record(
        "scores_policy_changed",
        actor=user,
        request=request,
        target=policy,
        detail={"min_rated": policy.minimum, "public": public, **named(jurisdiction)},
    )
    return policy
