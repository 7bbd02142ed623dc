"""The OpenAPI document and a Swagger UI page served from the bundled assets (no CDN)."""

from __future__ import annotations

import json

from aiohttp import web
from swagger_ui_bundle import swagger_ui_path

import hub
from hub.http import OPERATIONS
from hub.openapi import build_openapi

OPENAPI_DOC = web.AppKey("openapi_doc", str)

_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Recruit Hub API</title>
<link rel="stylesheet" href="/docs/static/swagger-ui.css"></head>
<body><div id="swagger-ui"></div>
<script src="/docs/static/swagger-ui-bundle.js"></script>
<script>window.ui = SwaggerUIBundle({url: "/api/v1/openapi.json", dom_id: "#swagger-ui"});</script>
</body></html>"""


async def openapi_json(request: web.Request) -> web.Response:
    return web.Response(text=request.app[OPENAPI_DOC], content_type="application/json")


async def docs_page(request: web.Request) -> web.Response:
    return web.Response(text=_PAGE, content_type="text/html")


async def _build_document(app: web.Application) -> None:
    # Built once at start-up, after every module has declared its routes.
    app[OPENAPI_DOC] = json.dumps(build_openapi(app[OPERATIONS], version=hub.__version__))


def add_routes(app: web.Application) -> None:
    app.on_startup.append(_build_document)
    app.router.add_get("/api/v1/openapi.json", openapi_json)
    app.router.add_get("/docs", docs_page)
    app.router.add_static("/docs/static", str(swagger_ui_path))
