"""Python names for server and tool names: the alias rules of the original bridge, kept exactly.

- lowercase; every run of characters outside ``[a-z0-9_]`` becomes one ``_``; underscores at either end are
  dropped (``@scope/my-server`` -> ``scope_my_server``);
- a name that becomes empty is ``server`` / ``tool``;
- a name that starts with a digit gets a prefix: ``s_`` for servers, ``t_`` for tools (``2fa`` -> ``s_2fa``), so
  the alias is never private-looking and ``from mcp.servers.x import *`` exports it;
- aliases that are Python keywords get a ``_`` suffix (``import`` -> ``import_``), so ``import mcp.servers.<alias>``
  always parses;
- when two names map to the same alias, the later ones get ``_2``, ``_3``, ... in input order.
"""

from __future__ import annotations

import keyword
import re
from collections.abc import Iterable
from typing import Literal

AliasKind = Literal["server", "tool"]

_INVALID_RUN = re.compile(r"[^a-z0-9_]+")


def base_alias(name: object, *, kind: AliasKind = "server") -> str:
    """The alias of one name before collisions are resolved. ``kind`` is ``server`` or ``tool``."""
    alias = _INVALID_RUN.sub("_", str(name).lower()).strip("_")
    if not alias:
        alias = kind
    if alias[0].isdigit():
        alias = ("s_" if kind == "server" else "t_") + alias
    if keyword.iskeyword(alias):
        alias += "_"
    return alias


def assign_aliases(names: Iterable[object], *, kind: AliasKind = "server", reserved: Iterable[str] = ()) -> list[str]:
    """Aliases for ``names`` in order, unique among themselves and distinct from ``reserved``."""
    taken = set(reserved)
    aliases: list[str] = []
    for name in names:
        base = base_alias(name, kind=kind)
        alias = base
        suffix = 2
        while alias in taken:
            alias = f"{base}_{suffix}"
            suffix += 1
        taken.add(alias)
        aliases.append(alias)
    return aliases


def parameter_name(name: object, taken: set[str]) -> str:
    """A Python parameter name for a JSON property name, distinct from ``taken`` (which it extends).

    Property names keep their case (``maxResults`` stays ``maxResults``); only what is not a valid identifier is
    rewritten. Keywords get a ``_`` suffix (``from`` -> ``from_``).
    """
    candidate = str(name)
    if not candidate.isidentifier():
        candidate = re.sub(r"\W+", "_", candidate).strip("_") or "arg"
        if candidate[0].isdigit():
            candidate = "p_" + candidate
    if keyword.iskeyword(candidate):
        candidate += "_"
    base = candidate
    suffix = 2
    while candidate in taken:
        candidate = f"{base}_{suffix}"
        suffix += 1
    taken.add(candidate)
    return candidate
