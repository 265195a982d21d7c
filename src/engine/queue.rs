//! Event queue: a sorted run and a 4-ary min-heap for the events of the current day,
//! in front of one-day buckets of later events, ordered on (time, insertion sequence),
//! with O(1) cancellation.
//!
//! Equal times pop in the order they were scheduled, so one seed gives one trajectory.
//! The heap holds the events themselves (small `Copy` values), keyed by one 128-bit
//! number, time bits above sequence; keys are unique, so the pop order is the key order
//! whatever the heap's shape. These things make it faster than a plain
//! `std::collections::BinaryHeap` of the same entries:
//!
//! - **Four children per node.** Half the levels of a binary heap, and the four
//!   children of a node lie side by side (two cache lines), so an entry sinking through
//!   a large queue (a world with many projects holds hundreds of thousands of pending
//!   events) touches half as many cache lines.
//!
//! - **A vacant root.** Popping takes the top entry and leaves its place empty instead of
//!   refilling it at once. A simulation nearly always schedules an event while handling
//!   the one it just popped; that event goes straight into the vacant root and sinks to
//!   its place: one pass, where a plain heap makes two (refill after the pop, rise after
//!   the push). Only when the next pop finds the root still vacant does the last entry
//!   move up to fill it.
//! - **Sinking stops early.** An entry sinks top-down and stops at the first level where
//!   it is not after the smallest child; of four children, the smallest is picked by
//!   two pairwise comparisons and one between their winners, without branches.
//! - **Only the current day is in the heap.** A model schedules much of its work
//!   ahead (the supply chain: half its events more than 100 days ahead, a quarter more
//!   than 500, most of them each project's milestones, scheduled when it starts), and
//!   such entries would make the heap deep for every pop. A later event is appended, in
//!   O(1), to the list of its bucket of [`BUCKET_DAYS`] days (a calendar). When the
//!   queue runs dry, the next non-empty bucket is sorted once, latest first, into the
//!   *run*, and pops take the run's last entry in O(1); only events scheduled into the
//!   current bucket after it was sorted go to the heap, which stays a few entries deep.
//!   The earliest event is the run's last or the heap's root, whichever key is smaller.
//!   In the baseline four events in five come through a bucket, a handful per day.
//!   Measured (cachegrind, `bench model --reps 20`): pouring 32-day buckets into the
//!   heap 552.6 M instructions, sorting them into runs instead 524.0 M, and with one-day
//!   buckets and the memory kept (below) 483.3 M; the × 100 world gains as much.
//!   [`BUCKETS`] buckets cover about 45 years; the last takes every later event, and
//!   once the clock reaches it every event goes to the heap.
//! - **Memory is kept.** A poured bucket keeps the spent run's memory in its place, and
//!   [`clear`](EventQueue::clear) empties a queue without freeing it, so a thread
//!   running replications one after another grows its queue in its first ones only.
//!
//! Cancelling leaves the entry where it is and adds its key to a set of cancelled keys;
//! the queue remembers the smallest one still queued. The earliest entry of the run and
//! the heap is never after a cancelled entry (bucketed ones are later than all of them),
//! so it is cancelled exactly when its key equals that smallest one: one comparison per
//! pop, and the entry is dropped there. Keys pop in increasing order, so an event has
//! fired when its key is below the last popped key, which is how a stale handle is
//! refused without per-event bookkeeping. It holds the pending events plus the
//! cancelled ones not yet passed, in memory kept for about one replication's events.
//!
//! Costs: push O(1) into a bucket, O(log n) into the heap of the current bucket; pop
//! O(1) from the run, O(log n) from the heap; each bucketed event is sorted once,
//! O(log b) per event for a bucket of b events.

use std::collections::HashSet;

use super::time::SimTime;

/// Handle to a scheduled event, used to cancel it. Stale handles are harmless.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct EventId {
    key: u128,
}

/// Children per heap node.
const ARITY: usize = 4;

/// Days per bucket of later events: a power of two, so `day / BUCKET_DAYS` is exact
/// and an event at `day` belongs to bucket `b` exactly when
/// `b × BUCKET_DAYS ≤ day < (b + 1) × BUCKET_DAYS`.
pub const BUCKET_DAYS: f64 = 1.0;

/// Buckets of later events; the last also takes every event after it.
pub const BUCKETS: u64 = 16_384;

/// A heap entry: the order key (time bits, then insertion sequence) and the event.
#[derive(Clone, Copy, Debug)]
struct Entry<E> {
    key: u128,
    event: E,
}

/// Where the earliest pending event is.
#[derive(Clone, Copy, Debug)]
enum Front {
    /// The last entry of the run.
    Run,
    /// The root of the heap.
    Heap,
}

