"""The records and docs code reads: built from MCP metadata and from the host's answers, key by key."""

import unittest

import harness  # noqa: F401
from codexec_runtime.errors import MCPError
from codexec_runtime.records import (
    copy_record,
    docs_from_host,
    matching_tools,
    normalise_detail,
    record_doc,
    record_from_host,
    search_records,
    server_record,
)

SCHEMA = {"type": "object", "properties": {"q": {"type": "string"}}}
SERVER = {
    "name": "Docs-Server",
    "description": "Searches docs",
    "tools": [
        {"name": "search", "description": "Find pages", "inputSchema": SCHEMA, "title": "Search",
         "outputSchema": {"type": "object"}, "annotations": {"readOnlyHint": True}},
        {"name": "Search"},
        {"name": "import"},
    ],
}


class Records(unittest.TestCase):
    def test_a_server_record_keeps_mcp_fields_in_snake_case_in_order(self):
        record = server_record(SERVER, "docs_server")
        self.assertEqual(list(record), ["name", "alias", "description", "tools"])
        self.assertEqual(record["tools"][0], {
            "name": "search", "alias": "search", "description": "Find pages", "input_schema": SCHEMA,
            "title": "Search", "output_schema": {"type": "object"}, "annotations": {"readOnlyHint": True},
        })
        self.assertEqual([t["alias"] for t in record["tools"]], ["search", "search_2", "import_"])
        self.assertEqual(record["tools"][1], {"name": "Search", "alias": "search_2", "description": "", "input_schema": {}})
        self.assertNotIn("description", server_record({"name": "s", "tools": []}, "s"))

    def test_a_copy_can_be_changed_without_changing_the_record(self):
        record = server_record(SERVER, "docs_server")
        copy = copy_record(record)
        copy["tools"][0]["name"] = "changed"
        copy["name"] = "changed"
        self.assertEqual(record["tools"][0]["name"], "search")
        self.assertEqual(record["name"], "Docs-Server")

    def test_the_hosts_description_is_checked(self):
        cases = [
            (None, "INVALID_RESULT"),
            ({"tools": []}, "INVALID_RESULT"),
            ({"name": 3}, "INVALID_RESULT"),
        ]
        for answer, code in cases:
            with self.subTest(answer=answer):
                with self.assertRaises(MCPError) as caught:
                    record_from_host(answer, "asked")
                self.assertEqual(caught.exception.code, code)
                self.assertIn("'asked'", caught.exception.message)
        record = record_from_host(
            {"name": "my-srv", "description": "D", "tools": [{"name": "t", "title": None}, {"nope": 1}, "x", {"name": ""}]},
            "asked",
        )
        self.assertEqual(record, {
            "name": "my-srv", "alias": "my_srv", "description": "D",
            "tools": [{"name": "t", "alias": "t", "description": "", "input_schema": {}}],
        })

    def test_detail_levels(self):
        for given, expected in (("summary", "summary"), ("FULL", "full"), (None, "summary"), ("all", "summary"), (1, "summary")):
            with self.subTest(given=given):
                self.assertEqual(normalise_detail(given), expected)

    def test_a_docs_fields_per_detail(self):
        record = server_record(SERVER, "docs_server")
        self.assertEqual(record_doc(record, record["tools"][0], "summary"), {
            "server": "Docs-Server", "serverAlias": "docs_server", "tool": "search", "toolAlias": "search",
            "description": "Find pages",
        })
        self.assertEqual(record_doc(record, record["tools"][0], "full"), {
            "server": "Docs-Server", "serverAlias": "docs_server", "tool": "search", "toolAlias": "search",
            "description": "Find pages", "title": "Search", "inputSchema": SCHEMA,
            "outputSchema": {"type": "object"}, "annotations": {"readOnlyHint": True},
        })
        # A tool without a schema takes no arguments; an empty description is left out.
        self.assertEqual(record_doc(record, record["tools"][2], "full"), {
            "server": "Docs-Server", "serverAlias": "docs_server", "tool": "import", "toolAlias": "import_",
            "inputSchema": {"type": "object"},
        })

    def test_matching_tools_by_name_or_alias_in_any_case(self):
        record = server_record(SERVER, "docs_server")
        self.assertEqual(len(matching_tools(record, None)), 3)
        self.assertEqual([t["alias"] for t in matching_tools(record, "IMPORT_")], ["import_"])
        with self.assertRaisesRegex(MCPError, "must be a string"):
            matching_tools(record, 3)
        with self.assertRaisesRegex(MCPError, "Tool 'nope' not found for server 'Docs-Server'"):
            matching_tools(record, "nope")

    def test_docs_from_the_host_get_this_runs_aliases(self):
        record = server_record(SERVER, "docs_server")
        result = {"tools": [
            {"server": "Docs-Server", "tool": "Search", "description": "Other", "inputSchema": SCHEMA},
            {"server": "far-away", "tool": "Do-It"},
            {"server": 1, "tool": "x"},
            "junk",
        ]}
        docs = docs_from_host(result, "tools", "summary", lambda name: record if name == "Docs-Server" else None)
        self.assertEqual(docs, [
            {"server": "Docs-Server", "serverAlias": "docs_server", "tool": "Search", "toolAlias": "search_2",
             "description": "Other"},
            {"server": "far-away", "serverAlias": "far_away", "tool": "Do-It", "toolAlias": "do_it"},
        ])
        self.assertEqual(docs_from_host(None, "tools", "full", lambda name: None), [])
        self.assertEqual(docs_from_host({"tools": {}}, "tools", "full", lambda name: None), [])

    def test_the_local_search_wants_every_word(self):
        record = server_record(SERVER, "docs_server")
        self.assertEqual([d["tool"] for d in search_records([record], "docs FIND", 5, "summary")], ["search"])
        self.assertEqual([d["tool"] for d in search_records([record], "docs", 2, "summary")], ["search", "Search"])
        self.assertEqual(search_records([record], "  ", 5, "summary"), [])


if __name__ == "__main__":
    unittest.main()
