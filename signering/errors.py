"""One root error type for the whole core.

Every error has a stable machine-readable ``code`` and a message in Swedish (the default)
and English that tells the user what is wrong and what to do. Errors become HTTP statuses
or exit codes only at the edges (``web/errors.py``, ``signering/cli.py``).
"""

from __future__ import annotations


class SigneringError(Exception):
    """Root of every error the core raises on purpose."""

    code = "error"
    #: HTTP status the web layer should use; the core itself never looks at it.
    http_status = 400
    default_sv = "Något gick fel."
    default_en = "Something went wrong."

    def __init__(self, message_sv: str | None = None, message_en: str | None = None, **details):
        self.message_sv = message_sv or self.default_sv
        self.message_en = message_en or self.default_en
        self.details = details
        super().__init__(self.message_sv)

    def message(self, lang: str = "sv") -> str:
        return self.message_en if lang.startswith("en") else self.message_sv

    def to_dict(self, lang: str = "sv") -> dict:
        return {"error": self.code, "message": self.message(lang), **({"details": self.details} if self.details else {})}


class InputError(SigneringError):
    """The caller sent something we cannot use."""

    code = "invalid_input"
    http_status = 422


class PdfRejected(InputError):
    """An uploaded file is not a protocol PDF we can sign."""

    code = "invalid_pdf"


class EmptyFile(PdfRejected):
    code = "empty_file"
    default_sv = "Filen är tom. Välj protokollets PDF-fil och ladda upp igen."
    default_en = "The file is empty. Choose the protocol's PDF file and upload it again."


class NotAPdf(PdfRejected):
    code = "not_pdf"
    default_sv = "Filen är ingen PDF. Spara protokollet som PDF (Arkiv → Exportera som PDF) och ladda upp igen."
    default_en = "The file is not a PDF. Save the protocol as PDF (File → Export as PDF) and upload it again."


class DamagedPdf(PdfRejected):
    code = "damaged_pdf"
    default_sv = "PDF-filen är skadad och kan inte läsas. Exportera protokollet på nytt som PDF och ladda upp igen."
    default_en = "The PDF file is damaged and cannot be read. Export the protocol as PDF again and upload it again."


class EncryptedPdf(PdfRejected):
    code = "encrypted_pdf"
    default_sv = "Filen är krypterad med lösenord. Exportera protokollet utan lösenord och ladda upp igen."
    default_en = "The file is encrypted with a password. Export the protocol without a password and upload it again."


class NoPages(PdfRejected):
    code = "no_pages"
    default_sv = "PDF-filen har inga sidor. Kontrollera att rätt fil valts och exportera protokollet på nytt."
    default_en = "The PDF file has no pages. Check that you chose the right file and export the protocol again."


class CertifiedPdf(PdfRejected):
    code = "certified_pdf"
    default_sv = (
        "PDF-filen är redan certifierad (låst mot ändringar) och kan inte få fler underskrifter. "
        "Ladda upp originalet utan underskrifter."
    )
    default_en = (
        "The PDF file is already certified (locked against changes) and cannot take more signatures. "
        "Upload the original without signatures."
    )


class AlreadySigned(PdfRejected):
    code = "already_signed"
    default_sv = "PDF-filen innehåller redan underskrifter. Ladda upp protokollet utan underskrifter."
    default_en = "The PDF file already contains signatures. Upload the protocol without signatures."


