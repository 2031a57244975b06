"""What can go wrong with an e-legitimation login, in words the signer can act on."""

from ..errors import SigneringError


class IdpUnavailable(SigneringError):
    """The IdP did not answer, or answered nonsense. Nothing is lost: the link still works."""
    code = "idp_unavailable"
    http_status = 503
    default_sv = ("Inloggningstjänsten för e-legitimation svarar inte just nu. Ingenting har gått förlorat: "
                  "öppna länken i mejlet igen om en stund.")
    default_en = ("The e-legitimation login service is not answering right now. Nothing has been lost: "
                  "open the link in the e-mail again in a while.")


class LoginRejected(SigneringError):
    """The answer from the IdP did not pass the checks (signature, issuer, audience, expiry, nonce)."""
    code = "login_rejected"
    http_status = 400
    default_sv = ("Inloggningen kunde inte bekräftas. Öppna länken i mejlet igen och logga in på nytt. "
                  "Kontakta sekreteraren om det händer igen.")
    default_en = ("The login could not be confirmed. Open the link in the e-mail again and log in once more. "
                  "Contact the secretary if it happens again.")


class LoginStateInvalid(LoginRejected):
    """A callback whose state is unknown, used already or started in another browser."""
    code = "login_state_invalid"
    default_sv = ("Inloggningen har redan använts eller startades i en annan webbläsare. Öppna länken i mejlet "
                  "igen och logga in därifrån.")
    default_en = ("The login has been used already or was started in another browser. Open the link in the "
                  "e-mail again and log in from there.")


class IdentityMismatch(SigneringError):
    """The person who logged in is not the one the link was sent to."""
    code = "identity_mismatch"
    http_status = 403
    default_sv = ("Du loggade in som en annan person än den som ska signera med den här länken. Ingenting har "
                  "signerats. Sekreteraren har fått besked; kontakta sekreteraren om länken är till dig.")
    default_en = ("You logged in as someone other than the person this link is for. Nothing has been signed. "
                  "The secretary has been told; contact the secretary if the link is meant for you.")


class NotConfigured(SigneringError):
    code = "oidc_not_configured"
    http_status = 500
    default_sv = "Inloggning med e-legitimation är inte färdigkonfigurerad för organisationen. Kontakta sekreteraren."
    default_en = "Login with e-legitimation is not fully configured for the organisation. Contact the secretary."
