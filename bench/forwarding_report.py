#!/usr/bin/python3
"""Tables and JSON for bench/forwarding.sh.

usage: forwarding_report.py RESULTS NOTES OUT.json "key=value ..."
RESULTS holds one "round case metric value" line per measurement (round 0:
measured once). Figures are medians over rounds; ratios are against the
Linux bridge ("bridge", default offloads) of the same run.
"""
import json
import math
import statistics
import sys

KERNEL = ("direct", "bridge", "bridge-txoff")


def load(path):
    data = {}  # case -> metric -> [values]
    order = []
    for line in open(path):
        f = line.split()
        if len(f) != 4:
            continue
        _, case, metric, value = f
        try:
            v = float(value)
        except ValueError:
            continue
        if math.isnan(v):
            continue
        if case not in data:
            data[case] = {}
            order.append(case)
        data[case].setdefault(metric, []).append(v)
    return data, order


def med(data, case, metric):
    vals = data.get(case, {}).get(metric)
    return statistics.median(vals) if vals else None


def fmt(v, scale=1.0, digits=2):
    return "-" if v is None else "%.*f" % (digits, v * scale)


def pair(a, b, digits=0):
    return "%s / %s" % (fmt(a, digits=digits), fmt(b, digits=digits))


def table(head, rows):
    widths = [max(len(str(r[i])) for r in [head] + rows) for i in range(len(head))]
    line = lambda r: "| " + " | ".join(str(c).rjust(w) if i else str(c).ljust(w)
                                       for i, (c, w) in enumerate(zip(r, widths))) + " |"
    print(line(head))
    print("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    for r in rows:
        print(line(r))
    print()


def pair3(a, b):
    if a is None and b is None:
        return "-"
    return "%s / %s" % (fmt(a, 1e-6, 3), fmt(b, 1e-6, 3))


def share(u, k):
    if u is None or k is None or u + k <= 0:
        return "-"
    return "%.0f%%" % (100.0 * u / (u + k))


def main():
    data, order = load(sys.argv[1])
    notes = [l.strip() for l in open(sys.argv[2]) if l.strip()]
    out = sys.argv[3]
    meta = dict(kv.split("=", 1) for kv in sys.argv[4].split() if "=" in kv)
    fwd = [c for c in order if any(m.startswith(("pps_", "tcp_", "ping_")) for m in data[c])]
    rackless = [c for c in fwd if c not in KERNEL and not c.startswith("ovs-")]
    ovs = [c for c in fwd if c.startswith("ovs-")]
    m = lambda c, k: med(data, c, k)

    print("\n## Throughput (medians of %s rounds)\n" % meta.get("rounds", "?"))
    table(["case", "64B Mpps 1 gen core", "(switch sent / kernel fast path)",
           "64B Mpps 2 gen cores", "(switch sent / kernel fast path)", "TCP 1 stream Gbit/s",
           "TCP 8 streams Gbit/s"],
          [[c, fmt(m(c, "pps_1core"), 1e-6, 3),
            pair3(m(c, "sw_pps_1core"), m(c, "kf_pps_1core")),
            fmt(m(c, "pps_2core"), 1e-6, 3),
            pair3(m(c, "sw_pps_2core"), m(c, "kf_pps_2core")),
            fmt(m(c, "tcp_1_gbps")), fmt(m(c, "tcp_8_gbps"))] for c in fwd])

    print("## The worker's core per frame sent, 64B with 1 generator core (ns)\n")
    table(["case", "switch code (user)", "kernel (system: send + receiver's stack)",
           "user share"],
          [[c, fmt(m(c, "sw_user_ns_1core"), digits=0), fmt(m(c, "sw_sys_ns_1core"), digits=0),
            share(m(c, "sw_user_ns_1core"), m(c, "sw_sys_ns_1core"))] for c in rackless])

    print("## Ping RTT, p50 / p99 in us (worker sleeps per ping for rackless)\n")
    rows = []
    for c in fwd:
        sl = [m(c, k + "_sleeps_per_ping") for k in ("busy", "ping", "parked")]
        rows.append([c, pair(m(c, "busy_p50_us"), m(c, "busy_p99_us")),
                     pair(m(c, "ping_p50_us"), m(c, "ping_p99_us")),
                     pair(m(c, "parked_p50_us"), m(c, "parked_p99_us")),
                     " / ".join(fmt(s) for s in sl) if c in rackless else "-"])
    table(["case", "busy: 1000 @ 0.1 ms", "1000 @ 1 ms", "parked: 50 @ 100 ms",
           "sleeps/ping busy / 1ms / parked"], rows)

    scale = [c for c in order if m(c, "idle_cpu_pct") is not None or m(c, "rss_mb") is not None]
    if scale:
        print("## Scale (one sample per backend)\n")
        ih, rh = meta.get("idle_hosts", "?"), meta.get("rss_hosts", "?")
        table(["backend", "idle CPU %% of a core, %s hosts" % ih, "(from ticks)",
               "up s, %s" % ih, "switch RSS MB, %s hosts" % rh, "PSS MB", "ports",
               "up s, %s" % rh],
              [[c, fmt(m(c, "idle_cpu_pct"), digits=3), fmt(m(c, "idle_cpu_pct_ticks")),
                fmt(m(c, "idle_up_s"), digits=1), fmt(m(c, "rss_mb"), digits=0),
                fmt(m(c, "pss_mb"), digits=0), fmt(m(c, "rss_ports"), digits=0),
                fmt(m(c, "rss_up_s"), digits=1)] for c in scale])

    ratios = {}
    bridge = "bridge" if "bridge" in data else None
    if bridge:
        print("## Against the Linux bridge (same run): ratio, or difference in us for RTT\n")
        rows = []
        for c in rackless + ovs + ["bridge-txoff", "direct"]:
            if c not in data:
                continue
            r = {}
            for k in ("pps_1core", "pps_2core", "tcp_1_gbps", "tcp_8_gbps"):
                a, b = m(c, k), m(bridge, k)
                r[k] = a / b if a is not None and b else None
            for k in ("busy_p50_us", "ping_p50_us", "parked_p50_us"):
                a, b = m(c, k), m(bridge, k)
                r[k + "_minus_bridge"] = a - b if a is not None and b is not None else None
            ratios[c] = r
            rows.append([c] + [fmt(r[k]) for k in ("pps_1core", "pps_2core", "tcp_1_gbps",
                                                     "tcp_8_gbps")] +
                        ["%+.0f" % r[k] if r[k] is not None else "-"
                         for k in ("busy_p50_us_minus_bridge", "ping_p50_us_minus_bridge",
                                   "parked_p50_us_minus_bridge")])
        table(["case", "pps 1 core", "pps 2 cores", "TCP 1", "TCP 8", "busy p50 us",
               "1ms p50 us", "parked p50 us"], rows)

    targets = {}
    for c in rackless:
        t = {}
        r = ratios.get(c, {})
        if r.get("tcp_1_gbps") is not None:
            t["tcp_1_stream_ge_0.9x_bridge"] = r["tcp_1_gbps"] >= 0.9
        ovs_pps = m("ovs-afxdp", "pps_1core")
        if ovs_pps and m(c, "pps_1core") is not None:
            t["pps_ge_1.5x_ovs_afxdp"] = m(c, "pps_1core") >= 1.5 * ovs_pps
        if r.get("busy_p50_us_minus_bridge") is not None:
            t["busy_ping_p50_within_5us_of_bridge"] = r["busy_p50_us_minus_bridge"] <= 5
        if m(c, "idle_cpu_pct") is not None:
            t["idle_cpu_lt_1pct"] = m(c, "idle_cpu_pct") < 1
        if m(c, "rss_mb") is not None:
            t["rss_le_1GiB_4096_ports"] = m(c, "rss_mb") <= 1024
        targets[c] = t
    if targets:
        print("## Targets of issue 5\n")
        names = sorted({k for t in targets.values() for k in t})
        table(["case"] + names, [[c] + [("met" if t[k] else "NOT met") if k in t else "-"
                                        for k in names] for c, t in targets.items()])
    for n in notes:
        print("note:", n)

    doc = {"meta": meta, "notes": notes,
           "cases": {c: {k: {"median": statistics.median(v), "rounds": v}
                         for k, v in data[c].items()} for c in order},
           "vs_bridge": ratios, "targets": targets}
    with open(out, "w") as f:
        json.dump(doc, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
