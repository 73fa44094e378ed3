"""Exports: the spec and a session of the journal as documents other tools run.

- `har`: the journal as HAR 1.2 (full bodies, `_mocktui` per entry, secrets redacted);
- `postman`: a Postman v2.1 collection: a request per operation (folders by tag), saved examples, and
  a Session folder replaying the journal with `pm.test` checks of status and JSON schema;
- `pytest`: the session as a pytest file (httpx), values chained and control changes replayed;
- `scenario`: the session as a rules file for `--scenarios` giving the same answers in the same order.

Pure builders over a `Session` (spec, events, control changes); the service hands them the journal.
"""
