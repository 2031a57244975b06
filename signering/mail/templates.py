"""The e-mails the service sends, in Swedish (default) or English (``lang="en"``).

Each function returns an OutgoingMail with a plain-text body and a simple HTML alternative built
from the same blocks. A mail carries at most one secret, the one it exists for: the invitation
its link, the code mail its code (never the link, so a forwarded or intercepted mail alone is
not enough to sign). Names, reasons and URLs are escaped in the HTML part.
"""

from __future__ import annotations

import html
import re
from datetime import date, datetime

from ..errors import InputError
from ..legal_dates import format_date
from .smtp import OutgoingMail
from ..route import Role

_CODE = re.compile(r"[0-9]{6}")  # not \d: it also matches other scripts' digits
_FOOTER = {
    "sv": "Meddelandet skickades automatiskt från tjänsten Signering.",
    "en": "This message was sent automatically by the Signering service.",
}


def _lang(lang: str) -> str:
    return "en" if lang.startswith("en") else "sv"


def _role(role: str) -> str:
    key = Role.from_title(role)
    if key is None:
        raise InputError(
            f"Okänd roll '{role}'. Välj sekreterare, ordförande eller justerare.",
            f"Unknown role '{role}'. Choose secretary, chair or minutes checker.",
            field="role",
        )
    return key


def _day(day: date, lang: str) -> str:
    """'22 september 2025': the meeting date reads better without its weekday."""
    if isinstance(day, datetime):
        day = day.date()
    return format_date(day, lang).split(" ", 1)[1]


def _deadline(day: date | datetime, lang: str) -> str:
    """'tisdag 7 oktober 2025' (weekday helps plan), with 'kl. 16.00' if a time is given."""
    text = format_date(day.date() if isinstance(day, datetime) else day, lang)
    if isinstance(day, datetime):
        text += f" kl. {day:%H.%M}" if lang == "sv" else f" at {day:%H:%M}"
    return text


def _genitive(name: str) -> str:
    # Swedish genitive: no extra s after s, x or z; a colon after an abbreviation ("KS:s").
    if name[-1:].isupper() or name[-1:].isdigit():
        return name + ":s"
    if name[-1:] in "sxz":
        return name
    return name + "s"


def _meeting(board: str, meeting_date: date, lang: str) -> str:
    if lang == "sv":
        return f"{_genitive(board.strip())} sammanträde {_day(meeting_date, lang)}"
    return f"the meeting of {board.strip()} on {_day(meeting_date, lang)}"


def _numbers(paragraphs) -> str:
    return ", ".join(f"§ {n}" for n in paragraphs or ())


def _document(kind: str, paragraphs, lang: str) -> str:
    """What a mail is about, as the object of a sentence: the protocol, the extract or the paragraph.

    An omedelbar justering runs beside the full protocol with the same signers: without the
    paragraph's number in every subject the two routes' mails cannot be told apart.
    """
    numbers = _numbers(paragraphs)
    if kind == "utdrag":
        return f"protokollsutdraget {numbers}" if lang == "sv" else f"the extract {numbers}"
    if kind == "omedelbar":
        return f"paragrafen {numbers}" if lang == "sv" else f"paragraph {numbers}"
    return "protokollet" if lang == "sv" else "the minutes"


def _subject_prefix(kind: str, paragraphs, lang: str) -> str:
    if kind != "omedelbar":
        return ""
    numbers = _numbers(paragraphs)
    return f"Omedelbar justering av {numbers}: " if lang == "sv" else f"Immediate justering of {numbers}: "


def _url(url: str) -> str:
    if not re.fullmatch(r"https?://\S+", url or ""):
        raise InputError(
            "Länken i e-postmeddelandet är ogiltig. Kontrollera tjänstens publika adress (bas-URL).",
            "The link in the e-mail is invalid. Check the service's public address (base URL).",
            field="url",
        )
    return url


# A mail body is a list of blocks: str (paragraph), list[str] (numbered steps), _Link.
class _Link(str):
    """A URL on a line of its own."""


