"""Two-step login: TOTP codes from an authenticator app, and one-time recovery codes.

TOTP secrets are encrypted (Fernet) and recovery codes keyed-hashed (HMAC) with keys
derived from SECRET_KEY, which lives outside the database: a copy of the database
or of a backup gives no one a second factor. Changing SECRET_KEY therefore turns
every second factor off in effect; an admin can then reset them one by one.
"""

import base64
import hashlib
import hmac
import secrets
import unicodedata
from datetime import UTC, datetime

import pyotp
import segno
import sqlalchemy as sa
from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import current_app

from coach.agency import current_agency
from coach.extensions import db
from coach.models import RecoveryCode, User
from coach.timeutil import utcnow

RECOVERY_CODE_COUNT = 10
_CODE_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i to misread


def is_required_for(user: User) -> bool:
    # The agency's settings are read with the session (auth/sessions.py).
    return current_agency().requires_two_factor(user.role)


def _derived_key(purpose: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=purpose).derive(
        current_app.secret_key.encode()
    )


def _fernet() -> Fernet:
    return Fernet(base64.urlsafe_b64encode(_derived_key(b"coach: totp secrets")))


def totp_secret(user: User) -> str | None:
    """The user's TOTP secret in clear, or None (none, or SECRET_KEY has changed)."""
    if not user.totp_secret:
        return None
    try:
        return _fernet().decrypt(user.totp_secret.encode()).decode()
    except InvalidToken:
        return None


def start_enrolment(user: User) -> str:
    """A fresh secret for the authenticator app; it counts once a code confirms it."""
    secret = pyotp.random_base32()
    user.totp_secret = _fernet().encrypt(secret.encode()).decode()
    user.totp_enabled_at = None
    user.totp_last_step = None
    return secret


def provisioning_qr_svg(user: User) -> str | None:
    """The QR code an authenticator app scans; None if it cannot hold the text."""
    uri = pyotp.TOTP(totp_secret(user)).provisioning_uri(
        name=user.email, issuer_name=(current_agency().name or "Coach")[:40]
    )
    try:
        return segno.make(uri, error="m").svg_inline(scale=4, dark="#111827", omitsize=True)
    except segno.DataOverflowError:
        return None  # the key is shown as text beside it anyway


def normalize_code(code: str) -> str:
    """Lowercase ASCII letters and digits; digits typed in another script count too."""
    kept = []
    for c in (code or "").lower():
        digit = unicodedata.decimal(c, None)
        if digit is not None:
            kept.append(str(digit))
        elif c.isascii() and c.isalpha():
            kept.append(c)
    return "".join(kept)


def verify_totp(user: User, code: str) -> bool:
    """A current code (one step of clock drift either way), never one used before.

    The step is claimed with a conditional update, so two requests racing with
    the same code cannot both succeed.
    """
    code = normalize_code(code)
    secret = totp_secret(user)
    if not secret or len(code) != 6 or not code.isdigit():
        return False
    totp = pyotp.TOTP(secret)
    now_step = totp.timecode(datetime.now(UTC))  # aware: pyotp reads naive times as local
    for step in (now_step - 1, now_step, now_step + 1):
        if hmac.compare_digest(totp.generate_otp(step), code):
            claimed = db.session.execute(
                sa.update(User)
                .where(
                    User.id == user.id,
                    sa.or_(User.totp_last_step.is_(None), User.totp_last_step < step),
                )
                .values(totp_last_step=step)
            )
            return claimed.rowcount == 1
    return False


def _code_hash(code: str) -> str:
    # The codes are 50 random bits and guesses are throttled like passwords, so a
    # keyed SHA-256 is enough; a slow hash would make ten checks take seconds.
    key = _derived_key(b"coach: recovery codes")
    return hmac.new(key, normalize_code(code).encode(), hashlib.sha256).hexdigest()


def new_recovery_codes(user: User) -> list[str]:
    """Replace the user's recovery codes with ten new ones; shown once, stored hashed."""
    db.session.execute(sa.delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = []
    for _ in range(RECOVERY_CODE_COUNT):
        raw = "".join(secrets.choice(_CODE_ALPHABET) for _ in range(10))
        codes.append(f"{raw[:5]}-{raw[5:]}")
        db.session.add(RecoveryCode(user_id=user.id, code_hash=_code_hash(raw)))
    return codes


def use_recovery_code(user: User, code: str) -> bool:
    """Spend one recovery code; each works once."""
    if len(normalize_code(code)) != 10:
        return False
    result = db.session.execute(
        sa.update(RecoveryCode)
        .where(
            RecoveryCode.user_id == user.id,
            RecoveryCode.code_hash == _code_hash(code),
            RecoveryCode.used_at.is_(None),
        )
        .values(used_at=utcnow())
    )
    return result.rowcount == 1


def recovery_codes_left(user: User) -> int:
    return db.session.scalar(
        sa.select(sa.func.count())
        .select_from(RecoveryCode)
        .where(RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))
    )


def turn_off(user: User) -> None:
    user.totp_secret = None
    user.totp_enabled_at = None
    user.totp_last_step = None
    db.session.execute(sa.delete(RecoveryCode).where(RecoveryCode.user_id == user.id))


def confirm_enrolment(user: User, code: str) -> list[str] | None:
    """Turn two-step login on if the code matches the new secret; the recovery codes."""
    if user.has_two_factor or not verify_totp(user, code):
        return None
    user.totp_enabled_at = utcnow()
    return new_recovery_codes(user)
