"""The side effects a workflow step needs, passed in rather than reached for.

The web app builds one :class:`Services` at start-up; tests build theirs with temporary
directories, a real SMTP server and a fixed clock.
"""

from __future__ import annotations

import datetime as dt
import threading
from dataclasses import dataclass, field
from typing import Callable

from ..clock import utcnow
from ..db import Database
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
    #: an external RFC 3161 TSA; empty means the organisation's own (see Services.timestamper_for)
    tsa_url: str = ""
    #: webhooks to plain http:// addresses too (tests; never in production)
    webhook_allow_http: bool = False
    #: host names, addresses or networks that webhooks may reach although they are not public
    #: (a list, or text separated by commas or spaces; see signering.webhook_guard.Policy)
    webhook_allowed_hosts: str | tuple[str, ...] = ()


@dataclass
class Services:
    db: Database
    blobs: BlobStore
    settings: Settings
    clock: Callable[[], dt.datetime] = utcnow
    #: org slug -> keys; filled lazily, since loading keys reads files (or opens a token)
    _keys: dict[str, OrgKeys] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _tsa_urls: dict[str, str] = field(default_factory=dict)

    @property
    def box(self) -> SealedBox:
        return SealedBox(self.settings.secret_key)

    def keys_for(self, org) -> OrgKeys:
        with self._lock:
            keys = self._keys.get(org.slug)
            if keys is None:
                import os

                passphrase = os.environ.get(org.seal_passphrase_env) if org.seal_passphrase_env else None
                keys = load_key_dir(org.key_dir, organisation=org.name, base_url=self.settings.base_url,
                                    slug=org.slug, seal_p12_passphrase=passphrase)
                # The signing CA keeps the wall clock, not ``self.clock``: a certificate and the
                # evidence of its status must agree with the timestamp the TSA puts on the
                # signature, and the TSA (our own or an external one) reads the wall clock.
                self._keys[org.slug] = keys
            return keys

    def timestamper_for(self, org):
        """An RFC 3161 client: for the configured external TSA, or for the organisation's own.

        The organisation's own TSA is served in this process on a loopback port (one per
        organisation, started on first use) and reached over HTTP like any other TSA. It used
        to be reached through the public /tsa/<org> URL of this same server, but then a
        signature waited in line behind public traffic while holding the database lock.
        """
        from ..pki.tsa_client import make_timestamper

        return make_timestamper(self.settings.tsa_url or self._local_tsa_url(org))

    def _local_tsa_url(self, org) -> str:
        from ..pki.embedded_tsa import authority_for
        from ..pki.tsa import serve_in_thread

        keys = self.keys_for(org)
        with self._lock:
            url = self._tsa_urls.get(org.slug)
            if url is None:
                url, _stop = serve_in_thread(authority_for(keys).wsgi_app)
                self._tsa_urls[org.slug] = url
            return url

    def signature_provider_for(self, org):
        """The one place that decides how signatures are made for ``org`` (see signature_provider)."""
        from ..signature_provider import OrganisationCA

        return OrganisationCA(self.keys_for(org), self.timestamper_for(org))

    @property
    def urls(self) -> PublicUrls:
        return PublicUrls(self.settings.base_url)

    def today(self) -> dt.date:
        # Legal dates are Swedish calendar days.
        from zoneinfo import ZoneInfo

        return self.clock().astimezone(ZoneInfo("Europe/Stockholm")).date()

    def link(self, token: str) -> str:
        return self.urls.signing_link(token)
