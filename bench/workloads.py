"""Key workloads for cache benchmarks: a hot set, Zipf (s = 1.1) and uniform over every key.

wrk picks each request's key at random in its Lua script (a fixed URL list cycled in order
would let an LRU cache hold exactly the keys of the next pass, or none of them); keys are read
from a file, shuffled by the caller so that Zipf's ranks fall on random keys. Warming is by
count: the first ``count`` keys of the file, one request each, then the run. The servers' hit
and miss counters (``cache_lookups_total`` on /metrics) give the hit ratio of each run.
"""

import bisect
import itertools
import json
import random
import re
import subprocess
import tempfile
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import httpx

from bench import harness
from bench.harness import Result, ServerProcess

ZIPF_S = 1.1

KEY_SCRIPT = """
local keys = {}
for line in io.lines("%(keys)s") do keys[#keys + 1] = line end
local n = #keys
local dist = "%(dist)s"
local hot = math.min(%(hot)d, n)
local prefix = "%(prefix)s"
local cdf = nil
if dist == "zipf" then
  cdf = {}
  local total = 0
  for i = 1, n do total = total + i ^ (-%(s)f); cdf[i] = total end
  for i = 1, n do cdf[i] = cdf[i] / total end
end
math.randomseed(%(seed)d)
local function pick()
  if dist == "uniform" then return keys[math.random(n)] end
  if dist == "hot" then return keys[math.random(hot)] end
  local u = math.random()
  local lo, hi = 1, n
  while lo < hi do
    local mid = math.floor((lo + hi) / 2)
    if cdf[mid] < u then lo = mid + 1 else hi = mid end
  end
  return keys[lo]
end
request = function() return wrk.format("GET", prefix .. pick()) end
done = function(summary, latency, requests)
  local errors = summary.errors.connect + summary.errors.read + summary.errors.write
               + summary.errors.status + summary.errors.timeout
  io.write(string.format('\\nRESULT {"requests": %%d, "duration_us": %%d, "p50_us": %%d, "p99_us": %%d, "errors": %%d, "non_2xx": %%d}\\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    errors, summary.errors.status))
end
"""


def key_file(keys: Sequence[str]) -> Path:
    path = Path(tempfile.mkstemp(prefix="bench-keys-", suffix=".txt")[1])
    path.write_text("\n".join(keys) + "\n")
    return path


def run_keys(
    srv: ServerProcess,
    prefix: str,
    keys: Path,
    dist: str,
    *,
    hot: int = 0,
    seconds: float = 5,
    connections: int = 32,
    limit: int = 0,
) -> Result:
    """GET ``prefix + key`` with keys drawn by ``dist`` (hot, zipf, uniform), or, with
    ``limit``, the first ``limit`` keys once each (warming by count, from httpx threads)."""
    if harness.SMOKE:
        seconds = min(seconds, 1.0)
    if limit or harness.wrk_binary() is None:  # wrk cannot stop after a count
        return _run_keys_httpx(srv, prefix, keys, dist, hot, seconds, connections, limit)
    script = Path(tempfile.mkstemp(suffix=".lua")[1])
    script.write_text(
        KEY_SCRIPT
        % {
            "keys": keys,
            "dist": dist,
            "hot": hot,
            "prefix": prefix,
            "s": ZIPF_S,
            "seed": 17,
        }
    )
    cmd = [harness.wrk_binary() or "wrk", "-t1", f"-c{connections}", f"-d{max(1, round(seconds))}s"]
    cmd += ["--timeout", "5s", "-s", str(script), srv.url("/")]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    script.unlink(missing_ok=True)
    data = json.loads(next(x for x in out.splitlines() if x.startswith("RESULT "))[7:])
    return Result(
        rps=data["requests"] / (data["duration_us"] / 1e6),
        p50_ms=data["p50_us"] / 1000,
        p99_ms=data["p99_us"] / 1000,
        requests=data["requests"],
        errors=data["errors"],
    )


def draw(keys: list[str], dist: str, hot: int, count: int, rng: random.Random) -> list[str]:
    """The same distributions in Python (the load generator without wrk)."""
    if dist == "hot":
        return [keys[rng.randrange(min(hot, len(keys)))] for _ in range(count)]
    if dist == "uniform":
        return [keys[rng.randrange(len(keys))] for _ in range(count)]
    weights = list(itertools.accumulate(i**-ZIPF_S for i in range(1, len(keys) + 1)))
    total = weights[-1]
    return [keys[bisect.bisect_left(weights, rng.random() * total)] for _ in range(count)]


def _run_keys_httpx(
    srv: ServerProcess,
    prefix: str,
    keys: Path,
    dist: str,
    hot: int,
    seconds: float,
    connections: int,
    limit: int,
) -> Result:
    all_keys = keys.read_text().split()
    if limit:
        urls = [srv.url(prefix + k) for k in all_keys[:limit]]
        each_once(urls, min(connections, 8))
        return Result(0.0, 0.0, 0.0, len(urls), 0)
    drawn = draw(all_keys, dist, hot, 20_000, random.Random(17))
    return harness.measure([srv.url(prefix + k) for k in drawn], seconds=seconds, warmup=0)


def each_once(urls: list[str], threads: int = 8) -> None:
    """Warming by count: every URL once, from ``threads`` keep-alive clients."""

    def worker(part: list[str]) -> None:
        with httpx.Client(timeout=10) as client:
            for url in part:
                client.get(url)

    parts = [urls[i::threads] for i in range(threads)]
    running = [threading.Thread(target=worker, args=(p,)) for p in parts]
    for t in running:
        t.start()
    for t in running:
        t.join()


# -- what the server says about itself --------------------------------------------------------
_SAMPLE = re.compile(r'^cache_lookups_total\{cache="(\w+)",result="(\w+)"\} ([0-9.e+]+)$', re.M)


@dataclass(frozen=True)
class Lookups:
    hits: float = 0.0
    misses: float = 0.0

    def since(self, before: "Lookups") -> "Lookups":
        return Lookups(self.hits - before.hits, self.misses - before.misses)

    @property
    def hit_ratio(self) -> float | None:
        total = self.hits + self.misses
        return self.hits / total if total else None


def lookups(srv: ServerProcess, cache: str) -> Lookups:
    text = httpx.get(srv.url("/metrics"), timeout=10).text
    found = {result: float(v) for name, result, v in _SAMPLE.findall(text) if name == cache}
    return Lookups(found.get("hit", 0.0), found.get("miss", 0.0))


def rss_mb(srv: ServerProcess) -> float:
    """Resident memory of the API worker (one worker: the uvicorn process itself)."""
    assert srv.process is not None
    status = Path(f"/proc/{srv.process.pid}/status").read_text()
    kb = next(int(line.split()[1]) for line in status.splitlines() if line.startswith("VmRSS:"))
    return kb / 1024
