"""The runtime in a subprocess, spoken to exactly as the container is, with this test playing the host."""

import json
import threading
import time
import unittest

from harness import ScriptedHost, text_result, tool, tool_server

ECHO = tool_server(
    "stub-server",
    [
        tool("echo", "Echo the provided message", {"message": {"type": "string"}}, ["message"]),
        tool("fail", "Always fails"),
        tool("import", "A tool whose name is a keyword", {"from": {"type": "string"}}),
        tool("structured", "Returns structured content"),
    ],
    description="A stub for tests",
)


def echo_host(method, params, frame):
    if method != "tools/call":
        return {"error": {"code": "UNKNOWN_METHOD", "message": method}}
    name = params["tool"]
    if name == "echo":
        return {"result": text_result(params["arguments"].get("message", ""))}
    if name == "fail":
        return {"result": text_result("upstream says no", is_error=True)}
    if name == "structured":
        return {"result": {"content": [{"type": "text", "text": "{}"}], "structuredContent": {"ok": True}}}
    if name == "import":
        return {"result": text_result(json.dumps(params["arguments"]))}
    if name == "forbidden":
        denied = {"code": "DENIED", "message": "Tool call denied: by policy", "data": {"rule": "deny *.forbidden"}}
        return {"error": denied}
    return {"error": {"code": "UNKNOWN_TOOL", "message": f"no tool {name}"}}


class RuntimeTest(unittest.TestCase):
    on_request = None

    def setUp(self):
        self.host = ScriptedHost(on_request=type(self).on_request)
        self.hello = self.host.hello()

    def tearDown(self):
        self.host.close()

    def run_code(self, code, **kwargs):
        return self.host.execute(code, **kwargs)

    def assert_success(self, done):
        self.assertEqual(done["status"], "success", done.get("error"))


