"""Sign-up, sign-in, token rotation and resolving credentials to a Principal."""

from __future__ import annotations

import hmac
import ipaddress
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from uuid import UUID, uuid4

import asyncpg

from ..auth.passwords import MIN_PASSWORD_LENGTH, hash_password, verify_password
from ..auth.principal import ROLE_SCOPES, SCOPES, Principal
from ..auth.tokens import IssuedToken, TokenSigner, as_uuid, digest, new_secret
from ..db import Record, transaction
from ..errors import Forbidden, Unauthenticated, ValidationFailed
from ..storage import agencies as agency_store
from ..storage import credentials as cred_store
from ..storage import users as user_store

API_KEY_PREFIX = "rhk_"
LAST_USED_GRANULARITY = timedelta(minutes=1)  # matches the guard in touch_api_key


@dataclass(frozen=True)
class Session:
    user: Record
    access_token: str
    access_expires_at: int
    refresh_token: str
    refresh_expires_at: datetime


@dataclass(frozen=True)
class CreatedApiKey:
    record: Record
    secret: str  # shown once, never stored


class AuthService:
    def __init__(self, pool: asyncpg.Pool, signer: TokenSigner, *, access_ttl: int, refresh_ttl: int) -> None:
        self._pool = pool
        self._signer = signer
        self._access_ttl = access_ttl
        self._refresh_ttl = refresh_ttl

    # -- people ---------------------------------------------------------------------------

    async def create_user(
        self,
        conn: asyncpg.Connection,
        *,
        email: str,
        password: str,
        full_name: str,
        role: str,
        agency_id: UUID | None,
    ) -> Record:
        if len(password) < MIN_PASSWORD_LENGTH:
            raise ValidationFailed(
                f"Password must be at least {MIN_PASSWORD_LENGTH} characters", details={"field": "password"}
            )
        user = await user_store.insert_user(
            conn,
            email=email,
            password_hash=await hash_password(password),
            full_name=full_name,
            role=role,
            agency_id=agency_id,
        )
        if user is None:
            raise ValidationFailed("An account with this e-mail already exists", details={"field": "email"}, code="EMAIL_TAKEN")
        return user

    async def register(
        self, *, email: str, password: str, full_name: str, role: str, agency_name: str | None
    ) -> Session:
        """Candidates sign up alone; an owner signs up together with a new agency."""
        async with transaction(self._pool) as conn:
            agency_id = None
            if role == "owner":
                if not agency_name:
                    raise ValidationFailed("agencyName is required to register an agency owner", details={"field": "agencyName"})
                agency_id = (await agency_store.insert_agency(conn, agency_name))["id"]
            user = await self.create_user(
                conn, email=email, password=password, full_name=full_name, role=role, agency_id=agency_id
            )
            return await self._start_session(conn, user, family_id=uuid4())

    async def login(self, email: str, password: str) -> Session:
        async with self._pool.acquire() as conn:
            user = await user_store.get_user_by_email(conn, email)
        ok = await verify_password(user["password_hash"] if user else None, password)
        if not ok or user is None or not user["is_active"]:
            raise Unauthenticated("Invalid email or password", code="INVALID_CREDENTIALS")
        async with transaction(self._pool) as conn:
            await user_store.touch_login(conn, user["id"])
            return await self._start_session(conn, user, family_id=uuid4())

    async def refresh(self, refresh_token: str) -> Session:
        """Rotate: the presented token is spent; presenting a spent one revokes its whole family."""
        async with transaction(self._pool) as conn:
            row = await cred_store.claim_refresh_token(conn, digest(refresh_token))
            if row is None or row["revoked_at"] is not None or row["expires_at"] <= datetime.now(UTC):
                raise Unauthenticated("Invalid or expired refresh token")
            if row["used_at"] is None:
                await cred_store.mark_refresh_used(conn, row["id"])
                user = await user_store.get_user(conn, row["user_id"])
                if user is None or not user["is_active"]:
                    raise Unauthenticated("Invalid or expired refresh token")
                return await self._start_session(conn, user, family_id=row["family_id"])
            # A spent token came back: someone holds a copy. End every session of that login.
            await cred_store.revoke_family(conn, row["family_id"])
        # Raised after the block so the revocation is committed.
        raise Unauthenticated("Refresh token was already used; please sign in again", code="TOKEN_REUSED")

    async def logout(self, refresh_token: str) -> None:
        async with transaction(self._pool) as conn:
            row = await cred_store.claim_refresh_token(conn, digest(refresh_token))
            if row is None:
                raise Unauthenticated("Invalid refresh token")
            await cred_store.revoke_family(conn, row["family_id"])

    async def _start_session(self, conn: asyncpg.Connection, user: Record, *, family_id: UUID) -> Session:
        access = self.issue_access_token(user)
        refresh = new_secret()
        refresh_expires = datetime.now(UTC) + timedelta(seconds=self._refresh_ttl)
        await cred_store.insert_refresh_token(
            conn, user_id=user["id"], family_id=family_id, token_hash=digest(refresh), expires_at=refresh_expires
        )
        return Session(user, access.token, access.expires_at, refresh, refresh_expires)

    def issue_access_token(self, user: Record) -> IssuedToken:
        agency = str(user["agency_id"]) if user["agency_id"] else None
        return self._signer.issue("access", str(user["id"]), self._access_ttl, role=user["role"], agency=agency)

    # -- resolving credentials ------------------------------------------------------------

    def principal_from_access_token(self, token: str) -> Principal:
        """Stateless check of a JWT: signature, expiry, type."""
        claims = self._signer.verify(token, "access")
        user_id = as_uuid(claims.get("sub"))
        role = claims.get("role")
        if user_id is None or role not in ROLE_SCOPES:
            raise Unauthenticated("Invalid token")
        agency = claims.get("agency")
        return Principal("user", user_id, as_uuid(agency) if agency else None, role, ROLE_SCOPES[role])

    async def principal_from_api_key(self, presented: str, client_ip: str | None = None) -> tuple[Principal, Record]:
        prefix, _, _ = presented.removeprefix(API_KEY_PREFIX).partition(".")
        if not presented.startswith(API_KEY_PREFIX) or not prefix:
            raise Unauthenticated("Invalid API key")
        async with self._pool.acquire() as conn:
            key = await cred_store.get_api_key_by_prefix(conn, prefix)
            if key is None or not hmac.compare_digest(key["secret_hash"], digest(presented)):
                raise Unauthenticated("Invalid API key")
            if key["revoked_at"] is not None:
                raise Unauthenticated("API key has been revoked", code="KEY_REVOKED")
            if key["expires_at"] is not None and key["expires_at"] <= datetime.now(UTC):
                raise Unauthenticated("API key has expired", code="KEY_EXPIRED")
            if key["ip_whitelist"] and not _ip_allowed(client_ip, key["ip_whitelist"]):
                raise Forbidden("This API key may not be used from your address", code="IP_NOT_ALLOWED")
            last_used = key["last_used_at"]
            if last_used is None or last_used < datetime.now(UTC) - LAST_USED_GRANULARITY:
                await cred_store.touch_api_key(conn, key["id"])  # a write at most once a minute, not per request
        return Principal("api_key", key["id"], key["agency_id"], "integration", frozenset(key["scopes"])), key

    async def create_api_key(
        self,
        conn: asyncpg.Connection,
        *,
        agency_id: UUID,
        name: str,
        scopes: list[str],
        created_by: UUID | None,
        **options: object,
    ) -> CreatedApiKey:
        unknown = sorted(set(scopes) - set(SCOPES))
        if unknown:
            raise ValidationFailed(f"Unknown scopes: {', '.join(unknown)}", details={"field": "scopes"})
        prefix = secrets.token_hex(5)
        secret = f"{API_KEY_PREFIX}{prefix}.{new_secret()}"
        record = await cred_store.insert_api_key(
            conn,
            agency_id=agency_id,
            name=name,
            prefix=prefix,
            secret_hash=digest(secret),
            scopes=sorted(set(scopes)),
            created_by=created_by,
            **options,  # type: ignore[arg-type]
        )
        return CreatedApiKey(record, secret)


def _ip_allowed(client_ip: str | None, allowed: list[str]) -> bool:
    if client_ip is None:
        return False
    try:
        address = ipaddress.ip_address(client_ip)
    except ValueError:
        return False
    for entry in allowed:
        try:
            if address in ipaddress.ip_network(entry, strict=False):
                return True
        except ValueError:
            continue
    return False
