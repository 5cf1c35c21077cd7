#!/usr/bin/env python3
"""A parent meson project takes libhandleaudit as a subproject and finds it
with a plain dependency('handleaudit'), through meson.override_dependency,
then builds and runs a program with it.

    test_subproject.py SOURCE_ROOT SAMPLE.xml
"""
import os, subprocess, sys, tempfile

PARENT = """project('parent', 'c', default_options: ['c_std=c11'])
subproject('handleaudit', default_options: ['tests=false', 'werror=false'])
dep = dependency('handleaudit')
executable('prog', 'prog.c', dependencies: dep)
"""

PROG = r"""#include <handleaudit/handleaudit.h>
#include <stdio.h>
static int on_end(const ha_sequence *s, const ha_record *r, void *u)
{
    (void)r; (void)u;
    printf("%s %s\n", ha_end_name(ha_sequence_end(s)), ha_sequence_object_name(s));
    return 0;
}
int main(int argc, char **argv)
{
    ha_correlator_options co = HA_CORRELATOR_OPTIONS_INIT;
    co.on_end = on_end;
    ha_correlator *c;
    ha_reader_options ro = HA_READER_OPTIONS_INIT;
    ha_reader *r;
    if (argc < 2 || ha_correlator_new(&co, &c) || (ro.on_record = ha_correlator_on_record, ro.userdata = c,
                                                   ha_reader_new(&ro, &r)))
        return 1;
    int rc = ha_reader_read_file(r, argv[1]) || ha_correlator_flush(c);
    ha_reader_free(r);
    ha_correlator_free(c);
    return rc;
}
"""


def main():
    src, sample = sys.argv[1], sys.argv[2]
    with tempfile.TemporaryDirectory() as d:
        os.makedirs(os.path.join(d, "subprojects"))
        os.symlink(os.path.abspath(src), os.path.join(d, "subprojects", "handleaudit"))
        open(os.path.join(d, "meson.build"), "w").write(PARENT)
        open(os.path.join(d, "prog.c"), "w").write(PROG)
        build = os.path.join(d, "build")
        for cmd in (["meson", "setup", build, d], ["ninja", "-C", build]):
            p = subprocess.run(cmd, capture_output=True, text=True)
            if p.returncode:
                print(p.stdout[-4000:], p.stderr[-2000:])
                return 1
        p = subprocess.run([os.path.join(build, "prog"), sample], capture_output=True, text=True)
        lines = p.stdout.splitlines()
        ok = p.returncode == 0 and lines[:1] == ["close C:\\Users\\alice\\Documents\\plan.txt"] and len(lines) == 4
        print(p.stdout, p.stderr)
        print("0 failed" if ok else "1 failed")
        return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
