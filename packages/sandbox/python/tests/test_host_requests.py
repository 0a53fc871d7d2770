"""Each discovery helper is one coroutine: awaited, or run to its end by a blocking twin, with the same frames."""

import asyncio
import unittest

import harness  # noqa: F401
from codexec_runtime.catalog import Catalog
from codexec_runtime.channel import HostClient
from codexec_runtime.errors import MCPError
from codexec_runtime.host_requests import run_blocking
from codexec_runtime.records import server_record

LOADED = server_record(
    {"name": "stub-server", "description": "A stub", "tools": [{"name": "echo", "description": "Echo a message"}]},
    "stub_server",
)
ANSWERS = {
    "servers/list": {"result": {"servers": [{"name": "stub-server"}, {"name": "remote", "description": "Far"}]}},
    "servers/describe": {"result": {"name": "remote", "tools": [{"name": "Get-Thing", "description": "Gets"}]}},
    "tools/query": {"result": {"tools": [{"server": "remote", "tool": "Get-Thing", "description": "Gets"}]}},
    "tools/search": {"result": {"results": [{"server": "stub-server", "tool": "echo"}]}},
}


class AnsweringHost:
    """A frame sink that answers each request at once, from ``answers`` (method -> response fields)."""

    def __init__(self, answers):
        self.answers = answers
        self.sent = []
        self.client = HostClient(self)

    def send(self, frame):
        self.sent.append(frame)
        if frame["type"] == "request":
            answer = self.answers.get(frame["method"], {"error": {"code": "UNKNOWN_METHOD", "message": "no"}})
            self.client.resolve({"type": "response", "id": frame["id"], **answer})


def both_ways(answers, helper):
    """``(result or error, frames sent)`` of ``helper(catalog, ask)`` awaited, then run blocking."""
    outcomes = []
    for mode in ("awaited", "blocking"):
        host = AnsweringHost(answers)
        catalog = Catalog([LOADED], ("stub-server", "remote"), host.client)
        try:
            if mode == "awaited":
                outcome = asyncio.run(helper(catalog, catalog.ask))
            else:
                outcome = run_blocking(helper(catalog, catalog.ask_blocking))
        except MCPError as error:
            outcome = ("MCPError", error.code, error.message)
        outcomes.append((outcome, [(f["method"], f["params"]) for f in host.sent]))
    return outcomes


HELPERS = {
    "list_servers": lambda catalog, ask: catalog.list_servers(ask),
    "summaries": lambda catalog, ask: catalog.summaries(ask),
    "record of a loaded server": lambda catalog, ask: catalog.record(ask, "stub_server"),
    "record described by the host": lambda catalog, ask: catalog.record(ask, "remote"),
    "query_docs loaded": lambda catalog, ask: catalog.query_docs(ask, "stub-server", "ECHO", "full"),
    "query_docs remote": lambda catalog, ask: catalog.query_docs(ask, "remote", None, "summary"),
    "query_docs remote, unknown tool": lambda catalog, ask: catalog.query_docs(ask, "remote", "nope", "summary"),
    "search_docs": lambda catalog, ask: catalog.search_docs(ask, "echo", 3, "summary"),
}


class OneDefinitionTwoWays(unittest.TestCase):
    def test_awaited_and_blocking_answer_alike_and_send_the_same_frames(self):
        for answers in (ANSWERS, {}):
            for name, helper in HELPERS.items():
                with self.subTest(helper=name, host="full" if answers else "without discovery methods"):
                    awaited, blocked = both_ways(answers, helper)
                    self.assertEqual(awaited, blocked)

    def test_what_the_helpers_answer(self):
        (servers, frames), _ = both_ways(ANSWERS, HELPERS["list_servers"])
        self.assertEqual(servers, ("stub-server", "remote"))
        self.assertEqual(frames, [("servers/list", {})])
        (summaries, _), _ = both_ways(ANSWERS, HELPERS["summaries"])
        self.assertEqual(summaries, ({"name": "stub-server", "description": "A stub"},
                                     {"name": "remote", "description": "Far"}))
        (record, frames), _ = both_ways(ANSWERS, HELPERS["record described by the host"])
        self.assertEqual(record["tools"][0]["alias"], "get_thing")
        self.assertEqual(frames, [("servers/describe", {"server": "remote"})])
        no_docs = {**ANSWERS, "tools/query": {"result": {"tools": []}}}
        (error, _), _ = both_ways(no_docs, HELPERS["query_docs remote, unknown tool"])
        self.assertEqual(error, ("MCPError", "UNKNOWN_TOOL", "Tool 'nope' not found for server 'remote'"))

    def test_without_discovery_methods_the_frame_answers(self):
        (servers, _), _ = both_ways({}, HELPERS["list_servers"])
        self.assertEqual(servers, ("stub-server", "remote"))
        (docs, frames), _ = both_ways({}, HELPERS["search_docs"])
        self.assertEqual([d["tool"] for d in docs], ["echo"])
        self.assertEqual(frames, [("tools/search", {"query": "echo", "limit": 3, "detail": "summary"})])
        (error, _), _ = both_ways({}, HELPERS["record described by the host"])
        self.assertEqual(error[:2], ("MCPError", "UNKNOWN_SERVER"))
        self.assertIn("neither loaded in this run (loaded: stub-server)", error[2])

    def test_a_blocking_helper_works_inside_a_running_loop(self):
        host = AnsweringHost(ANSWERS)
        catalog = Catalog([LOADED], ("stub-server",), host.client)

        async def plain_code_in_async_code():
            return run_blocking(catalog.list_servers(catalog.ask_blocking))

        self.assertEqual(asyncio.run(plain_code_in_async_code()), ("stub-server", "remote"))

    def test_a_coroutine_that_suspends_is_refused_and_closed(self):
        steps = []

        async def suspends():
            steps.append("started")
            try:
                await asyncio.sleep(0)
            finally:
                steps.append("closed")

        with self.assertRaisesRegex(RuntimeError, "suspended"):
            run_blocking(suspends())
        self.assertEqual(steps, ["started", "closed"])

    def test_server_record_asks_once_per_server(self):
        host = AnsweringHost(ANSWERS)
        catalog = Catalog([LOADED], ("stub-server", "remote"), host.client)
        first = catalog.server_record("remote")
        self.assertIs(catalog.server_record("remote"), first)
        self.assertIs(catalog.server_record("stub_server"), LOADED)
        self.assertEqual([f["method"] for f in host.sent], ["servers/describe"])


if __name__ == "__main__":
    unittest.main()
