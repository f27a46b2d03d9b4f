import json
import pytest
from django.test import Client
from tests.test_api_permissions import bearer, make_world


@pytest.fixture
def world(cycle, tmp_path):
    return make_world(cycle, tmp_path)


def test_probe(world):
    c = Client(raise_request_exception=False)
    t = bearer(world["tokens"]["report"])
    def show(r, label):
        print(label, r.status_code, r.content[:300])
    U = "/api/v1/reports/T-1/2021-07"
    for body in ['{"version":1,"narrative":"\\ud800"}', '{"version":1,"lines":[{"node":"\\ud800","status":"done"}]}',
                 '{"version":1,"lines":[{"node":"N2","status":"in_progress","percent":5,"note":"\\udfff"}]}',
                 '{"version":1,"lines":[{"node":"N2","status":"\\ud800"}]}',
                 '{"version":1,"narrative":"a\\u0000b"}', '{"version":1,"problems":"\\u0000"}',
                 '{"version":1,"status":"accepted","unit":2,"submitted_by":1,"task":2,"month":"2021-01-01","comment":"x","id":99}',
                 ]:
        show(c.put(U, body, content_type="application/json", **t), body[:60])
    show(c.get("/api/v1/reports/T-1/2021-07", **t), "after")
