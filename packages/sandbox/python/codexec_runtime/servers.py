"""How code reaches a loaded server: ``mcp_<alias>``, ``mcp_servers[...]`` and the ``mcp.servers.<alias>`` modules."""

from __future__ import annotations

import types
from collections.abc import Mapping, Sequence
from importlib.machinery import ModuleSpec
from typing import ClassVar

from .aliases import base_alias
from .proxies import ToolFunction
from .records import ServerRecord, ToolRecord


class ServerProxy:
    """``mcp_<alias>`` / ``mcp_servers[name]``: one attribute per tool, each an async function."""

    def __init__(self, record: ServerRecord, functions: dict[str, ToolFunction]) -> None:
        self._record = record
        self._functions = functions
        for alias, function in functions.items():
            self.__dict__[alias] = function

    def __getattr__(self, name: str) -> ToolFunction:
        if name.startswith("_"):
            raise AttributeError(name)
        lowered = name.lower()
        for tool in self._record["tools"]:
            if lowered in (tool["name"].lower(), base_alias(tool["name"], kind="tool")):
                return self._functions[tool["alias"]]
        names = ", ".join(tool["alias"] for tool in self._record["tools"]) or "(none)"
        raise AttributeError(f"server {self._record['name']!r} has no tool {name!r}; its tools are: {names}")

    def __dir__(self) -> list[str]:
        return sorted(set(self._functions) | {"list_tools", "name", "alias", "description", "tools"})

    def __repr__(self) -> str:
        names = ", ".join(self._functions) or "no tools"
        return f"<MCP server {self._record['name']!r} as mcp_{self._record['alias']}: {names}>"

    @property
    def name(self) -> str:
        return self._record["name"]

    @property
    def alias(self) -> str:
        return self._record["alias"]

    @property
    def description(self) -> str:
        return self._record.get("description", "")

    @property
    def tools(self) -> tuple[str, ...]:
        return tuple(tool["alias"] for tool in self._record["tools"])

    async def list_tools(self) -> list[ToolRecord]:
        """The tools of this server: dicts with name, alias, description and input_schema."""
        return [tool.copy() for tool in self._record["tools"]]


class ServerDict(dict[str, ServerProxy]):
    """``mcp_servers``: keyed by server name; an alias finds the same proxy."""

    def __init__(self, proxies: Mapping[str, ServerProxy], by_alias: Mapping[str, ServerProxy]) -> None:
        super().__init__(proxies)
        self._by_alias = by_alias

    def __missing__(self, key: str) -> ServerProxy:
        proxy = self._by_alias.get(key) or self._by_alias.get(base_alias(key))
        if proxy is None:
            loaded = ", ".join(self) or "(none)"
            raise KeyError(f"server {key!r} is not loaded in this run; loaded servers: {loaded}")
        return proxy


class UnloadedServerFinder:
    """Turns ``import mcp.servers.<not loaded>`` into an error that says which servers are loaded."""

    # The servers of the execute that installed the modules last.
    records: ClassVar[Sequence[ServerRecord] | None] = None

    @classmethod
    def find_spec(
        cls, fullname: str, path: Sequence[str] | None = None, target: types.ModuleType | None = None
    ) -> ModuleSpec | None:
        if cls.records is None or not fullname.startswith("mcp.servers.") or fullname.count(".") != 2:
            return None
        alias = fullname.rsplit(".", 1)[1]
        loaded = ", ".join(record["alias"] for record in cls.records) or "(none)"
        raise ModuleNotFoundError(
            f"No module named {fullname!r}: no server with alias {alias!r} is loaded in this run "
            f"(loaded aliases: {loaded}). Ask for it in run_python's `servers`.",
            name=fullname,
        )


def server_module(record: ServerRecord, functions: Mapping[str, ToolFunction]) -> types.ModuleType:
    """``mcp.servers.<alias>``: the tools as functions, with TOOLS, TOOL_MAP and SERVER_NAME."""
    module = types.ModuleType(f"mcp.servers.{record['alias']}")
    description = record.get("description")
    module.__doc__ = f"Tools of the MCP server {record['name']!r}." + (f"\n\n{description}" if description else "")
    for alias, function in functions.items():
        setattr(module, alias, function)
    setattr(module, "__all__", list(functions))
    setattr(module, "TOOLS", [tool.copy() for tool in record["tools"]])
    setattr(module, "TOOL_MAP", {tool["alias"]: tool.copy() for tool in record["tools"]})
    setattr(module, "SERVER_NAME", record["name"])
    return module
