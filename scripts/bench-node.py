#!/usr/bin/env python3
"""The node benchmarks of scripts/bench-node.sh (which builds once and calls this with the built
programs): round wall time of loopback clusters against the simulator's virtual round time for
the same scenario, where real round time goes, cold start of 20 nodes started at once, and memory
(RSS) per node process. Writes a markdown report. Standard library only.

Every process it starts is recorded by pid and stopped by that pid (SIGTERM, then SIGKILL after
a bound); it never signals a process it did not start.
"""
import argparse
import datetime
import json
import os
import pickle
import shutil
import signal
import statistics
import subprocess
import sys
import threading
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# Protocol timings the nodes run with: configs/node.json defaults under configs/node-local.json.
LOCAL_PROTOCOL = {"pingTimeout": "00:00:02", "pingResend": "00:00:00.5", "aggregationTimeout": "00:00:20",
                  "ackTimeout": "00:00:30", "sendRetry": "00:00:01", "maxSendRetries": 3, "aggregators": 1,
                  "successFraction": 1.0, "inactivityThreshold": 50, "advertFanoutFactor": 10,
                  "resyncCooldownRounds": 10, "searchAhead": True}
BATCH, STEPS, LEARNING_RATE, ALPHA, SEED = 20, 5, 0.1, 0.5, 1


