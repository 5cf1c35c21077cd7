#!/usr/bin/env python3
"""Every line of every output format checked against the format's
published schema (tests/data/schemas: ECS's field list, OCSF's class
files, Timesketch's importer requirements), and against the JSON Lines of
the same run: what each format says agrees with the contract's keys.

    test_formats.py HANDLEAUDIT SCHEMAS_DIR SHARED_DIR INPUT...

Inputs: the INPUT files given, the shared corpus (XML and .evtx; skipped
when absent) and a gen.py stream made here (skipped when gen.py is absent).
Prints `N passed, M failed`; exit status 1 when something failed.
"""
import datetime, json, os, re, subprocess, sys, tempfile

PASSED = FAILED = 0
FAILURES = []


QUIET = False


def check(cond, what):
    global PASSED, FAILED
    if QUIET and not cond:
        FAILED += 1
        return
    if cond:
        PASSED += 1
    else:
        FAILED += 1
        if len(FAILURES) < 40:
            FAILURES.append(what)
            print("FAILED:", what)


def run(tool, *args):
    p = subprocess.run([tool, *args], capture_output=True)
    return p.returncode, p.stdout


def json_lines(out):
    return [json.loads(l) for l in out.decode("utf-8").splitlines()]


DATE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,9})?(Z|[+-]\d\d:\d\d)$")


def parse_date(s):
    """An ISO 8601 date as ECS, OpenSearch and dateutil read it, to microseconds (UTC)."""
    m = DATE.match(s)
    if not m:
        return None
    frac = (m.group(1) or ".")[1:].ljust(6, "0")[:6]
    base = datetime.datetime.strptime(s[:19], "%Y-%m-%dT%H:%M:%S").replace(tzinfo=datetime.timezone.utc)
    return int(base.timestamp()) * 1000000 + int(frac)


def ns_to_us(ns):
    return ns // 1000


def contract_time_us(s):
    return None if s is None else parse_date(s)


# ---- ECS ---------------------------------------------------------------------------


class Ecs:
    def __init__(self, schemas):
        self.fields = json.load(open(os.path.join(schemas, "ecs", "ecs_flat.json")))
        self.winlog = json.load(open(os.path.join(schemas, "ecs", "winlogbeat_fields.json")))
        self.required = [k for k, v in self.fields.items() if v.get("required")]

    def field(self, name):
        return self.fields.get(name) or self.winlog.get(name)

    def flatten(self, doc, prefix="", out=None):
        out = {} if out is None else out
        for k, v in doc.items():
            name = prefix + k
            f = self.field(name)
            if isinstance(v, dict) and not (f and f["type"] in ("object", "flattened")):
                self.flatten(v, name + ".", out)
            else:
                out[name] = v
        return out

    def check_value(self, name, f, v, where):
        values = v if isinstance(v, list) else [v]
        if "array" in f.get("normalize", []):
            check(isinstance(v, list), "%s: %s is an array (ECS normalize: array)" % (where, name))
        t = f["type"]
        for x in values:
            if t in ("keyword", "wildcard", "match_only_text", "constant_keyword", "text"):
                ok = isinstance(x, str)
            elif t == "long":
                ok = isinstance(x, int) and not isinstance(x, bool)
            elif t == "date":
                ok = isinstance(x, str) and parse_date(x) is not None
            elif t == "boolean":
                ok = isinstance(x, bool)
            elif t == "object":
                ok = isinstance(x, dict) and all(isinstance(y, str) for y in x.values())
            else:
                ok = False
            check(ok, "%s: %s = %r is of ECS type %s" % (where, name, x, t))
            if "allowed_values" in f:
                check(x in f["allowed_values"], "%s: %s = %r is one of ECS's allowed values" % (where, name, x))

    def check_doc(self, doc, where):
        flat = self.flatten(doc)
        for name, v in flat.items():
            f = self.field(name)
            check(f is not None, "%s: %s is an ECS (or Winlogbeat) field" % (where, name))
            if f is not None:
                self.check_value(name, f, v, where)
        for name in self.required:
            check(name in flat, "%s: required ECS field %s is there" % (where, name))
        return flat


