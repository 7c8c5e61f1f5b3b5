"""The signature of a delivery, Stripe-style: ``Tandem-Signature: t=<unix time>,v1=<hex>``,
where ``v1`` is the HMAC-SHA256, keyed with the webhook's secret, of ``"<t>.<raw body>"``.

The timestamp is part of what is signed, so a receiver that refuses old timestamps (say, older
than five minutes) also refuses a replayed request. docs/webhooks.md shows how to verify it.
"""

from __future__ import annotations

import hashlib
import hmac

SIGNATURE_HEADER = "Tandem-Signature"
EVENT_HEADER = "Tandem-Event"
DELIVERY_HEADER = "Tandem-Delivery"


def signature(*, secret: str, timestamp: int, body: bytes) -> str:
    """The hex HMAC-SHA256 of ``"<timestamp>.<body>"`` with the secret."""
    message = f"{timestamp}.".encode() + body
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def signature_header(*, secret: str, timestamp: int, body: bytes) -> str:
    """The value of the ``Tandem-Signature`` header."""
    return f"t={timestamp},v1={signature(secret=secret, timestamp=timestamp, body=body)}"