def _render(to: str, subject: str, blocks: list, lang: str, template: str) -> OutgoingMail:
    text_parts, html_parts = [], []
    for block in blocks + [_FOOTER[lang]]:
        if isinstance(block, _Link):
            text_parts.append(str(block))
            href = html.escape(block, quote=True)
            # The address is shown as the link text, so the reader can see where it leads.
            html_parts.append(f'<p><a href="{href}">{href}</a></p>')
        elif isinstance(block, list):
            text_parts.append("\n".join(f"{n}. {step}" for n, step in enumerate(block, 1)))
            html_parts.append("<ol>" + "".join(f"<li>{html.escape(step)}</li>" for step in block) + "</ol>")
        else:
            text_parts.append(block)
            html_parts.append("<p>" + html.escape(block).replace("\n", "<br>\n") + "</p>")
    body_html = (
        f'<!DOCTYPE html>\n<html lang="{lang}">\n<head><meta charset="utf-8">'
        f"<title>{html.escape(subject)}</title></head>\n"
        '<body style="font-family: Arial, sans-serif; font-size: 16px; line-height: 1.5; max-width: 40em">\n'
        + "\n".join(html_parts) + "\n</body>\n</html>\n"
    )
    return OutgoingMail(to=to, subject=subject, body_text="\n\n".join(text_parts) + "\n",
                        body_html=body_html, headers={"X-Signering-Template": template})


def _hello(name: str | None, lang: str) -> str:
    if lang == "sv":
        return f"Hej {name}!" if name else "Hej!"
    return f"Hello {name}," if name else "Hello,"


def _request(to, signer_name, role, board, meeting_date, link, deadline, secretary_name, lang,
             reminder: bool, kind: str = "protokoll", paragraphs=(), e_legitimation: bool = False) -> OutgoingMail:
    lang, role = _lang(lang), _role(role)
    meeting, until = _meeting(board, meeting_date, lang), _deadline(deadline, lang)
    role_name = role.noun(lang)
    # A plain date means the whole day; with a time, the link ends at that time.
    timed = isinstance(deadline, datetime)
    valid_sv, valid_en = ("till", "") if timed else ("till och med", " inclusive")
    thing = _document(kind, paragraphs, lang)
    prefix = _subject_prefix(kind, paragraphs, lang)
    if lang == "sv":
        verb = "signera" if role == "sekreterare" else "justera och signera"
        subject = f"{prefix}{verb.capitalize() if not prefix else verb} {thing} från {meeting}"
        if reminder:
            subject = f"Påminnelse: {subject}"
            waiting = "din signatur" if role == "sekreterare" else "din justering"
            opening = f"Det här är en påminnelse: {thing} från {meeting} väntar fortfarande på {waiting}."
        elif kind == "utdrag":
            opening = (f"Ett utdrag ur det justerade protokollet från {meeting}, {_numbers(paragraphs)}, är klart "
                       "att signeras. Du intygar att utdraget är rätt (”Rätt utdraget intygar”).")
        elif kind == "omedelbar":
            opening = (f"Sammanträdet beslutade att {_numbers(paragraphs)} i protokollet från {meeting} skulle "
                       f"justeras omedelbart. Paragrafen justeras för sig, före resten av protokollet, som du får "
                       f"en egen länk till.")
        elif role == "sekreterare":
            opening = f"Protokollet från {meeting} är klart att signeras."
        else:
            opening = f"Protokollet från {meeting} är klart för justering."
        opening += f" Som {role_name} ombeds du {verb} {'det' if kind != 'omedelbar' else 'den'} senast {until}."
        if role == "sekreterare" and not reminder:
            if kind == "utdrag":
                opening += (" Du signerar ensam; när du har signerat förseglas utdraget och skickas till mottagarna "
                            "under ”Beslutet skickas till”. Det anslås inte på anslagstavlan.")
            else:
                opening += " Du signerar först; därefter går det vidare till ordförande och justerare."
        steps = [
            "Öppna länken nedan.",
            ("Logga in med e-legitimation (till exempel BankID eller Freja eID)." if e_legitimation else
             "Du får en sexsiffrig kod i ett separat e-postmeddelande. Skriv in koden på sidan."),
            f"Läs {thing}.",
            f"Signera {thing}, eller avböj och skriv varför om något behöver rättas.",
        ]
        blocks = [_hello(signer_name, lang), opening, "Så här gör du:", steps, _Link(_url(link)),
                  f"Länken är personlig och gäller {valid_sv} {until}. Vidarebefordra inte meddelandet."]
        if role != "sekreterare":  # the secretary would be told to ask themself
            blocks += [f"Har du frågor om protokollet, kontakta sekreteraren {secretary_name}.",
                       f"Vänliga hälsningar\n{secretary_name}"]
    else:
        verb = "sign" if role == "sekreterare" else "check and sign"
        subject = f"{prefix}{'please ' if prefix else 'Please '}{verb} {thing} of {meeting}"
        if reminder:
            subject = f"Reminder: {subject}"
            waiting = "your signature" if role == "sekreterare" else "your check (justering)"
            opening = f"This is a reminder: {thing} of {meeting} {'are' if kind == 'protokoll' else 'is'} " \
                      f"still waiting for {waiting}."
        elif kind == "utdrag":
            opening = (f"An extract, {_numbers(paragraphs)}, of the adjusted minutes of {meeting} is ready to be "
                       "signed. You certify that the extract is true (“Rätt utdraget intygar”).")
        elif kind == "omedelbar":
            opening = (f"The meeting decided that {_numbers(paragraphs)} of the minutes of {meeting} be adjusted at "
                       "once. The paragraph is adjusted on its own, before the rest of the minutes, for which you "
                       "get a link of its own.")
        elif role == "sekreterare":
            opening = f"The minutes of {meeting} are ready to be signed."
        else:
            opening = f"The minutes of {meeting} are ready for checking (justering)."
        opening += f" As {role_name} you are asked to {verb} {'them' if kind == 'protokoll' else 'it'} by {until}."
        if role == "sekreterare" and not reminder:
            if kind == "utdrag":
                opening += (" You sign alone; once you have signed, the extract is sealed and sent to the recipients "
                            "under “Beslutet skickas till”. It is not posted on the notice board.")
            else:
                opening += " You sign first; then they go on to the chair and the minutes checkers."
        steps = [
            "Open the link below.",
            ("Log in with e-legitimation (for example BankID or Freja eID)." if e_legitimation else
             "You will receive a six-digit code in a separate e-mail. Enter the code on the page."),
            f"Read {thing}.",
            f"Sign {thing}, or decline and say why if something needs to be corrected.",
        ]
        blocks = [_hello(signer_name, lang), opening, "What to do:", steps, _Link(_url(link)),
                  f"The link is personal and valid until {until}{valid_en}. Do not forward this message."]
        if role != "sekreterare":
            blocks += [f"If you have questions about the minutes, contact the secretary, {secretary_name}.",
                       f"Kind regards\n{secretary_name}"]
    return _render(to, subject, blocks, lang, "reminder" if reminder else "invitation")


