"""What limits the kernel really applies to this container, and rlimits for what it does not.

The host asks for limits (``CODEXEC_LIMITS``: memory and file size in bytes, processes, CPUs) and the engine is told to
apply them with cgroups. Some engine setups silently cannot (rootless podman on cgroups v1, cgroups v2 without the
controllers delegated to the user, some remote engines). So the runtime reads its own cgroup's limits before the code
runs, and where one is missing it applies a per-process rlimit in its place:

- memory: ``RLIMIT_DATA`` (private writable memory: heap, arrays, thread stacks; reserved but unused address space
  does not count) set to the limit plus what the runtime itself holds, with ``RLIMIT_AS`` as a backstop for shared
  mappings. Going past it raises ``MemoryError`` in the code instead of a kill by the out-of-memory killer.
- processes: ``RLIMIT_NPROC``, which the kernel counts per user: every sandbox container of the same engine user that
  runs as the same uid shares it.
- CPUs: no fallback (an rlimit bounds CPU seconds, not a share of the machine).
- file size: ``RLIMIT_FSIZE`` always (the tmpfs sizes bound the total; this bounds one file wherever it is written).

The report goes to the host in the hello frame (``limits``), one entry per limit asked for:
``{"requested": n, "enforcedBy": "cgroup" | "rlimit" | "none", "effective": n}``, and ``cgroup``: ``"v1"``, ``"v2"`` or
``None``.
"""

from __future__ import annotations

import json
import os
import resource
from collections.abc import Iterable
from typing import Literal, TypedDict, TypeVar

from .wire import JsonObject, LimitEntry, LimitsReport, is_object

CGROUP_ROOT = "/sys/fs/cgroup"
PROC_CGROUP = "/proc/self/cgroup"
# Engines write the limit as asked; allow for rounding to pages.
MEMORY_SLACK = 1 << 20
# cgroups v1 reports "no limit" as the largest page-aligned 63-bit number.
UNLIMITED_V1 = 1 << 62
# The address-space backstop: this many times the memory limit, on top of what is mapped already (glibc reserves 64 MiB
# of address space per malloc arena, and each thread's stack reserves 8 MiB, most of it never used).
ADDRESS_SPACE_FACTOR = 4

T = TypeVar("T", int, float)


class CgroupLimits(TypedDict):
    """What the kernel applies to this process (None: no limit, or no cgroup)."""

    version: Literal["v1", "v2"] | None
    memory: int | None
    pids: int | None
    cpus: float | None


def requested_limits() -> JsonObject | None:
    """The limits the host asked for (``CODEXEC_LIMITS``, removed from the environment), or None."""
    raw = os.environ.pop("CODEXEC_LIMITS", "")
    if not raw:
        return None
    try:
        value: object = json.loads(raw)
    except ValueError:
        return None
    return value if is_object(value) else None


def _read(path: str) -> str | None:
    try:
        with open(path, encoding="ascii", errors="replace") as handle:
            return handle.read().strip()
    except OSError:
        return None


def _own_cgroups() -> dict[str, str]:
    """``{controller: path}`` from /proc/self/cgroup; the cgroups v2 entry is under ``""``."""
    paths: dict[str, str] = {}
    for line in (_read(PROC_CGROUP) or "").splitlines():
        parts = line.split(":", 2)
        if len(parts) != 3:
            continue
        for controller in parts[1].split(",") if parts[1] else [""]:
            paths[controller] = parts[2]
    return paths


def _dirs(mount: str, path: str) -> list[str]:
    """The cgroup directories from this process's own up to the mount's root, those that are visible here.

    In a cgroup namespace (or with the container's cgroup mounted as the root, as rootful engines do on v1) the mount's
    root is the container's own cgroup; without one, the path names it below the mount. Limits of ancestors hold too.
    """
    found: list[str] = []
    parts = [part for part in path.split("/") if part and part != ".."]
    while parts:
        candidate = os.path.join(mount, *parts)
        if os.path.isdir(candidate):
            found.append(candidate)
        parts.pop()
    found.append(mount)
    return found


def _smallest(values: Iterable[T | None]) -> T | None:
    numbers = [value for value in values if value is not None]
    return min(numbers) if numbers else None


def _number(text: str | None, unlimited: tuple[str, ...] = ("max",)) -> int | None:
    if text is None or text in unlimited:
        return None
    try:
        value = int(text)
    except ValueError:
        return None
    return value if 0 <= value < UNLIMITED_V1 else None


def _v2_cpus(text: str | None) -> float | None:
    if not text:
        return None
    parts = text.split()
    if parts[0] == "max" or len(parts) != 2:
        return None
    try:
        return int(parts[0]) / int(parts[1])
    except (ValueError, ZeroDivisionError):
        return None


def _v1_cpus(directory: str) -> float | None:
    quota = _number(_read(os.path.join(directory, "cpu.cfs_quota_us")), unlimited=("-1",))
    period = _number(_read(os.path.join(directory, "cpu.cfs_period_us")))
    return quota / period if quota and period else None


