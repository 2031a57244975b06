"""Gunicorn access logging without secrets: signing-link tokens in paths are masked."""

from __future__ import annotations

import re

from gunicorn.glogging import Logger

_TOKEN_PATHS = re.compile(r"(/signera/|/api/v1/sign/)[^/?\s]+")


#: the IdP's answer: a one-time code and the login's state
_CALLBACK_QUERY = re.compile(r"(/oidc/callback)\?[^\s]*")


def mask(text: str) -> str:
    return _CALLBACK_QUERY.sub(r"\1?[masked]", _TOKEN_PATHS.sub(r"\1[token]", text))


class MaskingLogger(Logger):
    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        for key in ("U", "r", "{raw_uri}e"):
            if isinstance(atoms.get(key), str):
                atoms[key] = mask(atoms[key])
        atoms["f"] = "-"  # the Referer could carry a token from another site's link
        return atoms