def invitation(to: str, signer_name: str, role: str, board: str, meeting_date: date, link: str,
               deadline: date | datetime, secretary_name: str, lang: str = "sv", kind: str = "protokoll",
               paragraphs=(), e_legitimation: bool = False) -> OutgoingMail:
    """Asks a signer to justera and sign (the secretary: to sign) through their personal link.

    ``kind`` "utdrag" or "omedelbar" with its ``paragraphs`` says what is signed and what follows."""
    return _request(to, signer_name, role, board, meeting_date, link, deadline, secretary_name, lang, False,
                    kind, paragraphs, e_legitimation)


def reminder(to: str, signer_name: str, role: str, board: str, meeting_date: date, link: str,
             deadline: date | datetime, secretary_name: str, lang: str = "sv", kind: str = "protokoll",
             paragraphs=(), e_legitimation: bool = False) -> OutgoingMail:
    """The invitation again, marked as a reminder."""
    return _request(to, signer_name, role, board, meeting_date, link, deadline, secretary_name, lang, True,
                    kind, paragraphs, e_legitimation)


def code(to: str, signer_name: str, code: str, minutes_valid: int, lang: str = "sv", kind: str = "protokoll",
         paragraphs=()) -> OutgoingMail:
    """The one-time code; deliberately without the link, so this mail alone cannot be used to sign."""
    lang = _lang(lang)
    if not isinstance(code, str) or not _CODE.fullmatch(code):
        raise InputError("Koden ska bestå av sex siffror.", "The code must be six digits.", field="code")
    if lang == "sv":
        subject = _subject_prefix(kind, paragraphs, lang) + f"Din kod för att signera {_document(kind, paragraphs, lang)}"
        blocks = [
            _hello(signer_name, lang),
            f"Din kod är: {code}",
            f"Skriv in koden på sidan där du bad om den. Koden gäller i {minutes_valid} minuter.",
            "Har du inte bett om någon kod kan du bortse från det här meddelandet. Lämna aldrig ut koden "
            "till någon annan; kommunen frågar aldrig efter den.",
        ]
    else:
        subject = _subject_prefix(kind, paragraphs, lang) + f"Your code for signing {_document(kind, paragraphs, lang)}"
        blocks = [
            _hello(signer_name, lang),
            f"Your code is: {code}",
            f"Enter the code on the page where you asked for it. The code is valid for {minutes_valid} minutes.",
            "If you did not ask for a code, you can ignore this message. Never give the code to anyone "
            "else; the municipality will never ask for it.",
        ]
    return _render(to, subject, blocks, lang, "code")


