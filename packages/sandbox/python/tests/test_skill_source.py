"""What save_tool keeps: standalone source, the upstream calls it makes, and the names it may be saved under."""

import ast
import unittest

import harness  # noqa: F401
from codexec_runtime.skill_source import Use, check_name, mcp_names, standalone_source, tool_uses


class Source(unittest.TestCase):
    def test_source_text_names_its_function_and_must_not_use_unknown_names(self):
        saved = standalone_source("\n    async def fetch(x):\n        return await mcp_a.get(x)\n", None, set())
        self.assertEqual(saved.name, "fetch")
        self.assertEqual(saved.source, "async def fetch(x):\n    return await mcp_a.get(x)\n")
        self.assertTrue(saved.is_async)
        self.assertIsNone(saved.doc)
        cases = [
            ("def a():\n    pass\ndef b():\n    pass\n", None, ValueError, "defines 2 functions"),
            ("def a():\n    pass\n", "b", ValueError, "defines no function 'b'"),
            ("def a():\n    return other()\n", None, ValueError, "uses other"),
            ("def a(:\n", None, SyntaxError, "does not compile"),
            (42, None, TypeError, "takes a function defined with def"),
        ]
        for tool, name, kind, words in cases:
            with self.subTest(tool=tool):
                with self.assertRaisesRegex(kind, words):
                    standalone_source(tool, name, set())
        # Other saved tools and what the sandbox provides are not carried.
        self.assertEqual(standalone_source("def a():\n    return b(save_memory)\n", None, {"b"}).name, "a")

    def test_upstream_calls_written_in_the_source(self):
        tree = ast.parse(
            "async def f():\n"
            "    await mcp_docs.search(q=1)\n"
            "    await mcp_servers['Docs-Server'].fetch()\n"
            "    await runtime.call_tool('other', 'run', {})\n"
            "    mcp_docs.list_tools()\n"
            "    mcp_docs._private\n"
            "    call_tool(name, 'x')\n"
        )
        self.assertCountEqual(tool_uses(tree), [
            Use("alias", "docs", "search"), Use("server", "Docs-Server", "fetch"), Use("server", "other", "run"),
        ])
        self.assertEqual(sorted(set(mcp_names("mcp_a.x + mcp_b.y + mcp_servers['c'].z"))), ["a", "b"])
        self.assertEqual(mcp_names("def broken(:"), [])

    def test_names_a_tool_may_not_take(self):
        cases = [
            (3, "is not a name"), ("two words", "is not a name"), ("x" * 101, "is not a name"),
            ("class", "keyword"), ("match", "keyword"), ("print", "builtin"), ("save_memory", "provides"),
            ("mcp_x", "provides"), ("_hidden", "provides"), ("docs_server", "alias of an MCP server"),
        ]
        for name, words in cases:
            with self.subTest(name=name):
                with self.assertRaisesRegex(ValueError, words):
                    check_name(name, ["docs_server"])
        self.assertEqual(check_name("summarise", ["docs_server"]), "summarise")


if __name__ == "__main__":
    unittest.main()
