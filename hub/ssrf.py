"""Keeping webhook deliveries off internal networks (server-side request forgery).

At registration a URL must be http(s), carry no credentials, and (unless private targets are
allowed) not name a refused address literally. At delivery the host is resolved by
`GuardedResolver`, which drops refused addresses; aiohttp then connects to an address that
was checked, so a DNS answer that changes between check and connect (rebinding) cannot slip
through. Literal IPs never reach a resolver, so `check_literal_host` covers them.
"""

from __future__ import annotations

import ipaddress
import re
import socket
from typing import Any

import aiohttp
from aiohttp.abc import AbstractResolver, ResolveResult
from aiohttp.resolver import DefaultResolver
from yarl import URL

Address = ipaddress.IPv4Address | ipaddress.IPv6Address

# Cloud instance-metadata services (AWS/GCP/Azure/OpenStack, AWS IPv6, ECS tasks, Alibaba).
METADATA_ADDRESSES: frozenset[Address] = frozenset(
    ipaddress.ip_address(a) for a in ("169.254.169.254", "fd00:ec2::254", "169.254.170.2", "100.100.100.200")
)
MAX_URL_LENGTH = 2048
_NUMERIC_HOST = re.compile(r"^[0-9.]+$|^0x[0-9a-f.x]+$", re.IGNORECASE)


class BlockedTarget(OSError):
    """The target is, or resolves only to, an address webhooks may not reach."""


def refusal_reason(address: Address) -> str | None:
    """Why an address is refused ('loopback', 'private', ...), or None when it is public."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    if address in METADATA_ADDRESSES:
        return "metadata"
    for reason in ("loopback", "link_local", "multicast", "unspecified", "reserved", "private"):
        if getattr(address, f"is_{reason}"):
            return reason.replace("_", "-")
    if not address.is_global:
        return "non-global"  # shared (CGNAT), documentation and benchmark ranges
    return None


def _literal(host: str) -> Address | None:
    try:
        return ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return None


def validate_webhook_url(url: str, *, allow_private: bool) -> str:
    """The URL, checked for registration; ValueError says what is wrong."""
    if len(url) > MAX_URL_LENGTH:
        raise ValueError(f"URL is longer than {MAX_URL_LENGTH} characters")
    try:
        parsed = URL(url)
    except (ValueError, TypeError):
        raise ValueError("not a valid URL") from None
    if parsed.scheme not in ("http", "https"):
        raise ValueError("only http and https URLs can receive webhooks")
    if not parsed.host:
        raise ValueError("the URL has no host")
    if parsed.user is not None or parsed.password is not None:
        raise ValueError("put credentials in the secret, not in the URL")
    if parsed.fragment:
        raise ValueError("the URL must not have a #fragment")
    address = _literal(parsed.host)
    if address is None and _NUMERIC_HOST.match(parsed.host):
        raise ValueError("a numeric host must be a dotted IPv4 address")
    if address is not None and not allow_private and (reason := refusal_reason(address)) is not None:
        raise ValueError(f"{parsed.host} is a {reason} address; webhooks go to public hosts only")
    return str(parsed)


def check_literal_host(host: str, *, allow_private: bool) -> None:
    """Raise BlockedTarget when `host` is a refused IP literal (literals skip the resolver)."""
    address = _literal(host)
    if address is not None and not allow_private and (reason := refusal_reason(address)) is not None:
        raise BlockedTarget(f"{host} is a {reason} address")


class GuardedResolver(AbstractResolver):
    """Resolves like aiohttp does, then keeps only addresses webhooks may reach."""

    def __init__(self, *, allow_private: bool, inner: AbstractResolver | None = None) -> None:
        self._allow_private = allow_private
        self._inner = inner or DefaultResolver()

    async def resolve(self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET) -> list[ResolveResult]:
        results = await self._inner.resolve(host, port, family)
        if self._allow_private:
            return results
        allowed: list[ResolveResult] = []
        reasons: set[str] = set()
        for result in results:
            reason = refusal_reason(ipaddress.ip_address(result["host"]))
            if reason is None:
                allowed.append(result)
            else:
                reasons.add(reason)
        if not allowed:
            raise BlockedTarget(f"{host} resolves only to refused ({', '.join(sorted(reasons))}) addresses")
        return allowed

    async def close(self) -> None:
        await self._inner.close()


def guarded_session(*, allow_private: bool, **options: Any) -> aiohttp.ClientSession:
    """A client session whose every connection goes to a checked address."""
    connector = aiohttp.TCPConnector(
        resolver=GuardedResolver(allow_private=allow_private), use_dns_cache=False, limit=100, limit_per_host=20
    )
    return aiohttp.ClientSession(connector=connector, **options)
