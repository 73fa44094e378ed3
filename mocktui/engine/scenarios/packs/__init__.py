"""Built-in scenario packs: realistic behaviour that attaches to any spec by its shape.

A pack looks at every operation once (path, operationId, request body schema) and attaches to
those it fits; on other operations, and on specs where nothing fits, it does nothing. Bodies are
generated from the schema the operation declares for the status, with the pack's facts put into
the fields that say them (`code`, `message`, `declineCode`, `attemptsRemaining`...) wherever the
schema allows; an operation that declares nothing for that status gets a plain JSON body.

**payments**: operations whose request body holds a card number (`card.number`, `number`,
`card_number`, `source.number`, `payment_method.card.number`, ...; 12-19 digits, spaces and
dashes ignored). Stripe's test cards:

| card number        | answer                                                              |
|--------------------|---------------------------------------------------------------------|
| 4242424242424242   | the lowest declared 2xx (else 200), status `succeeded`, last4, brand |
| 4000000000000002   | 402 `card_declined`, decline code `generic_decline`                 |
| 4000000000009995   | 402 `card_declined`, decline code `insufficient_funds`              |
| 4000000000000069   | 402 `expired_card`                                                  |
| 4000000000000127   | 402 `incorrect_cvc`                                                 |
| any, amount > 10000| 202 `pending` with a review id `rev_...` (a declining card still declines) |

Without a declared 402 schema the body is `{"error": {"type": "card_error", "code", "message",
"decline_code", "param"}}`. Other card numbers pass to the mock.

**auth**: POST operations whose path or operationId says login/signin/token/auth/session and
whose body schema has a username (or email/login) and a password. Users:

| username  | password | answer                                                             |
|-----------|----------|--------------------------------------------------------------------|
| admin     | admin123 | 200, role `admin`, `mfaRequired: true` (the token's payload has `"mfa": true`) |
| user      | user123  | 200, role `user`, `mfaRequired: false`                            |
| locked    | any      | 403 `account_locked` with `lockedUntil` (15 minutes on)           |
| expired   | any      | 403 `password_expired` with `passwordResetUrl`                    |
| any       | wrong    | 401 `invalid_credentials`, `attemptsRemaining` 4, 3, 2, 1, 0      |

Failed attempts count per username (unknown usernames too); after the fifth, the username gets
403 `account_locked` until `Scenarios.reset()`.

An email identifies a user by its local part (`admin@example.com` is `admin`). A right password
clears the username's failed attempts. Tokens are JWT-shaped: base64url (no padding) of
`{"alg": "HS256", "typ": "JWT"}`, of the payload `{"sub": "usr_<6 hex>", "role", "iat", "exp"}`
(`exp` one hour on, `"mfa": true` for admin), and an HMAC-SHA256 of both under the key
`mocktui` (a shape for clients to parse, not a secret).

**variants**: every operation, by request headers: `api-version: 1.0` (or `1`, `v1`) wraps a
2xx JSON body as `{"data": <body>, "version": "1.0"}` and adds `Deprecation: true` and a
`Sunset` date; `x-features: a,b` is echoed as `X-Features-Enabled: a,b`; `x-variant: B` is echoed
as `X-Variant: B` and any variant but `A` gets its own schema-valid body, the same on every call.
"""

from __future__ import annotations

from mocktui.engine.scenarios.packs.auth import AuthPack
from mocktui.engine.scenarios.packs.base import Pack
from mocktui.engine.scenarios.packs.payments import PaymentsPack
from mocktui.engine.scenarios.packs.variants import VariantsPack

BUILTIN: list[type[Pack]] = [PaymentsPack, AuthPack, VariantsPack]
