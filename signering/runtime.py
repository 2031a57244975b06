"""Build the services from the environment, for commands and workers (no Flask involved).

Reads the same variables as the web app (see README): SIGNERING_DATABASE_URL, SIGNERING_DATA_DIR,
SIGNERING_INSTANCE_DIR, SIGNERING_BASE_URL, SIGNERING_SECRET_KEY, SIGNERING_TSA_URL, ...
"""

from __future__ import annotations

import os
import secrets

from . import keyfile
from .db import Database, default_url
from .errors import SigneringError
from .storage import BlobStore
from .workflow.services import Services, Settings


class ConfigError(SigneringError):
    """An environment variable has a value the service cannot use."""

    code = "invalid_configuration"
    http_status = 500


def env_flag(name: str) -> bool:
    """A 1/0 setting; anything else is refused rather than guessed (a typo must not open a door)."""
    value = os.environ.get(name, "").strip().lower()
    if value in ("", "0", "false", "no", "nej", "off"):
        return False
    if value in ("1", "true", "yes", "ja", "on"):
        return True
    raise ConfigError(f"{name} ska vara 1 eller 0, inte '{value}'. Rätta variabeln och starta om.",
                      f"{name} must be 1 or 0, not '{value}'. Correct the variable and start again.", variable=name)


def env_days(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip() or str(default)
    if not value.isdigit():
        raise ConfigError(f"{name} ska vara ett antal dagar (ett heltal), inte '{value}'. Rätta variabeln och starta om.",
                          f"{name} must be a number of days (a whole number), not '{value}'. Correct the variable "
                          f"and start again.", variable=name)
    return int(value)


def instance_dir() -> str:
    return os.path.abspath(os.environ.get("SIGNERING_INSTANCE_DIR", "instance"))


def secret_key(instance: str) -> bytes:
    env = os.environ.get("SIGNERING_SECRET_KEY")
    if env:
        return env.encode()
    return keyfile.read_or_create(os.path.join(instance, "secret_key"),
                                  lambda: secrets.token_hex(32).encode()).strip()


def settings_from_env() -> dict:
    env = os.environ
    instance = instance_dir()
    return {
        "INSTANCE_DIR": instance,
        "DATABASE_URL": env.get("SIGNERING_DATABASE_URL") or default_url(instance),
        "DATA_DIR": env.get("SIGNERING_DATA_DIR") or os.path.join(instance, "blobs"),
        "BASE_URL": env.get("SIGNERING_BASE_URL", "http://localhost:8000").rstrip("/"),
        "TSA_URL": env.get("SIGNERING_TSA_URL", ""),
        "MAX_UPLOAD_MB": int(env.get("SIGNERING_MAX_UPLOAD_MB", "100")),
        "REMINDER_DAYS": int(env.get("SIGNERING_REMINDER_DAYS", "3")),
        "RENEW_DAYS": env_days("SIGNERING_RENEW_DAYS", 365),
        "LANG": env.get("SIGNERING_LANG", "sv"),
        "WEBHOOK_ALLOW_HTTP": env_flag("SIGNERING_WEBHOOK_ALLOW_HTTP"),
        "WEBHOOK_ALLOWED_HOSTS": env.get("SIGNERING_WEBHOOK_ALLOWED_HOSTS", ""),
        "FORWARDED_ALLOW_IPS": env.get("SIGNERING_FORWARDED_ALLOW_IPS", "127.0.0.1"),
        # The service timestamps its own signatures on loopback; the public /tsa/<slug> is opt-in.
        "PUBLIC_TSA": env_flag("SIGNERING_PUBLIC_TSA"),
        # Empty: a file in the instance directory, made on first use (see the helpers below).
        "LOG_KEY_FILE": env.get("SIGNERING_LOG_KEY_FILE", ""),
        # The log's name in every checkpoint; fixed by the first checkpoint (see Settings.log_origin).
        "LOG_ORIGIN": env.get("SIGNERING_LOG_ORIGIN", "").strip(),
        # Witnesses whose cosignatures the log accepts (C2SP verifier keys, comma or space separated).
        "LOG_WITNESSES": log_witnesses(env.get("SIGNERING_LOG_WITNESSES", "")),
        "BACKUP_KEY_FILE": env.get("SIGNERING_BACKUP_KEY_FILE", ""),
        # Anonymous verification: files parsed at once on this machine, and how long one waits for a turn.
        "VERIFY_CONCURRENCY": int(env.get("SIGNERING_VERIFY_CONCURRENCY", "2")),
        "VERIFY_WAIT_S": float(env.get("SIGNERING_VERIFY_WAIT_S", "5")),
    }


def log_witnesses(text: str) -> str:
    """``SIGNERING_LOG_WITNESSES``, checked at start: a typo must not silently refuse every witness."""
    from .translog.cosignature import InvalidWitnessKey, parse_witnesses

    try:
        parse_witnesses(text)
    except InvalidWitnessKey as exc:
        raise ConfigError(f"SIGNERING_LOG_WITNESSES: {exc.message('sv')} Rätta variabeln och starta om.",
                          f"SIGNERING_LOG_WITNESSES: {exc.message('en')} Correct the variable and start again.",
                          variable="SIGNERING_LOG_WITNESSES") from None
    return text


def log_key_file(cfg: dict) -> str:
    """The installation's transparency-log signing key (PEM)."""
    return os.path.abspath(cfg.get("LOG_KEY_FILE") or os.path.join(cfg["INSTANCE_DIR"], "log_key.pem"))


def backup_key_file(cfg: dict) -> str:
    """The key that authenticates (and may encrypt) backups; it is never written into one."""
    return os.path.abspath(cfg.get("BACKUP_KEY_FILE") or os.path.join(cfg["INSTANCE_DIR"], "backup_key"))


def build_services(cfg: dict) -> Services:
    settings = Settings(base_url=cfg["BASE_URL"], secret_key=cfg["SECRET_KEY"], lang=cfg["LANG"],
                        max_upload_bytes=cfg["MAX_UPLOAD_MB"] * 1024 * 1024,
                        reminder_after_days=cfg["REMINDER_DAYS"], tsa_url=cfg["TSA_URL"],
                        renew_days=cfg.get("RENEW_DAYS", 365),
                        webhook_allow_http=bool(cfg.get("WEBHOOK_ALLOW_HTTP", False)),
                        webhook_allowed_hosts=cfg.get("WEBHOOK_ALLOWED_HOSTS", ""),
                        log_key_file=log_key_file(cfg) if cfg.get("LOG_KEY_FILE") or cfg.get("INSTANCE_DIR") else "",
                        log_origin=cfg.get("LOG_ORIGIN", ""), log_witnesses=cfg.get("LOG_WITNESSES", ""))
    return Services(db=Database(cfg["DATABASE_URL"]), blobs=BlobStore(cfg["DATA_DIR"]), settings=settings,
                    passphrase=os.environ.get)


def services_from_env(overrides: dict | None = None) -> Services:
    cfg = settings_from_env()
    cfg.update(overrides or {})
    cfg.setdefault("SECRET_KEY", secret_key(cfg["INSTANCE_DIR"]))
    return build_services(cfg)
