#!/usr/bin/env python3
"""`pip install bindings/python` into a virtual environment, offline, as the
README says, with the library installed into the same prefix: the venv's
python then imports the module and correlates the sample as the tool does,
with no environment variable.

    test_pip.py SOURCE_ROOT SAMPLE.xml

Needs /usr/bin/python3 (or this python) with venv, pip, setuptools and
wheel (Debian: python3-venv python3-pip python3-setuptools python3-wheel);
exit 77 (skipped) without them. pip never reaches the network
(--no-index; --no-build-isolation uses the system's setuptools).
"""
import json, os, shutil, subprocess, sys, tempfile

FAILED = 0
CLEAN_ENV = {k: v for k, v in os.environ.items()
             if k not in ("LD_LIBRARY_PATH", "HANDLEAUDIT_LIBRARY", "PYTHONPATH", "PIP_INDEX_URL")}


def check(cond, what):
    global FAILED
    if not cond:
        FAILED += 1
        print("FAILED:", what)


def sh(cmd, **kw):
    p = subprocess.run(cmd, capture_output=True, text=True, **kw)
    if p.returncode:
        print("$", " ".join(cmd), "\n", p.stdout[-3000:], p.stderr[-3000:])
    return p


def main():
    src, sample = sys.argv[1], sys.argv[2]
    py = "/usr/bin/python3" if os.access("/usr/bin/python3", os.X_OK) else sys.executable
    probe = subprocess.run([py, "-c", "import venv, ensurepip, setuptools, wheel, pip"], capture_output=True)
    if probe.returncode:
        print("skipped: %s lacks venv, pip, setuptools or wheel (python3-venv python3-pip "
              "python3-setuptools python3-wheel)" % py)
        return 77
    with tempfile.TemporaryDirectory() as d:
        venv, build, pkg = os.path.join(d, "venv"), os.path.join(d, "build"), os.path.join(d, "python")
        if sh([py, "-m", "venv", "--system-site-packages", venv]).returncode:
            return 1
        # the library into the venv's prefix (the module itself from pip, not meson)
        if sh(["meson", "setup", build, src, "--prefix", venv, "-Dtests=false", "-Dpython=disabled",
               "--buildtype=release"]).returncode or sh(["meson", "install", "-C", build, "--quiet"]).returncode:
            return 1
        # a copy: pip builds in the source folder (build/, *.egg-info)
        shutil.copytree(os.path.join(src, "bindings", "python"), pkg,
                        ignore=shutil.ignore_patterns("build", "*.egg-info", "__pycache__", "tests"))
        vpy = os.path.join(venv, "bin", "python3")
        p = sh([vpy, "-m", "pip", "install", "--no-build-isolation", "--no-index", "--disable-pip-version-check",
                pkg], env=CLEAN_ENV)
        check(p.returncode == 0, "pip install --no-build-isolation --no-index bindings/python")
        code = ("import handleaudit, json, sys\n"
                "print(handleaudit.__file__)\n"
                "print(handleaudit._lib._name)\n"
                "for o in handleaudit.correlate(sys.argv[1]):\n"
                "    print(json.dumps(o, ensure_ascii=False))\n")
        p = sh([vpy, "-c", code, sample], env=CLEAN_ENV, cwd=d)
        lines = p.stdout.splitlines()
        check(p.returncode == 0 and len(lines) > 2 and lines[0].startswith(venv + os.sep)
              and lines[1].startswith(venv + os.sep),
              "the venv's python imports the pip-installed module and the library in its prefix: %r"
              % (lines[:2] or p.stderr[-500:]))
        tool = sh([os.path.join(venv, "bin", "handleaudit"), sample], env=CLEAN_ENV).stdout.splitlines()
        check([json.loads(l) for l in lines[2:]] == [json.loads(l) for l in tool] and len(tool) == 5,
              "and correlates the sample as the tool does (%d lines, %d from the tool)" % (len(lines) - 2, len(tool)))
    print("%d failed" % FAILED)
    return 1 if FAILED else 0


if __name__ == "__main__":
    sys.exit(main())
