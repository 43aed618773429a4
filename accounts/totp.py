"""The second factor: an authenticator app's six-digit codes (TOTP, RFC 6238) and recovery codes.

pyotp makes and checks the codes (the RFC's HMAC and time-step arithmetic, tested against its
vectors, rather than our own copy); segno draws the enrolment QR code as SVG on our server, so
the secret never goes to another site. The secret is stored encrypted (Fernet, from
`cryptography`) under a key derived from the deployment's SECRET_KEY: a copy of the database
alone cannot make codes. Changing SECRET_KEY therefore makes every enrolment unreadable; each
person then enrols again after `linkage user reset-2fa`.

A code is accepted for the time-step before, at and after now (a phone's clock may be 30 s
off), and only for a step later than the last one accepted, so a code seen over a shoulder
cannot be used again. Functions take a session and never commit, like `services`.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import secrets
from dataclasses import dataclass

import pyotp
import segno
from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from accounts import audit
from accounts.audit import Actor
from accounts.models import RecoveryCode, Role, SecondFactorRule, TotpCredential, User
from kernel.db import utcnow
from kernel.errors import Problem

ISSUER = "Linkage"
RECOVERY_CODES = 10
DRIFT_STEPS = 1  # steps accepted either side of now


# ------------------------------------------------------------------ the secret, encrypted


def _fernet() -> Fernet:
    """The key: HKDF of SECRET_KEY with a label of its own, so it is never the session's key."""
    secret = str(current_app.config["SECRET_KEY"]).encode()
    raw = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"linkage totp secret").derive(secret)
    return Fernet(base64.urlsafe_b64encode(raw))


def _seal(secret: str) -> str:
    return _fernet().encrypt(secret.encode()).decode()


def _open(sealed: str) -> str:
    try:
        return _fernet().decrypt(sealed.encode()).decode()
    except InvalidToken:
        # SECRET_KEY changed since enrolment: no code can be checked; an admin resets it.
        raise Problem(
            409,
            _("This second factor cannot be read any more: ask an administrator to reset it."),
            param="code",
        ) from None


# ------------------------------------------------------------------ who must have one


def required_roles(session: Session, configured: tuple[str, ...]) -> set[str]:
    """The roles that must use a second factor: LINKAGE_MFA_ROLES, with the admins' choices over it."""
    roles = set(configured)
    for rule in session.scalars(select(SecondFactorRule)):
        (roles.add if rule.required else roles.discard)(rule.role.value)
    return roles


def is_required(session: Session, user: User, configured: tuple[str, ...]) -> bool:
    return user.role.value in required_roles(session, configured)


@dataclass(frozen=True)
class RoleRule:
    role: str
    required: bool
    chosen: bool  # an admin's choice (else LINKAGE_MFA_ROLES decides)


def role_rules(session: Session, configured: tuple[str, ...]) -> list[RoleRule]:
    chosen = {r.role.value: r.required for r in session.scalars(select(SecondFactorRule))}
    return [RoleRule(r.value, chosen.get(r.value, r.value in configured), r.value in chosen) for r in Role]


def set_required(session: Session, role: Role, required: bool, actor: Actor) -> None:
    rule = session.get(SecondFactorRule, role)
    if rule is None:
        session.add(SecondFactorRule(role=role, required=required))
    else:
        rule.required, rule.changed = required, utcnow()
    detail = f"role={role.value} " + ("required" if required else "not required")
    audit.record(session, actor, "mfa_require", record_type="role", record_id=role.value, detail=detail)


# ------------------------------------------------------------------ enrolment


def credential(session: Session, user: User) -> TotpCredential | None:
    return session.get(TotpCredential, user.id)


def enabled(session: Session, user: User) -> bool:
    cred = credential(session, user)
    return cred is not None and cred.enabled is not None


@dataclass(frozen=True)
class Enrolment:
    secret: str  # base32, for typing into the app by hand
    uri: str  # otpauth://, what the QR code holds
    qr_svg: str  # a data: URI of the QR code as SVG


