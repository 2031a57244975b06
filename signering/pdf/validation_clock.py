"""The moment pyHanko's validation takes for "now", set by the caller instead of read from the wall clock.

pyHanko 0.38 and pyhanko-certvalidator 0.33 call ``datetime.now()`` inside validation even when
given a validation time: proofs of existence for embedded data (DSS, revocation data) are
dated "now", and a few defaults fall back to it. Verifying "as of" another moment
(``signering verify --at``) must not mix the two clocks, so within :func:`validation_moment`
those calls return the chosen moment. Outside it they read the wall clock as before.

The moment is a context variable, so concurrent threads (and the tasks ``asyncio.run`` starts,
which copy the context) each see their own. These are every ``datetime.now`` in the validation
code of the two packages, checked for the versions above (``qualified/`` is EU trusted-list
code this project does not call); a test pins them.
"""

from __future__ import annotations

import contextlib
import contextvars
import datetime as dt
import importlib

_MOMENT: contextvars.ContextVar[dt.datetime | None] = contextvars.ContextVar("validation_moment", default=None)

#: modules of pyHanko's validation that read the wall clock, each by a module-level ``datetime``
CLOCK_READERS = (
    "pyhanko.sign.validation.ades",
    "pyhanko_certvalidator.ltv.poe",
    "pyhanko_certvalidator.ltv.ades_past",
    "pyhanko_certvalidator.ltv.types",
    "pyhanko_certvalidator.context",
)


class _AnyDatetime(type):
    # The replaced name is also used for isinstance checks; real datetimes must still pass.
    def __instancecheck__(cls, obj) -> bool:
        return isinstance(obj, dt.datetime)


class _ValidationDatetime(dt.datetime, metaclass=_AnyDatetime):
    @classmethod
    def now(cls, tz=None):
        moment = _MOMENT.get()
        if moment is None:
            return dt.datetime.now(tz)
        return moment.astimezone(tz) if tz is not None else moment.astimezone().replace(tzinfo=None)


def _install() -> None:
    for name in CLOCK_READERS:
        module = importlib.import_module(name)
        if module.datetime is dt.datetime:
            module.datetime = _ValidationDatetime


@contextlib.contextmanager
def validation_moment(moment: dt.datetime):
    """Within the block, pyHanko's validation takes ``moment`` (timezone-aware) as "now"."""
    if moment.tzinfo is None:
        raise ValueError("the validation moment needs a timezone")
    _install()
    token = _MOMENT.set(moment)
    try:
        yield moment
    finally:
        _MOMENT.reset(token)
