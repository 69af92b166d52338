#!/usr/bin/python3
"""The agent's RSS over a soak: least-squares slope after the warm-up.

    rss.py RSS_CSV WARMUP_SECONDS MAX_SLOPE_KIB_PER_MIN

RSS_CSV is scrape.py's rss.csv (elapsed seconds, VmRSS KiB). Prints
"figure NAME VALUE" lines, a few samples for the record, and one PASS or
FAIL line: flat means |slope| <= MAX_SLOPE over the samples after the
warm-up.
"""
import sys


def slope(points):
    n = len(points)
    mx = sum(x for x, _ in points) / n
    my = sum(y for _, y in points) / n
    sxx = sum((x - mx) ** 2 for x, _ in points)
    sxy = sum((x - mx) * (y - my) for x, y in points)
    return sxy / sxx if sxx else 0.0


def main():
    path, warmup, limit = sys.argv[1], float(sys.argv[2]), float(sys.argv[3])
    pts = []
    with open(path) as f:
        next(f)
        for line in f:
            t, kib = line.strip().split(",")
            pts.append((float(t), int(kib)))
    after = [(t / 60.0, kib) for t, kib in pts if t >= warmup]
    if len(after) < 10:
        print(f"FAIL soak-rss-flat: only {len(after)} RSS samples after the {warmup:.0f} s warm-up")
        sys.exit(1)
    s = slope(after)
    kib = [k for _, k in after]
    print(f"figure rss_samples {len(pts)}")
    print(f"figure rss_first_kib {pts[0][1]}")
    print(f"figure rss_after_warmup_kib {after[0][1]}")
    print(f"figure rss_last_kib {pts[-1][1]}")
    print(f"figure rss_min_kib {min(kib)}")
    print(f"figure rss_max_kib {max(kib)}")
    print(f"figure rss_peak_kib {max(k for _, k in pts)}")
    print(f"figure rss_slope_kib_per_min {s:.2f}")
    step = max(1, len(pts) // 10)
    print("rss: " + ", ".join(f"{t / 60:.1f} min {k} KiB" for t, k in pts[::step]))
    if abs(s) <= limit:
        print(f"PASS soak-rss-flat: slope {s:+.2f} KiB/min after {warmup / 60:.1f} min "
              f"(limit {limit:g}), {min(kib)}-{max(kib)} KiB")
    else:
        print(f"FAIL soak-rss-flat: slope {s:+.2f} KiB/min after {warmup / 60:.1f} min, "
              f"limit {limit:g} KiB/min ({min(kib)}-{max(kib)} KiB)")
        sys.exit(1)


if __name__ == "__main__":
    main()
