"""/api/v1/ for a token's integration: its unit's reports (read), saving and submitting them
(report), and its jurisdiction's webhooks."""

from ninja import Router

router = Router(tags=["integration"])
