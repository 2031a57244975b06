"""The one rule for what counts as a usable e-mail address, wherever one is typed in.

Deliberately plain: one @, a dot in the domain, no spaces, and none of the characters that
would break a mail header or a CSV row of the member register.
"""

import re

_EMAIL = re.compile(r"^[^@\s<>\"';,]+@[^@\s<>\"';,]+\.[^@\s<>\"';,]+$")
MAX_LENGTH = 254  # RFC 5321's limit for a forward path


def is_valid_email(address: str) -> bool:
    return len(address) <= MAX_LENGTH and bool(_EMAIL.match(address))
