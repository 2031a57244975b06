"""The test provider's OCSP responder: Certomancer's own Animator, with its clock at whole seconds.

``certomancer animate`` dates its answers to the microsecond. RFC 6960 takes GeneralizedTime from
RFC 5280, which forbids fractional seconds, and NSS (so poppler's pdfsig) rejects such an answer
as corrupt, as a real provider's answer would not be. Everything else is the Animator unchanged.
The time is cut to the second (never ahead of the clock, so never "from the future" for a
verifier judging the signature as of its timestamp, which came a moment before).

Usage: python csc_ocsp.py CERTOMANCER_CONFIG PORT
"""

from __future__ import annotations

import sys

from certomancer.integrations.animator import Animator, AnimatorArchStore
from certomancer.registry import CertomancerConfig
from werkzeug.serving import run_simple


class WholeSecondAnimator(Animator):
    def at_time(self, request):
        return super().at_time(request).replace(microsecond=0)


def main(config: str, port: int) -> None:
    cfg = CertomancerConfig.from_file(config)
    run_simple("127.0.0.1", port, WholeSecondAnimator(AnimatorArchStore(cfg.pki_archs), with_web_ui=False))


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]))
