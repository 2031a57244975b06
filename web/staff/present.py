"""Swedish labels and small summaries the staff pages show (msgids are the Swedish text)."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from signering.route import ProtocolStatus, RequestStatus

PROTOCOL_STATUS = {
    ProtocolStatus.SIGNING: _l("Under justering"),
    ProtocolStatus.DECLINED: _l("Åter hos sekreteraren (nekad)"),
    ProtocolStatus.WITHDRAWN: _l("Avbrutet"),
    ProtocolStatus.SEALED: _l("Justerat"),
    ProtocolStatus.POSTED: _l("Anslaget"),
    ProtocolStatus.ARCHIVED: _l("Nedtaget"),
}

REQUEST_STATUS = {
    RequestStatus.WAITING: _l("Väntar på sin tur"),
    RequestStatus.ACTIVE: _l("Har fått länken"),
    RequestStatus.SIGNED: _l("Har signerat"),
    RequestStatus.DECLINED: _l("Har nekat"),
    RequestStatus.REPLACED: _l("Ersatt"),
    RequestStatus.LOCKED: _l("Låst (för många felaktiga koder)"),
    RequestStatus.SIGNING: _l("Signerar just nu"),
    RequestStatus.VOIDED: _l("Behövs inte längre"),
}

ROLES = {"sekreterare": _l("Sekreterare"), "ordforande": _l("Ordförande"), "justerare": _l("Justerare")}

USER_ROLES = {"secretary": _l("Sekreterare"), "admin": _l("Administratör")}

BOARD_KINDS = {"namnd": _l("Nämnd"), "utskott": _l("Utskott"), "fullmaktige": _l("Fullmäktige"),
               "styrelse": _l("Styrelse"), "natverk": _l("Nätverk")}

EVENTS = {
    "created": _l("Protokollet laddades upp"),
    "sent": _l("Inbjudan skickades"),
    "opened": _l("Länken öppnades"),
    "code_sent": _l("Kod skickades"),
    "code_failed": _l("Felaktig kod angavs"),
    "signed": _l("Signerade"),
    "declined": _l("Nekade att justera"),
    "sealed": _l("Förseglat (justerat)"),
    "posted": _l("Anslaget på anslagstavlan"),
    "reminded": _l("Påminnelse skickades"),
    "replaced": _l("Undertecknare byttes"),
    "withdrawn": _l("Drogs tillbaka"),
    "locked": _l("Länken låstes"),
    "taken_down": _l("Nedtaget från anslagstavlan"),
    "voided": _l("Versionen makulerades"),
    "extract_sent": _l("Utdraget skickades till mottagarna"),
}

KINDS = {"protokoll": _l("Protokoll"), "utdrag": _l("Protokollsutdrag"), "omedelbar": _l("Omedelbar justering")}

DELIVERY_STATUS = {"pending": _l("Väntar"), "delivered": _l("Levererad"), "failed": _l("Misslyckad")}


def delivery_outcome(delivery) -> str:
    """The last attempt's answer as a class only ("HTTP 5xx", or no answer at all).

    Exact codes and error texts ("Connection refused", "HTTP 405") would let an admin map
    ports and services on the operator's network; those stay in the operator's log.
    """
    if delivery.last_status_code:
        return f"HTTP {delivery.last_status_code // 100}xx"
    if delivery.last_error:
        return _("Inget svar")
    return ""


def current_turn(protocol):
    """The request whose turn it is (active or locked) in the live version, or None."""
    version = protocol.current
    if protocol.status != ProtocolStatus.SIGNING or version is None or version.voided:
        return None
    return next((r for r in version.requests
                 if r.status in (RequestStatus.ACTIVE, RequestStatus.LOCKED, RequestStatus.SIGNING)), None)


def decline(protocol):
    """The declining request of the newest version, when the protocol came back declined."""
    version = protocol.current
    if protocol.status != ProtocolStatus.DECLINED or version is None:
        return None
    return next((r for r in version.requests if r.status == RequestStatus.DECLINED), None)


def event_detail(event) -> str:
    """One line of what an audit event's detail says, for the staff trail."""
    d = event.detail or {}
    parts = []
    if "version" in d:
        parts.append(_("version %(number)s", number=d["version"]))
    if "to" in d:
        parts.append(_("till %(address)s", address=d["to"]))
    if "old" in d and "new" in d:
        parts.append(f"{d['old']} → {d['new']}")
    if d.get("reason"):
        parts.append(_("motivering: %(reason)s", reason=d["reason"]))
    if "attempt" in d:
        parts.append(_("försök %(number)s", number=d["attempt"]))
    if d.get("ip"):
        parts.append(_("IP-adress %(ip)s", ip=d["ip"]))
    return "; ".join(parts)
