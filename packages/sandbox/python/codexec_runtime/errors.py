"""The exceptions code in the sandbox sees. They present themselves as ``mcp.runtime.*``."""

from __future__ import annotations


class MCPError(RuntimeError):
    """A tool call or discovery request failed (the host could not serve it, it timed out, ...).

    ``code`` is the host's machine-readable code (``TIMEOUT``, ``UNKNOWN_SERVER``, ...) when there is one.
    """

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        data: object = None,
        server: str | None = None,
        tool: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.data = data
        self.server = server
        self.tool = tool


class McpToolError(MCPError):
    """The upstream tool answered with ``isError: true``. ``result`` is its whole CallToolResult."""

    def __init__(
        self, message: str, *, result: object = None, server: str | None = None, tool: str | None = None
    ) -> None:
        super().__init__(message, code="TOOL_ERROR", server=server, tool=tool)
        self.result = result


class ToolCallDenied(MCPError):
    """The host's tool policy refused the call (nothing reached the upstream). ``rule`` names the rule."""

    def __init__(
        self, message: str, *, rule: str | None = None, server: str | None = None, tool: str | None = None
    ) -> None:
        super().__init__(message, code="DENIED", data={"rule": rule} if rule else None, server=server, tool=tool)
        self.rule = rule


for _cls in (MCPError, McpToolError, ToolCallDenied):
    _cls.__module__ = "mcp.runtime"
