"""Swedish labels and small summaries the staff pages show (msgids are the Swedish text)."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from signering.route import ProtocolStatus, RequestStatus

PROTOCOL_STATUS = {
    ProtocolStatus.SIGNING: _l("Under justering"),
    ProtocolStatus.DECLINED: _l("Åter hos sekreteraren (avböjt)"),
    ProtocolStatus.WITHDRAWN: _l("Avbrutet"),
    ProtocolStatus.SEALED: _l("Justerat"),
    ProtocolStatus.POSTED: _l("Anslaget"),
    ProtocolStatus.ARCHIVED: _l("Nedtaget"),
}

REQUEST_STATUS = {
    RequestStatus.WAITING: _l("Väntar på sin tur"),
    RequestStatus.ACTIVE: _l("Har fått länken"),
    RequestStatus.SIGNED: _l("Har signerat"),
    RequestStatus.DECLINED: _l("Har avböjt"),
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
    "declined": _l("Avböjde att justera"),
    "seal_blocked": _l("Kunde inte förseglas"),
    "date_mismatch": _l("Datumet skiljer sig från PDF-filens"),
    "sealed": _l("Förseglat (justerat)"),
    "posted": _l("Anslaget på anslagstavlan"),
    "reminded": _l("Påminnelse skickades"),
    "replaced": _l("Undertecknare byttes"),
    "withdrawn": _l("Drogs tillbaka"),
    "locked": _l("Länken låstes"),
    "taken_down": _l("Nedtaget från anslagstavlan"),
    "voided": _l("Versionen makulerades"),
    "extract_sent": _l("Utdraget skickades"),
    "renewed": _l("Arkivtidsstämpeln förnyades"),
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


#: what a blocked version's reason means and what to do, by ``ProtocolVersion.seal_blocked``
BLOCKED = {
    "meeting_date_in_future": _l("Alla har signerat, men protokollet kan inte förseglas och anslås: "
                                 "sammanträdesdatumet ligger efter dagen för justeringen. Ladda upp en ny version med "
                                 "rätt sammanträdesdatum (justeringen börjar då om), eller dra tillbaka protokollet."),
}


def blocked(protocol):
    """What to tell the staff when the current version is signed by all but cannot be sealed, or None."""
    version = protocol.current
    if version is None or version.voided or not version.seal_blocked or protocol.status != ProtocolStatus.SIGNING:
        return None
    return BLOCKED.get(version.seal_blocked, _l("Protokollet kan inte förseglas. Ladda upp en ny version eller dra "
                                                "tillbaka protokollet."))


def state_label(protocol) -> str:
    """The protocol's state as staff read it: a blocked one is not simply "under justering"."""
    if blocked(protocol) is not None:
        return _("Stoppat – kan inte förseglas")
    return PROTOCOL_STATUS.get(protocol.status, protocol.status)


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
    if d.get("to"):
        parts.append(_("till %(address)s", address=d["to"]))
    elif event.kind == "extract_sent":
        parts.append(_("ingen mottagare hade e-postadress"))
    if d.get("missing"):
        parts.append(_("utan e-postadress i registret: %(names)s", names=d["missing"]))
    if "old" in d and "new" in d:
        parts.append(f"{d['old']} → {d['new']}")
    if d.get("after_decline"):
        parts.append(_("efter att ha avböjt"))
    if "typed" in d and "in_pdf" in d:
        parts.append(_("angivet %(typed)s, i PDF-filen %(in_pdf)s", typed=d["typed"], in_pdf=d["in_pdf"]))
    if d.get("reason"):
        parts.append(_("motivering: %(reason)s", reason=d["reason"]))
    if "attempt" in d:
        parts.append(_("försök %(number)s", number=d["attempt"]))
    if d.get("ip"):
        parts.append(_("IP-adress %(ip)s", ip=d["ip"]))
    return "; ".join(parts)