class Basics(RuntimeTest):
    def test_hello_announces_protocol_python_and_pid(self):
        self.assertEqual(self.hello["protocol"], 1)
        self.assertEqual(self.hello["revision"], 3)
        self.assertNotIn("limits", self.hello)  # none asked for
        self.assertRegex(self.hello["python"], r"^3\.\d+\.\d+")
        self.assertEqual(self.hello["pid"], self.host.proc.pid)

    def test_hello_world(self):
        done, stdout, stderr = self.run_code("print('hello world')")
        self.assert_success(done)
        self.assertEqual(stdout, "hello world\n")
        self.assertEqual(stderr, "")
        self.assertNotIn("value", done)
        self.assertEqual(done["calls"], 0)

    def test_last_expression_value_like_a_repl(self):
        done, _, _ = self.run_code("x = {'a': [1, 2]}\nx")
        self.assertEqual(done["value"], {"repr": "{'a': [1, 2]}", "json": {"a": [1, 2]}})
        done, _, _ = self.run_code("x = 1", execute_id="x2")
        self.assertNotIn("value", done)
        done, _, _ = self.run_code("None", execute_id="x3")
        self.assertNotIn("value", done)
        done, _, _ = self.run_code("object()", execute_id="x4")
        self.assertRegex(done["value"]["repr"], r"^<object object at 0x")
        self.assertNotIn("json", done["value"])

    def test_top_level_await(self):
        done, stdout, _ = self.run_code(
            "import asyncio\nasync def twice(x):\n    await asyncio.sleep(0.01)\n    return x * 2\n"
            "print(await twice(2))\nawait twice(21)"
        )
        self.assert_success(done)
        self.assertEqual(stdout, "4\n")
        self.assertEqual(done["value"]["json"], 42)

    def test_asyncio_run_works_in_plain_code(self):
        done, _, _ = self.run_code("import asyncio\nasync def f():\n    return 7\nasyncio.run(f())")
        self.assertEqual(done["value"]["json"], 7)

    def test_stdout_and_stderr_capture_including_os_system_and_subprocesses(self):
        done, stdout, stderr = self.run_code(
            "import os, subprocess, sys\n"
            "print('py out')\n"
            "print('py err', file=sys.stderr)\n"
            "os.system('echo shell out; echo shell err 1>&2')\n"
            "subprocess.run(['sh', '-c', 'echo child out'])\n"
            "os.write(1, b'raw fd 1\\n')\n"
            "sys.stdout.write('no newline at the end')\n"
        )
        self.assert_success(done)
        self.assertEqual(stdout, "py out\nshell out\nchild out\nraw fd 1\nno newline at the end")
        self.assertEqual(stderr, "py err\nshell err\n")

    def test_big_output_comes_in_chunks_that_never_split_a_character(self):
        done, stdout, _ = self.run_code("print('€' * 300_000, end='')\nprint('x' * 5_000_000)")
        self.assert_success(done)
        self.assertEqual(stdout, "€" * 300_000 + "x" * 5_000_000 + "\n")
        chunks = [json.loads(line)["data"] for line in self.host.raw_lines if b'"type":"stdout"' in line]
        self.assertGreater(len(chunks), 50)
        for chunk in chunks:
            self.assertLessEqual(len(chunk.encode("utf-8")), 64 * 1024)
            self.assertNotIn("\ufffd", chunk)

    def test_flushed_output_survives_a_sudden_kill(self):
        # print(..., flush=True) returns only once the text is on its way to the host, so a process killed right
        # after (the out-of-memory killer, in a container) still shows what it printed last.
        self.host.send({"type": "execute", "id": "k", "code": "import os\nprint('last words', flush=True)\nos.kill(os.getpid(), 9)"})
        self.assertEqual(self.host.proc.wait(timeout=20), -9)
        time.sleep(0.2)
        stdout = "".join(json.loads(line)["data"] for line in self.host.raw_lines if b'"type":"stdout"' in line)
        self.assertEqual(stdout, "last words\n")

    def test_invalid_utf8_is_replaced(self):
        done, stdout, _ = self.run_code("import os\nos.write(1, b'a\\xffb\\n')")
        self.assert_success(done)
        self.assertEqual(stdout, "a\ufffdb\n")

    def test_errors_carry_type_message_and_a_traceback_without_runtime_frames(self):
        done, _, _ = self.run_code("def inner():\n    return {}['missing']\n\ninner()")
        self.assertEqual(done["status"], "error")
        error = done["error"]
        self.assertEqual(error["type"], "KeyError")
        self.assertEqual(error["message"], "'missing'")
        self.assertIn('File "<code>", line 4, in <module>', error["traceback"])
        self.assertIn("return {}['missing']", error["traceback"])
        self.assertNotIn("codexec", error["traceback"])
        self.assertNotIn("<string>", error["traceback"])

    def test_syntax_error(self):
        done, _, _ = self.run_code("def broken(:\n    pass")
        self.assertEqual(done["error"]["type"], "SyntaxError")
        self.assertIn("<code>", done["error"]["traceback"])

    def test_system_exit(self):
        done, _, _ = self.run_code("import sys\nprint('bye')\nsys.exit(0)")
        self.assert_success(done)
        done, stdout, _ = self.run_code("raise SystemExit(3)", execute_id="x2")
        self.assertEqual(done["status"], "error")
        self.assertEqual(done["error"]["type"], "SystemExit")
        self.assertIn("exit(3)", done["error"]["message"])
        self.assertIn("non-zero", done["error"]["message"])

    def test_stdin_is_empty_and_not_the_channel(self):
        done, _, _ = self.run_code("import sys\nsys.stdin.read()")
        self.assertEqual(done["value"]["json"], "")
        done, _, _ = self.run_code("input()", execute_id="x2")
        self.assertEqual(done["error"]["type"], "EOFError")

    def test_huge_value_is_capped(self):
        done, _, _ = self.run_code("'y' * 3_000_000")
        self.assertLess(len(done["value"]["repr"]), 1_100_000)
        self.assertIn("value truncated", done["value"]["repr"])
        self.assertNotIn("json", done["value"])

    def test_main_module_and_dataclasses(self):
        done, _, _ = self.run_code(
            "from dataclasses import dataclass\nimport pickle\n@dataclass\nclass P:\n    x: int\n"
            "pickle.loads(pickle.dumps(P(3))).x + (__name__ == '__main__')"
        )
        self.assertEqual(done["value"]["json"], 4)

    def test_forked_child_never_speaks_on_the_channel(self):
        done, stdout, _ = self.run_code(
            "import os\npid = os.fork()\nif pid == 0:\n    print('child')\nelse:\n    os.waitpid(pid, 0)\n"
            "    print('parent')\n'done'"
        )
        self.assert_success(done)
        self.assertEqual(sorted(stdout.split()), ["child", "parent"])
        time.sleep(0.2)
        dones = [line for line in self.host.raw_lines if b'"type":"done"' in line]
        self.assertEqual(len(dones), 1)

    def test_garbage_written_to_the_frame_fd_reaches_the_host_as_a_bad_line(self):
        # The host turns such a line into a protocol error; the runtime itself must keep working.
        done, _, _ = self.run_code(
            "import os\nfor fd in range(3, 10):\n"
            "    try:\n        os.write(fd, b'garbage, not a frame\\n')\n    except OSError:\n        pass\n"
        )
        self.assertTrue(any(line.startswith(b"garbage") for line in self.host.raw_lines))
        self.assertIn(done["status"], ("success", "error"))

    def test_garbage_from_the_host_is_ignored(self):
        self.host.send_raw(b"this is not json\n[1, 2]\n{\"type\": \"nope\"}\n\n")
        done, stdout, _ = self.run_code("print('still alive')")
        self.assertEqual(stdout, "still alive\n")
        # The runtime reports bad lines on its original stderr, which the harness reads on a thread of its own:
        # give that thread a moment on a busy machine.
        deadline = time.monotonic() + 10
        while "INVALID_JSON" not in self.host.stderr_text() and time.monotonic() < deadline:
            time.sleep(0.05)
        self.assertIn("INVALID_JSON", self.host.stderr_text())

    def test_unreadable_execute_still_gets_a_done(self):
        self.host.send({"type": "execute", "id": "bad", "code": 42})
        done, _, _ = self.host.collect("bad")
        self.assertEqual(done["error"]["type"], "ProtocolError")

    def test_a_second_execute_while_one_runs_is_refused(self):
        self.host.send({"type": "execute", "id": "slow", "code": "import time\ntime.sleep(1)\n'first'"})
        self.host.send({"type": "execute", "id": "second", "code": "'second'"})
        refused, _, _ = self.host.collect("second")
        self.assertEqual(refused["error"]["type"], "ProtocolError")
        done, _, _ = self.host.collect("slow")
        self.assertEqual(done["value"]["json"], "first")
        done, _, _ = self.run_code("'third'", execute_id="third")
        self.assertEqual(done["value"]["json"], "third")

    def test_unreadable_request_is_answered(self):
        self.host.send({"type": "request", "id": "h9", "method": "ping", "params": []})
        answer = self.host.next_frame(types={"response"})
        self.assertEqual((answer["id"], answer["error"]["code"]), ("h9", "INVALID_PARAMS"))

    def test_ping(self):
        self.host.send({"type": "request", "id": "p1", "method": "ping", "params": {}})
        self.assertEqual(self.host.next_frame(types={"response"}), {"type": "response", "id": "p1", "result": {}})
        self.host.send({"type": "request", "id": "p2", "method": "what"})
        self.assertEqual(self.host.next_frame(types={"response"})["error"]["code"], "UNKNOWN_METHOD")

    def test_host_closing_stdin_ends_the_runtime(self):
        self.host.proc.stdin.close()
        self.assertEqual(self.host.proc.wait(timeout=10), 0)


