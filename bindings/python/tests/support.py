"""Shared settings of the binding's tests: where the tool, the sample and /work/shared are.

Each comes from an environment variable (run_tests.py sets them from its
arguments), else a default relative to the source tree:

    HANDLEAUDIT_TOOL     the handleaudit command-line tool (build/tools/handleaudit)
    HANDLEAUDIT_SAMPLE   examples/data/sample-security.xml
    HANDLEAUDIT_SHARED   the shared corpus and tools (../shared beside the tree)

and HANDLEAUDIT_LIBRARY, when unset, is build/lib/libhandleaudit.so if that exists.
"""
import json
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
BINDING_DIR = os.path.dirname(HERE)
SOURCE_ROOT = os.path.dirname(os.path.dirname(BINDING_DIR))

if BINDING_DIR not in sys.path:  # when run without PYTHONPATH
    sys.path.insert(0, BINDING_DIR)
_built = os.path.join(SOURCE_ROOT, "build", "lib", "libhandleaudit.so")
if not os.environ.get("HANDLEAUDIT_LIBRARY") and os.path.exists(_built):  # a source tree built in build/
    os.environ["HANDLEAUDIT_LIBRARY"] = _built

TOOL = os.environ.get("HANDLEAUDIT_TOOL") or os.path.join(SOURCE_ROOT, "build", "tools", "handleaudit")
SAMPLE = os.environ.get("HANDLEAUDIT_SAMPLE") or os.path.join(SOURCE_ROOT, "examples", "data", "sample-security.xml")
SHARED = os.environ.get("HANDLEAUDIT_SHARED") or os.path.join(os.path.dirname(SOURCE_ROOT), "shared")


def have_tool():
    return os.access(TOOL, os.X_OK)


def have_shared():
    return os.path.isdir(os.path.join(SHARED, "tools")) and os.path.isdir(os.path.join(SHARED, "corpus"))


def tool_json(*args):
    """The tool's JSON Lines for `args`, parsed: (list of dicts, exit status, stderr)."""
    p = subprocess.run([TOOL, *args], capture_output=True)
    return [json.loads(line) for line in p.stdout.splitlines()], p.returncode, p.stderr.decode("utf-8", "replace")


def write_jsonl(path, objs):
    with open(path, "w", encoding="utf-8") as f:
        for o in objs:
            f.write(json.dumps(o, ensure_ascii=False) + "\n")


def check_py(expected, actual):
    """Run shared/tools/check.py; (passed, failed, its output)."""
    p = subprocess.run([sys.executable, os.path.join(SHARED, "tools", "check.py"), expected, actual],
                       capture_output=True, text=True)
    last = (p.stdout.strip().splitlines() or [""])[-1]
    words = last.split()
    try:
        passed, failed = int(words[0]), int(words[2])
    except (IndexError, ValueError):
        passed, failed = 0, -1
    return passed, failed, p.stdout + p.stderr


def rss_bytes():
    """Resident set size now, from /proc/self/statm (None where there is no /proc)."""
    try:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return None
