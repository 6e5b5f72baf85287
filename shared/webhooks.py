"""Signed webhooks, Stripe-style: ``Handoff-Signature: t=<unix>,v1=<hex>``.

The signature is HMAC-SHA256 over ``"<t>.<raw body>"`` with the endpoint's secret, so a
receiver proves the call came from the secret's holder and was not altered; the timestamp
inside the signed text bounds replays to the tolerance window, and a receiver that keeps the
signatures it accepted for that window refuses replays altogether. During a secret rotation
the sender signs with both secrets (two ``v1`` values) and the receiver accepts either.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from collections.abc import Iterable
from dataclasses import dataclass

SIGNATURE_HEADER = "Handoff-Signature"
DEFAULT_TOLERANCE_SECONDS = 300
SECRET_PREFIX = "whsec_"


class SignatureError(Exception):
    """The call is not proven to come from the secret's holder within the tolerance."""


def new_secret() -> str:
    """A fresh signing secret (256 random bits)."""
    return SECRET_PREFIX + secrets.token_urlsafe(32)


def _digest(secret: str, timestamp: int, body: bytes) -> str:
    signed = str(timestamp).encode() + b"." + body
    return hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()


def sign(body: bytes, secrets_: str | Iterable[str], *, timestamp: int | None = None) -> str:
    """The header value for ``body``: one ``v1`` per secret (several while rotating)."""
    keys = [secrets_] if isinstance(secrets_, str) else list(secrets_)
    if not keys:
        raise ValueError("sign() needs at least one secret")
    t = int(time.time()) if timestamp is None else timestamp
    return ",".join([f"t={t}", *(f"v1={_digest(k, t, body)}" for k in keys)])


@dataclass(frozen=True)
class Verified:
    """A verified call: its timestamp and the signature that matched (a replay key)."""

    timestamp: int
    signature: str


def parse(header: str) -> tuple[int, list[str]]:
    """The timestamp and the ``v1`` signatures of a header; SignatureError when malformed."""
    timestamp: int | None = None
    signatures: list[str] = []
    for item in header.split(","):
        name, _, value = item.strip().partition("=")
        if name == "t":
            if not value.isdigit() or len(value) > 12:
                raise SignatureError("the timestamp is not a number of seconds")
            timestamp = int(value)
        elif name == "v1" and value:
            signatures.append(value.lower())
    if timestamp is None or not signatures:
        raise SignatureError(f"the {SIGNATURE_HEADER} header needs t= and at least one v1=")
    return timestamp, signatures


def verify(
    body: bytes,
    header: str | None,
    secrets_: str | Iterable[str],
    *,
    tolerance: int = DEFAULT_TOLERANCE_SECONDS,
    now: int | None = None,
) -> Verified:
    """Check a call's signature against any of the receiver's secrets.

    Raises SignatureError when the header is missing or malformed, the timestamp is outside
    ``tolerance`` seconds of ``now``, or no ``v1`` matches any secret (constant-time compare).
    """
    if not header:
        raise SignatureError(f"the {SIGNATURE_HEADER} header is missing")
    timestamp, signatures = parse(header)
    current = int(time.time()) if now is None else now
    if abs(current - timestamp) > tolerance:
        raise SignatureError("the timestamp is outside the tolerance window")
    keys = [secrets_] if isinstance(secrets_, str) else list(secrets_)
    for key in keys:
        expected = _digest(key, timestamp, body)
        for candidate in signatures:
            if hmac.compare_digest(expected, candidate):
                return Verified(timestamp, candidate)
    raise SignatureError("no signature matches")