def declined(to_secretary: str, signer_name: str, reason: str | None, board: str, meeting_date: date,
             protocol_url: str, lang: str = "sv") -> OutgoingMail:
    """Tells the secretary (and the uploader) that a signer declined, with the signer's reason."""
    lang = _lang(lang)
    meeting = _meeting(board, meeting_date, lang)
    reason = (reason or "").strip()
    if lang == "sv":
        subject = f"{signer_name} har avböjt att signera protokollet från {meeting}"
        blocks = [
            _hello(None, lang),
            f"{signer_name} har avböjt att signera protokollet från {meeting}.",
            f"Motivering:\n{reason}" if reason else "Ingen motivering angavs.",
            "Protokollet kan inte bli färdigsignerat förrän du har rättat det (ladda upp en ny version) eller "
            f"bytt ut {signer_name} mot en annan person. Båda sätten finns på protokollets sida:",
            _Link(_url(protocol_url)),
        ]
    else:
        subject = f"{signer_name} has declined to sign the minutes of {meeting}"
        blocks = [
            _hello(None, lang),
            f"{signer_name} has declined to sign the minutes of {meeting}.",
            f"Reason:\n{reason}" if reason else "No reason was given.",
            "The minutes cannot be fully signed until you have corrected them (upload a new version) or "
            f"replaced {signer_name} with another person. Both are on the minutes' page:",
            _Link(_url(protocol_url)),
        ]
    return _render(to_secretary, subject, blocks, lang, "declined")


def link_locked(to_secretary: str, signer_name: str, board: str, meeting_date: date, protocol_url: str,
                lang: str = "sv") -> OutgoingMail:
    """Tells the secretary that a signer's link was locked after too many wrong codes."""
    lang = _lang(lang)
    meeting = _meeting(board, meeting_date, lang)
    if lang == "sv":
        subject = f"Signeringslänken till {signer_name} har låsts"
        blocks = [
            _hello(None, lang),
            f"Länken som {signer_name} fick för att signera protokollet från {meeting} har låsts efter för "
            "många felaktiga kodförsök. Det kan vara ett misstag, men det kan också betyda att någon annan "
            "har försökt använda länken.",
            f"Kontrollera med {signer_name} och skicka sedan en ny länk från protokollets sida:",
            _Link(_url(protocol_url)),
        ]
    else:
        subject = f"The signing link sent to {signer_name} has been locked"
        blocks = [
            _hello(None, lang),
            f"The link {signer_name} received to sign the minutes of {meeting} has been locked after too "
            "many wrong codes. It may be a mistake, but it may also mean that someone else tried to use "
            "the link.",
            f"Check with {signer_name}, then send a new link from the minutes' page:",
            _Link(_url(protocol_url)),
        ]
    return _render(to_secretary, subject, blocks, lang, "link_locked")


