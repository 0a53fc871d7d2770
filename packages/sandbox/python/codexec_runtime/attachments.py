"""Files the code hands back with the run's result: ``runtime.attach(...)`` and ``runtime.show(...)``.

The bytes travel to the host as a ``run/attach`` request (base64); the host keeps them with the run's result, within
its limits (5 MiB a file and 20 MiB a run by default), and refuses more with a ValueError.
"""

from __future__ import annotations

import base64
import io
import mimetypes
import os
from collections.abc import Callable
from typing import Protocol, TypeGuard

from .channel import Asker
from .exports import export
from .wire import JsonObject


# Beyond this the request could not fit in one frame; the host's own limits are far lower anyway.
MAX_BYTES = 40 * 1024 * 1024
IMAGE_TYPES = ("image/png", "image/jpeg", "image/gif", "image/webp")


def sniff(data: bytes) -> str | None:
    """The image type of the bytes, from their first bytes, or None."""
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data.startswith((b"GIF87a", b"GIF89a")):
        return "image/gif"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    return None


def _guess(data: bytes, name: str) -> str:
    kind = sniff(data) or mimetypes.guess_type(name)[0]
    if kind:
        return kind
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return "application/octet-stream"
    # Text has no control characters but whitespace.
    if any(ord(ch) < 32 and ch not in "\t\n\r\f" for ch in text[:65536]):
        return "application/octet-stream"
    return "text/plain"


class _Figure(Protocol):
    """A matplotlib figure, as far as ``show`` needs one."""

    def savefig(self, fname: io.BytesIO, *, format: str) -> None: ...


class _Image(Protocol):
    """A PIL image, as far as ``show`` needs one."""

    size: tuple[int, int]

    def save(self, fp: io.BytesIO, format: str) -> None: ...


def _is_figure(image: object) -> TypeGuard[_Figure]:
    return callable(getattr(image, "savefig", None))


def _is_image(image: object) -> TypeGuard[_Image]:
    return callable(getattr(image, "save", None)) and hasattr(image, "size")


def _is_bytes(value: object) -> TypeGuard[bytes | bytearray | memoryview[int]]:
    return isinstance(value, (bytes, bytearray, memoryview))


def _is_path(value: object) -> TypeGuard[str | os.PathLike[str] | os.PathLike[bytes]]:
    return isinstance(value, (str, os.PathLike))


def _image_bytes(image: object) -> bytes | None:
    """PNG bytes of a matplotlib figure or a PIL image, or None for anything else."""
    buffer = io.BytesIO()
    if _is_figure(image):
        image.savefig(buffer, format="png")
        return buffer.getvalue()
    if _is_image(image):
        image.save(buffer, format="PNG")
        return buffer.getvalue()
    return None


def make_functions(client: Asker) -> dict[str, Callable[..., None]]:
    def send(data: bytes, mime_type: str, name: str) -> None:
        if len(data) > MAX_BYTES:
            raise ValueError(f"attach: {name} is {len(data)} bytes; the host takes far less (see its limits)")
        params: JsonObject = {"name": name, "mimeType": mime_type, "data": base64.b64encode(data).decode("ascii")}
        client.ask(
            "run/attach", params, timeout=120.0, unsupported="this sandbox's host takes no attachments",
            raises={"TOO_LARGE": ValueError, "INVALID_PARAMS": ValueError}, prefix="attach: ",
        )

    def attach(path_or_bytes: object, mime_type: str | None = None, name: object = None) -> None:
        """Hands a file back with the run's result: a path in the container, or bytes. Images (PNG, JPEG, GIF,
        WebP) reach the client as images, other files as embedded resources. The type is found from the bytes and
        the name unless ``mime_type`` is given."""
        if _is_bytes(path_or_bytes):
            data = bytes(path_or_bytes)
            name = name or "attachment"
        elif _is_path(path_or_bytes):
            path = os.fspath(path_or_bytes)
            with open(path, "rb") as handle:
                data = handle.read(MAX_BYTES + 1)
            name = name or os.path.basename(path) or "attachment"
        else:
            raise TypeError(f"attach takes a path or bytes, got {type(path_or_bytes).__name__}")
        name = os.path.basename(str(name)) or "attachment"
        kind = (mime_type or _guess(data, name)).lower()
        if "." not in name:
            extension = mimetypes.guess_extension(kind)
            if extension:
                name += extension
        send(data, kind, name)

    def show(image: object, name: object = None) -> None:
        """Shows an image in the client: PNG, JPEG, GIF or WebP bytes or a path, a matplotlib figure, or a PIL
        image (sent as PNG)."""
        data = _image_bytes(image)
        if data is None:
            if _is_path(image):
                with open(os.fspath(image), "rb") as handle:
                    data = handle.read(MAX_BYTES + 1)
                name = name or os.path.basename(os.fspath(image))
            elif _is_bytes(image):
                data = bytes(image)
            else:
                raise TypeError(
                    f"show takes image bytes, a path, a matplotlib figure or a PIL image, got {type(image).__name__}"
                )
        kind = sniff(data)
        if kind is None or kind not in IMAGE_TYPES:
            raise ValueError("show: that is not a PNG, JPEG, GIF or WebP image; use attach() for other files")
        attach(data, kind, name or "image")

    functions: dict[str, Callable[..., None]] = {"attach": attach, "show": show}
    export(functions)
    return functions
