#!/usr/bin/env python3
"""The privacy suite on captures (no root): --anonymize, --redact and
--no-payload through `pktlens read`, checked against tshark.

usage: host.py PKTLENS WORKDIR CAPTURE...

- No address tshark finds in a capture (IPv4, IPv6, ARP) appears in
  read's text, JSON, --flows (text and JSON) or --detect output with
  --anonymize; without it the same search finds them (the check is not
  blind).
- One key gives the same output on every run, another key another one.
- `read -w` with --anonymize: tshark, with every checksum check on, gives
  each frame the checksum verdicts of the original, and the addresses
  pktlens's own records report.
- --no-payload: no frame keeps bytes past its L4 header.
- --redact l7: no name (SNI, DNS query, HTTP host or path) of the capture
  is left; l7:keep-suffix keeps their public suffixes.
- A key file that others may read is refused, naming it and the fix.

Prints PASS/FAIL lines and "privacy-host: N passed, N failed".
"""
import concurrent.futures
import ipaddress
import json
import os
import re
import subprocess
import sys

PKTLENS, WORK = sys.argv[1], sys.argv[2]
CAPS = [c for c in sys.argv[3:] if os.path.exists(c)]
passed = failed = 0

CHECKS = ["-o", "ip.check_checksum:TRUE", "-o", "tcp.check_checksum:TRUE",
          "-o", "udp.check_checksum:TRUE"]
SUM_FIELDS = ["ip.checksum.status", "tcp.checksum.status", "udp.checksum.status",
              "icmp.checksum.status", "icmpv6.checksum.status"]


def result(name, ok, why=""):
    global passed, failed
    if ok:
        passed += 1
        print("PASS %s" % name)
    else:
        failed += 1
        print("FAIL %s: %s" % (name, why))


def run(*args, check=True):
    p = subprocess.run([PKTLENS, "read"] + list(args), capture_output=True, timeout=120)
    if check and p.returncode:
        raise RuntimeError("pktlens %s: exit %d: %s" % (" ".join(args), p.returncode,
                                                        p.stderr.decode(errors="replace")[:300]))
    return p


FIELDS = ["frame.number", "ip.src", "ip.dst", "ipv6.src", "ipv6.dst", "arp.src.proto_ipv4",
          "arp.dst.proto_ipv4", "dns.qry.name", "http.host", "http.request.uri",
          "tls.handshake.extensions_server_name"] + SUM_FIELDS + [
          "tcp.payload", "udp.payload", "data.data", "ip.flags.mf", "ipv6.fraghdr.more",
          "frame.protocols"]
ADDR = slice(1, 7)
NAMES = slice(7, 11)
SUMS = slice(11, 16)
PAYLOAD = slice(16, 19)
FRAG = slice(19, 21)
PROTOCOLS = 21
UDP_PAYLOAD = 17


def tshark(cap):
    """one row of FIELDS per frame, every checksum check on"""
    out = subprocess.run(["tshark", "-n", "-r", cap] + CHECKS + ["-T", "fields"] +
                         sum((["-e", f] for f in FIELDS), []),
                         capture_output=True, timeout=120).stdout.decode(errors="replace")
    return [line.split("\t") for line in out.splitlines()]


V4 = re.compile(r"(?<![0-9.])\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}")
V6 = re.compile(r"[0-9A-Fa-f:]*:[0-9A-Fa-f:]*")


def addresses(text):
    """Every IPv4 and IPv6 address written in text, normalised."""
    found = set()
    for m in V4.findall(text):
        try:
            found.add(ipaddress.ip_address(m))
        except ValueError:
            pass
    for m in V6.findall(text):
        for cand in (m, m.rstrip(":")):
            try:
                found.add(ipaddress.ip_address(cand))
                break
            except ValueError:
                pass
    return found


def cells(rows, sl):
    for r in rows:
        for cell in r[sl]:
            for v in cell.split(","):
                if v:
                    yield v


def outputs(cap, *extra):
    """read's outputs of cap: text, JSON, flows, flows JSON, alerts JSON"""
    kinds = [[], ["-j"], ["--flows"], ["--flows", "-j"], ["--detect", "-j"]]
    return {" ".join(k) or "text": run(cap, *k, *extra).stdout.decode(errors="replace")
            for k in kinds}


