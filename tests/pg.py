"""A fresh PostgreSQL database per test, on the local server CI starts (trust auth)."""

from __future__ import annotations

import contextlib
import secrets

import psycopg

PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/test"


@contextlib.contextmanager
def fresh_database(prefix: str):
    """Yield a SQLAlchemy URL of a new, empty database; drop it afterwards."""
    name = f"{prefix}_{secrets.token_hex(5)}"
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
    finally:
        with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
