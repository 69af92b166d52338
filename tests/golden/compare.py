#!/usr/bin/env python3
"""Golden test: `pktlens read FILE --json` must agree with tshark.

usage: compare.py [PKTLENS_BINARY [PCAP_DIR [EXCEPTIONS_FILE [pcap ...]]]]
       compare.py --dump-tshark FILE [FILE ...]
       compare.py --dump-pktlens PKTLENS_BINARY FILE [FILE ...]

Defaults: build/pktlens, $PCAP_DIR or <repo>/../shared/pcaps,
tests/golden/EXCEPTIONS.  An empty argument also means "the default".

For every capture, tshark's per-packet values of the SPEC.md record fields
(outer stack only, normalised) are compared with pktlens's JSON records;
for a tunnel pktlens decodes (VXLAN, Geneve, GRE, IP in IP), the inner
packet's fields (tshark's next occurrences of each field) are compared with
the record's pktlens.inner object (shown as pktlens.inner/FIELD).
A field tshark reports that pktlens lacks or gets different is a mismatch;
a SPEC field pktlens reports that tshark does not is a mismatch too.
Lines in EXCEPTIONS silence explained differences:
    <pcap file> <frame number or *> <field or *> <reason ...>
(pcap and field may be shell-style patterns; '#' starts a comment).

Prints "PASS name (N packets, M fields compared)" or "FAIL name" plus the
first mismatches per capture, then "golden: N passed, N failed"; exit 1 on
any failure, 2 on bad usage.  Standard library only.
"""
import decimal
import fnmatch
import json
import os
import shutil
import struct
import subprocess
import sys
import unicodedata

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
# mismatches printed per failing capture
MAX_SHOWN = int(os.environ.get("GOLDEN_SHOW", "10"))
TIMEOUT = 120           # seconds per tshark / pktlens run

# --- the fields -----------------------------------------------------------

# SPEC.md "Per-packet record" keys compared with tshark, by kind of value.
# STR: addresses, compared as they are; TEXT: strings copied from the
# packet (HTTP, TLS), which tshark prints its own way (see text_render).
INT = "int"; BOOL = "bool"; STR = "str"; TEXT = "text"; NAME = "dnsname"
TIME = "time"; INT_LIST = "int list"; TEXT_LIST = "text list"
PRESENT = "present"
SPEC_FIELDS = {
    "frame.time_epoch": TIME, "frame.len": INT,
    "eth.src": STR, "eth.dst": STR, "eth.type": INT, "vlan.id": INT_LIST,
    "sll.etype": INT,
    "arp.opcode": INT, "arp.src.proto_ipv4": STR, "arp.dst.proto_ipv4": STR,
    "ip.version": INT, "ip.src": STR, "ip.dst": STR, "ip.ttl": INT,
    "ip.proto": INT, "ip.dsfield.dscp": INT, "ip.dsfield.ecn": INT,
    "ip.id": INT, "ip.flags.df": BOOL, "ip.flags.mf": BOOL,
    "ip.frag_offset": INT, "ip.hdr_len": INT, "ip.len": INT,
    "ipv6.src": STR, "ipv6.dst": STR, "ipv6.hlim": INT, "ipv6.nxt": INT,
    "ipv6.flow": INT,
    "tcp.srcport": INT, "tcp.dstport": INT, "tcp.seq_raw": INT,
    "tcp.ack_raw": INT, "tcp.flags": INT, "tcp.window_size_value": INT,
    "tcp.hdr_len": INT, "tcp.options.mss_val": INT,
    "tcp.options.wscale.shift": INT, "tcp.options.sack_perm": PRESENT,
    "tcp.options.timestamp.tsval": INT, "tcp.options.timestamp.tsecr": INT,
    "udp.srcport": INT, "udp.dstport": INT, "udp.length": INT,
    "icmp.type": INT, "icmp.code": INT,
    "icmpv6.type": INT, "icmpv6.code": INT,
    "sctp.srcport": INT, "sctp.dstport": INT,
    "dns.id": INT, "dns.flags.response": BOOL, "dns.flags.rcode": INT,
    "dns.qry.name": NAME, "dns.qry.type": INT,
    "http.request.method": TEXT, "http.request.uri": TEXT, "http.host": TEXT,
    "tls.handshake.version": INT,
    "tls.handshake.extensions_server_name": TEXT,
    "tls.handshake.extensions_alpn_str": TEXT_LIST,
    "tls.handshake.extensions.supported_version": INT_LIST,
    "mpls.label": INT_LIST,
    "vxlan.vni": INT, "geneve.vni": INT, "gre.key": INT,
}
# Extra tshark fields needed to rebuild SPEC values (VLAN tag order and the
# EtherType after the tags; tshark's eth.type is the outermost one).
HELPER_FIELDS = ["vlan.etype", "ieee8021ad.id", "ieee8021ah.etype"]
TSHARK_FIELDS = ["frame.number", "frame.protocols"] + list(SPEC_FIELDS) \
    + HELPER_FIELDS

