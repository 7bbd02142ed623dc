"""The OpenAPI 3.1 document and the docs page served from bundled assets."""

from __future__ import annotations

from hubtest import Hub


async def test_openapi_document_lists_routes_with_scopes_and_security(hub: Hub) -> None:
    response = await hub.client.get("/api/v1/openapi.json")
    doc = await response.json()
    assert doc["openapi"].startswith("3.1")
    me = doc["paths"]["/api/v1/users/me"]["get"]
    assert me["security"] and "default" in me["responses"]
    assert doc["paths"]["/api/v1/users/{id}"]["get"]["x-scope"] == "team:read"
    login = doc["paths"]["/api/v1/auth/login"]["post"]
    assert "security" not in login and login["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    assert "ErrorEnvelope" in doc["components"]["schemas"]


async def test_docs_page_and_its_assets_are_served_locally(hub: Hub) -> None:
    page = await hub.client.get("/docs")
    html = await page.text()
    assert page.status == 200 and "/api/v1/openapi.json" in html and "https://" not in html
    asset = await hub.client.get("/docs/static/swagger-ui-bundle.js")
    assert asset.status == 200
