"""The hand-written OpenAPI 3.1 description of ``/api/v1``.

Written by hand rather than generated, so that it is the contract: the tests validate it with
openapi-spec-validator and check real responses against its schemas. Change it together with
the routes (``blueprint.py`` here, and the public routes for notices, verification and the
transparency log).
"""

from __future__ import annotations

import copy

from signering.verification.findings import Code, Severity
from signering.route import ProtocolStatus, RegistryStatus, RequestStatus

SHA256 = {"type": "string", "pattern": "^[0-9a-f]{64}$", "description": "SHA-256, 64 lower-case hex digits."}
DATE = {"type": "string", "format": "date", "examples": ["2025-09-23"]}
DATETIME = {"type": "string", "format": "date-time"}
HEX = {"type": "string", "pattern": "^[0-9a-f]*$"}
ROLE = {"type": "string", "enum": ["sekreterare", "ordforande", "justerare"],
        "description": "Signing order: sekreterare, then ordforande, then one or more justerare."}
PROTOCOL_STATUS = {"type": "string", "enum": [s.value for s in ProtocolStatus]}
SIGNER_STATUS = {"type": "string", "enum": [s.value for s in RequestStatus]}


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def _json(schema: dict, description: str) -> dict:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _error(description: str) -> dict:
    return _json(_ref("Error"), description)


def _errors(*codes: int) -> dict:
    text = {
        400: "The request could not be read.",
        401: "No API token, or an invalid, revoked or expired one (`WWW-Authenticate: Bearer`).",
        403: "Wrong or expired one-time code.",
        404: "Not found, or belonging to another organisation.",
        409: "Not possible in the protocol's current state; on signing links also `signature_in_progress`: "
             "this signer's signature is being made right now; retry after `Retry-After` seconds.",
        410: "The signing link has expired.",
        413: "The upload or body is too large.",
        415: "Wrong content type.",
        422: "Invalid input; `field` names the offending field.",
        423: "The signing link is locked after too many wrong codes.",
        429: "A code was sent moments ago; wait before asking again.",
        503: "A dependency (timestamp service, mail) is unavailable; retry later.",
    }
    return {str(code): _error(text[code]) for code in codes}


_PROTOCOL_ID = {"name": "id", "in": "path", "required": True, "description": "The protocol's id.",
                "schema": {"type": "integer", "minimum": 1}}
_LINK_TOKEN = {"name": "token", "in": "path", "required": True,
               "description": "The signer's personal link token (from the invitation e-mail). It is the credential.",
               "schema": {"type": "string", "maxLength": 200}}
_SHA_PATH = {"name": "sha256", "in": "path", "required": True, "schema": SHA256,
             "description": "SHA-256 of the original protocol (or of the sealed file)."}
_PDF = {"content": {"application/pdf": {"schema": {"type": "string", "contentMediaType": "application/pdf"}}}}
_BEARER = [{"bearerAuth": []}]
_PUBLIC = []

CHECKPOINT = {"type": "string", "description": "A C2SP signed-note checkpoint (docs/translog.md): origin, size and base64 root, each on its own line, a blank line, then signature lines `— <name> <base64(key hash ‖ signature)>`; the log's own line first (Ed25519, key name = origin), then any witness cosignatures. Check it against the pinned log key, never against a key this API serves."}

