"""The NHS number's check digit (modulus 11), so a mistyped number is caught as it is entered."""


def is_valid_nhs_number(value: str) -> bool:
    """Ten digits (spaces allowed) whose tenth is the modulus-11 check digit of the first nine."""
    digits = "".join(str(value).split())
    if len(digits) != 10 or not digits.isdigit():
        return False
    total = sum(int(d) * weight for d, weight in zip(digits[:9], range(10, 1, -1), strict=True))
    check = 11 - total % 11
    if check == 11:
        check = 0
    return check != 10 and check == int(digits[9])
