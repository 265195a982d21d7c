//! Hold-model benchmark of the event queue alone, without any model or clock around it.
//!
//! The hold model is the classic priority-queue benchmark: the queue is pre-filled with
//! `N` events, then each *hold* pops the earliest event and pushes a new one at the popped
//! time plus an exponential(1) increment, so the queue stays at size `N`. The increments
//! come from a fixed-seed `Xoshiro256PlusPlus`, so every run does the same work.
//!
//! For `N` in {16, 1024, 65536} it compares
//! - `chipsim`: [`chipsim::engine::EventQueue`], which pays for validated `SimTime`s,
//!   stable FIFO order at equal times and O(1) cancellation, against
//! - `binary_heap`: a plain `std::collections::BinaryHeap` of
//!   `Reverse((time bits, sequence, Ev))`, the floor any event queue should be close to.
//!
//! Throughput is reported in elements, one element being one hold (one pop plus one push).
//!
//! Run it with `cargo bench --bench event_queue`; a quicker pass:
//! `cargo bench --bench event_queue -- --warm-up-time 1 --measurement-time 3`.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::hint::black_box;

use chipsim::engine::{EventQueue, SimTime};
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use rand::SeedableRng;
use rand_distr::{Distribution, Exp1};
use rand_xoshiro::Xoshiro256PlusPlus;

/// Queue sizes: fits in L1, fits in L2, spills out of L2.
const SIZES: [usize; 3] = [16, 1024, 65536];
/// Holds per criterion iteration, so the timer overhead is amortised.
const HOLDS_PER_ITER: u64 = 1024;
const SEED: u64 = 0x5EED_C41F;

/// A small event enum like a real model's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Ev {
    Arrival,
    Departure(u32),
}

/// The event that replaces a popped one: the cycle an M/M/1 customer goes through.
#[inline]
fn next_event(popped: Ev, counter: &mut u32) -> Ev {
    match popped {
        Ev::Arrival => {
            *counter = counter.wrapping_add(1);
            Ev::Departure(*counter)
        }
        Ev::Departure(_) => Ev::Arrival,
    }
}

/// The initial event for slot `i` of the pre-filled queue.
fn initial_event(i: usize) -> Ev {
    if i.is_multiple_of(2) {
        Ev::Arrival
    } else {
        Ev::Departure(i as u32)
    }
}

fn rng() -> Xoshiro256PlusPlus {
    Xoshiro256PlusPlus::seed_from_u64(SEED)
}

fn exp1(rng: &mut Xoshiro256PlusPlus) -> f64 {
    Exp1.sample(rng)
}

// ---- chipsim::engine::EventQueue ----

fn chipsim_prefilled(n: usize, rng: &mut Xoshiro256PlusPlus) -> EventQueue<Ev> {
    let mut queue = EventQueue::new();
    for i in 0..n {
        let time = SimTime::new(exp1(rng)).expect("valid time");
        queue.push(time, initial_event(i));
    }
    queue
}

fn chipsim_holds(
    queue: &mut EventQueue<Ev>,
    rng: &mut Xoshiro256PlusPlus,
    counter: &mut u32,
    holds: u64,
) {
    for _ in 0..holds {
        let (time, event) = queue.pop().expect("the queue is never empty");
        let next = time.after(exp1(rng)).expect("valid time");
        queue.push(next, next_event(black_box(event), counter));
    }
}

// ---- std BinaryHeap baseline ----

/// Min-heap entry: (time as ordered bits, insertion sequence, event).
type HeapEntry = Reverse<(u64, u64, Ev)>;

/// Times are finite and non-negative, so their IEEE-754 bits order like the numbers.
#[inline]
fn time_key(days: f64) -> u64 {
    debug_assert!(days >= 0.0 && days.is_finite());
    days.to_bits()
}

struct PlainHeap {
    heap: BinaryHeap<HeapEntry>,
    sequence: u64,
}

impl PlainHeap {
    fn push(&mut self, days: f64, event: Ev) {
        self.heap
            .push(Reverse((time_key(days), self.sequence, event)));
        self.sequence += 1;
    }

    fn pop(&mut self) -> Option<(f64, Ev)> {
        self.heap
            .pop()
            .map(|Reverse((key, _, event))| (f64::from_bits(key), event))
    }
}

fn heap_prefilled(n: usize, rng: &mut Xoshiro256PlusPlus) -> PlainHeap {
    let mut heap = PlainHeap {
        heap: BinaryHeap::with_capacity(n + 1),
        sequence: 0,
    };
    for i in 0..n {
        heap.push(exp1(rng), initial_event(i));
    }
    heap
}

fn heap_holds(heap: &mut PlainHeap, rng: &mut Xoshiro256PlusPlus, counter: &mut u32, holds: u64) {
    for _ in 0..holds {
        let (days, event) = heap.pop().expect("the heap is never empty");
        heap.push(days + exp1(rng), next_event(black_box(event), counter));
    }
}

fn hold_model(c: &mut Criterion) {
    let mut group = c.benchmark_group("hold");
    group.throughput(Throughput::Elements(HOLDS_PER_ITER));
    for &n in &SIZES {
        group.bench_with_input(BenchmarkId::new("chipsim", n), &n, |b, &n| {
            // Built once per sample run and reused: the queue size stays at n.
            let mut rng = rng();
            let mut queue = chipsim_prefilled(n, &mut rng);
            let mut counter = 0;
            b.iter(|| chipsim_holds(&mut queue, &mut rng, &mut counter, HOLDS_PER_ITER));
            assert_eq!(queue.len(), n);
        });
        group.bench_with_input(BenchmarkId::new("binary_heap", n), &n, |b, &n| {
            let mut rng = rng();
            let mut heap = heap_prefilled(n, &mut rng);
            let mut counter = 0;
            b.iter(|| heap_holds(&mut heap, &mut rng, &mut counter, HOLDS_PER_ITER));
            assert_eq!(heap.heap.len(), n);
        });
    }
    group.finish();
}

criterion_group!(benches, hold_model);
criterion_main!(benches);
