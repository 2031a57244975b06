"""What can go wrong with the remote signing service, in words the signer or operator can act on."""

from ..errors import SigneringError


class CscUnavailable(SigneringError):
    """The service did not answer. Nothing was signed or written: the link still works."""
    code = "csc_unavailable"
    http_status = 503
    default_sv = ("Signeringstjänsten svarar inte just nu, så ingenting har signerats. Ingenting har gått "
                  "förlorat: öppna länken i mejlet igen om en stund och signera då.")
    default_en = ("The signing service is not answering right now, so nothing has been signed. Nothing has been "
                  "lost: open the link in the e-mail again in a while and sign then.")


class CscRefused(SigneringError):
    """The service answered, but not with something we can use (unknown credential, refused
    authorisation, a mode of authorisation Signering does not support, a certificate without OCSP)."""
    code = "csc_refused"
    http_status = 502
    default_sv = ("Signeringstjänsten kunde inte signera åt dig, så ingenting har signerats. Länken fungerar "
                  "fortfarande; kontakta sekreteraren om det händer igen.")
    default_en = ("The signing service could not sign for you, so nothing has been signed. The link still "
                  "works; contact the secretary if it happens again.")