def ecs_agrees(flat, obj, where):
    """An ECS document says what the JSON Lines object says."""
    t = obj["type"]
    check(flat.get("host.name") == obj["computer"], where + ": host.name is the computer")
    check(flat.get("process.pid") == obj["process_id"], where + ": process.pid is process_id")
    check(flat.get("process.executable") == obj["process_name"], where + ": process.executable is process_name")
    check(flat.get("process.command_line") == obj["process_command_line"],
          where + ": process.command_line is process_command_line")
    check(flat.get("user.id") == obj["subject_user_sid"], where + ": user.id is the subject's SID")
    check(flat.get("user.name") == obj["subject_user_name"], where + ": user.name")
    check(flat.get("user.domain") == obj["subject_domain_name"], where + ": user.domain")
    name, otype = obj["object_name"], obj["object_type"]
    if otype == "File" and name:
        check(flat.get("file.path") == name, where + ": file.path is a File's object_name")
        check("registry.path" not in flat, where + ": no registry.path for a File")
    elif otype == "Key" and name:
        check(flat.get("registry.path") == name, where + ": registry.path is a Key's object_name")
        check("file.path" not in flat, where + ": no file.path for a Key")
    else:
        check("file.path" not in flat and "registry.path" not in flat, where + ": no path for a " + str(otype))
    data = flat.get("winlog.event_data", {})
    check(data.get("HandleId") == hex(obj["handle_id"]), where + ": winlog.event_data.HandleId in hex, as Windows writes it")
    check(data.get("SubjectLogonId") == hex(obj["logon_id"]), where + ": event_data.SubjectLogonId")
    if t == "sequence":
        start = obj["open_time"] or obj["first_time"]
        if start:
            check(parse_date(flat["event.start"]) == contract_time_us(start), where + ": event.start is the open time")
        check(parse_date(flat["@timestamp"]) == contract_time_us(start) if start else True,
              where + ": @timestamp is event.start")
        if obj["end_time"]:
            check(parse_date(flat.get("event.end", "")) == contract_time_us(obj["end_time"]),
                  where + ": event.end is end_time")
        else:
            check("event.end" not in flat, where + ": no event.end without end_time")
        check(flat.get("event.duration") == obj["duration_ns"], where + ": event.duration is duration_ns (ns)")
        check(data.get("EndReason") == obj["end"], where + ": event_data.EndReason is the end")
        check(data.get("Accesses") == str(obj["accesses"]), where + ": event_data.Accesses")
        check(data.get("AccessMask") == hex(obj["access_mask"]), where + ": event_data.AccessMask")
        check(flat.get("event.code") in ("4656", "4661", "4690", None), where + ": event.code is the open's EventID")
    else:
        check(parse_date(flat["@timestamp"]) == contract_time_us(obj["time"]), where + ": @timestamp is the request's time")
        check(flat.get("event.code") == str(obj["event_id"]), where + ": event.code is the request's EventID")
        check(flat.get("event.outcome") == ("failure" if obj["outcome"] == "failure" else "success"),
              where + ": event.outcome")


def ecs_record_agrees(flat, rec, where):
    check(flat.get("event.code") == str(rec["event_id"]), where + ": event.code is the EventID")
    check(flat.get("host.name") == rec["computer"], where + ": host.name is the computer")
    data = flat.get("winlog.event_data", {})
    check(set(data) == set(rec["fields"]), where + ": winlog.event_data has every Data name")
    if rec["record_id"] is not None:
        check(flat.get("winlog.record_id") == str(rec["record_id"]), where + ": winlog.record_id")


# ---- OCSF --------------------------------------------------------------------------


