"""What one execute knows of the host's servers, and the discovery helpers that ask the host for more.

Loaded servers (the execute's ``servers``) are answered from their records; others are described by the host. Each
helper that may ask is one coroutine over an ``Ask`` (see ``host_requests``): ``mcp.runtime`` awaits it in its
async helpers and runs it to its end in their ``_sync`` twins.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, TypedDict

from .aliases import base_alias
from .channel import HostClient
from .errors import MCPError
from .host_requests import Ask, awaiting, blocking, run_blocking
from .records import (
    Detail,
    ServerRecord,
    ToolDoc,
    docs_from_host,
    matching_tools,
    normalise_detail,
    record_doc,
    record_from_host,
    search_records,
)
from .wire import JsonObject, is_list, is_object

if TYPE_CHECKING:
    from _typeshed import ConvertibleToInt

# Error codes with which the host says it has no answer for a discovery method; the helpers then fall back to
# what the execute frame carries.
UNSUPPORTED = {"UNKNOWN_METHOD", "NOT_SUPPORTED"}


class ServerSummary(TypedDict):
    name: str
    description: str


def _names(result: object) -> tuple[str, ...]:
    servers = result.get("servers") if is_object(result) else None
    names: list[str] = []
    for entry in servers if is_list(servers) else []:
        name = entry.get("name") if is_object(entry) else entry
        if isinstance(name, str):
            names.append(name)
    return tuple(names)


def search_limit(limit: ConvertibleToInt) -> int:
    """The number of results asked for, between 1 and 100 (5 when it is not a number)."""
    try:
        return max(1, min(100, int(limit)))
    except (TypeError, ValueError):
        return 5


class Catalog:
    """The servers of one execute: loaded (with records), discovered (by name), and described on demand."""

    def __init__(self, records: list[ServerRecord], discovered: tuple[str, ...], client: HostClient) -> None:
        self.records = records
        self.discovered = discovered
        self.ask = awaiting(client)
        self.ask_blocking = blocking(client)
        # Servers described by the host for saved tools, by name.
        self._described: dict[str, ServerRecord] = {}

    # -- lookups -----------------------------------------------------------------------------------------------

    def loaded(self, name: str) -> ServerRecord | None:
        """The record of a loaded server, by name or alias, or None."""
        for record in self.records:
            if name in (record["name"], record["alias"]):
                return record
        wanted = base_alias(name)
        for record in self.records:
            if record["alias"] == wanted:
                return record
        return None

    def resolve_server(self, name: str) -> str | None:
        """The name of the server a name or alias stands for (loaded or discovered), or None."""
        record = self.loaded(name)
        if record is not None:
            return record["name"]
        if name in self.discovered:
            return name
        wanted = base_alias(name)
        return next((server for server in self.discovered if base_alias(server) == wanted), None)

    def server_record(self, name: str) -> ServerRecord:
        """The record of a server by name or alias: loaded, or described by the host (blocking). MCPError if none."""
        record = self.loaded(name)
        if record is not None:
            return record
        server = self.resolve_server(name) or name
        cached = self._described.get(server)
        if cached is None:
            cached = self._described[server] = run_blocking(self.describe(self.ask_blocking, server, name))
        return cached

    def unknown(self, name: str, error: MCPError) -> MCPError:
        """The error to raise when the host could not describe a server: a hint when it does not know it."""
        if error.code in UNSUPPORTED or error.code == "UNKNOWN_SERVER":
            loaded = ", ".join(record["name"] for record in self.records) or "(none)"
            hint = (
                f"Server {name!r} is neither loaded in this run (loaded: {loaded}) nor known to the host. "
                f"See runtime.discovered_servers() for the servers there are."
            )
            return MCPError(hint, code="UNKNOWN_SERVER", server=name)
        return error

    # -- helpers that may ask the host -------------------------------------------------------------------------

    async def describe(self, ask: Ask, server: str, name: str) -> ServerRecord:
        """The host's description of ``server`` (not loaded here); errors speak of it as ``name``."""
        try:
            return record_from_host(await ask("servers/describe", {"server": server}), server)
        except MCPError as error:
            raise self.unknown(name, error).with_traceback(None) from None

    async def record(self, ask: Ask, name: str) -> ServerRecord:
        """The record of a loaded server, or the host's description of another (asked each time)."""
        record = self.loaded(name)
        return record if record is not None else await self.describe(ask, name, name)

    async def list_servers(self, ask: Ask) -> tuple[str, ...]:
        """Names of the servers that can be selected: the host's list, or the discovered ones without one."""
        try:
            return _names(await ask("servers/list", {}))
        except MCPError as error:
            if error.code in UNSUPPORTED:
                return tuple(self.discovered)
            raise

    async def summaries(self, ask: Ask) -> tuple[ServerSummary, ...]:
        """Name and description of every discovered server, described by its record or by the host's list."""
        descriptions = {record["name"]: record.get("description", "") for record in self.records}
        try:
            listed = await ask("servers/list", {})
            servers = listed.get("servers") if is_object(listed) else None
            for entry in servers if is_list(servers) else []:
                if not is_object(entry):
                    continue
                name, description = entry.get("name"), entry.get("description")
                if isinstance(name, str) and name and isinstance(description, str) and description:
                    descriptions.setdefault(name, description)
        except MCPError:
            pass
        return tuple({"name": name, "description": descriptions.get(name, "")} for name in self.discovered)

    async def query_docs(self, ask: Ask, server: str, tool: object, detail: object) -> list[ToolDoc]:
        """Docs of a server's tools, or of the one named ``tool``."""
        level = normalise_detail(detail)
        record = self.loaded(server)
        if record is not None:
            return [record_doc(record, t, level) for t in matching_tools(record, tool)]
        params: JsonObject = {"server": server, "detail": level}
        if tool is not None:
            params["tool"] = tool
        try:
            result = await ask("tools/query", params)
        except MCPError as error:
            raise self.unknown(server, error).with_traceback(None) from None
        docs = docs_from_host(result, "tools", level, self.loaded)
        if tool is not None and not docs:
            raise MCPError(f"Tool {tool!r} not found for server {server!r}", code="UNKNOWN_TOOL")
        return docs

    async def search_docs(self, ask: Ask, query: object, limit: ConvertibleToInt, detail: object) -> list[ToolDoc]:
        """Tools of every server whose name or description has every word of ``query``; the loaded servers' only
        when the host does not search."""
        level: Detail = normalise_detail(detail)
        most = search_limit(limit)
        try:
            result = await ask("tools/search", {"query": str(query), "limit": most, "detail": level})
        except MCPError as error:
            if error.code in UNSUPPORTED:
                return search_records(self.records, query, most, level)
            raise
        return docs_from_host(result, "results", level, self.loaded)[:most]
