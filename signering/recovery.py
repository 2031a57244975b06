"""Start-up recovery and the consistency check the crash tests rely on.

After a crash anywhere, the next start runs :func:`recover`: blobs that no row names are
removed (a crash between writing a blob and committing its row) and seals that were due
are redone. :func:`check` then finds nothing wrong; the tests assert exactly that.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from .clock import aware
from .models import Protocol, ProtocolVersion, SealedFile, SignatureRequest
from .workflow.claims import STALE_AFTER_SECONDS, holder_gone
from .workflow.omedelbar import under_way
from .workflow.sealing import seal_pending
from .workflow.signing import release_claim
from .route import JUSTERAT, ProtocolStatus, RequestStatus


def referenced_blobs(session) -> set[str]:
    keep = set()
    for row in session.execute(select(ProtocolVersion.original_sha256, ProtocolVersion.working_sha256,
                                      ProtocolVersion.sealed_sha256)):
        keep.update(h for h in row if h)
    keep.update(session.execute(select(SealedFile.sha256)).scalars())
    return keep


def release_stale_claims(svc, older_than_seconds: float = STALE_AFTER_SECONDS) -> int:
    """Signatures claimed but never applied get their link back: at once when the claiming
    process is certainly dead (see workflow/claims.py), else once the claim is stale."""
    cutoff = svc.clock() - dt.timedelta(seconds=older_than_seconds)
    with svc.db.read() as session:
        claims = session.execute(select(SignatureRequest.id, SignatureRequest.verified_at,
                                        SignatureRequest.claimed_by)
                                 .where(SignatureRequest.status == RequestStatus.SIGNING)).all()
    stale = [rid for rid, at, holder in claims
             if at is None or aware(at) <= cutoff
             or holder_gone(holder)]
    for request_id in stale:
        release_claim(svc, request_id)
    return len(stale)


def recover(svc, *, orphan_age_seconds: float = 3600) -> dict:
    released = release_stale_claims(svc, min(orphan_age_seconds, STALE_AFTER_SECONDS))
    try:
        sealed = seal_pending(svc)
    except Exception:  # the TSA may be this very server, not up yet: the worker retries
        sealed = 0
    with svc.db.read() as session:
        keep = referenced_blobs(session)
    removed = svc.blobs.sweep(keep, older_than_seconds=orphan_age_seconds)
    return {"orphans_removed": len(removed), "sealed": sealed, "claims_released": released}


def check(svc) -> list[str]:
    """Every way the data could be inconsistent, as readable problems (empty when all is well)."""
    problems = []
    with svc.db.read() as session:
        keep = referenced_blobs(session)
        for sha in keep:
            if not svc.blobs.exists(sha):
                problems.append(f"blob {sha} is named by a row but missing")
            elif not svc.blobs.verify(sha):
                problems.append(f"blob {sha} does not hash to its name")
        for sha in svc.blobs.iter_hashes():
            if sha not in keep:
                problems.append(f"orphan blob {sha}")
        for protocol in session.execute(select(Protocol)).scalars():
            version = protocol.current
            if version is None:
                problems.append(f"protocol {protocol.id} has no version")
                continue
            live = [r for r in version.requests if r.status != RequestStatus.REPLACED]
            if protocol.status == ProtocolStatus.SIGNING and not version.seal_pending:
                active = [r for r in live if r.status in (RequestStatus.ACTIVE, RequestStatus.LOCKED, RequestStatus.SIGNING)]
                if len(active) != 1:
                    problems.append(f"protocol {protocol.id} under justering has {len(active)} active signers")
            if protocol.status in JUSTERAT and not version.sealed_sha256:
                problems.append(f"protocol {protocol.id} is {protocol.status} without a sealed PDF")
            # A protocol waiting for its immediately adjusted paragraph is waiting by rule, not stuck.
            if version.seal_pending and not under_way(session, protocol):
                problems.append(f"protocol {protocol.id} waits for its seal")
        for req in session.execute(select(SignatureRequest).where(SignatureRequest.status == RequestStatus.SIGNING)).scalars():
            problems.append(f"request {req.id} is claimed for signing but was never completed")
        for req in session.execute(select(SignatureRequest).where(SignatureRequest.status == RequestStatus.ACTIVE)).scalars():
            if req.token_hash is None:
                problems.append(f"active request {req.id} has no link")
    return problems
