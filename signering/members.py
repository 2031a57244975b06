"""The member register of each board: who sits on it and at which e-mail address they sign.

The register is what turns a name read off a protocol into an address to send the link to,
so the upload form can be filled in from the PDF. Names are matched after folding case and
whitespace, never fuzzily: a wrong guess would send a protocol to the wrong person.
"""

from __future__ import annotations

import codecs
import csv
import re
import io
from dataclasses import dataclass, field

from sqlalchemy import select

from .errors import InputError
from .models import Board, BoardMember
from .emails import is_valid_email

#: "mottagare" is no member: an authority, an office or an official that decisions are sent to
ROLES = ("ledamot", "ersattare", "ordforande", "justerare", "sekreterare", "mottagare")
#: what people write in a spreadsheet → the stored role
_ROLE_SPELLINGS = {"ledamot": "ledamot", "ersättare": "ersattare", "ersattare": "ersattare",
                   "ordförande": "ordforande", "ordforande": "ordforande", "justerare": "justerare",
                   "sekreterare": "sekreterare", "mottagare": "mottagare", "": "ledamot"}
_COLUMNS = {"name": ("namn", "name"), "email": ("e-post", "epost", "e-postadress", "email", "e-mail", "mail"),
            "role": ("roll", "role")}
MAX_ROWS = 2000


@dataclass(frozen=True)
class RowError:
    """A line of the CSV file that was not imported, and why."""

    line: int
    message_sv: str
    message_en: str

    def message(self, lang: str = "sv") -> str:
        text = self.message_en if lang.startswith("en") else self.message_sv
        return (f"Line {self.line}: " if lang.startswith("en") else f"Rad {self.line}: ") + text


@dataclass
class ImportResult:
    """What a CSV import did: counts, the rows it could not read, and names now held by more than one person."""

    added: int = 0
    updated: int = 0
    errors: list[RowError] = field(default_factory=list)
    #: each name (as first registered) that two or more entries now share, with their addresses
    namesakes: dict[str, list[str]] = field(default_factory=dict)
    #: the encoding the file was read in ("utf-8", "utf-16" or "cp1252")
    encoding: str = "utf-8"


def name_key(name: str) -> str:
    """The form of a name that matching compares: case and runs of whitespace do not count."""
    return " ".join(name.split()).casefold()


#: a party tag after a name, "(VI)", "(S)", "(KD)": registers often keep it, protocols often drop it
_PARTY_TAG = re.compile(r"\s*\([^()]{1,20}\)\s*$")


def person_key(name: str) -> str:
    """``name_key`` without a trailing party tag: "Birgitta Häggkvist (VI)" is "birgitta häggkvist"."""
    return name_key(_PARTY_TAG.sub("", name))


def board_members(session, board: Board) -> list[BoardMember]:
    return list(session.execute(select(BoardMember).filter_by(board_id=board.id).order_by(BoardMember.name))
                .scalars())


def _clean(name: str, email: str, role: str) -> tuple[str, str, str]:
    name, email = " ".join(name.split()), email.strip().lower()
    if not name:
        raise InputError("Namnet saknas.", "The name is missing.", field="name")
    if len(name) > 200:
        raise InputError("Namnet är för långt (högst 200 tecken).", "The name is too long (at most 200 characters).",
                         field="name")
    if not is_valid_email(email):
        raise InputError(f"E-postadressen \"{email[:60]}\" är ogiltig. Skriv den som namn@kommun.se.",
                         f"The e-mail address \"{email[:60]}\" is invalid. Write it as name@municipality.se.",
                         field="email")
    stored = _ROLE_SPELLINGS.get(role.strip().casefold())
    if stored is None:
        raise InputError(f"Okänd roll \"{role.strip()[:40]}\". Använd en av: ledamot, ersättare, ordförande, "
                         f"justerare, sekreterare, mottagare.",
                         f"Unknown role \"{role.strip()[:40]}\". Use one of: ledamot, ersättare, ordförande, "
                         f"justerare, sekreterare, mottagare.", field="role")
    return name, email, stored


def add_member(session, board: Board, *, name: str, email: str, role: str = "ledamot") -> tuple[BoardMember, bool]:
    """Add a person, or update the entry with the same name and address; returns (member, created).

    A name already registered with another address is a second person of that name, never an
    overwrite: the old entry may be someone else's (:func:`namesakes` tells the caller).
    """
    member, created = _upsert(session, board, _index(session, board), name, email, role)
    session.flush()
    return member, created


def namesakes(session, board: Board, name: str) -> list[BoardMember]:
    """The board's entries with this name (after folding case and whitespace), oldest first."""
    key = name_key(name)
    return sorted((m for m in board_members(session, board) if name_key(m.name) == key), key=lambda m: m.id)


def _index(session, board: Board) -> dict[str, list[BoardMember]]:
    index: dict[str, list[BoardMember]] = {}
    for member in sorted(board_members(session, board), key=lambda m: m.id):
        index.setdefault(name_key(member.name), []).append(member)
    return index


def _upsert(session, board: Board, index: dict[str, list[BoardMember]], name: str, email: str,
            role: str) -> tuple[BoardMember, bool]:
    name, email, role = _clean(name, email, role)
    same_name = index.setdefault(name_key(name), [])
    member = next((m for m in same_name if m.email == email), None)
    if member is not None:
        member.name, member.role = name, role
        return member, False
    member = BoardMember(board_id=board.id, name=name, email=email, role=role)
    session.add(member)
    same_name.append(member)
    return member, True


