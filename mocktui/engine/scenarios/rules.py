"""The rules file: YAML read with line numbers, each rule checked and compiled, every problem named."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import yaml

from mocktui.engine.scenarios.conditions import Site, When, compile_when, unknown_keys
from mocktui.engine.scenarios.then import Then, compile_then

if TYPE_CHECKING:
    from mocktui.engine.contract.responder import Responder

    pass


RULE_KEYS = ("name", "enabled", "when", "then")


# -- rules ---------------------------------------------------------------------------------


@dataclass
class Rule:
    index: int
    name: str
    source: str
    when: When
    then: Then
    enabled: bool
    raw: dict[str, Any]
    count: int = 0  # requests that met the conditions (for `call`)
    hits: int = 0  # requests this rule answered


class _RulesLoader(yaml.SafeLoader):
    """Safe YAML that keeps dates as text (rules compare text)."""


_RulesLoader.yaml_implicit_resolvers = {
    key: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for key, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


class _Located:
    """A YAML document turned into plain values, remembering the line of every key."""

    def __init__(self, loader: _RulesLoader) -> None:
        self.loader = loader
        self.duplicates: list[tuple[tuple[Any, ...], int]] = []
        self.texts: dict[tuple[Any, ...], str] = {}  # top-level scalars of a rule as written

    def value(
        self,
        node: yaml.Node,
        path: tuple[Any, ...],
        keys: dict[tuple[Any, ...], int],
        starts: dict[tuple[Any, ...], tuple[int, bool]],
    ) -> Any:
        if isinstance(node, yaml.MappingNode):
            self.loader.flatten_mapping(node)
            out: dict[Any, Any] = {}
            for key_node, value_node in node.value:
                key = self.loader.construct_object(key_node, deep=True)
                key = key if isinstance(key, (str, int)) and not isinstance(key, bool) else str(key)
                where = (*path, key)
                if key in out:
                    self.duplicates.append((where, key_node.start_mark.line + 1))
                keys[where] = key_node.start_mark.line + 1
                out[key] = self.value(value_node, where, keys, starts)
            return out
        if isinstance(node, yaml.SequenceNode):
            items = []
            for i, item in enumerate(node.value):
                keys[(*path, i)] = item.start_mark.line + 1
                items.append(self.value(item, (*path, i), keys, starts))
            return items
        starts[path] = (node.start_mark.line + 1, getattr(node, "style", None) in ("|", ">"))
        if not path[1:]:
            self.texts[path] = str(node.value)
        return self.loader.construct_object(node, deep=True)


def load_rules(file: str, contract: Responder, problems: list[str]) -> list[Rule]:
    try:
        with open(file, "rb") as fh:
            text = fh.read()
    except OSError as exc:
        problems.append(f"{file}: cannot read the rules file: {exc.strerror}")
        return []
    loader = _RulesLoader(text)
    try:
        root = loader.get_single_node()
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        reason = getattr(exc, "problem", None) or str(exc)
        where = f"{file}:{mark.line + 1}" if mark is not None else file
        problems.append(f"{where}: invalid YAML: {reason}")
        return []
    finally:
        loader.dispose()
    if root is None:
        return []
    items: list[yaml.Node]
    if isinstance(root, yaml.MappingNode):
        keys = {str(k.value): (k, v) for k, v in root.value}
        extra = [k for k in keys if k != "rules"]
        if extra or "rules" not in keys:
            line = keys[extra[0]][0].start_mark.line + 1 if extra else root.start_mark.line + 1
            problems.append(f"{file}:{line}: rules: expected a list of rules, or a mapping with only 'rules'")
            return []
        listed = keys["rules"][1]
        if isinstance(listed, yaml.ScalarNode) and listed.tag.endswith(":null"):
            return []
        root = listed
    if not isinstance(root, yaml.SequenceNode):
        problems.append(f"{file}:{root.start_mark.line + 1}: rules: expected a list of rules")
        return []
    items = list(root.value)
    located = _Located(loader)
    rules: list[Rule] = []
    base = contract.spec.base_path
    for index, node in enumerate(items, 1):
        keys_at: dict[tuple[Any, ...], int] = {}
        starts: dict[tuple[Any, ...], tuple[int, bool]] = {}
        line = node.start_mark.line + 1
        try:
            raw = located.value(node, (), keys_at, starts)
        except yaml.YAMLError as exc:
            problems.append(f"{file}:{line}: rule {index}: {exc}")
            continue
        name = raw.get("name") if isinstance(raw, dict) else None
        if name is not None and not isinstance(name, (str, dict, list)):
            name = located.texts.get(("name",), str(name))  # `name: off` is the text "off", not false
        label = f"rule {index} ({name})" if isinstance(name, str) and name else f"rule {index}"
        site = Site(file, label, line, problems, keys_at, starts)
        for dup_at, dup_line in located.duplicates:
            site.error(dup_at, "duplicate key", dup_line)
        located.duplicates.clear()
        located.texts.clear()
        if not isinstance(raw, dict):
            site.error((), "a rule must be a mapping with 'when' and 'then'")
            continue
        before = len(problems)
        unknown_keys(site, raw, RULE_KEYS, ())
        if "name" in raw and not (isinstance(name, str) and name):
            site.error(("name",), f"expected text, got {name!r}")
        enabled = raw.get("enabled", True)
        if not isinstance(enabled, bool):
            site.error(("enabled",), f"expected true or false, got {enabled!r}")
        when = compile_when(site, contract, raw.get("when"))
        if "then" not in raw:
            site.error((), "missing 'then': what to answer")
            continue
        ops = [op for op in contract.spec.operations if when.could_answer(op, base)] if when is not None else None
        then = compile_then(site, contract, raw["then"], ops)
        if when is None or then is None or len(problems) != before:
            continue
        rules.append(
            Rule(
                index=index,
                name=name if isinstance(name, str) and name else f"rule {index}",
                source=f"{file}:{line}",
                when=when,
                then=then,
                enabled=bool(enabled),
                raw=raw,
            )
        )
    return rules
