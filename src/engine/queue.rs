//! Event queue: a binary min-heap on (time, insertion sequence) with O(1) cancellation.
//!
//! Equal times pop in the order they were scheduled, so one seed gives one trajectory.
//! Events live in a slab of slots; the heap holds only small `(time key, sequence, slot)`
//! entries. Cancelling empties the slot at once; the heap entry left behind is skipped
//! when it reaches the top because its sequence no longer matches the slot's. Slots are
//! reused, so memory is bounded by the largest number of events pending at one time.

use super::time::SimTime;

/// Handle to a scheduled event, used to cancel it. Stale handles are harmless.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct EventId {
    slot: u32,
    sequence: u64,
}

#[derive(Clone, Copy, Debug)]
struct HeapEntry {
    time_key: u64,
    sequence: u64,
    slot: u32,
}

impl HeapEntry {
    #[inline]
    fn before(&self, other: &HeapEntry) -> bool {
        // One 128-bit comparison: fewer branches than comparing the pair field by field.
        ((u128::from(self.time_key) << 64) | u128::from(self.sequence))
            < ((u128::from(other.time_key) << 64) | u128::from(other.sequence))
    }
}

#[derive(Debug)]
struct Slot<E> {
    sequence: u64,
    event: Option<E>,
}

/// A priority queue of timestamped events of type `E`.
#[derive(Debug)]
pub struct EventQueue<E> {
    heap: Vec<HeapEntry>,
    slots: Vec<Slot<E>>,
    free_slots: Vec<u32>,
    next_sequence: u64,
    pending: usize,
}

impl<E> Default for EventQueue<E> {
    fn default() -> Self {
        Self::new()
    }
}

impl<E> EventQueue<E> {
    /// An empty queue.
    pub fn new() -> Self {
        EventQueue {
            heap: Vec::new(),
            slots: Vec::new(),
            free_slots: Vec::new(),
            next_sequence: 0,
            pending: 0,
        }
    }

    /// Number of events scheduled and neither popped nor cancelled.
    pub fn len(&self) -> usize {
        self.pending
    }

    /// True when no event is pending.
    pub fn is_empty(&self) -> bool {
        self.pending == 0
    }

    /// Adds `event` at `time`; it pops after every event already queued at the same time.
    pub fn push(&mut self, time: SimTime, event: E) -> EventId {
        let sequence = self.next_sequence;
        self.next_sequence += 1;
        let slot = match self.free_slots.pop() {
            Some(slot) => {
                let entry = &mut self.slots[slot as usize];
                entry.sequence = sequence;
                entry.event = Some(event);
                slot
            }
            None => {
                let slot =
                    u32::try_from(self.slots.len()).expect("more than 4 billion pending events");
                self.slots.push(Slot {
                    sequence,
                    event: Some(event),
                });
                slot
            }
        };
        self.heap.push(HeapEntry {
            time_key: time.order_key(),
            sequence,
            slot,
        });
        self.sift_up(self.heap.len() - 1);
        self.pending += 1;
        EventId { slot, sequence }
    }

    /// Removes a pending event; returns false if it already fired or was cancelled.
    pub fn cancel(&mut self, id: EventId) -> bool {
        match self.slots.get_mut(id.slot as usize) {
            Some(slot) if slot.sequence == id.sequence && slot.event.is_some() => {
                slot.event = None;
                self.free_slots.push(id.slot);
                self.pending -= 1;
                true
            }
            _ => false,
        }
    }

    /// The time of the next pending event.
    pub fn peek_time(&mut self) -> Option<SimTime> {
        self.drop_stale_top();
        self.heap
            .first()
            .map(|top| SimTime::from_order_key(top.time_key))
    }

    /// Removes and returns the earliest pending event (ties in insertion order).
    pub fn pop(&mut self) -> Option<(SimTime, E)> {
        self.pop_not_after(u64::MAX)
    }