SCHEMAS = {
    "Error": {
        "type": "object",
        "required": ["error", "message"],
        "properties": {
            "error": {"type": "string", "description": "Stable machine-readable code, e.g. `unknown_board`.",
                      "examples": ["unknown_board"]},
            "message": {"type": "string", "description": "What is wrong and what to do; Swedish by default, "
                        "English with `?lang=en`."},
            "field": {"type": "string", "description": "The input field the error is about, when there is one.",
                      "examples": ["signers[1].email"]},
        },
    },
    "SignerInput": {
        "type": "object",
        "additionalProperties": False,
        "required": ["name", "email", "role"],
        "properties": {
            "name": {"type": "string", "minLength": 1, "maxLength": 200},
            "email": {"type": "string", "format": "email", "maxLength": 254},
            "role": ROLE,
            "personnummer": {"type": "string", "maxLength": 20,
                             "description": "Optional. Where the organisation identifies signers with "
                                            "e-legitimation, the login must carry this personal identity number "
                                            "(YYYYMMDD-NNNN). Stored only as a keyed hash; never shown back."},
        },
    },
    "ProtocolMetadata": {
        "type": "object",
        "additionalProperties": False,
        "description": "A field left out (board, meeting_date, signers) is read from the PDF, with the signers' "
                       "e-mail addresses from the board's member register; if it cannot be, the answer is 422 "
                       "naming the field.",
        "properties": {
            "board": {"type": "string", "minLength": 1, "maxLength": 200,
                      "description": "The board's name exactly as registered in the organisation."},
            "meeting_date": DATE,
            "signers": {"type": "array", "minItems": 3, "maxItems": 50, "items": _ref("SignerInput"),
                        "description": "In signing order: sekreterare, ordforande, then justerare."},
            "protocol_id": {"type": "integer", "minimum": 1,
                            "description": "Upload a new version of this protocol; its old route is voided."},
            "confirm_late": {"type": "boolean", "default": False,
                             "description": "Send the protocol although the last day for justering (14 days after "
                                            "the meeting) has passed. Without it such an upload is answered 409 "
                                            "justering_deadline_passed. A meeting date in the future is always "
                                            "refused (422 meeting_date_in_future)."},
        },
    },
    "ProtocolUpload": {
        "type": "object",
        "required": ["file", "metadata"],
        "properties": {
            "file": {"type": "string", "contentMediaType": "application/pdf",
                     "description": "The protocol as PDF, unsigned, not encrypted, without scripts."},
            "metadata": _ref("ProtocolMetadata"),
        },
    },
    "Signer": {
        "type": "object",
        "required": ["name", "email", "role", "position", "status", "signed_at"],
        "properties": {
            "name": {"type": "string"},
            "email": {"type": "string"},
            "role": ROLE,
            "position": {"type": "integer", "minimum": 0, "description": "0-based place in the signing order."},
            "status": SIGNER_STATUS,
            "signed_at": {"oneOf": [DATETIME, {"type": "null"}]},
        },
    },
    "ProtocolSummary": {
        "type": "object",
        "required": ["id", "board", "meeting_date", "status", "sha256", "sealed_sha256", "version", "created_at"],
        "properties": {
            "id": {"type": "integer"},
            "board": {"type": "string"},
            "meeting_date": DATE,
            "status": PROTOCOL_STATUS,
            "sha256": {**SHA256, "description": "SHA-256 of the uploaded original: the protocol's identity."},
            "sealed_sha256": {"oneOf": [SHA256, {"type": "null"}],
                              "description": "SHA-256 of the sealed PDF, once sealed."},
            "version": {"type": "integer", "minimum": 1},
            "created_at": DATETIME,
            "updated_at": DATETIME,
            "kind": {"type": "string", "enum": ["protokoll", "utdrag", "omedelbar"],
                     "description": "A full protocol, a protokollsutdrag (signed by the secretary alone) or a "
                                    "paragraph adjusted at once (omedelbar justering)."},
            "parent_id": {"type": ["integer", "null"], "description": "For an extract: the full protocol's id."},
            "paragraphs": {"type": "array", "items": {"type": "integer"},
                           "description": "The paragraphs (§) an extract covers; empty for a full protocol."},
        },
    },
    "Protocol": {
        "allOf": [
            _ref("ProtocolSummary"),
            {"type": "object", "required": ["signers"],
             "properties": {"signers": {"type": "array", "items": _ref("Signer")}}},
        ],
    },
    "UploadWarning": {
        "type": "object",
        "required": ["code", "message"],
        "properties": {
            "code": {"type": "string", "enum": ["meeting_date_differs_from_pdf"]},
            "message": {"type": "string"},
            "meeting_date": DATE,
            "pdf_meeting_date": DATE,
        },
    },
    "CreatedProtocol": {
        "allOf": [
            _ref("Protocol"),
            {"type": "object", "required": ["warnings"],
             "properties": {"warnings": {"type": "array", "items": _ref("UploadWarning")}}},
        ],
    },
    "ProtocolList": {
        "type": "object",
        "required": ["items", "total", "limit", "offset"],
        "properties": {
            "items": {"type": "array", "items": _ref("ProtocolSummary")},
            "total": {"type": "integer", "minimum": 0},
            "limit": {"type": "integer", "minimum": 1, "maximum": 100},
            "offset": {"type": "integer", "minimum": 0},
        },
    },
    "NameRole": {
        "type": "object",
        "required": ["name", "role"],
        "properties": {"name": {"type": "string"}, "role": ROLE},
    },
    "SigningView": {
        "type": "object",
        "description": "What the signer sees. Other signers appear with name and role only, never e-mail.",
        "required": ["board", "meeting_date", "name", "role", "original_sha256", "signed_so_far", "still_to_sign"],
        "properties": {
            "organisation": {"type": "string"},
            "board": {"type": "string"},
            "meeting_date": DATE,
            "name": {"type": "string"},
            "role": ROLE,
            "position": {"type": "integer", "minimum": 0},
            "original_sha256": SHA256,
            "page_count": {"type": "integer", "minimum": 0},
            "code_sent": {"type": "boolean"},
            "signed_so_far": {"type": "array", "items": {
                "type": "object", "required": ["name", "role", "signed_at"],
                "properties": {"name": {"type": "string"}, "role": ROLE, "signed_at": DATETIME}}},
            "still_to_sign": {"type": "array", "items": _ref("NameRole")},
        },
    },
    "Decision": {
        "type": "object",
        "additionalProperties": False,
        "required": ["code", "decision"],
        "properties": {
            "code": {"type": "string", "maxLength": 20, "description": "The six digits from the code e-mail."},
            "decision": {"type": "string", "enum": ["sign", "decline"]},
            "reason": {"type": "string", "maxLength": 2000, "description": "Required when declining."},
        },
    },
    "DecisionResult": {
        "type": "object", "required": ["status"],
        "properties": {"status": {"type": "string", "enum": [RequestStatus.SIGNED.value, RequestStatus.DECLINED.value]}},
    },
    "CodeSent": {
        "type": "object", "required": ["status"],
        "properties": {"status": {"type": "string", "const": "code_sent"}},
    },
    "Notice": {
        "type": "object",
        "description": "A notice on the anslagstavla (e.g. bevis om justering). Signers' names and roles appear "
                       "while it is posted; never e-mail addresses.",
        "required": ["id", "organisation", "kind", "title", "posted_date", "takedown_date", "signers"],
        "properties": {
            "id": {"type": "integer"},
            "organisation": {"type": "string"},
            "kind": {"type": "string", "examples": ["bevis_om_justering"]},
            "title": {"type": "string"},
            "body": {"type": "string", "description": "The notice's text (empty for a bevis om justering without "
                                                      "notes). Paragraphs are separated by blank lines."},
            "correction": {"type": ["string", "null"],
                           "description": "Corrections made while the notice is up, one per line as "
                                          "\"YYYY-MM-DD: what was corrected\"; null when never corrected."},
            "board": {"type": ["string", "null"]},
            "meeting_date": {"oneOf": [DATE, {"type": "null"}]},
            "justering_date": {"oneOf": [DATE, {"type": "null"}]},
            "posted_date": DATE,
            "appeal_last_day": {"oneOf": [DATE, {"type": "null"}],
                                "description": "Last day an appeal may reach the court (Lag 1930:173 applied)."},
            "takedown_date": DATE,
            "forvaringsplats": {"type": ["string", "null"]},
            "signers": {"type": "array", "items": _ref("NameRole")},
            "sealed_pdf_url": {"type": ["string", "null"], "format": "uri"},
            "verify_url": {"type": ["string", "null"], "format": "uri"},
        },
    },
    "NoticeList": {
        "type": "object",
        "required": ["notices"],
        "properties": {"notices": {"type": "array", "items": _ref("Notice")}},
    },
    "RegistryEntry": {
        "type": "object",
        "description": "What the service knows about a document by its SHA-256 (original or sealed file).",
        "required": ["status", "sha256"],
        "properties": {
            "status": {"type": "string", "enum": [s.value for s in RegistryStatus]},
            "sha256": SHA256,
            "matched": {"type": "string", "enum": ["original", "sealed"]},
            "organisation": {"type": "string"},
            "organisation_slug": {"type": "string"},
            "board": {"type": "string"},
            "meeting_date": DATE,
            "original_sha256": SHA256,
            "sealed_sha256": {"oneOf": [SHA256, {"type": "null"}]},
            "sealed_at": {"oneOf": [DATETIME, {"type": "null"}]},
            "sealed_files": {"type": "array", "items": SHA256,
                             "description": "Every sealed file of the protocol, oldest first: the one sealed "
                                            "and published, then each renewal of its archive timestamp."},
            "posted_at": {"oneOf": [DATE, {"type": "null"}]},
            "notice_status": {"type": ["string", "null"]},
            "notice_id": {"type": "integer"},
            "signers": {"type": "array", "items": {
                "type": "object", "required": ["name", "role"],
                "properties": {"name": {"type": "string"}, "role": ROLE,
                               "signed_at": {"oneOf": [DATETIME, {"type": "null"}]}}}},
            "kind": {"type": "string", "enum": ["protokoll", "utdrag", "omedelbar"],
                     "description": "A full protocol, a protokollsutdrag, or a paragraph adjusted at once."},
            "paragraphs": {"type": "array", "items": {"type": "integer"},
                           "description": "The paragraphs (§) an extract covers; empty for a full protocol."},
            "parent": {"oneOf": [{"type": "null"}, {
                "type": "object", "required": ["original_sha256", "board", "meeting_date"],
                "description": "For an extract: the full protocol it was taken from.",
                "properties": {"original_sha256": SHA256, "board": {"type": "string"}, "meeting_date": DATE}}]},
            "is_published_file": {"type": "boolean",
                                  "description": "Only after an upload: the file is the one the service published."},
        },
    },
    "SignatureReport": {
        "type": "object",
        "properties": {
            "field": {"type": "string"},
            "kind": {"type": "string", "enum": ["signer", "seal", "document_timestamp"]},
            "signer": {"type": ["string", "null"]},
            "role": {"type": ["string", "null"]},
            "signed_at": {"type": ["string", "null"]},
            "intact": {"type": "boolean"},
            "valid": {"type": "boolean"},
            "trusted": {"type": "boolean"},
            "timestamped": {"type": "boolean"},
            "covers_whole_file": {"type": "boolean"},
            "changes_after": {"type": ["string", "null"]},
            "status_evidence": {"type": ["boolean", "null"],
                                "description": "Signers only: the file proves the certificate was not revoked "
                                               "when it signed."},
            "changed_after": {"type": "boolean", "description": "Something that matters changed after signing."},
            "identified_by": {"type": ["string", "null"], "enum": ["oidc", "email_code", "csc", None],
                              "description": "Signers only: how the signer was identified, from the certificate "
                                             "policy (e-legitimation, or a one-time code by e-mail)."},
            "indication": {"type": ["string", "null"], "enum": ["TOTAL_PASSED", "INDETERMINATE", "TOTAL_FAILED", None],
                           "description": "ETSI EN 319 102-1 long-term validation with the file's own data."},
            "subindication": {"type": ["string", "null"],
                              "description": "The standard's subindication when not passed (e.g. HASH_FAILURE)."},
        },
    },
    "Finding": {
        "type": "object",
        "description": "One thing verification found wrong (README, \"Verifying a protocol offline\").",
        "required": ["code", "severity", "message", "signature"],
        "properties": {
            "code": {"type": "string", "enum": [str(code) for code in Code],
                     "description": "Stable: match on this, not on the message."},
            "severity": {"type": "string", "enum": [str(severity) for severity in Severity]},
            "message": {"type": "string", "description": "In the request's language (Swedish by default)."},
            "signature": {"type": ["string", "null"],
                          "description": "The signature field concerned; null for the file as a whole."},
        },
    },
    "VerificationReport": {
        "type": "object",
        "description": "The result of checking a sealed protocol: signatures, trust, original bytes.",
        "required": ["status"],
        "properties": {
            "status": {"type": "string", "enum": ["valid", "invalid"]},
            "document_sha256": {"oneOf": [SHA256, {"type": "null"}]},
            "original_length": {"type": ["integer", "null"]},
            "file_sha256": {"oneOf": [SHA256, {"type": "null"}]},
            "signatures": {"type": "array", "items": _ref("SignatureReport")},
            "timestamped": {"type": "boolean"},
            "sealed": {"type": "boolean"},
            "problems": {"type": "array", "items": {"type": "string"},
                         "description": "The findings' messages in Swedish (the older form of findings)."},
            "findings": {"type": "array", "items": _ref("Finding")},
            "verified_at": {"type": ["string", "null"], "format": "date-time",
                            "description": "The moment the file was judged as of (UTC)."},
            "registry": _ref("RegistryEntry"),
        },
    },
    "LogHead": {
        "type": "object",
        "description": "The log's newest checkpoint, made and signed once when the tree reached this size.",
        "required": ["origin", "tree_size", "root_hash", "checkpoint", "created_at", "key_fingerprint"],
        "properties": {
            "origin": {"type": "string", "description": "The log's name: first line of every checkpoint and "
                       "the name its key signs under. Fixed when the first checkpoint was made."},
            "tree_size": {"type": "integer", "minimum": 0},
            "root_hash": {**SHA256, "description": "The checkpoint's root, hex (the note carries it in base64)."},
            "checkpoint": CHECKPOINT,
            "created_at": {**DATETIME, "description": "When the checkpoint was made (not signed: the signed "
                           "statement is the checkpoint text)."},
            "key_fingerprint": {**SHA256, "description": "SHA-256 of the log key's DER SubjectPublicKeyInfo. "
                                "Compare with the fingerprint you pinned; do not adopt it from here."},
        },
    },
    "LogKey": {
        "type": "object",
        "description": "The installation's log key (Ed25519). Pin it by the fingerprint published in the "
                       "service's instructions and on every signature page.",
        "required": ["origin", "algorithm", "public_key_pem", "verifier_key", "fingerprint"],
        "properties": {
            "origin": {"type": "string"},
            "algorithm": {"type": "string", "enum": ["ed25519"]},
            "public_key_pem": {"type": "string", "description": "SubjectPublicKeyInfo, PEM."},
            "verifier_key": {"type": "string", "description": "C2SP note verifier key `<origin>+<key hash hex>+"
                             "<base64(0x01 ‖ public key)>`."},
            "fingerprint": SHA256,
            "fingerprint_grouped": {"type": "string", "description": "The fingerprint in groups of four, as printed."},
        },
    },
    "LogLeaf": {
        "type": "object",
        "description": "A leaf in JSON form. Version 2 (`leaf_version` \"2\") names the organisation by its slug "
                       "(`organisation_id`); version 1 (no `leaf_version`) by its display name (`organisation`). "
                       "Verify `leaf_json`, the exact bytes hashed, not this object.",
        "required": ["board", "meeting_date", "original_sha256", "sealed_at", "sealed_sha256"],
        "properties": {
            "board": {"type": "string"},
            "leaf_version": {"type": "string", "enum": ["2"]},
            "meeting_date": DATE,
            "organisation": {"type": "string"},
            "organisation_id": {"type": "string", "pattern": "^[a-z0-9][a-z0-9-]{1,62}$"},
            "original_sha256": SHA256,
            "sealed_at": {"type": "string", "pattern": "^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}\\.\\d{6}Z$"},
            "sealed_sha256": SHA256,
        },
    },
    "InclusionAnswer": {
        "type": "object",
        "required": ["leaf", "leaf_json", "inclusion_proof", "checkpoint"],
        "properties": {
            "leaf": _ref("LogLeaf"),
            "leaf_json": {"type": "string", "description": "The exact bytes hashed into the leaf (UTF-8): "
                          "leaf hash = SHA-256(0x00 ‖ leaf_json)."},
            "inclusion_proof": _ref("InclusionProof"),
            "checkpoint": CHECKPOINT,
        },
    },
    "ConsistencyAnswer": {
        "type": "object",
        "required": ["consistency_proof", "checkpoint_1", "checkpoint_2"],
        "properties": {
            "consistency_proof": _ref("ConsistencyProof"),
            "checkpoint_1": {**CHECKPOINT, "description": "The stored checkpoint of size `from`."},
            "checkpoint_2": {**CHECKPOINT, "description": "The stored checkpoint of size `to`."},
        },
    },
    "LogEntries": {
        "type": "object",
        "required": ["start", "end", "tree_size", "entries"],
        "properties": {
            "start": {"type": "integer", "minimum": 0},
            "end": {"type": "integer", "minimum": 0, "description": "One past the last entry returned."},
            "tree_size": {"type": "integer", "minimum": 0, "description": "The newest checkpoint's size."},
            "entries": {"type": "array", "maxItems": 1000, "items": {
                "type": "object", "required": ["index", "leaf_json", "leaf_hash"],
                "properties": {"index": {"type": "integer", "minimum": 0}, "leaf_json": {"type": "string"},
                               "leaf_hash": SHA256}}},
        },
    },
    "InclusionProof": {
        "type": "object",
        "required": ["leaf_index", "tree_size", "leaf_hash", "inclusion_path"],
        "properties": {
            "leaf_index": {"type": "integer", "minimum": 0},
            "tree_size": {"type": "integer", "minimum": 1},
            "leaf_hash": SHA256,
            "inclusion_path": {"type": "array", "items": SHA256},
        },
    },
    "ConsistencyProof": {
        "type": "object",
        "required": ["tree_size_1", "tree_size_2", "consistency_path"],
        "properties": {
            "tree_size_1": {"type": "integer", "minimum": 0},
            "tree_size_2": {"type": "integer", "minimum": 0},
            "consistency_path": {"type": "array", "items": SHA256},
        },
    },
}

