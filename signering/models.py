"""The data model. Every row belongs to one organisation, directly or through its protocol,
so every query can be scoped to what the caller may see."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (JSON, Boolean, Date, DateTime, ForeignKey, Integer, LargeBinary, String, Text,
                        UniqueConstraint, Index)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship, validates

from . import route
from .clock import utcnow
from .notice_search import search_text
from .text_safety import one_line, xml_safe


class Base(DeclarativeBase):
    type_annotation_map = {dt.datetime: DateTime(timezone=True)}


class Organisation(Base):
    __tablename__ = "organisation"
    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(32), default="kommun")  # kommun | region | kommunforbund
    key_dir: Mapped[str] = mapped_column(String(500))
    seal_passphrase_env: Mapped[str | None] = mapped_column(String(100), nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    #: how signers prove who they are: "code" (a one-time code by e-mail) or "oidc" (e-legitimation)
    signer_auth: Mapped[str] = mapped_column(String(16), default="code", server_default="code")
    oidc_issuer: Mapped[str | None] = mapped_column(String(500), nullable=True)
    oidc_client_id: Mapped[str | None] = mapped_column(String(200), nullable=True)
    #: the name of the environment variable holding the client secret, never the secret itself
    oidc_client_secret_env: Mapped[str | None] = mapped_column(String(100), nullable=True)
    #: the ID token claim carrying the personal identity number (Swedish OIDC profile by default)
    oidc_personnummer_claim: Mapped[str | None] = mapped_column(String(200), nullable=True)
    #: who makes the signers' signatures: "local" (the organisation's own signing CA) or "csc"
    #: (a remote signing service speaking the Cloud Signature Consortium API, see signering.csc)
    signature_service: Mapped[str] = mapped_column(String(16), default="local", server_default="local")
    #: the CSC service's base URL, the part before /csc/v1/
    csc_url: Mapped[str | None] = mapped_column(String(500), nullable=True)
    #: "1.0.4" (tested) or "2" (the same calls under /csc/v2/)
    csc_api_version: Mapped[str] = mapped_column(String(16), default="1.0.4", server_default="1.0.4")
    csc_client_id: Mapped[str | None] = mapped_column(String(200), nullable=True)
    #: the name of the environment variable holding the client secret, never the secret itself
    csc_client_secret_env: Mapped[str | None] = mapped_column(String(100), nullable=True)
    #: the credential that signs: a fixed credential ID, or a template where {email} is the signer's address
    csc_credential: Mapped[str | None] = mapped_column(String(300), nullable=True)
    boards: Mapped[list[Board]] = relationship(back_populates="organisation", order_by="Board.name")


class Board(Base):
    __tablename__ = "board"
    __table_args__ = (UniqueConstraint("organisation_id", "name"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(32), default="namnd")  # namnd | utskott | fullmaktige | natverk
    forvaringsplats: Mapped[str] = mapped_column(String(300), default="")
    organisation: Mapped[Organisation] = relationship(back_populates="boards")

    @validates("name", "forvaringsplats")
    def _one_line(self, _key, value):
        # Copied onto every notice of the board, and from there into the Atom feeds.
        return one_line(value) if isinstance(value, str) else value


class User(Base):
    __tablename__ = "user_account"
    __table_args__ = (UniqueConstraint("organisation_id", "email"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    email: Mapped[str] = mapped_column(String(254))
    name: Mapped[str] = mapped_column(String(200), default="")
    role: Mapped[str] = mapped_column(String(16))  # secretary | admin
    password_hash: Mapped[str] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    organisation: Mapped[Organisation] = relationship()


class ApiToken(Base):
    __tablename__ = "api_token"
    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    revoked: Mapped[bool] = mapped_column(Boolean, default=False)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(nullable=True)
    #: None: valid until revoked
    expires_at: Mapped[dt.datetime | None] = mapped_column(nullable=True)
    #: to the minute at best: written at most once a minute per token (see accounts.API_TOKEN_TOUCH)
    last_used_at: Mapped[dt.datetime | None] = mapped_column(nullable=True)


class StaffSession(Base):
    """A logged-in browser. The cookie holds the random token; only its hash is kept here,
    so deleting the row ends the session wherever the cookie has been copied to."""
    __tablename__ = "staff_session"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    #: absolute: login time plus the lifetime, never extended by activity
    expires_at: Mapped[dt.datetime] = mapped_column()


class Protocol(Base):
    __tablename__ = "protocol"
    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    board_id: Mapped[int] = mapped_column(ForeignKey("board.id"), index=True)
    meeting_date: Mapped[dt.date] = mapped_column(Date)
    #: signing | declined | withdrawn | sealed | posted | archived (the API's values)
    status: Mapped[str] = mapped_column(String(16), default="signing", index=True)
    created_by: Mapped[str] = mapped_column(String(254), default="")
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    #: protokoll | utdrag (certified extract, signed by the secretary) | omedelbar (one paragraph
    #: adjusted at once, by the whole route, before the rest of the protocol)
    kind: Mapped[str] = mapped_column(String(16), default="protokoll", server_default="protokoll")
    #: the full protocol an utdrag or omedelbar justering was taken from
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("protocol.id"), nullable=True, index=True)
    #: the paragraph numbers (§) an utdrag or omedelbar justering covers
    paragraphs: Mapped[list] = mapped_column(JSON, default=list, server_default="[]")
    #: an utdrag's recipients (names as the protocol writes them), each listed under all its paragraphs
    recipients: Mapped[list] = mapped_column(JSON, default=list, server_default="[]")
    board: Mapped[Board] = relationship()
    parent: Mapped[Protocol | None] = relationship(remote_side="Protocol.id")
    versions: Mapped[list[ProtocolVersion]] = relationship(back_populates="protocol", order_by="ProtocolVersion.number")

    @property
    def current(self) -> ProtocolVersion | None:
        return self.versions[-1] if self.versions else None

    @validates("status")
    def _status_changes_by_the_rules(self, _key, new):
        # Every status change passes here, so the table in route.py is enforced, not just written down.
        return route.check_transition(route.PROTOCOL_TRANSITIONS, self.status, new, "protocol %s" % self.id)


class ProtocolVersion(Base):
    __tablename__ = "protocol_version"
    __table_args__ = (UniqueConstraint("protocol_id", "number"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    protocol_id: Mapped[int] = mapped_column(ForeignKey("protocol.id"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    original_sha256: Mapped[str] = mapped_column(String(64), index=True)
    original_size: Mapped[int] = mapped_column(Integer)
    page_count: Mapped[int] = mapped_column(Integer, default=0)
    filename: Mapped[str] = mapped_column(String(255), default="protokoll.pdf")
    #: blob holding the latest state: signature page, then each signature in turn, then the seal
    working_sha256: Mapped[str] = mapped_column(String(64))
    sealed_sha256: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    voided: Mapped[bool] = mapped_column(Boolean, default=False)
    #: set while all signers have signed but the seal is not yet written (redone on start)
    seal_pending: Mapped[bool] = mapped_column(Boolean, default=False)
    #: why a fully signed version cannot be sealed (an error code, e.g. "meeting_date_in_future");
    #: the worker leaves it alone until a new version or a withdrawal takes it out of use
    seal_blocked: Mapped[str | None] = mapped_column(String(64), nullable=True)
    seal_blocked_at: Mapped[dt.datetime | None] = mapped_column(nullable=True)
    #: the staff user (or API client) who uploaded this version; told when it comes back
    uploaded_by: Mapped[str | None] = mapped_column(String(254), nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    sealed_at: Mapped[dt.datetime | None] = mapped_column(nullable=True)
    protocol: Mapped[Protocol] = relationship(back_populates="versions")
    requests: Mapped[list[SignatureRequest]] = relationship(back_populates="version",
                                                            order_by="SignatureRequest.position")


class SealedFile(Base):
    """Every sealed file of a version: the seal (number 0), then each archive-timestamp renewal.

    Each renewal is a new file with its own hash, the one before it as its byte prefix; the
    registry answers for all of them. ``ProtocolVersion.sealed_sha256`` stays the file that was
    sealed and published (the transparency log and the notice name it)."""
    __tablename__ = "sealed_file"
    __table_args__ = (UniqueConstraint("version_id", "number"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("protocol_version.id"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    #: when the certificate of the TSA that made the file's newest timestamp expires; None until
    #: the worker has read it (rows that existed before renewal did)
    tsa_expires_at: Mapped[dt.datetime | None] = mapped_column(nullable=True, index=True)
    version: Mapped[ProtocolVersion] = relationship()


class SignatureRequest(Base):
    __tablename__ = "signature_request"
    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("protocol_version.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)  # 0-based routing order = field signer-(position+1)
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(254))
    role: Mapped[str] = mapped_column(String(16))
    #: waiting | active | signed | declined | replaced | locked | voided
    status: Mapped[str] = mapped_column(String(16), default="waiting")
    token_hash: Mapped[str | None] = mapped_column(String(64), unique=True, nullable=True)
    token_expires_at: Mapped[dt.datetime | None] = mapped_column(nullable=True)
    code_hash: Mapped[str | None] = mapped_column(String(64), nullable=True)
    code_expires_at: Mapped[dt.datetime | None] = mapped_column(nullable=True)
    code_attempts: Mapped[int] = mapped_column(Integer, default=0)
    sent_at: Mapped[dt.datetime | None] = mapped_column(nullable=True)
    last_reminded_at: Mapped[dt.datetime | None] = mapped_column(nullable=True)
    opened_at: Mapped[dt.datetime | None] = mapped_column(nullable=True)
    verified_at: Mapped[dt.datetime | None] = mapped_column(nullable=True)
    #: while status is "signing": the process making the signature (see workflow/claims.py)
    claimed_by: Mapped[str | None] = mapped_column(String(200), nullable=True)
    signed_at: Mapped[dt.datetime | None] = mapped_column(nullable=True)
    decline_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    #: HMAC of the personnummer staff gave for this signer (see signering/identity.py); never the number
    personnummer_hash: Mapped[str | None] = mapped_column(String(64), nullable=True)
    #: how the signer was identified before signing: email_code | oidc
    identified_by: Mapped[str | None] = mapped_column(String(16), nullable=True)
    #: for oidc: what the login was matched on, "personnummer" or "name" (staff see a match by name)
    identity_match: Mapped[str | None] = mapped_column(String(16), nullable=True)
    identified_at: Mapped[dt.datetime | None] = mapped_column(nullable=True)
    version: Mapped[ProtocolVersion] = relationship(back_populates="requests")

    @validates("status")
    def _status_changes_by_the_rules(self, _key, new):
        # Every status change passes here, so the table in route.py is enforced, not just written down.
        return route.check_transition(route.REQUEST_TRANSITIONS, self.status, new, "signature request %s" % self.id)


class OidcLogin(Base):
    """A login started at the IdP for one signing link: its state (hashed), nonce and PKCE
    verifier. Used once; a second callback with the same state finds it used and is refused."""
    __tablename__ = "oidc_login"
    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("signature_request.id"), index=True)
    state_hash: Mapped[str] = mapped_column(String(64), unique=True)
    nonce: Mapped[str] = mapped_column(String(100))
    code_verifier: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    used_at: Mapped[dt.datetime | None] = mapped_column(nullable=True)


class Event(Base):
    """The audit trail. Staff-only: it may hold e-mail addresses and IP addresses."""
    __tablename__ = "event"
    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    protocol_id: Mapped[int | None] = mapped_column(ForeignKey("protocol.id"), index=True, nullable=True)
    request_id: Mapped[int | None] = mapped_column(ForeignKey("signature_request.id"), nullable=True)
    kind: Mapped[str] = mapped_column(String(32))
    actor: Mapped[str] = mapped_column(String(254), default="")
    detail: Mapped[dict] = mapped_column(JSON, default=dict)
    at: Mapped[dt.datetime] = mapped_column(default=utcnow, index=True)


class Notice(Base):
    """A notice on the anslagstavla."""
    __tablename__ = "notice"
    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    protocol_id: Mapped[int | None] = mapped_column(ForeignKey("protocol.id"), unique=True, nullable=True)
    kind: Mapped[str] = mapped_column(String(32), default="bevis_om_justering")
    title: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text, default="")
    board_name: Mapped[str] = mapped_column(String(200), default="")
    meeting_date: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    justering_date: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    posted_date: Mapped[dt.date] = mapped_column(Date)
    appeal_last_day: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    takedown_date: Mapped[dt.date] = mapped_column(Date, index=True)
    forvaringsplats: Mapped[str] = mapped_column(String(300), default="")
    #: names and roles of the signers while posted; cleared when the notice comes down
    signers: Mapped[list] = mapped_column(JSON, default=list)
    status: Mapped[str] = mapped_column(String(16), default="posted", index=True)  # posted | archived
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    archived_at: Mapped[dt.datetime | None] = mapped_column(nullable=True)
    #: a correction made while the notice is up: what was wrong, shown with the notice
    correction_note: Mapped[str] = mapped_column(Text, default="")
    corrected_at: Mapped[dt.datetime | None] = mapped_column(nullable=True)
    #: why staff took the notice down before its take-down date (empty when it came down on that date)
    takedown_reason: Mapped[str] = mapped_column(Text, default="")
    #: title and board case-folded (notice_search.search_text), kept by the validator below:
    #: the archive search matches it with LIKE, which on SQLite folds ASCII only
    search_text: Mapped[str] = mapped_column(Text, default="", server_default="")
    protocol: Mapped[Protocol | None] = relationship()

    @validates("title", "board_name", "forvaringsplats")
    def _one_line(self, key, value):
        # Whatever path the text takes in, the feeds must be able to carry it.
        value = one_line(value) if isinstance(value, str) else value
        if key != "forvaringsplats":
            # Every ORM write of the title or board passes here (posting, sealing, corrections),
            # so the stored search text cannot fall behind what the notice shows.
            texts = {"title": self.title, "board_name": self.board_name, key: value}
            self.search_text = search_text(texts["title"], texts["board_name"])
        return value

    @validates("body", "correction_note", "takedown_reason")
    def _text(self, _key, value):
        return xml_safe(value).strip() if isinstance(value, str) else value

    @validates("status")
    def _status_changes_by_the_rules(self, _key, new):
        # Every status change passes here, so the table in route.py is enforced, not just written down.
        return route.check_transition(route.NOTICE_TRANSITIONS, self.status, new, "notice %s" % self.id)


class OutboxMail(Base):
    """Mail to send, written in the same transaction as the state change that causes it."""
    __tablename__ = "outbox_mail"
    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"), nullable=True)
    dedupe_key: Mapped[str] = mapped_column(String(200), unique=True)
    to: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    #: the body carries a link or a code: it is blanked once the mail is sent
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow, index=True)
    claimed_until: Mapped[dt.datetime | None] = mapped_column(nullable=True)
    sent_at: Mapped[dt.datetime | None] = mapped_column(nullable=True, index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)


class Webhook(Base):
    __tablename__ = "webhook"
    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    url: Mapped[str] = mapped_column(String(500))
    secret: Mapped[str] = mapped_column(String(128))
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class WebhookDelivery(Base):
    __tablename__ = "webhook_delivery"
    id: Mapped[int] = mapped_column(primary_key=True)
    webhook_id: Mapped[int] = mapped_column(ForeignKey("webhook.id"), index=True)
    event: Mapped[str] = mapped_column(String(64))
    payload: Mapped[dict] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(16), default="pending")  # pending | delivered | failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[dt.datetime] = mapped_column(default=utcnow, index=True)
    last_status_code: Mapped[int | None] = mapped_column(Integer, nullable=True)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    webhook: Mapped[Webhook] = relationship()


class LogEntry(Base):
    """One leaf of the transparency log (append-only; index = position in the tree)."""
    __tablename__ = "log_entry"
    index: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    leaf: Mapped[bytes] = mapped_column(LargeBinary)
    leaf_hash: Mapped[str] = mapped_column(String(64))
    original_sha256: Mapped[str] = mapped_column(String(64), index=True)
    sealed_sha256: Mapped[str] = mapped_column(String(64), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class LogNode(Base):
    """The hash of one complete subtree of the log: 2**level leaves from leaf position * 2**level
    (level 1 and up; a leaf's own hash is ``LogEntry.leaf_hash``). Written with the leaf that
    completes it, never changed; proofs and tree heads read O(log n) of them instead of every leaf."""
    __tablename__ = "log_node"
    level: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    position: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    hash: Mapped[str] = mapped_column(String(64))


class LogCheckpoint(Base):
    """The log's signed checkpoint (C2SP signed note) for one tree size, made once when the tree
    reached that size and never changed; ``cosignatures`` are witnesses' signature lines."""
    __tablename__ = "log_checkpoint"
    tree_size: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    root_hash: Mapped[str] = mapped_column(String(64))
    note: Mapped[str] = mapped_column(Text)
    cosignatures: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


Index("ix_signature_request_active", SignatureRequest.status)
# the notices up on one organisation's board, without reading those it took down years ago
Index("ix_notice_board", Notice.organisation_id, Notice.status, Notice.takedown_date)
# an organisation's protocols page by page, newest meeting first, without sorting them all
Index("ix_protocol_list", Protocol.organisation_id, Protocol.meeting_date, Protocol.id)
# whether a blob is still named (blob_refs): the OR over three hash columns needs all three indexed,
# or one missing reads every version
Index("ix_protocol_version_working_sha256", ProtocolVersion.working_sha256)
# the seal queue: the few versions waiting, not every version ever sealed
_SEAL_PENDING = ProtocolVersion.seal_pending.is_(True)
Index("ix_protocol_version_seal_pending", ProtocolVersion.id, postgresql_where=_SEAL_PENDING,
      sqlite_where=_SEAL_PENDING)


class BoardMember(Base):
    """One person in a board's member register: where the e-mail address of a signer comes from."""
    __tablename__ = "board_member"
    id: Mapped[int] = mapped_column(primary_key=True)
    board_id: Mapped[int] = mapped_column(ForeignKey("board.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(254), default="")
    #: ledamot | ersattare | ordforande | justerare | sekreterare
    role: Mapped[str] = mapped_column(String(16), default="ledamot")
    board: Mapped[Board] = relationship()