/// The key of an event at `time` scheduled as number `sequence`: non-negative times
/// order like their bits, and the sequence breaks ties in insertion order.
#[inline]
fn order_key(time: SimTime, sequence: u64) -> u128 {
    (u128::from(time.order_key()) << 64) | u128::from(sequence)
}

#[inline]
fn time_of(key: u128) -> SimTime {
    SimTime::from_order_key((key >> 64) as u64)
}

/// A priority queue of timestamped events of type `E`.
///
/// Events must not be pushed before the time of the last popped event (the
/// [`Scheduler`](super::Scheduler) refuses such times), so keys pop in increasing order.
#[derive(Debug)]
pub struct EventQueue<E> {
    /// The poured bucket's events not yet popped, sorted latest first (the next is last).
    run: Vec<Entry<E>>,
    /// Events scheduled into the current bucket after it was poured.
    heap: Vec<Entry<E>>,
    /// `heap[0]` was popped and awaits the next push (or the last entry).
    root_vacant: bool,
    /// The bucket the heap has reached: its events and all earlier ones are in the heap.
    bucket: u64,
    /// The key of the first instant of the next bucket: keys from it on wait in `later`.
    near_limit: u128,
    /// Events of the buckets after `bucket`.
    later: Buckets<E>,
    next_sequence: u64,
    /// Every key below this has been popped.
    popped_below: u128,
    /// Keys of cancelled events still in the heap.
    cancelled: HashSet<u128>,
    /// The smallest key in `cancelled`, or `u128::MAX`.
    first_cancelled: u128,
    /// Keys of cancelled events dropped from the heap that no pop has passed yet, so
    /// that cancelling one again is refused.
    dropped: HashSet<u128>,
}

impl<E: Copy> Default for EventQueue<E> {
    fn default() -> Self {
        Self::new()
    }
}

impl<E: Copy> EventQueue<E> {
    /// An empty queue.
    pub fn new() -> Self {
        EventQueue {
            run: Vec::new(),
            heap: Vec::new(),
            root_vacant: false,
            bucket: 0,
            near_limit: bucket_start(1),
            later: Buckets::default(),
            next_sequence: 0,
            popped_below: 0,
            cancelled: HashSet::new(),
            first_cancelled: u128::MAX,
            dropped: HashSet::new(),
        }
    }

    /// Empties the queue as if new, keeping its memory for the events to come. Handles
    /// issued before must not be used after: they may name new events.
    pub fn clear(&mut self) {
        self.run.clear();
        self.heap.clear();
        self.root_vacant = false;
        self.bucket = 0;
        self.near_limit = bucket_start(1);
        self.later.clear();
        self.next_sequence = 0;
        self.popped_below = 0;
        self.cancelled.clear();
        self.first_cancelled = u128::MAX;
        self.dropped.clear();
    }

    /// Number of events scheduled and neither popped nor cancelled.
    pub fn len(&self) -> usize {
        self.run.len() + self.heap.len() + self.later.len
            - usize::from(self.root_vacant)
            - self.cancelled.len()
    }

    /// True when no event is pending.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Adds `event` at `time`; it pops after every event already queued at the same time.
    #[inline]
    pub fn push(&mut self, time: SimTime, event: E) -> EventId {
        let key = order_key(time, self.next_sequence);
        debug_assert!(
            key >= self.popped_below,
            "pushed before the last popped event"
        );
        self.next_sequence += 1;
        let entry = Entry { key, event };
        if key >= self.near_limit {
            // At or after the start of bucket `self.bucket + 1`, so in a later bucket.
            let bucket = ((time.days() / BUCKET_DAYS) as u64).min(BUCKETS - 1);
            self.later.push(bucket, entry);
        } else if self.root_vacant {
            self.root_vacant = false;
            self.sink_from_root(entry);
        } else {
            self.heap.push(entry);
            self.rise(self.heap.len() - 1, entry);
        }
        EventId { key }
    }

    /// Removes a pending event; returns false if it already fired or was cancelled.
    /// Only handles this queue issued are valid.
    pub fn cancel(&mut self, id: EventId) -> bool {
        let issued = (id.key as u64) < self.next_sequence;
        if !issued
            || id.key < self.popped_below
            || self.dropped.contains(&id.key)
            || !self.cancelled.insert(id.key)
        {
            return false;
        }
        self.first_cancelled = self.first_cancelled.min(id.key);
        true
    }

    /// The time of the next pending event.
    pub fn peek_time(&mut self) -> Option<SimTime> {
        self.settle_front().map(|(key, _)| time_of(key))
    }