# Which frame.protocols entries a field's prefix belongs to (mDNS and LLMNR
# are dissected with the dns.* fields; the 802.1ad tag's EtherType field is
# called ieee8021ah.etype).
OWNER = {"dns": ("dns", "mdns", "llmnr"), "ieee8021ah": ("ieee8021ad",)}

# tshark settings, each making it dissect every packet on its own, as
# pktlens does (it never reassembles and keeps no per-flow state):
TSHARK_PREFS = [
    # required by the corpus (SOURCES.md): no TCP reassembly, so L7 fields
    # come from the segment that carries them, not from a later one.
    "tcp.desegment_tcp_streams:FALSE",
    # no IPv4/IPv6 reassembly: with it, tshark decodes L4/L7 only in the
    # last fragment (on the reassembled datagram); without it the first
    # fragment's own L4 header is decoded, like pktlens.
    "ip.defragment:FALSE",
    "ipv6.defragment:FALSE",
    # no sequence analysis: with it, tshark flags retransmissions and (with
    # tcp.no_subdissector_on_error, on by default) then skips HTTP/TLS/DNS
    # on those segments; pktlens decodes every segment alike.
    "tcp.analyze_sequence_numbers:FALSE",
    "tcp.no_subdissector_on_error:FALSE",
    # L7 reassembly across segments/records (moot without TCP reassembly,
    # but set so no L7 dissector waits for more data).
    "dns.desegment_dns_messages:FALSE",
    "http.desegment_headers:FALSE",
    "http.desegment_body:FALSE",
    "tls.desegment_ssl_records:FALSE",
    "tls.desegment_ssl_application_data:FALSE",
    # SCTP chunk reassembly: only upper layers change, set for symmetry.
    "sctp.reassembly:FALSE",
    # Left at its default on purpose: ip.tso_support (TRUE) lets tshark
    # decode past an ip.len of 0 (TSO/BIG TCP captures; pktlens sees those
    # live too) -- see icmp-length-zero.pcapng in EXCEPTIONS.
]
# Separates multiple occurrences of a field.  tshark takes one byte here,
# and prints raw control bytes inside HTTP/TLS strings, but its output is
# valid UTF-8 (bad bytes become U+FFFD), where 0xff never occurs.  (\t, \n
# and \r inside values are printed as escapes, so lines and columns hold.)
AGG = b"\xff"
AGG_STR = AGG.decode("utf-8", "surrogateescape")

# --- the outer stack ------------------------------------------------------

# frame.protocols entries that start an encapsulated packet: the outer
# stack ends before them.
TUNNELS = {"gre", "vxlan", "geneve", "erspan", "l2tp", "gtp", "teredo",
           "nsh", "lisp-data", "etherip", "pw_eth", "pwethheuristic",
           "mplspwcontrolword", "ppp", "pppoes", "wccp"}
NET = {"ip", "ipv6"}
LINK = {"eth", "sll", "vlan", "ieee8021ad"}
ICMP = {"icmp", "icmpv6"}


