"""Unique pupil numbers (UPN): 13 characters, the first a check letter (DfE, "Unique pupil numbers (UPN)
guidance", and the children in need census validation rule 1510).

The other 12 are the local authority number (3 digits), the establishment number (4), the year of allocation
(2) and a serial number (3). A temporary UPN ends with a letter instead of the serial's last digit.

The check letter: each of characters 2 to 13 times its position (weights 2 to 13), the sum's remainder by 23,
read in the table A B C D E F G H J K L M N P Q R T U V W X Y Z (0 is A, 22 is Z; no I, O or S). A letter in
position 13 counts as its place in the same table.

A UPN is personal data: it is never put in a URL, a log line, an audit row's data or an email. The validator's
message does not repeat the number typed.
"""

from django.core.exceptions import ValidationError

UPN_LENGTH = 13
CHECK_LETTERS = "ABCDEFGHJKLMNPQRTUVWXYZ"


def normalise_upn(value: str) -> str:
    """The UPN as stored: capitals, the spaces people type removed."""
    return "".join(ch for ch in (value or "") if ch != " ").upper()


def check_letter(last_twelve: str) -> str | None:
    """The check letter for characters 2 to 13, or None when they are not 11 digits and a digit or letter."""
    if len(last_twelve) != UPN_LENGTH - 1 or not last_twelve.isascii():
        return None
    *digits, last = last_twelve
    if not all(ch.isdigit() for ch in digits):
        return None
    if last.isdigit():
        last_value = int(last)
    elif last in CHECK_LETTERS:
        last_value = CHECK_LETTERS.index(last)
    else:
        return None
    values = [int(ch) for ch in digits] + [last_value]
    total = sum(value * weight for value, weight in zip(values, range(2, UPN_LENGTH + 1), strict=True))
    return CHECK_LETTERS[total % 23]


def is_valid_upn(value: str) -> bool:
    upn = normalise_upn(value)
    return len(upn) == UPN_LENGTH and check_letter(upn[1:]) == upn[0]


def validate_upn(value: str) -> None:
    if value and not is_valid_upn(value):
        raise ValidationError(
            "This is not a valid unique pupil number: it has 13 characters, a letter then 12 digits (the last "
            "may be a letter), and the first letter is a check letter. Check it with the child's school.",
            code="invalid_upn",
        )
