"""``signering demo-seal IN.pdf OUT.pdf``: the whole chain in one process with the demo keys."""

from __future__ import annotations

import datetime as dt
import os
import sys
import tempfile

from ..errors import InputError
from ..files import atomic_write
from ..ingest import ingest
from ..pdf.chain import Route, run_chain
from ..route import ROLES
from ..pdf.signature_page import PageSigner
from ..pki.embedded_tsa import running_tsa
from ..pki.orgkeys import demo_keys
from ..storage import BlobStore
from ..emails import is_valid_email

DEMO_SIGNERS = ("Anna Sekreterare|sekreterare|anna@example.org",
                "Örjan Ordförande|ordforande|orjan@example.org",
                "Åsa Justerare|justerare|asa@example.org")


def register(sub) -> None:
    p = sub.add_parser("demo-seal", help="Signera och försegla en PDF med demonycklarna (test utan webbapp).")
    p.add_argument("input", metavar="IN.pdf")
    p.add_argument("output", metavar="OUT.pdf")
    p.add_argument("--board", default="Kommunstyrelsen", help="nämnd/styrelse som sammanträdde")
    p.add_argument("--date", default=None, help="sammanträdesdatum YYYY-MM-DD (standard: i dag)")
    p.add_argument("--signer", action="append", default=[], metavar='"Namn|roll|e-post"',
                   help="i signeringsordning; roll: sekreterare, ordforande eller justerare")
    p.add_argument("--organisation", default="Demo kommun")
    p.add_argument("--base-url", default=os.environ.get("SIGNERING_BASE_URL", "http://localhost:8000"))
    p.add_argument("--lang", default=os.environ.get("SIGNERING_LANG", "sv"), choices=("sv", "en"))
    p.set_defaults(func=run)


def parse_signer(text: str) -> PageSigner:
    parts = [p.strip() for p in text.split("|")]
    if len(parts) != 3 or not parts[0]:
        raise InputError(f'Undertecknaren "{text}" ska skrivas "Namn|roll|e-post".',
                         f'The signer "{text}" must be written "Name|role|email".')
    name, role, email = parts
    if role not in ROLES:
        raise InputError(f'Okänd roll "{role}" för {name}. Använd sekreterare, ordforande eller justerare.',
                         f'Unknown role "{role}" for {name}. Use sekreterare, ordforande or justerare.')
    if not is_valid_email(email):
        raise InputError(f'E-postadressen "{email}" för {name} ser inte giltig ut.',
                         f'The e-mail address "{email}" for {name} does not look valid.')
    return PageSigner(name=name, role=role)


def parse_date(text: str | None) -> dt.date:
    if text is None:
        return dt.date.today()
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise InputError(f'Datumet "{text}" ska skrivas ÅÅÅÅ-MM-DD, t.ex. 2025-09-22.',
                         f'The date "{text}" must be written YYYY-MM-DD, e.g. 2025-09-22.') from None


def run(args) -> int:
    signers = tuple(parse_signer(s) for s in (args.signer or DEMO_SIGNERS))
    route = Route(board=args.board, meeting_date=parse_date(args.date), signers=signers,
                  organisation=args.organisation)
    try:
        source = open(args.input, "rb")
    except OSError as exc:
        raise InputError(f"Filen {args.input} kunde inte öppnas: {exc.strerror}.",
                         f"The file {args.input} could not be opened: {exc.strerror}.") from exc
    # The same upload path as the web app's, into a throwaway blob store.
    with source, tempfile.TemporaryDirectory() as tmp:
        blobs = BlobStore(tmp)
        ingested = ingest(source, blobs)
        original = blobs.read(ingested.sha256)
    keys = demo_keys(args.base_url)
    with running_tsa(keys) as timestamper:
        sealed = run_chain(original, route, keys, timestamper, args.base_url, args.lang)
    atomic_write(args.output, sealed)
    print(f"SHA-256 (original): {ingested.sha256}")
    print(f"Originalets längd:  {ingested.size} byte")
    print(f"Förseglad PDF:      {args.output} ({len(sealed)} byte)", file=sys.stdout)
    return 0