def outer_stack(protocols):
    """frame.protocols of the outermost headers only: stops after the first
    tunnel's own header, at a second IP header, at a link header after IP,
    and right after ICMP/ICMPv6 (whose errors quote another packet). MPLS
    is no tunnel here: pktlens reports the IP after the stack at the top
    level, as tshark shows it."""
    out, seen_net = [], False
    for p in protocols:
        if (p in NET and seen_net) or \
                (p in LINK and seen_net) or (p in ("eth", "sll") and
                                             ("eth" in out or "sll" in out)):
            break
        seen_net |= p in NET
        out.append(p)
        if p in ICMP or p in TUNNELS:
            break
    return out


# tunnels whose inner packet pktlens decodes ("ip" and "ipv6": IP in IP)
DECODED = {"vxlan", "geneve", "gre", "ip", "ipv6"}


def inner_stack(protocols, outer):
    """The first inner packet's stack after a tunnel pktlens decodes, or
    None. Its own tunnels are left out: pktlens decodes one level."""
    rest = protocols[len(outer):]
    hdrs = [p for p in outer if not p.startswith("ipv6.")]  # not ext. headers
    last = hdrs[-1] if hdrs else None
    if not rest or rest[0] not in ("eth", "ip", "ipv6") or last not in DECODED:
        return None
    if last in NET and rest[0] not in NET:
        return None
    return [p for p in outer_stack(rest) if p not in TUNNELS]


# --- tshark side ----------------------------------------------------------

def to_int(s):
    return int(s, 16) if s.lower().startswith("0x") else int(s, 10)


def to_bool(s):
    if s in ("1", "True", "true"):
        return True
    if s in ("0", "False", "false"):
        return False
    raise ValueError("not a boolean: %r" % s)


def run_tshark(path):
    cmd = ["tshark", "-r", path, "-n", "-T", "fields", "-E", "header=n",
           "-E", "separator=/t", "-E", "occurrence=a",
           "-E", b"aggregator=" + AGG]
    for pref in TSHARK_PREFS:
        cmd += ["-o", pref]
    for f in TSHARK_FIELDS:
        cmd += ["-e", f]
    r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       timeout=TIMEOUT)
    # tshark exits 2 on a truncated last record but still prints the rest
    out = r.stdout.decode("utf-8", "surrogateescape")
    if r.returncode not in (0, 2) or (r.returncode and not out):
        err = [l for l in r.stderr.decode(errors="replace").splitlines()
               if l.strip() and "Running as user" not in l]
        raise RuntimeError("tshark failed (%d): %s" % (
            r.returncode, " ".join(err)[:300]))
    rows = []
    for line in out.split("\n"):
        if not line:
            continue
        cols = line.split("\t")
        if len(cols) != len(TSHARK_FIELDS):
            raise RuntimeError("tshark: %d columns, expected %d: %r" % (
                len(cols), len(TSHARK_FIELDS), line[:200]))
        rows.append({f: (c.split(AGG_STR) if c != "" else [])
                     for f, c in zip(TSHARK_FIELDS, cols)})
    return rows


def tshark_records(path):
    """{frame number: {field: normalised value}} from tshark."""
    recs = {}
    for row in run_tshark(path):
        frame = int(row["frame.number"][0])
        protos = row["frame.protocols"][0].split(":")
        outer = outer_stack(protos)
        recs[frame] = normalise(row, outer)
        inner = inner_stack(protos, outer)
        if inner:
            recs[frame]["pktlens.inner"] = normalise(row, inner, outer)
    return recs


