"""Schemathesis, an external checker nobody here wrote, against the running mock.

Every spec in `specs/` and a representative part of the corpus (Swagger 2.0,
OpenAPI 3.0 and 3.1, single- and multi-file) is served on a real socket and
`st run` sends examples, coverage cases and fuzzed requests, positive and
negative, with every check on. Runs are bounded: a fixed number of examples
per operation, deterministic generation, and a wall-clock timeout.

A failure fails the test unless it is one of the waivers below, each of which
is a fact about the spec (checked from our model of it, per operation), not
about the mock:

- `NO_ERROR_DECLARED`: the mock refused a request (bad input or missing
  credentials) on an operation that declares no status fit to say so. It
  answers the honest 422/400/401 with a problem body; schemathesis then
  reports an undocumented status and content type. Only those two checks,
  only for that refusal, only on such operations.
- `NO_SUCCESS_DECLARED`: an operation declares no 2xx and no `default`
  (Swagger petstore's `addPet` declares only `405`), so a valid request gets
  a declared non-success status.
- `UNKNOWABLE_CREDENTIALS`: `ignored_auth` sends well-formed credentials
  that the real API would not know. A mock checks that credentials are present
  and well-formed; which keys are valid is not in the spec. (Missing
  credentials must still get 401: that part of the check is not waived.)
- `OTHER_ALTERNATIVE`: `ignored_auth` strips one scheme's credentials from
  an operation whose security offers alternatives (OR) and keeps the other
  scheme's, so the request is still authorised.
- `ANCHOR_REF`: schemathesis cannot resolve a 3.1 `$anchor` reference
  (`petstore-v31.yaml`: `/components/schemas/petdetails#pet_details_id`),
  which mocktui resolves (the spec loads and is served).
- `FORM_ARRAY_OF_ONE`: in `application/x-www-form-urlencoded`, `tags=a` is
  how a one-element array is sent (`explode: true` is the default for form
  bodies); schemathesis calls it a string where an array belongs.
- `SPEC_FAULTS`: failures caused by one spec's own contradiction, listed
  below with the spec, the operation and the reason.
- `FORM_OBJECTS_LOST`: a form field holding an array of objects (petstore's
  `tags: [{id, name}]`) is sent by schemathesis as the objects' keys
  (`tags=id&tags=name`), which no OpenAPI form style reads as objects; the
  mock refuses them (422), rightly.
- `FORM_BODY_OPTIONAL`: schemathesis treats every Swagger 2.0 `formData` body
  as required (`OpenApiBody.from_form_parameters` sets `is_required=True`);
  where no form field is required, the spec lets the body be omitted.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from mocktui.engine.spec.model import Operation, Spec
from mocktui.engine.spec.read import load_spec

from ..helpers import CORPUS, SPECS, serve

CORPUS_SPECS = [
    "petstore-v2.yaml",  # Swagger 2.0
    "petstore-separate-v2/spec/swagger.yaml",  # Swagger 2.0, multi-file
    "petstore-v3.yaml",  # 3.0
    "tictactoe.yaml",
    "uspto.yaml",
    "httpbin.yaml",
    "xkcd.yaml",
    "callback-example.yaml",
    "link-example.yaml",
    "api-with-examples.yaml",
    "nyt-article-search-v2.yaml",
    "petstore-v31.yaml",  # 3.1
    "museum.yaml",
    "train-travel/openapi.yaml",
    "redocly-cafe/openapi.yaml",  # 3.1, multi-file
]
BUNDLED = sorted(p.name for p in SPECS.glob("*.yaml") if p.name != "broken.yaml")

MAX_EXAMPLES = 10
TIMEOUT_S = 240
ST = str(Path(sys.executable).with_name("st"))

# (spec file, operation, text in the failure, reason)
SPEC_FAULTS = [
    (
        "nyt-article-search-v2.yaml",
        "GET /articlesearch.json",
        'facet: \\"0\\" is not one of',
        # `facet` is `type: string, enum: [false, true]` (YAML booleans): mocktui accepts the words
        # "false"/"true"; schemathesis serialises the boolean False as "0" and calls that valid.
        "nyt: string parameter with a boolean enum",
    ),
]
NO_ERROR_DECLARED = "the operation declares no status for this refusal"
NO_SUCCESS_DECLARED = "the operation declares no success response"
UNKNOWABLE_CREDENTIALS = "which credentials are valid is not in the spec"
OTHER_ALTERNATIVE = "credentials of another security alternative were still sent"
ANCHOR_REF = "schemathesis cannot resolve $anchor references"
FORM_ARRAY_OF_ONE = "a form field sent once is a one-element array"
FORM_OBJECTS_LOST = "schemathesis sends an array of objects in a form as the objects' keys"
FORM_BODY_OPTIONAL = "Swagger 2.0 form body with no required field may be omitted"

_CASE = re.compile(r"^\d+\. Test Case ID: \w+$", re.M)
_CODES = re.compile(r"^- (ST\d+) ", re.M)
_STATUS = re.compile(r"^\[(\d{3})\] ", re.M)


def _auth_config(spec: Spec) -> str:
    """schemathesis.toml giving every security scheme working credentials.

    Configured per scheme (not as fixed `-H` headers), so positive cases get through while the
    `ignored_auth` check can still send requests without or with broken credentials.
    """
    lines = []
    for name, scheme in spec.security_schemes.items():
        if not isinstance(scheme, dict):
            continue
        kind = str(scheme.get("type", "")).lower()
        lines.append(f'[auth.openapi."{name}"]')
        if kind == "apikey":
            lines.append('api_key = "test-key"')
        elif kind == "basic" or (kind == "http" and str(scheme.get("scheme", "")).lower() == "basic"):
            lines += ['username = "test"', 'password = "secret"']
        else:
            lines.append('bearer = "test-token"')
    return "\n".join(lines) + "\n"


def _operation(spec: Spec, name: str) -> Operation | None:
    method, _, path = name.partition(" ")
    base = spec.base_path
    return next(
        (op for op in spec.operations if op.method == method and (op.path == path or base + op.path == path)), None
    )


def _waiver(spec: Spec, op: Operation | None, codes: set[str], status: int | None, text: str) -> str | None:
    if "Unresolvable reference" in text and re.search(r"Reference: \S*#[^/\s]", text):
        return ANCHOR_REF
    if op is None or not codes:
        return None
    for file, name, marker, reason in SPEC_FAULTS:
        if spec.file.endswith(file) and f"{op.method} {op.path}" == name and marker in text:
            return reason
    keys = set(op.responses)
    if codes <= {"ST103", "ST105"} and status in (400, 401, 422) and str(status) not in keys:
        # The statuses the mock would have used for this refusal, had the operation declared one.
        usable = {"401", "403"} if status == 401 else {"422", "400", "415"}
        if not keys & ({k for k in usable if k.startswith("4")} | {"4XX", "default"}):
            return NO_ERROR_DECLARED
    if codes == {"ST401"} and "(invalid credentials provided)" in text:
        return UNKNOWABLE_CREDENTIALS
    if codes == {"ST401"} and "without authentication" in text and _other_alternative_sent(spec, op, text):
        return OTHER_ALTERNATIVE
    form_array = re.search(r"Invalid component: in body - (\w+): Incorrect type", text)
    if codes == {"ST201"} and form_array and "application/x-www-form-urlencoded" in text:
        body = op.body.content.get("application/x-www-form-urlencoded") if op.body else None
        prop = spec.schemas.deref(body.schema).get("properties", {}).get(form_array.group(1)) if body else None
        if prop is not None and spec.schemas.deref(prop).get("type") == "array":
            return FORM_ARRAY_OF_ONE
    if codes == {"ST202"} and "application/x-www-form-urlencoded" in text and _form_holds_objects(spec, op):
        return FORM_OBJECTS_LOST
    if codes == {"ST202"} and not any(k.startswith("2") or k == "default" for k in keys):
        return NO_SUCCESS_DECLARED
    if (
        codes == {"ST201"}
        and "Missing request body" in text
        and spec.version == "2.0"
        and op.body is not None
        and not op.body.required
        and all("form" in name for name in op.body.content)
    ):
        return FORM_BODY_OPTIONAL
    return None


def _form_holds_objects(spec: Spec, op: Operation) -> bool:
    """Does the operation's form body have an array of objects (`tags: [{id, name}]`)?"""
    body = op.body.content.get("application/x-www-form-urlencoded") if op.body else None
    props = spec.schemas.deref(body.schema).get("properties", {}) if body is not None else {}
    for prop in props.values():
        items = spec.schemas.deref(spec.schemas.deref(prop).get("items", {}))
        if isinstance(items, dict) and (items.get("type") == "object" or "properties" in items):
            return True
    return False


