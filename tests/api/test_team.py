"""The team: members, invitations (single-use e-mailed links), owner protection, recruiter ids."""

from __future__ import annotations

import uuid

from hubtest import PASSWORD, Hub
from recruiting import UNKNOWN_ID, activities_of, create_job, ids, invitation_token, sql


async def _invite(hub: Hub, headers: dict[str, str], *, role: str = "recruiter", status: int = 201) -> dict:
    email = f"new-{uuid.uuid4().hex[:8]}@example.com"
    body = await hub.call(
        "POST", "/team/invite", status=status, headers=headers, json={"email": email, "role": role, "name": "Nia New"}
    )
    return body["data"] if status == 201 else body


async def _accept(hub: Hub, token: str, *, status: int = 201) -> dict:
    return await hub.call(
        "POST", "/team/invitations/accept", status=status, json={"token": token, "password": PASSWORD, "fullName": "Nia New"}
    )


# -- members ------------------------------------------------------------------------------


async def test_list_team_filters_by_role_and_active_state(hub: Hub) -> None:
    agency = await hub.agency()
    recruiter = await hub.member(agency, "recruiter")
    interviewer = await hub.member(agency, "interviewer")
    everyone = await hub.call("GET", "/team", status=200, headers=agency.owner.headers)
    assert ids(everyone["data"]) == {agency.owner.id, recruiter.id, interviewer.id}
    assert everyone["meta"] == {"page": 1, "perPage": 20, "total": 3, "totalPages": 1}
    only = await hub.call("GET", "/team?role=interviewer", status=200, headers=agency.owner.headers)
    assert ids(only["data"]) == {interviewer.id}
    await hub.call("DELETE", f"/team/{recruiter.id}", status=200, headers=agency.owner.headers)
    inactive = await hub.call("GET", "/team?isActive=false", status=200, headers=agency.owner.headers)
    assert ids(inactive["data"]) == {recruiter.id}


async def test_list_team_paginates(hub: Hub) -> None:
    agency = await hub.agency()
    for _ in range(2):
        await hub.member(agency, "recruiter")
    body = await hub.call("GET", "/team?perPage=2&page=2", status=200, headers=agency.owner.headers)
    assert len(body["data"]) == 1
    assert body["meta"] == {"page": 2, "perPage": 2, "total": 3, "totalPages": 2}


async def test_list_team_rejects_unknown_role_filter(hub: Hub) -> None:
    agency = await hub.agency()
    body = await hub.call("GET", "/team?role=wizard", status=400, headers=agency.owner.headers)
    assert body["error"]["code"] == "VALIDATION_ERROR"


async def test_admin_changes_a_recruiters_role(hub: Hub) -> None:
    agency = await hub.agency()
    admin = await hub.member(agency, "admin")
    recruiter = await hub.member(agency, "recruiter")
    body = await hub.call("PATCH", f"/team/{recruiter.id}", status=200, headers=admin.headers, json={"role": "interviewer"})
    assert body["data"]["role"] == "interviewer"
    (entry,) = await activities_of(hub, agency, "team.member_updated")
    assert entry["metadata"] == {"role": "interviewer"}


async def test_admin_cannot_demote_an_owner(hub: Hub) -> None:
    agency = await hub.agency()
    admin = await hub.member(agency, "admin")
    body = await hub.call("PATCH", f"/team/{agency.owner.id}", status=403, headers=admin.headers, json={"role": "recruiter"})
    assert body["error"]["code"] == "FORBIDDEN"
    await hub.call("DELETE", f"/team/{agency.owner.id}", status=403, headers=admin.headers)


async def test_admin_cannot_make_an_owner(hub: Hub) -> None:
    agency = await hub.agency()
    admin = await hub.member(agency, "admin")
    await hub.call("PATCH", f"/team/{admin.id}", status=403, headers=admin.headers, json={"role": "owner"})


async def test_owner_demotes_another_owner(hub: Hub) -> None:
    agency = await hub.agency()
    second = await hub.member(agency, "owner")
    body = await hub.call("PATCH", f"/team/{second.id}", status=200, headers=agency.owner.headers, json={"role": "admin"})
    assert body["data"]["role"] == "admin"


async def test_last_owner_cannot_be_demoted_or_removed(hub: Hub) -> None:
    agency = await hub.agency()
    demote = await hub.call("PATCH", f"/team/{agency.owner.id}", status=422, headers=agency.owner.headers, json={"role": "admin"})
    assert demote["error"]["code"] == "RULE_VIOLATED"
    remove = await hub.call("DELETE", f"/team/{agency.owner.id}", status=422, headers=agency.owner.headers)
    assert remove["error"]["details"] == {"rule": "last_owner"}