def write_key(path, text, mode=0o600):
    with open(path, "w") as f:
        f.write(text)
    os.chmod(path, mode)


KEY = os.path.join(WORK, "privacy.key")
KEY2 = os.path.join(WORK, "privacy2.key")
write_key(KEY, "1522178d33a4cf80130a5b1649907d10d8988f837979652762574c2d2a842202\n")
write_key(KEY2, "1522178d33a4cf80130a5b1649907d10d8988f837979652762574c2d2a842203\n")


def one_capture(i, cap):
    """Everything the tests look at for one capture."""
    r = {"cap": os.path.basename(cap), "orig": tshark(cap)}
    r["real"] = set(ipaddress.ip_address(a) for a in cells(r["orig"], ADDR))
    r["names"] = set(v for v in cells(r["orig"], NAMES)
                     if len(v) >= 4 and v != "/" and not re.fullmatch(r"[0-9a-f]+", v))
    r["plain"] = outputs(cap)
    r["anon"] = outputs(cap, "--anonymize", KEY)
    r["redact"] = outputs(cap, "--anonymize", KEY, "--redact", "l7")
    r["suffix"] = run(cap, "-j", "--anonymize", KEY, "--redact",
                      "l7:keep-suffix").stdout.decode(errors="replace")
    w = os.path.join(WORK, "privacy-w%d.pcapng" % i)
    p = run(cap, "--anonymize", KEY, "-w", w, "-j", check=False)
    r["w_rc"], r["w_err"], r["w_json"] = p.returncode, p.stderr, p.stdout.decode()
    if p.returncode == 0:
        r["w"] = tshark(w)
        np = os.path.join(WORK, "privacy-np%d.pcapng" % i)
        run(cap, "--anonymize", KEY, "--no-payload", "-w", np)
        r["np"] = tshark(np)
        os.unlink(np)
        os.unlink(w)
    return r


def test_no_real_address(res):
    leaks, seen_plain, n = [], 0, 0
    for r in res:
        real = r["real"]
        if not real:
            continue
        n += 1
        if real & addresses(r["plain"]["text"]) and real & addresses(r["plain"]["-j"]):
            seen_plain += 1
        for kind, text in r["anon"].items():
            hit = real & addresses(text)
            if hit:
                leaks.append("%s (%s): %s" % (r["cap"], kind, ", ".join(sorted(map(str, hit))[:3])))
    result("privacy-host: no real address of %d captures in text, JSON, flows or alerts "
           "with --anonymize" % n, n > 0 and not leaks, "; ".join(leaks[:5]) or "no captures")
    result("privacy-host: without --anonymize the same search finds them (%d of %d)"
           % (seen_plain, n), n > 0 and seen_plain >= n * 3 // 4,
           "found in %d of %d captures only" % (seen_plain, n))


def test_stable(res):
    cap = CAPS[0]
    a = run(cap, "-j", "--anonymize", KEY).stdout
    c = run(cap, "-j", "--anonymize", KEY2).stdout
    b = res[0]["anon"]["-j"].encode()
    result("privacy-host: one key gives the same records on every run, another key others",
           a == b and a != c and len(a) > 0, "same=%s differs=%s" % (a == b, a != c))


def test_rewrite(res):
    bad, frames, good = [], 0, 0
    for r in res:
        if r["w_rc"]:
            if b"Linux cooked" not in r["w_err"]:  # -w writes Ethernet only
                bad.append("%s: exit %d" % (r["cap"], r["w_rc"]))
            continue
        want = [[x[0]] + x[SUMS] for x in r["orig"]]
        got = [[x[0]] + x[SUMS] for x in r["w"]]
        frames += len(got)
        good += sum(1 for x in got for c in x[1:] for v in c.split(",") if v == "1")
        if want != got:
            diff = [(a, b) for a, b in zip(want, got) if a != b][:2]
            bad.append("%s: checksum verdicts differ %s" % (r["cap"], diff))
        # tshark reads the addresses that pktlens's records give (the outer
        # header's: tshark lists a quoted header's after it)
        recs = [json.loads(line) for line in r["w_json"].splitlines()]
        if len(recs) != len(r["w"]):
            bad.append("%s: %d frames written, %d records" % (r["cap"], len(r["w"]), len(recs)))
            continue
        for rec, row in zip(recs, r["w"]):
            t = [str(ipaddress.ip_address(c.split(",")[0])) if c else "" for c in row[1:5]]
            p = [rec.get(k, "") for k in ("ip.src", "ip.dst", "ipv6.src", "ipv6.dst")]
            if any(p[k] and p[k] != t[k] for k in range(4)):
                bad.append("%s frame %s: tshark %s, pktlens %s" % (r["cap"], row[0], t, p))
                break
    result("privacy-host: read -w --anonymize: tshark's checksum verdicts as the original's "
           "(%d frames, %d good checksums) and pktlens's addresses" % (frames, good),
           frames > 0 and good > 0 and not bad, "; ".join(bad[:4]))


