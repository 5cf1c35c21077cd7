"""examples/correlate.py prints one line per sequence: process, object, duration in seconds."""
import os
import subprocess
import sys
import unittest

import support  # first: it puts the package on sys.path
import handleaudit


def run_example(*args):
    script = os.path.join(os.path.dirname(os.path.dirname(support.BINDING_DIR)), "examples", "correlate.py")
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [support.BINDING_DIR,
                                                                  os.environ.get("PYTHONPATH")])))
    return subprocess.run([sys.executable, script, *args], capture_output=True, text=True, env=env)


class Example(unittest.TestCase):
    def test_sample(self):
        p = run_example(support.SAMPLE)
        self.assertEqual(p.returncode, 0, p.stderr)
        lines = p.stdout.splitlines()
        seqs = list(handleaudit.correlate(support.SAMPLE))
        self.assertEqual(len(lines), len(seqs))
        for line, seq in zip(lines, seqs):
            process, obj, duration = line.split("\t")
            self.assertEqual(process, seq["process_name"])
            self.assertEqual(obj, seq["object_name"])
            if seq["type"] == "request":
                self.assertEqual(duration, "request: " + seq["outcome"])
            elif seq["duration_ns"] is None:
                self.assertTrue(duration.startswith("?"))
            else:
                self.assertAlmostEqual(float(duration.split()[0]), seq["duration_ns"] / 1e9, places=6)

    def test_missing_file(self):
        p = run_example("/nonexistent/x.xml")
        self.assertEqual(p.returncode, 1)
        self.assertIn("cannot open /nonexistent/x.xml", p.stderr)


if __name__ == "__main__":
    unittest.main()
