"""Typed settings read once from the environment (and an optional `.env`)."""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from dotenv import dotenv_values


class SettingsError(Exception):
    """A setting is missing or malformed; the message names it."""


def _as_bool(name: str, raw: str) -> bool:
    value = raw.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off", ""}:
        return False
    raise SettingsError(f"{name} must be a boolean (true/false), got {raw!r}")


def _as_int(name: str, raw: str, *, minimum: int | None = None, maximum: int | None = None) -> int:
    try:
        value = int(raw.strip())
    except ValueError:
        raise SettingsError(f"{name} must be a whole number, got {raw!r}") from None
    if minimum is not None and value < minimum:
        raise SettingsError(f"{name} must be at least {minimum}, got {value}")
    if maximum is not None and value > maximum:
        raise SettingsError(f"{name} must be at most {maximum}, got {value}")
    return value


def _as_float(name: str, raw: str, *, minimum: float = 0.0) -> float:
    try:
        value = float(raw.strip())
    except ValueError:
        raise SettingsError(f"{name} must be a number, got {raw!r}") from None
    if value < minimum:
        raise SettingsError(f"{name} must be at least {minimum}, got {value}")
    return value


def _as_list(raw: str) -> tuple[str, ...]:
    return tuple(item.strip() for item in raw.split(",") if item.strip())