def identity_mismatch(to_staff: str, signer_name: str, logged_in_as: str, board: str, meeting_date: date,
                      protocol_url: str, lang: str = "sv") -> OutgoingMail:
    """Tells the staff user that someone else logged in with e-legitimation on a signer's link.
    Names only: the personnummer is never in a mail."""
    lang = _lang(lang)
    meeting = _meeting(board, meeting_date, lang)
    other = logged_in_as or ("okänt namn" if lang == "sv" else "unknown name")
    if lang == "sv":
        subject = f"Fel person loggade in på länken till {signer_name}"
        blocks = [
            _hello(None, lang),
            f"Någon loggade in med e-legitimation på länken som {signer_name} fick för att signera protokollet "
            f"från {meeting}, men inloggningen stämde inte med {signer_name} (inloggad som: {other}). "
            "Ingenting har signerats.",
            f"Kontrollera med {signer_name}. Om personuppgifterna för undertecknaren är fel kan du rätta dem "
            "från protokollets sida:",
            _Link(_url(protocol_url)),
        ]
    else:
        subject = f"The wrong person logged in on the link sent to {signer_name}"
        blocks = [
            _hello(None, lang),
            f"Someone logged in with e-legitimation on the link {signer_name} received to sign the minutes of "
            f"{meeting}, but the login did not match {signer_name} (logged in as: {other}). Nothing has been "
            "signed.",
            f"Check with {signer_name}. If the signer's details are wrong, you can correct them from the "
            "minutes' page:",
            _Link(_url(protocol_url)),
        ]
    return _render(to_staff, subject, blocks, lang, "identity_mismatch")


def sealed(to: str, board: str, meeting_date: date, sealed_url: str, verify_url: str,
           lang: str = "sv", kind: str = "protokoll", paragraphs=()) -> OutgoingMail:
    """Tells everyone involved that the protocol is justerat, signed by all and sealed."""
    lang = _lang(lang)
    meeting = _meeting(board, meeting_date, lang)
    thing = _document(kind, paragraphs, lang)
    if lang == "sv":
        # "paragrafen" is common gender, "protokollet" and "utdraget" neuter.
        done, signed = ("justerad", "signerad") if kind == "omedelbar" else ("justerat", "signerat")
        subject = _subject_prefix(kind, paragraphs, lang) + f"{thing} från {meeting} är {done}"
        subject = subject[0].upper() + subject[1:]
        blocks = [
            _hello(None, lang),
            f"{thing[0].upper() + thing[1:]} från {meeting} är nu {done} och {signed} av alla undertecknare.",
            "Hämta det signerade protokollet här:",
            _Link(_url(sealed_url)),
            "Vem som helst kan kontrollera underskrifterna och att protokollet inte har ändrats här:",
            _Link(_url(verify_url)),
        ]
    else:
        subject = _subject_prefix(kind, paragraphs, lang) + (
            f"The minutes of {meeting} have been checked and signed" if kind == "protokoll"
            else f"{thing[0].upper() + thing[1:]} of {meeting} has been checked and signed")
        subject = subject[0].upper() + subject[1:]
        blocks = [
            _hello(None, lang),
            f"The minutes of {meeting} have now been checked and signed by all signers." if kind == "protokoll"
            else f"{thing[0].upper() + thing[1:]} of {meeting} has now been checked and signed by all signers.",
            "Download the signed minutes here:",
            _Link(_url(sealed_url)),
            "Anyone can check the signatures, and that the minutes have not been changed, here:",
            _Link(_url(verify_url)),
        ]
    return _render(to, subject, blocks, lang, "sealed")


def replaced(to_old_signer: str, signer_name: str, board: str, meeting_date: date, secretary_name: str,
             lang: str = "sv") -> OutgoingMail:
    """Tells a former signer they no longer need to sign, and that their old link no longer works."""
    lang = _lang(lang)
    meeting = _meeting(board, meeting_date, lang)
    if lang == "sv":
        subject = f"Du behöver inte längre signera protokollet från {meeting}"
        blocks = [
            _hello(signer_name, lang),
            f"Du behöver inte längre justera eller signera protokollet från {meeting}. Sekreteraren "
            f"{secretary_name} har ändrat vilka som ska signera det.",
            "Länken du fick tidigare fungerar inte längre.",
            f"Har du frågor, kontakta {secretary_name}.",
            f"Vänliga hälsningar\n{secretary_name}",
        ]
    else:
        subject = f"You no longer need to sign the minutes of {meeting}"
        blocks = [
            _hello(signer_name, lang),
            f"You no longer need to check or sign the minutes of {meeting}. The secretary, {secretary_name}, "
            "has changed who is to sign them.",
            "The link you received earlier no longer works.",
            f"If you have questions, contact {secretary_name}.",
            f"Kind regards\n{secretary_name}",
        ]
    return _render(to_old_signer, subject, blocks, lang, "replaced")