def _other_alternative_sent(spec: Spec, op: Operation, text: str) -> bool:
    """Does the failing request still carry a header that satisfies one of several alternatives?"""
    alternatives = op.security if op.security is not None else spec.security
    if len(alternatives or []) < 2:
        return False
    sent = {h.lower() for h in re.findall(r"-H '([^:]+):", text)}
    for requirement in alternatives or []:
        names = []
        for scheme_name in requirement:
            scheme = spec.security_schemes.get(scheme_name) or {}
            apikey_header = scheme.get("type") == "apiKey" and scheme.get("in") == "header"
            names.append(str(scheme.get("name", "")).lower() if apikey_header else "authorization")
        if names and all(name in sent for name in names):
            return True
    return False


def _failures(spec: Spec, junit: Path) -> tuple[list[str], dict[str, int]]:
    """Unwaived failures (one readable block each) and counts of waived ones by reason."""
    failures: list[str] = []
    waived: dict[str, int] = {}
    for case in ET.parse(junit).getroot().iter("testcase"):
        name = case.get("name", "")
        for element in list(case.findall("failure")) + list(case.findall("error")):
            text = element.text or element.get("message", "")
            blocks = [b for b in _CASE.split(text) if b.strip()] or [text]
            for block in blocks:
                codes = set(_CODES.findall(block))
                status_match = _STATUS.search(block)
                status = int(status_match.group(1)) if status_match else None
                reason = _waiver(spec, _operation(spec, name), codes, status, block)
                if reason is None:
                    failures.append(f"{name}:\n{block.strip()}")
                else:
                    waived[reason] = waived.get(reason, 0) + 1
    return failures, waived


