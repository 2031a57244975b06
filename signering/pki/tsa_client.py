"""RFC 3161 client: pyHanko's ``HTTPTimeStamper`` with failures turned into ``TimestampError``.

pyHanko does the protocol (request, nonce, HTTP). This module only adds what callers need:
a typed error that says whether the service could not be reached or refused, in Swedish and
English, instead of an ``IOError`` from deep inside ``sign_pdf``. It also works around two
pyHanko 0.38 gaps: ``tsp.TimeStampResp`` in asn1crypto cannot parse a rejection (it marks the
token mandatory, RFC 3161 leaves it out), and a wrong nonce crashes pyHanko's own check with
``AttributeError`` (it calls ``int.hex()``).
"""

from __future__ import annotations

import requests
import requests.adapters
from asn1crypto import cms, tsp
from pyhanko.sign.timestamps import HTTPTimeStamper, TimeStamper, TimestampRequestError
from pyhanko.sign.timestamps.common_utils import handle_tsp_response

from signering.errors import TimestampError, TimestampRejected, TimestampUnavailable

__all__ = ["make_timestamper"]


class _TimeStampResp(tsp.TimeStampResp):
    _fields = [
        ("status", tsp.PKIStatusInfo),
        ("time_stamp_token", cms.ContentInfo, {"optional": True}),
    ]


#: One pooled HTTP session per process. pyHanko's own client opens a new aiohttp session per
#: token, which builds a fresh TLS context every time (~20 ms, most of a signature's cost).
_HTTP = requests.Session()
_HTTP.mount("http://", requests.adapters.HTTPAdapter(pool_connections=4, pool_maxsize=16))
_HTTP.mount("https://", requests.adapters.HTTPAdapter(pool_connections=4, pool_maxsize=16))


class _CheckedHTTPTimeStamper(HTTPTimeStamper):
    async def async_request_tsa_response(self, req: tsp.TimeStampReq) -> tsp.TimeStampResp:
        # Blocking on purpose: pyHanko runs each signature in an event loop of its own with
        # nothing else on it, and handing the call to a thread started a new thread per token.
        return self._post(req)

    def _post(self, req: tsp.TimeStampReq) -> tsp.TimeStampResp:
        try:
            reply = _HTTP.post(self.url, data=req.dump(), timeout=self.timeout,
                               headers={"Content-Type": "application/timestamp-query"})
        except requests.RequestException as exc:
            raise _transport_error(self.url, exc) from exc
        if reply.status_code != 200:
            raise _http_status_error(self.url, reply.status_code)
        if reply.headers.get("Content-Type", "").split(";")[0].strip() != "application/timestamp-reply":
            raise _malformed(self.url, "the reply has the wrong content type")
        try:
            # A schema where the token is optional, so a rejection shows its status and failInfo.
            return _TimeStampResp.load(reply.content)
        except ValueError as exc:
            raise _malformed(self.url, "the reply is not a TimeStampResp") from exc

    async def async_timestamp(self, message_digest, md_algorithm) -> cms.ContentInfo:
        nonce, req = self.request_cms(message_digest, md_algorithm)
        response = await self.async_request_tsa_response(req)
        try:
            # pyHanko checks the status; the nonce we check below, with a message that works.
            token = handle_tsp_response(response, None)
            tst_info = token["content"]["encap_content_info"]["content"].parsed
            received_nonce = tst_info["nonce"].native
            imprint = tst_info["message_imprint"]["hashed_message"].native
        except TimestampRequestError as exc:
            raise TimestampRejected(
                f"Tidsstämpeltjänsten på {self.url} avvisade begäran ({exc}). Kontakta driften: "
                f"tjänsten eller dess inställningar behöver rättas.",
                f"The timestamp service at {self.url} refused the request ({exc}). Contact operations: "
                f"the service or its settings need fixing.",
                url=self.url,
                reason=str(exc),
            ) from exc
        except (ValueError, TypeError, KeyError, AttributeError) as exc:
            raise _malformed(self.url, "the reply is not a valid timestamp token") from exc
        if nonce is not None and received_nonce != nonce:
            raise _malformed(self.url, "the reply does not echo the request's nonce")
        if imprint != message_digest:
            raise _malformed(self.url, "the token covers another message than the one sent")
        return token


def _http_status_error(url: str, status: int) -> TimestampError:
    return TimestampRejected(
        f"Tidsstämpeltjänsten på {url} svarade med HTTP {status}. Kontrollera adressen till "
        f"tidsstämpeltjänsten i konfigurationen.",
        f"The timestamp service at {url} answered HTTP {status}. Check the timestamp "
        f"service URL in the configuration.",
        url=url,
        http_status=status,
    )


def _transport_error(url: str, cause: BaseException | None) -> TimestampError:
    return TimestampUnavailable(
        f"Tidsstämpeltjänsten på {url} gick inte att nå ({_describe(cause)}). Försök igen om en stund; "
        f"kvarstår felet, kontakta driften.",
        f"The timestamp service at {url} could not be reached ({_describe(cause)}). Try again shortly; "
        f"if it persists, contact operations.",
        url=url,
        reason=_describe(cause),
    )


def _malformed(url: str, reason_en: str) -> TimestampError:
    return TimestampError(
        f"Tidsstämpeltjänsten på {url} svarade med något som inte är en giltig tidsstämpel. "
        f"Kontrollera adressen till tidsstämpeltjänsten; kvarstår felet, kontakta driften.",
        f"The timestamp service at {url} did not answer with a valid timestamp ({reason_en}). "
        f"Check the timestamp service URL; if it persists, contact operations.",
        url=url,
        reason=reason_en,
    )


def _describe(cause: BaseException | None) -> str:
    if cause is None:
        return "unknown error"
    if isinstance(cause, (TimeoutError, requests.Timeout)):
        return "timeout"
    return f"{type(cause).__name__}: {cause}" if str(cause) else type(cause).__name__


def make_timestamper(url: str, timeout: float = 10) -> TimeStamper:
    """A pyHanko ``TimeStamper`` for the TSA at ``url``; failures raise ``TimestampError`` subclasses."""
    return _CheckedHTTPTimeStamper(url, timeout=timeout)
