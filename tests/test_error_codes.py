"""The error codes are a public contract: README's table lists every one, with its HTTP status."""

from __future__ import annotations

import importlib
import os
import pkgutil
import re

import signering
import web
from signering.errors import SigneringError

README = os.path.join(os.path.dirname(os.path.dirname(__file__)), "README.md")


def _error_classes() -> list[type]:
    for package in (signering, web):
        for module in pkgutil.walk_packages(package.__path__, package.__name__ + "."):
            if ".migrations" not in module.name:
                importlib.import_module(module.name)

    def below(cls):
        for sub in cls.__subclasses__():
            yield sub
            yield from below(sub)

    return list(below(SigneringError))


def _readme_table() -> dict[str, int]:
    with open(README, encoding="utf-8") as fh:
        text = fh.read()
    section = text.split("### Error codes", 1)[1].split("\n## ", 1)[0]
    return {m.group(1): int(m.group(2)) for m in re.finditer(r"^\| `([a-z0-9_]+)` \| (\d{3}) \|", section, re.M)}


def test_every_error_code_is_in_the_readme_table_with_its_status():
    by_code: dict[str, set[int]] = {}
    for cls in _error_classes():
        by_code.setdefault(cls.code, set()).add(cls.http_status)
    # One code, one HTTP status: a client may branch on either.
    assert {code: statuses for code, statuses in by_code.items() if len(statuses) > 1} == {}
    assert {code: statuses.pop() for code, statuses in by_code.items()} == _readme_table()


def test_every_error_has_both_languages():
    for cls in _error_classes():
        assert cls.default_sv and cls.default_en, cls
        assert re.fullmatch(r"[a-z0-9_]+", cls.code), cls
