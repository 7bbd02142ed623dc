"""The REST toolkit: declared routes, request parsing, the success envelope.

A route is declared once with its models, auth and scope; the same declaration drives the
request handling below and the OpenAPI document (hub/openapi.py).
"""

from __future__ import annotations

import json
import math
import re
import typing
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from aiohttp import web
from pydantic import BaseModel, ValidationError

from .auth.principal import Principal
from .errors import PayloadTooLarge, Unauthenticated, UnsupportedMediaType, ValidationFailed
from .keys import AUTH, SETTINGS
from .models import PageMeta, PageQuery

API_PREFIX = "/api/v1"
PRINCIPAL = web.RequestKey("principal", Principal)
API_KEY_RECORD = web.RequestKey("api_key", dict)  # the key row, for rate limits and audit
Handler = Callable[..., Awaitable[web.StreamResponse]]


@dataclass
class Operation:
    method: str
    path: str  # relative to API_PREFIX
    handler: Handler
    summary: str
    tag: str
    body: type[BaseModel] | None = None
    query: type[BaseModel] | None = None
    response: Any = None  # a model, list[model], or None for {}
    status: int = 200
    auth: bool = True
    scope: str | None = None
    roles: frozenset[str] | None = None
    paginated: bool = False
    content: str = "application/json"  # "multipart/form-data" for uploads; "raw" for non-JSON replies
    extra_responses: dict[int, str] = field(default_factory=dict)  # error statuses worth naming
    also_status: tuple[int, ...] = ()  # other success statuses with the same reply (200 vs 201)


class ApiRoutes:
    """Collects a module's operations; `register(app)` mounts them under /api/v1."""

    def __init__(self, tag: str) -> None:
        self.tag = tag
        self.operations: list[Operation] = []

    def route(self, method: str, path: str, **options: Any) -> Callable[[Handler], Handler]:
        def decorate(handler: Handler) -> Handler:
            summary = options.pop("summary", None) or (handler.__doc__ or handler.__name__).strip().splitlines()[0]
            self.operations.append(
                Operation(method=method, path=path, handler=handler, summary=summary, tag=options.pop("tag", self.tag), **options)
            )
            return handler

        return decorate

    def get(self, path: str, **options: Any) -> Callable[[Handler], Handler]:
        return self.route("GET", path, **options)

    def post(self, path: str, **options: Any) -> Callable[[Handler], Handler]:
        return self.route("POST", path, **options)

    def put(self, path: str, **options: Any) -> Callable[[Handler], Handler]:
        return self.route("PUT", path, **options)

    def patch(self, path: str, **options: Any) -> Callable[[Handler], Handler]:
        return self.route("PATCH", path, **options)

    def delete(self, path: str, **options: Any) -> Callable[[Handler], Handler]:
        return self.route("DELETE", path, **options)


OPERATIONS = web.AppKey("operations", list[Operation])


def register(app: web.Application, *modules: ApiRoutes) -> None:
    operations = app.setdefault(OPERATIONS, [])
    for module in modules:
        for op in module.operations:
            app.router.add_route(op.method, API_PREFIX + op.path, _wrap(op))
            operations.append(op)


def _wrap(op: Operation) -> Handler:
    async def handle(request: web.Request) -> web.StreamResponse:
        if op.auth:
            principal = await authenticate(request)
            if op.roles is not None:
                principal.require_role(op.roles)
            if op.scope is not None:
                principal.require_scope(op.scope)
        _check_path_ids(request)
        kwargs: dict[str, Any] = {}
        if op.query is not None:
            kwargs["query"] = parse_query(request, op.query)
        if op.body is not None:
            kwargs["body"] = await read_json(request, op.body)
        return await op.handler(request, **kwargs)

    handle.__name__ = op.handler.__name__
    return handle


# -- auth -------------------------------------------------------------------------------


async def authenticate(request: web.Request) -> Principal:
    """Resolve `Authorization: Bearer` or `X-API-Key` to a Principal (cached on the request)."""
    if (cached := request.get(PRINCIPAL)) is not None:
        return cached
    auth = request.app[AUTH]
    api_key = request.headers.get("X-API-Key")
    header = request.headers.get("Authorization", "")
    if api_key:
        principal, key = await auth.principal_from_api_key(api_key.strip(), request.remote)
        request[API_KEY_RECORD] = key
    elif header.lower().startswith("bearer "):
        principal = auth.principal_from_access_token(header[7:].strip())
    else:
        raise Unauthenticated("Authentication required: send a Bearer token or an X-API-Key header")
    request[PRINCIPAL] = principal
    return principal


