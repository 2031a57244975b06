"""Pages are drawn from several threads at once in the web server."""

import threading

from signering.textpdf import render_text_pdf


def test_rendering_in_many_threads_at_once_never_misses_a_font():
    errors = []

    def render():
        try:
            render_text_pdf("**Rubrik**\n\n§ 1 Ärende med åäö\n")
        except Exception as exc:  # any failure is the finding
            errors.append(exc)

    threads = [threading.Thread(target=render) for _ in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
