"""Request middleware: request id, access log, metrics, CORS and the error envelope."""

from __future__ import annotations

import logging
import re
import time
import uuid
from collections.abc import Awaitable, Callable

import asyncpg
from aiohttp import web
from aiohttp.http_exceptions import HttpProcessingError

from .errors import HubError, RateLimited
from .keys import METRICS, REQUEST_ID, SETTINGS
from .logs import request_id_var

logger = logging.getLogger("hub.http")
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

_SAFE_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
_HTTP_CODES = {
    400: "BAD_REQUEST",
    401: "UNAUTHENTICATED",
    403: "FORBIDDEN",
    404: "NOT_FOUND",
    405: "METHOD_NOT_ALLOWED",
    413: "PAYLOAD_TOO_LARGE",
    415: "UNSUPPORTED_MEDIA_TYPE",
}


def _error_response(status: int, code: str, message: str, details: dict | None = None) -> web.Response:
    body: dict = {"code": code, "message": message}
    if details:
        body["details"] = details
    return web.json_response({"error": body}, status=status)


@web.middleware
async def request_context(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Outermost: request id, timing, one structured log line, metrics."""
    incoming = request.headers.get("X-Request-ID", "")
    request_id = incoming if _SAFE_REQUEST_ID.match(incoming) else uuid.uuid4().hex
    request[REQUEST_ID] = request_id
    token = request_id_var.set(request_id)
    started = time.perf_counter()
    status = 500
    try:
        response = await handler(request)
        status = response.status
        if not response.prepared:
            response.headers["X-Request-ID"] = request_id
        return response
    finally:
        elapsed = time.perf_counter() - started
        resource = request.match_info.route.resource
        route = resource.canonical if resource is not None else "unmatched"
        if not route.startswith("/socket.io"):
            metrics = request.app[METRICS]
            metrics.http_requests.labels(request.method, route, str(status)).inc()
            metrics.http_latency.labels(route).observe(elapsed)
            logger.info(
                "%s %s %s",
                request.method,
                request.path,
                status,
                extra={"status": status, "durationMs": round(elapsed * 1000, 2), "route": route},
            )
        request_id_var.reset(token)


@web.middleware
async def error_envelope(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Every error leaves as {"error": {...}}; unexpected ones are logged, never shown."""
    try:
        return await handler(request)
    except HubError as exc:
        response = web.json_response(exc.to_dict(), status=exc.status)
        if isinstance(exc, RateLimited):
            response.headers["Retry-After"] = str(exc.retry_after)
            response.headers.update(exc.headers)
        return response
    except HttpProcessingError as exc:
        # aiohttp's parsers (multipart headers, chunked bodies) reject malformed input this way.
        logger.info("malformed request: %s", exc.message)
        return _error_response(400, "VALIDATION_ERROR", "Malformed request body")
    except web.HTTPRequestEntityTooLarge:
        return _error_response(413, "PAYLOAD_TOO_LARGE", "Request body is too large")
    except web.HTTPException as exc:
        if exc.status < 400:
            raise
        if exc.status == 404:
            return _error_response(404, "NOT_FOUND", f"No route for {request.path}")
        if exc.status == 405:
            response = _error_response(405, "METHOD_NOT_ALLOWED", f"{request.method} is not allowed here")
            if "Allow" in exc.headers:
                response.headers["Allow"] = exc.headers["Allow"]
            return response
        return _error_response(exc.status, _HTTP_CODES.get(exc.status, "HTTP_ERROR"), exc.reason)
    except asyncpg.DataError:
        # Values PostgreSQL cannot take (out-of-range numbers or dates) that validation let by.
        logger.warning("database rejected a value", exc_info=True)
        return _error_response(400, "VALIDATION_ERROR", "A value is out of the accepted range")
    except (ConnectionError, asyncpg.ConnectionDoesNotExistError, asyncpg.CannotConnectNowError, asyncpg.InterfaceError):
        logger.exception("backing service unavailable")
        return _error_response(503, "SERVICE_UNAVAILABLE", "A backing service is unavailable, try again shortly")
    except Exception:
        logger.exception("unhandled error")
        return _error_response(500, "INTERNAL_ERROR", f"Internal error (request id {request[REQUEST_ID]})")


@web.middleware
async def cors(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Answer preflights and tag replies for the configured origins (HUB_CORS_ORIGINS)."""
    allowed = request.app[SETTINGS].cors_origins
    origin = request.headers.get("Origin")
    if not allowed or not origin or ("*" not in allowed and origin not in allowed):
        return await handler(request)
    if request.method == "OPTIONS" and "Access-Control-Request-Method" in request.headers:
        response: web.StreamResponse = web.Response(status=204)
        response.headers["Access-Control-Allow-Methods"] = "GET, POST, PUT, PATCH, DELETE, OPTIONS"
        response.headers["Access-Control-Allow-Headers"] = request.headers.get(
            "Access-Control-Request-Headers", "Authorization, Content-Type, X-API-Key, X-Request-ID"
        )
        response.headers["Access-Control-Max-Age"] = "600"
    else:
        response = await handler(request)
    if not response.prepared:
        response.headers["Access-Control-Allow-Origin"] = origin
        response.headers["Vary"] = "Origin"
        response.headers["Access-Control-Expose-Headers"] = (
            "X-Request-ID, Retry-After, RateLimit-Limit, RateLimit-Remaining, RateLimit-Reset"
        )
    return response


MIDDLEWARES = (request_context, cors, error_envelope)
