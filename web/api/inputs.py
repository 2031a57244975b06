"""Reading API input: every malformed value becomes a typed 4xx error that names the field.

Type checks happen here, before the core sees anything, because the core expects strings and
dates and would fail with an AttributeError (a 500) on a number or a list. The core still does
the domain checks (e-mail format, role order, board exists).
"""

from __future__ import annotations

import datetime as dt
import json
import re

from signering import legal_dates
from signering.errors import InputError
from signering.workflow.finalize import SignerInput

from .errors import BodyTooLarge, InvalidJson, UnsupportedMediaType
from signering.route import ProtocolStatus

METADATA_MAX_BYTES = 64 * 1024
DECISION_MAX_BYTES = 16 * 1024
MAX_SIGNERS = 50
MAX_LIMIT = 100
MAX_OFFSET = 10**9
# SQLite and PostgreSQL BIGINT: a larger id must be a 404, not an overflow inside the driver.
MAX_ID = 2**63 - 1

METADATA_FIELDS = ("board", "meeting_date", "signers", "protocol_id", "confirm_late")
SIGNER_FIELDS = ("name", "email", "role", "personnummer")
DECISION_FIELDS = ("code", "decision", "reason")
PROTOCOL_STATUSES = tuple(status.value for status in ProtocolStatus)
_NUMBER = re.compile(r"^[0-9]{1,10}$")


def _shown(name: object) -> str:
    # A field name comes from the caller; keep it short and printable before echoing it back.
    text = "".join(ch for ch in str(name) if ch.isprintable())
    return text if len(text) <= 40 else text[:40] + "…"


def parse_json(raw: bytes | str, what_sv: str, what_en: str, field: str):
    try:
        return json.loads(raw)
    except (ValueError, RecursionError):
        # RecursionError: deeply nested arrays are valid JSON that Python's parser cannot take.
        raise InvalidJson(f"{what_sv} är inte giltig JSON. Skicka ett JSON-objekt, t.ex. {{\"board\": \"...\"}}.",
                          f"{what_en} is not valid JSON. Send a JSON object, e.g. {{\"board\": \"...\"}}.",
                          field=field) from None


def _object(value, what_sv: str, what_en: str, field: str, allowed: tuple[str, ...]) -> dict:
    if not isinstance(value, dict):
        raise InputError(f"{what_sv} ska vara ett JSON-objekt ({{...}}), inte {_kind_sv(value)}.",
                         f"{what_en} must be a JSON object ({{...}}), not {_kind_en(value)}.", field=field)
    unknown = [k for k in value if k not in allowed]
    if unknown:
        name = _shown(unknown[0])
        raise InputError(f"{what_sv} har ett okänt fält \"{name}\". Tillåtna fält: {', '.join(allowed)}.",
                         f"{what_en} has an unknown field \"{name}\". Allowed fields: {', '.join(allowed)}.",
                         field=f"{field}.{name}" if field else name)
    return value


def _kind_sv(value) -> str:
    return {list: "en lista", str: "en text", bool: "ett sanningsvärde", type(None): "null"}.get(
        type(value), "ett tal" if isinstance(value, (int, float)) else "ett objekt")


def _kind_en(value) -> str:
    return {list: "a list", str: "a string", bool: "a boolean", type(None): "null"}.get(
        type(value), "a number" if isinstance(value, (int, float)) else "an object")


def _text(data: dict, key: str, field: str, *, label_sv: str, label_en: str, max_len: int,
          required: bool = True) -> str:
    value = data.get(key)
    if value is None and not required:
        return ""
    if value is None or (isinstance(value, str) and not value.strip()):
        raise InputError(f"{label_sv} saknas (fältet \"{field}\").", f"{label_en} is missing (field \"{field}\").",
                         field=field)
    if not isinstance(value, str):
        raise InputError(f"{label_sv} ska vara en text, inte {_kind_sv(value)} (fältet \"{field}\").",
                         f"{label_en} must be a string, not {_kind_en(value)} (field \"{field}\").", field=field)
    if len(value) > max_len:
        raise InputError(f"{label_sv} är för lång: högst {max_len} tecken (fältet \"{field}\").",
                         f"{label_en} is too long: at most {max_len} characters (field \"{field}\").", field=field)
    return value


def read_metadata(form, files) -> dict:
    """The ``metadata`` part: a form field, or a file part (some clients send JSON parts that way)."""
    raw = form.get("metadata")
    if raw is None and "metadata" in files:
        raw = files["metadata"].stream.read(METADATA_MAX_BYTES + 1)
        if len(raw) > METADATA_MAX_BYTES:
            raise BodyTooLarge(f"Delen metadata är för stor (högst {METADATA_MAX_BYTES // 1024} kB).",
                               f"The metadata part is too large (at most {METADATA_MAX_BYTES // 1024} kB).")
    if raw is None or not raw.strip():
        raise InputError("Delen \"metadata\" saknas. Skicka den som JSON med board, meeting_date och signers.",
                         "The \"metadata\" part is missing. Send it as JSON with board, meeting_date and signers.",
                         field="metadata")
    if len(raw) > METADATA_MAX_BYTES:
        raise BodyTooLarge(f"Delen metadata är för stor (högst {METADATA_MAX_BYTES // 1024} kB).",
                           f"The metadata part is too large (at most {METADATA_MAX_BYTES // 1024} kB).")
    return _object(parse_json(raw, "Delen \"metadata\"", "The \"metadata\" part", "metadata"),
                   "Delen \"metadata\"", "The \"metadata\" part", "metadata", METADATA_FIELDS)


