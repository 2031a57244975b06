"""Fill what the ``metadata`` part leaves out (board, meeting_date, signers) from the PDF itself.

Complete metadata is passed through untouched, and the PDF is then not read here at all.
Whatever the protocol and the member register cannot tell stays out, so the usual checks in
``inputs.protocol_metadata`` answer 422 naming the field.
"""

from __future__ import annotations

from signering.errors import InputError
from signering.ingest.untrusted import read_protocol_upload
from signering.members import find_email
from signering.prefill import match_board, prefill

FILLABLE = ("board", "meeting_date", "signers")


def _missing(data: dict) -> list[str]:
    # Only a field left out is filled; an explicit null is the caller's own (bad) value.
    return [key for key in FILLABLE if key not in data]


def complete_from_pdf(svc, org_id: int, data: dict, upload) -> dict:
    """``data`` with the left-out fields filled from the uploaded PDF; the stream is rewound after reading."""
    missing = _missing(data)
    if not missing or upload is None:
        return data
    stream = upload.stream
    start = stream.tell()
    # Read in the capped child process, like every file from outside.
    info = read_protocol_upload(stream, max_bytes=svc.settings.max_upload_bytes)
    stream.seek(start)
    filled = dict(data)
    with svc.db.read() as session:
        found = prefill(session, org_id, info)
        if "board" in missing:
            if found.board is None:
                raise _board_missing(found.board_text)
            filled["board"] = found.board
        if "meeting_date" in missing and found.meeting_date is not None:
            filled["meeting_date"] = found.meeting_date.isoformat()
        if "signers" in missing and found.signers:
            # E-mails by the board actually used (given in metadata or read from the PDF).
            given = filled.get("board") if isinstance(filled.get("board"), str) else None
            board = match_board(session, org_id, given) or given
            people = []
            for i, signer in enumerate(found.signers):
                email = find_email(session, org_id, board, signer.name)
                if not email:
                    raise _email_missing(i, signer.name)
                people.append({"name": signer.name, "email": email, "role": signer.role})
            filled["signers"] = people
    return filled


def _board_missing(text: str | None) -> InputError:
    if text:
        return InputError(f"Nämnden saknas (fältet \"board\"): nämnden i protokollet, \"{text[:200]}\", finns inte "
                          f"bland organisationens nämnder. Ange board i metadata.",
                          f"The board is missing (field \"board\"): the board in the protocol, \"{text[:200]}\", "
                          f"is not one of the organisation's boards. Give board in metadata.", field="board")
    return InputError("Nämnden saknas (fältet \"board\") och kunde inte läsas ur PDF-filen. Ange board i metadata.",
                      "The board is missing (field \"board\") and could not be read from the PDF. Give board in "
                      "metadata.", field="board")


def _email_missing(index: int, name: str) -> InputError:
    field = f"signers[{index}].email"
    return InputError(f"E-postadressen till {name} (läst ur protokollet) finns inte i ledamotsregistret "
                      f"(fältet \"{field}\"). Ange signers i metadata, eller lägg in personen i registret.",
                      f"The e-mail address of {name} (read from the protocol) is not in the member register "
                      f"(field \"{field}\"). Give signers in metadata, or add the person to the register.",
                      field=field)
