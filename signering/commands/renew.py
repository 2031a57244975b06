"""``signering renew IN.pdf OUT.pdf [--org SLUG]``: renew a sealed protocol's archive timestamp.

Adds the validation data of the file's newest timestamp and a new document timestamp by the
organisation's current TSA (:mod:`signering.pdf.renew`); IN stays the byte prefix of OUT, which
is written atomically. The organisation is the one the registry knows IN by, or ``--org``. When
IN is a sealed file of a protocol in the registry, OUT is recorded as its newest sealed file, so
the registry answers for it too. Exit 0 when renewed, 2 with a message when not.
"""

from __future__ import annotations

import hashlib
import os
import tempfile

from sqlalchemy import select

from ..errors import InputError, SigneringError


class UnknownOrganisation(SigneringError):
    code = "unknown_organisation"
    http_status = 404
    default_sv = ("Organisationen som förseglade filen är okänd här: filen finns inte i registret. Ange "
                  "organisationen med --org SLUG.")
    default_en = ("The organisation that sealed the file is unknown here: the file is not in the registry. Name the "
                  "organisation with --org SLUG.")


def register(sub) -> None:
    p = sub.add_parser("renew", help="Förnya arkivtidsstämpeln i ett förseglat protokoll.",
                       description="Lägger till valideringsdata för den senaste tidsstämpeln och en ny "
                                   "dokumenttidsstämpel från organisationens nuvarande tidsstämpeltjänst. "
                                   "IN ändras inte; OUT börjar med exakt samma byte som IN.")
    p.add_argument("input", metavar="IN.pdf")
    p.add_argument("output", metavar="OUT.pdf")
    p.add_argument("--org", metavar="SLUG", help="organisationen (standard: den som registret känner filen för)")
    p.set_defaults(func=run)


def _read(path: str) -> bytes:
    try:
        with open(path, "rb") as fh:
            return fh.read()
    except OSError as exc:
        raise InputError(f"Filen {path} kunde inte öppnas: {exc.strerror}.",
                         f"The file {path} could not be opened: {exc.strerror}.") from exc


def write_atomically(path: str, data: bytes) -> None:
    """All of ``data`` at ``path`` or nothing there: a half-written archive file is worse than none."""
    directory = os.path.dirname(os.path.abspath(path))
    try:
        fd, tmp = tempfile.mkstemp(prefix=".renew-", suffix=".pdf", dir=directory)
    except OSError as exc:
        raise InputError(f"Filen {path} kunde inte skrivas: {exc.strerror}.",
                         f"The file {path} could not be written: {exc.strerror}.") from exc
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except OSError as exc:
        os.unlink(tmp)
        raise InputError(f"Filen {path} kunde inte skrivas: {exc.strerror}.",
                         f"The file {path} could not be written: {exc.strerror}.") from exc
    dir_fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


def _organisation(session, slug: str | None, sha: str):
    from ..models import Organisation, Protocol, ProtocolVersion, SealedFile

    if slug:
        org = session.execute(select(Organisation).filter_by(slug=slug)).scalar_one_or_none()
        if org is None:
            raise UnknownOrganisation(f"Organisationen '{slug}' finns inte. Kontrollera --org.",
                                      f"There is no organisation '{slug}'. Check --org.", org=slug)
        return org, None
    found = session.execute(
        select(SealedFile.version_id, SealedFile.number, Protocol.organisation_id)
        .join(ProtocolVersion, ProtocolVersion.id == SealedFile.version_id)
        .join(Protocol, Protocol.id == ProtocolVersion.protocol_id)
        .where(SealedFile.sha256 == sha)).first()
    if found is None:
        raise UnknownOrganisation(sha256=sha)
    return session.get(Organisation, found.organisation_id), found


def run(args) -> int:
    from ..models import ProtocolVersion, SealedFile
    from ..pdf.renew import newest_timestamp, renew
    from ..runtime import services_from_env
    from ..workflow.renewal import record_sealed_file

    data = _read(args.input)
    newest_timestamp(data)  # not a sealed protocol: say so before touching the database
    sha = hashlib.sha256(data).hexdigest()
    svc = services_from_env()
    try:
        with svc.db.read() as session:
            org, found = _organisation(session, args.org, sha)
            if found is None:  # --org given: still record it if the file is that organisation's
                found = session.execute(
                    select(SealedFile.version_id, SealedFile.number)
                    .join(ProtocolVersion, ProtocolVersion.id == SealedFile.version_id)
                    .where(SealedFile.sha256 == sha)).first()
            session.expunge(org)
        keys = svc.keys_for(org)
        renewed = renew(data, keys=keys, timestamper=svc.timestamper_for(org),
                        new_tsa_not_after=None if svc.settings.tsa_url else keys.tsa.certificate.not_valid_after_utc)
        write_atomically(args.output, renewed)
        newest = newest_timestamp(renewed)
        recorded = False
        if found is not None:
            with svc.db.read() as session:
                last = session.execute(select(SealedFile.number).filter_by(version_id=found.version_id)
                                       .order_by(SealedFile.number.desc()).limit(1)).scalar_one()
            recorded = record_sealed_file(svc, found.version_id, renewed, after=last,
                                          expires=newest.tsa_not_after, org_id=org.id, renewed_from=sha)
    finally:
        svc.local_tsas.stop_all()
        svc.db.dispose()
    from ..cli import lang

    sv = not lang().startswith("en")
    print(f"{'Förnyad' if sv else 'Renewed'}: {args.output}")
    print(f"SHA-256: {hashlib.sha256(renewed).hexdigest()}")
    print(f"{'Ny tidsstämpel' if sv else 'New timestamp'}: {newest.time.isoformat()}, "
          f"{'tidsstämpelcertifikatet gäller till' if sv else 'TSA certificate valid until'} "
          f"{newest.tsa_not_after.isoformat()}")
    if recorded:
        print("Registrerad som protokollets senaste förseglade fil." if sv else
              "Recorded as the protocol's newest sealed file.")
    return 0
