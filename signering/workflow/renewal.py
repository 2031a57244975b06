"""Renew the archive timestamp of stored sealed protocols before their TSA certificate expires.

The worker looks for versions whose newest sealed file's last timestamp was made by a TSA
certificate expiring within ``SIGNERING_RENEW_DAYS`` days, and gives each a new sealed file
(:func:`signering.pdf.renew.renew`): the old file as byte prefix, its own hash, a row of its own
in ``sealed_file``. Only a TSA certificate that lives longer than the old one can help, so
nothing is renewed until the operator has rotated the organisation's TSA key.

Crash safety: the new blob is written (atomically) before the transaction that names it, and
that transaction checks the version still ends with the file that was renewed. A crash between
the two leaves a blob no row names, which the start-up sweep removes, and the next run renews
again. Work goes in small batches, so any number of protocols is renewed in bounded memory.
"""

from __future__ import annotations

import datetime as dt
import logging

from sqlalchemy import select
from sqlalchemy.orm import aliased

from ..clock import aware
from ..errors import SigneringError
from ..models import Organisation, Protocol, ProtocolVersion, SealedFile
from ..pdf.renew import RenewalPointless, newest_timestamp, renew
from .audit import record
from .blob_refs import drop_on_error, drop_unreferenced

log = logging.getLogger("signering.renewal")

#: files looked at per query, and renewals per worker round (the other jobs must not wait long)
BATCH = 20
#: a renewal that failed (no fresh revocation data, TSA down) is retried after this long
RETRY_AFTER = dt.timedelta(hours=1)

#: sealed file (sha256) -> not before (per process; a restart retries at once)
_postponed: dict[str, dt.datetime] = {}
#: the sealed file a query looks at, beside the table itself (for "no later file of its version")
_Newest = aliased(SealedFile)
#: external TSA URL -> the expiry of the certificate that signed its last token
_external_expiry: dict[str, dt.datetime] = {}


def fill_expiry(svc, limit: int = BATCH) -> int:
    """Read the TSA expiry of sealed files recorded before renewal existed (the migration's rows)."""
    with svc.db.read() as session:
        rows = session.execute(select(SealedFile.id, SealedFile.sha256).where(SealedFile.tsa_expires_at.is_(None))
                               .order_by(SealedFile.id).limit(limit)).all()
    done = 0
    for row_id, sha in rows:
        try:
            expires = newest_timestamp(svc.blobs.read(sha)).tsa_not_after
        except SigneringError as exc:
            # Not renewable as it is (no document timestamp): far future keeps it out of the window.
            log.warning("sealed file %s: %s", sha, exc.message("en"))
            expires = dt.datetime(9999, 12, 31, tzinfo=dt.timezone.utc)
        with svc.db.write() as session:
            row = session.get(SealedFile, row_id)
            if row is not None and row.tsa_expires_at is None:
                row.tsa_expires_at = expires
                done += 1
    return done


def _tsa_expiry(svc, org) -> dt.datetime | None:
    """When the certificate of the TSA a renewal would use now expires (None: not known yet)."""
    if svc.settings.tsa_url:
        return _external_expiry.get(svc.settings.tsa_url)
    return svc.keys_for(org).tsa.certificate.not_valid_after_utc


def due(svc, org, days: int, limit: int = BATCH) -> list[tuple[int, int, int, str, dt.datetime]]:
    """(version id, sealed_file id, number, sha256, tsa expiry) of ``org``'s files to renew now."""
    now = aware(svc.clock())
    horizon = now + dt.timedelta(days=days)
    better = _tsa_expiry(svc, org)
    if better is not None:
        horizon = min(horizon, better)  # a TSA that expires no later extends nothing
    later = select(SealedFile.id).where(SealedFile.version_id == _Newest.version_id,
                                        SealedFile.number > _Newest.number)
    with svc.db.read() as session:
        rows = session.execute(
            select(_Newest.version_id, _Newest.id, _Newest.number, _Newest.sha256, _Newest.tsa_expires_at)
            .join(ProtocolVersion, ProtocolVersion.id == _Newest.version_id)
            .join(Protocol, Protocol.id == ProtocolVersion.protocol_id)
            .where(Protocol.organisation_id == org.id, ProtocolVersion.voided.is_(False),
                   _Newest.tsa_expires_at.is_not(None), _Newest.tsa_expires_at < horizon, ~later.exists())
            .order_by(_Newest.tsa_expires_at, _Newest.id).limit(limit + len(_postponed))
        ).all()
    return [tuple(r) for r in rows if _postponed.get(r[3], now) <= now][:limit]