def pending(session: Session, user: User) -> Enrolment:
    """The secret being enrolled: made on the first visit, the same one until it is confirmed
    (a reload does not invalidate what the phone already scanned)."""
    cred = credential(session, user)
    if cred is not None and cred.enabled is not None:
        raise Problem(409, _("The second factor is already on."), param="code")
    if cred is None:
        cred = TotpCredential(user_id=user.id, secret_encrypted=_seal(pyotp.random_base32()))
        session.add(cred)
        session.flush()
    secret = _open(cred.secret_encrypted)
    uri = pyotp.TOTP(secret).provisioning_uri(name=user.email, issuer_name=ISSUER)
    svg = segno.make(uri, error="m").svg_data_uri(border=4, omitsize=True, light="#fff")
    return Enrolment(secret, uri, svg)


def _step_of(totp: pyotp.TOTP, code: str, last: int | None, now: dt.datetime) -> int | None:
    """The time-step whose code this is (within the drift), if it is later than `last`."""
    if len(code) != totp.digits or not code.isdigit():
        return None
    current = totp.timecode(now)
    for step in range(current - DRIFT_STEPS, current + DRIFT_STEPS + 1):
        if (last is None or step > last) and hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def _hash(code: str) -> str:
    return hashlib.sha256(code.encode()).hexdigest()


def normalize(code: str) -> str:
    """What a person typed: spaces and hyphens dropped, lower-case."""
    return "".join(ch for ch in (code or "").lower() if ch not in " -\t")[:64]


def new_recovery_codes(session: Session, user: User) -> list[str]:
    """Ten new codes (any earlier ones are gone), shown once as xxxx-xxxx-xxxx-xxxx."""
    session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = []
    for _n in range(RECOVERY_CODES):
        raw = base64.b32encode(secrets.token_bytes(10)).decode().lower()  # 80 bits, 16 characters
        session.add(RecoveryCode(user_id=user.id, code_hash=_hash(raw)))
        codes.append("-".join(raw[i : i + 4] for i in range(0, 16, 4)))
    return codes


def confirm(
    session: Session, user: User, code: str, actor: Actor, now: dt.datetime | None = None
) -> list[str]:
    """Turn the second factor on with a first code from the app; returns the recovery codes."""
    now = now or utcnow()
    cred = credential(session, user)
    if cred is None or cred.enabled is not None:
        raise Problem(409, _("Open the page again to get a new secret."), param="code")
    step = _step_of(pyotp.TOTP(_open(cred.secret_encrypted)), normalize(code), None, now)
    if step is None:
        raise Problem(400, _("That code is not right: type the six digits the app shows now."), param="code")
    cred.enabled, cred.last_step = now, step
    codes = new_recovery_codes(session, user)
    audit.record(session, actor, "mfa_enrol", record_type="user", record_id=user.id)
    return codes


def recovery_left(session: Session, user: User) -> int:
    query = select(func.count()).where(RecoveryCode.user_id == user.id, RecoveryCode.used.is_(None))
    return session.scalar(query) or 0


def check(session: Session, user: User, code: str, now: dt.datetime | None = None) -> str | None:
    """ "totp" or "recovery code" when `code` passes (and is used up), else None."""
    now = now or utcnow()
    cred = credential(session, user)
    if cred is None or cred.enabled is None:
        return None
    typed = normalize(code)
    if typed.isdigit():
        step = _step_of(pyotp.TOTP(_open(cred.secret_encrypted)), typed, cred.last_step, now)
        if step is None:
            return None
        cred.last_step = step
        return "totp"
    row = session.scalars(
        select(RecoveryCode).where(
            RecoveryCode.user_id == user.id,
            RecoveryCode.code_hash == _hash(typed),
            RecoveryCode.used.is_(None),
        )
    ).first()
    if row is None:
        return None
    row.used = now
    return "recovery code"


def remove(session: Session, user: User) -> bool:
    """Delete the user's secret and recovery codes; True when there was a second factor."""
    had = credential(session, user) is not None
    session.execute(delete(TotpCredential).where(TotpCredential.user_id == user.id))
    session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    return had
