"""Sign-up, sign-in, refresh rotation, logout and every way a credential can be bad."""

from __future__ import annotations

import base64
import json
import time

import jwt

from hubtest import JWT_SECRET, PASSWORD, Hub


async def test_register_candidate_returns_session_without_agency(hub: Hub) -> None:
    person = await hub.candidate()
    assert person.role == "candidate" and person.agency_id is None
    me = await hub.call("GET", "/users/me", status=200, headers=person.headers)
    assert me["data"]["email"] == person.email


async def test_register_owner_creates_agency(hub: Hub) -> None:
    agency = await hub.agency("Northwind")
    assert agency.owner.role == "owner" and agency.owner.agency_id == agency.id


async def test_register_owner_without_agency_name_is_rejected(hub: Hub) -> None:
    body = await hub.call("POST", "/auth/register", status=400, json={
        "email": "x@example.com", "password": PASSWORD, "fullName": "X", "role": "owner"})
    assert body["error"]["code"] == "VALIDATION_ERROR"


async def test_register_staff_role_is_not_self_service(hub: Hub) -> None:
    body = await hub.call("POST", "/auth/register", status=400, json={
        "email": "x@example.com", "password": PASSWORD, "fullName": "X", "role": "recruiter"})
    assert body["error"]["code"] == "VALIDATION_ERROR"


async def test_duplicate_email_is_rejected_case_insensitively(hub: Hub) -> None:
    person = await hub.candidate()
    body = await hub.call("POST", "/auth/register", status=400, json={
        "email": person.email.upper(), "password": PASSWORD, "fullName": "Again"})
    assert body["error"]["code"] == "EMAIL_TAKEN"


async def test_login_wrong_password_and_unknown_user_get_the_same_error(hub: Hub) -> None:
    person = await hub.candidate()
    wrong = await hub.call("POST", "/auth/login", status=401, json={"email": person.email, "password": "nope-nope"})
    unknown = await hub.call("POST", "/auth/login", status=401, json={"email": "ghost@example.com", "password": "nope-nope"})
    assert wrong == unknown
    assert wrong["error"]["code"] == "INVALID_CREDENTIALS"


async def test_refresh_rotates_and_old_token_is_rejected(hub: Hub) -> None:
    person = await hub.candidate()
    first = await hub.call("POST", "/auth/refresh-token", status=200, json={"refreshToken": person.refresh_token})
    new_refresh = first["data"]["refreshToken"]
    assert new_refresh != person.refresh_token
    reused = await hub.call("POST", "/auth/refresh-token", status=401, json={"refreshToken": person.refresh_token})
    assert reused["error"]["code"] == "TOKEN_REUSED"
    # Reuse signals theft: the whole family is revoked, the newest token too.
    await hub.call("POST", "/auth/refresh-token", status=401, json={"refreshToken": new_refresh})


async def test_logout_revokes_refresh_token(hub: Hub) -> None:
    person = await hub.candidate()
    await hub.call("POST", "/auth/logout", status=200, json={"refreshToken": person.refresh_token})
    await hub.call("POST", "/auth/refresh-token", status=401, json={"refreshToken": person.refresh_token})


async def test_unknown_refresh_token_is_rejected(hub: Hub) -> None:
    await hub.call("POST", "/auth/refresh-token", status=401, json={"refreshToken": "not-a-token"})


async def test_no_credentials_is_401(hub: Hub) -> None:
    body = await hub.call("GET", "/users/me", status=401)
    assert body["error"]["code"] == "UNAUTHENTICATED"


async def test_expired_access_token_is_rejected(hub: Hub) -> None:
    person = await hub.candidate()
    claims = jwt.decode(person.token, JWT_SECRET, algorithms=["HS256"], issuer="recruit-hub")
    claims.update(iat=int(time.time()) - 3600, exp=int(time.time()) - 60)
    expired = jwt.encode(claims, JWT_SECRET, algorithm="HS256")
    body = await hub.call("GET", "/users/me", status=401, headers={"Authorization": f"Bearer {expired}"})
    assert body["error"]["code"] == "TOKEN_EXPIRED"


async def test_tampered_token_is_rejected(hub: Hub) -> None:
    person = await hub.candidate()
    header, payload, signature = person.token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=="))
    claims["role"] = "owner"
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).decode().rstrip("=")
    await hub.call("GET", "/users/me", status=401, headers={"Authorization": f"Bearer {header}.{forged}.{signature}"})


async def test_alg_none_token_is_rejected(hub: Hub) -> None:
    person = await hub.candidate()
    claims = jwt.decode(person.token, options={"verify_signature": False})
    unsigned = jwt.encode(claims, key=None, algorithm="none")
    await hub.call("GET", "/users/me", status=401, headers={"Authorization": f"Bearer {unsigned}"})


async def test_token_signed_with_another_key_is_rejected(hub: Hub) -> None:
    person = await hub.candidate()
    claims = jwt.decode(person.token, options={"verify_signature": False})
    other = jwt.encode(claims, "another-secret-" + "y" * 40, algorithm="HS256")
    await hub.call("GET", "/users/me", status=401, headers={"Authorization": f"Bearer {other}"})


async def test_api_key_resolves_to_agency_principal(hub: Hub) -> None:
    agency = await hub.agency()
    key = await hub.api_key(agency, scopes=["team:read"])
    owner = await hub.call("GET", f"/users/{agency.owner.id}", status=200, headers={"X-API-Key": key})
    assert owner["data"]["agencyId"] == agency.id


async def test_api_key_without_scope_gets_insufficient_scope(hub: Hub) -> None:
    agency = await hub.agency()
    key = await hub.api_key(agency, scopes=["jobs:read"])
    body = await hub.call("GET", f"/users/{agency.owner.id}", status=403, headers={"X-API-Key": key})
    assert body["error"]["code"] == "INSUFFICIENT_SCOPE"
    assert body["error"]["details"]["scope"] == "team:read"


async def test_unknown_api_key_is_rejected(hub: Hub) -> None:
    await hub.call("GET", "/users/me", status=401, headers={"X-API-Key": "rhk_0000000000.nope"})


async def test_change_password_requires_current_password(hub: Hub) -> None:
    person = await hub.candidate()
    await hub.call("PATCH", "/users/me", status=400, headers=person.headers,
                   json={"currentPassword": "wrong-password", "newPassword": "brand-new-pass"})
    await hub.call("PATCH", "/users/me", status=200, headers=person.headers,
                   json={"currentPassword": PASSWORD, "newPassword": "brand-new-pass"})
    await hub.login(person.email, "brand-new-pass")
