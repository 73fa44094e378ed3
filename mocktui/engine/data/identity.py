"""Fix-ups that make a record's identity hang together: emails, usernames and display names follow
its names (Meghan Kaufman is `meghan.kaufman@example.com`, `mkaufman`), a company's email its
name, and image fields show the record's own picture (seeded by its id).

Part of the coherence plans (`coherence.plan_for`); each `*_step` decides at compile time from the
object's properties whether it applies and returns the step, or None.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from typing import Any

from mocktui.engine.data.context import Ctx
from mocktui.engine.data.entities import COMPANY, PERSON, image_template, image_word, is_image_media
from mocktui.engine.data.fields import Check, Fields, Step
from mocktui.engine.data.pools import pick, provider_for

_FULL_NAMES = ("name", "fullname", "displayname")
_TITLES = {"mr", "mrs", "ms", "miss", "dr", "prof", "jr", "sr", "ii", "iii", "iv", "md", "dds", "phd", "dvm", "esq"}
_COMPANY_WORDS = {"inc", "llc", "ltd", "plc", "group", "and", "sons", "co", "corp", "gmbh", "the", "company"}
_EXTRA_DOMAINS = ("mail.example.com", "example.co.uk")
_MAILBOXES = ("info", "contact", "hello", "sales", "support", "office")
_EMAIL_FORMATS = ("email", "idn-email")
_URL_FORMATS = (None, "uri", "url", "iri", "uri-reference", "iri-reference")
_TOKEN = re.compile(r"[^A-Za-z0-9-]")

Namer = Callable[[str, str, int], str]  # (first name, surname, a number) -> a local part or a username
_LOCALS: tuple[Namer, ...] = (
    lambda f, s, n: f"{f}.{s}",
    lambda f, s, n: f"{f}{s}",
    lambda f, s, n: f"{f[0]}{s}",
    lambda f, s, n: f"{f}_{s}",
    lambda f, s, n: f"{f}.{s}{n}",
    lambda f, s, n: f"{s}.{f}",
)
_USERNAMES: tuple[Namer, ...] = (
    lambda f, s, n: f"{f[0]}{s}",
    lambda f, s, n: f"{f}_{s}",
    lambda f, s, n: f"{f}.{s}",
    lambda f, s, n: f"{f}{s[0]}",
    lambda f, s, n: f"{f}{s}{n}",
)


def ascii_word(text: str) -> str:
    """`Zoë O'Neil` -> `zoeoneil`: what an email or a username makes of a name."""
    flat = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    return re.sub(r"[^a-z]", "", flat)


def split_name(full: str) -> tuple[str, str] | None:
    """`Dr. Adam Haley DDS` -> (Adam, Haley); None for fewer than two words."""
    parts = [p for p in full.split() if ascii_word(p) not in _TITLES and ascii_word(p)]
    return (parts[0], parts[-1]) if len(parts) >= 2 else None


class _Target:
    __slots__ = ("name", "check", "example")

    def __init__(self, name: str, check: Check, example: bool) -> None:
        self.name, self.check, self.example = name, check, example

    def put(self, out: dict[str, Any], ctx: Ctx, value: str) -> None:
        """Write `value` where the record has a generated string that `value` may replace."""
        if isinstance(out.get(self.name), str) and not (ctx.examples and self.example) and self.check(value):
            out[self.name] = value


def _targets(view: Fields, names: list[str]) -> list[_Target]:
    out = []
    for name in names:
        check = view.check(name)
        if check is not None and view.free(name) and "string" in view.types(name):
            out.append(_Target(name, check, view.has_example(name)))
    return out


def _domains(view: Fields) -> list[str]:
    pool = view.schemas.pools.pool("email") or []
    found = dict.fromkeys(str(e).rpartition("@")[2] for e in pool if "@" in str(e))
    return [*found, *_EXTRA_DOMAINS] if found else ["example.com", *_EXTRA_DOMAINS]


def identity_step(view: Fields, kind: str) -> Step | None:
    """Emails, usernames and display names derived from the record's names (or a company's name)."""
    strings = [n for n in view.raw if "string" in view.types(n)]
    emails = [n for n in strings if provider_for(n) == "email" or view.bodies[n].get("format") in _EMAIL_FORMATS]
    if kind == COMPANY:
        name = view.by_key.get("name")
        return _company_step(view, name, _targets(view, emails)) if name in strings else None
    if kind not in ("", PERSON):
        return None
    first = next((n for n in strings if provider_for(n) == "first_name"), None)
    last = next((n for n in strings if provider_for(n) == "last_name"), None)
    fulls = [view.by_key[k] for k in _FULL_NAMES if k in view.by_key and view.by_key[k] in strings]
    if not (first and last) and not fulls:
        return None
    usernames = [n for n in strings if provider_for(n) == "user_name" and n not in emails]
    mail, users = _targets(view, emails), _targets(view, usernames)
    shown = _targets(view, fulls) if first and last else []
    if not (mail or users or shown):
        return None
    domains = _domains(view)
    source = fulls[0] if not (first and last) else None

    def derive(out: dict[str, Any], ctx: Ctx) -> None:
        if source is None:
            given, family = out.get(first), out.get(last)  # type: ignore[arg-type]
            if not (isinstance(given, str) and isinstance(family, str)):
                return
        else:
            full = out.get(source)
            pair = split_name(full) if isinstance(full, str) else None
            if pair is None:
                return
            given, family = pair
        fa, la = ascii_word(given), ascii_word(family)
        if not (fa and la):
            return
        for target in shown:
            target.put(out, ctx, f"{given} {family}")
        rng = ctx.rng
        for target in mail:
            local = pick(rng, _LOCALS)(fa, la, 1 + int(rng.random() * 99))
            target.put(out, ctx, f"{local}@{pick(rng, domains)}")
        for target in users:
            target.put(out, ctx, pick(rng, _USERNAMES)(fa, la, 1 + int(rng.random() * 99)))

    return derive


def _company_step(view: Fields, name: str | None, mail: list[_Target]) -> Step | None:
    if name is None or not mail:
        return None
    tlds = ("com", "net", "io", "co")

    def derive(out: dict[str, Any], ctx: Ctx) -> None:
        company = out.get(name)
        if not isinstance(company, str):
            return
        parts = [w for w in (ascii_word(p) for p in re.split(r"[\s,&-]+", company)) if w and w not in _COMPANY_WORDS]
        if not parts:
            return
        domain = "-".join(parts[:2]) + "." + pick(ctx.rng, tlds)
        for target in mail:
            target.put(out, ctx, f"{pick(ctx.rng, _MAILBOXES)}@{domain}")

    return derive


def image_step(view: Fields, kind: str) -> Step | None:
    """Image fields of a record with an id show that record's picture: the id seeds the placeholder image."""
    id_field = view.by_key.get("id") or view.by_key.get("uuid")
    if id_field is None:
        return None
    images: list[tuple[_Target, str, int | None]] = []
    for name in view.raw:
        body = view.bodies[name]
        word = image_word(name) or ("image" if is_image_media(body) else None)
        if word is None or body.get("format") not in _URL_FORMATS:
            continue
        max_len = body.get("maxLength")
        max_len = int(max_len) if isinstance(max_len, (int, float)) else None
        template = image_template(word, max_len, 12)
        for target in _targets(view, [name]) if template else []:
            images.append((target, template, max_len))  # type: ignore[arg-type]
    if not images:
        return None
    prefix = kind or "id"

    def show(out: dict[str, Any], ctx: Ctx) -> None:
        ident = out.get(id_field)
        if ident is None or isinstance(ident, (dict, list, bool)):
            return
        token = f"{prefix}-{_TOKEN.sub('', str(ident))[:36]}"
        for target, template, max_len in images:
            url = template.replace("{t}", token)
            if max_len is None or len(url) <= max_len:
                target.put(out, ctx, url)

    return show