PATHS = {
    "/api/v1/protocols": {
        "post": {
            "operationId": "createProtocol",
            "tags": ["protocols"],
            "summary": "Upload a protocol and start its signing route",
            "description": "Stores the PDF, adds the signature page and sends the first signer (the sekreterare) "
                           "an invitation. Signers are then invited one at a time in order. A file's SHA-256 "
                           "belongs to the organisation that uploaded it first: the same bytes from another "
                           "organisation are refused (409 `registered_by_another_organisation`), and from this "
                           "organisation they go only into the protocol that holds them, as a new version "
                           "(otherwise 409 `already_uploaded`).",
            "security": _BEARER,
            "requestBody": {
                "required": True,
                "content": {"multipart/form-data": {
                    "schema": _ref("ProtocolUpload"),
                    "encoding": {"file": {"contentType": "application/pdf"},
                                 "metadata": {"contentType": "application/json"}},
                }},
            },
            "responses": {
                "201": {**_json(_ref("CreatedProtocol"), "Created; `Location` names the new protocol. `warnings` "
                                "lists what the upload was accepted despite (the meeting date differing from "
                                "the one read from the PDF)."),
                        "headers": {"Location": {"schema": {"type": "string"}}}},
                **_errors(401, 404, 409, 413, 415, 422),
            },
        },
        "get": {
            "operationId": "listProtocols",
            "tags": ["protocols"],
            "summary": "The organisation's protocols, newest first",
            "security": _BEARER,
            "parameters": [
                {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 100,
                                                             "default": 20}},
                {"name": "offset", "in": "query", "schema": {"type": "integer", "minimum": 0, "default": 0}},
                {"name": "status", "in": "query", "schema": PROTOCOL_STATUS},
            ],
            "responses": {"200": _json(_ref("ProtocolList"), "One page of protocols."), **_errors(401, 422)},
        },
    },
    "/api/v1/protocols/{id}": {
        "get": {
            "operationId": "getProtocol",
            "tags": ["protocols"],
            "summary": "A protocol's status and its signers",
            "security": _BEARER,
            "parameters": [_PROTOCOL_ID],
            "responses": {"200": _json(_ref("Protocol"), "The protocol."), **_errors(401, 404)},
        },
    },
    "/api/v1/protocols/{id}/sealed.pdf": {
        "get": {
            "operationId": "getSealedPdf",
            "tags": ["protocols"],
            "summary": "The sealed PDF (PAdES B-LTA)",
            "description": "Its first bytes are exactly the uploaded original, so `sha256` can be recomputed.",
            "security": _BEARER,
            "parameters": [_PROTOCOL_ID],
            "responses": {"200": {"description": "The sealed protocol.", **_PDF}, **_errors(401, 404, 409)},
        },
    },
    "/api/v1/sign/{token}": {
        "get": {
            "operationId": "getSigningView",
            "tags": ["signing"],
            "summary": "What the signer is asked to sign",
            "security": _PUBLIC,
            "parameters": [_LINK_TOKEN],
            "responses": {"200": _json(_ref("SigningView"), "The signing view."), **_errors(404, 409, 410, 423)},
        },
        "post": {
            "operationId": "decide",
            "tags": ["signing"],
            "summary": "Sign or decline with the one-time code",
            "description": "A wrong code counts; after five the link locks and the sekreterare is told. "
                           "Signing happens in routing order; after the last signer the protocol is sealed and "
                           "its notice posted on the anslagstavla.",
            "security": _PUBLIC,
            "parameters": [_LINK_TOKEN],
            "requestBody": {"required": True, "content": {"application/json": {"schema": _ref("Decision")}}},
            "responses": {"200": _json(_ref("DecisionResult"), "Done."),
                          **_errors(403, 404, 409, 410, 413, 415, 422, 423, 503)},
        },
    },
    "/api/v1/sign/{token}/code": {
        "post": {
            "operationId": "sendCode",
            "tags": ["signing"],
            "summary": "E-mail the signer a one-time code",
            "security": _PUBLIC,
            "parameters": [_LINK_TOKEN],
            "responses": {"202": _json(_ref("CodeSent"), "The code is on its way."),
                          **_errors(404, 409, 410, 423, 429)},
        },
    },
    "/api/v1/sign/{token}/document.pdf": {
        "get": {
            "operationId": "getSigningDocument",
            "tags": ["signing"],
            "summary": "The protocol as it stands, with its signature page",
            "security": _PUBLIC,
            "parameters": [_LINK_TOKEN],
            "responses": {"200": {"description": "The PDF to read before signing.", **_PDF},
                          **_errors(404, 409, 410, 423)},
        },
    },
    "/api/v1/notices": {
        "get": {
            "operationId": "listNotices",
            "tags": ["public"],
            "summary": "Notices currently on the anslagstavla",
            "security": _PUBLIC,
            "parameters": [{"name": "org", "in": "query", "required": False, "schema": {"type": "string"},
                            "description": "Only this organisation's notices (its short name)."}],
            "responses": {"200": _json(_ref("NoticeList"), "The posted notices."), **_errors(404)},
        },
    },
    "/api/v1/verify/{sha256}": {
        "get": {
            "operationId": "verifyByHash",
            "tags": ["public"],
            "summary": "Look up a protocol by the SHA-256 of its original or of its sealed file",
            "security": _PUBLIC,
            "parameters": [_SHA_PATH],
            "responses": {"200": _json(_ref("RegistryEntry"), "What the service knows (`status: unknown` if "
                                       "nothing)."), **_errors(400)},
        },
    },
    "/api/v1/verify": {
        "post": {
            "operationId": "verifyUpload",
            "tags": ["public"],
            "summary": "Check an uploaded sealed PDF (signatures, trust, original bytes) and look it up",
            "security": _PUBLIC,
            "requestBody": {"required": True, "content": {
                "application/pdf": {"schema": {"type": "string", "contentMediaType": "application/pdf"}},
                "multipart/form-data": {"schema": {"type": "object", "required": ["file"], "properties": {
                    "file": {"type": "string", "contentMediaType": "application/pdf"}}}},
            }},
            "responses": {"200": _json(_ref("VerificationReport"), "The verification result."),
                          **_errors(413, 422),
                          "503": _error("`busy`: every slot for checking files is taken; retry after `Retry-After` "
                                        "seconds, or look the file up by its hash. `registry` holds that lookup.")},
        },
    },
    "/api/v1/log/head": {
        "get": {
            "operationId": "getLogHead",
            "tags": ["transparency log"],
            "summary": "The newest checkpoint",
            "security": _PUBLIC,
            "responses": {"200": _json(_ref("LogHead"), "The newest checkpoint and its fields."), **_errors(503)},
        },
    },
    "/api/v1/log/checkpoint": {
        "get": {
            "operationId": "getLatestCheckpoint",
            "tags": ["transparency log"],
            "summary": "The newest checkpoint as a C2SP signed note (text/plain)",
            "security": _PUBLIC,
            "responses": {"200": {"description": "The signed note.", "content": {"text/plain": {"schema": CHECKPOINT}}},
                          **_errors(503)},
        },
    },
    "/api/v1/log/checkpoint/{size}": {
        "get": {
            "operationId": "getCheckpoint",
            "tags": ["transparency log"],
            "summary": "The checkpoint made when the tree reached `size`, as first signed (text/plain)",
            "security": _PUBLIC,
            "parameters": [{"name": "size", "in": "path", "required": True,
                            "schema": {"type": "integer", "minimum": 0}}],
            "responses": {"200": {"description": "The signed note.", "content": {"text/plain": {"schema": CHECKPOINT}}},
                          "404": _error("The log has not reached that size.")},
        },
    },
    "/api/v1/log/checkpoint/{size}/cosignature": {
        "post": {
            "operationId": "postCosignature",
            "tags": ["transparency log"],
            "summary": "A witness's cosignature of the checkpoint of `size` (docs/translog.md §6a)",
            "description": "The body is one or more C2SP signed-note signature lines (or the whole cosigned note) "
                           "by a witness configured in SIGNERING_LOG_WITNESSES: tlog-cosignature v1 (key type 0x04) "
                           "or plain Ed25519 (0x01) over exactly the stored checkpoint text. Kept and served with "
                           "the checkpoint from then on.",
            "security": _PUBLIC,
            "parameters": [{"name": "size", "in": "path", "required": True,
                            "schema": {"type": "integer", "minimum": 0}}],
            "requestBody": {"required": True, "content": {"text/plain": {"schema": {"type": "string"}}}},
            "responses": {"200": _json({"type": "object", "required": ["tree_size", "checkpoint"], "properties": {
                              "tree_size": {"type": "integer", "minimum": 0}, "checkpoint": CHECKPOINT}},
                              "The checkpoint as now served, with the witnesses' lines."),
                          "400": _error("The body is not UTF-8 text."),
                          "403": _error("`unknown_witness`: the line is by a key not configured as a witness."),
                          "404": _error("The log has not reached that size."),
                          "422": _error("`cosignature_invalid`: malformed, or not valid over that checkpoint's text."),
                          **_errors(503)},
        },
    },
    "/api/v1/log/key": {
        "get": {
            "operationId": "getLogKey",
            "tags": ["transparency log"],
            "summary": "The log's public key (pin it by its published fingerprint)",
            "security": _PUBLIC,
            "responses": {"200": _json(_ref("LogKey"), "The log key."), **_errors(503)},
        },
    },
    "/api/v1/log/entries": {
        "get": {
            "operationId": "getLogEntries",
            "tags": ["transparency log"],
            "summary": "Leaves `start` to `end` (exclusive), at most 1000 per answer",
            "security": _PUBLIC,
            "parameters": [
                {"name": "start", "in": "query", "required": True, "schema": {"type": "integer", "minimum": 0}},
                {"name": "end", "in": "query", "required": False, "schema": {"type": "integer", "minimum": 0},
                 "description": "Default and upper bound: the newest checkpoint's size, and start + 1000."},
            ],
            "responses": {"200": _json(_ref("LogEntries"), "The leaves."), **_errors(400, 503)},
        },
    },
    "/api/v1/log/proof/{sha256}": {
        "get": {
            "operationId": "getInclusionProof",
            "tags": ["transparency log"],
            "summary": "Inclusion proof of a sealed protocol (by original or sealed SHA-256)",
            "security": _PUBLIC,
            "parameters": [_SHA_PATH, {"name": "tree_size", "in": "query", "required": False,
                                       "schema": {"type": "integer", "minimum": 1},
                                       "description": "Prove against this size's checkpoint (default: the newest)."}],
            "responses": {"200": _json(_ref("InclusionAnswer"), "The leaf, its proof and the checkpoint it "
                                       "leads to."), **_errors(400, 503),
                          "404": _error("No sealed protocol with this hash is in the log. The log is one public "
                                        "log of every organisation's sealed protocols; nothing in it is hidden.")},
        },
    },
    "/api/v1/log/consistency": {
        "get": {
            "operationId": "getConsistencyProof",
            "tags": ["transparency log"],
            "summary": "Proof that the tree of size `to` extends the tree of size `from`",
            "security": _PUBLIC,
            "parameters": [
                {"name": "from", "in": "query", "required": True, "schema": {"type": "integer", "minimum": 0},
                 "description": "The older tree size."},
                {"name": "to", "in": "query", "required": False, "schema": {"type": "integer", "minimum": 0},
                 "description": "The newer tree size (default: the current one)."},
            ],
            "responses": {"200": _json(_ref("ConsistencyAnswer"), "The consistency proof and the two stored "
                                       "checkpoints it joins."), **_errors(400, 503),
                          "404": _error("The log has no checkpoint of that size.")},
        },
    },
    "/api/v1/openapi.json": {
        "get": {
            "operationId": "getOpenApi",
            "tags": ["meta"],
            "summary": "This document",
            "security": _PUBLIC,
            "responses": {"200": {"description": "OpenAPI 3.1 document.",
                                  "content": {"application/json": {"schema": {"type": "object"}}}}},
        },
    },
}

