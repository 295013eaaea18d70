#!/usr/bin/env python3
"""Where a query runs: one local process on local files, one local process
reading the same files from an S3 server, and a 2-executor cluster on this
machine (reading the local files, and the bucket).

    bench/places.py --data DIR --segql BIN [--runs 3] [--threads 2]

Starts what it needs on 127.0.0.1 and stops it at the end (also on
failure): an S3-compatible server (`moto_server`, pip install
'moto[server]'), into which it copies DIR once, and a segql cluster (a
scheduler and two executors, --slots task slots each). Each
suite query (bench/suite/*.seg) runs in every place, in turn; the answers
must be equal; the table shows medians in seconds and each place's ratio
to the local run. The data is what bench/run.sh wrote
(bench/data/demo-10000000, or bench/data/10000000 when written before the
shapes), the binary a release build.
"""

import argparse
import hashlib
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

SUITE = Path(__file__).resolve().parent / "suite"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(url, what, seconds=60):
    deadline = time.time() + seconds
    while time.time() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as answer:
                if answer.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.2)
    sys.exit(f"{what} did not answer {url}")


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--data", required=True)
    p.add_argument("--segql", required=True)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--slots", type=int, default=1, help="task slots of each executor")
    p.add_argument("--runs", type=int, default=3)
    p.add_argument("--now", default="2026-04-01T00:00:00Z")
    p.add_argument("--only", nargs="*")
    args = p.parse_args()
    data = Path(args.data).resolve()
    work = Path(tempfile.mkdtemp(prefix="segql-places-"))
    processes = []
    env = dict(os.environ)

    def start(argv, log):
        proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=open(work / log, "w"), env=env)
        processes.append(proc)
        return proc

    try:
        s3_port = free_port()
        start(["moto_server", "-H", "127.0.0.1", "-p", str(s3_port)], "s3.log")
        endpoint = f"http://127.0.0.1:{s3_port}"
        wait_for(f"{endpoint}/moto-api/", "the S3 server")
        env.update(AWS_ENDPOINT_URL=endpoint, AWS_ALLOW_HTTP="true", AWS_REGION="us-east-1",
                   AWS_ACCESS_KEY_ID="bench", AWS_SECRET_ACCESS_KEY="bench")
        import boto3
        s3 = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1",
                          aws_access_key_id="bench", aws_secret_access_key="bench")
        s3.create_bucket(Bucket="bench")
        for f in sorted(data.iterdir()):
            if f.suffix == ".parquet":
                s3.upload_file(str(f), "bench", f"shop/{f.name}")
        bucket = "s3://bench/shop/"

        scheduler = free_port()
        start([args.segql, "cluster", "scheduler", "--bind", f"127.0.0.1:{scheduler}",
               "--min-executors", "2"], "scheduler.log")
        wait_for(f"http://127.0.0.1:{scheduler}/healthz", "the scheduler")
        for n in (1, 2):
            start([args.segql, "cluster", "executor", "--scheduler", f"127.0.0.1:{scheduler}",
                   "--bind", f"127.0.0.1:{free_port()}", "--grpc-port", str(free_port()),
                   "--work-dir", str(work / f"executor-{n}"), "--slots", str(args.slots)],
                  f"executor-{n}.log")
        wait_for(f"http://127.0.0.1:{scheduler}/readyz", "the executors")
        cluster = ["--cluster", f"df://127.0.0.1:{scheduler}"]

        places = [
            ("local files", ["--data", str(data)]),
            ("S3, one process", ["--data", bucket]),
            ("cluster, local files", ["--data", str(data), *cluster]),
            ("cluster, S3", ["--data", bucket, *cluster]),
        ]
        queries = sorted(SUITE.glob("*.seg"))
        if args.only:
            queries = [q for q in queries if any(o in q.name for o in args.only)]
        rows = []
        for query in queries:
            times = {name: [] for name, _ in places}
            answers = {}
            for _ in range(args.runs):
                for name, flags in places:
                    argv = [args.segql, "run", str(query), "--threads", str(args.threads),
                            "--now", args.now, "--pictures", "never", "--format", "csv", *flags]
                    started = time.perf_counter()
                    proc = subprocess.run(argv, capture_output=True, env=env)
                    seconds = time.perf_counter() - started
                    if proc.returncode != 0:
                        sys.exit(f"{query.name} ({name}) failed:\n{proc.stderr.decode()}")
                    times[name].append(seconds)
                    answers[name] = hashlib.sha256(proc.stdout).hexdigest()
            if len(set(answers.values())) != 1:
                sys.exit(f"{query.name}: the places disagree: {answers}")
            rows.append((query.stem, {name: statistics.median(t) for name, t in times.items()}))
            print(f"{query.stem}: " + ", ".join(f"{n} {statistics.median(t):.2f} s" for n, t in times.items()),
                  file=sys.stderr)

        names = [name for name, _ in places]
        print("| query | " + " | ".join(names) + " |")
        print("|---|" + "---:|" * len(names))
        for stem, medians in rows:
            base = medians[names[0]]
            cells = [f"{medians[names[0]]:.2f}"] + [
                f"{medians[n]:.2f} ({medians[n] / base:.2f}×)" for n in names[1:]]
            print(f"| {stem} | " + " | ".join(cells) + " |")
    finally:
        for proc in processes:
            proc.terminate()
        for proc in processes:
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()


if __name__ == "__main__":
    main()