class Ocsf:
    def __init__(self, schemas):
        d = os.path.join(schemas, "ocsf")
        load = lambda name: json.load(open(os.path.join(d, name)))
        self.base, self.system = load("base_event.json"), load("system.json")
        self.classes = {}
        category = load("categories.json")["attributes"][self.system["category"]]
        for name in ("file_activity.json", "process_activity.json"):
            c = load(name)
            uid = category["uid"] * 1000 + c["uid"]
            self.classes[uid] = c
        self.category = category
        self.objects = load("objects.json")
        dictionary = load("dictionary.json")
        self.types, self.prim = dictionary["attributes"], dictionary["types"]

    def attributes(self, cls):
        """name -> requirement, the class's own over its parents' (system, base_event)."""
        attrs = {}
        for layer in (self.base, self.system, cls):
            for k, v in layer["attributes"].items():
                if k.startswith("$"):
                    continue
                req = v.get("requirement") or attrs.get(k) or "optional"
                attrs[k] = req
        return attrs

    def check_typed(self, name, v, where, obj_name=None):
        t = self.types.get(name, {}).get("type")
        if obj_name == "file" and name == "name":
            t = "file_name_t"
        check(t is not None, "%s: %s is in OCSF's dictionary" % (where, name))
        if t is None:
            return
        if t == "object":
            check(isinstance(v, dict), "%s: %s is an object" % (where, name))
        elif t in self.prim:
            want = self.prim[t]
            ok = isinstance(v, str) if want == "string" else isinstance(v, int) and not isinstance(v, bool)
            check(ok, "%s: %s = %r is of OCSF type %s" % (where, name, v, t))
        else:
            check(isinstance(v, dict), "%s: %s is an OCSF %s object" % (where, name, t))
            if isinstance(v, dict):
                self.check_object(t, v, where + "." + name)

    def check_object(self, oname, v, where):
        o = self.objects.get(oname)
        check(o is not None, "%s: the %s object is known" % (where, oname))
        if o is None:
            return
        for k, x in v.items():
            check(k in o["attributes"], "%s: %s is an attribute of OCSF's %s" % (where, k, oname))
            self.check_typed(k, x, where, oname)
        for k, req in o["attributes"].items():
            if req == "required":
                check(k in v, "%s: %s's required %s is there" % (where, oname, k))
        for k, ids in o.get("enums", {}).items():
            if k in v:
                check(str(v[k]) in ids, "%s: %s.%s = %r is one of its enum's" % (where, oname, k, v[k]))
                sib = k[:-3]
                if sib in v and str(v[k]) in ids and v[k] != 99:
                    check(v[sib] == ids[str(v[k])], "%s: %s.%s is its %s's caption" % (where, oname, sib, k))
        for group in o.get("constraints", {}).values():
            check(any(k in v for k in group), "%s: %s has one of %s" % (where, oname, group))

    def check_event(self, ev, where):
        cls = self.classes.get(ev.get("class_uid"))
        check(cls is not None, "%s: class_uid %r is File System Activity or Process Activity" % (where, ev.get("class_uid")))
        if cls is None:
            return
        attrs = self.attributes(cls)
        for k, v in ev.items():
            check(k in attrs, "%s: %s is an attribute of %s" % (where, k, cls["caption"]))
            self.check_typed(k, v, where)
        for k, req in attrs.items():
            if req == "required":
                check(k in ev, "%s: %s's required %s is there" % (where, cls["caption"], k))
        acts = cls["attributes"]["activity_id"]["enum"]
        act = ev.get("activity_id")
        check(str(act) in acts, "%s: activity_id %r is one of %s's" % (where, act, cls["caption"]))
        if str(act) in acts:
            check(ev.get("activity_name") == acts[str(act)]["caption"], where + ": activity_name is the activity's caption")
        check(ev.get("category_uid") == self.category["uid"], where + ": category_uid")
        check(ev.get("category_name") == self.category["caption"], where + ": category_name")
        check(ev.get("class_name") == cls["caption"], where + ": class_name is the class's caption")
        check(ev.get("type_uid") == ev["class_uid"] * 100 + act, where + ": type_uid = class_uid * 100 + activity_id")
        check(ev.get("type_name") == "%s: %s" % (cls["caption"], ev.get("activity_name")), where + ": type_name")
        if "start_time" in ev and "end_time" in ev:
            check(ev["start_time"] <= ev["end_time"], where + ": start_time <= end_time")


