"""The limits report: cgroup files read as the kernel lays them out, and the fallbacks applied in a real process."""

import json
import os
import tempfile
import unittest

from harness import ScriptedHost

from codexec_runtime import limits

MIB = 1024 * 1024


def write(root, relative, text):
    path = os.path.join(root, relative)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as handle:
        handle.write(text)


class CgroupFiles(unittest.TestCase):
    def setUp(self):
        self.root = tempfile.mkdtemp()
        self.proc = os.path.join(self.root, "proc-self-cgroup")
        self.saved = limits.PROC_CGROUP
        limits.PROC_CGROUP = self.proc

    def tearDown(self):
        limits.PROC_CGROUP = self.saved

    def test_v2_in_a_cgroup_namespace_reads_the_root(self):
        write(self.root, "proc-self-cgroup", "0::/\n")
        tree = os.path.join(self.root, "fs")
        write(tree, "cgroup.controllers", "cpu memory pids")
        write(tree, "memory.max", str(512 * MIB))
        write(tree, "pids.max", "128")
        write(tree, "cpu.max", "150000 100000")
        self.assertEqual(
            limits.cgroup_limits(tree), {"version": "v2", "memory": 512 * MIB, "pids": 128, "cpus": 1.5}
        )

    def test_v2_without_delegated_controllers_has_no_limits(self):
        # Rootless on cgroups v2 without delegation: the files of the missing controllers are simply not there.
        write(self.root, "proc-self-cgroup", "0::/user.slice/user-1000.slice/container\n")
        tree = os.path.join(self.root, "fs")
        write(tree, "cgroup.controllers", "")
        write(tree, "user.slice/user-1000.slice/container/cgroup.procs", "1\n")
        write(tree, "user.slice/memory.max", "max")
        self.assertEqual(limits.cgroup_limits(tree), {"version": "v2", "memory": None, "pids": None, "cpus": None})

    def test_v2_takes_the_smallest_limit_of_the_path(self):
        write(self.root, "proc-self-cgroup", "0::/a/b\n")
        tree = os.path.join(self.root, "fs")
        write(tree, "cgroup.controllers", "memory pids")
        write(tree, "a/memory.max", str(300 * MIB))
        write(tree, "a/b/memory.max", "max")
        write(tree, "a/b/pids.max", "max")
        self.assertEqual(limits.cgroup_limits(tree)["memory"], 300 * MIB)
        self.assertIsNone(limits.cgroup_limits(tree)["pids"])

    def test_v1_rootful_mounts_the_container_cgroup_as_the_root(self):
        # The path names the container on the host; inside, the container's own directory is the mount's root.
        write(self.root, "proc-self-cgroup", "8:pids:/docker/abc\n4:memory:/docker/abc\n1:cpu,cpuacct:/docker/abc\n")
        tree = os.path.join(self.root, "fs")
        write(tree, "memory/memory.limit_in_bytes", str(512 * MIB))
        write(tree, "pids/pids.max", "128")
        write(tree, "cpu/cpu.cfs_quota_us", "100000")
        write(tree, "cpu/cpu.cfs_period_us", "100000")
        self.assertEqual(
            limits.cgroup_limits(tree), {"version": "v1", "memory": 512 * MIB, "pids": 128, "cpus": 1.0}
        )

    def test_v1_rootless_sees_the_hosts_unlimited_hierarchy(self):
        # What rootless podman on cgroups v1 shows: no limit anywhere (the engine ignored them).
        write(self.root, "proc-self-cgroup", "8:pids:/\n4:memory:/user/42\n1:cpu,cpuacct:/\n")
        tree = os.path.join(self.root, "fs")
        write(tree, "memory/memory.limit_in_bytes", "9223372036854771712")
        write(tree, "memory/user/42/memory.limit_in_bytes", "9223372036854771712")
        write(tree, "cpu/cpu.cfs_quota_us", "-1")
        write(tree, "cpu/cpu.cfs_period_us", "100000")
        os.makedirs(os.path.join(tree, "pids"))
        self.assertEqual(limits.cgroup_limits(tree), {"version": "v1", "memory": None, "pids": None, "cpus": None})

    def test_no_cgroup_filesystem(self):
        write(self.root, "proc-self-cgroup", "")
        tree = os.path.join(self.root, "empty")
        os.makedirs(tree)
        self.assertEqual(limits.cgroup_limits(tree), {"version": None, "memory": None, "pids": None, "cpus": None})


class FallbacksInTheRuntime(unittest.TestCase):
    """The runtime asked for limits its cgroup does not hold: it reports them and applies rlimits before the code."""

    def setUp(self):
        request = {"memory": 256 * MIB, "pids": 64, "cpus": 0.5, "fileSize": 1 * MIB}
        self.host = ScriptedHost(env={"CODEXEC_LIMITS": json.dumps(request)})
        self.hello = self.host.hello()

    def tearDown(self):
        self.host.close()

    def test_the_report_covers_every_limit_asked_for(self):
        report = self.hello["limits"]
        self.assertIn(report["cgroup"], ("v1", "v2", None))
        self.assertEqual(report["memory"]["requested"], 256 * MIB)
        self.assertIn(report["memory"]["enforcedBy"], ("cgroup", "rlimit"))
        self.assertIn(report["pids"]["enforcedBy"], ("cgroup", "rlimit"))
        self.assertIn(report["cpus"]["enforcedBy"], ("cgroup", "none"))
        self.assertEqual(report["fileSize"], {"requested": MIB, "enforcedBy": "rlimit", "effective": MIB})

    def test_memory_past_the_limit_is_a_memory_error_and_the_runtime_goes_on(self):
        if self.hello["limits"]["memory"]["enforcedBy"] != "rlimit":
            self.skipTest("this test process's cgroup holds a memory limit, so no fallback was needed")
        memory = self.hello["limits"]["memory"]
        self.assertGreater(memory["runtime"], 0)
        self.assertEqual(memory["effective"], 256 * MIB + memory["runtime"])
        done, _, _ = self.host.execute("x = bytearray(1024 ** 3)")
        self.assertEqual(done["status"], "error")
        self.assertEqual(done["error"]["type"], "MemoryError")
        done, _, _ = self.host.execute("len(bytearray(128 * 1024 ** 2))")
        self.assertEqual(done["status"], "success", done.get("error"))
        self.assertEqual(done["value"]["json"], 128 * MIB)

    def test_the_code_and_its_children_inherit_the_limits(self):
        code = (
            "import resource, subprocess, sys\n"
            "child = subprocess.run([sys.executable, '-c', 'import resource; print(resource.getrlimit(resource.RLIMIT_FSIZE)[1])'],"
            " capture_output=True, text=True)\n"
            "[resource.getrlimit(resource.RLIMIT_FSIZE)[1], int(child.stdout)]"
        )
        done, _, _ = self.host.execute(code)
        self.assertEqual(done["status"], "success", done.get("error"))
        self.assertEqual(done["value"]["json"], [MIB, MIB])

    def test_a_file_past_the_size_limit_fails_to_write(self):
        done, _, _ = self.host.execute(
            "import tempfile\nwith tempfile.TemporaryFile() as f:\n    f.write(b'x' * (2 * 1024 * 1024))"
        )
        self.assertEqual(done["status"], "error")
        self.assertEqual(done["error"]["type"], "OSError")
        self.assertIn("File too large", done["error"]["message"])


if __name__ == "__main__":
    unittest.main()
