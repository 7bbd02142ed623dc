"""Every error leaves in the envelope: malformed JSON, wrong type, oversize, unknown route, method."""

from __future__ import annotations

from hubtest import Hub


def assert_envelope(body: dict, code: str) -> None:
    assert set(body) == {"error"}
    assert body["error"]["code"] == code
    assert isinstance(body["error"]["message"], str) and body["error"]["message"]
    assert "Traceback" not in str(body) and "SELECT" not in str(body)


async def test_malformed_json(hub: Hub) -> None:
    body = await hub.call("POST", "/auth/login", status=400, data=b"{not json", headers={"Content-Type": "application/json"})
    assert_envelope(body, "VALIDATION_ERROR")


async def test_json_that_is_not_an_object(hub: Hub) -> None:
    body = await hub.call("POST", "/auth/login", status=400, json=["a", "b"])
    assert_envelope(body, "VALIDATION_ERROR")


async def test_wrong_field_types_name_the_field(hub: Hub) -> None:
    body = await hub.call("POST", "/auth/login", status=400, json={"email": 42, "password": ["x"]})
    assert_envelope(body, "VALIDATION_ERROR")
    fields = {e["field"] for e in body["error"]["details"]["errors"]}
    assert {"email", "password"} <= fields


async def test_unknown_field_is_rejected(hub: Hub) -> None:
    body = await hub.call("POST", "/auth/login", status=400, json={"email": "a@example.com", "password": "x", "admin": True})
    assert_envelope(body, "VALIDATION_ERROR")


async def test_nul_character_is_rejected_not_a_server_error(hub: Hub) -> None:
    body = await hub.call("POST", "/auth/register", status=400,
                          json={"email": "nul@example.com", "password": "long enough", "fullName": "a\x00b"})
    assert_envelope(body, "VALIDATION_ERROR")


async def test_wrong_content_type(hub: Hub) -> None:
    body = await hub.call("POST", "/auth/login", status=415, data=b"email=a", headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert_envelope(body, "UNSUPPORTED_MEDIA_TYPE")


async def test_oversize_body(hub: Hub) -> None:
    big = b'{"email": "' + b"a" * (2 * 1024 * 1024) + b'"}'
    body = await hub.call("POST", "/auth/login", status=413, data=big, headers={"Content-Type": "application/json"})
    assert_envelope(body, "PAYLOAD_TOO_LARGE")


async def test_unknown_route(hub: Hub) -> None:
    body = await hub.call("GET", "/no/such/thing", status=404)
    assert_envelope(body, "NOT_FOUND")


async def test_wrong_method(hub: Hub) -> None:
    response = await hub.client.request("DELETE", "/api/v1/auth/login")
    assert response.status == 405
    assert_envelope(await response.json(), "METHOD_NOT_ALLOWED")
    assert "POST" in response.headers["Allow"]


async def test_malformed_path_id(hub: Hub) -> None:
    agency = await hub.agency()
    body = await hub.call("GET", "/users/not-a-uuid", status=400, headers=agency.owner.headers)
    assert_envelope(body, "VALIDATION_ERROR")


async def test_unexpected_exception_is_logged_and_answered_as_internal_error(hub: Hub, caplog) -> None:
    async def explode(request):
        raise RuntimeError("secret detail")

    # A route added for the test: an unexpected error must not leak its message.
    hub.app.router._frozen = False
    hub.app.router.add_get("/api/v1/test-explode", explode)
    hub.app.router._frozen = True
    response = await hub.client.get("/api/v1/test-explode", headers={"X-Request-ID": "req-42"})
    assert response.status == 500
    body = await response.json()
    assert_envelope(body, "INTERNAL_ERROR")
    assert "secret detail" not in str(body) and "req-42" in body["error"]["message"]
    assert any("unhandled error" in r.message for r in caplog.records)


async def test_request_id_is_echoed(hub: Hub) -> None:
    response = await hub.client.get("/api/v1/health", headers={"X-Request-ID": "abc-123"})
    assert response.headers["X-Request-ID"] == "abc-123"


async def test_cors_preflight_for_configured_origin(make_hub) -> None:
    hub = await make_hub(cors_origins=("https://portal.example.com",))
    response = await hub.client.options("/api/v1/auth/login", headers={
        "Origin": "https://portal.example.com", "Access-Control-Request-Method": "POST"})
    assert response.status == 204
    assert response.headers["Access-Control-Allow-Origin"] == "https://portal.example.com"
    other = await hub.client.get("/api/v1/health", headers={"Origin": "https://evil.example.com"})
    assert "Access-Control-Allow-Origin" not in other.headers


async def test_malformed_multipart_is_a_validation_error(hub: Hub) -> None:
    agency = await hub.agency()
    body = (b'--XX\r\nContent-Disposition: form-data; name="\xc3\x9d\x00"\r\n\r\nhello\r\n--XX--\r\n')
    response = await hub.client.post(
        "/api/v1/video/recordings", data=body,
        headers={**agency.owner.headers, "Content-Type": "multipart/form-data; boundary=XX"})
    assert response.status == 400
    assert_envelope(await response.json(), "VALIDATION_ERROR")
