"""One error hierarchy, raised anywhere and turned into the JSON envelope in one place."""

from __future__ import annotations

from typing import Any


class HubError(Exception):
    """An error the caller should see: HTTP status, stable code, readable message."""

    status = 400
    code = "BAD_REQUEST"

    def __init__(self, message: str, *, details: dict[str, Any] | None = None, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = details or {}
        if code is not None:
            self.code = code

    def to_dict(self) -> dict[str, Any]:
        body: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.details:
            body["details"] = self.details
        return {"error": body}


class ValidationFailed(HubError):
    """The request is malformed or a field is invalid."""

    status = 400
    code = "VALIDATION_ERROR"


class Unauthenticated(HubError):
    """No credentials, or credentials that are invalid, expired or revoked."""

    status = 401
    code = "UNAUTHENTICATED"


class Forbidden(HubError):
    """The caller is known but may not do this (role, tenant attribution)."""

    status = 403
    code = "FORBIDDEN"


class InsufficientScope(Forbidden):
    """The credential lacks a scope the endpoint declares."""

    code = "INSUFFICIENT_SCOPE"

    def __init__(self, scope: str) -> None:
        super().__init__(f"This action needs the '{scope}' scope", details={"scope": scope})


class PlanRequired(Forbidden):
    """The agency's plan tier does not include this feature."""

    code = "PLAN_REQUIRED"

    def __init__(self, tier: str, feature: str) -> None:
        super().__init__(f"{feature} requires the {tier} plan", details={"requiredTier": tier})


class NotFound(HubError):
    """Unknown id, or an id of another agency (never 403 for those)."""

    status = 404
    code = "NOT_FOUND"


class MethodNotAllowed(HubError):
    status = 405
    code = "METHOD_NOT_ALLOWED"


class Conflict(HubError):
    """The request clashes with existing state (duplicate, already done)."""

    status = 409
    code = "CONFLICT"


class PayloadTooLarge(HubError):
    status = 413
    code = "PAYLOAD_TOO_LARGE"


class UnsupportedMediaType(HubError):
    status = 415
    code = "UNSUPPORTED_MEDIA_TYPE"


class RuleViolated(HubError):
    """Well-formed but against a domain rule (e.g. an illegal status transition)."""

    status = 422
    code = "RULE_VIOLATED"


class RateLimited(HubError):
    status = 429
    code = "RATE_LIMITED"

    def __init__(self, message: str, *, retry_after: int, headers: dict[str, str] | None = None) -> None:
        super().__init__(message, details={"retryAfter": retry_after})
        self.retry_after = retry_after
        self.headers = headers or {}


class ServiceUnavailable(HubError):
    status = 503
    code = "SERVICE_UNAVAILABLE"