    /// Removes and returns the earliest pending event (ties in insertion order).
    pub fn pop(&mut self) -> Option<(SimTime, E)> {
        self.pop_not_after(u128::MAX)
    }

    /// Like [`pop`](Self::pop), but only if the earliest event is not after `horizon`.
    #[inline]
    pub fn pop_not_after_time(&mut self, horizon: SimTime) -> Option<(SimTime, E)> {
        self.pop_not_after(order_key(horizon, u64::MAX))
    }

    #[inline]
    fn pop_not_after(&mut self, horizon_key: u128) -> Option<(SimTime, E)> {
        let (key, front) = self.settle_front()?;
        if key > horizon_key {
            return None;
        }
        let event = self.take(front);
        self.popped_below = key + 1;
        Some((time_of(key), event))
    }

    /// Finds the earliest pending event, with its key: fills a vacant root, pours the
    /// next bucket when the run and the heap are both empty, drops cancelled events
    /// that reached the front.
    #[inline]
    fn settle_front(&mut self) -> Option<(u128, Front)> {
        loop {
            if self.root_vacant {
                self.root_vacant = false;
                let last = self.heap.pop().expect("a vacant root has entries below it");
                self.sink_from_root(last);
            }
            if self.run.is_empty() && self.heap.is_empty() && self.later.len > 0 {
                self.pour_next_bucket();
            }
            let (key, front) = match (self.run.last(), self.heap.first()) {
                (Some(run), Some(heap)) if heap.key < run.key => (heap.key, Front::Heap),
                (Some(run), _) => (run.key, Front::Run),
                (None, Some(heap)) => (heap.key, Front::Heap),
                (None, None) => return None,
            };
            if key != self.first_cancelled {
                return Some((key, front));
            }
            self.take(front);
            self.cancelled.remove(&key);
            self.first_cancelled = self.cancelled.iter().copied().min().unwrap_or(u128::MAX);
            let popped_below = self.popped_below;
            self.dropped.retain(|&dropped| dropped >= popped_below);
            self.dropped.insert(key);
        }
    }

    /// Makes the next non-empty bucket the run, sorted latest first: everything still in
    /// `later` is after its events. The bucket's list and the spent run trade places, so
    /// the bucket keeps memory for the next replication's events of those days.
    fn pour_next_bucket(&mut self) {
        let bucket = self.later.next_filled(self.bucket + 1);
        self.bucket = bucket;
        self.near_limit = if bucket + 1 >= BUCKETS {
            u128::MAX
        } else {
            bucket_start(bucket + 1)
        };
        self.run.clear();
        self.later.swap_out(bucket, &mut self.run);
        self.run
            .sort_unstable_by_key(|entry| std::cmp::Reverse(entry.key));
    }

    /// Removes the front event: the run's last, or the heap's root (emptying the heap if
    /// it was the only entry, else leaving the root vacant).
    #[inline]
    fn take(&mut self, front: Front) -> E {
        match front {
            Front::Run => self.run.pop().expect("the front is in the run").event,
            Front::Heap => {
                let event = self.heap[0].event;
                if self.heap.len() == 1 {
                    self.heap.clear();
                } else {
                    self.root_vacant = true;
                }
                event
            }
        }
    }

    /// Places `entry` in the root slot and sinks it to where it belongs.
    #[inline]
    fn sink_from_root(&mut self, entry: Entry<E>) {
        let heap = &mut self.heap;
        let len = heap.len();
        let mut index = 0;
        loop {
            let first = ARITY * index + 1;
            if first >= len {
                break;
            }
            let child = if first + ARITY <= len {
                // All four children: the smaller of each pair, then of the two, without
                // a branch on the keys.
                let left = first + usize::from(heap[first + 1].key < heap[first].key);
                let right = first + 2 + usize::from(heap[first + 3].key < heap[first + 2].key);
                if heap[right].key < heap[left].key {
                    right
                } else {
                    left
                }
            } else {
                (first + 1..len).fold(first, |smallest, other| {
                    if heap[other].key < heap[smallest].key {
                        other
                    } else {
                        smallest
                    }
                })
            };
            if entry.key < heap[child].key {
                break;
            }
            heap[index] = heap[child];
            index = child;
        }
        heap[index] = entry;
    }

    /// Moves `entry`, which belongs at `index`, up past every later parent.
    #[inline]
    fn rise(&mut self, mut index: usize, entry: Entry<E>) {
        let heap = &mut self.heap;
        while index > 0 {
            let parent = (index - 1) / ARITY;
            if heap[parent].key < entry.key {
                break;
            }
            heap[index] = heap[parent];
            index = parent;
        }
        heap[index] = entry;
    }
}

