#!/usr/bin/env python3
"""The ABI as users see it, in its two tiers (docs/abi.md):

- the shared library exports exactly the functions of tests/abi/symbols.txt
  (the stable API) and tests/abi/experimental.txt (the experimental one):
  committed lists, so that adding a function means adding it there, and
  removing a stable one is an ABI break;
- the stable list is exactly the HA_API declarations of handleaudit.h, the
  experimental list those of experimental.h, and the stable list holds no
  rules or alerts symbol (ha_rules_, ha_rule_, ha_alert_, ha_severity);
- every stable symbol carries the version node HANDLEAUDIT_0 and every
  experimental one HANDLEAUDIT_EXPERIMENTAL_0; its SONAME is
  libhandleaudit.so.SOVERSION;
- each header compiles alone as C99 with -pedantic -Werror, as C11 and as
  C++11, and its option initialisers work in all three; experimental.h
  refuses to compile unless HA_EXPERIMENTAL_API is defined.

    test_abi.py LIBRARY.so INCLUDEDIR symbols.txt experimental.txt SOVERSION

For a Windows DLL (a cross build; a DLL has no symbol versions), both lists
against the DLL's export table, read with the cross objdump, and the DLL's
name against SOVERSION:

    test_abi.py LIBRARY.dll INCLUDEDIR symbols.txt experimental.txt SOVERSION OBJDUMP CROSS-CC
"""
import os, re, shutil, subprocess, sys, tempfile

FAILED = 0


def check(cond, what):
    global FAILED
    if not cond:
        FAILED += 1
        print("FAILED:", what)


def exported(lib):
    out = subprocess.run(["nm", "-D", "--defined-only", lib], capture_output=True, text=True, check=True).stdout
    syms = {}
    for line in out.splitlines():
        parts = line.split()
        if len(parts) == 3 and parts[1] in "TDBRW":
            name, _, ver = parts[2].partition("@")
            syms[name] = (parts[1], ver.lstrip("@"))
    return syms


def exported_pe(dll, objdump):
    """The names of a DLL's export table, and the DLL's own name in it."""
    out = subprocess.run([objdump, "-p", dll], capture_output=True, text=True, check=True).stdout
    names, name, in_table = set(), None, False
    for line in out.splitlines():
        if line.startswith("Name ") and name is None:
            name = line.split()[-1]
        if line.startswith("[Ordinal/Name Pointer] Table"):
            in_table = True
        elif in_table:
            m = re.match(r"\s*\[\s*\d+\]\s+(\S+)$", line)
            if not m:
                in_table = False
            else:
                names.add(m.group(1))
    return names, name


def declared(header):
    text = open(header, encoding="utf-8").read()
    return set(re.findall(r"^HA_API\s[^;(]*?\b(ha_\w+)\s*\(", text, re.M))


STABLE_NODE = "HANDLEAUDIT_0"
EXPERIMENTAL_NODE = "HANDLEAUDIT_EXPERIMENTAL_0"
EXPERIMENTAL_PREFIXES = ("ha_rules_", "ha_rule_", "ha_alert_", "ha_severity")

C_USE = r"""
#include <handleaudit/handleaudit.h>
int main(void)
{
    ha_reader_options ro = HA_READER_OPTIONS_INIT;
    ha_correlator_options co = HA_CORRELATOR_OPTIONS_INIT;
    return (int)(ro.version + co.version) + (HA_TIME_NONE < 0 ? 0 : 1) + (HA_FIELD_NEW_VALUE == 39 ? 0 : 1);
}
"""

C_USE_EXPERIMENTAL = r"""
#define HA_EXPERIMENTAL_API
#include <handleaudit/experimental.h>
int main(void)
{
    ha_reader_options ro = HA_READER_OPTIONS_INIT;
    ha_rules_options rules = HA_RULES_OPTIONS_INIT;
    return (int)(ro.version + rules.version) + (HA_RULE_ACCESS_AFTER_FAILURE == 8 ? 0 : 1);
}
"""

C_USE_EXPERIMENTAL_UNASKED = r"""
#include <handleaudit/experimental.h>
int main(void) { return 0; }
"""