class Cancel(RuntimeTest):
    def cancel_after(self, delay, execute_id="x1"):
        timer = threading.Timer(delay, self.host.send, args=({"type": "cancel", "id": execute_id},))
        timer.start()
        return timer

    def test_cancel_a_busy_loop(self):
        self.cancel_after(0.5)
        done, _, _ = self.run_code("while True:\n    pass")
        self.assertEqual(done["error"]["type"], "Cancelled")

    def test_cancel_a_sleep(self):
        self.cancel_after(0.5)
        started = time.monotonic()
        done, _, _ = self.run_code("import time\ntime.sleep(60)")
        self.assertEqual(done["error"]["type"], "Cancelled")
        self.assertLess(time.monotonic() - started, 30)

    def test_cancel_an_awaiting_cell_and_a_busy_async_cell(self):
        self.cancel_after(0.5)
        done, _, _ = self.run_code("import asyncio\nawait asyncio.sleep(60)")
        self.assertEqual(done["error"]["type"], "Cancelled")
        self.cancel_after(0.5, "x2")
        done, _, _ = self.run_code("import asyncio\nawait asyncio.sleep(0)\nwhile True:\n    pass", execute_id="x2")
        self.assertEqual(done["error"]["type"], "Cancelled")
        done, stdout, _ = self.run_code("print('next run works')", execute_id="x3")
        self.assertEqual(stdout, "next run works\n")

    def test_cancel_of_another_id_is_ignored(self):
        self.host.send({"type": "cancel", "id": "unrelated"})
        done, _, _ = self.run_code("import time\ntime.sleep(0.3)\n1")
        self.assertEqual(done["value"]["json"], 1)


class Persist(RuntimeTest):
    """Executes with ``persist`` share one namespace: a session's state."""

    def test_globals_imports_functions_and_classes_persist(self):
        done, _, _ = self.run_code(
            "import json\nx = 42\ndef double(n):\n    return 2 * n\nclass Box:\n    pass\nbox = Box()",
            persist=True,
        )
        self.assert_success(done)
        done, stdout, _ = self.run_code(
            "print(x, double(x), json.dumps([1]), type(box).__name__, __name__)", persist=True, execute_id="x2"
        )
        self.assert_success(done)
        self.assertEqual(stdout, "42 84 [1] Box __main__\n")

    def test_fresh_executes_do_not_see_the_session_and_leave_it_alone(self):
        self.run_code("secret = 'kept'", persist=True)
        done, _, _ = self.run_code("secret", execute_id="x2")
        self.assertEqual(done["error"]["type"], "NameError")
        done, _, _ = self.run_code("secret = 'changed by a fresh run'", execute_id="x3")
        self.assert_success(done)
        done, _, _ = self.run_code("secret", persist=True, execute_id="x4")
        self.assertEqual(done["value"]["json"], "kept")

    def test_values_errors_and_calls_are_per_execute(self):
        done, _, _ = self.run_code("y = [1, 2]\ny", persist=True)
        self.assertEqual(done["value"]["json"], [1, 2])
        done, _, _ = self.run_code("y.append(3)", persist=True, execute_id="x2")
        self.assertNotIn("value", done)
        done, _, _ = self.run_code("1 / 0", persist=True, execute_id="x3")
        self.assertEqual(done["error"]["type"], "ZeroDivisionError")
        done, _, _ = self.run_code("y", persist=True, execute_id="x4")
        self.assert_success(done)
        self.assertEqual(done["value"]["json"], [1, 2, 3])

    def test_an_async_function_defined_in_one_run_is_awaited_in_the_next(self):
        self.run_code("import asyncio\nasync def later(v):\n    await asyncio.sleep(0)\n    return v", persist=True)
        done, _, _ = self.run_code("await later('ok')", persist=True, execute_id="x2")
        self.assertEqual(done["value"]["json"], "ok")

    def test_an_interrupted_run_keeps_what_was_defined_before(self):
        self.run_code("before = 1", persist=True)
        threading.Timer(0.5, self.host.send, args=({"type": "cancel", "id": "x2"},)).start()
        done, _, _ = self.run_code("during = 2\nwhile True:\n    pass", persist=True, execute_id="x2")
        self.assertEqual(done["error"]["type"], "Cancelled")
        done, _, _ = self.run_code("(before, during)", persist=True, execute_id="x3")
        self.assertEqual(done["value"]["json"], [1, 2])


class MemoryHost:
    """A host whose memory store is a dict, answering like the sandbox's host (codes included)."""

    def __init__(self):
        self.store = {}
        self.requests = []

    def __call__(self, method, params, frame):
        self.requests.append((method, params))
        info = lambda key: {"key": key, "size": len(json.dumps(self.store[key])), "created": "c", "updated": "u"}
        if method == "memory/get":
            if params["key"] not in self.store:
                return {"result": {"found": False}}
            result = {"found": True, "info": info(params["key"])}
            if params.get("withValue", True):
                result["value"] = self.store[params["key"]]
            return {"result": result}
        if method == "memory/save":
            key, value = params["key"], params["value"]
            if len(json.dumps(value)) > 100:
                return {"error": {"code": "TOO_LARGE", "message": "over the limit of 100"}}
            if params.get("mode") == "update":
                if key not in self.store:
                    return {"error": {"code": "NOT_FOUND", "message": f"There is no memory {key!r} to update"}}
                if isinstance(value, dict) and isinstance(self.store[key], dict):
                    value = {**self.store[key], **value}
            self.store[key] = value
            return {"result": info(key)}
        if method == "memory/delete":
            return {"result": {"deleted": self.store.pop(params["key"], None) is not None}}
        if method == "memory/list":
            keys = sorted(k for k in self.store if k.startswith(params.get("prefix", "")))
            return {"result": {"memories": [info(k) for k in keys], "problems": [{"message": "one file is corrupt"}]}}
        return {"error": {"code": "UNKNOWN_METHOD", "message": method}}


