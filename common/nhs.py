"""NHS numbers: ten digits, the last a modulus-11 check digit (NHS Data Dictionary).

An NHS number is personal data: it is never put in a URL, a log line, an audit row's data or an email.
The validator's message does not repeat the number typed.
"""

from django.core.exceptions import ValidationError

NHS_NUMBER_LENGTH = 10


def normalise_nhs_number(value: str) -> str:
    """The number as stored: digits only, the spaces and hyphens people type (485 777 3456) removed."""
    return "".join(ch for ch in (value or "") if ch not in " -")


def is_valid_nhs_number(value: str) -> bool:
    """Ten digits whose check digit is right: weights 10 down to 2 over the first nine, 11 minus the sum's
    remainder by 11 (11 reads 0; 10 means no valid number has these nine digits)."""
    digits = normalise_nhs_number(value)
    if len(digits) != NHS_NUMBER_LENGTH or not digits.isascii() or not digits.isdigit():
        return False
    total = sum(int(digit) * weight for digit, weight in zip(digits[:9], range(10, 1, -1), strict=True))
    check = 11 - total % 11
    if check == 11:
        check = 0
    return check != 10 and check == int(digits[9])


def validate_nhs_number(value: str) -> None:
    if value and not is_valid_nhs_number(value):
        raise ValidationError(
            "This is not a valid NHS number: it has 10 digits and the last one is a check digit. "
            "Check it against a letter from the GP or the red book.",
            code="invalid_nhs_number",
        )
