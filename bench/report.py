"""Print the benchmark table (markdown) from ``bench/results/*.json``: ``python bench/report.py``;
``python bench/report.py issue18 [RESULTS_DIR]`` prints the issue-18 table of ``bench/run.py issue18``."""

from __future__ import annotations

import json
import sys
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"
SIZES = ("10k", "100k", "1m")
FIGURES = (
    ("floor", "trivial view (stack floor)"),
    ("queue_page", "technician queue `/desk/`"),
    ("api_queue_first", "`GET /api/queue/` first page"),
    ("api_queue_deep", "`GET /api/queue/` deep page (cursor)"),
    ("ticket_page_50", "desk ticket page, 50 messages"),
    ("api_ticket_create", "`POST /api/tickets/`"),
    ("customer_list", "customer's list `/`"),
    ("sla_dashboard", "SLA dashboard `/desk/dashboard/`"),
    ("sla_dashboard_52w", "SLA dashboard, 52 weeks `/desk/dashboard/?weeks=52`"),
    ("sla_monitor_pass", "one SLA-monitor pass"),
    ("email_ingest", "email ingest (new ticket)"),
)


def load() -> dict[str, dict]:
    return {
        size: json.loads((RESULTS / f"{size}.json").read_text())
        for size in SIZES
        if (RESULTS / f"{size}.json").exists()
    }


