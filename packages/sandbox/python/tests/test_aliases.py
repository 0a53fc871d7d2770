import unittest

import harness  # noqa: F401  (puts the runtime on sys.path)
from codexec_runtime.aliases import assign_aliases, base_alias, parameter_name


class AliasRules(unittest.TestCase):
    def test_server_aliases(self):
        cases = [
            ("filesystem", "filesystem"),
            ("My-Server", "my_server"),
            ("@scope/server-everything", "scope_server_everything"),
            ("a..b  c", "a_b_c"),
            ("snake_case_ok", "snake_case_ok"),
            ("2fa", "s_2fa"),
            ("--", "server"),
            ("", "server"),
            ("class", "class_"),
            ("Ünïcode", "n_code"),
        ]
        for name, alias in cases:
            with self.subTest(name=name):
                self.assertEqual(base_alias(name), alias)

    def test_tool_aliases(self):
        cases = [
            ("read_file", "read_file"),
            ("readFile", "readfile"),
            ("get-weather", "get_weather"),
            ("import", "import_"),
            ("None", "none"),
            ("True", "true"),
            ("3d-render", "t_3d_render"),
            ("!!!", "tool"),
        ]
        for name, alias in cases:
            with self.subTest(name=name):
                self.assertEqual(base_alias(name, kind="tool"), alias)

    def test_collisions_are_suffixed_in_order(self):
        self.assertEqual(
            assign_aliases(["my-server", "my_server", "MY SERVER", "other"]),
            ["my_server", "my_server_2", "my_server_3", "other"],
        )
        self.assertEqual(assign_aliases(["a-b", "a_b_2", "a.b"]), ["a_b", "a_b_2", "a_b_3"])

    def test_parameter_names(self):
        taken = set()
        self.assertEqual(parameter_name("maxResults", taken), "maxResults")
        self.assertEqual(parameter_name("from", taken), "from_")
        self.assertEqual(parameter_name("content-type", taken), "content_type")
        self.assertEqual(parameter_name("content_type", taken), "content_type_2")
        self.assertEqual(parameter_name("9lives", taken), "p_9lives")
        self.assertEqual(parameter_name("$", taken), "arg")


if __name__ == "__main__":
    unittest.main()
