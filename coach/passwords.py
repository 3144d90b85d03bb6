"""Password rules: length only (no composition rules), and not a common password.

The list is the password dictionary of zxcvbn-ts (`@zxcvbn-ts/language-common`
4.1.3, MIT, see data/common-passwords.LICENSE.txt): about 49,000 passwords seen
most often in breaches, most common first.
"""

import string
from functools import cache
from pathlib import Path

PASSWORD_MIN = 12
PASSWORD_MAX = 128

_LIST = Path(__file__).parent / "data" / "common-passwords.txt"
_PADDING = string.digits + string.punctuation + string.whitespace


@cache
def common_passwords() -> frozenset[str]:
    return frozenset(_LIST.read_text(encoding="utf-8").split())


def is_common_password(password: str) -> bool:
    """True for a listed password, or one padded with digits and symbols to length.

    "password1234" and "!!sunshine2024" are refused: the padding is the first
    thing a guesser tries. A password of only digits and symbols is refused too.
    """
    lowered = password.lower()
    core = lowered.strip(_PADDING)
    listed = common_passwords()
    return lowered in listed or not core or core in listed or len(set(lowered)) <= 2


def password_problem(password: str) -> str | None:
    """What is wrong with a new password, in words for the person choosing it."""
    if not PASSWORD_MIN <= len(password) <= PASSWORD_MAX:
        return (
            f"Use {PASSWORD_MIN} to {PASSWORD_MAX} characters. "
            "A few words in a row make a good one."
        )
    if is_common_password(password):
        return (
            "That password is on the list of the most common ones that attackers try "
            "first. Choose another: a few unrelated words in a row work well."
        )
    return None
