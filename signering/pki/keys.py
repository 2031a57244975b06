"""Load the organisation's keys: PEM, PKCS#12 or a PKCS#11 token.

A :class:`KeyPair` is what the rest of the core signs with. A key on a PKCS#11 token never
leaves it: such a pair has no ``private_key`` and signs only through pyHanko's PKCS#11 signer.
Using the committed demo PKI (``keys-example/``) logs a loud warning every time.
"""

from __future__ import annotations

import atexit
import functools
import hashlib
import logging
import os
import threading
from dataclasses import dataclass, field

from asn1crypto import keys as asn1_keys
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import pkcs12

from ..errors import KeyMaterialError
from .certs import to_asn1

log = logging.getLogger("signering.keys")

DEMO_DIR = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))), "keys-example")
DEMO_WARNING = "demo keys, not for production: %s is signed by the keys-example DEMO root (keys-example/)"


@dataclass(frozen=True)
class Pkcs11Ref:
    module: str
    token_label: str
    key_label: str
    pin: str
    cert_label: str | None = None


@dataclass
class KeyPair:
    certificate: x509.Certificate
    private_key: object | None = None
    chain: list[x509.Certificate] = field(default_factory=list)
    pkcs11: Pkcs11Ref | None = None

    @property
    def subject(self) -> str:
        return self.certificate.subject.rfc4514_string()

    def pyhanko_signer(self, *, embed_roots: bool = True):
        """A pyHanko ``Signer`` for this pair (software key or PKCS#11 token)."""
        from pyhanko.sign import signers

        if self.pkcs11 is not None:
            from pyhanko.sign import pkcs11 as ph11

            # The session is shared per token and stays open (see _pkcs11_session), so a signer per
            # call costs one key lookup and leaks nothing. EC keys sign with raw CKM_ECDSA over a
            # digest pyHanko computes: every token has it, while CKM_ECDSA_SHA256 is optional
            # (SoftHSM2 lacks it).
            is_ec = isinstance(self.certificate.public_key(), ec.EllipticCurvePublicKey)
            return _frozen(ph11.PKCS11Signer)(_pkcs11_session(self.pkcs11), key_label=self.pkcs11.key_label,
                                              signing_cert=to_asn1(self.certificate),
                                              ca_chain=[to_asn1(c) for c in self.chain], other_certs_to_pull=(),
                                              bulk_fetch=False, embed_roots=embed_roots, use_raw_mechanism=is_ec)
        key_der = self.private_key.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
                                                 serialization.NoEncryption())
        return _frozen(signers.SimpleSigner)(
            signing_cert=to_asn1(self.certificate),
            signing_key=asn1_keys.PrivateKeyInfo.load(key_der),
            cert_registry=_chain_store(tuple(self.chain)),
            embed_roots=embed_roots,
        )


@functools.lru_cache(maxsize=64)
def _chain_store(chain: tuple[x509.Certificate, ...]):
    """The CA chain as pyHanko's certificate store, built once per chain: every signer's
    one-off certificate hangs under the same few CA certificates, and parsing and registering
    them was a twentieth of a signature. The signer only reads the store."""
    from pyhanko_certvalidator.registry import SimpleCertificateStore

    return SimpleCertificateStore.from_certs([to_asn1(c) for c in chain])


@functools.cache
def _frozen(signer_class: type) -> type:
    """``signer_class`` whose signed attributes are parsed DER as soon as each is built.

    asn1crypto 1.5 re-encodes a freshly built structure twice per nesting level on every
    ``dump()`` (2^depth child encodings), and pyHanko dumps the signed attributes three times
    (digest, SignerInfo, the final CMS): that was about a third of a signer's signature.
    A value loaded from DER keeps its bytes, so freezing each attribute value once, at its own
    shallow depth, makes every later dump a copy.
    """
    from pyhanko.sign.attributes import CMSAttributeProvider

    class FrozenValue(CMSAttributeProvider):
        def __init__(self, inner: CMSAttributeProvider):
            self.inner, self.attribute_type = inner, inner.attribute_type

        async def build_attr_value(self, dry_run=False):
            value = await self.inner.build_attr_value(dry_run=dry_run)
            return None if value is None else type(value).load(value.dump())

    class Frozen(signer_class):
        def _signed_attr_providers(self, *args, **kwargs):
            return [FrozenValue(p) for p in super()._signed_attr_providers(*args, **kwargs)]

    Frozen.__name__ = Frozen.__qualname__ = "Frozen" + signer_class.__name__
    return Frozen


# One logged-in session per token and process. PKCS#11 login state is per token, not per
# session: a second C_Login fails with "already logged in" and closing any session logs out all
# of them, so opening and closing a session per signature would break concurrent signers.
# python-pkcs11 serialises operations on a session with its own lock.
_sessions: dict[tuple[str, str, str], object] = {}
_sessions_lock = threading.Lock()


def _pkcs11_session(ref: Pkcs11Ref):
    import pkcs11
    from pyhanko.config.pkcs11 import TokenCriteria
    from pyhanko.sign import pkcs11 as ph11

    # The PIN is part of the key so that a wrong PIN never rides on someone else's login.
    key = (ref.module, ref.token_label, ref.pin)
    with _sessions_lock:
        if key in _sessions:
            return _sessions[key]
        try:
            session = ph11.open_pkcs11_session(ref.module, token_criteria=TokenCriteria(label=ref.token_label),
                                               user_pin=ref.pin)
        except pkcs11.PinIncorrect as exc:
            raise KeyMaterialError(
                f"Fel PIN-kod för PKCS#11-token '{ref.token_label}'. Rätta PIN-koden i konfigurationen.",
                f"Wrong PIN for PKCS#11 token '{ref.token_label}'. Correct the PIN in the configuration.") from exc
        except Exception as exc:  # the PKCS#11 library reports many shapes of failure
            raise KeyMaterialError(
                f"PKCS#11-token '{ref.token_label}' kunde inte öppnas ({exc!r}). Kontrollera modul, etikett och PIN.",
                f"PKCS#11 token '{ref.token_label}' could not be opened ({exc!r}). Check module, label and PIN.",
            ) from exc
        _sessions[key] = session
        return session


