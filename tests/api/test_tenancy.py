"""Tenant isolation: another agency's ids are 404, never 403."""

from __future__ import annotations

from hubtest import Hub


async def test_user_of_another_agency_is_not_found(hub: Hub) -> None:
    a = await hub.agency("Agency A")
    b = await hub.agency("Agency B")
    body = await hub.call("GET", f"/users/{b.owner.id}", status=404, headers=a.owner.headers)
    assert body["error"]["code"] == "NOT_FOUND"


async def test_user_of_same_agency_is_visible(hub: Hub) -> None:
    a = await hub.agency()
    recruiter = await hub.member(a, "recruiter")
    body = await hub.call("GET", f"/users/{recruiter.id}", status=200, headers=a.owner.headers)
    assert body["data"]["role"] == "recruiter"


async def test_api_key_of_another_agency_sees_404(hub: Hub) -> None:
    a = await hub.agency("Agency A")
    b = await hub.agency("Agency B")
    key = await hub.api_key(a)
    await hub.call("GET", f"/users/{b.owner.id}", status=404, headers={"X-API-Key": key})


async def test_candidate_sees_only_themselves(hub: Hub) -> None:
    a = await hub.agency()
    cand = await hub.candidate()
    await hub.call("GET", f"/users/{a.owner.id}", status=403, headers=cand.headers)  # lacks team:read
    # the candidate's own id is fine through /users/me
    await hub.call("GET", "/users/me", status=200, headers=cand.headers)
