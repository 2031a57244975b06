"""The side effects a workflow step needs, passed in rather than reached for.

The web app builds one :class:`Services` at start-up; tests build theirs with temporary
directories, a real SMTP server and a fixed clock.
"""

from __future__ import annotations

import datetime as dt
import os
import threading
from dataclasses import dataclass, field
from typing import Callable

from ..clock import utcnow
from ..db import Database
from ..pki.local_tsa import LocalTsaPool
from ..pki.orgkeys import OrgKeys, load_key_dir
from ..storage import BlobStore
from .secrets import SealedBox
from ..urls import PublicUrls


@dataclass
class Settings:
    base_url: str = "http://localhost:8000"
    secret_key: bytes = b""
    lang: str = "sv"
    max_upload_bytes: int = 100 * 1024 * 1024
    link_valid_days: int = 14
    code_valid_minutes: int = 10
    code_max_attempts: int = 5
    code_resend_seconds: int = 30
    reminder_after_days: int = 3
    #: renew a sealed file's archive timestamp when its TSA certificate expires within this many days
    renew_days: int = 365
    #: an external RFC 3161 TSA; empty means the organisation's own (see Services.timestamper_for)
    tsa_url: str = ""
    #: webhooks to plain http:// addresses too (tests; never in production)
    webhook_allow_http: bool = False
    #: host names, addresses or networks that webhooks may reach although they are not public
    #: (a list, or text separated by commas or spaces; see signering.webhook_guard.Policy)
    webhook_allowed_hosts: str | tuple[str, ...] = ()
    #: the installation's transparency-log key (Ed25519 PEM); empty: ``log_key.pem`` beside the
    #: blob directory (runtime.py always names the instance directory's)
    log_key_file: str = ""
    #: the log's origin (first line of every checkpoint, and the key's name); used once, when the
    #: first checkpoint is made, and fixed from then on. Empty: ``<host of base_url>/log``
    log_origin: str = ""
    #: witnesses whose cosignatures the log accepts: C2SP verifier keys ``name+hash+base64``
    #: (a list, or text separated by commas or spaces; see translog.cosignature)
    log_witnesses: str | tuple[str, ...] = ()


@dataclass
class Services:
    db: Database
    blobs: BlobStore
    settings: Settings
    clock: Callable[[], dt.datetime] = utcnow
    #: looks up a key passphrase by the name of the variable an organisation names (runtime.py
    #: passes the process environment; nothing here reads it)
    passphrase: Callable[[str], str | None] = lambda _name: None
    local_tsas: LocalTsaPool = field(default_factory=LocalTsaPool)
    #: org slug -> keys; filled lazily, since loading keys reads files (or opens a token)
    _keys: dict[str, OrgKeys] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _log_signer: object = None

    @property
    def box(self) -> SealedBox:
        return SealedBox(self.settings.secret_key)

    def keys_for(self, org) -> OrgKeys:
        with self._lock:
            keys = self._keys.get(org.slug)
            if keys is None:
                passphrase = self.passphrase(org.seal_passphrase_env) if org.seal_passphrase_env else None
                keys = load_key_dir(org.key_dir, organisation=org.name, base_url=self.settings.base_url,
                                    slug=org.slug, seal_p12_passphrase=passphrase)
                # The signing CA keeps the wall clock, not ``self.clock``: a certificate and the
                # evidence of its status must agree with the timestamp the TSA puts on the
                # signature, and the TSA (our own or an external one) reads the wall clock.
                self._keys[org.slug] = keys
            return keys

    def timestamper_for(self, org):
        """An RFC 3161 client: for the configured external TSA, or for the organisation's own
        (served on loopback by :attr:`local_tsas`)."""
        from ..pki.tsa_client import make_timestamper

        url = self.settings.tsa_url or self.local_tsas.ensure_running(org.slug, self.keys_for(org))
        return make_timestamper(url)

    def signature_provider_for(self, org):
        """The one place that decides how signatures are made for ``org`` (see signature_provider)."""
        from ..signature_provider import OrganisationCA

        if org.signature_service == "csc":
            from ..csc.provider import CscProvider
            from ..csc.settings import csc_config

            return CscProvider(csc_config(self, org), self.timestamper_for(org))
        return OrganisationCA(self.keys_for(org), self.timestamper_for(org))

    @property
    def log_signer(self):
        """The installation's log key (``translog.log_key.LogSigner``), loaded on first use."""
        from ..translog.log_key import LogSigner

        with self._lock:
            if self._log_signer is None:
                path = self.settings.log_key_file or os.path.join(
                    os.path.dirname(os.path.abspath(str(self.blobs.root))), "log_key.pem")
                self._log_signer = LogSigner(os.path.abspath(path))
            return self._log_signer

    @property
    def urls(self) -> PublicUrls:
        return PublicUrls(self.settings.base_url)

    def today(self) -> dt.date:
        # Legal dates are Swedish calendar days.
        from zoneinfo import ZoneInfo

        return self.clock().astimezone(ZoneInfo("Europe/Stockholm")).date()

    def link(self, token: str) -> str:
        return self.urls.signing_link(token)
