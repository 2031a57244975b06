"""Verifying a sealed protocol: one use case (``usecase.verify_file``) for ``signering verify``,
``/verifiera`` and ``/api/v1/verify``, its findings (stable codes, severities, Swedish and English
messages) and its report.

Nothing is imported here: ``signering.pdf.verify`` imports ``findings`` and ``report``, and
``usecase`` imports it, so a package that loaded ``usecase`` on import would import itself.
"""
