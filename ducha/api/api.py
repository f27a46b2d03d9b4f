"""The versioned JSON API (/api/v1/) and its OpenAPI document (/api/v1/openapi.json)."""

from ninja import NinjaAPI

from ducha.api import integration, problems, public

api = NinjaAPI(title="Ducha API", version="1", urls_namespace="api-v1", docs_url=None)
api.add_router("", public.router)
api.add_router("", integration.router)
problems.install(api)
