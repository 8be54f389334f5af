"""With --token, every route but /health and /metrics needs `Authorization: Bearer <token>`."""
from __future__ import annotations

import pytest

TOKEN = "s3cret-token-value"


@pytest.mark.parametrize("how", ["option", "env"])
def test_token_is_required_and_never_logged(start_target, how):
    if how == "option":
        target = start_target("--token", TOKEN, "--log-requests")
    else:
        target = start_target("--log-requests", env={"MEMLOAD_TARGET_TOKEN": TOKEN})
    body = {"user_id": "u", "content": "private"}
    missing = target.post("/v1/memories", body)
    assert missing.status_code == 401 and missing.json()["error"]["type"] == "unauthorized"
    assert missing.headers["WWW-Authenticate"] == "Bearer"
    assert target.post("/v1/memories", body, headers={"Authorization": "Bearer wrong"}).status_code == 401
    assert target.post("/v1/memories", body, headers={"Authorization": TOKEN}).status_code == 401
    assert target.get("/v1/models").status_code == 401
    ok = target.post("/v1/memories", body, headers={"Authorization": f"Bearer {TOKEN}"})
    assert ok.status_code == 201
    assert target.get("/health").status_code == 200 and target.get("/health").json()["auth"] is True
    assert target.get("/metrics").status_code == 200
    assert target.stop() == 0
    log = target.stderr()
    assert "/v1/memories" in log  # the access log was on
    assert TOKEN not in log


def test_without_token_no_header_is_needed(shared_target):
    assert shared_target.get("/v1/models").status_code == 200