class Memory(RuntimeTest):
    def setUp(self):
        self.memory = MemoryHost()
        self.host = ScriptedHost(on_request=self.memory)
        self.hello = self.host.hello()

    def test_save_load_update_delete_list_exists_info(self):
        done, _, stderr = self.run_code(
            "save_memory('prefs', {'theme': 'dark'})\n"
            "update_memory('prefs', {'size': 2})\n"
            "save_memory('user:1', [1, 2])\n"
            "from mcp import runtime\n"
            "[load_memory('prefs'), load_memory('nope', 'fallback'), list_memories(), list_memories('user:'),"
            " memory_exists('prefs'), memory_exists('nope'), get_memory_info('prefs')['key'], get_memory_info('nope'),"
            " runtime.delete_memory('user:1'), delete_memory('user:1')]"
        )
        self.assert_success(done)
        self.assertEqual(done["value"]["json"], [
            {"theme": "dark", "size": 2}, "fallback", ["prefs", "user:1"], ["user:1"], True, False, "prefs", None,
            True, False,
        ])
        self.assertIn("could not be read: one file is corrupt", stderr)
        self.assertEqual(done["calls"], 0)

    def test_hostile_keys_are_refused_before_any_frame(self):
        for key in ("'../x'", "'/etc/passwd'", "'a\\x00b'", "'k' * 201", "''", "'..'"):
            done, _, _ = self.run_code(f"save_memory({key}, 1)")
            self.assertEqual(done["error"]["type"], "ValueError", key)
        done, _, _ = self.run_code("load_memory(3)")
        self.assertEqual(done["error"]["type"], "TypeError")
        self.assertEqual(self.memory.requests, [])

    def test_values_that_are_not_json_and_values_too_large(self):
        done, _, _ = self.run_code("save_memory('k', {1, 2})")
        self.assertEqual(done["error"]["type"], "TypeError")
        self.assertIn("JSON-serialisable", done["error"]["message"])
        done, _, _ = self.run_code("save_memory('k', float('nan'))")
        self.assertEqual(done["error"]["type"], "TypeError")
        done, _, _ = self.run_code("save_memory('k', 'x' * 500)")
        self.assertEqual(done["error"]["type"], "ValueError")
        self.assertIn("over the limit", done["error"]["message"])
        done, _, _ = self.run_code("update_memory('absent', 1)")
        self.assertEqual(done["error"]["type"], "KeyError")
        self.assertEqual(self.memory.store, {})

    def test_works_inside_async_code(self):
        done, _, _ = self.run_code("import asyncio\nawait asyncio.sleep(0)\nsave_memory('a', 1)\nload_memory('a')")
        self.assertEqual(done["value"]["json"], 1)


class NoMemory(RuntimeTest):
    on_request = staticmethod(echo_host)

    def test_without_a_store_the_functions_say_so(self):
        done, _, _ = self.run_code("save_memory('k', 1)")
        self.assertEqual(done["error"]["type"], "RuntimeError")
        self.assertIn("no memory store", done["error"]["message"])