SPEC = {
    "openapi": "3.1.0",
    "info": {
        "title": "Signering API",
        "version": "1.0.0",
        "summary": "Justering, signing and publication of municipal meeting protocols.",
        "description": (
            "Meeting systems upload protocols (bearer token per organisation, created with "
            "`signering api-token create`). Signers act through their personal link token. The public "
            "routes (notices, verification, transparency log) need no credentials. Errors are JSON "
            "`{error, message}`; messages are Swedish unless `?lang=en` is given."
        ),
        "license": {"name": "EUPL-1.2", "identifier": "EUPL-1.2"},
    },
    "tags": [
        {"name": "protocols", "description": "For meeting systems (bearer token)."},
        {"name": "signing", "description": "For signers (the link token is the credential)."},
        {"name": "public", "description": "The anslagstavla and verification, open to everyone."},
        {"name": "transparency log", "description": "Append-only log of sealed protocols."},
        {"name": "meta"},
    ],
    "security": _BEARER,
    "paths": PATHS,
    "components": {
        "schemas": SCHEMAS,
        "securitySchemes": {
            "bearerAuth": {"type": "http", "scheme": "bearer",
                           "description": "An organisation's API token (`sgn_...`)."},
        },
    },
}


def document(base_url: str | None = None) -> dict:
    """The OpenAPI document, naming ``base_url`` as the server when given."""
    spec = copy.deepcopy(SPEC)
    if base_url:
        spec["servers"] = [{"url": base_url.rstrip("/")}]
    return spec
