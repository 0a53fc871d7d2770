"""The runtime's frame parsing agrees with frame-protocol's golden vectors, line by line."""

import json
import os
import unittest

import harness
from codexec_runtime.frames import HOST_TO_RUNTIME, RUNTIME_TO_HOST, FrameError, encode_frame, parse_frame

VECTORS_DIR = os.path.normpath(os.path.join(harness.PYTHON_DIR, "..", "..", "frame-protocol", "vectors"))


def load_vectors(file_name):
    path = os.path.join(VECTORS_DIR, file_name)
    if not os.path.exists(path):
        if os.environ.get("CI") == "true":
            raise AssertionError(f"golden vectors missing: {path}")
        raise unittest.SkipTest(f"SKIPPED LOUDLY: frame-protocol golden vectors not found at {path}")
    with open(path, encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


# Fields zod fills in when a frame leaves them out; the runtime reads them with the same defaults.
_DEFAULTED = {"servers", "options", "params"}


def _agrees(ours, decoded):
    """Equal, except that objects of ours may carry fields the decoded frame dropped."""
    if isinstance(decoded, dict):
        return isinstance(ours, dict) and all(k in ours and _agrees(ours[k], v) for k, v in decoded.items())
    if isinstance(decoded, list):
        return isinstance(ours, list) and len(ours) == len(decoded) and all(map(_agrees, ours, decoded))
    return ours == decoded and type(ours) is type(decoded) or (
        isinstance(ours, (int, float)) and not isinstance(ours, bool) and ours == decoded
    )


class GoldenVectors(unittest.TestCase):
    def test_valid_vectors_decode_to_their_frames(self):
        vectors = load_vectors("valid.jsonl")
        self.assertGreater(len(vectors), 0)
        for vector in vectors:
            with self.subTest(vector["name"]):
                frame = parse_frame(vector["line"], vector["direction"])
                # The TypeScript side applies zod defaults and drops unknown fields; the runtime reads frames as
                # they are and ignores what it does not know, so only the fields of the decoded frame must agree.
                for key, value in vector["frame"].items():
                    if key in frame:
                        self.assertTrue(_agrees(frame[key], value), f"{key}: {frame[key]!r} != {value!r}")
                    else:
                        self.assertIn(key, _DEFAULTED, f"{key} is missing")

    def test_invalid_vectors_fail_with_their_code(self):
        vectors = load_vectors("invalid.jsonl")
        self.assertGreater(len(vectors), 0)
        for vector in vectors:
            if vector["error"] == "LINE_TOO_LONG":
                continue  # a decoder limit, not a property of the line
            with self.subTest(vector["name"]):
                with self.assertRaises(FrameError) as caught:
                    parse_frame(vector["line"], vector["direction"])
                self.assertEqual(caught.exception.code, vector["error"])


class OwnCases(unittest.TestCase):
    def test_codes(self):
        cases = [
            ("nope", HOST_TO_RUNTIME, "INVALID_JSON"),
            ("NaN", HOST_TO_RUNTIME, "INVALID_JSON"),
            ("[1]", HOST_TO_RUNTIME, "NOT_AN_OBJECT"),
            ("null", HOST_TO_RUNTIME, "NOT_AN_OBJECT"),
            ('{"id": "x"}', HOST_TO_RUNTIME, "INVALID_FRAME"),
            ('{"type": "hello", "protocol": 1}', HOST_TO_RUNTIME, "UNKNOWN_FRAME_TYPE"),
            ('{"type": "execute", "id": "x", "code": "1"}', RUNTIME_TO_HOST, "UNKNOWN_FRAME_TYPE"),
            ('{"type": "execute", "id": "", "code": "1"}', HOST_TO_RUNTIME, "INVALID_FRAME"),
            ('{"type": "execute", "id": "x", "code": null}', HOST_TO_RUNTIME, "INVALID_FRAME"),
            ('{"type": "response", "id": "x"}', HOST_TO_RUNTIME, "INVALID_FRAME"),
            ('{"type": "response", "id": "x", "result": 1, "error": {"code": "A", "message": ""}}',
             HOST_TO_RUNTIME, "INVALID_FRAME"),
            ('{"type": "response", "id": "x", "error": {"code": "", "message": ""}}', HOST_TO_RUNTIME, "INVALID_FRAME"),
            ('{"type": "done", "id": "x", "status": "error"}', RUNTIME_TO_HOST, "INVALID_FRAME"),
            ('{"type": "hello", "protocol": true}', RUNTIME_TO_HOST, "INVALID_FRAME"),
        ]
        for line, direction, code in cases:
            with self.subTest(line=line):
                with self.assertRaises(FrameError) as caught:
                    parse_frame(line, direction)
                self.assertEqual(caught.exception.code, code)

    def test_valid_frames(self):
        self.assertEqual(parse_frame('{"type":"response","id":"r1","result":null}')["result"], None)
        self.assertEqual(parse_frame(b'{"type":"cancel","id":"x1"}\n')["type"], "cancel")
        self.assertEqual(parse_frame('{"type":"hello","protocol":1.0}', RUNTIME_TO_HOST)["protocol"], 1)
        self.assertEqual(parse_frame('{"type":"execute","id":"' + "\U0001F600" * 128 + '","code":""}')["code"], "")

    def test_encoding_is_one_utf8_line(self):
        line = encode_frame({"type": "stdout", "data": "é\n\u2028"})
        self.assertTrue(line.endswith(b"\n"))
        self.assertEqual(line.count(b"\n"), 1)
        self.assertIn("é".encode(), line)
        self.assertEqual(parse_frame(line, RUNTIME_TO_HOST)["data"], "é\n\u2028")
        lone = encode_frame({"type": "stdout", "data": "\udcff"})
        self.assertEqual(json.loads(lone)["data"], "\udcff")


if __name__ == "__main__":
    unittest.main()