@atexit.register
def close_pkcs11_sessions() -> None:
    """Log out of and close every open token session (at exit, or before re-reading a token)."""
    with _sessions_lock:
        while _sessions:
            _, session = _sessions.popitem()
            try:
                session.close()
            except Exception:  # noqa: BLE001 - closing is best effort; the token may be gone already
                log.debug("closing a PKCS#11 session failed", exc_info=True)


def _read(path: str) -> bytes:
    try:
        with open(path, "rb") as fh:
            return fh.read()
    except OSError as exc:
        raise KeyMaterialError(f"Filen {path} kunde inte läsas: {exc.strerror}.",
                               f"The file {path} could not be read: {exc.strerror}.") from exc


def _load_certs(data: bytes, path: str) -> list[x509.Certificate]:
    try:
        if b"-----BEGIN" in data:
            return x509.load_pem_x509_certificates(data)
        return [x509.load_der_x509_certificate(data)]
    except ValueError as exc:
        raise KeyMaterialError(f"{path} innehåller inget läsbart certifikat.",
                               f"{path} holds no readable certificate.") from exc


def load_certificates(path: str) -> list[x509.Certificate]:
    return _load_certs(_read(path), path)


def load_pem(cert_path: str, key_path: str, passphrase: str | None = None,
             chain_paths: tuple[str, ...] = ()) -> KeyPair:
    certs = load_certificates(cert_path)
    try:
        key = serialization.load_pem_private_key(_read(key_path), passphrase.encode() if passphrase else None)
    except (ValueError, TypeError) as exc:
        raise KeyMaterialError(f"Nyckeln i {key_path} kunde inte läsas (fel format eller lösenord).",
                               f"The key in {key_path} could not be read (wrong format or passphrase).") from exc
    chain = certs[1:] + [c for p in chain_paths for c in load_certificates(p)]
    return _checked(KeyPair(certificate=certs[0], private_key=key, chain=chain))


def load_pkcs12(path: str, passphrase: str | None) -> KeyPair:
    try:
        key, cert, extra = pkcs12.load_key_and_certificates(_read(path), passphrase.encode() if passphrase else None)
    except ValueError as exc:
        raise KeyMaterialError(f"PKCS#12-filen {path} kunde inte öppnas (fel lösenord eller skadad fil).",
                               f"The PKCS#12 file {path} could not be opened (wrong passphrase or damaged file).") from exc
    if key is None or cert is None:
        raise KeyMaterialError(f"PKCS#12-filen {path} saknar nyckel eller certifikat.",
                               f"The PKCS#12 file {path} lacks a key or certificate.")
    return _checked(KeyPair(certificate=cert, private_key=key, chain=list(extra or [])))


def load_pkcs11(ref: Pkcs11Ref, chain: list[x509.Certificate] = ()) -> KeyPair:
    """Find the certificate on the token; the key stays on it."""
    import pkcs11
    from pkcs11 import Attribute, ObjectClass

    session = _pkcs11_session(ref)
    try:
        found = list(session.get_objects({Attribute.CLASS: ObjectClass.CERTIFICATE,
                                          Attribute.LABEL: ref.cert_label or ref.key_label}))
        if not found:
            raise KeyMaterialError(
                f"Inget certifikat med etiketten '{ref.cert_label or ref.key_label}' på token '{ref.token_label}'.",
                f"No certificate labelled '{ref.cert_label or ref.key_label}' on token '{ref.token_label}'.")
        cert = x509.load_der_x509_certificate(found[0][Attribute.VALUE])
    except pkcs11.PKCS11Error as exc:
        raise KeyMaterialError(f"PKCS#11-fel: {exc!r}", f"PKCS#11 error: {exc!r}") from exc
    return _checked(KeyPair(certificate=cert, chain=list(chain), pkcs11=ref))


def _checked(pair: KeyPair) -> KeyPair:
    if pair.private_key is not None and pair.private_key.public_key().public_numbers() != \
            pair.certificate.public_key().public_numbers():
        raise KeyMaterialError("Nyckeln hör inte till certifikatet.", "The key does not belong to the certificate.")
    if is_demo(pair.certificate):
        log.warning(DEMO_WARNING, pair.subject)
    return pair


@functools.lru_cache(maxsize=1)
def _demo_root_fingerprint() -> bytes | None:
    path = os.path.join(DEMO_DIR, "root.pem")
    if not os.path.exists(path):
        return None
    root = load_certificates(path)[0]
    return hashlib.sha256(root.public_bytes(serialization.Encoding.DER)).digest()


def is_demo(cert: x509.Certificate) -> bool:
    """True for the demo root and anything it issued, directly or through the demo signing CA."""
    fp = _demo_root_fingerprint()
    if fp is None:
        return False
    demo_root = load_certificates(os.path.join(DEMO_DIR, "root.pem"))[0]
    if hashlib.sha256(cert.public_bytes(serialization.Encoding.DER)).digest() == fp:
        return True
    if cert.issuer == demo_root.subject:
        return True
    demo_ca = os.path.join(DEMO_DIR, "signing-ca.pem")
    return os.path.exists(demo_ca) and cert.issuer == load_certificates(demo_ca)[0].subject