def principal_of(request: web.Request) -> Principal:
    principal = request.get(PRINCIPAL)
    if principal is None:  # a route declared auth=False asked for its principal: a coding error
        raise RuntimeError("route is not authenticated")
    return principal


# -- parsing ----------------------------------------------------------------------------

_ID_PARAM = re.compile(r"(^id$|Id$|_id$)")


def _check_path_ids(request: web.Request) -> None:
    for name, value in request.match_info.items():
        if _ID_PARAM.search(name):
            try:
                UUID(value)
            except ValueError:
                raise ValidationFailed(f"{name} must be a UUID", details={"field": name}) from None


def path_id(request: web.Request, name: str = "id") -> UUID:
    return UUID(request.match_info[name])


def _reject_nul(value: Any, where: str = "body") -> None:
    """PostgreSQL text cannot hold NUL characters; refuse them at the edge, not as a 500."""
    if isinstance(value, str):
        if "\x00" in value:
            raise ValidationFailed("Text must not contain NUL characters", details={"field": where})
    elif isinstance(value, dict):
        for k, v in value.items():
            _reject_nul(k, where)
            _reject_nul(v, str(k))
    elif isinstance(value, list):
        for v in value:
            _reject_nul(v, where)


def validation_details(exc: ValidationError) -> dict[str, Any]:
    errors = [
        {"field": ".".join(str(p) for p in err["loc"]) or "body", "message": err["msg"], "type": err["type"]}
        for err in exc.errors(include_url=False, include_context=False, include_input=False)
    ]
    return {"errors": errors}


def validate(model: type[BaseModel], data: Any) -> Any:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise ValidationFailed("Request validation failed", details=validation_details(exc)) from None


async def read_json(request: web.Request, model: type[BaseModel]) -> Any:
    """Parse and validate a JSON body: 415 wrong type, 413 too large, 400 malformed."""
    if request.content_type not in ("application/json",) and not request.content_type.endswith("+json"):
        raise UnsupportedMediaType("Send the body as application/json")
    limit = request.app[SETTINGS].max_body_bytes
    if request.content_length is not None and request.content_length > limit:
        raise PayloadTooLarge(f"Body exceeds {limit} bytes")
    raw = await request.content.read(limit + 1)
    if len(raw) > limit:
        raise PayloadTooLarge(f"Body exceeds {limit} bytes")
    try:
        data = json.loads(raw or b"null")
    except (ValueError, UnicodeDecodeError):
        raise ValidationFailed("Body is not valid JSON") from None
    if not isinstance(data, dict):
        raise ValidationFailed("Body must be a JSON object")
    _reject_nul(data)
    return validate(model, data)


def _is_list_field(annotation: Any) -> bool:
    if typing.get_origin(annotation) in (list, tuple, set, frozenset):
        return True
    return any(_is_list_field(arg) for arg in typing.get_args(annotation) if arg is not type(None))


def parse_query(request: web.Request, model: type[BaseModel]) -> Any:
    data: dict[str, Any] = {}
    list_names: set[str] = set()
    for name, info in model.model_fields.items():
        if _is_list_field(info.annotation):
            list_names.update({name, info.alias or name})
    for key in set(request.query.keys()):
        values = request.query.getall(key)
        if key in list_names:
            data[key] = [part.strip() for v in values for part in v.split(",") if part.strip()]
        else:
            data[key] = values[-1]
    _reject_nul(data, "query")
    return validate(model, data)


# -- replies ----------------------------------------------------------------------------


def to_jsonable(value: Any) -> Any:
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json", by_alias=True)
    if isinstance(value, list | tuple):
        return [to_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {k: to_jsonable(v) for k, v in value.items()}
    return value


def ok(data: Any = None, *, status: int = 200, meta: dict[str, Any] | BaseModel | None = None,
       headers: dict[str, str] | None = None) -> web.Response:
    """The success envelope: {"data": ..., "meta": {...}}."""
    body: dict[str, Any] = {"data": to_jsonable({} if data is None else data)}
    if meta is not None:
        body["meta"] = to_jsonable(meta)
    return web.json_response(body, status=status, headers=headers)


def page(items: Iterable[Any], *, total: int, query: PageQuery) -> web.Response:
    meta = PageMeta(
        page=query.page,
        per_page=query.per_page,
        total=total,
        total_pages=math.ceil(total / query.per_page) if total else 0,
    )
    return ok(list(items), meta=meta)