class Tools(RuntimeTest):
    on_request = staticmethod(echo_host)

    def test_round_trip_through_every_access_pattern(self):
        done, stdout, _ = self.run_code(
            "a = await mcp_stub_server.echo(message='one')\n"
            "b = await mcp_servers['stub-server'].echo('two')\n"
            "from mcp.servers.stub_server import echo\n"
            "c = await echo(message='three')\n"
            "import mcp.servers.stub_server as mod\n"
            "d = await mod.echo(message='four')\n"
            "from mcp import runtime\n"
            "e = await runtime.call_tool('stub-server', 'echo', {'message': 'five'})\n"
            "[a, b, c, d, e, LOADED_MCP_SERVERS]",
            servers=[ECHO],
        )
        self.assert_success(done)
        self.assertEqual(done["value"]["json"], ["one", "two", "three", "four", "five", ["stub-server"]])
        self.assertEqual(done["calls"], 5)
        calls = [r for r in self.host.requests if r["method"] == "tools/call"]
        self.assertEqual(sorted(r["id"] for r in calls), ["c1", "c2", "c3", "c4", "c5"])
        self.assertEqual(calls[0]["params"], {"server": "stub-server", "tool": "echo", "arguments": {"message": "one"}})

    def test_is_error_raises_mcp_tool_error(self):
        done, _, _ = self.run_code(
            "try:\n    await mcp_stub_server.fail()\nexcept McpToolError as e:\n"
            "    caught = (type(e).__name__, str(e), isinstance(e, MCPError), e.result['isError'])\ncaught",
            servers=[ECHO],
        )
        self.assertEqual(done["value"]["json"], ["McpToolError", "upstream says no", True, True])
        done, _, _ = self.run_code("await mcp_stub_server.fail()", servers=[ECHO], execute_id="x2")
        self.assertEqual(done["error"]["type"], "McpToolError")
        self.assertEqual(done["error"]["message"], "upstream says no")
        self.assertNotIn("codexec", done["error"]["traceback"])
        self.assertIn("mcp.runtime.McpToolError: upstream says no", done["error"]["traceback"])

    def test_a_call_the_policy_refuses_raises_tool_call_denied_and_the_run_goes_on(self):
        done, _, _ = self.run_code(
            "from mcp.runtime import ToolCallDenied as Denied\n"
            "try:\n    await runtime.call_tool('stub-server', 'forbidden')\nexcept ToolCallDenied as e:\n"
            "    r = [type(e).__name__, e.rule, e.code, str(e), e.server, e.tool, isinstance(e, MCPError),"
            " Denied is ToolCallDenied]\n"
            "r + [await mcp_stub_server.echo(message='after')]",
            servers=[ECHO],
        )
        self.assert_success(done)
        self.assertEqual(done["value"]["json"], [
            "ToolCallDenied", "deny *.forbidden", "DENIED", "Tool call denied: by policy", "stub-server", "forbidden",
            True, True, "after",
        ])
        done, _, _ = self.run_code("await runtime.call_tool('stub-server', 'forbidden')", execute_id="x2")
        self.assertEqual(done["error"]["type"], "ToolCallDenied")
        self.assertIn("mcp.runtime.ToolCallDenied: Tool call denied: by policy", done["error"]["traceback"])

    def test_host_errors_raise_mcp_error_with_the_code(self):
        done, _, _ = self.run_code(
            "from mcp.runtime import MCPError\n"
            "try:\n    await runtime.call_tool('stub-server', 'missing')\nexcept MCPError as e:\n"
            "    r = (e.code, str(e), e.server, e.tool)\nr",
            servers=[ECHO],
        )
        self.assertEqual(done["value"]["json"], ["UNKNOWN_TOOL", "no tool missing", "stub-server", "missing"])

    def test_structured_content_and_keyword_named_tools(self):
        done, _, _ = self.run_code(
            "[await mcp_stub_server.structured(), await mcp_stub_server.import_(from_='x')]", servers=[ECHO]
        )
        self.assertEqual(done["value"]["json"], [{"ok": True}, {"from": "x"}])

    def test_signatures_and_help_inside_the_sandbox(self):
        done, stdout, _ = self.run_code(
            "import inspect\nprint(inspect.signature(mcp_stub_server.echo))\nhelp(mcp_stub_server.echo)\n"
            "inspect.iscoroutinefunction(mcp_stub_server.echo)",
            servers=[ECHO],
        )
        self.assertTrue(done["value"]["json"])
        self.assertIn("(message: str)", stdout)
        self.assertIn("Echo the provided message", stdout)

    def test_wrong_arguments_raise_type_error_before_any_frame(self):
        done, _, _ = self.run_code("await mcp_stub_server.echo(msg='typo')", servers=[ECHO])
        self.assertEqual(done["error"]["type"], "TypeError")
        self.assertIn("msg", done["error"]["message"])
        self.assertEqual(done["calls"], 0)
        self.assertEqual(self.host.requests, [])

    def test_unknown_attribute_and_unloaded_module_say_what_exists(self):
        done, _, _ = self.run_code("mcp_stub_server.nope", servers=[ECHO])
        self.assertEqual(done["error"]["type"], "AttributeError")
        self.assertIn("echo", done["error"]["message"])
        done, _, _ = self.run_code("import mcp.servers.other", servers=[ECHO], execute_id="x2")
        self.assertEqual(done["error"]["type"], "ModuleNotFoundError")
        self.assertIn("stub_server", done["error"]["message"])
        done, _, _ = self.run_code("mcp_stub_server.Echo is mcp_stub_server.echo", servers=[ECHO], execute_id="x3")
        self.assertTrue(done["value"]["json"])

    def test_aliases_with_collisions_and_star_import(self):
        servers = [tool_server("my-srv", [tool("a")]), tool_server("my_srv", [tool("b")]), tool_server("9x", [])]
        done, _, _ = self.run_code(
            "from mcp.servers.my_srv_2 import *\n"
            "[sorted(k for k in globals() if k.startswith('mcp_')), b.__name__, "
            "[s['alias'] for s in runtime.list_loaded_server_metadata()]]",
            servers=servers,
        )
        self.assert_success(done)
        self.assertEqual(
            done["value"]["json"],
            [["mcp_my_srv", "mcp_my_srv_2", "mcp_s_9x", "mcp_servers"], "b", ["my_srv", "my_srv_2", "s_9x"]],
        )

    def test_python_side_timeout_sends_cancel_for_the_call(self):
        def never(method, params, frame):
            return None

        self.host.on_request = never
        done, _, _ = self.run_code(
            "import asyncio\ntry:\n    await asyncio.wait_for(mcp_stub_server.echo(message='x'), 0.3)\n"
            "except asyncio.TimeoutError:\n    r = 'timed out'\nr",
            servers=[ECHO],
        )
        self.assertEqual(done["value"]["json"], "timed out")
        self.assertEqual(len(self.host.requests), 1)
        self.assertEqual([c["id"] for c in self.host.cancels], [self.host.requests[0]["id"]])

    def test_a_call_over_the_line_limit_fails_before_it_is_sent(self):
        self.host.close()
        self.host = ScriptedHost(on_request=echo_host, env={"CODEXEC_MAX_LINE_BYTES": "100000"})
        self.host.hello()
        done, _, _ = self.run_code(
            "import os\ntry:\n    await mcp_stub_server.echo(message='x' * 200_000)\nexcept MCPError as e:\n"
            "    r = e.code\n[r, os.environ.get('CODEXEC_MAX_LINE_BYTES')]",
            servers=[ECHO],
        )
        self.assertEqual(done["value"]["json"], ["FRAME_TOO_LARGE", None])
        self.assertEqual(self.host.requests, [])

    def test_call_timeout_option_is_sent_with_each_call(self):
        self.run_code("await mcp_stub_server.echo(message='x')", servers=[ECHO], options={"callTimeoutMs": 1234})
        self.assertEqual(self.host.requests[0]["params"]["timeoutMs"], 1234)

    def test_200_concurrent_calls_are_all_in_flight_at_once(self):
        lock = threading.Lock()
        state = {"in_flight": 0, "max": 0}

        def slow(method, params, frame):
            with lock:
                state["in_flight"] += 1
                state["max"] = max(state["max"], state["in_flight"])
            time.sleep(0.3)
            with lock:
                state["in_flight"] -= 1
            return {"result": text_result(str(params["arguments"]["message"]))}

        self.host.on_request = slow
        done, _, _ = self.run_code(
            "import asyncio\n"
            "results = await asyncio.gather(*(mcp_stub_server.echo(message=str(i)) for i in range(200)))\n"
            "results == list(range(200))",
            servers=[ECHO],
            timeout=120,
        )
        self.assert_success(done)
        self.assertTrue(done["value"]["json"])
        self.assertEqual(done["calls"], 200)
        # Serially only one would ever be in flight; in parallel every request is out before the first answer.
        self.assertGreaterEqual(state["max"], 150)