def normalise(row, outer, before=()):
    """The record of the headers in stack `outer`; `before`: the stack in
    front of it (whose occurrences of each field come first)."""
    # how many instances of each protocol the outer stack has
    count, skip = {}, {}
    for p in outer:
        count[p] = count.get(p, 0) + 1
    for p in before:
        skip[p] = skip.get(p, 0) + 1

    def outer_values(field):
        """Occurrences of field that belong to outer-stack protocols: the
        first n, n being the number of its protocol's outer instances.
        (tshark's IPv6 dissector also adds ip.version = 6; with no "ip" in
        the stack it is dropped here: SPEC has ip.version for IPv4 only.)"""
        prefix = field.split(".")[0]
        owners = OWNER.get(prefix, (prefix,))
        n = sum(count.get(p, 0) for p in owners)
        k = sum(skip.get(p, 0) for p in owners)
        if field == "ip.version":       # (IPv6 adds one too)
            k += skip.get("ipv6", 0)
        if prefix == "frame":
            n, k = (0, 0) if before else (1, 0)
        vals = row[field]
        if n and field in LIST_PER_INSTANCE:
            return vals if not k else []
        return vals[k:k + n]

    rec = {}
    # VLAN tags, outer first: walk the stack taking the next 802.1ad or
    # 802.1Q tag each time; the EtherType after the tags is the last tag's.
    tags = []
    etype = None
    it = {"vlan": iter(row["vlan.id"][skip.get("vlan", 0):]),
          "ieee8021ad": iter(row["ieee8021ad.id"][skip.get("ieee8021ad", 0):])}
    et = {"vlan": iter(row["vlan.etype"][skip.get("vlan", 0):]),
          "ieee8021ad": iter(row["ieee8021ah.etype"][skip.get("ieee8021ad", 0):])}
    for p in outer:
        if p in it:
            tags.append(to_int(next(it[p], "-1")))
            etype = next(et[p], None)   # None: an 802.3 length follows
    if tags:
        rec["vlan.id"] = tags

    for field, kind in SPEC_FIELDS.items():
        if field == "vlan.id":
            continue
        vals = outer_values(field)
        if not vals:
            continue
        if field in ("eth.type", "sll.etype") and tags:
            if etype is None:
                continue
            vals = [etype]
        v0 = vals[0]
        if kind == INT:
            rec[field] = to_int(v0)
        elif kind == BOOL:
            rec[field] = to_bool(v0)
        elif kind == PRESENT:
            rec[field] = True
        elif kind == TIME:
            rec[field] = decimal.Decimal(v0)
        elif kind in (STR, TEXT, NAME):
            rec[field] = v0
        elif kind == INT_LIST:
            rec[field] = [to_int(v) for v in vals]
        elif kind == TEXT_LIST:
            rec[field] = list(vals)
    return rec


# Fields whose every occurrence in the (single) outer instance is wanted:
# lists inside one protocol header.
LIST_PER_INSTANCE = {"tls.handshake.extensions_alpn_str",
                     "tls.handshake.extensions.supported_version",
                     "mpls.label"}


def time_resolution_ns(path):
    """True when the capture stores nanosecond timestamps (pcap magic
    a1b23c4d, or pcapng whose interfaces all have if_tsresol 10^-9)."""
    with open(path, "rb") as f:
        data = f.read(1 << 20)
    magic = data[:4]
    if magic in (b"\xa1\xb2\x3c\x4d", b"\x4d\x3c\xb2\xa1"):
        return True
    if magic != b"\x0a\x0d\x0d\x0a":
        return False
    bo = "<" if data[8:12] == b"\x4d\x3c\x2b\x1a" else ">"
    off, resolutions = 0, []
    while off + 12 <= len(data):
        btype, blen = struct.unpack(bo + "II", data[off:off + 8])
        if blen < 12:
            break
        if btype == 1:                      # Interface Description Block
            res, o = 6, off + 16
            while o + 4 <= off + blen - 4:
                code, olen = struct.unpack(bo + "HH", data[o:o + 4])
                if code == 0:
                    break
                if code == 9 and olen >= 1:
                    v = data[o + 4]
                    res = v if v < 0x80 else -1  # 2^-n: treat as coarse
                o += 4 + (olen + 3) // 4 * 4
            resolutions.append(res)
        off += blen
    return bool(resolutions) and all(r >= 9 for r in resolutions)


# --- pktlens side ---------------------------------------------------------

