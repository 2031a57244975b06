"""Work that a request starts but its answer need not wait for, run once the answer is sent.

The WSGI server calls a response's close callbacks after the last byte went out, in the same
worker thread, so the client has its answer while the work runs. Whatever is handed here must
be safe to lose: the worker's sweeps finish it if this process stops first.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from flask import after_this_request

log = logging.getLogger("signering.web")


def after_response(task: Callable[[], None]) -> None:
    def run() -> None:
        try:
            task()
        except Exception:  # the answer is gone; the sweep retries, the log says why
            log.exception("work after the response failed; the worker's sweep takes it up")

    @after_this_request
    def register(response):
        response.call_on_close(run)
        return response