def discovery_host(method, params, frame):
    if method == "servers/list":
        return {"result": {"servers": [
            {"name": "stub-server", "description": "A stub for tests", "loaded": True},
            {"name": "remote", "description": "Not loaded here", "loaded": False},
        ]}}
    if method == "servers/describe":
        if params["server"] != "remote":
            return {"error": {"code": "UNKNOWN_SERVER", "message": "no such server"}}
        return {"result": {"name": "remote", "description": "Not loaded here", "tools": [
            {"name": "Get-Thing", "description": "Gets a thing", "inputSchema": {"type": "object"}},
        ]}}
    if method == "tools/query":
        return {"result": {"tools": [
            {"server": "remote", "tool": "Get-Thing", "description": "Gets a thing",
             **({"inputSchema": {"type": "object"}} if params["detail"] == "full" else {})},
        ]}}
    if method == "tools/search":
        return {"result": {"results": [
            {"server": "stub-server", "tool": "echo", "description": "Echo the provided message", "score": 2},
            {"server": "remote", "tool": "Get-Thing", "description": "Gets a thing", "score": 1},
        ]}}
    return echo_host(method, params, frame)


class Discovery(RuntimeTest):
    on_request = staticmethod(discovery_host)

    def test_helpers_answer_from_metadata_and_from_the_host(self):
        done, stdout, _ = self.run_code(
            "from mcp import runtime\n"
            "r = {}\n"
            "r['discovered'] = runtime.discovered_servers()\n"
            "r['detailed'] = runtime.discovered_servers(detailed=True)\n"
            "r['list'] = await runtime.list_servers()\n"
            "r['list_sync'] = runtime.list_servers_sync()\n"
            "r['loaded'] = runtime.list_loaded_server_metadata()\n"
            "r['describe_loaded'] = runtime.describe_server('stub-server')['alias']\n"
            "r['describe_remote'] = runtime.describe_server('remote')['tools'][0]['alias']\n"
            "r['tools_sync'] = [t['alias'] for t in runtime.list_tools_sync('stub-server')]\n"
            "r['query_one'] = await runtime.query_tool_docs('stub-server', 'echo')\n"
            "r['query_sync'] = runtime.query_tool_docs_sync('stub-server', tool='echo', detail='full')\n"
            "r['query_remote'] = await runtime.query_tool_docs('remote', detail='full')\n"
            "r['search'] = await runtime.search_tool_docs('thing')\n"
            "r['search_sync'] = runtime.search_tool_docs_sync('echo', limit=1)\n"
            "r['summary'] = 'mcp_<alias>' in runtime.capability_summary()\n"
            "r",
            servers=[ECHO],
            discovered=["stub-server", "remote"],
        )
        self.assert_success(done)
        r = done["value"]["json"]
        self.assertEqual(r["discovered"], ["stub-server", "remote"])
        self.assertEqual(r["detailed"], [
            {"name": "stub-server", "description": "A stub for tests"},
            {"name": "remote", "description": "Not loaded here"},
        ])
        self.assertEqual(r["list"], ["stub-server", "remote"])
        self.assertEqual(r["list_sync"], ["stub-server", "remote"])
        self.assertEqual(r["loaded"][0]["name"], "stub-server")
        self.assertEqual(r["loaded"][0]["alias"], "stub_server")
        self.assertEqual(r["loaded"][0]["tools"][0], {
            "name": "echo", "alias": "echo", "description": "Echo the provided message",
            "input_schema": ECHO["tools"][0]["inputSchema"],
        })
        self.assertEqual(r["describe_loaded"], "stub_server")
        self.assertEqual(r["describe_remote"], "get_thing")
        self.assertEqual(r["tools_sync"], ["echo", "fail", "import_", "structured"])
        self.assertEqual(r["query_one"], {
            "server": "stub-server", "serverAlias": "stub_server", "tool": "echo", "toolAlias": "echo",
            "description": "Echo the provided message",
        })
        self.assertEqual(r["query_sync"][0]["inputSchema"], ECHO["tools"][0]["inputSchema"])
        self.assertEqual(r["query_remote"], [{
            "server": "remote", "serverAlias": "remote", "tool": "Get-Thing", "toolAlias": "get_thing",
            "description": "Gets a thing", "inputSchema": {"type": "object"},
        }])
        self.assertEqual([d["tool"] for d in r["search"]], ["echo", "Get-Thing"])
        self.assertEqual(len(r["search_sync"]), 1)
        self.assertTrue(r["summary"])
        methods = [req["method"] for req in self.host.requests]
        self.assertIn("servers/describe", methods)
        self.assertIn("tools/query", methods)
        self.assertNotIn("tools/call", methods)

    def test_sync_helpers_work_inside_async_code(self):
        done, _, _ = self.run_code(
            "import asyncio\nasync def f():\n    return runtime.list_servers_sync()\nawait f()",
            servers=[ECHO],
        )
        self.assertEqual(done["value"]["json"], ["stub-server", "remote"])

    def test_unknown_server_is_a_clear_mcp_error(self):
        done, _, _ = self.run_code("runtime.describe_server('ghost')", servers=[ECHO])
        self.assertEqual(done["error"]["type"], "MCPError")
        self.assertIn("'ghost'", done["error"]["message"])
        self.assertIn("discovered_servers", done["error"]["message"])

    def test_helpers_present_themselves_as_mcp_runtime_with_plain_signatures(self):
        done, _, _ = self.run_code(
            "import inspect\nfrom mcp import runtime\n"
            "[runtime.__all__, {n: [str(inspect.signature(f)), f.__qualname__, f.__module__, bool(f.__doc__),"
            " inspect.iscoroutinefunction(f)] for n in dir(runtime) if not n.startswith('_')"
            " and callable(f := getattr(runtime, n)) and not isinstance(f, type)}]",
            servers=[ECHO],
        )
        self.assert_success(done)
        exported, helpers = done["value"]["json"]
        self.assertEqual(exported, [
            "MCPError", "McpToolError", "ToolCallDenied", "call_tool", "list_tools", "list_tools_sync", "list_servers",
            "list_servers_sync", "discovered_servers", "describe_server", "list_loaded_server_metadata",
            "query_tool_docs", "query_tool_docs_sync", "search_tool_docs", "search_tool_docs_sync",
            "capability_summary", "save_memory", "load_memory", "update_memory", "delete_memory", "list_memories",
            "memory_exists", "get_memory_info", "attach", "show",
        ])
        signatures = {
            "attach": "(path_or_bytes, mime_type=None, name=None)",
            "call_tool": "(server, tool, arguments=None, *, timeout=None)",
            "capability_summary": "()",
            "delete_memory": "(key)",
            "delete_saved_tool": "(name)",
            "describe_server": "(name)",
            "discovered_servers": "(detailed=False)",
            "get_memory_info": "(key)",
            "list_loaded_server_metadata": "()",
            "list_memories": "(prefix='')",
            "list_saved_tools": "()",
            "list_servers": "()",
            "list_servers_sync": "()",
            "list_tools": "(server)",
            "list_tools_sync": "(server=None)",
            "load_memory": "(key, default=None)",
            "memory_exists": "(key)",
            "query_tool_docs": "(server, tool=None, detail='summary')",
            "query_tool_docs_sync": "(server, tool=None, detail='summary')",
            "save_memory": "(key, value)",
            "save_tool": "(tool, name=None, description=None)",
            "search_tool_docs": "(query, *, limit=5, detail='summary')",
            "search_tool_docs_sync": "(query, *, limit=5, detail='summary')",
            "show": "(image, name=None)",
            "update_memory": "(key, value)",
        }
        asynchronous = {"call_tool", "list_tools", "list_servers", "query_tool_docs", "search_tool_docs"}
        self.assertEqual(
            helpers, {name: [sig, name, "mcp.runtime", True, name in asynchronous] for name, sig in signatures.items()}
        )


