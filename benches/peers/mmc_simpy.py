#!/usr/bin/env python3
"""M/M/c queue in SimPy: the peer that chipsim's `chipsim bench mmc` is compared with.

Written the way a SimPy user would write it: an Environment, a Resource with
`servers` units, a source process that starts one process per customer after an
exponential interarrival time, and customers that request a server, record their wait
in queue, hold it for an exponential service time and release it.

Prints a CSV header and one row in exactly chipsim's format:

    model,servers,lambda,mu,customers,events,seconds,events_per_sec,wq_mean,wq_ci95_half,wq_exact

Events are counted as chipsim counts them (one arrival and one departure per customer,
so events = 2 x customers), not as SimPy's internal events, so that events/s compares
the same amount of model work. `seconds` is the wall time of the simulation only.
Wq is the mean of 20 batch means over the customers after the first `warmup` (by
arrival order; the remainder that does not fill a batch is dropped, as in chipsim),
with a 95 % CI half-width from Student t with 19 degrees of freedom.
"""

import argparse
import math
import random
import sys
import time
from decimal import Decimal

import simpy

BATCHES = 20
T_975_19DF = 2.093  # Student t, 97.5 % quantile, 19 degrees of freedom


class BatchMeans:
    """Streaming batch means over a sequence of known length."""

    def __init__(self, total, batches):
        self.batch_size = max(total // batches, 1)
        self.batches = batches
        self.in_batch = 0
        self.batch_sum = 0.0
        self.means = []

    def push(self, value):
        if len(self.means) >= self.batches:
            return
        self.batch_sum += value
        self.in_batch += 1
        if self.in_batch == self.batch_size:
            self.means.append(self.batch_sum / self.batch_size)
            self.in_batch = 0
            self.batch_sum = 0.0

    def mean_and_half_width(self):
        n = len(self.means)
        mean = sum(self.means) / n
        if n < 2:
            return mean, float("nan")
        variance = sum((m - mean) ** 2 for m in self.means) / (n - 1)
        return mean, T_975_19DF * math.sqrt(variance / n)


def erlang_c_wait(lam, mu, servers):
    """Mean wait in queue of M/M/c by the stable Erlang B recurrence; None if unstable."""
    a = lam / mu
    c = float(servers)
    if a >= c:
        return None
    b = 1.0
    for k in range(1, servers + 1):
        b = a * b / (k + a * b)
    probability_of_waiting = c * b / (c - a * (1.0 - b))
    return probability_of_waiting / (c * mu - lam)


def customer(env, index, servers, service_rng, mu, warmup, waits):
    arrived = env.now
    with servers.request() as request:
        yield request
        if index >= warmup:
            waits.push(env.now - arrived)
        yield env.timeout(service_rng.expovariate(mu))


def source(env, customers, lam, mu, servers, arrival_rng, service_rng, warmup, waits):
    for index in range(customers):
        yield env.timeout(arrival_rng.expovariate(lam))
        env.process(customer(env, index, servers, service_rng, mu, warmup, waits))


def simulate(lam, mu, servers, customers, warmup, seed):
    # Separate streams for arrivals and service, as chipsim has.
    arrival_rng = random.Random(f"{seed}/arrivals")
    service_rng = random.Random(f"{seed}/service")
    waits = BatchMeans(customers - warmup, BATCHES)
    env = simpy.Environment()
    resource = simpy.Resource(env, capacity=servers)
    env.process(
        source(env, customers, lam, mu, resource, arrival_rng, service_rng, warmup, waits)
    )
    env.run()  # until every customer has left
    return waits


def rust_float(x):
    """A float as Rust's `{}` Display prints it: shortest digits, no exponent, no '.0'."""
    return format(Decimal(repr(x)).normalize(), "f")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lambda", dest="lam", type=float, required=True,
                        help="arrival rate, > 0")
    parser.add_argument("--mu", type=float, required=True, help="service rate per server, > 0")
    parser.add_argument("--servers", type=int, required=True, help="servers, >= 1")
    parser.add_argument("--customers", type=int, required=True, help="customers to simulate")
    parser.add_argument("--warmup", type=int, default=None,
                        help="customers left out of the statistics (default: a tenth)")
    parser.add_argument("--seed", type=int, default=1, help="random seed")
    args = parser.parse_args()

    warmup = args.customers // 10 if args.warmup is None else args.warmup
    if not (args.lam > 0 and args.mu > 0 and math.isfinite(args.lam) and math.isfinite(args.mu)):
        parser.error("--lambda and --mu must be finite numbers greater than 0")
    if args.servers < 1:
        parser.error("--servers must be at least 1")
    if args.lam >= args.mu * args.servers:
        parser.error("utilisation lambda / (mu * servers) must be below 1 for a steady state")
    if args.customers - max(warmup, 0) < BATCHES or warmup < 0:
        parser.error(f"need 0 <= --warmup and at least {BATCHES} customers after the warm-up")

    started = time.perf_counter()
    waits = simulate(args.lam, args.mu, args.servers, args.customers, warmup, args.seed)
    seconds = time.perf_counter() - started

    events = 2 * args.customers
    wq_mean, wq_half = waits.mean_and_half_width()
    exact = erlang_c_wait(args.lam, args.mu, args.servers)
    print("model,servers,lambda,mu,customers,events,seconds,events_per_sec,"
          "wq_mean,wq_ci95_half,wq_exact")
    print(",".join([
        "simpy_mmc",
        str(args.servers),
        rust_float(args.lam),
        rust_float(args.mu),
        str(args.customers),
        str(events),
        f"{seconds:.6f}",
        f"{events / seconds:.0f}",
        f"{wq_mean:.6f}",
        f"{wq_half:.6f}",
        "" if exact is None else f"{exact:.6f}",
    ]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