def ocsf_agrees(ev, obj, where):
    check(ev.get("unmapped") == obj, where + ": unmapped holds the JSON Lines object")
    process = obj["object_type"] in ("Process", "Thread")
    check(ev["class_uid"] == (1007 if process else 1001), where + ": Process Activity for a process's handle")
    check(ev["device"].get("hostname") == (obj["computer"] or None), where + ": device.hostname is the computer")
    check(ev["actor"]["process"]["pid"] == obj["process_id"], where + ": actor.process.pid")
    if obj["process_command_line"]:
        check(ev["actor"]["process"].get("cmd_line") == obj["process_command_line"], where + ": actor.process.cmd_line")
    if obj["subject_user_sid"]:
        check(ev["actor"]["user"]["uid"] == obj["subject_user_sid"], where + ": actor.user.uid is the SID")
    if not process:
        check(ev["file"].get("path") == (obj["object_name"] or None), where + ": file.path is the object_name")
    t = obj["open_time"] or obj["first_time"] if obj["type"] == "sequence" else obj["time"]
    if t:
        check(ev["time"] == contract_time_us(t) // 1000, where + ": time is the open (ms)")
    if obj["type"] == "sequence":
        if obj["duration_ns"] is not None:
            check(ev.get("duration") == obj["duration_ns"] // 1000000, where + ": duration in ms")
        if obj["end_time"]:
            check(ev.get("end_time") == contract_time_us(obj["end_time"]) // 1000, where + ": end_time (ms)")
        check(ev["status_id"] == 1, where + ": a sequence is a success")
    else:
        check(ev["status_id"] == (2 if obj["outcome"] == "failure" else 1), where + ": status_id from the outcome")


# ---- Timesketch ----------------------------------------------------------------------


class Timesketch:
    def __init__(self, schemas):
        self.req = json.load(open(os.path.join(schemas, "timesketch", "requirements.json")))

    def check_line(self, line, where):
        for k in self.req["mandatory_fields"]:
            check(k in line, "%s: Timesketch's mandatory %s is there" % (where, k))
        for k in self.req["string_fields"]:
            check(isinstance(line.get(k), str) and line.get(k) != "", "%s: %s is a non-empty string" % (where, k))
        for k in self.req["integer_fields"]:
            if k in line:
                check(isinstance(line[k], int), "%s: %s is an integer" % (where, k))
        us = parse_date(line.get("datetime", ""))
        check(us is not None, "%s: datetime %r is ISO 8601" % (where, line.get("datetime")))
        check(line.get("timestamp") == us, "%s: timestamp is datetime in microseconds" % where)
        for k in line:
            check(not any(k.startswith(p) for p in self.req["reserved_prefixes"]), "%s: %s is not Timesketch's own" % (where, k))
            check(k not in self.req["list_fields"] or isinstance(line[k], list), "%s: %s is a list" % (where, k))


def timesketch_agrees(line, obj, where):
    rest = {k: v for k, v in line.items() if k not in ("message", "datetime", "timestamp", "timestamp_desc", "data_type")}
    check(rest == obj, where + ": the other keys are the JSON Lines object's")
    t = (obj.get("open_time") or obj.get("first_time")) if obj["type"] == "sequence" else obj["time"]
    if t:
        check(line["datetime"] == t, where + ": datetime is the open (or first event's) time")


# ---- the runs ----------------------------------------------------------------------


def inputs(shared, given):
    files = list(given)
    corpus = os.path.join(shared, "corpus")
    if os.path.isdir(corpus):
        for name in sorted(os.listdir(corpus)):
            if name.endswith((".evtx", ".xml", ".txt")):
                files.append(os.path.join(corpus, name))
    else:
        print("skipped: no corpus in", shared)
    return files


def self_test(ecs, ocsf, ts):
    """The validators reject what the schemas forbid (so a pass means something)."""
    global PASSED, FAILED
    bad = [
        lambda: ecs.check_doc({"@timestamp": "2024-01-01T00:00:00Z", "ecs": {"version": "9.4.0"},
                               "process": {"pid": "12"}}, "self-test"),          # a long as a string
        lambda: ecs.check_doc({"@timestamp": "yesterday", "ecs": {"version": "9.4.0"}}, "self-test"),
        lambda: ecs.check_doc({"@timestamp": "2024-01-01T00:00:00Z", "ecs": {"version": "9.4.0"},
                               "handle": {"id": 1}}, "self-test"),               # not an ECS field
        lambda: ecs.check_doc({"ecs": {"version": "9.4.0"}}, "self-test"),      # @timestamp required
        lambda: ecs.check_doc({"@timestamp": "2024-01-01T00:00:00Z", "ecs": {"version": "9.4.0"},
                               "event": {"category": ["handles"]}}, "self-test"),  # not an allowed value
        lambda: ocsf.check_event({"class_uid": 1001, "activity_id": 14}, "self-test"),  # required missing
        lambda: ocsf.check_event({"class_uid": 1002}, "self-test"),
        lambda: ts.check_line({"message": "m", "datetime": "2024-01-01T00:00:00Z"}, "self-test"),
    ]
    global QUIET
    saved = PASSED, FAILED, list(FAILURES)
    rejected = 0
    QUIET = True
    for make in bad:
        before = FAILED
        make()
        rejected += FAILED > before
    QUIET = False
    PASSED, FAILED = saved[0], saved[1]
    FAILURES[:] = saved[2]
    print("self-test: the validators rejected %d of %d bad documents" % (rejected, len(bad)))
    check(rejected == len(bad), "the validators reject every bad document of the self-test")


def main():
    tool, schemas, shared = sys.argv[1:4]
    files = inputs(shared, sys.argv[4:])
    gen = os.path.join(shared, "tools", "gen.py")
    tmp = tempfile.TemporaryDirectory()
    if os.path.exists(gen):
        stream = os.path.join(tmp.name, "gen.xml")
        subprocess.run([sys.executable, gen, "--events", "20000", "--seed", "11", "--hosts", "3",
                        "--out", stream, "--truth", os.path.join(tmp.name, "truth.jsonl")], check=True)
        files.append(stream)
    else:
        print("skipped: no gen.py in", shared)
    ecs, ocsf, ts = Ecs(schemas), Ocsf(schemas), Timesketch(schemas)
    self_test(ecs, ocsf, ts)
    lines = {"ecs": 0, "ocsf": 0, "timesketch": 0}
    for path in files:
        name = os.path.basename(path)
        rc, out = run(tool, path)
        base = json_lines(out)
        for fmt in ("ecs", "ocsf", "timesketch"):
            rc2, out2 = run(tool, "--format=" + fmt, path)
            check(rc2 == rc, "%s %s: exit status %d as for JSON Lines (%d)" % (fmt, name, rc2, rc))
            got = json_lines(out2)
            check(len(got) == len(base), "%s %s: one line per JSON Lines object (%d, %d)" % (fmt, name, len(got), len(base)))
            for i, (doc, obj) in enumerate(zip(got, base)):
                where = "%s %s:%d" % (fmt, name, i + 1)
                lines[fmt] += 1
                if fmt == "ecs":
                    ecs_agrees(ecs.check_doc(doc, where), obj, where)
                elif fmt == "ocsf":
                    ocsf.check_event(doc, where)
                    ocsf_agrees(doc, obj, where)
                else:
                    ts.check_line(doc, where)
                    timesketch_agrees(doc, obj, where)
        rc, out = run(tool, "--records", path)
        recs = json_lines(out)
        for fmt in ("ecs", "timesketch"):
            rc2, out2 = run(tool, "--records", "--format=" + fmt, path)
            got = json_lines(out2)
            check(len(got) == len(recs), "%s --records %s: one line per record" % (fmt, name))
            for i, (doc, rec) in enumerate(zip(got, recs)):
                where = "%s --records %s:%d" % (fmt, name, i + 1)
                lines[fmt] += 1
                if fmt == "ecs":
                    ecs_record_agrees(ecs.check_doc(doc, where), rec, where)
                else:
                    ts.check_line(doc, where)
                    timesketch_agrees(doc, rec, where)
        rc2, _ = run(tool, "--records", "--format=ocsf", path)
        check(rc2 == 2, "ocsf has no record form: --records --format=ocsf is a usage error")
    least = 1000 if os.path.exists(gen) else 10  # a gen.py stream alone has thousands
    for fmt, n in lines.items():
        check(n >= least, "%s: a real number of lines checked (%d)" % (fmt, n))
    print("lines checked:", ", ".join("%s %d" % kv for kv in lines.items()))
    print("%d passed, %d failed" % (PASSED, FAILED))
    return 1 if FAILED else 0


if __name__ == "__main__":
    sys.exit(main())