def cgroup_limits(root: str | None = None) -> CgroupLimits:
    """``{"version", "memory", "pids", "cpus"}`` as the kernel applies them to this process (None: no limit)."""
    root = root or CGROUP_ROOT
    own = _own_cgroups()
    if os.path.exists(os.path.join(root, "cgroup.controllers")):
        dirs = _dirs(root, own.get("", "/"))
        return {
            "version": "v2",
            "memory": _smallest(_number(_read(os.path.join(d, "memory.max"))) for d in dirs),
            "pids": _smallest(_number(_read(os.path.join(d, "pids.max"))) for d in dirs),
            "cpus": _smallest(_v2_cpus(_read(os.path.join(d, "cpu.max"))) for d in dirs),
        }

    def v1(controller: str) -> list[str]:
        mount = os.path.join(root, controller)
        if not os.path.isdir(mount):
            return []
        return _dirs(mount, own.get(controller, "/"))

    memory_dirs, pids_dirs, cpu_dirs = v1("memory"), v1("pids"), v1("cpu")
    if not (memory_dirs or pids_dirs or cpu_dirs):
        return {"version": None, "memory": None, "pids": None, "cpus": None}
    return {
        "version": "v1",
        "memory": _smallest(_number(_read(os.path.join(d, "memory.limit_in_bytes"))) for d in memory_dirs),
        "pids": _smallest(_number(_read(os.path.join(d, "pids.max"))) for d in pids_dirs),
        "cpus": _smallest(_v1_cpus(d) for d in cpu_dirs),
    }


def _status_bytes(field: str) -> int:
    for line in (_read("/proc/self/status") or "").splitlines():
        if line.startswith(field + ":"):
            try:
                return int(line.split()[1]) * 1024
            except (IndexError, ValueError):
                return 0
    return 0


def _lower(kind: int, value: int) -> bool:
    """Sets soft and hard of an rlimit to ``value`` unless they are already lower; True when it now holds."""
    hard = resource.getrlimit(kind)[1]
    if hard != resource.RLIM_INFINITY and hard <= value:
        return True
    try:
        resource.setrlimit(kind, (value, value))
    except (ValueError, OSError):
        return False
    return True


def _positive(value: object) -> float | None:
    return value if isinstance(value, (int, float)) and not isinstance(value, bool) and value > 0 else None


def enforce(requested: JsonObject | None) -> LimitsReport | None:
    """Applies the fallbacks the kernel needs and returns the report for the hello frame (None without a request)."""
    if requested is None:
        return None
    applied = cgroup_limits()
    report: LimitsReport = {"cgroup": applied["version"]}

    memory_asked = _positive(requested.get("memory"))
    if memory_asked is not None:
        memory = int(memory_asked)
        entry: LimitEntry
        if applied["memory"] is not None and applied["memory"] <= memory + MEMORY_SLACK:
            entry = {"requested": memory, "enforcedBy": "cgroup", "effective": applied["memory"]}
        else:
            own = _status_bytes("VmData")
            data = memory + own
            backstop = _status_bytes("VmSize") + ADDRESS_SPACE_FACTOR * memory
            if _lower(resource.RLIMIT_DATA, data):
                _lower(resource.RLIMIT_AS, backstop)
                entry = {
                    "requested": memory, "enforcedBy": "rlimit", "effective": data, "runtime": own,
                    "addressSpace": backstop,
                }
            else:
                entry = {"requested": memory, "enforcedBy": "none"}
        report["memory"] = entry

    pids_asked = _positive(requested.get("pids"))
    if pids_asked is not None:
        pids = int(pids_asked)
        if applied["pids"] is not None and applied["pids"] <= pids:
            entry = {"requested": pids, "enforcedBy": "cgroup", "effective": applied["pids"]}
        elif _lower(resource.RLIMIT_NPROC, pids):
            entry = {"requested": pids, "enforcedBy": "rlimit", "effective": min(pids, _hard(resource.RLIMIT_NPROC))}
        else:
            entry = {"requested": pids, "enforcedBy": "none"}
        report["pids"] = entry

    cpus = _positive(requested.get("cpus"))
    if cpus is not None:
        if applied["cpus"] is not None and applied["cpus"] <= cpus + 0.01:
            entry = {"requested": cpus, "enforcedBy": "cgroup", "effective": round(applied["cpus"], 3)}
        else:
            entry = {"requested": cpus, "enforcedBy": "none"}
        report["cpus"] = entry

    file_size_asked = _positive(requested.get("fileSize"))
    if file_size_asked is not None:
        file_size = int(file_size_asked)
        if _lower(resource.RLIMIT_FSIZE, file_size):
            effective = min(file_size, _hard(resource.RLIMIT_FSIZE))
            entry = {"requested": file_size, "enforcedBy": "rlimit", "effective": effective}
        else:
            entry = {"requested": file_size, "enforcedBy": "none"}
        report["fileSize"] = entry
    return report


def _hard(kind: int) -> int:
    hard = resource.getrlimit(kind)[1]
    return hard if hard != resource.RLIM_INFINITY else UNLIMITED_V1
