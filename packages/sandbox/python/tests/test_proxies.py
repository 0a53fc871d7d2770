import asyncio
import inspect
import typing
import unittest

import harness  # noqa: F401
from codexec_runtime.errors import MCPError, McpToolError
from codexec_runtime.proxies import annotation_for, make_proxy, unwrap_result

SEARCH = {
    "name": "search-docs",
    "description": "Search the documentation.",
    "inputSchema": {
        "type": "object",
        "properties": {
            "limit": {"type": "integer", "default": 10, "description": "Most results."},
            "query": {"type": "string", "description": "Words to look for."},
            "mode": {"type": "string", "enum": ["fast", "deep"]},
            "tags": {"type": "array", "items": {"type": "string"}},
            "from": {"type": "string"},
            "content-type": {"type": ["string", "null"]},
        },
        "required": ["query"],
        "additionalProperties": False,
    },
}


def build(tool, calls):
    async def invoke(server, name, arguments):
        calls.append((server, name, arguments))
        return {"server": server, "tool": name, "arguments": arguments}

    return make_proxy(server_name="docs", server_alias="docs", tool=tool, tool_alias="search_docs", invoke=invoke)


class Annotations(unittest.TestCase):
    def test_json_schema_types(self):
        cases = [
            ({"type": "string"}, str),
            ({"type": "integer"}, int),
            ({"type": "number"}, float),
            ({"type": "boolean"}, bool),
            ({"type": "array", "items": {"type": "integer"}}, list[int]),
            ({"type": "array"}, list),
            ({"type": "object"}, dict[str, typing.Any]),
            ({"type": "object", "additionalProperties": {"type": "number"}}, dict[str, float]),
            ({"type": ["string", "null"]}, typing.Optional[str]),
            ({"enum": ["a", "b"]}, typing.Literal["a", "b"]),
            ({"const": 3}, typing.Literal[3]),
            ({"anyOf": [{"type": "string"}, {"type": "integer"}]}, typing.Union[str, int]),
            ({}, typing.Any),
            ({"$ref": "#/defs/x"}, typing.Any),
        ]
        for schema, expected in cases:
            with self.subTest(schema=schema):
                self.assertEqual(annotation_for(schema), expected)


class Proxies(unittest.TestCase):
    def test_signature_shows_required_optional_defaults_and_types(self):
        proxy = build(SEARCH, [])
        signature = inspect.signature(proxy)
        self.assertEqual(
            str(signature),
            "(query: str, *, limit: int = 10, mode: Optional[Literal['fast', 'deep']] = None, "
            "tags: Optional[list[str]] = None, from_: Optional[str] = None, content_type: Optional[str] = None)",
        )
        self.assertTrue(inspect.iscoroutinefunction(proxy))
        self.assertEqual(proxy.__name__, "search_docs")
        self.assertEqual(proxy.__module__, "mcp.servers.docs")

    def test_docstring_lists_parameters(self):
        doc = build(SEARCH, []).__doc__
        self.assertIn("Search the documentation.", doc)
        self.assertIn("query (str): Words to look for.", doc)
        self.assertIn("limit (int, optional): Most results. Default: 10.", doc)
        self.assertIn("from_ (Optional[str], optional) [sent as 'from']", doc)
        self.assertIn("McpToolError", doc)

    def test_call_maps_parameters_back_to_property_names(self):
        calls = []
        proxy = build(SEARCH, calls)
        result = asyncio.run(proxy("q", from_="x", content_type=None, tags=["a"]))
        self.assertEqual(calls, [("docs", "search-docs", {"query": "q", "from": "x", "content-type": None, "tags": ["a"]})])
        self.assertEqual(result["arguments"]["query"], "q")
        asyncio.run(proxy(query="q2", mode=None))
        self.assertEqual(calls[-1][2], {"query": "q2"})

    def test_wrong_arguments_raise_type_error_at_call_time(self):
        calls = []
        proxy = build(SEARCH, calls)
        with self.assertRaisesRegex(TypeError, "missing 1 required positional argument: 'query'"):
            proxy()
        with self.assertRaisesRegex(TypeError, "unexpected keyword argument 'nope'"):
            proxy("q", nope=1)
        with self.assertRaises(TypeError):
            proxy("q", 10)
        self.assertEqual(calls, [])

    def test_open_schema_accepts_extra_keywords(self):
        calls = []
        proxy = build({"name": "anything"}, calls)
        self.assertEqual(str(inspect.signature(proxy)), "(**extra: Any)")
        asyncio.run(proxy(a=1, b="two"))
        self.assertEqual(calls[-1][2], {"a": 1, "b": "two"})

    def test_parameter_named_like_internals_still_works(self):
        calls = []
        tool = {"name": "t", "inputSchema": {"type": "object", "properties": {"__codexec_call__": {"type": "string"}},
                                             "required": ["__codexec_call__"]}}
        proxy = build(tool, calls)
        asyncio.run(proxy("v"))
        self.assertEqual(calls[-1][2], {"__codexec_call__": "v"})


class Results(unittest.TestCase):
    def test_structured_content_wins(self):
        result = {"content": [{"type": "text", "text": "ignored"}], "structuredContent": {"a": 1}}
        self.assertEqual(unwrap_result(result), {"a": 1})

    def test_text_parsed_as_json_when_it_is_json(self):
        self.assertEqual(unwrap_result({"content": [{"type": "text", "text": '{"x": [1, 2]}'}]}), {"x": [1, 2]})
        self.assertEqual(unwrap_result({"content": [{"type": "text", "text": "plain words"}]}), "plain words")

    def test_several_text_items_are_joined(self):
        result = {"content": [{"type": "text", "text": "one"}, {"type": "text", "text": "two"}]}
        self.assertEqual(unwrap_result(result), "one\ntwo")

    def test_non_text_content_comes_back_as_dicts(self):
        image = {"type": "image", "data": "AAAA", "mimeType": "image/png"}
        self.assertEqual(unwrap_result({"content": [image]}), image)
        self.assertEqual(unwrap_result({"content": [{"type": "text", "text": "hi"}, image]}), ["hi", image])
        self.assertIsNone(unwrap_result({"content": []}))

    def test_is_error_raises_mcp_tool_error_with_the_message(self):
        with self.assertRaises(McpToolError) as caught:
            unwrap_result({"content": [{"type": "text", "text": "disk full"}], "isError": True}, server="fs", tool="w")
        self.assertEqual(str(caught.exception), "disk full")
        self.assertIsInstance(caught.exception, MCPError)
        self.assertEqual(caught.exception.result["isError"], True)
        self.assertEqual((caught.exception.server, caught.exception.tool), ("fs", "w"))


if __name__ == "__main__":
    unittest.main()