def renew_version(svc, org, version_id: int, sealed_id: int, number: int, sha: str) -> bool:
    """Renew one version's newest sealed file; True when a new sealed file was recorded."""
    keys = svc.keys_for(org)
    try:
        renewed = renew(svc.blobs.read(sha), keys=keys, timestamper=svc.timestamper_for(org),
                        new_tsa_not_after=None if svc.settings.tsa_url else keys.tsa.certificate.not_valid_after_utc)
    except RenewalPointless as exc:
        if svc.settings.tsa_url and getattr(exc, "tsa_not_after", None):
            # Learnt from its token: no file whose TSA lives as long is tried again until it changes.
            _external_expiry[svc.settings.tsa_url] = exc.tsa_not_after
        raise
    newest = newest_timestamp(renewed)
    if svc.settings.tsa_url:
        _external_expiry[svc.settings.tsa_url] = newest.tsa_not_after
    return record_sealed_file(svc, version_id, renewed, after=number, expires=newest.tsa_not_after,
                              org_id=org.id, renewed_from=sha)


def record_sealed_file(svc, version_id: int, data: bytes, *, after: int, expires: dt.datetime, org_id: int,
                       renewed_from: str) -> bool:
    """Store ``data`` as the version's sealed file after number ``after``, in one transaction.

    Refused (and the blob dropped) when another process renewed the version meanwhile."""
    new_sha = svc.blobs.put_bytes(data)
    with drop_on_error(svc, new_sha), svc.db.write() as session:
        version = session.execute(select(ProtocolVersion).filter_by(id=version_id).with_for_update()
                                  ).scalar_one_or_none()
        newest = session.execute(select(SealedFile.number).filter_by(version_id=version_id)
                                 .order_by(SealedFile.number.desc()).limit(1)).scalar_one_or_none()
        known = session.execute(select(SealedFile.id).filter_by(sha256=new_sha)).first()
        applied = version is not None and newest == after and not known
        if applied:
            session.add(SealedFile(version_id=version_id, number=after + 1, sha256=new_sha, created_at=svc.clock(),
                                   tsa_expires_at=expires))
            record(session, svc, org_id=org_id, kind="renewed", protocol_id=version.protocol_id,
                   sha256=new_sha, renewed_from=renewed_from, tsa_expires_at=expires.isoformat())
    if not applied:
        drop_unreferenced(svc, new_sha)
    return applied


def renew_due(svc, days: int | None = None, limit: int = BATCH) -> int:
    """One worker round: read missing expiries, then renew up to ``limit`` files that are due."""
    days = svc.settings.renew_days if days is None else days
    fill_expiry(svc)
    with svc.db.read() as session:
        orgs = session.execute(select(Organisation).order_by(Organisation.id)).scalars().all()
        session.expunge_all()
    done = 0
    for org in orgs:
        try:
            work = due(svc, org, days, limit - done)
        except SigneringError as exc:  # the organisation's keys cannot be loaded
            log.warning("renewal for %s skipped: %s", org.slug, exc.message("en"))
            continue
        for version_id, sealed_id, number, sha, _expires in work:
            try:
                done += renew_version(svc, org, version_id, sealed_id, number, sha)
            except SigneringError as exc:
                _postponed[sha] = aware(svc.clock()) + RETRY_AFTER
                log.warning("renewal of sealed file %s (%s) postponed: %s", sha, org.slug, exc.message("en"))
        if done >= limit:
            break
    return done