class TooLarge(PdfRejected):
    code = "too_large"
    http_status = 413
    default_sv = "Filen är för stor. Största tillåtna storlek är {limit} MB. Minska filen (t.ex. lägre bildupplösning) och försök igen."
    default_en = "The file is too large. The largest allowed size is {limit} MB. Make the file smaller (e.g. lower image resolution) and try again."

    def __init__(self, limit_bytes: int):
        mb = max(1, limit_bytes // (1024 * 1024))
        super().__init__(self.default_sv.format(limit=mb), self.default_en.format(limit=mb), limit_bytes=limit_bytes)


class ActiveContent(PdfRejected):
    code = "active_content"
    default_sv = "PDF-filen innehåller skript eller automatiska åtgärder, som inte får finnas i ett protokoll. Exportera protokollet på nytt som vanlig PDF."
    default_en = "The PDF file contains scripts or automatic actions, which a protocol must not have. Export the protocol again as a plain PDF."


class ParserBusy(SigneringError):
    """Every slot for reading untrusted PDFs is taken (see ``ingest.slots``)."""

    code = "busy"
    http_status = 503
    #: seconds a client should wait before sending the file again (sent as Retry-After)
    retry_after = 10
    default_sv = ("Tjänsten kontrollerar många filer just nu. Försök igen om en stund. Protokollets hashvärde "
                  "kan alltid slås upp utan att filen skickas (GET /api/v1/verify/<sha256>).")
    default_en = ("The service is checking many files right now. Try again in a moment. A protocol's hash can "
                  "always be looked up without sending the file (GET /api/v1/verify/<sha256>).")


class KeyMaterialError(SigneringError):
    """Keys or certificates could not be loaded or used."""

    code = "key_error"
    http_status = 500
    default_sv = "Nycklar eller certifikat kunde inte läsas. Kontrollera sökvägar och lösenord i konfigurationen."
    default_en = "Keys or certificates could not be loaded. Check paths and passphrases in the configuration."


class TimestampError(SigneringError):
    code = "timestamp_failed"
    http_status = 503
    default_sv = "Tidsstämpeltjänsten svarade inte korrekt. Försök igen om en stund; kvarstår felet, kontakta driften."
    default_en = "The timestamp service did not answer correctly. Try again shortly; if it persists, contact operations."


class SigningError(SigneringError):
    code = "signing_failed"
    http_status = 500
    default_sv = "Underskriften kunde inte skapas. Försök igen; kvarstår felet, kontakta driften."
    default_en = "The signature could not be made. Try again; if it persists, contact operations."


class InvalidRoute(InputError):
    """The list of signers cannot become a signature page."""

    code = "invalid_route"
    default_sv = (
        "Signeringsordningen är ogiltig. Ange minst en undertecknare, var och en med namn och "
        "roll, i ordningen sekreterare, ordförande, justerare."
    )
    default_en = (
        "The signing order is invalid. Give at least one signer, each with a name and a role, "
        "in the order secretary, chair, minutes checker."
    )


class InvalidDate(InputError):
    """A date the caller gave cannot be read, or contradicts the other dates."""

    code = "invalid_date"
    default_sv = "Datumet är ogiltigt. Ange datum som ÅÅÅÅ-MM-DD, t.ex. 2025-09-23."
    default_en = "The date is invalid. Give dates as YYYY-MM-DD, e.g. 2025-09-23."


class DatesOutOfOrder(InvalidDate):
    """E.g. justering before the meeting, or the notice posted before justering."""

    code = "dates_out_of_order"
    default_sv = "Datumen kommer i fel ordning. Sammanträdet kommer först, sedan justeringen och sist anslaget."
    default_en = "The dates are out of order. The meeting comes first, then justering, and the posting last."


class TimestampUnavailable(TimestampError):
    """The TSA could not be reached (connection refused, timeout): worth retrying."""

    code = "timestamp_unavailable"


class TimestampRejected(TimestampError):
    """The TSA answered but refused the request: retrying will not help, configuration must change."""

    code = "timestamp_rejected"
    http_status = 502


class LogProofError(SigneringError):
    """A transparency log proof, tree head or leaf did not check out.

    ``reason`` (also in ``details``) says which step failed, so a verifier page can explain it.
    """

    code = "log_proof_invalid"
    http_status = 422
    default_sv = (
        "Beviset från transparensloggen stämmer inte. Hämta det på nytt från tjänsten; stämmer det "
        "fortfarande inte kan loggen ha ändrats i efterhand. Kontakta kommunen."
    )
    default_en = (
        "The transparency log proof does not check out. Fetch it again from the service; if it still "
        "fails, the log may have been changed afterwards. Contact the municipality."
    )
    _reasons = {
        "malformed": (
            "Beviset från transparensloggen har fel format och kan inte kontrolleras. Hämta det på nytt från tjänsten.",
            "The transparency log proof is malformed and cannot be checked. Fetch it again from the service.",
        ),
        "index_out_of_range": (
            "Postens nummer ligger utanför loggens storlek. Hämta ett bevis för det aktuella trädhuvudet.",
            "The entry's index is outside the log's size. Fetch a proof for the current tree head.",
        ),
        "size_order": (
            "Det äldre trädhuvudet är större än det nyare. Kontrollera att storlekarna kommer i rätt ordning.",
            "The older tree head is larger than the newer one. Check that the sizes are in the right order.",
        ),
        "wrong_length": (
            "Beviset har fel antal hashvärden för loggens storlek. Hämta det på nytt från tjänsten.",
            "The proof has the wrong number of hashes for the log's size. Fetch it again from the service.",
        ),
        "root_mismatch": (
            "Beviset leder inte fram till loggens signerade rothash. Protokollet finns inte i loggen som den "
            "visades, eller så har loggen ändrats. Kontakta kommunen.",
            "The proof does not lead to the log's signed root hash. The protocol is not in the log as shown, "
            "or the log has been changed. Contact the municipality.",
        ),
        "not_append_only": (
            "Det nyare trädhuvudet bygger inte vidare på det äldre: poster kan ha tagits bort eller ändrats "
            "i loggen. Spara båda trädhuvudena och kontakta kommunen.",
            "The newer tree head does not extend the older one: entries may have been removed or changed in "
            "the log. Keep both tree heads and contact the municipality.",
        ),
        "signature_invalid": (
            "Loggens signatur över trädhuvudet är ogiltig. Hämta trädhuvudet på nytt; kvarstår felet, kontakta kommunen.",
            "The log's signature over the tree head is invalid. Fetch the tree head again; if it persists, contact the municipality.",
        ),
        "key_mismatch": (
            "Trädhuvudet är inte signerat med loggens nyckel. Kontrollera att rätt offentlig nyckel används.",
            "The tree head is not signed with the log's key. Check that the right public key is used.",
        ),
        "origin_mismatch": (
            "Trädhuvudet gäller en annan logg än den efterfrågade. Kontrollera loggens adress och nyckel.",
            "The tree head is for another log than the one asked. Check the log's address and key.",
        ),
        "split_view": (
            "Loggen visar ett trädhuvud som motsäger ett som setts tidigare (samma logg, olika innehåll): "
            "loggen visar olika versioner för olika läsare. Spara båda trädhuvudena och kontakta kommunen.",
            "The log shows a tree head that contradicts one seen before (same log, different contents): "
            "the log shows different versions to different readers. Keep both tree heads and contact the "
            "municipality.",
        ),
        "witness_missing": (
            "Trädhuvudet saknar en giltig medsignatur av vittnet {witness}. Vittnet har inte sett det här "
            "trädhuvudet: vänta tills vittnet hunnit medsignera och försök igen, eller kontakta kommunen.",
            "The tree head has no valid cosignature by the witness {witness}. The witness has not seen this "
            "tree head: wait until the witness has cosigned it and try again, or contact the municipality.",
        ),
        "rolled_back": (
            "Loggens senaste trädhuvud är mindre än ett som setts tidigare: loggen visar en äldre version. "
            "Spara båda trädhuvudena och kontakta kommunen.",
            "The log's newest tree head is smaller than one seen before: the log shows an older version. "
            "Keep both tree heads and contact the municipality.",
        ),
    }

    def __init__(self, reason: str, **details):
        sv, en = self._reasons.get(reason, (self.default_sv, self.default_en))
        if "{" in sv:
            sv, en = sv.format(**details), en.format(**details)
        self.reason = reason
        super().__init__(sv, en, reason=reason, **details)


class InvalidBlobId(InputError):
    """A blob id is not a SHA-256 hex digest; refused before it can become part of a path."""

    code = "invalid_blob_id"
    default_sv = "Filens id är ogiltigt. Ett id består av 64 tecken 0–9 och a–f (SHA-256). Kontrollera länken eller id:t."
    default_en = "The file id is invalid. An id is 64 characters 0–9 and a–f (SHA-256). Check the link or the id."


class BlobNotFound(SigneringError):
    code = "blob_not_found"
    http_status = 404
    default_sv = "Filen finns inte i lagringen. Den kan ha tagits bort; ladda upp den igen eller kontakta driften."
    default_en = "The file is not in storage. It may have been removed; upload it again or contact operations."


class MailError(SigneringError):
    """An e-mail could not be handed to the SMTP server.

    ``reason`` (also in ``details``) says which step failed, so the caller can tell a passing
    outage (worth retrying) from a configuration or address problem (not worth retrying).
    """

    code = "mail_failed"
    http_status = 503
    default_sv = "E-postmeddelandet kunde inte skickas. Försök igen om en stund; kvarstår felet, kontakta driften."
    default_en = "The e-mail could not be sent. Try again shortly; if it persists, contact operations."
    _reasons = {
        "unreachable": (
            "E-postmeddelandet kunde inte skickas: e-postservern {server} gick inte att nå. Försök igen om en "
            "stund; kvarstår felet, kontrollera SIGNERING_SMTP_HOST och SIGNERING_SMTP_PORT eller kontakta driften.",
            "The e-mail could not be sent: the mail server {server} could not be reached. Try again shortly; if it "
            "persists, check SIGNERING_SMTP_HOST and SIGNERING_SMTP_PORT or contact operations.",
        ),
        "tls": (
            "E-postmeddelandet kunde inte skickas: en krypterad förbindelse till e-postservern {server} gick inte "
            "att upprätta. Kontrollera inställningarna SIGNERING_SMTP_STARTTLS och SIGNERING_SMTP_SSL.",
            "The e-mail could not be sent: an encrypted connection to the mail server {server} could not be set up. "
            "Check the settings SIGNERING_SMTP_STARTTLS and SIGNERING_SMTP_SSL.",
        ),
        "auth": (
            "E-postmeddelandet kunde inte skickas: e-postservern {server} godtog inte inloggningen. Kontrollera "
            "SIGNERING_SMTP_USER och SIGNERING_SMTP_PASSWORD.",
            "The e-mail could not be sent: the mail server {server} did not accept the login. Check "
            "SIGNERING_SMTP_USER and SIGNERING_SMTP_PASSWORD.",
        ),
        "sender_refused": (
            "E-postmeddelandet kunde inte skickas: e-postservern {server} godtar inte avsändaradressen. "
            "Kontrollera SIGNERING_SMTP_FROM.",
            "The e-mail could not be sent: the mail server {server} does not accept the sender address. "
            "Check SIGNERING_SMTP_FROM.",
        ),
        "recipient_refused": (
            "E-postmeddelandet kunde inte skickas: e-postservern avvisade mottagarens adress {to}. Kontrollera "
            "adressen och försök igen.",
            "The e-mail could not be sent: the mail server refused the recipient's address {to}. Check the "
            "address and try again.",
        ),
        "rejected": (
            "E-postmeddelandet kunde inte skickas: e-postservern {server} avvisade det. Försök igen om en stund; "
            "kvarstår felet, kontakta driften.",
            "The e-mail could not be sent: the mail server {server} rejected it. Try again shortly; if it "
            "persists, contact operations.",
        ),
        "config": (
            "E-postinställningarna är felaktiga: {problem_sv}. Rätta konfigurationen och starta om tjänsten.",
            "The e-mail settings are wrong: {problem_en}. Correct the configuration and restart the service.",
        ),
    }

    def __init__(self, reason: str, **details):
        sv, en = self._reasons.get(reason, (self.default_sv, self.default_en))
        fill = {"server": "", "to": "", "problem_sv": "", "problem_en": "", **details}
        self.reason = reason
        super().__init__(sv.format(**fill), en.format(**fill), reason=reason, **details)