def main() -> None:
    data = load()
    if not data:
        sys.exit("no results yet: run bench/run.py")
    print(
        "| figure | size | tickets | median ms | p95 ms | queries | stack floor ms | x stack floor | db floor ms | x db floor "
        "| python CPU ms (floor) |"
    )
    print("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for key, label in FIGURES:
        for size, results in data.items():
            r = results.get(key)
            if r is None:
                continue
            if "error" in r:
                print(
                    f"| {label} | {size} | {r.get('tickets', 0):,} | not measured: {r['error'][:90]} | | | | | | | |"
                )
                continue
            print(
                f"| {label} | {size} | {r['tickets']:,} | {r['median_ms']:.1f} | {r['p95_ms']:.1f} | {r['queries']} | "
                f"{r['floor_median_ms']:.1f} | {r['x_floor']:.1f} | {r['db_floor_median_ms']:.1f} | {r['x_db_floor']:.1f} | "
                f"{r.get('cpu_median_ms', 0):.1f} ({r.get('floor_cpu_median_ms', 0):.1f}) |"
            )
    print()
    print("| figure | growth 10k -> 1m (median) | growth 10k -> 100k | x stack floor 10k -> 1m |")
    print("| --- | ---: | ---: | ---: |")
    for key, label in FIGURES:
        rows = {s: data[s].get(key) for s in data if data[s].get(key) and "error" not in data[s][key]}
        if "10k" not in rows:
            continue
        base = rows["10k"]

        def growth(size, base=base, rows=rows):
            return f"{rows[size]['median_ms'] / base['median_ms']:.2f}x" if size in rows else "-"

        # Ratio to the floor of the same run removes most of the shared machine's noise.
        floor_growth = f"{rows['1m']['x_floor'] / base['x_floor']:.2f}x" if "1m" in rows else "-"
        print(f"| {label} | {growth('1m')} | {growth('100k')} | {floor_growth} |")
    print()
    print(
        "| peer (django-helpdesk 2.6.1) | size | ours ms | peer ms | ours / peer | ours queries | peer queries |"
    )
    print("| --- | --- | ---: | ---: | ---: | ---: | ---: |")
    for size, results in data.items():
        p = results.get("peer")
        if not p or "error" in p:
            if p:
                print(f"| peer run | {size} | not measured: {p['error'][:90]} | | | | |")
            continue
        pl, pd, pt = p["peer_list"], p["peer_list_data"], p["peer_ticket"]
        print(
            f"| staff ticket list (theirs: page + rows call) | {size} | {p['ours_list']['median_ms']:.1f} | "
            f"{pl['median_ms']:.1f} + {pd['median_ms']:.1f} | {p['list_ours_over_peer']:.3f} | {p['ours_list']['queries']} | "
            f"{pl['queries']} + {pd['queries']} |"
        )
        print(
            f"| ticket page, 50 messages | {size} | {p['ours_ticket']['median_ms']:.1f} | {pt['median_ms']:.1f} | "
            f"{p['ticket_ours_over_peer']:.3f} | {p['ours_ticket']['queries']} | {pt['queries']} |"
        )
    loads = sorted(RESULTS.glob("load_*.json"))
    if loads:
        print()
        print(
            "| load run | size | clients | seconds | requests | errors | req/s | p50 ms | p95 ms | p99 ms | sweeps run |"
        )
        print("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
        for path in loads:
            r = json.loads(path.read_text())
            for ph in r["phases"]:
                print(
                    f"| {ph['phase']} | {r['size']} | {ph['clients']} | {ph['seconds']} | {ph['requests']:,} | {ph['errors']} | "
                    f"{ph['rps']} | {ph['p50_ms']} | {ph['p95_ms']} | {ph['p99_ms']} | {ph.get('sweep_runs', '-')} |"
                )


ISSUE18_ROWS = (
    # label, our figure, what its ratio is taken to, the goal as text
    ("`/desk/` as a 20 s poll sees it", "queue_poll", "floor", "<= 25 ms, flat in N"),
    ("`/desk/` again at once (warm)", "queue_warm", "floor", "<= 25 ms"),
    ("`/desk/rows/`, what the poller asks every 20 s", "queue_rows_poll", "floor", "<= 25 ms, flat in N"),
    ("`GET /api/queue/`", "api_queue", "drf_floor", "<= 3x the DRF floor"),
    ("desk ticket page, 50 messages", "ticket_page", "floor", "<= 15x the trivial view"),
    ("customer's list (busiest organization)", "customer_list", "floor", "flat in N"),
    ("SLA dashboard", "sla_dashboard", "floor", "<= 100 ms, flat in N"),
    ("SLA dashboard, 52-week window", "dashboard_52w", "floor", "<= 100 ms, flat in N"),
)


def issue18(results_dir: Path) -> None:
    """The issue-18 table from ``bench/run.py issue18`` results: one interleaved run per size."""
    runs = {}
    for size in SIZES:
        path = results_dir / f"{size}.json"
        if path.exists() and "issue18" in json.loads(path.read_text()):
            runs[size] = json.loads(path.read_text())["issue18"]
    if not runs:
        sys.exit(f"no issue18 results in {results_dir}")
    names = {"sla_dashboard": "dashboard"}
    sizes = list(runs)
    head = " | ".join(f"{s} ms (x ref)" for s in sizes)
    print(f"| page | {head} | growth {sizes[0]} -> {sizes[-1]} (x ref) | queries | goal |")
    print("| --- | " + " | ".join("---:" for _ in sizes) + " | ---: | ---: | --- |")
    for label, key, ref, goal in ISSUE18_ROWS:
        key = names.get(key, key)
        if any(key not in runs[s]["median_ms"] for s in sizes):  # a run from before the figure existed
            continue
        cells, ratios = [], []
        for s in sizes:
            med = runs[s]["median_ms"]
            ratios.append(med[key] / med[ref])
            cells.append(f"{med[key]:.1f} ({ratios[-1]:.1f}x)")
        growth = ratios[-1] / ratios[0]
        print(
            f"| {label} | {' | '.join(cells)} | {growth:.2f}x | {runs[sizes[-1]]['queries'][key]} | {goal} |"
        )
    floors = " | ".join(
        f"{runs[s]['median_ms']['floor']:.1f} / {runs[s]['median_ms']['drf_floor']:.1f}" for s in sizes
    )
    print(f"| trivial view / DRF floor (`GET /api/priorities/`) | {floors} | | | |")
    if all("peer_list" in runs[s]["median_ms"] for s in sizes):
        for label, ours, theirs in (
            ("ours / peer: staff list (theirs: page + rows call)", "queue_poll", "peer_list"),
            ("ours (the poll's rows) / peer: staff list", "queue_rows_poll", "peer_list"),
            ("ours / peer: ticket page, 50 messages", "ticket_page", "peer_ticket"),
        ):
            cells = " | ".join(
                f"{runs[s]['median_ms'][ours]:.1f} / {runs[s]['median_ms'][theirs]:.1f} = "
                f"{runs[s]['median_ms'][ours] / runs[s]['median_ms'][theirs]:.2f}"
                for s in sizes
            )
            print(f"| {label} | {cells} | | | |")


if __name__ == "__main__":
    if sys.argv[1:2] == ["issue18"]:
        issue18(Path(sys.argv[2]) if len(sys.argv) > 2 else RESULTS)
    else:
        main()
