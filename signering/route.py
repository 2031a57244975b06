"""The vocabulary of the domain: roles, the route of signers, statuses and kinds, and which
status may follow which. Standard library only; every layer imports it instead of spelling
the words out again.

The enums are ``StrEnum``s: a member equals the string stored in the database and sent in
JSON (``ProtocolStatus.POSTED == "posted"``), so rows and public contracts stay as they were.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass


class Role(enum.StrEnum):
    """Who signs, in the order they sign: sekreterare, then ordförande, then each justerare."""

    SEKRETERARE = "sekreterare"
    ORDFORANDE = "ordforande"
    JUSTERARE = "justerare"

    @property
    def rank(self) -> int:
        return list(Role).index(self)

    def title(self, lang: str = "sv") -> str:
        """The role as a title on a page or in a certificate ("Ordförande", "Chair")."""
        return _TITLES["en" if lang.startswith("en") else "sv"][self]

    def noun(self, lang: str = "sv") -> str:
        """The role inside a sentence ("som ordförande", "as chair")."""
        return _NOUNS["en" if lang.startswith("en") else "sv"][self]

    @classmethod
    def from_title(cls, text: str) -> "Role | None":
        """Read a role back from a title or a key ("Ordförande", "ordforande")."""
        folded = text.strip().lower().replace("ö", "o")
        return next((role for role in cls if role.value == folded), None)


_TITLES = {
    "sv": {Role.SEKRETERARE: "Sekreterare", Role.ORDFORANDE: "Ordförande", Role.JUSTERARE: "Justerare"},
    "en": {Role.SEKRETERARE: "Secretary", Role.ORDFORANDE: "Chair", Role.JUSTERARE: "Minutes checker"},
}
_NOUNS = {
    "sv": {Role.SEKRETERARE: "sekreterare", Role.ORDFORANDE: "ordförande", Role.JUSTERARE: "justerare"},
    "en": {Role.SEKRETERARE: "secretary", Role.ORDFORANDE: "chair", Role.JUSTERARE: "minutes checker (justerare)"},
}
ROLES: tuple[str, ...] = tuple(role.value for role in Role)


class RouteError(ValueError):
    """A route breaks the order rules; the message says which rule, in Swedish and English."""

    def __init__(self, sv: str, en: str):
        super().__init__(sv)
        self.sv, self.en = sv, en


def check_order(roles: list[str] | tuple[str, ...], *, secretary_alone: bool = False) -> tuple[Role, ...]:
    """The route's roles as :class:`Role`, or :class:`RouteError`: a known role each, the
    sekreterare first, then the ordförande, then at least one justerare (a protokollsutdrag is
    certified by the sekreterare alone)."""
    parsed = []
    for role in roles:
        try:
            parsed.append(Role(role))
        except ValueError:
            raise RouteError(f"Okänd roll '{role}'. Välj sekreterare, ordförande eller justerare.",
                             f"Unknown role '{role}'. Choose sekreterare, ordforande or justerare.") from None
    if secretary_alone:
        if parsed != [Role.SEKRETERARE]:
            raise RouteError("Ett protokollsutdrag signeras av sekreteraren ensam.",
                             "A protocol extract is signed by the secretary alone.")
        return tuple(parsed)
    if (len(parsed) < 3 or parsed[0] is not Role.SEKRETERARE or parsed[1] is not Role.ORDFORANDE
            or any(r is not Role.JUSTERARE for r in parsed[2:])):
        raise RouteError("Ordningen ska vara: sekreterare, ordförande och minst en justerare.",
                         "The order must be: sekreterare, ordförande and at least one justerare.")
    return tuple(parsed)


@dataclass(frozen=True)
class Signer:
    """One person on a route. The e-mail address is never printed on anything public."""

    name: str
    role: str
    email: str = ""


class ProtocolKind(enum.StrEnum):
    PROTOKOLL = "protokoll"
    UTDRAG = "utdrag"  # protokollsutdrag: certified by the sekreterare, sent to its recipients
    OMEDELBAR = "omedelbar"  # a paragraph justerad at the meeting, with its own notice


class ProtocolStatus(enum.StrEnum):
    SIGNING = "signing"
    DECLINED = "declined"
    WITHDRAWN = "withdrawn"
    SEALED = "sealed"
    POSTED = "posted"
    ARCHIVED = "archived"


#: A protocol whose justering is done: sealed, and perhaps posted and taken down since.
JUSTERAT: frozenset[str] = frozenset({ProtocolStatus.SEALED, ProtocolStatus.POSTED, ProtocolStatus.ARCHIVED})
#: A protocol the secretary can still act on (remind, replace, withdraw, a new version).
IN_PROGRESS: frozenset[str] = frozenset({ProtocolStatus.SIGNING, ProtocolStatus.DECLINED})


class RequestStatus(enum.StrEnum):
    WAITING = "waiting"  # earlier signers have not signed yet; no link exists
    ACTIVE = "active"  # the signer's turn: a live link
    SIGNING = "signing"  # claimed: the signature is being made outside the database lock
    SIGNED = "signed"
    DECLINED = "declined"
    LOCKED = "locked"  # too many wrong codes; a reminder gives a new link
    VOIDED = "voided"  # the version was declined, withdrawn or replaced by a new one
    REPLACED = "replaced"  # the secretary put someone else in this place


#: Requests still ahead of a signature: they may be reminded, replaced or voided.
PENDING: frozenset[str] = frozenset({RequestStatus.WAITING, RequestStatus.ACTIVE, RequestStatus.LOCKED})
#: Requests that no longer block the ones after them.
DONE: frozenset[str] = frozenset({RequestStatus.SIGNED, RequestStatus.REPLACED})


class RegistryStatus(enum.StrEnum):
    """What the public registry says of a hash (``/verifiera``, ``GET /api/v1/verify/<sha256>``)."""

    SEALED = "sealed"  # justerat: sealed, and perhaps posted and taken down since
    IN_PROGRESS = "in_progress"
    WITHDRAWN = "withdrawn"
    UNKNOWN = "unknown"


class NoticeStatus(enum.StrEnum):
    POSTED = "posted"
    ARCHIVED = "archived"


#: Which status may follow which. None is a new row, which may start in any status (imports,
#: restores and fixtures make rows as they are); the workflow makes its rows "signing" or
#: "waiting"/"active". A status may always stay what it is.
PROTOCOL_TRANSITIONS: dict[str | None, frozenset[str]] = {
    None: frozenset(ProtocolStatus),
    ProtocolStatus.SIGNING: frozenset({ProtocolStatus.DECLINED, ProtocolStatus.WITHDRAWN, ProtocolStatus.SEALED}),
    ProtocolStatus.DECLINED: frozenset({ProtocolStatus.SIGNING, ProtocolStatus.WITHDRAWN}),
    ProtocolStatus.SEALED: frozenset({ProtocolStatus.POSTED, ProtocolStatus.ARCHIVED}),
    ProtocolStatus.POSTED: frozenset({ProtocolStatus.ARCHIVED}),
    ProtocolStatus.WITHDRAWN: frozenset(),
    ProtocolStatus.ARCHIVED: frozenset(),
}
REQUEST_TRANSITIONS: dict[str | None, frozenset[str]] = {
    None: frozenset(RequestStatus),
    RequestStatus.WAITING: frozenset({RequestStatus.ACTIVE, RequestStatus.VOIDED, RequestStatus.REPLACED}),
    RequestStatus.ACTIVE: frozenset({RequestStatus.SIGNING, RequestStatus.DECLINED, RequestStatus.LOCKED,
                                     RequestStatus.VOIDED, RequestStatus.REPLACED}),
    RequestStatus.SIGNING: frozenset({RequestStatus.ACTIVE, RequestStatus.SIGNED}),
    RequestStatus.LOCKED: frozenset({RequestStatus.ACTIVE, RequestStatus.VOIDED, RequestStatus.REPLACED}),
    RequestStatus.SIGNED: frozenset(),
    # The secretary may replace a signer who declined; the route then resumes where it stopped, so
    # the requests voided by that decline (never those of a withdrawn or replaced version) wait again.
    RequestStatus.DECLINED: frozenset({RequestStatus.REPLACED}),
    RequestStatus.VOIDED: frozenset({RequestStatus.WAITING}),
    RequestStatus.REPLACED: frozenset(),
}
NOTICE_TRANSITIONS: dict[str | None, frozenset[str]] = {
    None: frozenset(NoticeStatus),
    NoticeStatus.POSTED: frozenset({NoticeStatus.ARCHIVED}),
    NoticeStatus.ARCHIVED: frozenset(),
}


class TransitionError(ValueError):
    """A status change the workflow does not allow: a bug, never the user's doing."""


def check_transition(table: dict, old: str | None, new: str, what: str) -> str:
    """``new`` if ``old`` may become ``new`` by ``table``; else :class:`TransitionError`."""
    if old == new or new in table.get(old, ()):
        return new
    raise TransitionError(f"{what}: {old!r} → {new!r} is not an allowed status change")