def pktlens_records(binary, path):
    """({frame number: {field: value}}, [problems]) from pktlens."""
    r = subprocess.run([binary, "read", path, "--json"],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       timeout=TIMEOUT)
    problems = []
    if r.returncode != 0:
        err = r.stderr.decode(errors="replace").strip().splitlines()
        problems.append("pktlens exited %d: %s" % (
            r.returncode, err[-1][:300] if err else ""))
    recs = {}
    for n, line in enumerate(r.stdout.decode("utf-8", "replace").split("\n")):
        if not line.strip():
            continue
        try:
            # Decimal keeps frame.time_epoch's nanoseconds exact
            obj = json.loads(line, parse_float=decimal.Decimal)
        except ValueError as e:
            problems.append("line %d is not JSON (%s): %s" % (n + 1, e,
                                                              line[:120]))
            continue
        if not isinstance(obj, dict) or "event" in obj:
            continue
        frame = obj.get("frame.number", len(recs) + 1)
        recs[frame] = obj
    return recs, problems


# --- comparing ------------------------------------------------------------

def dns_render(s):
    """A DNS name from pktlens (JSON: raw bytes, non-ASCII ones as \\u00XX)
    rendered the way tshark 4.0 prints dns.qry.name (found by feeding it
    crafted names holding every byte value):
      - the empty (root) name is "<Root>"; 254+ bytes is "<Name too long>";
      - 0x20-0x7e as is: no escape for '.', '\\', '"' or space;
      - 0x07-0x0d as \\a \\b \\t \\n \\v \\f \\r; other bytes < 0x20 and
        0x7f as \\ooo (3 octal digits);
      - bytes >= 0x80 read as UTF-8, leniently (overlong forms decode, so
        c0 80 is U+0000; f8-fd lead 5- and 6-byte forms); a bad sequence
        (stray byte, lead byte without all its continuation bytes,
        surrogate, > U+10FFFF) is one U+FFFD;
      - decoded characters of Unicode category Cc/Cf/Cn/Cs as \\uXXXX (or
        \\UXXXXXXXX), upper-case hex; others as UTF-8."""
    if s in ("", "."):
        return "<Root>"
    try:
        raw = s.encode("latin-1")
    except UnicodeEncodeError:
        return s                            # not raw bytes: compare as is
    if len(raw) >= 254:
        return "<Name too long>"
    out, i = [], 0
    while i < len(raw):
        b = raw[i]
        if b < 0x80:
            out.append(C_ESC.get(b, "\\%03o" % b) if b < 0x20 or b == 0x7f
                       else chr(b))
            i += 1
            continue
        # sequence length from the lead byte (f8-fd: old 5-, 6-byte forms)
        n = (2 if b < 0xe0 else 3 if b < 0xf0 else 4 if b < 0xf8 else
             5 if b < 0xfc else 6 if b < 0xfe else 1) if b >= 0xc0 else 1
        cont = raw[i + 1:i + n]
        good = len(cont) == n - 1 and all(0x80 <= c < 0xc0 for c in cont)
        if n == 1 or not good:
            # one U+FFFD for the lead byte and the continuation bytes seen
            j = i + 1
            while n > 1 and j < len(raw) and j < i + n and \
                    0x80 <= raw[j] < 0xc0:
                j += 1
            out.append("\ufffd")
            i = j
            continue
        cp = b & (0x7f >> n)
        for c in cont:
            cp = cp << 6 | (c & 0x3f)
        i += n
        if 0xd800 <= cp < 0xe000 or cp > 0x10ffff:
            out.append("\ufffd")
        elif unicodedata.category(chr(cp)) in ("Cc", "Cf", "Cn", "Cs"):
            out.append("\\u%04X" % cp if cp < 0x10000 else "\\U%08X" % cp)
        else:
            out.append(chr(cp))
    return "".join(out)


C_ESC = {7: "\\a", 8: "\\b", 9: "\\t", 10: "\\n", 11: "\\v", 12: "\\f",
         13: "\\r"}


def text_render(s):
    """An HTTP or TLS string from pktlens (raw bytes, as for DNS names) the
    way tshark 4.0 prints it with -T fields: cut at the first NUL; \\b \\t
    \\n \\f \\r escaped; other control bytes, 0x7f and backslash raw; each
    byte >= 0x80 one U+FFFD (these fields are read as ASCII)."""
    try:
        raw = s.encode("latin-1").split(b"\0")[0]
    except UnicodeEncodeError:
        return s
    return "".join(T_ESC.get(b, chr(b) if b < 0x80 else "\ufffd")
                   for b in raw)


