"""Who reads the host's frames: the code's event loop while it waits, the reader thread whenever it cannot."""

import asyncio
import os
import threading
import time
import unittest

import harness  # noqa: F401
from codexec_runtime.reader import FrameReader


class Reading(unittest.TestCase):
    def setUp(self):
        self.read_fd, self.write_fd = os.pipe()
        self.seen = []  # (line, thread name)
        self.ended = threading.Event()
        self.arrived = threading.Condition()
        self.problems = []

    def tearDown(self):
        # The end of the channel stops the reader before its descriptor number can be reused by the next test.
        try:
            os.close(self.write_fd)
        except OSError:
            pass
        self.ended.wait(10)
        os.close(self.read_fd)

    def reader(self, carry=b"", **options):
        def dispatch(line):
            with self.arrived:
                self.seen.append((line, threading.current_thread().name))
                self.arrived.notify_all()

        reader = FrameReader(self.read_fd, carry, dispatch, self.ended.set, self.problems.append, **options)
        reader.start()
        return reader

    def wait_for(self, count, timeout=10.0):
        with self.arrived:
            self.assertTrue(self.arrived.wait_for(lambda: len(self.seen) >= count, timeout), self.seen)

    def test_lines_in_order_however_they_are_cut(self):
        self.reader(carry=b'{"a":1}\n{"b"')
        os.write(self.write_fd, b':2}\n\n{"c":3}\n{"d":')
        os.write(self.write_fd, b"4}\n")
        os.write(self.write_fd, b'{"e":5}')
        os.close(self.write_fd)
        self.assertTrue(self.ended.wait(10))
        lines = [line for line, _ in self.seen]
        self.assertEqual(lines, [b'{"a":1}', b'{"b":2}', b'{"c":3}', b'{"d":4}', b'{"e":5}'])
        self.assertEqual(self.problems, [])

    def test_the_loop_reads_while_it_waits(self):
        # The thread would only step in if the loop went a long time without waiting for input.
        reader = self.reader(stuck_after=30.0)
        loop = reader.new_loop()
        try:

            async def ping_pong():
                for index in range(20):
                    os.write(self.write_fd, f"{index}\n".encode())
                    while len(self.seen) <= index:
                        await asyncio.sleep(0.001)

            loop.run_until_complete(asyncio.wait_for(ping_pong(), 10))
        finally:
            reader.detach(loop)
            loop.close()
        self.assertEqual([line for line, _ in self.seen], [str(i).encode() for i in range(20)])
        self.assertEqual({name for _, name in self.seen}, {threading.current_thread().name})

    def test_the_thread_reads_while_the_loop_is_busy(self):
        reader = self.reader(stuck_after=0.01)
        loop = reader.new_loop()
        try:

            def busy():
                # A callback that never lets the loop wait: what code computing on the CPU looks like.
                os.write(self.write_fd, b"cancel\n")
                deadline = time.monotonic() + 10
                while not self.seen and time.monotonic() < deadline:
                    pass

            loop.call_soon(busy)
            loop.run_until_complete(asyncio.sleep(0.01))
        finally:
            reader.detach(loop)
            loop.close()
        self.assertEqual(self.seen, [(b"cancel", "codexec-frames")])

    def test_the_thread_reads_for_a_blocking_wait_inside_the_loop(self):
        reader = self.reader(stuck_after=30.0)
        loop = reader.new_loop()
        got = []
        try:

            def blocking_call():
                # A blocking helper called from async code: the loop cannot read its answer.
                reader.blocking_wait(True)
                try:
                    os.write(self.write_fd, b"answer\n")
                    with self.arrived:
                        got.append(self.arrived.wait_for(lambda: len(self.seen) > 0, 10))
                finally:
                    reader.blocking_wait(False)

            loop.call_soon(blocking_call)
            loop.run_until_complete(asyncio.sleep(0.01))
        finally:
            reader.detach(loop)
            loop.close()
        self.assertEqual(got, [True])
        self.assertEqual(self.seen, [(b"answer", "codexec-frames")])

    def test_after_the_loop_the_thread_reads_again(self):
        reader = self.reader(stuck_after=30.0)
        loop = reader.new_loop()
        loop.run_until_complete(asyncio.sleep(0.01))
        reader.detach(loop)
        loop.close()
        os.write(self.write_fd, b"next\n")
        self.wait_for(1)
        self.assertEqual(self.seen, [(b"next", "codexec-frames")])

    def test_the_end_of_the_channel_is_seen_by_the_loop_too(self):
        reader = self.reader(stuck_after=30.0)
        loop = reader.new_loop()
        try:

            async def until_ended():
                os.write(self.write_fd, b"last")
                os.close(self.write_fd)
                while not self.ended.is_set():
                    await asyncio.sleep(0.001)

            loop.run_until_complete(asyncio.wait_for(until_ended(), 10))
        finally:
            reader.detach(loop)
            loop.close()
        self.assertEqual([line for line, _ in self.seen], [b"last"])


if __name__ == "__main__":
    unittest.main()
