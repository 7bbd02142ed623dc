"""Socket.IO on the hub's port refuses connections without a valid token."""

from __future__ import annotations

import pytest
import socketio

from hubtest import Hub


async def test_connection_with_access_token_is_accepted(hub: Hub) -> None:
    person = await hub.candidate()
    client = socketio.AsyncClient(reconnection=False)
    await client.connect(hub.url, auth={"token": person.token}, transports=["websocket"])
    try:
        assert client.connected
    finally:
        await client.disconnect()


@pytest.mark.parametrize("auth", [None, {}, {"token": ""}, {"token": "not-a-jwt"}, {"token": 42}])
async def test_connection_without_valid_token_is_refused(hub: Hub, auth: object) -> None:
    client = socketio.AsyncClient(reconnection=False)
    with pytest.raises(socketio.exceptions.ConnectionError):
        await client.connect(hub.url, auth=auth, transports=["websocket"])
    assert not client.connected
