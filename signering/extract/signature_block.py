"""The signature block, the most trusted place for who signs.

Shapes it takes: "Sekreterare Siv Sjödin §§ 11 - 17"; "Justerare: Anna Ek (S)" with more
names on the lines below; a role alone on its line with the name typed above it (under the
signature line) or below it (paper forms); roles side by side in one table row with the names
in the row above or below ("Sekreterare | Ordförande | Justerare").
"""

from __future__ import annotations

from .labels import value_lines
from .lines import Line
from .model import Signer
from .names import person_name, split_names, strip_decorations
from .roles import INTRODUCES_BLOCK, ROLE_AT_START, name_on_line, role_of, role_only, signature_text

Found = list[tuple[int, Signer]]


def _near_name(lines: tuple[Line, ...], index: int, step: int) -> tuple[int, int, str] | None:
    """(distance in blank lines, line index, name) of the nearest name above (-1) or below (+1)."""
    blanks, i = 0, index + step
    while 0 <= i < len(lines) and blanks <= 1:
        if lines[i].blank:
            blanks += 1
        else:
            # Another role's line is its own signer; "Justeras av: <name>" only introduces the block.
            if role_only(lines[i].text) or ROLE_AT_START.match(lines[i].text) \
                    and not INTRODUCES_BLOCK.match(lines[i].text):
                return None
            name = name_on_line(lines[i])
            return (blanks, i, name) if name else None
        i += step
    return None


def _roles_alone(lines: tuple[Line, ...], claimed: set[int]) -> Found:
    alone = [(i, role_only(l.text)) for i, l in enumerate(lines) if not l.blank and role_only(l.text)]
    near = {i: (_near_name(lines, i, -1), _near_name(lines, i, +1)) for i, _ in alone}
    # One template types names above the roles, another below: let the block as a whole decide.
    above = sum(1 for a, b in near.values() if a and (not b or a[0] < b[0]))
    below = sum(1 for a, b in near.values() if b and (not a or b[0] < a[0]))
    order = (0, 1) if above >= below else (1, 0)
    found = []
    for i, role in alone:
        for side in order:
            hit = near[i][side]
            if hit and hit[1] not in claimed:
                claimed.add(hit[1])
                found.append((hit[1], Signer(hit[2], role)))
                break
    return found


def _role_row(line: Line) -> list[str] | None:
    """The roles of a row like "Underskrifter | Sekreterare | Ordförande | Justerare"."""
    cells = [c for c in line.cells if signature_text(c)]
    roles = [role_only(c) for c in cells]
    return roles if len(roles) >= 2 and all(roles) else None


def _roles_in_a_row(lines: tuple[Line, ...], claimed: set[int]) -> Found:
    found = []
    for i, line in enumerate(lines):
        roles = _role_row(line)
        if not roles:
            continue
        for step in (1, -1):
            j, blanks = i + step, 0
            while 0 <= j < len(lines) and blanks <= 1 and (lines[j].blank or not strip_decorations(lines[j].text)):
                blanks += lines[j].blank
                j += step
            if not 0 <= j < len(lines) or j in claimed:
                continue
            names = [person_name(c) for c in lines[j].cells]
            if len(names) == len(roles) and all(names):
                claimed.add(j)
                found.extend((j, Signer(n, r)) for n, r in zip(names, roles))
                break
    return found


def _roles_with_names(lines: tuple[Line, ...], claimed: set[int]) -> Found:
    found = []
    for i, line in enumerate(lines):
        match = ROLE_AT_START.match(signature_text(line.text))
        if not match or i in claimed or role_only(line.text) or _role_row(line):
            continue
        role = role_of(match)
        name = person_name(match["rest"])
        if name:
            found.append((i, Signer(name, role)))
        elif role == "justerare" and match["rest"]:
            found.extend((i, Signer(n, role)) for n in split_names(strip_decorations(match["rest"])))
        if role == "justerare" and (name or not match["rest"]):
            # Several justerare under one label: "Justerare  Anna Ek (S)" / "Bo Ax (M)".
            for more in value_lines(lines, i, match["rest"])[1 if match["rest"] else 0:]:
                extra = person_name(more)
                if not extra:
                    break
                found.append((i, Signer(extra, role)))
    return found


def signature_block(lines: tuple[Line, ...]) -> Found:
    claimed: set[int] = set()
    return _roles_alone(lines, claimed) + _roles_in_a_row(lines, claimed) + _roles_with_names(lines, claimed)