def test_no_payload(res):
    bad, n = [], 0
    for r in res:
        for x in r.get("np", []):
            n += 1
            # a first fragment's L4 header is data to tshark; a UDP tunnel's
            # payload is its inner headers, which --no-payload keeps
            payload = [v for i, v in enumerate(x[PAYLOAD], PAYLOAD.start)
                       if not (i == UDP_PAYLOAD and len(x) > PROTOCOLS and
                               re.search(r":(vxlan|geneve):", x[PROTOCOLS]))]
            if any(payload) and not any(v in ("1", "True") for v in x[FRAG]):
                bad.append("%s frame %s keeps payload %s" % (r["cap"], x[0],
                                                             [v[:20] for v in x[PAYLOAD] if v]))
                break
    result("privacy-host: --no-payload writes %d frames, none with bytes past its L4 header"
           % n, n > 0 and not bad, "; ".join(bad[:3]))


def test_redact(res):
    names = set().union(*(r["names"] for r in res))
    leaks, suffixed = [], 0
    for r in res:
        for kind, text in r["redact"].items():
            for name in names:
                if name in text:
                    leaks.append("%s (%s): %s" % (r["cap"], kind, name[:40]))
                    break
        suffixed += len(re.findall(r'"[0-9a-f]{16}\.(?:test|uk|com|org|net|arpa)"', r["suffix"]))
    result("privacy-host: --redact l7 leaves none of %d names in any output" % len(names),
           len(names) > 0 and not leaks, "; ".join(leaks[:4]))
    result("privacy-host: --redact l7:keep-suffix keeps the public suffix (%d names)" % suffixed,
           suffixed > 0, "no hashed name with its suffix")


def test_key_refused(res):
    del res
    bad = os.path.join(WORK, "privacy-open.key")
    write_key(bad, open(KEY).read(), 0o644)
    p = run(CAPS[0], "--anonymize", bad, check=False)
    err = p.stderr.decode()
    result("privacy-host: a key file others may read is refused, naming it, its mode and chmod",
           p.returncode == 2 and bad in err and "0644" in err and "chmod 600" in err
           and not p.stdout, "exit %d: %s" % (p.returncode, err.strip()))
    p = run(CAPS[0], "--redact", "l7", check=False)
    result("privacy-host: --redact without --anonymize's key is refused",
           p.returncode == 2 and b"--anonymize" in p.stderr, p.stderr.decode().strip())
    w = os.path.join(WORK, "privacy-refused.pcapng")
    p1 = run(CAPS[0], "--anonymize", KEY, "--no-payload", check=False)
    p2 = run(CAPS[0], "--anonymize", KEY, "--redact", "l7", "-w", w, check=False)
    result("privacy-host: --no-payload without -w, and -w --redact without --no-payload, refused",
           p1.returncode == 2 and b"add -w" in p1.stderr and p2.returncode == 2 and
           b"--no-payload" in p2.stderr and not os.path.exists(w),
           "%d %s / %d %s" % (p1.returncode, p1.stderr.decode().strip(), p2.returncode,
                              p2.stderr.decode().strip()))


def main():
    if not CAPS:
        print("FAIL privacy-host: no captures")
        sys.exit(1)
    with concurrent.futures.ThreadPoolExecutor(2) as ex:
        res = list(ex.map(one_capture, range(len(CAPS)), CAPS))
    for t in (test_no_real_address, test_stable, test_rewrite, test_no_payload, test_redact,
              test_key_refused):
        try:
            t(res)
        except Exception as e:  # a crash is a failure of that test
            result("privacy-host: %s" % t.__name__, False, repr(e))
    print("privacy-host: %d passed, %d failed" % (passed, failed))
    sys.exit(1 if failed else 0)


main()
