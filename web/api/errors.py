"""Errors only the API edge raises (the core's errors are rendered as they are)."""

from __future__ import annotations

from signering.errors import InputError, SigneringError


class Unauthorized(SigneringError):
    code = "unauthorized"
    http_status = 401
    default_sv = ("API-nyckel saknas. Skicka den i huvudet Authorization: Bearer <nyckel>; en nyckel skapas med "
                  "kommandot signering api-token create.")
    default_en = ("The API token is missing. Send it in the header Authorization: Bearer <token>; a token is "
                  "created with the command signering api-token create.")

    #: RFC 6750 error code for the WWW-Authenticate header ("" when no token was sent at all)
    bearer_error = ""


class InvalidToken(Unauthorized):
    default_sv = "API-nyckeln är ogiltig, återkallad eller har gått ut. Be administratören om en ny nyckel."
    default_en = "The API token is invalid, revoked or expired. Ask the administrator for a new token."
    bearer_error = "invalid_token"


class UnsupportedMediaType(SigneringError):
    code = "unsupported_media_type"
    http_status = 415
    default_sv = "Fel innehållstyp i begäran."
    default_en = "Wrong content type in the request."


class BodyTooLarge(SigneringError):
    code = "body_too_large"
    http_status = 413
    default_sv = "Begärans innehåll är för stort."
    default_en = "The request body is too large."


class InvalidJson(InputError):
    code = "invalid_json"
    default_sv = "Innehållet är inte giltig JSON."
    default_en = "The body is not valid JSON."


class NotSealed(SigneringError):
    code = "not_sealed"
    http_status = 409
    default_sv = ("Protokollet är inte förseglat ännu. Det förseglas när alla har signerat; fråga status med "
                  "GET /api/v1/protocols/{id} och försök igen då.")
    default_en = ("The protocol is not sealed yet. It is sealed when everyone has signed; check the status with "
                  "GET /api/v1/protocols/{id} and try again then.")
