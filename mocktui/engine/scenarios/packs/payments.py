"""The payments pack: Stripe's test cards declined, reviewed or accepted, in the spec's own shapes."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from mocktui.engine.data.pools import normalise
from mocktui.engine.scenarios.decision import Decision
from mocktui.engine.scenarios.packs.base import (
    Pack,
    answer_body,
    body_schema,
    find_value,
    get_in,
    random_id,
    schema_fields,
    success_status,
)
from mocktui.engine.scenarios.view import RequestView
from mocktui.engine.spec.model import Operation

if TYPE_CHECKING:
    pass

REVIEW_THRESHOLD = 10000


# -- payments -------------------------------------------------------------------------------

_CARD_FIELDS = {"cardnumber", "pan", "ccnumber", "creditcardnumber"}
_CARD_PARENTS = {"card", "source", "creditcard", "paymentmethod", "paymentcard", "cc", "payment", "instrument"}
_AMOUNT_FIELDS = {"amount", "total", "totalamount", "amountvalue", "value"}
# number -> (rule suffix, code, decline code, message, field at fault)
_DECLINES: dict[str, tuple[str, str, str | None, str, str]] = {
    "4000000000000002": ("declined card", "card_declined", "generic_decline", "Your card was declined.", "number"),
    "4000000000009995": (
        "insufficient funds",
        "card_declined",
        "insufficient_funds",
        "Your card has insufficient funds.",
        "number",
    ),
    "4000000000000069": ("expired card", "expired_card", None, "Your card has expired.", "expyear"),
    "4000000000000127": ("incorrect cvc", "incorrect_cvc", None, "Your card's security code is incorrect.", "cvc"),
}
SUCCESS_CARD = "4242424242424242"


def _is_card_field(parent: str, key: str) -> bool:
    return key in _CARD_FIELDS or (key == "number" and (parent in _CARD_PARENTS or parent == ""))


def _brand(digits: str) -> str:
    if digits.startswith("4"):
        return "visa"
    if digits[:2] in ("51", "52", "53", "54", "55") or digits[:2] == "22":
        return "mastercard"
    if digits[:2] in ("34", "37"):
        return "amex"
    return "discover" if digits.startswith("6") else "unknown"


class PaymentsPack(Pack):
    name = "payments"
    description = (
        "Test cards: 4242424242424242 succeeds, 4000000000000002 declined, 4000000000009995 insufficient funds, "
        "4000000000000069 expired, 4000000000000127 incorrect CVC (402); amount > 10000 held for review (202)"
    )

    def attaches(self, op: Operation) -> bool:
        if op.method not in ("POST", "PUT", "PATCH"):
            return False
        schema = body_schema(self.contract, op)
        if schema is None or not (schema.get("properties") if isinstance(schema, dict) else None):
            # No body shape to go by: the path or operationId has to say payments.
            return bool(re.search(r"pay|charge|checkout", f"{op.path} {op.id}", re.IGNORECASE))
        return any(_is_card_field(parent, key) for parent, key in schema_fields(self.contract, schema))

    def answer(self, view: RequestView) -> Decision | None:
        body = view.body
        if not isinstance(body, dict):
            return None
        op = view.op
        assert op is not None
        where = find_value(body, lambda parent, key, value: _is_card_field(parent, key) and _digits(value) is not None)
        digits = _digits(get_in(body, where)) if where is not None else None
        card = get_in(body, where[:-1]) if where is not None else {}
        if digits is not None and digits in _DECLINES:
            return self._decline(view, op, digits, where or [], card)
        amount_at = find_value(body, lambda parent, key, value: key in _AMOUNT_FIELDS and _amount(value) is not None)
        amount = _amount(get_in(body, amount_at)) if amount_at is not None else None
        if amount is not None and amount > REVIEW_THRESHOLD:
            return self._review(op, amount)
        if digits == SUCCESS_CARD:
            return self._success(op, body, digits, card, amount)
        return None

    def _decline(self, view: RequestView, op: Operation, digits: str, where: list[Any], card: Any) -> Decision:
        suffix, code, decline, message, fault = _DECLINES[digits]
        param_keys = list(where)
        if fault != "number" and isinstance(card, dict):
            sibling = next((k for k in card if normalise(str(k)).startswith(fault)), None)
            if sibling is not None:
                param_keys = [*where[:-1], sibling]
        param = ".".join(str(k) for k in param_keys)
        truths: dict[str, list[Any]] = {
            "type": ["card_error"],
            "code": [code],
            "errorcode": [code],
            "declinecode": [decline] if decline else [],
            "message": [message],
            "detail": [message],
            "errormessage": [message],
            "param": [param],
            "field": [param],
            "status": [402],
            "statuscode": [402],
            "title": ["Payment Required"],
            "error": [code],  # a flat {error: "card_declined"} body
        }
        error: dict[str, Any] = {"type": "card_error", "code": code, "message": message}
        if decline:
            error["decline_code"] = decline
        error["param"] = param
        body, ctype = answer_body(self.contract, op, 402, truths, {"error": error}, self.contract.rng)
        return Decision(rule=f"payments: {suffix}", status=402, body=body, content_type=ctype)

    def _review(self, op: Operation, amount: float | int) -> Decision:
        rng = self.contract.rng
        review = random_id(rng, "rev_", 14)
        payment = random_id(rng, "pay_", 16)
        message = "The payment is held for a manual fraud review."
        truths: dict[str, list[Any]] = {
            "status": ["pending", "PENDING", "review", "requires_action"],
            "reviewid": [review],
            "review": [review],
            "message": [message],
            "amount": [amount],
        }
        fallback = {"id": payment, "status": "pending", "reviewId": review, "amount": amount, "message": message}
        body, ctype = answer_body(self.contract, op, 202, truths, fallback, rng)
        return Decision(rule="payments: held for review", status=202, body=body, content_type=ctype)

    def _success(
        self, op: Operation, body: dict[str, Any], digits: str, card: Any, amount: float | int | None
    ) -> Decision:
        status = success_status(op)
        rng = self.contract.rng
        card = card if isinstance(card, dict) else {}
        month = next((v for k, v in card.items() if normalise(str(k)) in ("expmonth", "expirationmonth")), None)
        year = next((v for k, v in card.items() if normalise(str(k)) in ("expyear", "expirationyear")), None)
        truths: dict[str, list[Any]] = {
            "status": ["succeeded", "success", "paid", "captured", "completed"],
            "last4": [digits[-4:]],
            "brand": [_brand(digits)],
            "failurecode": [],
            "failuremessage": [],
            "amountrefunded": [0],
        }
        for key in ("currency", "description"):
            if key in body:
                truths[key] = [body[key]]
        if amount is not None:
            truths["amount"] = [amount]
        if month is not None:
            truths["expmonth"] = [month]
        if year is not None:
            truths["expyear"] = [year]
        fallback = {
            "id": random_id(rng, "pay_", 16),
            "status": "succeeded",
            "amount": amount,
            "currency": body.get("currency"),
            "card": {"brand": _brand(digits), "last4": digits[-4:]},
        }
        payload, ctype = answer_body(self.contract, op, status, truths, fallback, rng)
        return Decision(rule="payments: success", status=status, body=payload, content_type=ctype)


def _digits(value: Any) -> str | None:
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        return None
    text = re.sub(r"[\s-]", "", str(value))
    return text if text.isdigit() and 12 <= len(text) <= 19 else None


def _amount(value: Any) -> float | int | None:
    """A number from JSON or form text; whole numbers stay integers (`"2000"` is 2000, not 2000.0)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return value
    if isinstance(value, str):
        try:
            number = float(value)
        except ValueError:
            return None
        return int(number) if number.is_integer() and "." not in value else number
    return None
