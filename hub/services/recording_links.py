"""Short-lived signed download links: an integrator hands the URL to a browser or a pipeline,
which fetches the file without credentials until the link expires.

The signature is an HMAC-SHA256 over the recording id, the track id (empty for the main file)
and the expiry time, keyed with a key derived from the hub's JWT secret: links stay valid across
restarts and hub processes, and rotating the secret revokes every outstanding link.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from uuid import UUID

DEFAULT_LINK_TTL = 15 * 60  # seconds a link works when the caller asks for no other lifetime
MAX_LINK_TTL = 24 * 3600  # seconds, the longest a link may live
MIN_LINK_TTL = 10  # seconds
assert MIN_LINK_TTL <= DEFAULT_LINK_TTL <= MAX_LINK_TTL

_PURPOSE = b"recording-download-v1"  # keeps these MACs distinct from anything else keyed by the secret


@dataclass(frozen=True)
class SignedLink:
    expires: int  # unix seconds
    signature: str

    @property
    def expires_at(self) -> datetime:
        return datetime.fromtimestamp(self.expires, UTC)


def _key(secret: str) -> bytes:
    return hmac.new(secret.encode(), _PURPOSE, hashlib.sha256).digest()


def _mac(secret: str, recording_id: UUID, track_id: UUID | None, expires: int) -> str:
    message = f"{recording_id}\n{track_id or ''}\n{expires}".encode()
    return hmac.new(_key(secret), message, hashlib.sha256).hexdigest()


def sign(secret: str, recording_id: UUID, track_id: UUID | None, ttl_seconds: int, *, now: float | None = None) -> SignedLink:
    expires = int(now if now is not None else time.time()) + ttl_seconds
    return SignedLink(expires, _mac(secret, recording_id, track_id, expires))


def verify(secret: str, recording_id: UUID, track_id: UUID | None, expires: int, signature: str,
           *, now: float | None = None) -> bool:
    """True only for an unexpired link whose signature matches (constant-time comparison)."""
    if expires < int(now if now is not None else time.time()):
        return False
    return hmac.compare_digest(_mac(secret, recording_id, track_id, expires), signature)
