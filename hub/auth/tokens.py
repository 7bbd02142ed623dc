"""Signed credentials: JWT access tokens (PyJWT, HS256) and opaque refresh / API key secrets."""

from __future__ import annotations

import hashlib
import secrets
import time
from dataclasses import dataclass
from typing import Any
from uuid import UUID, uuid4

import jwt

from ..errors import Unauthenticated

ALGORITHM = "HS256"  # the only algorithm accepted: "none" and key-confusion tricks fail


@dataclass(frozen=True)
class IssuedToken:
    token: str
    expires_at: int  # unix seconds


class TokenSigner:
    """Issues and checks the hub's JWTs; `typ` keeps access and room tokens apart."""

    def __init__(self, secret: str, *, issuer: str = "recruit-hub") -> None:
        if len(secret) < 32:
            raise ValueError("JWT secret must be at least 32 characters")
        self._secret = secret
        self._issuer = issuer

    def issue(self, typ: str, subject: str, ttl: int, **claims: Any) -> IssuedToken:
        now = int(time.time())
        payload = {"typ": typ, "sub": subject, "iat": now, "exp": now + ttl, "iss": self._issuer, "jti": uuid4().hex}
        payload.update(claims)
        return IssuedToken(jwt.encode(payload, self._secret, algorithm=ALGORITHM), payload["exp"])

    def verify(self, token: str, typ: str) -> dict[str, Any]:
        try:
            claims = jwt.decode(
                token,
                self._secret,
                algorithms=[ALGORITHM],
                issuer=self._issuer,
                options={"require": ["exp", "iat", "sub", "typ"]},
            )
        except jwt.ExpiredSignatureError:
            raise Unauthenticated("Token expired", code="TOKEN_EXPIRED") from None
        except jwt.PyJWTError:
            raise Unauthenticated("Invalid token") from None
        if claims.get("typ") != typ:
            raise Unauthenticated("Invalid token")
        return claims


def new_secret(nbytes: int = 32) -> str:
    return secrets.token_urlsafe(nbytes)


def digest(secret: str) -> bytes:
    """SHA-256 of a high-entropy secret: enough for random tokens (no password stretching needed)."""
    return hashlib.sha256(secret.encode()).digest()


def as_uuid(value: object) -> UUID | None:
    try:
        return UUID(str(value))
    except (ValueError, TypeError):
        return None
