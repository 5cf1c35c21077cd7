#!/usr/bin/env python3
"""Install into a temporary prefix, then build and run a C program with
nothing but `pkg-config --cflags --libs handleaudit`, against the shared
library and (`--static`) the static one; and check the rest of what
`meson install` puts in place (header, man page, tool, Python module).
Nothing is run with LD_LIBRARY_PATH or HANDLEAUDIT_LIBRARY: the installed
tool and the program built through pkg-config find the library by their
rpath, and the system python3 imports the installed module (PYTHONPATH set
to the site folder it went to) and the module finds the library.

    test_install.py SOURCE_ROOT SAMPLE.xml
"""
import glob, json, os, re, shutil, subprocess, sys, tempfile

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


# what a user's shell has: none of the variables that would find the library for us
CLEAN_ENV = {k: v for k, v in os.environ.items()
             if k not in ("LD_LIBRARY_PATH", "HANDLEAUDIT_LIBRARY", "PYTHONPATH", "DYLD_LIBRARY_PATH")}


def system_python():
    return "/usr/bin/python3" if os.access("/usr/bin/python3", os.X_OK) else sys.executable


def check_python(prefix, libdir, sample, tool_out):
    inits = glob.glob(os.path.join(prefix, "lib*", "**", "handleaudit", "__init__.py"), recursive=True)
    check(len(inits) == 1, "the Python module installed once under the prefix: %s" % inits)
    if not inits:
        return
    site = os.path.dirname(os.path.dirname(inits[0]))
    check(os.path.isfile(os.path.join(site, "handleaudit", "_config.py")), "with _config.py beside it")
    code = ("import handleaudit, json, sys\n"
            "print(handleaudit._lib._name)\n"
            "for o in handleaudit.correlate(sys.argv[1]):\n"
            "    print(json.dumps(o, ensure_ascii=False, separators=(',', ':')))\n")
    env = dict(CLEAN_ENV, PYTHONPATH=site)
    p = sh([system_python(), "-c", code, sample], env=env, cwd=tempfile.gettempdir())
    lines = p.stdout.splitlines()
    check(p.returncode == 0 and lines and lines[0].startswith(libdir + os.sep),
          "the system python3 imports the installed module, which loads the installed library: %r"
          % (lines[:1] or p.stderr[-500:]))
    check([json.loads(l) for l in lines[1:]] == [json.loads(l) for l in tool_out.splitlines()],
          "and correlates the sample as the installed tool does")


EXPERIMENTAL_PROG = r"""#define HA_EXPERIMENTAL_API
#include <handleaudit/experimental.h>
#include <stdio.h>
int main(void)
{
    /* the six default rules: their ids are then taken */
    const char *ids[] = {"process-not-in-standard-folder", "process-in-restricted-folder",
                         "process-name-restricted-substring", "access-after-failure",
                         "sam-hive-write", "lsass-memory-read"};
    ha_rules_options opts = HA_RULES_OPTIONS_INIT;
    ha_rules *rules;
    if (ha_rules_new(&opts, &rules) != HA_OK || ha_rules_add_defaults(rules) != HA_OK)
        return 1;
    int n = 0;
    for (size_t i = 0; i < sizeof ids / sizeof ids[0]; i++)
        n += ha_rules_add(rules, HA_RULE_OBJECT_WATCHED, ids[i], HA_SEVERITY_LOW) == HA_ERR_INVALID;
    printf("%d rules\n", n);
    ha_rules_free(rules);
    return *ha_strerror(HA_OK) ? 0 : 1;
}
"""


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
        check(os.path.isfile(os.path.join(prefix, "include", "handleaudit", "experimental.h")), "the experimental header")
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
        tool = os.path.join(prefix, "bin", "handleaudit")
        p = sh([tool, sample], env=CLEAN_ENV)
        check(p.returncode == 0 and p.stdout.count("\n") == 5,
              "the installed tool runs with no LD_LIBRARY_PATH (rpath $ORIGIN/../%s)"
              % os.path.relpath(libdir, prefix))
        check_python(prefix, libdir, sample, p.stdout)
        want = sh([tool, "--records", sample], env=CLEAN_ENV).stdout.count("\n")
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
            p = sh([exe, sample], env=CLEAN_ENV)  # the .pc's rpath, outside /usr and /usr/local
            lines = p.stdout.splitlines()
            check(p.returncode == 0 and len(lines) == want and lines[1].startswith("4656 "),
                  "the %s program runs: %d lines, %d expected" % (kind, len(lines), want))
        # the experimental API through the same pkg-config flags, under its own symbol version
        exp_src, exp_exe = os.path.join(d, "rules.c"), os.path.join(d, "prog-rules")
        open(exp_src, "w").write(EXPERIMENTAL_PROG)
        if sh([cc, "-o", exp_exe, exp_src, *cflags, *libs]).returncode:
            check(False, "a program of the experimental API compiles and links (HA_EXPERIMENTAL_API)")
        else:
            p = sh([exp_exe], env=CLEAN_ENV)
            check(p.returncode == 0 and p.stdout.strip() == "6 rules",
                  "it runs: %r, exit %d" % (p.stdout, p.returncode))
            versions = sh(["objdump", "-T", exp_exe]).stdout
            check(re.search(r"\(HANDLEAUDIT_EXPERIMENTAL_0\)\s+ha_rules_new\b", versions)
                  and re.search(r"\(HANDLEAUDIT_0\)\s+ha_strerror\b", versions),
                  "it needs ha_rules_new from HANDLEAUDIT_EXPERIMENTAL_0 and ha_strerror from HANDLEAUDIT_0")
    print("%d failed" % FAILED)
    return 1 if FAILED else 0


if __name__ == "__main__":
    sys.exit(main())