def minimal_host(method, params, frame):
    if method == "tools/call":
        return echo_host(method, params, frame)
    return {"error": {"code": "UNKNOWN_METHOD", "message": f"no handler for {method}"}}


class DiscoveryFallbacks(RuntimeTest):
    on_request = staticmethod(minimal_host)

    def test_without_discovery_methods_the_helpers_use_the_execute_frame(self):
        done, _, _ = self.run_code(
            "[await runtime.list_servers(), runtime.list_servers_sync(), runtime.search_tool_docs_sync('echo'),"
            " runtime.discovered_servers()]",
            servers=[ECHO],
        )
        self.assert_success(done)
        listed, listed_sync, search, discovered = done["value"]["json"]
        self.assertEqual(listed, ["stub-server"])
        self.assertEqual(listed_sync, ["stub-server"])
        self.assertEqual([d["tool"] for d in search], ["echo"])
        self.assertEqual(discovered, ["stub-server"])


if __name__ == "__main__":
    unittest.main()


class SkillHost:
    """A host with a skill store (a dict), a stub server it can describe, and echo calls."""

    def __init__(self):
        self.skills = {}
        self.requests = []

    def __call__(self, method, params, frame):
        self.requests.append((method, params))
        if method == "skills/save":
            record = {"name": params["name"], "async": params.get("async", False),
                      "uses": [f"{u['server']}.{u['tool']}" for u in params.get("uses", [])],
                      "created": "c", "updated": "u", "signature": params.get("signature")}
            self.skills[params["name"]] = {**params}
            return {"result": record}
        if method == "skills/list":
            return {"result": {"skills": [
                {"name": n, "async": s.get("async", False), "uses": [], "created": "c", "updated": "u"}
                for n, s in sorted(self.skills.items())
            ]}}
        if method == "skills/delete":
            return {"result": {"deleted": self.skills.pop(params["name"], None) is not None}}
        if method == "servers/describe":
            if params["server"] != "stub-server":
                return {"error": {"code": "UNKNOWN_SERVER", "message": "no such server"}}
            return {"result": ECHO}
        return echo_host(method, params, frame)

    def frame_skills(self, stale=None):
        return [
            {"name": n, "source": s["source"], **({"stale": stale} if stale else {})}
            for n, s in sorted(self.skills.items())
        ]


