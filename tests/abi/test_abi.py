#!/usr/bin/env python3
"""The ABI as users see it:

- the shared library exports exactly the functions in tests/abi/symbols.txt
  (a committed list: adding a function means adding it there, removing one
  is an ABI break), which are exactly the HA_API declarations of the header;
- its SONAME is libhandleaudit.so.SOVERSION and every symbol carries the
  version node of the version script;
- the public header compiles alone as C99 with -pedantic -Werror and as
  C++11, and its option initialisers work in both.

    test_abi.py LIBRARY.so HEADER symbols.txt SOVERSION

For a Windows DLL (a cross build), the same list against the DLL's export
table, read with the cross objdump, and the DLL's name against SOVERSION:

    test_abi.py LIBRARY.dll HEADER symbols.txt SOVERSION OBJDUMP CROSS-CC
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


C_USE = r"""
#include <handleaudit/handleaudit.h>
int main(void)
{
    ha_reader_options ro = HA_READER_OPTIONS_INIT;
    ha_correlator_options co = HA_CORRELATOR_OPTIONS_INIT;
    return (int)(ro.version + co.version) + (HA_TIME_NONE < 0 ? 0 : 1);
}
"""


def compiles(compiler, flags, source, suffix, include):
    with tempfile.TemporaryDirectory() as d:
        src = os.path.join(d, "use" + suffix)
        open(src, "w").write(source)
        p = subprocess.run([compiler, *flags, "-I", include, "-fsyntax-only", src], capture_output=True, text=True)
        if p.returncode:
            print(p.stderr[:2000])
        return p.returncode == 0


def main():
    lib, header, listing, soversion = sys.argv[1:5]
    want = set(l.strip() for l in open(listing) if l.strip())
    include = os.path.dirname(os.path.dirname(header))
    if lib.endswith(".dll"):
        objdump, cross_cc = sys.argv[5:7]
        got, name = exported_pe(lib, objdump)
        check(name is not None and name.endswith("handleaudit-%s.dll" % soversion),
              "the DLL is named handleaudit-%s.dll (got %s)" % (soversion, name))
        strict = ["-Wall", "-Wextra", "-Werror", "-pedantic"]
        check(compiles(cross_cc, ["-std=c99", "-DHA_DLL", *strict], C_USE, ".c", include),
              "the header compiles for Windows as C99 -pedantic, importing from the DLL (HA_DLL)")
        check(compiles(cross_cc, ["-std=c99", *strict], C_USE, ".c", include),
              "and for a static link")
    else:
        syms = exported(lib)
        got = set(syms)
        check(all(t == "T" for t, _ in syms.values()), "only functions are exported (no data)")
        check(all(v == "HANDLEAUDIT_0" for _, v in syms.values()), "every symbol has the version node HANDLEAUDIT_0")
        dyn = subprocess.run(["readelf", "-d", lib], capture_output=True, text=True).stdout
        check("[libhandleaudit.so.%s]" % soversion in dyn, "SONAME is libhandleaudit.so.%s" % soversion)
    check(got == want, "exported symbols equal %s: extra %s, missing %s"
          % (listing, sorted(got - want), sorted(want - got)))
    decl = declared(header)
    check(decl == want, "the header's HA_API declarations equal the list: undeclared %s, unlisted %s"
          % (sorted(want - decl), sorted(decl - want)))

    strict = ["-Wall", "-Wextra", "-Werror", "-pedantic"]
    cc = shutil.which("cc") or shutil.which("gcc")
    cxx = shutil.which("c++") or shutil.which("g++")
    check(compiles(cc, ["-std=c99", *strict], C_USE, ".c", include), "the header compiles alone as C99 -pedantic")
    check(compiles(cc, ["-std=c11", *strict], C_USE, ".c", include), "and as C11")
    if cxx:
        check(compiles(cxx, ["-std=c++11", *strict], C_USE, ".cpp", include), "and as C++11")
    else:
        print("no C++ compiler: the C++ check was not made")
    print("%d symbols; %d failed" % (len(got), FAILED))
    return 1 if FAILED else 0


if __name__ == "__main__":
    sys.exit(main())