def log(message):
    print(f"[bench-node {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def quantiles(values):
    """Median, 10th and 90th percentile, min, max (None when empty)."""
    if not values:
        return None
    v = sorted(values)

    def q(p):
        k = (len(v) - 1) * p
        lo, hi = int(k), min(int(k) + 1, len(v) - 1)
        return v[lo] + (v[hi] - v[lo]) * (k - lo)
    return {"n": len(v), "median": q(0.5), "p10": q(0.1), "p90": q(0.9), "min": v[0], "max": v[-1], "mean": sum(v) / len(v)}


# ---------------------------------------------------------------------------------------------
# Processes and sampling

class Fleet:
    """Node processes started by this script, by pid."""

    def __init__(self, dll):
        self.dll = dll
        self.procs = []
        self.dirs = {}

    def start(self, data_dir, args):
        os.makedirs(data_dir, exist_ok=True)
        out = open(os.path.join(data_dir, "node.log"), "w")
        proc = subprocess.Popen(["dotnet", self.dll, "run", "--data-dir", data_dir] + args, stdout=out, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL, cwd=REPO)
        out.close()
        self.procs.append(proc)
        self.dirs[proc.pid] = data_dir
        return proc

    def pids(self):
        return [p.pid for p in self.procs if p.poll() is None]

    def stop(self, timeout=30):
        for p in self.procs:
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
        deadline = time.time() + timeout
        for p in self.procs:
            try:
                p.wait(max(0.1, deadline - time.time()))
            except subprocess.TimeoutExpired:
                where = self.dirs.get(p.pid, "?")
                stacks = dump_stacks(p.pid, where)
                log(f"pid {p.pid} ({where}) did not stop within {timeout} s of SIGTERM: SIGKILL" + (f"; its stacks: {stacks}" if stacks else ""))
                hung.append(where)
                p.kill()
                p.wait()
        codes = [p.returncode for p in self.procs]
        self.procs = []
        return codes


# Data directories of nodes that did not stop within the bound after SIGTERM (a defect to report).
hung = []


def dump_stacks(pid, data_dir):
    """The managed stacks of a process that hangs, with dotnet-stack when it is installed (PATH or $DOTNET_STACK)."""
    tool = os.environ.get("DOTNET_STACK") or shutil.which("dotnet-stack")
    if not tool or not os.path.isdir(data_dir):
        return None
    path = os.path.join(data_dir, "stacks-at-hang.txt")
    try:
        with open(path, "w") as f:
            subprocess.run([tool, "report", "-p", str(pid)], stdout=f, stderr=subprocess.STDOUT, timeout=120)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return path


def proc_status(pid):
    """VmRSS and VmHWM in KiB, or None when the process is gone."""
    try:
        with open(f"/proc/{pid}/status") as f:
            fields = dict(line.split(":", 1) for line in f if ":" in line)
        return int(fields["VmRSS"].split()[0]), int(fields["VmHWM"].split()[0])
    except (OSError, KeyError, ValueError):
        return None


def proc_cpu_ticks(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            parts = f.read().rsplit(")", 1)[1].split()
        return int(parts[11]) + int(parts[12])
    except (OSError, IndexError, ValueError):
        return 0


def machine_ticks():
    with open("/proc/stat") as f:
        cpu = [int(x) for x in f.readline().split()[1:]]
    idle = cpu[3] + cpu[4]
    return sum(cpu[:8]) - idle, sum(cpu[:8])


class Sampler(threading.Thread):
    """Every `period` seconds: RSS of each fleet process, the load average, and the machine's CPU
    used by processes other than the fleet (in cores)."""

    def __init__(self, fleet, period=0.25):
        super().__init__(daemon=True)
        self.fleet, self.period = fleet, period
        self.samples = []   # (unix, pid, rss_kib, hwm_kib)
        self.load = []      # (unix, loadavg1, fleet_cores, other_cores)
        self.halt = threading.Event()
        self.hz = os.sysconf("SC_CLK_TCK")

    def run(self):
        last_busy, last_total = machine_ticks()
        last_fleet = {}
        last_t = time.time()
        while not self.halt.wait(self.period):
            now = time.time()
            for pid in self.fleet.pids():
                status = proc_status(pid)
                if status:
                    self.samples.append((now, pid, status[0], status[1]))
            busy, total = machine_ticks()
            fleet = {pid: proc_cpu_ticks(pid) for pid in self.fleet.pids()}
            fleet_delta = sum(max(0, t - last_fleet.get(pid, t)) for pid, t in fleet.items())
            elapsed = now - last_t
            if elapsed > 0 and total > last_total:
                with open("/proc/loadavg") as f:
                    load1 = float(f.read().split()[0])
                busy_cores = (busy - last_busy) / self.hz / elapsed
                fleet_cores = fleet_delta / self.hz / elapsed
                self.load.append((now, load1, fleet_cores, max(0.0, busy_cores - fleet_cores)))
            last_busy, last_total, last_fleet, last_t = busy, total, fleet, now

    def stop(self):
        self.halt.set()
        self.join()

    def load_summary(self, since=0, until=float("inf")):
        rows = [r for r in self.load if since <= r[0] <= until]
        return {"load1": quantiles([r[1] for r in rows]), "fleet_cores": quantiles([r[2] for r in rows]),
                "other_cores": quantiles([r[3] for r in rows])}


def read_json(path):
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


def wait_for(predicate, timeout, what, fleet=None):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if predicate():
            return True
        if fleet is not None and any(p.poll() is not None for p in fleet.procs):
            dead = [p for p in fleet.procs if p.poll() is not None]
            raise RuntimeError(f"{len(dead)} node(s) exited while waiting for {what} (exit {dead[0].returncode}); see their node.log")
        time.sleep(0.1)
    raise RuntimeError(f"timed out after {timeout} s waiting for {what}")


def log_times(path, needle):
    """Unix times of the log lines of `path` containing `needle` (log lines start HH:MM:SS.fff, local time, today)."""
    times = []
    today = datetime.date.today()
    try:
        with open(path, errors="replace") as f:
            for line in f:
                if needle in line and len(line) > 12 and line[2] == ":" and line[8] == ".":
                    clock = datetime.datetime.strptime(line[:12], "%H:%M:%S.%f").time()
                    times.append(datetime.datetime.combine(today, clock).timestamp())
    except OSError:
        pass
    return times


# ---------------------------------------------------------------------------------------------
# Round benchmark

def node_args(session, port, task, model, index, count, sample, min_peers, extra):
    return ["--config", os.path.join(REPO, "configs/node-local.json"), "--session", session,
            "--listen", f"/ip4/127.0.0.1/tcp/{port}", "--task", task, "--model", model, "--partition", f"{index}/{count}",
            "--set", f"learning:partition:alpha={ALPHA}", "--set", f"learning:partition:seed={SEED}",
            "--set", f"protocol:sampleSize={sample}", "--set", f"protocol:minModels={min(sample, 3)}"] + \
           (["--set", f"founding:minPeers={min_peers}"] if min_peers else []) + extra


def run_cluster(args, name, nodes, sample, model, seconds, eval_every):
    """A loopback cluster as scripts/cluster.sh starts it; returns its folder, sampler and phase times."""
    root = os.path.join(args.work, name)
    shutil.rmtree(root, ignore_errors=True)
    fleet = Fleet(args.node_dll)
    sampler = Sampler(fleet)
    sampler.start()
    port = args.port
    extra = ["--set", "node:statusInterval=00:00:01", "--set", f"learning:evalEveryRounds={eval_every}"]
    started = time.time()
    try:
        log(f"{name}: starting {nodes} nodes ({model}, s={sample}) on ports {port}-{port + nodes - 1}")
        fleet.start(os.path.join(root, "node-0"), node_args(name, port, "mnist", model, 0, nodes, sample, nodes, extra))
        wait_for(lambda: read_json(os.path.join(root, "node-0", "node.json")) is not None, 180, "node 0's node.json", fleet)
        bootstrap = read_json(os.path.join(root, "node-0", "node.json"))["announce"][0]
        for i in range(1, nodes):
            fleet.start(os.path.join(root, f"node-{i}"),
                        node_args(name, port + i, "mnist", model, i, nodes, sample, nodes, extra + ["--bootstrap", bootstrap]))
        wait_for(lambda: any(os.path.getsize(p) > 0 for p in telemetry_files(root)), 900, f"{name}: the first round", fleet)
        rounds_from = time.time()
        log(f"{name}: rounds running (founded {rounds_from - started:.0f} s after the first start); measuring {seconds} s")
        deadline = rounds_from + seconds
        while time.time() < deadline:
            time.sleep(min(10, max(0.1, deadline - time.time())))
            aggregated = count_aggregated(root)
            log(f"{name}: {time.time() - rounds_from:.0f}/{seconds} s, {aggregated} rounds aggregated")
        rounds_until = time.time()
        pids = {p.pid: i for i, p in enumerate(fleet.procs)}
    finally:
        codes = fleet.stop()
        sampler.stop()
    if any(c not in (0, None) for c in codes):
        log(f"{name}: exit codes {codes}")
    return {"root": root, "sampler": sampler, "pids": pids, "started": started, "rounds_from": rounds_from,
            "rounds_until": rounds_until, "nodes": nodes, "sample": sample, "model": model, "exit_codes": codes}


def telemetry_files(root):
    return [os.path.join(root, d, "telemetry.jsonl") for d in sorted(os.listdir(root)) if os.path.exists(os.path.join(root, d, "telemetry.jsonl"))]


def load_rows(root):
    rows = []
    for d in sorted(os.listdir(root)):
        path = os.path.join(root, d, "telemetry.jsonl")
        if not os.path.exists(path):
            continue
        with open(path) as f:
            for line in f:
                try:
                    row = json.loads(line)
                except ValueError:
                    continue
                row["dir"] = d
                rows.append(row)
    return rows


def count_aggregated(root):
    return len({r["round"] for r in load_rows(root) if r.get("role") == "aggregator"})


def analyse_rounds(run, warmup_s=10):
    """Round periods and their split along the path of each round's first-arriving trained model."""
    rows = load_rows(run["root"])
    aggregates = {}
    for r in rows:
        if r.get("role") == "aggregator" and (r["round"] not in aggregates or r["unix_s"] < aggregates[r["round"]]["unix_s"]):
            aggregates[r["round"]] = r
    trainers = {}
    for r in rows:
        if r.get("role") == "trainer" and "train_s" in r:
            trainers.setdefault(r["round"], []).append(r)
    t0 = min(a["unix_s"] for a in aggregates.values())
    t_end = max(a["unix_s"] for a in aggregates.values())
    periods, parts, train_all = [], [], []
    for rnd, agg in sorted(aggregates.items()):
        if agg["unix_s"] < t0 + warmup_s or agg["unix_s"] > t_end - 1:
            continue
        train_all.extend(t["train_s"] for t in trainers.get(rnd, []))
        prev = aggregates.get(rnd - 1)
        if prev is None:
            continue
        period = agg["unix_s"] - prev["unix_s"]
        periods.append(period)
        if "wait_s" not in agg or not trainers.get(rnd):
            continue
        first_arrival = agg["unix_s"] - agg["wait_s"] - agg["aggregate_s"] - agg["search_s"]
        f = min(trainers[rnd], key=lambda t: t["unix_s"])
        span = f["queue_s"] + f["train_s"] + f["encode_s"] + f["search_s"]
        arrived = f["unix_s"] - span
        parts.append({
            "period": period,
            "transfer_aggregate": max(0.0, arrived - prev["unix_s"]),
            "queue": f["queue_s"], "train": f["train_s"], "encode": f["encode_s"], "search_trainer": f["search_s"],
            "transfer_trained": max(0.0, first_arrival - f["unix_s"]),
            "wait": agg["wait_s"], "aggregate": agg["aggregate_s"], "search_aggregator": agg["search_s"],
            "self_aggregate": f["dir"] == prev["dir"], "self_trained": f["dir"] == agg["dir"],
        })
    remote_agg = [p["transfer_aggregate"] for p in parts if not p["self_aggregate"]]
    remote_trained = [p["transfer_trained"] for p in parts if not p["self_trained"]]
    rounds_total = len(aggregates)
    evaluated = [r for r in rows if r.get("role") == "aggregator" and "accuracy" in r]
    last_eval = max(evaluated, key=lambda r: r["round"]) if evaluated else None
    bytes_trained = [r["bytes"]["trained_model"] for r in rows if r.get("role") == "trainer" and r["bytes"]["trained_model"] > 0]
    return {"periods": quantiles(periods), "parts": parts, "train": quantiles(train_all), "rounds": rounds_total,
            "rounds_per_s": rounds_total / max(1e-9, t_end - t0), "transfer_aggregate_remote": quantiles(remote_agg),
            "transfer_trained_remote": quantiles(remote_trained), "accuracy": last_eval and (last_eval["round"], last_eval["accuracy"]),
            "window_s": t_end - t0}


def simulate(args, run, analysis, latency_ms, name):
    """The same scenario in decentral-sim (constant latency, no bandwidth cap, training time as measured); its round periods."""
    train_ms = analysis["train"]["median"] * 1000
    scenario = {
        "name": name, "seed": SEED, "algorithm": "modest", "nodes": run["nodes"],
        "stop": {"rounds": args.sim_rounds if run["model"] == "softmax" else max(20, args.sim_rounds // 4), "time": "02:00:00"},
        "protocol": dict(LOCAL_PROTOCOL, sampleSize=run["sample"], minModels=min(run["sample"], 3)),
        "network": {"latency": "constant", "constantLatency": f"00:00:{latency_ms / 1000:09.6f}", "uploadMbps": 0, "downloadMbps": 0},
        "compute": {"msPerSampleMedian": train_ms / (3 * BATCH * STEPS), "sigma": 0},
        "learning": {"task": "mnist", "model": run["model"], "alpha": ALPHA, "learningRate": LEARNING_RATE, "batchSize": BATCH,
                     "localSteps": STEPS, "evalEveryRounds": 1000},
    }
    folder = os.path.join(args.work, "sim", name)
    os.makedirs(folder, exist_ok=True)
    path = os.path.join(folder, "scenario-in.json")
    with open(path, "w") as f:
        json.dump(scenario, f, indent=2)
    log(f"simulating {name}: {run['nodes']} nodes, s={run['sample']}, training {train_ms:.2f} ms, latency {latency_ms} ms")
    result = subprocess.run(["dotnet", args.sim_dll, "run", path, "--out", folder, "--quiet", "--data", args.data],
                            cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if result.returncode != 0:
        raise RuntimeError(f"decentral-sim failed ({result.returncode}):\n{result.stdout[-2000:]}")
    times = []
    with open(os.path.join(folder, "telemetry.jsonl")) as f:
        for line in f:
            row = json.loads(line)
            times.append((row["round"], row["time_s"]))
    periods = [b[1] - a[1] for a, b in zip(times, times[1:]) if b[0] == a[0] + 1 and a[0] >= 3]
    return {"periods": quantiles(periods), "scenario": path, "train_ms": train_ms, "latency_ms": latency_ms}


def memory_phases(run):
    """RSS per node process: gathering (before founding), running before its first training, during rounds."""
    sampler, root = run["sampler"], run["root"]
    by_pid = {}
    for t, pid, rss, hwm in sampler.samples:
        by_pid.setdefault(pid, []).append((t, rss, hwm))
    gathering, idle, rounds, peak, growth = [], [], [], [], []
    bins = {}   # 30-s bins of the rounds (from the run's first round): RSS of every node
    for pid, index in run["pids"].items():
        samples = by_pid.get(pid, [])
        logfile = os.path.join(root, f"node-{index}", "node.log")
        founded = (log_times(logfile, "Founding the session") + log_times(logfile, "Joining the running session") or [None])[0]
        first_train = (log_times(logfile, "Sampled: training round") or [None])[0]
        ready = (log_times(logfile, "Listening on") or [None])[0]
        for t, rss, hwm in samples:
            if run["rounds_from"] <= t <= run["rounds_until"]:
                bins.setdefault(int((t - run["rounds_from"]) // 30), []).append(rss)
            if ready and founded and ready + 1 <= t < founded:
                gathering.append(rss)
            elif founded and first_train and founded <= t < first_train:
                idle.append(rss)
            elif first_train and t >= first_train + 5 and t <= run["rounds_until"]:
                rounds.append(rss)
        if samples:
            peak.append(max(s[2] for s in samples))
            steady = [s for s in samples if first_train and s[0] >= first_train + 5 and s[0] <= run["rounds_until"]]
            if len(steady) >= 8:
                half = len(steady) // 2
                a, b = steady[:half], steady[half:]
                dt = (statistics.mean(s[0] for s in b) - statistics.mean(s[0] for s in a)) / 60
                if dt > 0:
                    growth.append((statistics.mean(s[1] for s in b) - statistics.mean(s[1] for s in a)) / dt)
    mib = lambda xs: quantiles([x / 1024 for x in xs])
    return {"gathering": mib(gathering), "after_founding": mib(idle), "rounds": mib(rounds), "peak": mib(peak),
            "growth_mib_per_min": quantiles([g / 1024 for g in growth]),
            "by_30s": [statistics.median(bins[k]) / 1024 for k in sorted(bins)]}


# ---------------------------------------------------------------------------------------------
# Cold start

# Log lines that mark a node's way from launch to a full view, in order.
COLD_START_MILESTONES = [
    ("host", "starting in session"),              # .NET runtime up, configuration read, identity loaded
    ("data", "Learning: "),                       # dataset read and partitioned
    ("listen", "Listening on"),                   # libp2p host listening
    ("bootstrap", "Connected to bootstrap peer"), # first dial of node 0 done (not logged by node 0)
    ("founded", "Founding the session"),          # founding:minPeers known and founding:settle quiet
    ("joined", "Joining the running session"),
    ("view", "View: 20 members"),                 # the core's view holds all 20 (node:statusInterval)
]


def make_identity(args, folder):
    """Creates the bootstrap's identity once (a node started and stopped); returns its peer id."""
    fleet = Fleet(args.node_dll)
    shutil.rmtree(folder, ignore_errors=True)
    try:
        fleet.start(folder, node_args("identity", args.port + 99, "synthetic", "softmax", 0, 1, 1, 1000, []))
        wait_for(lambda: read_json(os.path.join(folder, "node.json")) is not None, 180, "the bootstrap identity", fleet)
    finally:
        fleet.stop()
    return read_json(os.path.join(folder, "node.json"))["peer_id"]


def cold_start(args, attempt, identity_dir, bootstrap_id, nodes=20, timeout=300):
    root = os.path.join(args.work, "coldstart", f"start-{attempt}")
    shutil.rmtree(root, ignore_errors=True)
    os.makedirs(os.path.join(root, "node-0"))
    shutil.copy2(os.path.join(identity_dir, "identity.key"), os.path.join(root, "node-0", "identity.key"))
    port = args.port + 100 + 20 * attempt
    bootstrap = f"/ip4/127.0.0.1/tcp/{port}/p2p/{bootstrap_id}"
    extra = ["--set", "node:statusInterval=00:00:00.5", "--set", "learning:evaluate=false"]
    if args.coldstart_min_peers:
        extra += ["--set", f"founding:minPeers={args.coldstart_min_peers}"]
    fleet = Fleet(args.node_dll)
    sampler = Sampler(fleet, period=0.5)
    sampler.start()
    result = {"attempt": attempt}
    try:
        launched = time.time()
        for i in range(nodes):
            fleet.start(os.path.join(root, f"node-{i}"),
                        node_args(f"cold{attempt}", port + i, "mnist", "softmax", i, nodes, 10, 0, extra + ([] if i == 0 else ["--bootstrap", bootstrap])))
        result["launch_s"] = time.time() - launched
        full_at, converged_at, statuses = {}, None, {}
        while time.time() - launched < timeout:
            time.sleep(0.25)
            now = time.time()
            statuses = {i: read_json(os.path.join(root, f"node-{i}", "node.json")) for i in range(nodes)}
            if any(p.poll() is not None for p in fleet.procs):
                log(f"cold start {attempt}: a node exited; see the node.log files in {root}")
                break
            ids = {s["peer_id"] for s in statuses.values() if s}
            if len(ids) < nodes:
                continue
            for i, s in statuses.items():
                if i not in full_at and set(s.get("members", [])) == ids:
                    full_at[i] = now - launched
            if len(full_at) == nodes and all(set(s.get("members", [])) == ids for s in statuses.values()):
                converged_at = now - launched
                break
        result["converged_s"] = converged_at
        result["per_node_s"] = sorted(full_at.values())
        # CPU each node used until then: with every node starting at once on 2 cores, the start
        # cannot end before their sum divided by the cores.
        hz = os.sysconf("SC_CLK_TCK")
        result["cpu_s"] = [proc_cpu_ticks(p.pid) / hz for p in fleet.procs]
        if converged_at is not None:
            time.sleep(3)   # still whole a moment later?
            statuses = {i: read_json(os.path.join(root, f"node-{i}", "node.json")) for i in range(nodes)}
        ids = {s["peer_id"] for s in statuses.values() if s}
        views = [frozenset(s.get("members", [])) if s else frozenset() for s in statuses.values()]
        result["distinct_views"] = len(set(views))
        result["smallest_view"] = min(len(v) for v in views)
        result["all_complete"] = all(v == ids for v in views) and len(ids) == nodes
        result["founders"] = sum(1 for i in range(nodes) if log_times(os.path.join(root, f"node-{i}", "node.log"), "Founding the session"))
        result["joiners"] = sum(1 for i in range(nodes) if log_times(os.path.join(root, f"node-{i}", "node.log"), "Joining the running session"))
        result["milestones"] = {key: sorted(t - launched for i in range(nodes)
                                            for t in log_times(os.path.join(root, f"node-{i}", "node.log"), needle)[:1])
                                for key, needle in COLD_START_MILESTONES}
        result["view20_log_s"] = sorted(t - launched for i in range(nodes)
                                        for t in log_times(os.path.join(root, f"node-{i}", "node.log"), f"View: {nodes} members")[:1])
        result["exited"] = [i for i, p in enumerate(fleet.procs) if p.poll() is not None]
        result["root"] = root
        aggregated = sorted(r["unix_s"] for r in load_rows(root) if r.get("role") == "aggregator")
        result["first_aggregate_s"] = aggregated[0] - launched if aggregated else None
        result["rounds_by_end"] = len({r["round"] for r in load_rows(root) if r.get("role") == "aggregator"})
        result["load"] = sampler.load_summary()
        gathering = []
        for pid, index in {p.pid: i for i, p in enumerate(fleet.procs)}.items():
            logfile = os.path.join(root, f"node-{index}", "node.log")
            ready = (log_times(logfile, "Listening on") or [None])[0]
            founded = (log_times(logfile, "Founding the session") + log_times(logfile, "Joining the running session") or [None])[0]
            gathering += [rss for t, p, rss, _ in sampler.samples if p == pid and ready and founded and ready + 1 <= t < founded]
        result["gathering_rss"] = gathering
    finally:
        before = len(hung)
        fleet.stop()
        sampler.stop()
        result["hung"] = hung[before:]
    state = "all 20 in every view" if result["all_complete"] else f"NOT converged: {result['distinct_views']} distinct views, smallest {result['smallest_view']}"
    log(f"cold start {attempt}: {state}" + (f" after {result['converged_s']:.1f} s" if result["converged_s"] else "") +
        f"; {result['founders']} founded, {result['joiners']} joined")
    return result


# ---------------------------------------------------------------------------------------------
# Report

def fmt(q, scale=1.0, digits=1, unit=""):
    if not q:
        return "n/a"
    return f"{q['median'] * scale:.{digits}f}{unit} ({q['p10'] * scale:.{digits}f}-{q['p90'] * scale:.{digits}f})"


def fmt_range(q, scale=1.0, digits=1):
    if not q:
        return "n/a"
    return f"{q['median'] * scale:.{digits}f} ({q['min'] * scale:.{digits}f}-{q['max'] * scale:.{digits}f})"


def load_line(summary):
    l, o, f = summary["load1"], summary["other_cores"], summary["fleet_cores"]
    if not l:
        return "not sampled"
    return (f"load average {l['median']:.1f} (range {l['min']:.1f}-{l['max']:.1f}); other engineers' processes used "
            f"{o['median']:.2f} of the 2 cores (median; p90 {o['p90']:.2f}), the nodes {f['median']:.2f}")


def write_report(args, results):
    out = []
    w = out.append
    stamp = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%MZ")
    w("# Node benchmark")
    w("")
    w(f"Written by `scripts/bench-node.sh{' ' + ' '.join(args.argv) if args.argv else ''}` on {stamp} (2 cores, {os.cpu_count()} CPUs "
      f"visible, .NET Release build, every node its own `decentral-node.dll` process on loopback, "
      f"`MALLOC_ARENA_MAX={os.environ.get('MALLOC_ARENA_MAX', 'unset')}` as `scripts/cluster.sh` sets it). Do not edit the tables "
      f"by hand; rerun the script. The notes under each table are the script's; the reading of them is in "
      f"[node-notes.md](node-notes.md).")
    w("")
    if "rounds" in results:
        w("## Round wall time against the simulator")
        w("")
        w("Each cluster is started as `scripts/cluster.sh` starts one (`configs/node-local.json`, MNIST, Dirichlet alpha 0.5, "
          "seed 1, minModels min(s, 3), node 0 the bootstrap), runs for the stated time, and is stopped with SIGTERM. A round's "
          "period is the time between the sends of two consecutive aggregates (the aggregator rows' `unix_s`), over the "
          "rounds after the first 10 s. The simulator runs the same scenario (nodes, s, task, model, protocol timings, "
          "constant latency, no bandwidth cap, every training taking the median `train_s` the nodes measured, sigma 0).")
        w("")
        w("| cluster | rounds | real round, ms: median (p10-p90) | simulated, latency 0.1 ms | simulated, latency = measured aggregate transfer | real / simulated (0.1 ms) | training `train_s`, ms | accuracy |")
        w("|---|---|---|---|---|---|---|---|")
        for r in results["rounds"]:
            a, s0, s1 = r["analysis"], r["sim_floor"], r["sim_latency"]
            ratio = a["periods"]["median"] / s0["periods"]["median"] if s0["periods"] else float("nan")
            acc = f"{a['accuracy'][1] * 100:.1f} % at round {a['accuracy'][0]}" if a["accuracy"] else "n/a"
            w(f"| {r['label']} | {a['periods']['n']} in {a['window_s']:.0f} s | {fmt(a['periods'], 1000)} | {fmt(s0['periods'], 1000)} | "
              f"{fmt(s1['periods'], 1000)} (latency {s1['latency_ms']:.2f} ms) | {ratio:.1f}x | {fmt(a['train'], 1000)} | {acc} |")
        w("")
        w("### Where a real round goes")
        w("")
        w("Each round is followed along its first trained model to reach the aggregator: the aggregate's transfer to that "
          "trainer, its phases (`queue_s`, `train_s`, `encode_s`, `search_s` of its row), the trained model's transfer to the "
          "next aggregator, then the aggregator's `wait_s` for the rest of the sample, `aggregate_s` and `search_s`. "
          "Transfers are the gaps between one node's send and the next node's arrival (all nodes share one clock); they "
          "include the wire encoding, libp2p streaming and the receiver's decoding, and are 0 when the model stayed on one "
          "node. Mean ms per round (means add up to the mean period; `residual` is what the path does not explain).")
        w("")
        keys = [("transfer_aggregate", "transfer: aggregate"), ("queue", "queue (event loop, thread pool)"), ("train", "training"),
                ("encode", "encode trained model"), ("search_trainer", "search: aggregators"), ("transfer_trained", "transfer: trained model"),
                ("wait", "wait: rest of the sample"), ("aggregate", "combine + encode aggregate"), ("search_aggregator", "search: sample")]
        w("| phase | " + " | ".join(r["label"] for r in results["rounds"]) + " |")
        w("|---|" + "---|" * len(results["rounds"]))
        for key, label in keys:
            cells = []
            for r in results["rounds"]:
                parts = r["analysis"]["parts"]
                mean = statistics.mean(p[key] for p in parts) if parts else float("nan")
                period = statistics.mean(p["period"] for p in parts) if parts else float("nan")
                cells.append(f"{mean * 1000:.1f} ({mean / period * 100:.0f} %)")
            w(f"| {label} | " + " | ".join(cells) + " |")
        cells = []
        for r in results["rounds"]:
            parts = r["analysis"]["parts"]
            period = statistics.mean(p["period"] for p in parts)
            explained = statistics.mean(sum(p[k] for k, _ in keys) for p in parts)
            cells.append(f"{(period - explained) * 1000:.1f}")
        w("| residual | " + " | ".join(cells) + " |")
        w("| **mean period** | " + " | ".join(f"**{statistics.mean(p['period'] for p in r['analysis']['parts']) * 1000:.1f}** "
                                                f"({len(r['analysis']['parts'])} rounds)" for r in results["rounds"]) + " |")
        w("")
        for r in results["rounds"]:
            a = r["analysis"]
            w(f"- {r['label']}: transfer of a remote aggregate {fmt(a['transfer_aggregate_remote'], 1000, 2, ' ms')}, of a remote "
              f"trained model {fmt(a['transfer_trained_remote'], 1000, 2, ' ms')} (median, p10-p90); {load_line(r['load'])}.")
        w("")
    if "memory" in results:
        w("## Memory per node process")
        w("")
        w("RSS (`VmRSS` of `/proc/<pid>/status`, sampled every 0.25 s) of every node of the clusters above, in MiB: median "
          "(p10-p90) over all samples of all nodes. Gathering: from 1 s after the node listens until it founds or joins. "
          "After founding: running, before the node's first training. Rounds: from 5 s after its first training to the stop. "
          "Peak: `VmHWM` per process. Growth: RSS of the second half of the rounds against the first half, per node.")
        w("")
        w("| cluster | gathering | after founding | during rounds | peak (VmHWM) per process | growth during rounds, MiB/min |")
        w("|---|---|---|---|---|---|")
        for r in results["rounds"]:
            m = r["memory"]
            w(f"| {r['label']} | {fmt(m['gathering'])} | {fmt(m['after_founding'])} (n={m['after_founding']['n'] if m['after_founding'] else 0}) | "
              f"{fmt(m['rounds'])} | {fmt_range(m['peak'])} | {fmt(m['growth_mib_per_min'], 1, 2)} |")
        if results.get("coldstart"):
            g = quantiles([x / 1024 for c in results["coldstart"] for x in c["gathering_rss"]])
            w(f"| 20 nodes of the cold starts (softmax) | {fmt(g)} | | | | |")
        w("")
        for r in results["rounds"]:
            series = r["memory"].get("by_30s")
            if series:
                w(f"- {r['label']}: median RSS over the nodes in each 30 s of rounds, MiB: " + ", ".join(f"{x:.0f}" for x in series))
        w("")
    if results.get("coldstart"):
        cs = results["coldstart"]
        w("## Cold start: 20 nodes started at once")
        w("")
        mp = args.coldstart_min_peers
        w(f"20 `decentral-node` processes launched together (within {max(c['launch_s'] for c in cs):.2f} s), node 0 the bootstrap "
          f"of the other 19 (its identity made beforehand, so its address is known; they retry it until it listens), MNIST softmax "
          f"partitions, s = 10, `configs/node-local.json`, founding:minPeers {mp if mp else 'left at its default (0: protocol:sampleSize, 10)'}, "
          f"node:statusInterval 0.5 s. Time from the launch until every node's `node.json` lists all 20 peer ids as members "
          f"(polled every 0.25 s), then checked again 3 s later.")
        w("")
        w("| start | all 20 in every view after, s | first / median / last node complete, s | founded / joined | first aggregate after, s | distinct views at the end | smallest view | load average |")
        w("|---|---|---|---|---|---|---|---|")
        for c in cs:
            conv = f"{c['converged_s']:.1f}" if c["converged_s"] is not None else "**never (300 s)**"
            per = c["per_node_s"]
            node_times = f"{per[0]:.1f} / {statistics.median(per):.1f} / {per[-1]:.1f}" if per else "n/a"
            l = c["load"]["load1"]
            first = f"{c['first_aggregate_s']:.1f}" if c.get("first_aggregate_s") is not None else "n/a"
            load = f"{l['median']:.1f}" if l else "n/a"
            w(f"| {c['attempt']} | {conv} | {node_times} | {c['founders']} / {c['joiners']} | {first} | {c['distinct_views']} | {c['smallest_view']} | {load} |")
        converged = [c["converged_s"] for c in cs if c["converged_s"] is not None]
        w("")
        q = quantiles(converged)
        w(f"Converged in {len(converged)} of {len(cs)} starts; time to all 20 in every view: median {q['median']:.1f} s, "
          f"range {q['min']:.1f}-{q['max']:.1f} s (worst case {q['max']:.1f} s). Starts that ended with more than one distinct view: "
          f"{sum(1 for c in cs if c['distinct_views'] > 1)}. Nodes that exited: {sum(len(c['exited']) for c in cs)}." if q else
          "No start converged.")
        w(f"Machine during the cold starts: {load_line(merge_loads([c['load'] for c in cs]))}.")
        w("")
        w("### Where a cold start's time goes")
        w("")
        w("Seconds from the launch until each node's log line of that step (median over the nodes, then the median and range "
          "of that over the starts), and the CPU time each node process used until every view held all 20 (`utime + stime`). "
          "All 20 processes start on 2 cores at once, so a start cannot end before their CPU time adds up to 2 s per second: "
          "the CPU floor is the sum over the nodes divided by 2.")
        w("")
        w("| step (log line) | median node, s: median (range) over the starts | last node, s: median |")
        w("|---|---|---|")
        labels = {"host": "host up (`starting in session`)", "data": "data loaded (`Learning:`)", "listen": "listening (`Listening on`)",
                  "bootstrap": "bootstrap dialled (`Connected to bootstrap peer`)", "founded": "founded (`Founding the session`)",
                  "joined": "joined (`Joining the running session`)", "view": "core view of 20 (`View: 20 members`)"}
        for key, _ in COLD_START_MILESTONES:
            per_start = [c["milestones"][key] for c in cs if c.get("milestones", {}).get(key)]
            if not per_start:
                continue
            mids = quantiles([statistics.median(v) for v in per_start])
            lasts = statistics.median(v[-1] for v in per_start)
            w(f"| {labels[key]} | {fmt_range(mids)} | {lasts:.1f} |")
        done = [c for c in cs if c.get("cpu_s") and c["converged_s"] is not None]
        if done:
            per_node = quantiles([x for c in done for x in c["cpu_s"]])
            floors = [sum(c["cpu_s"]) / 2 for c in done]
            ratios = quantiles([c["converged_s"] / (sum(c["cpu_s"]) / 2) for c in done])
            w(f"| CPU per node until converged, s | {fmt(per_node)} (median, p10-p90 over all nodes) | |")
            w(f"| CPU floor (sum / 2 cores), s | {fmt_range(quantiles(floors))} | |")
            w(f"| time to all 20 / CPU floor | {fmt_range(ratios, 1, 2)} | |")
        stuck = [h for c in cs for h in c.get("hung", [])]
        if stuck:
            w("")
            w(f"**Nodes that did not exit within 30 s of SIGTERM** (node:shutdownTimeout is 10 s; killed): {len(stuck)}: "
              + ", ".join(f"`{os.path.relpath(h, args.work)}`" for h in stuck) + ".")
        w("")
    with open(args.out, "w") as f:
        f.write("\n".join(out) + "\n")
    log(f"wrote {args.out}")


def merge_loads(loads):
    def merged(key):
        rows = [l[key] for l in loads if l[key]]
        if not rows:
            return None
        return {"median": statistics.median(r["median"] for r in rows), "min": min(r["min"] for r in rows),
                "max": max(r["max"] for r in rows), "p90": statistics.median(r["p90"] for r in rows)}
    return {k: merged(k) for k in ("load1", "fleet_cores", "other_cores")}


def stop_on_signal(signum, _frame):
    # Ctrl+C or SIGTERM: unwind, so every fleet's finally stops its nodes by their pids.
    raise KeyboardInterrupt(f"signal {signum}")


def main():
    signal.signal(signal.SIGTERM, stop_on_signal)
    signal.signal(signal.SIGINT, stop_on_signal)
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--node-dll", required=True)
    p.add_argument("--sim-dll", required=True)
    p.add_argument("--data", required=True)
    p.add_argument("--work", required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--port", type=int, default=27000)
    p.add_argument("--only", default="rounds,coldstart")
    p.add_argument("--softmax-seconds", type=int, default=60)
    p.add_argument("--lenet-seconds", type=int, default=90)
    p.add_argument("--starts", type=int, default=10)
    p.add_argument("--sim-rounds", type=int, default=200)
    p.add_argument("--coldstart-min-peers", type=int, default=0)
    p.add_argument("--clusters", default="softmax,lenet", help="which round clusters: softmax, lenet")
    p.add_argument("--argv", nargs="*", default=[])
    p.add_argument("--report-only", action="store_true", help="rewrite the report from the last run's results.pickle")
    args = p.parse_args()
    if args.report_only:
        with open(os.path.join(args.work, "results.pickle"), "rb") as f:
            write_report(args, pickle.load(f))
        return
    only = set(args.only.split(","))
    os.makedirs(args.work, exist_ok=True)
    results = {}
    if "rounds" in only:
        results["rounds"] = []
        for label, name, nodes, sample, model, seconds, evals in [
                ("10 nodes, softmax, s=5", "softmax10", 10, 5, "softmax", args.softmax_seconds, 50),
                ("4 nodes, LeNet-5, s=2", "lenet4", 4, 2, "lenet", args.lenet_seconds, 20)]:
            if model not in args.clusters.split(","):
                continue
            run = run_cluster(args, name, nodes, sample, model, seconds, evals)
            analysis = analyse_rounds(run)
            log(f"{name}: median round {analysis['periods']['median'] * 1000:.1f} ms over {analysis['periods']['n']} rounds; "
                f"median training {analysis['train']['median'] * 1000:.1f} ms")
            floor = simulate(args, run, analysis, 0.1, f"{name}-floor")
            measured = analysis["transfer_aggregate_remote"]["median"] * 1000 if analysis["transfer_aggregate_remote"] else 1.0
            latency = simulate(args, run, analysis, round(measured, 3), f"{name}-latency")
            results["rounds"].append({"label": label, "analysis": analysis, "sim_floor": floor, "sim_latency": latency,
                                      "memory": memory_phases(run), "load": run["sampler"].load_summary(run["rounds_from"], run["rounds_until"])})
        results["memory"] = True
    if "coldstart" in only:
        identity = os.path.join(args.work, "coldstart", "bootstrap-identity")
        peer = make_identity(args, identity)
        results["coldstart"] = [cold_start(args, k, identity, peer) for k in range(1, args.starts + 1)]
    with open(os.path.join(args.work, "results.pickle"), "wb") as f:
        pickle.dump(results, f)
    with open(os.path.join(args.work, "results.json"), "w") as f:
        json.dump({k: v for k, v in results.items() if k != "rounds"} |
                  {"rounds": [{k: v for k, v in r.items() if k != "analysis"} | {"analysis": {k: v for k, v in r["analysis"].items() if k != "parts"}}
                              for r in results.get("rounds", [])]}, f, indent=1, default=str)
    write_report(args, results)


if __name__ == "__main__":
    main()
