"""Re-verify every sealed protocol the registry keeps, as the archive would.

Made for issue 18: protocols sealed before each signature carried evidence of its
certificate's status at signing time verify as invalid ("spärrinformation från
signeringstillfället saknas") once they are checked properly. ``signering check-sealed``
lists them so an operator can act (see README, "Protokoll förseglade före version …").
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterator

from sqlalchemy import select

from .models import Organisation, Protocol, ProtocolVersion
from .pdf.verify import verify_pdf
from .pki.certs import to_asn1


@dataclass(frozen=True)
class SealedCheck:
    organisation: str
    protocol_id: int
    board: str
    meeting_date: str
    sealed_sha256: str
    status: str  # valid | invalid | missing
    #: the signers whose certificate status at signing time the file does not prove
    missing_status_evidence: tuple[str, ...] = ()
    problems: tuple[str, ...] = field(default=())

    def to_json(self) -> dict:
        return {"organisation": self.organisation, "protocol_id": self.protocol_id, "board": self.board,
                "meeting_date": self.meeting_date, "sealed_sha256": self.sealed_sha256, "status": self.status,
                "missing_status_evidence": list(self.missing_status_evidence), "problems": list(self.problems)}


def check_sealed(svc, org_slug: str | None = None) -> Iterator[SealedCheck]:
    """Each sealed, not voided version (oldest first), verified against its organisation's root."""
    stmt = (select(ProtocolVersion.id, ProtocolVersion.sealed_sha256, Protocol.id, Protocol.meeting_date,
                   Organisation.id)
            .join(Protocol, ProtocolVersion.protocol_id == Protocol.id)
            .join(Organisation, Protocol.organisation_id == Organisation.id)
            .where(ProtocolVersion.sealed_sha256.is_not(None), ProtocolVersion.voided.is_(False))
            .order_by(ProtocolVersion.id))
    if org_slug:
        stmt = stmt.where(Organisation.slug == org_slug)
    with svc.db.read() as session:
        rows = session.execute(stmt).all()
        orgs = {org.id: org for org in session.execute(select(Organisation)).scalars()}
        boards = {p.id: p.board.name for p in session.execute(
            select(Protocol).where(Protocol.id.in_([r[2] for r in rows]))).scalars()}
    for _version_id, sha, protocol_id, meeting_date, org_id in rows:
        org = orgs[org_id]
        base = dict(organisation=org.slug, protocol_id=protocol_id, board=boards[protocol_id],
                    meeting_date=meeting_date.isoformat(), sealed_sha256=sha)
        if not svc.blobs.exists(sha):
            yield SealedCheck(**base, status="missing", problems=("Den förseglade filen saknas i lagringen.",))
            continue
        report = verify_pdf(svc.blobs.read(sha), [to_asn1(svc.keys_for(org).root)])
        yield SealedCheck(**base, status=report.status, problems=tuple(report.problems),
                          missing_status_evidence=tuple(s.signer or s.field for s in report.signatures
                                                        if s.status_evidence is False))
