"""Build the services from the environment, for commands and workers (no Flask involved).

Reads the same variables as the web app (see README): SIGNERING_DATABASE_URL, SIGNERING_DATA_DIR,
SIGNERING_INSTANCE_DIR, SIGNERING_BASE_URL, SIGNERING_SECRET_KEY, SIGNERING_TSA_URL, ...
"""

from __future__ import annotations

import os
import secrets

from .db import Database, default_url
from .storage import BlobStore
from .workflow.services import Services, Settings


def instance_dir() -> str:
    return os.path.abspath(os.environ.get("SIGNERING_INSTANCE_DIR", "instance"))


def secret_key(instance: str) -> bytes:
    env = os.environ.get("SIGNERING_SECRET_KEY")
    if env:
        return env.encode()
    path = os.path.join(instance, "secret_key")
    os.makedirs(instance, exist_ok=True)
    try:
        # O_EXCL: several processes starting at once end up sharing one key.
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(secrets.token_hex(32))
    except FileExistsError:
        pass
    with open(path) as fh:
        return fh.read().strip().encode()


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
        "LANG": env.get("SIGNERING_LANG", "sv"),
        # Anonymous verification: files parsed at once on this machine, and how long one waits for a turn.
        "VERIFY_CONCURRENCY": int(env.get("SIGNERING_VERIFY_CONCURRENCY", "2")),
        "VERIFY_WAIT_S": float(env.get("SIGNERING_VERIFY_WAIT_S", "5")),
    }


def build_services(cfg: dict) -> Services:
    settings = Settings(base_url=cfg["BASE_URL"], secret_key=cfg["SECRET_KEY"], lang=cfg["LANG"],
                        max_upload_bytes=cfg["MAX_UPLOAD_MB"] * 1024 * 1024,
                        reminder_after_days=cfg["REMINDER_DAYS"], tsa_url=cfg["TSA_URL"])
    return Services(db=Database(cfg["DATABASE_URL"]), blobs=BlobStore(cfg["DATA_DIR"]), settings=settings)


def services_from_env(overrides: dict | None = None) -> Services:
    cfg = settings_from_env()
    cfg.update(overrides or {})
    cfg.setdefault("SECRET_KEY", secret_key(cfg["INSTANCE_DIR"]))
    return build_services(cfg)