def compiles(compiler, flags, source, suffix, include, quiet=False):
    with tempfile.TemporaryDirectory() as d:
        src = os.path.join(d, "use" + suffix)
        open(src, "w").write(source)
        p = subprocess.run([compiler, *flags, "-I", include, "-fsyntax-only", src], capture_output=True, text=True)
        if p.returncode and not quiet:
            print(p.stderr[:2000])
        return p.returncode == 0


def read_list(path):
    return set(l.strip() for l in open(path) if l.strip())


def header_checks(compiler, flags, include, what, suffix=".c"):
    """Both headers as `what` (C99, C11, C++11, Windows...)."""
    check(compiles(compiler, flags, C_USE, suffix, include), "handleaudit.h compiles alone as " + what)
    check(compiles(compiler, flags, C_USE_EXPERIMENTAL, suffix, include),
          "experimental.h compiles alone as %s with HA_EXPERIMENTAL_API" % what)
    check(not compiles(compiler, flags, C_USE_EXPERIMENTAL_UNASKED, suffix, include, quiet=True),
          "experimental.h refuses to compile as %s without HA_EXPERIMENTAL_API" % what)


def main():
    lib, include, stable_list, experimental_list, soversion = sys.argv[1:6]
    stable, experimental = read_list(stable_list), read_list(experimental_list)
    want = stable | experimental
    check(not stable & experimental, "no symbol is in both lists: %s" % sorted(stable & experimental))
    check(not [s for s in stable if s.startswith(EXPERIMENTAL_PREFIXES)],
          "the stable list holds no rules or alerts symbol: %s"
          % sorted(s for s in stable if s.startswith(EXPERIMENTAL_PREFIXES)))
    header = os.path.join(include, "handleaudit", "handleaudit.h")
    experimental_header = os.path.join(include, "handleaudit", "experimental.h")
    if lib.endswith(".dll"):
        objdump, cross_cc = sys.argv[6:8]
        got, name = exported_pe(lib, objdump)
        check(name is not None and name.endswith("handleaudit-%s.dll" % soversion),
              "the DLL is named handleaudit-%s.dll (got %s)" % (soversion, name))
        strict = ["-Wall", "-Wextra", "-Werror", "-pedantic"]
        header_checks(cross_cc, ["-std=c99", "-DHA_DLL", *strict], include,
                      "C99 -pedantic for Windows, importing from the DLL (HA_DLL)")
        header_checks(cross_cc, ["-std=c99", *strict], include, "C99 -pedantic for Windows, linked statically")
    else:
        syms = exported(lib)
        got = set(syms)
        check(all(t == "T" for t, _ in syms.values()), "only functions are exported (no data)")
        wrong = sorted("%s@%s" % (n, v) for n, (_, v) in syms.items()
                       if v != (EXPERIMENTAL_NODE if n in experimental else STABLE_NODE))
        check(not wrong, "stable symbols carry %s, experimental ones %s: %s" % (STABLE_NODE, EXPERIMENTAL_NODE, wrong))
        dyn = subprocess.run(["readelf", "-d", lib], capture_output=True, text=True).stdout
        check("[libhandleaudit.so.%s]" % soversion in dyn, "SONAME is libhandleaudit.so.%s" % soversion)
    check(got == want, "exported symbols equal the two lists: extra %s, missing %s"
          % (sorted(got - want), sorted(want - got)))
    for path, listed in ((header, stable), (experimental_header, experimental)):
        decl = declared(path)
        check(decl == listed, "the HA_API declarations of %s equal its list: undeclared %s, unlisted %s"
              % (os.path.basename(path), sorted(listed - decl), sorted(decl - listed)))

    strict = ["-Wall", "-Wextra", "-Werror", "-pedantic"]
    cc = shutil.which("cc") or shutil.which("gcc")
    cxx = shutil.which("c++") or shutil.which("g++")
    header_checks(cc, ["-std=c99", *strict], include, "C99 -pedantic")
    header_checks(cc, ["-std=c11", *strict], include, "C11 -pedantic")
    if cxx:
        header_checks(cxx, ["-std=c++11", *strict], include, "C++11 -pedantic", ".cpp")
    else:
        print("no C++ compiler: the C++ check was not made")
    print("%d symbols (%d stable, %d experimental); %d failed" % (len(got), len(stable), len(experimental), FAILED))
    return 1 if FAILED else 0


if __name__ == "__main__":
    sys.exit(main())
