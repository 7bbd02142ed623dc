"""GET/PATCH /agency: the caller's agency; the plan tier is not editable through the API."""

from __future__ import annotations

from hubtest import Hub
from recruiting import activities_of


async def test_get_agency_shows_name_and_plan(hub: Hub) -> None:
    agency = await hub.agency("Northwind Talent", plan="pro")
    body = await hub.call("GET", "/agency", status=200, headers=agency.owner.headers)
    assert body["data"]["id"] == agency.id
    assert body["data"]["name"] == "Northwind Talent"
    assert body["data"]["plan"] == "pro"


async def test_rename_agency_is_recorded_in_activity(hub: Hub) -> None:
    agency = await hub.agency()
    body = await hub.call("PATCH", "/agency", status=200, headers=agency.owner.headers, json={"name": "Renamed Ltd"})
    assert body["data"]["name"] == "Renamed Ltd"
    again = await hub.call("GET", "/agency", status=200, headers=agency.owner.headers)
    assert again["data"]["name"] == "Renamed Ltd"
    (entry,) = await activities_of(hub, agency, "agency.updated")
    assert str(entry["performed_by_id"]) == agency.owner.id


async def test_plan_is_not_client_editable(hub: Hub) -> None:
    agency = await hub.agency()
    body = await hub.call("PATCH", "/agency", status=400, headers=agency.owner.headers, json={"name": "X", "plan": "enterprise"})
    assert body["error"]["code"] == "VALIDATION_ERROR"
    current = await hub.call("GET", "/agency", status=200, headers=agency.owner.headers)
    assert current["data"]["plan"] == "free" and current["data"]["name"] == agency.name


async def test_rename_rejects_bad_names(hub: Hub) -> None:
    agency = await hub.agency()
    for bad in ({"name": ""}, {"name": "x" * 201}, {"name": 42}, {}):
        body = await hub.call("PATCH", "/agency", status=400, headers=agency.owner.headers, json=bad)
        assert body["error"]["code"] == "VALIDATION_ERROR", bad


async def test_malformed_json_is_a_validation_error(hub: Hub) -> None:
    agency = await hub.agency()
    headers = {**agency.owner.headers, "Content-Type": "application/json"}
    body = await hub.call("PATCH", "/agency", status=400, headers=headers, data=b"{not json")
    assert body["error"]["code"] == "VALIDATION_ERROR"


async def test_recruiter_may_read_but_not_rename(hub: Hub) -> None:
    agency = await hub.agency()
    recruiter = await hub.member(agency, "recruiter")
    await hub.call("GET", "/agency", status=200, headers=recruiter.headers)
    body = await hub.call("PATCH", "/agency", status=403, headers=recruiter.headers, json={"name": "Mine now"})
    assert body["error"]["code"] == "INSUFFICIENT_SCOPE"


async def test_candidate_has_no_agency_to_read(hub: Hub) -> None:
    candidate = await hub.candidate()
    await hub.call("GET", "/agency", status=403, headers=candidate.headers)


async def test_api_key_reads_its_agency(hub: Hub) -> None:
    agency = await hub.agency()
    key = await hub.api_key(agency, scopes=["agency:read"])
    body = await hub.call("GET", "/agency", status=200, headers={"X-API-Key": key})
    assert body["data"]["id"] == agency.id
