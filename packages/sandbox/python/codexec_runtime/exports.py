"""How the runtime's functions present themselves to code: as ``mcp.runtime.<name>``, with plain signatures."""

from __future__ import annotations

from collections.abc import Callable, Mapping


def export(functions: Mapping[str, Callable[..., object]]) -> None:
    """Names each function ``mcp.runtime.<name>`` and drops its type hints: they are for the runtime's checker and
    name its own records, which would only clutter what ``help()`` shows in the sandbox."""
    for name, function in functions.items():
        function.__module__ = "mcp.runtime"
        function.__qualname__ = name
        function.__annotations__ = {}
