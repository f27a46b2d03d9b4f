"""The versioned JSON API (/api/v1/) and its OpenAPI document (/api/v1/openapi.json)."""

from ninja import NinjaAPI

from ducha.api import etags, integration, problems, public

DESCRIPTION = """\
督查（Ducha）的数据接口。Public boards, publications with their hashes, tasks and scores are
read without a token; an integration reads and reports for its unit with a bearer token
(`ducha api-token`).

Versioning: /api/v1/ only grows — new endpoints, new optional parameters, new fields in
answers (clients ignore fields they do not know). Removing or renaming anything, or changing
what a field means, makes /api/v2/; v1 then runs beside it for at least 12 months, and its
answers carry `Deprecation` and `Sunset` headers (RFC 9745, RFC 8594) from the day v2 is
released.

Errors are RFC 9457 problem details (`application/problem+json`). Lists are paged with
`page` and `page_size` (at most 100) and answer `{count, page, page_size, next, previous,
items}`. Successful reads carry an `ETag`; send it back in `If-None-Match` for a 304.
"""


class DuchaAPI(NinjaAPI):
    """Ninja, with problems (RFC 9457) declared in the document and answered for a method a
    path does not take, and validators on every successful read (ducha.api.etags)."""

    def create_response(self, request, data, *, status=None, temporal_response=None):
        answer = super().create_response(
            request, data, status=status, temporal_response=temporal_response
        )
        return etags.finish(request, answer)

    def get_openapi_schema(self, *, path_prefix=None, path_params=None):
        document = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        return problems.declare(document)

    def _get_urls(self):
        patterns = super()._get_urls()
        for pattern in patterns:
            pattern.callback = problems.not_allowed(pattern.callback)
        return patterns


api = DuchaAPI(
    title="Ducha API",
    version="1",
    description=DESCRIPTION,
    urls_namespace="api-v1",
    docs_url=None,
)
api.add_router("", public.router)
api.add_router("", integration.router)
problems.install(api)