/// The key of the first instant of `bucket`.
fn bucket_start(bucket: u64) -> u128 {
    let day = SimTime::new(bucket as f64 * BUCKET_DAYS).expect("bucket starts are finite");
    order_key(day, 0)
}

/// Later events by bucket, unordered within one (sorted when poured). One list per
/// bucket, kept with its memory between replications: the same days fill about as much
/// in every replication, so a thread's queue stops growing after its first ones, and
/// memory is about one replication's events.
#[derive(Debug)]
struct Buckets<E> {
    lists: Vec<Vec<Entry<E>>>,
    /// Events held.
    len: usize,
}

impl<E> Default for Buckets<E> {
    fn default() -> Self {
        Buckets {
            lists: Vec::new(),
            len: 0,
        }
    }
}

impl<E: Copy> Buckets<E> {
    /// Adds `entry` to `bucket`.
    fn push(&mut self, bucket: u64, entry: Entry<E>) {
        let bucket = bucket as usize;
        if self.lists.len() <= bucket {
            self.lists.resize_with(bucket + 1, Vec::new);
        }
        self.lists[bucket].push(entry);
        self.len += 1;
    }

    /// Empties every bucket, keeping the lists' memory.
    fn clear(&mut self) {
        self.lists.iter_mut().for_each(Vec::clear);
        self.len = 0;
    }

    /// The first non-empty bucket from `bucket` on (there is one while `len > 0`).
    fn next_filled(&self, bucket: u64) -> u64 {
        (bucket as usize..self.lists.len())
            .find(|&b| !self.lists[b].is_empty())
            .expect("a bucket holds the events counted in len") as u64
    }