async def test_removed_member_can_no_longer_sign_in_or_refresh(hub: Hub) -> None:
    agency = await hub.agency()
    recruiter = await hub.member(agency, "recruiter")
    body = await hub.call("DELETE", f"/team/{recruiter.id}", status=200, headers=agency.owner.headers)
    assert body["data"]["isActive"] is False
    await hub.call("POST", "/auth/login", status=401, json={"email": recruiter.email, "password": PASSWORD})
    await hub.call("POST", "/auth/refresh-token", status=401, json={"refreshToken": recruiter.refresh_token})
    assert await activities_of(hub, agency, "team.member_deactivated")


async def test_member_update_needs_a_change_and_a_known_role(hub: Hub) -> None:
    agency = await hub.agency()
    recruiter = await hub.member(agency, "recruiter")
    for bad in ({}, {"role": "candidate"}, {"role": "wizard"}, {"isActive": "maybe"}):
        body = await hub.call("PATCH", f"/team/{recruiter.id}", status=400, headers=agency.owner.headers, json=bad)
        assert body["error"]["code"] == "VALIDATION_ERROR", bad


async def test_unknown_member_is_not_found(hub: Hub) -> None:
    agency = await hub.agency()
    await hub.call("PATCH", f"/team/{UNKNOWN_ID}", status=404, headers=agency.owner.headers, json={"role": "admin"})
    await hub.call("DELETE", "/team/not-a-uuid", status=400, headers=agency.owner.headers)


async def test_recruiter_cannot_manage_the_team(hub: Hub) -> None:
    agency = await hub.agency()
    recruiter = await hub.member(agency, "recruiter")
    other = await hub.member(agency, "interviewer")
    await hub.call("PATCH", f"/team/{other.id}", status=403, headers=recruiter.headers, json={"role": "admin"})
    await _invite(hub, recruiter.headers, status=403)


# -- invitations --------------------------------------------------------------------------


async def test_invite_queues_an_email_with_a_single_use_link(hub: Hub) -> None:
    agency = await hub.agency()
    invitation = await _invite(hub, agency.owner.headers, role="interviewer")
    assert invitation["status"] == "pending" and invitation["role"] == "interviewer"
    assert "token" not in invitation
    (mail,) = await sql(hub, "SELECT * FROM mail_outbox WHERE to_address = $1", invitation["email"])
    assert agency.name in mail["subject"] and "/accept-invitation?token=" in mail["body_text"]
    token = await invitation_token(hub, invitation["email"])
    session = await _accept(hub, token)
    user = session["data"]["user"]
    assert user["role"] == "interviewer" and user["agencyId"] == agency.id and user["email"] == invitation["email"]
    me = await hub.call("GET", "/users/me", status=200, headers={"Authorization": f"Bearer {session['data']['accessToken']}"})
    assert me["data"]["fullName"] == "Nia New"
    second = await _accept(hub, token, status=400)
    assert second["error"]["code"] == "INVALID_INVITATION"


async def test_accepted_invitation_is_listed_as_accepted(hub: Hub) -> None:
    agency = await hub.agency()
    accepted = await _invite(hub, agency.owner.headers)
    pending = await _invite(hub, agency.owner.headers)
    await _accept(hub, await invitation_token(hub, accepted["email"]))
    body = await hub.call("GET", "/team/invitations?status=accepted", status=200, headers=agency.owner.headers)
    assert ids(body["data"]) == {accepted["id"]}
    body = await hub.call("GET", "/team/invitations", status=200, headers=agency.owner.headers)
    assert ids(body["data"]) == {accepted["id"], pending["id"]}
    assert body["meta"]["total"] == 2


async def test_invite_refuses_existing_account_and_duplicate_pending(hub: Hub) -> None:
    agency = await hub.agency()
    recruiter = await hub.member(agency, "recruiter")
    taken = await hub.call(
        "POST", "/team/invite", status=409, headers=agency.owner.headers, json={"email": recruiter.email, "role": "admin"}
    )
    assert taken["error"]["code"] == "CONFLICT"
    invitation = await _invite(hub, agency.owner.headers)
    await hub.call(
        "POST",
        "/team/invite",
        status=409,
        headers=agency.owner.headers,
        json={"email": invitation["email"].upper(), "role": "admin"},
    )


async def test_invite_rejects_bad_input(hub: Hub) -> None:
    agency = await hub.agency()
    for bad in (
        {"email": "x@example.com", "role": "owner"},
        {"email": "x@example.com", "role": "candidate"},
        {"email": "not-an-email", "role": "recruiter"},
        {"email": "x@example.com"},
        {"email": "x@example.com", "role": "recruiter", "name": "n" * 201},
    ):
        body = await hub.call("POST", "/team/invite", status=400, headers=agency.owner.headers, json=bad)
        assert body["error"]["code"] == "VALIDATION_ERROR", bad


