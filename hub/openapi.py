"""OpenAPI 3.1 document built from the declared routes and their pydantic models."""

from __future__ import annotations

import re
import typing
from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from .http import API_PREFIX, Operation
from .models import ErrorEnvelope, PageMeta

REF = "#/components/schemas/{model}"
# Uploads (hub/uploads.py) carry the file in the form field `file`.
_UPLOAD_FORM = {"type": "object", "properties": {"file": {"type": "string", "format": "binary"}}, "required": ["file"]}
_PARAM = re.compile(r"\{(\w+)(?::[^}]*)?\}")


def _item_model(response: Any) -> tuple[type[BaseModel] | None, bool]:
    """(model, is_list) of a declared response: Model, list[Model] or None."""
    if typing.get_origin(response) is list:
        return typing.get_args(response)[0], True
    return response, False


def build_openapi(operations: list[Operation], *, version: str, title: str = "Recruit Hub API") -> dict[str, Any]:
    inputs: set[type[BaseModel]] = set()
    outputs: set[type[BaseModel]] = {ErrorEnvelope, PageMeta}
    for op in operations:
        if op.body is not None:
            inputs.add(op.body)
        model, _ = _item_model(op.response)
        if model is not None:
            outputs.add(model)
    keyed = [(m, "validation") for m in inputs] + [(m, "serialization") for m in outputs]
    key_map, defs = models_json_schema(keyed, by_alias=True, ref_template=REF)
    schemas = defs.get("$defs", {})

    def ref(model: type[BaseModel], mode: str) -> dict[str, Any]:
        return key_map[(model, mode)]

    error_ref = ref(ErrorEnvelope, "serialization")
    paths: dict[str, dict[str, Any]] = {}
    for op in operations:
        path = _PARAM.sub(r"{\1}", API_PREFIX + op.path)
        item: dict[str, Any] = {
            "operationId": f"{op.method.lower()}_{op.handler.__name__}",
            "summary": op.summary,
            "tags": [op.tag],
            "parameters": _parameters(op, path),
            "responses": {str(op.status): _success(op, ref), "default": _error_response(error_ref)},
        }
        for status in op.also_status:
            item["responses"][str(status)] = _success(op, ref)
        for status, description in op.extra_responses.items():
            item["responses"][str(status)] = {**_error_response(error_ref), "description": description}
        if op.auth:
            item["security"] = [{"bearerAuth": []}, {"apiKey": []}]
            if op.scope:
                item["x-scope"] = op.scope
        if op.body is not None:
            item["requestBody"] = {"required": True, "content": {"application/json": {"schema": ref(op.body, "validation")}}}
        elif op.content == "multipart/form-data":
            item["requestBody"] = {"required": True, "content": {"multipart/form-data": {"schema": _UPLOAD_FORM}}}
        paths.setdefault(path, {})[op.method.lower()] = item
    return {
        "openapi": "3.1.0",
        "info": {"title": title, "version": version},
        "servers": [{"url": "/"}],
        "paths": paths,
        "components": {
            "schemas": schemas,
            "securitySchemes": {
                "bearerAuth": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"},
                "apiKey": {"type": "apiKey", "in": "header", "name": "X-API-Key"},
            },
        },
    }


def _parameters(op: Operation, path: str) -> list[dict[str, Any]]:
    params: list[dict[str, Any]] = []
    for name in _PARAM.findall(path):
        schema: dict[str, Any] = {"type": "string"}
        if name == "id" or name.endswith("Id"):
            schema["format"] = "uuid"
        params.append({"name": name, "in": "path", "required": True, "schema": schema})
    if op.query is not None:
        query_schema = op.query.model_json_schema(by_alias=True, ref_template=REF)
        required = set(query_schema.get("required", []))
        for name, prop in query_schema.get("properties", {}).items():
            if prop.get("type") == "array" or any(p.get("type") == "array" for p in prop.get("anyOf", [])):
                params.append({"name": name, "in": "query", "required": name in required, "schema": prop,
                               "style": "form", "explode": False})
            else:
                params.append({"name": name, "in": "query", "required": name in required, "schema": prop})
    return params


def _success(op: Operation, ref: Any) -> dict[str, Any]:
    if op.content == "raw":
        return {"description": "OK", "content": {"*/*": {}}}
    model, is_list = _item_model(op.response)
    if model is None:
        data: dict[str, Any] = {"type": "object"}
    elif is_list:
        data = {"type": "array", "items": ref(model, "serialization")}
    else:
        data = ref(model, "serialization")
    envelope: dict[str, Any] = {"type": "object", "properties": {"data": data}, "required": ["data"]}
    if op.paginated:
        envelope["properties"]["meta"] = ref(PageMeta, "serialization")
        envelope["required"].append("meta")
    return {"description": "OK", "content": {"application/json": {"schema": envelope}}}


def _error_response(error_ref: dict[str, Any]) -> dict[str, Any]:
    return {"description": "Error envelope", "content": {"application/json": {"schema": error_ref}}}