def _run(spec_path: Path, tmp_path: Path) -> None:
    spec = load_spec(str(spec_path))
    with serve(spec, faker_seed=7) as server:
        check_conformance(spec_path, server.url + spec.base_path, tmp_path)


def check_conformance(spec_path: Path, url: str, tmp_path: Path, max_examples: int = MAX_EXAMPLES) -> None:
    """`st run` of the spec at `spec_path` against the mock serving it at `url` (its base path included):
    every check, every phase; fails on any failure but the waivers above."""
    spec = load_spec(str(spec_path))
    junit = tmp_path / "junit.xml"
    (tmp_path / "schemathesis.toml").write_text(_auth_config(spec))
    command = [
        ST,
        "run",
        str(spec_path),
        "--url",
        url,
        "--checks",
        "all",
        "--mode",
        "all",
        "--phases",
        "examples,coverage,fuzzing",
        "--max-examples",
        str(max_examples),
        "--generation-deterministic",
        "--workers",
        "1",
        "--request-timeout",
        "10",
        "--report",
        "junit",
        "--report-junit-path",
        str(junit),
    ]
    env = {**os.environ, "NO_COLOR": "1", "SCHEMATHESIS_TELEMETRY": "false"}
    result = subprocess.run(
        command, cwd=tmp_path, capture_output=True, text=True, timeout=TIMEOUT_S, env=env, check=False
    )
    assert result.returncode in (0, 1), f"schemathesis could not run:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
    failures, waived = _failures(spec, junit)
    summary = [line for line in result.stdout.splitlines() if "generated" in line]
    print(f"{spec_path.name}: {' '.join(summary).strip()}; waived {waived or 'none'}")
    assert not failures, f"{len(failures)} schemathesis failure(s):\n\n" + "\n\n".join(failures)


@pytest.mark.parametrize("name", BUNDLED)
def test_bundled_spec_conforms(name: str, tmp_path: Path) -> None:
    _run(SPECS / name, tmp_path)


@pytest.mark.corpus
@pytest.mark.parametrize("name", CORPUS_SPECS)
def test_corpus_spec_conforms(name: str, tmp_path: Path) -> None:
    _run(CORPUS / name, tmp_path)