T_ESC = {8: "\\b", 9: "\\t", 10: "\\n", 12: "\\f", 13: "\\r"}


def same(kind, t, p, ns):
    """Does pktlens value p equal tshark's normalised value t?"""
    if kind == TIME:
        try:
            p = decimal.Decimal(str(p))
        except decimal.InvalidOperation:
            return False
        return p == t if ns else abs(p - t) < decimal.Decimal("0.000001")
    if kind == BOOL or kind == PRESENT:
        return p is True if t else p is False
    if kind == INT:
        return type(p) is int and p == t
    if kind == INT_LIST:
        return isinstance(p, list) and len(p) == len(t) and \
            all(type(a) is int and a == b for a, b in zip(p, t))
    if kind == NAME:
        return isinstance(p, str) and (p == t or dns_render(p) == t)
    if kind == TEXT:
        return isinstance(p, str) and (p == t or text_render(p) == t)
    if kind == TEXT_LIST:
        return isinstance(p, list) and len(p) == len(t) and \
            all(isinstance(a, str) and (a == b or text_render(a) == b)
                for a, b in zip(p, t))
    return p == t


def show(v):
    if v is None:
        return "<absent>"
    if isinstance(v, decimal.Decimal):
        return str(v)
    return json.dumps(v, ensure_ascii=False)


class Exceptions:
    def __init__(self, path):
        self.rules = []                 # [pcap, frame, field, reason, used]
        if not path:
            return
        with open(path, encoding="utf-8") as f:
            for n, line in enumerate(f, 1):
                line = line.split("#", 1)[0].strip()
                if not line:
                    continue
                parts = line.split(None, 3)
                if len(parts) < 4 or not (parts[1] == "*" or
                                          parts[1].isdigit()):
                    raise SystemExit("%s:%d: want '<pcap> <frame|*> "
                                     "<field|*> <reason>'" % (path, n))
                self.rules.append(parts + [False])

    def match(self, pcap, frame, field):
        for r in self.rules:
            if fnmatch.fnmatchcase(pcap, r[0]) and \
                    (r[1] == "*" or int(r[1]) == frame) and \
                    fnmatch.fnmatchcase(field, r[2]):
                r[4] = True
                return True
        return False

    def unused(self, pcaps):
        return [r for r in self.rules if not r[4] and
                any(fnmatch.fnmatchcase(p, r[0]) for p in pcaps)]


def compare(binary, path, exc):
    """(ok, summary, [mismatch lines]) for one capture."""
    name = os.path.basename(path)
    try:
        want = tshark_records(path)
    except (RuntimeError, subprocess.TimeoutExpired) as e:
        return False, "", ["tshark: %s" % e]
    ns = time_resolution_ns(path)
    try:
        got, problems = pktlens_records(binary, path)
    except (OSError, subprocess.TimeoutExpired) as e:
        return False, "", ["pktlens: %s" % e]
    bad = list(problems)
    compared = excepted = 0
    for frame in sorted(set(want) | set(got)):
        t, p = want.get(frame), got.get(frame)
        if t is None or p is None:
            what = "no pktlens record" if p is None else "no tshark frame"
            if not exc.match(name, frame, "*"):
                bad.append("frame %s: %s" % (frame, what))
            continue
        ti, pi = t.get("pktlens.inner"), p.get("pktlens.inner")
        pairs = [("", t, p)]
        if ti is not None or pi is not None:
            pairs.append(("pktlens.inner/", ti or {},
                          pi if isinstance(pi, dict) else {}))
        for where, tr, pr in pairs:
            for field in sorted(SPEC_FIELDS):
                if field not in tr and field not in pr:
                    continue
                compared += 1
                tv, pv = tr.get(field), pr.get(field)
                if tv is not None and pv is not None and \
                        same(SPEC_FIELDS[field], tv, pv, ns):
                    continue
                if exc.match(name, frame, where + field):
                    excepted += 1
                    continue
                bad.append("frame %d %s%s: tshark=%s pktlens=%s" % (
                    frame, where, field, show(tv), show(pv)))
    summary = "%d packets, %d fields compared" % (len(want), compared)
    if excepted:
        summary += ", %d excepted" % excepted
    return not bad, summary, bad


