"""Configuration from the environment (the same variables the commands read; see README)."""

from __future__ import annotations

from signering.runtime import secret_key, settings_from_env


def from_env(overrides: dict | None = None) -> dict:
    cfg = settings_from_env()
    cfg.update(overrides or {})
    if "SECRET_KEY" not in cfg:
        cfg["SECRET_KEY"] = secret_key(cfg["INSTANCE_DIR"])
    return cfg