    /// Trades `bucket`'s events for the empty `list`, which stays in its place.
    fn swap_out(&mut self, bucket: u64, list: &mut Vec<Entry<E>>) {
        debug_assert!(list.is_empty());
        std::mem::swap(&mut self.lists[bucket as usize], list);
        self.len -= list.len();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn t(days: f64) -> SimTime {
        SimTime::new(days).unwrap()
    }

    #[test]
    fn equal_times_pop_in_insertion_order() {
        let mut queue = EventQueue::new();
        for label in 0..5 {
            queue.push(t(1.0), label);
        }
        queue.push(t(0.5), 99);
        let order: Vec<i32> = std::iter::from_fn(|| queue.pop().map(|(_, e)| e)).collect();
        assert_eq!(order, vec![99, 0, 1, 2, 3, 4]);
    }

    #[test]
    fn cancel_twice_and_after_pop_is_refused() {
        let mut queue = EventQueue::new();
        let first = queue.push(t(1.0), 'a');
        let second = queue.push(t(2.0), 'b');
        assert!(queue.cancel(second));
        assert!(!queue.cancel(second));
        assert_eq!(queue.pop(), Some((t(1.0), 'a')));
        assert!(!queue.cancel(first));
        let third = queue.push(t(3.0), 'c');
        assert!(!queue.cancel(second));
        assert_eq!(queue.len(), 1);
        assert_eq!(queue.peek_time(), Some(t(3.0)));
        assert!(queue.cancel(third));
        assert!(queue.is_empty());
        assert_eq!(queue.pop(), None);
    }

    #[test]
    fn cancelling_below_an_event_dropped_by_a_peek_still_cancels() {
        let mut queue = EventQueue::new();
        queue.push(t(1.0), 0);
        let dropped_by_peek = queue.push(t(5.0), 1);
        assert_eq!(queue.pop(), Some((t(1.0), 0)));
        assert!(queue.cancel(dropped_by_peek));
        assert_eq!(queue.peek_time(), None);
        // Still allowed: not before the last popped event, though before the dropped one.
        let early = queue.push(t(3.0), 2);
        let late = queue.push(t(7.0), 3);
        assert!(queue.cancel(early));
        assert!(queue.cancel(late));
        assert!(!queue.cancel(dropped_by_peek));
        assert_eq!(queue.len(), 0);
        assert_eq!(queue.pop(), None);
    }

    #[test]
    fn a_handle_from_the_future_is_refused() {
        let mut queue: EventQueue<u8> = EventQueue::new();
        let mut other = EventQueue::new();
        other.push(t(5.0), 0);
        let foreign = other.push(t(5.0), 1);
        queue.push(t(5.0), 7);
        assert!(!queue.cancel(foreign));
        assert_eq!(queue.len(), 1);
    }

    #[test]
    fn horizon_leaves_later_events_queued() {
        let mut queue = EventQueue::new();
        queue.push(t(1.0), 1);
        queue.push(t(2.0), 2);
        assert_eq!(queue.pop_not_after_time(t(1.5)), Some((t(1.0), 1)));
        assert_eq!(queue.pop_not_after_time(t(1.5)), None);
        assert_eq!(queue.len(), 1);
        assert_eq!(queue.pop_not_after_time(t(2.0)), Some((t(2.0), 2)));
        assert!(queue.is_empty());
    }

    #[test]
    fn later_events_pour_in_order_also_past_the_last_bucket() {
        let mut queue = EventQueue::new();
        let last = BUCKETS as f64 * BUCKET_DAYS;
        let days = [
            last * 3.0,
            40.0,
            last + 1.0,
            5.0,
            last * 3.0,
            1e9,
            40.0,
            70.0,
        ];
        for (label, &day) in days.iter().enumerate() {
            queue.push(t(day), label);
        }
        let cancelled = queue.push(t(70.0), 99);
        assert!(queue.cancel(cancelled));
        assert_eq!(queue.len(), days.len());
        let order: Vec<usize> = std::iter::from_fn(|| queue.pop().map(|(_, e)| e)).collect();
        assert_eq!(order, vec![3, 1, 6, 7, 2, 0, 4, 5]);
        // Once the clock is in the last bucket, everything goes to the heap.
        queue.push(t(2e9), 8);
        queue.push(t(1.5e9), 9);
        assert_eq!(queue.pop().map(|(_, e)| e), Some(9));
        assert_eq!(queue.pop().map(|(_, e)| e), Some(8));
        assert!(queue.is_empty());
    }

    #[derive(Debug, Clone)]
    enum Op {
        Push(u8),
        Pop,
        Peek,
        Cancel(usize),
        Clear,
    }

    fn op() -> impl Strategy<Value = Op> {
        prop_oneof![
            9 => (0u8..20).prop_map(Op::Push),
            // Days 0-255 span 256 one-day buckets of later events.
            6 => any::<u8>().prop_map(Op::Push),
            6 => Just(Op::Pop),
            3 => Just(Op::Peek),
            3 => (0usize..64).prop_map(Op::Cancel),
            // As between two replications: the queue starts over with its memory.
            1 => Just(Op::Clear),
        ]
    }

    proptest! {
        /// Against a naive model: pops are in non-decreasing time, equal times in
        /// insertion order, cancelled events never fire (nor cancel twice, also after
        /// a peek dropped them), and the count is exact.
        #[test]
        fn matches_a_sorted_list(ops in proptest::collection::vec(op(), 1..300)) {
            let mut queue = EventQueue::new();
            let mut model: Vec<(u8, u64, EventId)> = Vec::new();
            let mut handles: Vec<EventId> = Vec::new();
            let mut next = 0u64;
            let mut last_popped: Option<(u8, u64)> = None;
            for op in ops {
                match op {
                    Op::Push(time) => {
                        // Never schedule before the last popped event, as the engine guarantees.
                        let time = time.max(last_popped.map_or(0, |(t, _)| t));
                        let id = queue.push(t(f64::from(time)), next);
                        model.push((time, next, id));
                        handles.push(id);
                        next += 1;
                    }
                    Op::Pop => {
                        model.sort_by_key(|&(time, seq, _)| (time, seq));
                        let expected = if model.is_empty() { None } else { Some(model.remove(0)) };
                        let got = queue.pop();
                        prop_assert_eq!(got.map(|(time, e)| (time.days() as u8, e)), expected.map(|(time, seq, _)| (time, seq)));
                        if let Some((time, seq, _)) = expected {
                            if let Some(previous) = last_popped {
                                prop_assert!(previous <= (time, seq));
                            }
                            last_popped = Some((time, seq));
                        }
                    }
                    Op::Peek => {
                        // Drops cancelled events that reached the top, without popping.
                        let earliest = model.iter().map(|&(time, seq, _)| (time, seq)).min();
                        prop_assert_eq!(
                            queue.peek_time().map(|time| time.days() as u8),
                            earliest.map(|(time, _)| time)
                        );
                    }
                    Op::Cancel(index) => {
                        if let Some(&id) = handles.get(index) {
                            let was_pending = model.iter().any(|&(_, _, h)| h == id);
                            prop_assert_eq!(queue.cancel(id), was_pending);
                            model.retain(|&(_, _, h)| h != id);
                        }
                    }
                    Op::Clear => {
                        queue.clear();
                        model.clear();
                        handles.clear();
                        last_popped = None;
                    }
                }
                prop_assert_eq!(queue.len(), model.len());
            }
        }
    }
}
