"""A scripted host: runs the runtime in a subprocess exactly as the container does, and plays the host side."""

import json
import os
import queue
import subprocess
import sys
import threading
import time

PYTHON_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PACKAGE_DIR = os.path.join(PYTHON_DIR, "codexec_runtime")
BOOTSTRAP = (
    "import sys;n=int(sys.stdin.buffer.readline());"
    "exec(compile(sys.stdin.buffer.read(n),'<codexec-runtime>','exec'))"
)
PYTHON = os.environ.get("CODEXEC_TEST_PYTHON", sys.executable)

if PYTHON_DIR not in sys.path:
    sys.path.insert(0, PYTHON_DIR)


def pack_runtime():
    """The runtime blob, packed the way the TypeScript host packs it (src/runtime-source.ts)."""
    sources = {}
    for file_name in sorted(os.listdir(PACKAGE_DIR)):
        if not file_name.endswith(".py") or file_name == "_loader.py":
            continue
        module = "codexec_runtime" if file_name == "__init__.py" else "codexec_runtime." + file_name[:-3]
        with open(os.path.join(PACKAGE_DIR, file_name), encoding="utf-8") as handle:
            sources[module] = handle.read()
    with open(os.path.join(PACKAGE_DIR, "_loader.py"), encoding="utf-8") as handle:
        loader = handle.read()
    return (loader + "\n_codexec_boot(" + json.dumps(sources, ensure_ascii=False, separators=(",", ":")) + ")\n").encode("utf-8")


def tool_server(name, tools, description=None):
    server = {"name": name, "tools": tools}
    if description:
        server["description"] = description
    return server


def tool(name, description=None, properties=None, required=None, **extra):
    schema = {"type": "object", "properties": properties or {}}
    if required:
        schema["required"] = required
    meta = {"name": name, "inputSchema": schema, **extra}
    if description:
        meta["description"] = description
    return meta


def text_result(text, is_error=False):
    result = {"content": [{"type": "text", "text": text}]}
    if is_error:
        result["isError"] = True
    return result


class ScriptedHost:
    """Starts the runtime; frames it sends land in ``self.frames`` (a queue) unless a handler answers them."""

    def __init__(self, on_request=None, env=None):
        self.on_request = on_request
        self.proc = subprocess.Popen(
            [PYTHON, "-X", "utf8", "-u", "-c", BOOTSTRAP],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            env={"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LANG": "C.UTF-8", **(env or {})},
        )
        blob = pack_runtime()
        self.proc.stdin.write(f"{len(blob)}\n".encode() + blob)
        self.proc.stdin.flush()
        self.frames = queue.Queue()
        self.raw_lines = []
        self.stderr_chunks = []
        self.write_lock = threading.Lock()
        self.requests = []
        self.cancels = []
        threading.Thread(target=self._read, daemon=True).start()
        threading.Thread(target=self._read_stderr, daemon=True).start()

    def _read(self):
        for line in self.proc.stdout:
            self.raw_lines.append(line)
            try:
                frame = json.loads(line)
            except ValueError:
                self.frames.put({"type": "__garbage__", "line": line})
                continue
            if isinstance(frame, dict) and frame.get("type") == "request" and self.on_request:
                self.requests.append(frame)
                threading.Thread(target=self._serve, args=(frame,), daemon=True).start()
                continue
            if isinstance(frame, dict) and frame.get("type") == "cancel":
                self.cancels.append(frame)
            self.frames.put(frame)
        self.frames.put({"type": "__eof__"})

    def _read_stderr(self):
        for chunk in iter(lambda: self.proc.stderr.read1(65536), b""):
            self.stderr_chunks.append(chunk)

    def _serve(self, frame):
        try:
            answer = self.on_request(frame["method"], frame.get("params") or {}, frame)
        except Exception as error:  # the handler failed: answer as a host would
            answer = {"error": {"code": "HOST_ERROR", "message": str(error)}}
        if answer is None:
            return
        self.send({"type": "response", "id": frame["id"], **answer})

    def send(self, frame):
        data = (json.dumps(frame) + "\n").encode("utf-8")
        with self.write_lock:
            self.proc.stdin.write(data)
            self.proc.stdin.flush()

    def send_raw(self, data):
        with self.write_lock:
            self.proc.stdin.write(data)
            self.proc.stdin.flush()

    def next_frame(self, timeout=20.0, types=None):
        deadline = time.monotonic() + timeout
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError(f"no frame of type {types} within {timeout} s")
            frame = self.frames.get(timeout=remaining)
            if types is None or frame.get("type") in types:
                return frame

    def hello(self, timeout=20.0):
        return self.next_frame(timeout, types={"hello"})

    def execute(self, code, servers=(), discovered=None, options=None, execute_id="x1", timeout=60.0, persist=None):
        """Sends an execute and collects output until its done frame: ``(done, stdout, stderr)``."""
        frame = {"type": "execute", "id": execute_id, "code": code, "servers": list(servers)}
        if persist is not None:
            frame["persist"] = persist
        if discovered is not None:
            frame["discovered"] = discovered
        if options:
            frame["options"] = options
        self.send(frame)
        return self.collect(execute_id, timeout)

    def collect(self, execute_id, timeout=60.0):
        stdout, stderr = [], []
        deadline = time.monotonic() + timeout
        while True:
            frame = self.next_frame(max(0.01, deadline - time.monotonic()))
            kind = frame.get("type")
            if kind == "stdout":
                stdout.append(frame["data"])
            elif kind == "stderr":
                stderr.append(frame["data"])
            elif kind == "done" and frame.get("id") == execute_id:
                return frame, "".join(stdout), "".join(stderr)
            elif kind == "__eof__":
                raise AssertionError("the runtime exited before done: " + self.stderr_text())

    def stderr_text(self):
        return b"".join(self.stderr_chunks).decode("utf-8", "replace")

    def close(self):
        try:
            self.proc.stdin.close()
        except OSError:
            pass
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        for stream in (self.proc.stdout, self.proc.stderr):
            try:
                stream.close()
            except OSError:
                pass
