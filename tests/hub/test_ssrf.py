"""Which webhook targets are refused, at registration and at resolution time."""

from __future__ import annotations

import ipaddress

import pytest

from hub.ssrf import (
    BlockedTarget,
    GuardedResolver,
    check_literal_host,
    refusal_reason,
    validate_webhook_url,
)


@pytest.mark.parametrize(("address", "reason"), [
    ("127.0.0.1", "loopback"), ("::1", "loopback"), ("10.0.0.8", "private"), ("172.16.5.4", "private"),
    ("192.168.1.1", "private"), ("fd12::1", "private"), ("169.254.169.254", "metadata"), ("fd00:ec2::254", "metadata"),
    ("169.254.10.10", "link-local"), ("fe80::1", "link-local"), ("224.0.0.1", "multicast"), ("ff02::1", "multicast"),
    ("0.0.0.0", "unspecified"), ("240.0.0.1", "reserved"), ("100.64.0.1", "non-global"),
    ("::ffff:127.0.0.1", "loopback"), ("::ffff:10.0.0.1", "private"),
])  # fmt: skip
def test_internal_addresses_are_refused(address: str, reason: str) -> None:
    assert refusal_reason(ipaddress.ip_address(address)) == reason


@pytest.mark.parametrize("address", ["93.184.215.14", "1.1.1.1", "2606:4700:4700::1111"])
def test_public_addresses_pass(address: str) -> None:
    assert refusal_reason(ipaddress.ip_address(address)) is None


def test_registration_accepts_public_and_named_hosts() -> None:
    assert validate_webhook_url("https://hooks.example.com/recruit?x=1", allow_private=False)
    assert validate_webhook_url("http://127.0.0.1:8080/hooks", allow_private=True)


def test_literal_check_respects_the_setting() -> None:
    with pytest.raises(BlockedTarget, match="loopback"):
        check_literal_host("127.0.0.1", allow_private=False)
    check_literal_host("127.0.0.1", allow_private=True)
    check_literal_host("hooks.example.com", allow_private=False)  # names are checked when resolved


async def test_resolver_refuses_a_name_that_resolves_to_loopback() -> None:
    resolver = GuardedResolver(allow_private=False)
    try:
        with pytest.raises(BlockedTarget, match="loopback"):
            await resolver.resolve("localhost", 80)
    finally:
        await resolver.close()


async def test_resolver_allows_private_names_when_configured() -> None:
    resolver = GuardedResolver(allow_private=True)
    try:
        results = await resolver.resolve("localhost", 80)
    finally:
        await resolver.close()
    assert {r["host"] for r in results} & {"127.0.0.1", "::1"}
