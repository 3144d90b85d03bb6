"""Two-step login: TOTP codes from an authenticator app, and one-time recovery codes."""

import hashlib
import hmac
import secrets

import pyotp
import segno
import sqlalchemy as sa

from coach.agency import current_agency
from coach.extensions import db
from coach.models import RecoveryCode, User
from coach.timeutil import utcnow

RECOVERY_CODE_COUNT = 10
_CODE_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i to misread


def is_required_for(user: User) -> bool:
    return current_agency().requires_two_factor(user.role)


def start_enrolment(user: User) -> str:
    """A fresh secret for the authenticator app; it counts once a code confirms it."""
    user.totp_secret = pyotp.random_base32()
    user.totp_enabled_at = None
    user.totp_last_step = None
    return user.totp_secret


def provisioning_qr_svg(user: User) -> str:
    uri = pyotp.TOTP(user.totp_secret).provisioning_uri(
        name=user.email, issuer_name=current_agency().name or "Coach"
    )
    return segno.make(uri, error="m").svg_inline(scale=4, dark="#111827", omitsize=True)


def normalize_code(code: str) -> str:
    return "".join(c for c in (code or "").lower() if c.isalnum())


def verify_totp(user: User, code: str) -> bool:
    """A current code (one step of clock drift either way), never one used before.

    The step is claimed with a conditional update, so two requests racing with
    the same code cannot both succeed.
    """
    code = normalize_code(code)
    if not user.totp_secret or len(code) != 6 or not code.isdigit():
        return False
    totp = pyotp.TOTP(user.totp_secret)
    now_step = totp.timecode(utcnow())
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
    # plain SHA-256 is enough; a slow hash would make ten checks take seconds.
    return hashlib.sha256(normalize_code(code).encode()).hexdigest()


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
