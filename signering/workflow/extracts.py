"""Make a protokollsutdrag or an omedelbar justering from a protocol of this organisation.

Both are new protocols (``kind`` utdrag or omedelbar, ``parent_id`` the full protocol) whose
original is the PDF :func:`signering.extracts.build_extract_pdf` makes; from there they run
the normal route: finalize, signing with link and code, seal. An utdrag is certified by the
secretary alone and only from a justerat protocol; an omedelbar justering is signed by the
protocol's own route while the protocol itself is still under justering.
"""

from __future__ import annotations

import io

from .. import extracts
from ..errors import InputError
from ..models import Protocol
from ..scoping import one_in_organisation
from .errors import NotAllowed, NotFound
from .finalize import SignerInput, finalize, live
from ..route import JUSTERAT, ProtocolKind, ProtocolStatus



def _parent(session, org_id: int, parent_id: int) -> Protocol:
    parent = one_in_organisation(session, Protocol, parent_id, org_id)
    if parent.current is None:
        raise NotFound()
    return parent


def _numbers(paragraphs) -> list[int]:
    try:
        numbers = sorted({int(n) for n in paragraphs})
    except (TypeError, ValueError):
        raise InputError("Paragrafnumren ska vara heltal, t.ex. 17.", "Paragraph numbers must be whole numbers, "
                         "e.g. 17.", field="paragraphs") from None
    if not numbers:
        raise InputError("Välj minst en paragraf.", "Choose at least one paragraph.", field="paragraphs")
    return numbers


def paragraphs_of(svc, *, org_id: int, protocol_id: int) -> list[dict]:
    """The paragraphs of a protocol's current original: ``[{"number", "title", "pages"}]``."""
    with svc.db.read() as session:
        sha = _parent(session, org_id, protocol_id).current.original_sha256
    found = extracts.sections(extracts.pdf_text(svc.blobs.read(sha)))
    return [{"number": n, "title": s.paragraph.title, "pages": s.pages} for n, s in sorted(found.items())]


def create_extract(svc, *, org_id: int, parent_id: int, paragraphs, kind: str = ProtocolKind.UTDRAG, actor: str = "") -> int:
    """Build the extract of ``paragraphs`` of protocol ``parent_id`` and route it. Returns its id."""
    if kind not in (ProtocolKind.UTDRAG, ProtocolKind.OMEDELBAR):
        raise ValueError(f"not an extract kind: {kind!r}")
    numbers = _numbers(paragraphs)
    with svc.db.read() as session:
        parent = _parent(session, org_id, parent_id)
        if parent.kind != ProtocolKind.PROTOKOLL:
            raise NotAllowed("Utdrag kan bara göras ur ett helt protokoll.",
                             "Extracts can only be made from a full protocol.")
        version = parent.current
        route = live(version)
        if kind == ProtocolKind.UTDRAG:
            if parent.status not in JUSTERAT:
                raise NotAllowed("Ett protokollsutdrag kan göras först när protokollet är justerat.",
                                 "A protocol extract can be made only once the protocol is adjusted.")
            signers = [SignerInput(r.name, r.email, r.role) for r in route if r.role == "sekreterare"][:1]
        else:
            if parent.status != ProtocolStatus.SIGNING:
                raise NotAllowed("Omedelbar justering görs medan protokollet är under justering.",
                                 "Immediate adjustment is done while the protocol is being adjusted.")
            if len(numbers) != 1:
                raise InputError("Välj en paragraf för omedelbar justering.",
                                 "Choose one paragraph for immediate adjustment.", field="paragraphs")
            signers = [SignerInput(r.name, r.email, r.role) for r in route]
        board, meeting_date = parent.board.name, parent.meeting_date
        organisation = parent.board.organisation.name
        original_sha = version.original_sha256
        # The full protocol's hash is printed on an utdrag; an omedelbar paragraph is adjusted
        # before the full protocol is final, so its hash may still change with a new version.
        printed_sha = original_sha if kind == ProtocolKind.UTDRAG else None
    pdf = extracts.build_extract_pdf(svc.blobs.read(original_sha), numbers, board=board, meeting_date=meeting_date,
                                     organisation=organisation, kind=kind, lang=svc.settings.lang,
                                     parent_sha256=printed_sha, secretary=signers[0].name if signers else "")
    name = "utdrag" if kind == ProtocolKind.UTDRAG else "omedelbar-justering"
    filename = f"{name}-{meeting_date.isoformat()}-" + "-".join(f"p{n}" for n in numbers) + ".pdf"
    return finalize(svc, org_id=org_id, board_name=board, meeting_date=meeting_date, signers=signers,
                    upload=io.BytesIO(pdf), filename=filename, actor=actor, kind=kind, parent_id=parent_id,
                    paragraphs=numbers)


def extract_recipients(svc, session, protocol: Protocol) -> list[tuple[str, str]]:
    """(name, e-mail) of the "Beslutet skickas till" recipients of an utdrag's paragraphs that the
    board's member register has an address for."""
    from ..members import find_email

    parent = protocol.parent
    if parent is None or parent.current is None:
        return []
    found = extracts.sections(extracts.pdf_text(svc.blobs.read(parent.current.original_sha256)))
    result, seen = [], set()
    for number in protocol.paragraphs or []:
        if number not in found:
            continue
        for name in extracts.recipients(found[number]):
            email = find_email(session, protocol.organisation_id, protocol.board.name, name)
            if email and email not in seen:
                seen.add(email)
                result.append((name, email))
    return result
