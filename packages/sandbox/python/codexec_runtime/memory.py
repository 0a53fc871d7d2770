"""Memory that outlives the container: ``save_memory``, ``load_memory`` and their kin.

Values are JSON and live on the host (``memory/*`` requests): no file of the host is ever mounted. Every function is
synchronous and works from plain code and from inside ``async`` code alike.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable

from .channel import Asker
from .exports import export
from .wire import JsonObject, is_object, object_or_empty, objects_in


MAX_KEY_CHARS = 200
# Blocking calls give up after this long; the host answers in milliseconds.
TIMEOUT_SECONDS = 60.0

_MISSING = object()


def check_key(key: object, where: str) -> str:
    """The key, or a ValueError saying why it is not a name (the host checks again)."""
    if not isinstance(key, str):
        raise TypeError(f"{where}: the key must be a str, got {type(key).__name__}")
    if not key:
        raise ValueError(f"{where}: the key must not be empty")
    if len(key) > MAX_KEY_CHARS:
        raise ValueError(f"{where}: the key has {len(key)} characters; at most {MAX_KEY_CHARS}")
    if key in (".", "..") or any(ch in "/\\" or ord(ch) < 0x20 or ord(ch) == 0x7F for ch in key):
        raise ValueError(
            f"{where}: {key[:60]!r} is not a name: keys are names, never paths (no '/', '\\\\', control "
            "characters, '.' or '..')"
        )
    return key


def check_value(value: object, where: str) -> object:
    """The value as it will be stored (a JSON round trip), or a TypeError naming what is not JSON."""
    try:
        return json.loads(json.dumps(value, allow_nan=False))
    except (TypeError, ValueError, RecursionError) as error:
        raise TypeError(
            f"{where}: the value must be JSON-serialisable (dict, list, str, int, float, bool or None): {error}"
        ) from None


_RAISES: dict[str, type[Exception]] = {
    "INVALID_KEY": ValueError,
    "TOO_LARGE": ValueError,
    "QUOTA": ValueError,
    "NOT_JSON": TypeError,
    "NOT_FOUND": KeyError,
    "CORRUPT": OSError,
    "IO": OSError,
}


class Memory:
    """The memory functions of one execute, bound to its host client."""

    def __init__(self, client: Asker) -> None:
        self._client = client

    def _ask(self, method: str, params: JsonObject) -> JsonObject:
        """The host's answer, an empty dict when it is not an object."""
        result = self._client.ask(
            method, params, timeout=TIMEOUT_SECONDS, raises=_RAISES,
            unsupported="this sandbox keeps no memory: its host gave it no memory store",
        )
        return object_or_empty(result)

    def functions(self) -> dict[str, Callable[..., object]]:
        ask = self._ask

        def save_memory(key: object, value: object) -> None:
            """Stores a JSON-serialisable value under a name; it outlives this session and the bridge's restarts."""
            check_key(key, "save_memory")
            ask("memory/save", {"key": key, "value": check_value(value, "save_memory"), "mode": "save"})

        def load_memory(key: object, default: object = None) -> object:
            """The value stored under ``key``, or ``default`` when there is none."""
            check_key(key, "load_memory")
            result = ask("memory/get", {"key": key, "withValue": True})
            return result.get("value") if result.get("found") else default

        def update_memory(key: object, value: object) -> None:
            """Changes an existing memory (KeyError if there is none): dicts are merged into a stored dict, other
            values replace it."""
            check_key(key, "update_memory")
            ask("memory/save", {"key": key, "value": check_value(value, "update_memory"), "mode": "update"})

        def delete_memory(key: object) -> bool:
            """Removes a memory; True if there was one."""
            check_key(key, "delete_memory")
            return bool(ask("memory/delete", {"key": key}).get("deleted"))

        def list_memories(prefix: object = "") -> list[object]:
            """The keys of every memory (starting with ``prefix``), sorted."""
            if not isinstance(prefix, str):
                raise TypeError(f"list_memories: the prefix must be a str, got {type(prefix).__name__}")
            result = ask("memory/list", {"prefix": prefix})
            problems = objects_in(result.get("problems"))
            if problems:
                print(
                    f"warning: {len(problems)} stored memor{'y' if len(problems) == 1 else 'ies'} could not be read: "
                    + "; ".join(str(p.get("message")) for p in problems[:3]),
                    file=sys.stderr,
                )
            return [entry["key"] for entry in objects_in(result.get("memories"))]

        def memory_exists(key: object) -> bool:
            """Whether a memory of that name exists."""
            check_key(key, "memory_exists")
            return bool(ask("memory/get", {"key": key, "withValue": False}).get("found"))

        def get_memory_info(key: object) -> JsonObject | None:
            """``{key, size, created, updated}`` of a memory (size in bytes of JSON, times ISO 8601), or None."""
            check_key(key, "get_memory_info")
            result = ask("memory/get", {"key": key, "withValue": False})
            info = result.get("info")
            return dict(info) if result.get("found") and is_object(info) else None

        exported: dict[str, Callable[..., object]] = {
            "save_memory": save_memory,
            "load_memory": load_memory,
            "update_memory": update_memory,
            "delete_memory": delete_memory,
            "list_memories": list_memories,
            "memory_exists": memory_exists,
            "get_memory_info": get_memory_info,
        }
        export(exported)
        return exported