    /// Like [`pop`](Self::pop), but only if the earliest event is not after `horizon`.
    #[inline]
    pub fn pop_not_after_time(&mut self, horizon: SimTime) -> Option<(SimTime, E)> {
        self.pop_not_after(horizon.order_key())
    }

    #[inline]
    fn pop_not_after(&mut self, horizon_key: u64) -> Option<(SimTime, E)> {
        self.drop_stale_top();
        if self.heap.first()?.time_key > horizon_key {
            return None;
        }
        let top = self.pop_entry()?;
        let event = self.slots[top.slot as usize]
            .event
            .take()
            .expect("top entry is live");
        self.free_slots.push(top.slot);
        self.pending -= 1;
        Some((SimTime::from_order_key(top.time_key), event))
    }

    #[inline]
    fn drop_stale_top(&mut self) {
        while let Some(top) = self.heap.first() {
            let slot = &self.slots[top.slot as usize];
            if slot.sequence == top.sequence && slot.event.is_some() {
                return;
            }
            self.pop_entry();
        }
    }

    fn pop_entry(&mut self) -> Option<HeapEntry> {
        let last = self.heap.pop()?;
        if self.heap.is_empty() {
            return Some(last);
        }
        let top = std::mem::replace(&mut self.heap[0], last);
        self.sift_down(0);
        Some(top)
    }

    #[inline]
    fn sift_up(&mut self, mut index: usize) {
        let entry = self.heap[index];
        while index > 0 {
            let parent = (index - 1) / 2;
            if !entry.before(&self.heap[parent]) {
                break;
            }
            self.heap[index] = self.heap[parent];
            index = parent;
        }
        self.heap[index] = entry;
    }

    /// Moves the hole at `index` down to a leaf along the smaller children, then sifts
    /// the displaced entry up from there: one comparison per level instead of two, as
    /// the entry taken from the end of the heap usually belongs near the bottom.
    #[inline]
    fn sift_down(&mut self, mut index: usize) {
        let len = self.heap.len();
        let entry = self.heap[index];
        let start = index;
        let mut child = 2 * index + 1;
        while child + 1 < len {
            if self.heap[child + 1].before(&self.heap[child]) {
                child += 1;
            }
            self.heap[index] = self.heap[child];
            index = child;
            child = 2 * index + 1;
        }
        if child < len {
            self.heap[index] = self.heap[child];
            index = child;
        }
        while index > start {
            let parent = (index - 1) / 2;
            if !entry.before(&self.heap[parent]) {
                break;
            }
            self.heap[index] = self.heap[parent];
            index = parent;
        }
        self.heap[index] = entry;
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
        // The freed slot is reused; the stale handle must not cancel the new event.
        let third = queue.push(t(3.0), 'c');
        assert!(!queue.cancel(second));
        assert_eq!(queue.len(), 1);
        assert_eq!(queue.peek_time(), Some(t(3.0)));
        assert!(queue.cancel(third));
        assert!(queue.is_empty());
        assert_eq!(queue.pop(), None);
    }

    #[derive(Debug, Clone)]
    enum Op {
        Push(u8),
        Pop,
        Cancel(usize),
    }

    fn op() -> impl Strategy<Value = Op> {
        prop_oneof![
            3 => (0u8..20).prop_map(Op::Push),
            2 => Just(Op::Pop),
            1 => (0usize..64).prop_map(Op::Cancel),
        ]
    }

    proptest! {
        /// Against a naive model: pops are in non-decreasing time, equal times in
        /// insertion order, cancelled events never fire, and the count is exact.
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
                    Op::Cancel(index) => {
                        if let Some(&id) = handles.get(index) {
                            let was_pending = model.iter().any(|&(_, _, h)| h == id);
                            prop_assert_eq!(queue.cancel(id), was_pending);
                            model.retain(|&(_, _, h)| h != id);
                        }
                    }
                }
                prop_assert_eq!(queue.len(), model.len());
            }
        }
    }
}