async def test_resend_replaces_the_link(hub: Hub) -> None:
    agency = await hub.agency()
    invitation = await _invite(hub, agency.owner.headers)
    old_token = await invitation_token(hub, invitation["email"])
    body = await hub.call("POST", f"/team/invitations/{invitation['id']}/resend", status=200, headers=agency.owner.headers)
    assert body["data"]["sendCount"] == 2
    new_token = await invitation_token(hub, invitation["email"])
    assert new_token != old_token
    await _accept(hub, old_token, status=400)
    await _accept(hub, new_token)


async def test_revoked_invitation_cannot_be_accepted_or_revoked_again(hub: Hub) -> None:
    agency = await hub.agency()
    invitation = await _invite(hub, agency.owner.headers)
    token = await invitation_token(hub, invitation["email"])
    body = await hub.call("DELETE", f"/team/invitations/{invitation['id']}/revoke", status=200, headers=agency.owner.headers)
    assert body["data"]["status"] == "revoked"
    await _accept(hub, token, status=400)
    again = await hub.call("DELETE", f"/team/invitations/{invitation['id']}/revoke", status=422, headers=agency.owner.headers)
    assert again["error"]["details"]["status"] == "revoked"
    await hub.call("POST", f"/team/invitations/{invitation['id']}/resend", status=422, headers=agency.owner.headers)


async def test_expired_invitation_cannot_be_accepted(hub: Hub) -> None:
    agency = await hub.agency()
    invitation = await _invite(hub, agency.owner.headers)
    await sql(
        hub, "UPDATE team_invitations SET expires_at = now() - interval '1 minute' WHERE id = $1", uuid.UUID(invitation["id"])
    )
    await _accept(hub, await invitation_token(hub, invitation["email"]), status=400)


async def test_accept_rejects_bad_input(hub: Hub) -> None:
    for bad in ({"token": "t", "password": "short", "fullName": "X"}, {"token": "", "password": PASSWORD, "fullName": "X"}, {}):
        body = await hub.call("POST", "/team/invitations/accept", status=400, json=bad)
        assert body["error"]["code"] == "VALIDATION_ERROR", bad
    await _accept(hub, "never-issued", status=400)


async def test_unknown_invitation_is_not_found(hub: Hub) -> None:
    agency = await hub.agency()
    await hub.call("POST", f"/team/invitations/{UNKNOWN_ID}/resend", status=404, headers=agency.owner.headers)
    await hub.call("DELETE", f"/team/invitations/{UNKNOWN_ID}/revoke", status=404, headers=agency.owner.headers)


# -- recruiter ids ------------------------------------------------------------------------


async def test_agency_recruiters_lists_only_attributable_active_people(hub: Hub) -> None:
    agency = await hub.agency()
    recruiter = await hub.member(agency, "recruiter")
    admin = await hub.member(agency, "admin")
    await hub.member(agency, "interviewer")
    gone = await hub.member(agency, "recruiter")
    await hub.call("DELETE", f"/team/{gone.id}", status=200, headers=agency.owner.headers)
    body = await hub.call("GET", "/agency/recruiters", status=200, headers=recruiter.headers)
    assert ids(body["data"]) == {agency.owner.id, recruiter.id, admin.id}


async def test_created_recruiter_id_works_for_attribution(hub: Hub) -> None:
    agency = await hub.agency()
    body = await hub.call(
        "POST",
        "/recruiters/create",
        status=201,
        headers=agency.owner.headers,
        json={"email": "rex@example.com", "fullName": "Rex Recruiter", "password": PASSWORD},
    )
    recruiter_id = body["data"]["id"]
    assert body["data"]["role"] == "recruiter" and body["data"]["agencyId"] == agency.id
    job = await create_job(hub, agency.owner.headers, postedBy=recruiter_id)
    assert job["postedBy"] == recruiter_id
    await hub.login("rex@example.com")
    assert await activities_of(hub, agency, "team.recruiter_created")


async def test_create_recruiter_rejects_taken_email_and_weak_password(hub: Hub) -> None:
    agency = await hub.agency()
    taken = await hub.call(
        "POST",
        "/recruiters/create",
        status=400,
        headers=agency.owner.headers,
        json={"email": agency.owner.email, "fullName": "Dup", "password": PASSWORD},
    )
    assert taken["error"]["code"] == "EMAIL_TAKEN"
    await hub.call(
        "POST",
        "/recruiters/create",
        status=400,
        headers=agency.owner.headers,
        json={"email": "weak@example.com", "fullName": "Weak", "password": "short"},
    )
