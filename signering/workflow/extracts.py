"""Make a protokollsutdrag or an omedelbar justering from a protocol of this organisation.

Both are new protocols (``kind`` utdrag or omedelbar, ``parent_id`` the full protocol) whose
original is the PDF :func:`signering.extracts.build_extract_pdf` makes; from there they run
the normal route: finalize, signing with link and code, seal. An utdrag is certified by the
secretary alone and only from a justerat protocol; an omedelbar justering is signed by the
protocol's own route while the protocol itself is still under justering.
"""

from __future__ import annotations

import io
import secrets

from sqlalchemy import select

from .. import extracts
from ..errors import InputError
from ..models import Protocol
from ..scoping import one_in_organisation
from .errors import NotAllowed, NotFound
from . import omedelbar
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
    """The paragraphs of a protocol's current original:
    ``[{"number", "title", "pages", "recipients"}]`` (recipients: the names under "Beslutet skickas till")."""
    with svc.db.read() as session:
        sha = _parent(session, org_id, protocol_id).current.original_sha256
    found = extracts.sections(extracts.pdf_text(svc.blobs.read(sha)))
    return [{"number": n, "title": s.paragraph.title, "pages": s.pages, "recipients": extracts.recipients(s)}
            for n, s in sorted(found.items())]


def _recipients_by_paragraph(svc, sha: str, numbers: list[int]) -> dict[int, list[str]]:
    found = extracts.sections(extracts.pdf_text(svc.blobs.read(sha)))
    return {n: extracts.recipients(found[n]) if n in found else [] for n in numbers}


def addresses(session, protocol: Protocol, names: list[str]) -> dict[str, str | None]:
    """The register's address for each recipient name (None: none, or the name is ambiguous)."""
    from ..members import find_email

    return {name: find_email(session, protocol.organisation_id, protocol.board.name, name) for name in names}


def _groups(by_paragraph: dict[int, list[str]]) -> list[tuple[list[int], list[str]]]:
    """The extracts to make: one per distinct set of paragraphs a recipient is listed under, so
    nobody receives a paragraph that is not theirs. Paragraphs nobody is listed under form one
    extract of their own, for the secretary to hand out."""
    paragraphs_of_recipient: dict[str, list[int]] = {}
    spelled: dict[str, str] = {}
    for number in sorted(by_paragraph):
        for name in by_paragraph[number]:
            key = name.casefold()
            spelled.setdefault(key, name)
            paragraphs_of_recipient.setdefault(key, []).append(number)
    groups: dict[tuple[int, ...], list[str]] = {}
    for key, numbers in paragraphs_of_recipient.items():
        groups.setdefault(tuple(numbers), []).append(spelled[key])
    unlisted = tuple(n for n in sorted(by_paragraph) if not by_paragraph[n])
    if unlisted:
        groups.setdefault(unlisted, [])
    return sorted(((list(k), v) for k, v in groups.items()), key=lambda g: g[0])


def create_extract(svc, *, org_id: int, parent_id: int, paragraphs, kind: str = ProtocolKind.UTDRAG, actor: str = "") -> int:
    """Build the extract of ``paragraphs`` of protocol ``parent_id`` and route it. Returns its id
    (for an utdrag split by recipient, the first one's: see :func:`create_extracts`)."""
    return create_extracts(svc, org_id=org_id, parent_id=parent_id, paragraphs=paragraphs, kind=kind,
                           actor=actor)[0]


def create_extracts(svc, *, org_id: int, parent_id: int, paragraphs, kind: str = ProtocolKind.UTDRAG,
                    actor: str = "") -> list[int]:
    """Build and route the extracts of ``paragraphs`` of protocol ``parent_id``; returns their ids.

    An utdrag becomes one extract per set of paragraphs that its recipients are listed under
    ("Beslutet skickas till"), so each recipient is sent their own paragraphs and no others.
    """
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
            if len(numbers) != 1:
                raise InputError("Välj en paragraf för omedelbar justering.",
                                 "Choose one paragraph for immediate adjustment.", field="paragraphs")
            # Asked first to answer before any PDF is built; finalize asks again where it writes.
            omedelbar.check_start(session, org_id=org_id, board_id=parent.board_id, meeting_date=parent.meeting_date,
                                  parent_id=parent.id, paragraphs=numbers)
            signers = [SignerInput(r.name, r.email, r.role) for r in route]
        board, meeting_date = parent.board.name, parent.meeting_date
        organisation = parent.board.organisation.name
        original_sha = version.original_sha256
        # The full protocol's hash is printed on an utdrag; an omedelbar paragraph is adjusted
        # before the full protocol is final, so its hash may still change with a new version.
        printed_sha = original_sha if kind == ProtocolKind.UTDRAG else None
    original = svc.blobs.read(original_sha)
    groups = _groups(_recipients_by_paragraph(svc, original_sha, numbers)) if kind == ProtocolKind.UTDRAG \
        else [(numbers, [])]
    pdfs = [(group, names, extracts.build_extract_pdf(
        original, group, board=board, meeting_date=meeting_date, organisation=organisation, kind=kind,
        lang=svc.settings.lang, parent_sha256=printed_sha, secretary=signers[0].name if signers else "",
        # Each extract its own bytes: the same paragraphs made twice must not share one hash.
        nonce=secrets.token_hex(16)))
        for group, names in groups]  # all built (and checked) before any is routed
    name = "utdrag" if kind == ProtocolKind.UTDRAG else "omedelbar-justering"
    ids = []
    for group, names, pdf in pdfs:
        filename = f"{name}-{meeting_date.isoformat()}-" + "-".join(f"p{n}" for n in group) + ".pdf"
        ids.append(finalize(svc, org_id=org_id, board_name=board, meeting_date=meeting_date, signers=signers,
                            upload=io.BytesIO(pdf), filename=filename, actor=actor, kind=kind, parent_id=parent_id,
                            paragraphs=group, recipients=names))
    return ids


def extract_recipients(svc, session, protocol: Protocol) -> tuple[list[tuple[str, str]], list[str]]:
    """An utdrag's recipients: ``([(name, e-mail)], [names without an address in the register])``.

    The addresses are looked up now, at sealing, so one added after the extract was made counts.
    """
    from ..members import find_email

    names = list(protocol.recipients or [])
    if not names and protocol.parent is not None and protocol.parent.current is not None:
        # An utdrag made before recipients were stored with it: read them off its paragraphs.
        by_paragraph = _recipients_by_paragraph(svc, protocol.parent.current.original_sha256,
                                                list(protocol.paragraphs or []))
        names = list(dict.fromkeys(n for listed in by_paragraph.values() for n in listed))
    found, missing, seen = [], [], set()
    for name in names:
        email = find_email(session, protocol.organisation_id, protocol.board.name, name)
        if email is None:
            missing.append(name)
        elif email not in seen:
            seen.add(email)
            found.append((name, email))
    return found, missing
