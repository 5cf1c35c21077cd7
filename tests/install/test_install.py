#!/usr/bin/env python3
"""Install into a temporary prefix, then build and run a C program with
nothing but `pkg-config --cflags --libs handleaudit`, against the shared
library and (`--static`) the static one; and check the rest of what
`meson install` puts in place (header, man page, tool).

    test_install.py SOURCE_ROOT SAMPLE.xml
"""
import glob, os, shutil, subprocess, sys, tempfile

FAILED = 0


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
    prog = os.path.join(src, "examples", "print_records.c")
    with tempfile.TemporaryDirectory() as d:
        prefix, build = os.path.join(d, "prefix"), os.path.join(d, "build")
        if sh(["meson", "setup", build, src, "--prefix", prefix, "-Dtests=false", "--buildtype=release"]).returncode:
            return 1
        if sh(["meson", "install", "-C", build, "--quiet"]).returncode:
            return 1
        pcs = glob.glob(os.path.join(prefix, "**", "pkgconfig", "handleaudit.pc"), recursive=True)
        check(len(pcs) == 1, "handleaudit.pc installed")
        if not pcs:
            return 1
        libdir = os.path.dirname(os.path.dirname(pcs[0]))
        env = dict(os.environ, PKG_CONFIG_PATH=os.path.dirname(pcs[0]))
        check(os.path.isfile(os.path.join(prefix, "include", "handleaudit", "handleaudit.h")), "the header")
        check(os.path.isfile(os.path.join(prefix, "bin", "handleaudit")), "the tool")
        check(os.path.isfile(os.path.join(prefix, "share", "man", "man1", "handleaudit.1")), "the man page")
        check(glob.glob(os.path.join(libdir, "libhandleaudit.so.0*")) != [], "the shared library, soname .0")
        check(os.path.isfile(os.path.join(libdir, "libhandleaudit.a")), "the static library")
        priv = sh(["pkg-config", "--print-requires-private", "handleaudit"], env=env).stdout.split()
        check("expat" in priv, "expat is a private requirement: %s" % priv)
        check(sh(["pkg-config", "--print-requires", "handleaudit"], env=env).stdout.strip() == "",
              "nothing is a public requirement")

        cflags = sh(["pkg-config", "--cflags", "handleaudit"], env=env).stdout.split()
        libs = sh(["pkg-config", "--libs", "handleaudit"], env=env).stdout.split()
        slibs = sh(["pkg-config", "--static", "--libs", "handleaudit"], env=env).stdout.split()
        cc = os.environ.get("CC", "cc")
        want = sh([os.path.join(prefix, "bin", "handleaudit"), "--records", sample],
                  env=dict(os.environ, LD_LIBRARY_PATH=libdir)).stdout.count("\n")
        for kind in ("shared", "static"):
            exe = os.path.join(d, "prog-" + kind)
            if kind == "shared":
                cmd = [cc, "-o", exe, prog, *cflags, *libs]
            else:  # the archive for handleaudit, what --static adds for the rest
                rest = [x for x in slibs if x != "-lhandleaudit"]
                cmd = [cc, "-o", exe, prog, *cflags, "-Wl,-Bstatic", "-lhandleaudit", "-Wl,-Bdynamic", *rest]
            if sh(cmd).returncode:
                check(False, "compiles and links against the %s library" % kind)
                continue
            needed = sh(["readelf", "-d", exe]).stdout
            check(("libhandleaudit.so" in needed) == (kind == "shared"),
                  "the %s program %s libhandleaudit.so" % (kind, "needs" if kind == "shared" else "does not need"))
            run_env = dict(os.environ, LD_LIBRARY_PATH=libdir) if kind == "shared" else None
            p = sh([exe, sample], env=run_env)
            lines = p.stdout.splitlines()
            check(p.returncode == 0 and len(lines) == want and lines[1].startswith("4656 "),
                  "the %s program runs: %d lines, %d expected" % (kind, len(lines), want))
    print("%d failed" % FAILED)
    return 1 if FAILED else 0


if __name__ == "__main__":
    sys.exit(main())
