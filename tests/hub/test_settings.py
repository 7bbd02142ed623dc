"""Settings: typed, read from the environment, loud and precise about bad values."""

from __future__ import annotations

from pathlib import Path

import pytest

from hub.settings import Settings, SettingsError, ensure_jwt_secret


def test_defaults_need_no_environment() -> None:
    settings = Settings.from_mapping({})
    assert settings.database_url is None and settings.redis_url is None
    assert settings.port == 8080 and settings.workers == 2


def test_values_are_parsed_and_typed() -> None:
    settings = Settings.from_mapping(
        {"HUB_PORT": "9000", "DATABASE_URL": "postgresql://u@h/db", "REDIS_URL": "redis://r:6379/1",
         "HUB_CORS_ORIGINS": "https://a.example, https://b.example", "HUB_WEBHOOK_ALLOW_PRIVATE": "yes",
         "HUB_HEARTBEAT_INTERVAL": "5"}
    )
    assert settings.port == 9000
    assert settings.cors_origins == ("https://a.example", "https://b.example")
    assert settings.webhook_allow_private is True and settings.heartbeat_interval == 5.0


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"HUB_PORT": "eighty"}, "HUB_PORT must be a whole number"),
        ({"HUB_PORT": "70000"}, "HUB_PORT must be at most 65535"),
        ({"DATABASE_URL": "mysql://x"}, "DATABASE_URL must start with postgresql://"),
        ({"REDIS_URL": "http://x"}, "REDIS_URL must start with redis://"),
        ({"HUB_JWT_SECRET": "short"}, "HUB_JWT_SECRET must be at least 32 characters"),
        ({"HUB_WEBHOOK_ALLOW_PRIVATE": "maybe"}, "HUB_WEBHOOK_ALLOW_PRIVATE must be a boolean"),
        ({"LIVEKIT_URL": "wss://lk.example"}, "missing LIVEKIT_API_KEY, LIVEKIT_API_SECRET"),
        ({"HUB_WHISPER_ENGINE": "vosk"}, "HUB_WHISPER_ENGINE must be faster-whisper or openai-whisper"),
    ],
)
def test_bad_values_name_the_setting(env: dict[str, str], message: str) -> None:
    with pytest.raises(SettingsError, match=message):
        Settings.from_mapping(env)


def test_env_file_fills_in_unset_values(tmp_path: Path) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text("HUB_PORT=7001\nHUB_LOG_LEVEL=debug\n")
    settings = Settings.from_env({"HUB_LOG_LEVEL": "WARNING"}, env_file=str(env_file))
    assert settings.port == 7001 and settings.log_level == "WARNING"


def test_generated_jwt_secret_is_kept_across_restarts(tmp_path: Path) -> None:
    first = ensure_jwt_secret(Settings(data_dir=tmp_path))
    second = ensure_jwt_secret(Settings(data_dir=tmp_path))
    assert len(first.jwt_secret) >= 32 and first.jwt_secret == second.jwt_secret
