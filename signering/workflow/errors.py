"""Errors of the signing workflow (kept beside it rather than in the crowded root module)."""

from ..errors import InputError, SigneringError


class NotFound(SigneringError):
    code = "not_found"
    http_status = 404
    default_sv = "Det du söker finns inte, eller så har du inte behörighet att se det."
    default_en = "What you are looking for does not exist, or you may not see it."


class UnknownBoard(InputError):
    code = "unknown_board"
    default_sv = "Nämnden finns inte i organisationen. Välj en befintlig nämnd eller be administratören lägga upp den."
    default_en = "The board does not exist in the organisation. Choose an existing board or ask the administrator to add it."


class Conflict(SigneringError):
    code = "conflict"
    http_status = 409
    default_sv = "Protokollet har ändrats under tiden. Ladda om sidan och försök igen."
    default_en = "The protocol changed meanwhile. Reload the page and try again."


class LinkInvalid(SigneringError):
    code = "link_invalid"
    http_status = 404
    default_sv = ("Länken gäller inte (längre). Den kan ha använts, ersatts av en påminnelse eller protokollet "
                  "kan ha dragits tillbaka. Kontakta sekreteraren om du ska signera.")
    default_en = ("The link is not (or no longer) valid. It may have been used, replaced by a reminder, or the "
                  "protocol withdrawn. Contact the secretary if you are to sign.")


class LinkUsed(LinkInvalid):
    """The holder of the link has signed with it already: not an error for them, but the link
    does nothing more. Answers like any dead link (404, ``link_invalid``); the signer's page shows
    ``signed`` (when they signed, where to follow the protocol) instead of "not found"."""
    default_sv = "Du har redan signerat protokollet med den här länken."
    default_en = "You have already signed the protocol with this link."

    def __init__(self, signed):
        super().__init__()
        self.signed = signed


class SignatureInProgress(SigneringError):
    """The signer's own signature is being made right now (or its process just died)."""
    code = "signature_in_progress"
    http_status = 409
    #: seconds a client should wait before asking again (sent as Retry-After)
    retry_after = 5
    default_sv = "Din underskrift behandlas. Försök igen om en stund för att se att den är klar."
    default_en = "Your signature is being processed. Try again in a moment to see that it is done."


class LinkExpired(LinkInvalid):
    code = "link_expired"
    http_status = 410
    default_sv = "Länken har gått ut. Be sekreteraren skicka en påminnelse med en ny länk."
    default_en = "The link has expired. Ask the secretary to send a reminder with a new link."


class LinkLocked(LinkInvalid):
    code = "link_locked"
    http_status = 423
    default_sv = ("Länken är låst efter för många felaktiga koder. Sekreteraren har fått besked och kan skicka "
                  "en ny länk.")
    default_en = "The link is locked after too many wrong codes. The secretary has been told and can send a new link."


class WrongCode(InputError):
    code = "wrong_code"
    http_status = 403
    default_sv = "Koden stämmer inte. Kontrollera de sex siffrorna i det senaste mejlet."
    default_en = "The code is wrong. Check the six digits in the latest e-mail."


class CodeExpired(InputError):
    code = "code_expired"
    http_status = 403
    default_sv = "Koden har gått ut eller har inte skickats. Begär en ny kod."
    default_en = "The code has expired or was not sent. Ask for a new code."


class TooManyRequests(SigneringError):
    code = "too_many_requests"
    http_status = 429
    default_sv = "En kod skickades nyss. Vänta en halv minut innan du begär en ny."
    default_en = "A code was just sent. Wait half a minute before asking for a new one."


class NotAllowed(SigneringError):
    code = "not_allowed"
    http_status = 409
    default_sv = "Det går inte i protokollets nuvarande läge."
    default_en = "That is not possible in the protocol's current state."


class LoginRequired(SigneringError):
    """The organisation identifies signers with e-legitimation, and this browser has not logged in."""
    code = "login_required"
    http_status = 403
    default_sv = "Logga in med e-legitimation för att signera. Öppna länken i mejlet igen och välj Logga in."
    default_en = "Log in with e-legitimation to sign. Open the link in the e-mail again and choose Log in."