def extract_sent(to: str, recipient_name: str, board: str, meeting_date: date, paragraphs: list[int],
                 sealed_url: str, verify_url: str, lang: str = "sv") -> OutgoingMail:
    """Sends a sealed protokollsutdrag to someone listed under "Beslutet skickas till"."""
    lang = _lang(lang)
    meeting = _meeting(board, meeting_date, lang)
    numbers = ", ".join(f"§ {n}" for n in paragraphs)
    if lang == "sv":
        subject = f"Protokollsutdrag {numbers} från {meeting}"
        blocks = [
            _hello(recipient_name, lang),
            f"Beslutet i {numbers} från {meeting} skickas till dig. Här är ett bestyrkt utdrag ur det "
            "justerade protokollet:",
            _Link(_url(sealed_url)),
            "Vem som helst kan kontrollera att utdraget är äkta och inte har ändrats här:",
            _Link(_url(verify_url)),
        ]
    else:
        subject = f"Extract {numbers} from the minutes of {meeting}"
        blocks = [
            _hello(recipient_name, lang),
            f"The decision in {numbers} of {meeting} is sent to you. Here is a certified extract from the "
            "adjusted minutes:",
            _Link(_url(sealed_url)),
            "Anyone can check that the extract is genuine and unchanged here:",
            _Link(_url(verify_url)),
        ]
    return _render(to, subject, blocks, lang, "extract")


def seal_blocked(to: str, board: str, meeting_date: date, reason: str, protocol_url: str,
                 lang: str = "sv") -> OutgoingMail:
    """Tells the staff once that a fully signed protocol cannot be sealed, why, and what to do."""
    lang = _lang(lang)
    meeting = _meeting(board, meeting_date, lang)
    if lang == "sv":
        subject = f"Protokollet från {meeting} kan inte förseglas"
        blocks = [
            _hello(None, lang),
            f"Alla har signerat protokollet från {meeting}, men det kan inte förseglas och anslås.",
            f"Orsak: {reason}",
            "Protokollet väntar inte längre av sig självt. Ladda upp en ny version med rätt sammanträdesdatum "
            "(justeringen börjar då om), eller dra tillbaka protokollet. Öppna protokollet här:",
            _Link(_url(protocol_url)),
        ]
    else:
        subject = f"The minutes of {meeting} cannot be sealed"
        blocks = [
            _hello(None, lang),
            f"Everyone has signed the minutes of {meeting}, but they cannot be sealed and posted.",
            f"Reason: {reason}",
            "The minutes will not move on by themselves. Upload a new version with the right meeting date "
            "(justering then starts again), or withdraw the minutes. Open the minutes here:",
            _Link(_url(protocol_url)),
        ]
    return _render(to, subject, blocks, lang, "seal_blocked")


def withdrawn(to: str, signer_name: str, board: str, meeting_date: date, reason: str, secretary_name: str,
              lang: str = "sv") -> OutgoingMail:
    """Tells a signer (whose turn it was, or who already signed) that the protocol was withdrawn."""
    lang = _lang(lang)
    meeting = _meeting(board, meeting_date, lang)
    reason = (reason or "").strip()
    if lang == "sv":
        subject = f"Protokollet från {meeting} har dragits tillbaka"
        blocks = [
            _hello(signer_name, lang),
            f"Protokollet från {meeting} har dragits tillbaka och ska inte justeras. Du behöver inte göra något; "
            "länken du fick fungerar inte längre.",
            f"Motivering:\n{reason}" if reason else "Ingen motivering angavs.",
            f"Har du frågor, kontakta sekreteraren {secretary_name}.",
        ]
    else:
        subject = f"The minutes of {meeting} have been withdrawn"
        blocks = [
            _hello(signer_name, lang),
            f"The minutes of {meeting} have been withdrawn and are not to be adjusted. You need not do anything; "
            "the link you received no longer works.",
            f"Reason:\n{reason}" if reason else "No reason was given.",
            f"If you have questions, contact the secretary, {secretary_name}.",
        ]
    return _render(to, subject, blocks, lang, "withdrawn")