@dataclass(frozen=True)
class Settings:
    """Every knob of the hub; see the README's settings table for the environment names."""

    host: str = "127.0.0.1"
    port: int = 8080
    database_url: str | None = None  # None: embedded PostgreSQL in data_dir
    data_dir: Path = Path(".hub-data")
    redis_url: str | None = None  # None: in-process fan-out, presence and limits
    jwt_secret: str = ""  # "" : generated once and kept in data_dir
    access_token_ttl: int = 900  # seconds
    refresh_token_ttl: int = 30 * 24 * 3600  # seconds
    max_body_bytes: int = 1024 * 1024  # bytes, JSON bodies
    max_upload_bytes: int = 200 * 1024 * 1024  # bytes, multipart uploads
    cors_origins: tuple[str, ...] = ()
    log_level: str = "INFO"
    log_format: str = "json"  # json | text
    workers: int = 2  # in-process job runners for `hub serve`; 0 turns them off
    job_lease_seconds: float = 30.0  # a crashed worker's job is retried after this
    job_poll_seconds: float = 2.0  # fallback poll when no NOTIFY arrives
    media_dir: Path = Path(".hub-data/media")
    public_url: str = ""  # "" : http://host:port
    heartbeat_interval: float = 25.0  # seconds, presence
    webhook_allow_private: bool = False
    livekit_url: str | None = None
    livekit_api_key: str | None = None
    livekit_api_secret: str | None = None
    smtp_url: str | None = None
    mail_from: str = "Recruit Hub <no-reply@recruit-hub.local>"
    whisper_engine: str = "faster-whisper"
    whisper_model: str | None = None  # None: the bundled tiny.en model
    whisper_threads: int = 0
    phone_regions: tuple[str, ...] = ("US", "PH", "IN", "GB")
    extra: dict[str, str] = field(default_factory=dict, compare=False)

    @property
    def base_url(self) -> str:
        return self.public_url.rstrip("/") or f"http://{self.host}:{self.port}"

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, *, env_file: str | None = ".env") -> Settings:
        """Read settings; `.env` values fill in what the environment does not set."""
        values: dict[str, str] = {}
        if env_file and Path(env_file).is_file():
            values.update({k: v for k, v in dotenv_values(env_file).items() if v is not None})
        values.update(os.environ if environ is None else environ)
        return cls.from_mapping(values)

    @classmethod
    def from_mapping(cls, env: Mapping[str, str]) -> Settings:
        kw: dict[str, Any] = {}

        def text(name: str) -> str | None:
            raw = env.get(name)
            return raw.strip() if raw is not None and raw.strip() else None

        if (v := text("HUB_HOST")) is not None:
            kw["host"] = v
        if (v := text("HUB_PORT") or text("PORT")) is not None:
            kw["port"] = _as_int("HUB_PORT", v, minimum=0, maximum=65535)
        kw["database_url"] = text("DATABASE_URL")
        if kw["database_url"] and not kw["database_url"].startswith(("postgres://", "postgresql://")):
            raise SettingsError("DATABASE_URL must start with postgresql:// or postgres://")
        if (v := text("HUB_DATA_DIR")) is not None:
            kw["data_dir"] = Path(v)
        kw["redis_url"] = text("REDIS_URL")
        if kw["redis_url"] and not kw["redis_url"].startswith(("redis://", "rediss://", "unix://")):
            raise SettingsError("REDIS_URL must start with redis://, rediss:// or unix://")
        if (v := text("HUB_JWT_SECRET")) is not None:
            if len(v) < 32:
                raise SettingsError("HUB_JWT_SECRET must be at least 32 characters")
            kw["jwt_secret"] = v
        for name, attr, lo in (
            ("HUB_ACCESS_TOKEN_TTL", "access_token_ttl", 10),
            ("HUB_REFRESH_TOKEN_TTL", "refresh_token_ttl", 60),
            ("HUB_MAX_BODY_BYTES", "max_body_bytes", 1024),
            ("HUB_MAX_UPLOAD_BYTES", "max_upload_bytes", 1024),
            ("HUB_WORKERS", "workers", 0),
            ("HUB_WHISPER_THREADS", "whisper_threads", 0),
        ):
            if (v := text(name)) is not None:
                kw[attr] = _as_int(name, v, minimum=lo)
        for name, attr, flo in (
            ("HUB_JOB_LEASE_SECONDS", "job_lease_seconds", 1.0),
            ("HUB_JOB_POLL_SECONDS", "job_poll_seconds", 0.05),
            ("HUB_HEARTBEAT_INTERVAL", "heartbeat_interval", 0.1),
        ):
            if (v := text(name)) is not None:
                kw[attr] = _as_float(name, v, minimum=flo)
        if (v := text("HUB_CORS_ORIGINS")) is not None:
            kw["cors_origins"] = _as_list(v)
        if (v := text("HUB_LOG_LEVEL")) is not None:
            if v.upper() not in {"DEBUG", "INFO", "WARNING", "ERROR"}:
                raise SettingsError(f"HUB_LOG_LEVEL must be DEBUG, INFO, WARNING or ERROR, got {v!r}")
            kw["log_level"] = v.upper()
        if (v := text("HUB_LOG_FORMAT")) is not None:
            if v not in {"json", "text"}:
                raise SettingsError(f"HUB_LOG_FORMAT must be json or text, got {v!r}")
            kw["log_format"] = v
        if (v := text("HUB_MEDIA_DIR")) is not None:
            kw["media_dir"] = Path(v)
        elif "data_dir" in kw:
            kw["media_dir"] = kw["data_dir"] / "media"
        if (v := text("HUB_PUBLIC_URL")) is not None:
            kw["public_url"] = v
        if (v := text("HUB_WEBHOOK_ALLOW_PRIVATE")) is not None:
            kw["webhook_allow_private"] = _as_bool("HUB_WEBHOOK_ALLOW_PRIVATE", v)
        livekit = {n: text(n) for n in ("LIVEKIT_URL", "LIVEKIT_API_KEY", "LIVEKIT_API_SECRET")}
        if any(livekit.values()) and not all(livekit.values()):
            missing = ", ".join(n for n, v in livekit.items() if not v)
            raise SettingsError(f"LiveKit needs LIVEKIT_URL, LIVEKIT_API_KEY and LIVEKIT_API_SECRET; missing {missing}")
        kw["livekit_url"] = livekit["LIVEKIT_URL"]
        kw["livekit_api_key"] = livekit["LIVEKIT_API_KEY"]
        kw["livekit_api_secret"] = livekit["LIVEKIT_API_SECRET"]
        kw["smtp_url"] = text("SMTP_URL")
        if (v := text("HUB_MAIL_FROM")) is not None:
            kw["mail_from"] = v
        if (v := text("HUB_WHISPER_ENGINE")) is not None:
            if v not in {"faster-whisper", "openai-whisper"}:
                raise SettingsError(f"HUB_WHISPER_ENGINE must be faster-whisper or openai-whisper, got {v!r}")
            kw["whisper_engine"] = v
        kw["whisper_model"] = text("HUB_WHISPER_MODEL")
        if (v := text("HUB_PHONE_REGIONS")) is not None:
            kw["phone_regions"] = tuple(r.upper() for r in _as_list(v))
        kw["extra"] = {k: v for k, v in env.items() if k.startswith("HUB_")}
        return cls(**kw)

    def replace(self, **changes: Any) -> Settings:
        current = {f.name: getattr(self, f.name) for f in fields(self)}
        current.update(changes)
        return Settings(**current)


def ensure_jwt_secret(settings: Settings) -> Settings:
    """Embedded mode keeps a generated signing key in the data dir so restarts keep sessions."""
    if settings.jwt_secret:
        return settings
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    path = settings.data_dir / "jwt-secret"
    if not path.exists():
        # Write then link: two processes starting at once agree on one key.
        tmp = settings.data_dir / f".jwt-secret.{os.getpid()}"
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(secrets.token_urlsafe(48))
        try:
            os.link(tmp, path)
        except FileExistsError:
            pass
        finally:
            tmp.unlink()
    return settings.replace(jwt_secret=path.read_text().strip())