def protocol_metadata(data: dict) -> tuple[str, dt.date, list[SignerInput], int | None]:
    """(board, meeting_date, signers, protocol_id) from the checked metadata object."""
    board = _text(data, "board", "board", label_sv="Nämnden", label_en="The board", max_len=200)
    day = _text(data, "meeting_date", "meeting_date", label_sv="Sammanträdesdatum", label_en="The meeting date",
                max_len=40)
    meeting_date = legal_dates.parse_date(day, "Sammanträdesdatum (fältet \"meeting_date\")",
                                          "The meeting date (field \"meeting_date\")")
    signers = data.get("signers")
    if not isinstance(signers, list) or not signers:
        raise InputError("Undertecknarna saknas (fältet \"signers\"): ange en lista med namn, e-post och roll, "
                         "i ordningen sekreterare, ordforande, justerare.",
                         "The signers are missing (field \"signers\"): give a list with name, email and role, "
                         "in the order sekreterare, ordforande, justerare.", field="signers")
    if len(signers) > MAX_SIGNERS:
        raise InputError(f"För många undertecknare: högst {MAX_SIGNERS} (fältet \"signers\").",
                         f"Too many signers: at most {MAX_SIGNERS} (field \"signers\").", field="signers")
    people = []
    for i, item in enumerate(signers):
        where = f"signers[{i}]"
        item = _object(item, f"Undertecknare {i + 1} (\"{where}\")", f"Signer {i + 1} (\"{where}\")", where,
                       SIGNER_FIELDS)
        people.append(SignerInput(
            name=_text(item, "name", f"{where}.name", label_sv=f"Undertecknare {i + 1}: namnet",
                       label_en=f"Signer {i + 1}: the name", max_len=200),
            email=_text(item, "email", f"{where}.email", label_sv=f"Undertecknare {i + 1}: e-postadressen",
                        label_en=f"Signer {i + 1}: the e-mail address", max_len=254),
            role=_text(item, "role", f"{where}.role", label_sv=f"Undertecknare {i + 1}: rollen",
                       label_en=f"Signer {i + 1}: the role", max_len=20),
            personnummer=_text(item, "personnummer", f"{where}.personnummer",
                               label_sv=f"Undertecknare {i + 1}: personnumret",
                               label_en=f"Signer {i + 1}: the personal identity number", max_len=20, required=False),
        ))
    protocol_id = data.get("protocol_id")
    if protocol_id is not None and (isinstance(protocol_id, bool) or not isinstance(protocol_id, int)
                                    or not 0 < protocol_id <= MAX_ID):
        raise InputError("Fältet \"protocol_id\" ska vara ett positivt heltal: id för protokollet som får en ny "
                         "version.", "The field \"protocol_id\" must be a positive integer: the id of the protocol "
                         "that gets a new version.", field="protocol_id")
    return board, meeting_date, people, protocol_id


def confirm_late(data: dict) -> bool:
    """``confirm_late``: the caller knows the justering deadline has passed and sends the protocol anyway."""
    value = data.get("confirm_late", False)
    if not isinstance(value, bool):
        raise InputError("Fältet \"confirm_late\" ska vara true eller false.",
                         "The field \"confirm_late\" must be true or false.", field="confirm_late")
    return value


def decision_body(request) -> tuple[str, str, str]:
    """(code, decision, reason) from a JSON body of at most a few kilobytes."""
    if not request.is_json:
        raise UnsupportedMediaType(
            "Skicka beslutet som JSON (Content-Type: application/json), t.ex. {\"code\": \"123456\", "
            "\"decision\": \"sign\"}.",
            "Send the decision as JSON (Content-Type: application/json), e.g. {\"code\": \"123456\", "
            "\"decision\": \"sign\"}.")
    if (request.content_length or 0) > DECISION_MAX_BYTES:
        raise _too_large_decision()
    raw = request.stream.read(DECISION_MAX_BYTES + 1)
    if len(raw) > DECISION_MAX_BYTES:
        raise _too_large_decision()
    data = _object(parse_json(raw, "Innehållet", "The body", ""), "Innehållet", "The body", "", DECISION_FIELDS)
    code = _text(data, "code", "code", label_sv="Koden", label_en="The code", max_len=20)
    decision = _text(data, "decision", "decision", label_sv="Beslutet", label_en="The decision", max_len=20)
    reason = _text(data, "reason", "reason", label_sv="Motiveringen", label_en="The reason", max_len=2000,
                   required=False)
    return code, decision, reason


def _too_large_decision() -> BodyTooLarge:
    return BodyTooLarge(f"Innehållet är för stort (högst {DECISION_MAX_BYTES // 1024} kB).",
                        f"The body is too large (at most {DECISION_MAX_BYTES // 1024} kB).")


def page(args) -> tuple[int, int, str | None]:
    """(limit, offset, status) from the query string of a list request."""
    limit = _number(args, "limit", 20, 1, MAX_LIMIT)
    offset = _number(args, "offset", 0, 0, MAX_OFFSET)
    status = args.get("status")
    if status is not None and status not in PROTOCOL_STATUSES:
        raise InputError(f"Okänd status i \"status\". Använd en av: {', '.join(PROTOCOL_STATUSES)}.",
                         f"Unknown value of \"status\". Use one of: {', '.join(PROTOCOL_STATUSES)}.", field="status")
    return limit, offset, status


def _number(args, name: str, default: int, low: int, high: int) -> int:
    text = args.get(name)
    if text is None or text == "":
        return default
    if not _NUMBER.match(text) or not low <= int(text) <= high:
        raise InputError(f"\"{name}\" ska vara ett heltal från {low} till {high}.",
                         f"\"{name}\" must be an integer from {low} to {high}.", field=name)
    return int(text)
