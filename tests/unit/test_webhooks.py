"""Stripe-style webhook signatures: sign, verify, tolerance, rotation."""

from __future__ import annotations

import hashlib
import hmac

import pytest

from shared.webhooks import SignatureError, new_secret, parse, sign, verify

BODY = b'{"lead_id": "42", "status": "won"}'
NOW = 1_800_000_000


def test_signature_is_hmac_sha256_of_timestamp_dot_body() -> None:
    header = sign(BODY, "whsec_test", timestamp=NOW)
    expected = hmac.new(b"whsec_test", f"{NOW}.".encode() + BODY, hashlib.sha256).hexdigest()
    assert header == f"t={NOW},v1={expected}"
    assert verify(BODY, header, "whsec_test", now=NOW + 10).timestamp == NOW


@pytest.mark.parametrize(
    ("header", "problem"),
    [
        (None, "missing"),
        ("", "missing"),
        ("v1=abc", "t= and at least one v1"),
        (f"t={NOW}", "t= and at least one v1"),
        ("t=soon,v1=abc", "not a number"),
    ],
)
def test_missing_or_malformed_headers_are_refused(header: str | None, problem: str) -> None:
    with pytest.raises(SignatureError, match=problem):
        verify(BODY, header, "whsec_test", now=NOW)


def test_altered_body_or_wrong_secret_is_refused() -> None:
    header = sign(BODY, "whsec_test", timestamp=NOW)
    with pytest.raises(SignatureError, match="no signature matches"):
        verify(BODY + b" ", header, "whsec_test", now=NOW)
    with pytest.raises(SignatureError, match="no signature matches"):
        verify(BODY, header, "whsec_other", now=NOW)


@pytest.mark.parametrize("skew", [-301, 301, 10_000])
def test_timestamps_outside_the_tolerance_are_refused(skew: int) -> None:
    header = sign(BODY, "whsec_test", timestamp=NOW)
    with pytest.raises(SignatureError, match="tolerance"):
        verify(BODY, header, "whsec_test", now=NOW + skew)


def test_tolerance_edges_and_custom_window() -> None:
    header = sign(BODY, "whsec_test", timestamp=NOW)
    verify(BODY, header, "whsec_test", now=NOW + 300)
    verify(BODY, header, "whsec_test", now=NOW - 300)
    with pytest.raises(SignatureError):
        verify(BODY, header, "whsec_test", now=NOW + 61, tolerance=60)


def test_rotation_signs_with_both_and_either_secret_verifies() -> None:
    old, new = new_secret(), new_secret()
    header = sign(BODY, [old, new], timestamp=NOW)
    timestamp, signatures = parse(header)
    assert timestamp == NOW and len(signatures) == 2
    assert verify(BODY, header, old, now=NOW).signature == signatures[0]
    assert verify(BODY, header, new, now=NOW).signature == signatures[1]
    # A receiver holding both secrets accepts a sender that has only the new one.
    assert verify(BODY, sign(BODY, new, timestamp=NOW), [old, new], now=NOW)


def test_secrets_are_random_and_prefixed() -> None:
    a, b = new_secret(), new_secret()
    assert a != b and a.startswith("whsec_") and len(a) > 40
