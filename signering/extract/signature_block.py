"""The signature block, the most trusted place for who signs.

Shapes it takes: "Sekreterare Siv Sjödin §§ 11 - 17"; "Justerare: Anna Ek (S)" with more
names on the lines below; a role alone on its line with the name typed above it (under the
signature line) or below it (paper forms); roles side by side in one table row with the names
in the row above or below ("Sekreterare | Ordförande | Justerare").
"""

from __future__ import annotations

import re

from .labels import value_lines
from .lines import Line
from .model import Signer
from .names import person_name, split_names, strip_decorations
from .roles import INTRODUCES_BLOCK, ROLE_AT_START, leading_roles, name_on_line, role_of, role_only, signature_text

Found = list[tuple[int, Signer]]
_OPEN_END = re.compile(r"(?i)(?:,|/|\b(?:tillika|och|samt))\s*$")


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
    for i, roles in alone:
        for side in order:
            hit = near[i][side]
            if hit and hit[1] not in claimed:
                claimed.add(hit[1])
                found.extend((hit[1], Signer(hit[2], role)) for role in roles)
                break
    return found


def _role_row(line: Line) -> list[tuple[str, ...]] | None:
    """The roles of a row like "Underskrifter | Sekreterare | Ordförande | Justerare"."""
    cells = [c for c in line.cells if signature_text(c)]
    if len(cells) == 1:
        return _roles_run_together(cells[0])
    roles = [role_only(c) for c in cells]
    return roles if len(roles) >= 2 and all(roles) else None


def _roles_run_together(text: str) -> list[tuple[str, ...]] | None:
    """The columns of "Vid anteckningarna Justerat": roles one after another with nothing between."""
    columns, rest = [], strip_decorations(signature_text(text))
    while rest:
        match = ROLE_AT_START.match(rest)
        if not match or match["rest"] == rest:
            return None
        columns.append((role_of(match),))
        rest = match["rest"]
    return columns if len(columns) >= 2 else None


def _names_in_row(line: Line, count: int) -> list[str] | None:
    """``count`` names side by side: one a cell, or run together in one cell when the columns'
    gap was lost ("Petter Holm Marianne Ek") and only one way to cut the words gives names."""
    if len(line.cells) == count:
        names = [person_name(c) for c in line.cells]
        return names if all(names) else None
    if len(line.cells) != 1:
        return None
    words = strip_decorations(line.text).split()
    cuts = [names for names in _cuts(words, count) if all(names)]
    return cuts[0] if len(cuts) == 1 else None


def _cuts(words: list[str], count: int):
    """Every way to cut ``words`` into ``count`` runs of two to four words, as names."""
    if count == 1:
        yield [person_name(" ".join(words))] if 2 <= len(words) <= 4 else [None]
        return
    for size in range(2, 5):
        if len(words) - size >= 2 * (count - 1):
            for rest in _cuts(words[size:], count - 1):
                yield [person_name(" ".join(words[:size]))] + rest


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
            names = _names_in_row(lines[j], len(roles))
            if names:
                claimed.add(j)
                found.extend((j, Signer(n, r)) for n, rs in zip(names, roles) for r in rs)
                break
    return found


def _roles_with_names(lines: tuple[Line, ...], claimed: set[int]) -> Found:
    found = []
    for i, line in enumerate(lines):
        roles, rest = leading_roles(signature_text(_label_wrapped(lines, i)))
        if not roles or i in claimed or role_only(line.text) or _role_row(line):
            continue
        name = person_name(rest)
        if name:
            found.extend((i, Signer(name, role)) for role in roles)
        elif roles == ("justerare",) and rest:
            found.extend((i, Signer(n, "justerare")) for n in split_names(strip_decorations(rest)))
        if roles == ("justerare",) and (name or not rest):
            # Several justerare under one label: "Justerare  Anna Ek (S)" / "Bo Ax (M)".
            at = i
            for more in value_lines(lines, i, rest)[1 if rest else 0:]:
                extra = person_name(more)
                if not extra:
                    break
                at = next(k for k in range(at + 1, len(lines)) if lines[k].text == more)
                found.append((at, Signer(extra, "justerare")))
    return found


def _label_wrapped(lines: tuple[Line, ...], index: int) -> str:
    """The text of a label | name row whose label wrapped onto the next line of its column
    ("Sekreterare, tillika" / "justerare"), with the label made whole again."""
    line = lines[index]
    below = lines[index + 1] if index + 1 < len(lines) else None
    if len(line.cells) >= 2 and _OPEN_END.search(line.cells[0]) and below is not None \
            and len(below.cells) == 1 and not below.indented and role_only(below.text):
        return " ".join((line.cells[0], below.text + ":") + line.cells[1:])
    return line.text


def signature_block(lines: tuple[Line, ...]) -> Found:
    claimed: set[int] = set()
    # A row of roles claims its row of names first: a role alone above it ("Justeras") must not
    # take the names side by side for one.
    in_a_row = _roles_in_a_row(lines, claimed)
    return _roles_alone(lines, claimed) + in_a_row + _roles_with_names(lines, claimed)