# --- main -----------------------------------------------------------------

def list_pcaps(pcap_dir):
    return sorted(f for f in os.listdir(pcap_dir)
                  if f.endswith((".pcap", ".pcapng", ".cap")))


def dump_tshark(files):
    for path in files:
        print("# %s (ns timestamps: %s)" % (path, time_resolution_ns(path)))
        for frame, rec in sorted(tshark_records(path).items()):
            rec = dict(rec, **{"frame.number": frame})
            print(json.dumps(rec, default=str, ensure_ascii=False))


def dump_pktlens(binary, files):
    for path in files:
        recs, problems = pktlens_records(binary, path)
        print("# %s %s" % (path, "; ".join(problems)))
        for frame, rec in sorted(recs.items()):
            print(json.dumps({k: v for k, v in rec.items()
                              if k in SPEC_FIELDS or k == "frame.number"},
                             default=str, ensure_ascii=False))


def main(argv):
    if argv[:1] == ["--dump-tshark"] and len(argv) > 1:
        return dump_tshark(argv[1:]) or 0
    if argv[:1] == ["--dump-pktlens"] and len(argv) > 2:
        return dump_pktlens(argv[1], argv[2:]) or 0
    if argv[:1] in (["-h"], ["--help"]) or (argv and argv[0].startswith("-")):
        print(__doc__.strip(), file=sys.stderr)
        return 2 if argv[0] not in ("-h", "--help") else 0
    args = argv + [""] * (3 - len(argv))
    binary = args[0] or os.path.join(REPO, "build", "pktlens")
    pcap_dir = args[1] or os.environ.get("PCAP_DIR") or \
        os.path.join(REPO, "..", "shared", "pcaps")
    exc_file = args[2] or os.path.join(HERE, "EXCEPTIONS")
    if not os.access(binary, os.X_OK):
        print("golden: %s is not an executable (run make)" % binary,
              file=sys.stderr)
        return 2
    if not os.path.isdir(pcap_dir):
        print("golden: no capture folder %s (set PCAP_DIR)" % pcap_dir,
              file=sys.stderr)
        return 2
    if not shutil.which("tshark"):
        print("golden: tshark is not installed", file=sys.stderr)
        return 2
    exc = Exceptions(exc_file if os.path.exists(exc_file) else None)
    pcaps = args[3:] or list_pcaps(pcap_dir)
    if not pcaps:
        print("golden: no captures in %s" % pcap_dir, file=sys.stderr)
        return 2
    # the normalisation was worked out on tshark 4.0: say which one ran
    ver = subprocess.run(["tshark", "-v"], stdout=subprocess.PIPE,
                         stderr=subprocess.DEVNULL).stdout.decode()
    print("golden: %s, %d captures from %s" % (
        (ver.splitlines() or ["tshark ?"])[0].split(" (Git")[0],
        len(pcaps), os.path.normpath(pcap_dir)))
    passed = failed = 0
    names = []
    for pcap in pcaps:
        path = pcap if os.path.exists(pcap) and os.sep in pcap \
            else os.path.join(pcap_dir, pcap)
        name = os.path.basename(path)
        names.append(name)
        ok, summary, bad = compare(binary, path, exc)
        if ok:
            passed += 1
            print("PASS %s (%s)" % (name, summary))
        else:
            failed += 1
            print("FAIL %s%s" % (name, " (%s)" % summary if summary else ""))
            for line in bad[:MAX_SHOWN]:
                print("    " + line)
            if len(bad) > MAX_SHOWN:
                print("    ... and %d more" % (len(bad) - MAX_SHOWN))
        sys.stdout.flush()
    for r in exc.unused(names):
        print("note: unused exception: %s %s %s" % tuple(r[:3]))
    print("golden: %d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