def remove_member(session, board: Board, member_id: int) -> bool:
    member = session.execute(select(BoardMember).filter_by(id=member_id, board_id=board.id)).scalar_one_or_none()
    if member is None:
        return False
    session.delete(member)
    return True


def _decode(data: str | bytes) -> tuple[str, str]:
    """The file's text and the encoding it was read in.

    Excel's "CSV UTF-8" is UTF-8 with a byte-order mark; its plain "CSV" is Windows-1252 on a
    Swedish Windows; "Unicode text" is UTF-16 with a mark. Strict UTF-8 goes first because
    Windows-1252 reads almost any bytes: a UTF-8 file must never be taken for it. No guessing
    detector after that: for short Swedish files they pick neighbours such as Windows-1250, in
    which "å" comes out as "ĺ".
    """
    if isinstance(data, str):
        return (data[1:] if data.startswith("\ufeff") else data), "utf-8"
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16"), "utf-16"
    try:
        return data.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError:
        return data.decode("cp1252"), "cp1252"


def _header(cells: list[str]) -> dict[str, int]:
    found = {}
    for index, cell in enumerate(cells):
        label = cell.strip().casefold()
        for key, spellings in _COLUMNS.items():
            if label in spellings and key not in found:
                found[key] = index
    return found


def import_csv(session, board: Board, text: str | bytes) -> ImportResult:
    """Add or update the board's members from a spreadsheet saved as CSV.

    The first line names the columns (namn/name, e-post/email, and optionally roll/role), in
    any order, separated by ``;`` (Swedish Excel), ``,`` or a tab. Good rows are kept even when
    other rows are bad; each bad row comes back as a :class:`RowError` with its line number. A
    row updates the entry with its name and address; a known name with a new address is added
    as another person and reported in ``namesakes``.
    """
    result = ImportResult()
    try:
        text, result.encoding = _decode(text)
    except UnicodeDecodeError:
        result.errors.append(RowError(
            1, "Filens teckenkodning känns inte igen. Spara den från Excel som ”CSV UTF-8” och försök igen.",
            "The file's character encoding is not recognised. Save it from Excel as \"CSV UTF-8\" and try again."))
        return result
    first = text.split("\n", 1)[0]
    delimiter = max(";,\t", key=first.count) if any(c in first for c in ";,\t") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    index = _index(session, board)
    known = {key: len(entries) for key, entries in index.items()}
    try:
        header = next(reader, None)
        columns = _header(header or [])
        if "name" not in columns or "email" not in columns:
            result.errors.append(RowError(
                1, "Första raden ska ha kolumnerna namn och e-post (och gärna roll), åtskilda med semikolon eller komma.",
                "The first line must name the columns name and email (and optionally role), "
                "separated by semicolons or commas."))
            return result
        rows = 0
        for cells in reader:
            line = reader.line_num
            if not any(c.strip() for c in cells):
                continue
            rows += 1
            if rows > MAX_ROWS:
                result.errors.append(RowError(line, f"Filen har fler än {MAX_ROWS} personer; resten lästes inte in.",
                                              f"The file has more than {MAX_ROWS} people; the rest was not read."))
                break

            def cell(key: str) -> str:
                index = columns.get(key)
                return cells[index] if index is not None and index < len(cells) else ""

            try:
                _member, created = _upsert(session, board, index, cell("name"), cell("email"), cell("role"))
            except InputError as exc:
                result.errors.append(RowError(line, exc.message_sv, exc.message_en))
                continue
            result.added, result.updated = result.added + created, result.updated + (not created)
        session.flush()
    except csv.Error:
        result.errors.append(RowError(reader.line_num or 1, "Raden kan inte läsas som CSV (kontrollera citattecknen).",
                                      "The line cannot be read as CSV (check the quotation marks)."))
    result.namesakes = {entries[0].name: [m.email for m in entries] for key, entries in index.items()
                        if len(entries) > 1 and len(entries) > known.get(key, 0)}
    return result


def _single(emails: list[str]) -> str | None:
    # Two people of the same name with different addresses: refuse to guess.
    distinct = set(emails)
    return distinct.pop() if len(distinct) == 1 else None


def find_email(session, org_id: int, board_name: str | None, person_name: str) -> str | None:
    """The e-mail of a person by name: from the board's register, else from the organisation's boards.

    None when nobody of that name is registered, or when the name is ambiguous.
    """
    if not name_key(person_name or ""):
        return None
    rows = session.execute(select(BoardMember.name, BoardMember.email, Board.name)
                           .join(Board, Board.id == BoardMember.board_id)
                           .where(Board.organisation_id == org_id)).all()
    # The name as written first; then with and without a party tag on either side.
    named = ([(email, board) for name, email, board in rows if name_key(name) == name_key(person_name)]
             or [(email, board) for name, email, board in rows if person_key(name) == person_key(person_name)])
    board_key = name_key(board_name or "")
    in_board = [email for email, board in named if board_key and name_key(board) == board_key]
    if in_board:
        return _single(in_board)
    return _single([email for email, _board in named])
