"""Clients: create, get-or-create (idempotent), read, update, archive, filters, attribution."""

from __future__ import annotations

from hubtest import Agency, Hub
from recruiting import UNKNOWN_ID, activities_of, ids


async def _client(hub: Hub, agency: Agency, name: str = "Globex", **fields: object) -> dict:
    body = await hub.call("POST", "/clients", status=201, headers=agency.owner.headers, json={"name": name, **fields})
    return body["data"]


async def test_create_and_read_a_client(hub: Hub) -> None:
    agency = await hub.agency()
    client = await _client(hub, agency, "Globex", industry="Energy", website="https://globex.example", externalId="crm-1")
    assert client["status"] == "active" and client["createdBy"] == agency.owner.id
    body = await hub.call("GET", f"/clients/{client['id']}", status=200, headers=agency.owner.headers)
    assert body["data"] == client
    assert await activities_of(hub, agency, "client.created")


async def test_duplicate_name_is_a_conflict(hub: Hub) -> None:
    agency = await hub.agency()
    await _client(hub, agency, "Globex")
    body = await hub.call("POST", "/clients", status=409, headers=agency.owner.headers, json={"name": "  GLOBEX "})
    assert body["error"]["code"] == "CONFLICT"


async def test_get_or_create_returns_existing_by_name_case_insensitively(hub: Hub) -> None:
    agency = await hub.agency()
    first = await hub.call("POST", "/clients/get-or-create", status=201, headers=agency.owner.headers, json={"name": "Initech"})
    again = await hub.call("POST", "/clients/get-or-create", status=200, headers=agency.owner.headers, json={"name": "initech"})
    assert again["data"]["id"] == first["data"]["id"]
    assert len(await activities_of(hub, agency, "client.created")) == 1


async def test_get_or_create_matches_external_id(hub: Hub) -> None:
    agency = await hub.agency()
    first = await hub.call(
        "POST",
        "/clients/get-or-create",
        status=201,
        headers=agency.owner.headers,
        json={"name": "Initech", "externalId": "ext-9"},
    )
    again = await hub.call(
        "POST",
        "/clients/get-or-create",
        status=200,
        headers=agency.owner.headers,
        json={"name": "Initech Inc", "externalId": "ext-9"},
    )
    assert again["data"]["id"] == first["data"]["id"] and again["data"]["name"] == "Initech"


async def test_get_or_create_refuses_a_name_held_under_another_external_id(hub: Hub) -> None:
    agency = await hub.agency()
    await _client(hub, agency, "Initech", externalId="ext-1")
    body = await hub.call(
        "POST",
        "/clients/get-or-create",
        status=409,
        headers=agency.owner.headers,
        json={"name": "Initech", "externalId": "ext-2"},
    )
    assert body["error"]["details"]["externalId"] == "ext-1"


async def test_update_client_fields(hub: Hub) -> None:
    agency = await hub.agency()
    client = await _client(hub, agency)
    body = await hub.call(
        "PATCH",
        f"/clients/{client['id']}",
        status=200,
        headers=agency.owner.headers,
        json={"industry": "Aerospace", "notes": None},
    )
    assert body["data"]["industry"] == "Aerospace" and body["data"]["name"] == "Globex"
    assert await activities_of(hub, agency, "client.updated")


async def test_rename_onto_an_existing_name_is_a_conflict(hub: Hub) -> None:
    agency = await hub.agency()
    await _client(hub, agency, "Globex")
    other = await _client(hub, agency, "Hooli")
    await hub.call("PATCH", f"/clients/{other['id']}", status=409, headers=agency.owner.headers, json={"name": "globex"})


async def test_delete_archives_and_patch_restores(hub: Hub) -> None:
    agency = await hub.agency()
    client = await _client(hub, agency)
    body = await hub.call("DELETE", f"/clients/{client['id']}", status=200, headers=agency.owner.headers)
    assert body["data"]["status"] == "archived"
    still = await hub.call("GET", f"/clients/{client['id']}", status=200, headers=agency.owner.headers)
    assert still["data"]["status"] == "archived"
    restored = await hub.call(
        "PATCH", f"/clients/{client['id']}", status=200, headers=agency.owner.headers, json={"status": "active"}
    )
    assert restored["data"]["status"] == "active"
    assert await activities_of(hub, agency, "client.archived")


