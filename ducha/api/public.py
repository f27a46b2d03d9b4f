"""/api/v1/ without a token: what the public pages show."""

from ninja import Router

router = Router(tags=["public"])
