"""The session as a rules file for `--scenarios`: every request of the journal answered again as it was,
in the same order (a request made n times gets `call: 1` ... `call: n`, as `mocktui import --into rules`
writes them: one reading of recorded exchanges, `engine/export/recorded.py`)."""

from __future__ import annotations

from mocktui.engine.export.har import entry
from mocktui.engine.export.recorded import exchanges, rule_texts, volatile_fields
from mocktui.engine.export.session import Session


def text(session: Session, *, secrets: bool = False) -> str:
    found = exchanges([entry(session, event, secrets=secrets) for event in session.events], session.spec)
    volatile = volatile_fields(found)
    rules = rule_texts(found, volatile, sequence=True)
    head = [f"# mocktui export scenario: {len(rules)} rules from {len(found)} requests of {session.spec.file}",
            f"# serve them: mocktui {session.spec.file} --scenarios FILE"]  # fmt: skip
    if volatile:
        head.append("# volatile fields, matched whatever their value (exists: true):")
        head += [f"#   {v.line()}" for v in volatile]
    return "\n".join(head) + "\n" + ("".join(rules) if rules else "[]\n")