async def test_list_filters_by_status(hub: Hub) -> None:
    agency = await hub.agency()
    active = await _client(hub, agency, "Globex")
    archived = await _client(hub, agency, "Hooli")
    await hub.call("DELETE", f"/clients/{archived['id']}", status=200, headers=agency.owner.headers)
    body = await hub.call("GET", "/clients?status=active", status=200, headers=agency.owner.headers)
    assert ids(body["data"]) == {active["id"]}
    body = await hub.call("GET", "/clients?status=active,archived", status=200, headers=agency.owner.headers)
    assert ids(body["data"]) == {active["id"], archived["id"]}


async def test_list_search_matches_name_external_id_and_industry(hub: Hub) -> None:
    agency = await hub.agency()
    globex = await _client(hub, agency, "Globex", industry="Energy")
    hooli = await _client(hub, agency, "Hooli", externalId="HX-100")
    await _client(hub, agency, "Initech")
    assert ids((await hub.call("GET", "/clients?search=glob", status=200, headers=agency.owner.headers))["data"]) == {
        globex["id"]
    }
    assert ids((await hub.call("GET", "/clients?search=hx-1", status=200, headers=agency.owner.headers))["data"]) == {hooli["id"]}
    assert ids((await hub.call("GET", "/clients?search=ENERGY", status=200, headers=agency.owner.headers))["data"]) == {
        globex["id"]
    }
    none = await hub.call("GET", "/clients?search=%25", status=200, headers=agency.owner.headers)
    assert none["data"] == []  # a literal %, not a wildcard


async def test_list_paginates(hub: Hub) -> None:
    agency = await hub.agency()
    for name in ("A", "B", "C"):
        await _client(hub, agency, name)
    body = await hub.call("GET", "/clients?perPage=2&page=2", status=200, headers=agency.owner.headers)
    assert len(body["data"]) == 1 and body["meta"]["totalPages"] == 2


async def test_bad_input_is_rejected(hub: Hub) -> None:
    agency = await hub.agency()
    for bad in (
        {"name": ""},
        {"name": "   "},
        {"name": 5},
        {"name": "X", "website": "ftp://x"},
        {"name": "X", "notes": "n" * 5001},
        {"name": "X", "createdBy": "nope"},
        {"name": "X", "colour": "red"},
    ):
        body = await hub.call("POST", "/clients", status=400, headers=agency.owner.headers, json=bad)
        assert body["error"]["code"] == "VALIDATION_ERROR", bad
    client = await _client(hub, agency)
    for bad in ({}, {"status": "deleted"}, {"name": None}):
        await hub.call("PATCH", f"/clients/{client['id']}", status=400, headers=agency.owner.headers, json=bad)
    await hub.call("GET", "/clients?status=deleted", status=400, headers=agency.owner.headers)
    await hub.call("GET", f"/clients/{UNKNOWN_ID}", status=404, headers=agency.owner.headers)


async def test_created_by_must_be_a_recruiter_of_the_agency(hub: Hub) -> None:
    agency = await hub.agency()
    other = await hub.agency("Other Agency")
    recruiter = await hub.member(agency, "recruiter")
    made = await _client(hub, agency, "Globex", createdBy=recruiter.id)
    assert made["createdBy"] == recruiter.id
    foreign = await hub.call(
        "POST", "/clients", status=403, headers=agency.owner.headers, json={"name": "Y", "createdBy": other.owner.id}
    )
    assert foreign["error"]["message"] == "Recruiter does not belong to your agency"
    unknown = await hub.call(
        "POST", "/clients", status=400, headers=agency.owner.headers, json={"name": "Y", "createdBy": UNKNOWN_ID}
    )
    assert unknown["error"]["message"] == "Invalid recruiter ID"


async def test_api_key_must_name_created_by(hub: Hub) -> None:
    agency = await hub.agency()
    key = {"X-API-Key": await hub.api_key(agency, scopes=["clients:write", "clients:read"])}
    body = await hub.call("POST", "/clients/get-or-create", status=400, headers=key, json={"name": "Keyed"})
    assert body["error"]["details"]["field"] == "createdBy"
    made = await hub.call(
        "POST", "/clients/get-or-create", status=201, headers=key, json={"name": "Keyed", "createdBy": agency.owner.id}
    )
    assert made["data"]["createdBy"] == agency.owner.id


async def test_interviewer_cannot_read_clients(hub: Hub) -> None:
    agency = await hub.agency()
    interviewer = await hub.member(agency, "interviewer")
    await hub.call("GET", "/clients", status=403, headers=interviewer.headers)