class SavedTools(RuntimeTest):
    def setUp(self):
        self.skill_host = SkillHost()
        self.host = ScriptedHost(on_request=self.skill_host)
        self.hello = self.host.hello()

    def restart(self):
        """A new runtime (a new container) with the same host: what a later session sees."""
        self.host.close()
        self.host = ScriptedHost(on_request=self.skill_host)
        self.host.hello()

    def test_a_function_with_its_imports_helpers_and_constants_is_used_from_a_new_runtime(self):
        done, _, _ = self.run_code(
            "import json\n"
            "from math import sqrt as root\n"
            "SCALE = 10\n"
            "def _helper(x):\n"
            "    return x * SCALE\n"
            "def scaled(values):\n"
            "    '''Scales values and encodes them.'''\n"
            "    return json.dumps([_helper(root(v)) for v in values])\n"
            "save_tool(scaled)",
            persist=True,
        )
        self.assert_success(done)
        self.assertIn("Saved tool scaled(values)", done["value"]["json"])
        saved = self.skill_host.skills["scaled"]
        self.assertEqual(saved["description"], "Scales values and encodes them.")
        self.assertIn("import json", saved["source"])
        self.assertIn("from math import sqrt as root", saved["source"])
        self.restart()
        self.host.send({"type": "execute", "id": "x2", "servers": [], "skills": self.skill_host.frame_skills(),
                        "code": "from skills import scaled as again\nimport skills\n"
                                "[scaled([4]), again([9]), skills.scaled([16])]"})
        done, _, _ = self.host.collect("x2")
        self.assert_success(done)
        self.assertEqual(done["value"]["json"], ["[20.0]", "[30.0]", "[40.0]"])

    def test_an_async_tool_calls_its_server_even_when_the_run_does_not_load_it(self):
        done, _, _ = self.run_code(
            "async def shout(message):\n    return (await mcp_stub_server.echo(message=message)).upper()\n"
            "print(save_tool(shout))",
            servers=[ECHO], discovered=["stub-server"],
        )
        self.assert_success(done)
        self.assertEqual(self.skill_host.skills["shout"]["uses"], [{"server": "stub-server", "tool": "echo"}])
        self.assertTrue(self.skill_host.skills["shout"]["async"])
        self.restart()
        self.host.send({"type": "execute", "id": "x2", "code": "await shout('hi')", "servers": [],
                        "discovered": ["stub-server"], "skills": self.skill_host.frame_skills()})
        done, _, _ = self.host.collect("x2")
        self.assert_success(done)
        self.assertEqual(done["value"]["json"], "HI")
        self.assertIn("servers/describe", [m for m, _ in self.skill_host.requests])

    def test_a_source_string_and_list_and_delete(self):
        done, _, _ = self.run_code(
            "save_tool('''\nimport re\ndef words(text):\n    return re.findall(r\"\\\\w+\", text)\n''')\n"
            "[words('a b'), [t['name'] for t in list_saved_tools()], delete_saved_tool('words'),"
            " delete_saved_tool('words')]"
        )
        self.assert_success(done)
        self.assertEqual(done["value"]["json"], [["a", "b"], ["words"], True, False])

    def test_bad_tools_are_refused_and_nothing_is_saved(self):
        cases = [
            ("f = lambda: 1\nsave_tool(f)", "ValueError", "lambda"),
            ("def outer():\n    y = 1\n    def inner():\n        return y\n    return inner\nsave_tool(outer())",
             "ValueError", "not a top-level function"),
            ("def print(x):\n    return x\nsave_tool(print)", "ValueError", "builtin"),
            ("def stub_server():\n    return 1\nsave_tool(stub_server)", "ValueError", "alias of an MCP server"),
            ("handle = open('/dev/null')\ndef f():\n    return handle.read()\nsave_tool(f)", "ValueError",
             "cannot be saved"),
            ("save_tool('def f(:\\n  pass')", "SyntaxError", "does not compile"),
            ("save_tool('def f():\\n    return undefined_thing')", "ValueError", "undefined_thing"),
            ("async def g():\n    return await mcp_stub_server.nope()\nsave_tool(g)", "ValueError", "no such tool"),
            ("def h():\n    return 1\nsave_tool(h, name='mcp_x')", "ValueError", "provides"),
            ("save_tool(42)", "TypeError", "takes a function"),
        ]
        for index, (code, kind, words) in enumerate(cases):
            done, _, _ = self.run_code(code, servers=[ECHO], discovered=["stub-server"], execute_id=f"x{index}")
            self.assertEqual(done["status"], "error", code)
            self.assertEqual(done["error"]["type"], kind, code)
            self.assertIn(words, done["error"]["message"], code)
        self.assertEqual(self.skill_host.skills, {})

    def test_a_stale_tool_still_runs_and_its_failures_say_why(self):
        self.run_code("def fails():\n    raise ValueError('boom')\ndef fine():\n    return 1\n"
                      "save_tool(fails)\nsave_tool(fine)")
        self.restart()
        reason = "stub-server.echo changed its input schema since the tool was saved"
        self.host.send({"type": "execute", "id": "x2", "code": "print(fine())\nfails()", "servers": [],
                        "skills": self.skill_host.frame_skills(stale=reason)})
        done, stdout, _ = self.host.collect("x2")
        self.assertEqual(stdout, "1\n")
        self.assertEqual(done["error"]["type"], "ValueError")
        self.assertIn(reason, done["error"]["message"])

    def test_a_session_variable_of_the_same_name_is_not_replaced(self):
        self.run_code("def tool_a():\n    return 'saved'\nsave_tool(tool_a)", persist=True)
        self.host.send({"type": "execute", "id": "x2", "code": "tool_a = 'mine'", "servers": [], "persist": True,
                        "skills": self.skill_host.frame_skills()})
        self.host.collect("x2")
        self.host.send({"type": "execute", "id": "x3", "code": "[tool_a, skills.tool_a()]", "servers": [],
                        "persist": True, "skills": self.skill_host.frame_skills()})
        done, _, _ = self.host.collect("x3")
        self.assertEqual(done["value"]["json"], ["mine", "saved"])


class AttachHost:
    def __init__(self, limit=1000):
        self.files = []
        self.limit = limit

    def __call__(self, method, params, frame):
        if method != "run/attach":
            return {"error": {"code": "UNKNOWN_METHOD", "message": method}}
        import base64
        data = base64.b64decode(params["data"])
        if len(data) > self.limit:
            return {"error": {"code": "TOO_LARGE", "message": f"{params['name']} is over the limit"}}
        self.files.append((params["name"], params["mimeType"], data))
        return {"result": {"size": len(data)}}


class Attachments(RuntimeTest):
    def setUp(self):
        self.attach_host = AttachHost()
        self.host = ScriptedHost(on_request=self.attach_host)
        self.hello = self.host.hello()

    def test_files_and_images_by_path_and_bytes_with_types_found(self):
        png = "b'\\x89PNG\\r\\n\\x1a\\n' + b'0' * 20"
        done, _, _ = self.run_code(
            "from mcp import runtime\n"
            "open('/tmp/report.csv', 'w').write('a,b\\n1,2\\n')\n"
            "runtime.attach('/tmp/report.csv')\n"
            f"runtime.show({png})\n"
            "runtime.attach(b'\\x00\\x01', name='blob')\n"
            "runtime.attach(b'hello', mime_type='text/markdown', name='../../etc/notes')"
        )
        self.assert_success(done)
        self.assertEqual(
            [(n, t) for n, t, _ in self.attach_host.files],
            [("report.csv", "text/csv"), ("image.png", "image/png"), ("blob.bin", "application/octet-stream"),
             ("notes.md", "text/markdown")],
        )
        self.assertEqual(self.attach_host.files[0][2], b"a,b\n1,2\n")

    def test_refusals_are_clear(self):
        for code, kind in (
            ("from mcp import runtime\nruntime.attach(b'x' * 5000)", "ValueError"),
            ("from mcp import runtime\nruntime.show(b'not an image')", "ValueError"),
            ("from mcp import runtime\nruntime.attach(42)", "TypeError"),
            ("from mcp import runtime\nruntime.attach('/nope/missing.txt')", "FileNotFoundError"),
        ):
            done, _, _ = self.run_code(code)
            self.assertEqual(done["error"]["type"], kind, code)
