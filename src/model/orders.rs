//! The order book: every open order for accelerators, indexed for the three things that
//! ask of it, so none of them scans every order:
//!
//! - **allocation** takes finished accelerators to the *eligible* orders (those whose
//!   release day, need date less shipping time, has come) in policy order: per
//!   destination region, a `BTreeSet` keyed by (priority, order day, project), merged
//!   across the regions a site can reach: O(regions × log n) per order served;
//! - **quotes and production planning** ask how many units are due to ship by a day,
//!   far more often than orders change (a quote asks once per week it looks ahead):
//!   prefix sums of visible units by release day, kept in blocks, answer in O(1) and
//!   take O(block + days / block) per change;
//! - **re-planning** moves an order's release day when its site slips: O(log n).
//!
//! Visible units are what sellers see: the units still unallocated, plus the full
//! quantity of every duplicate copy a buyer placed elsewhere, until the order is
//! filled (then the copies are cancelled).

use std::collections::BTreeSet;
use std::ops::Bound::{Excluded, Unbounded};

use super::{Policy, ProjectId, RegionId};

/// One project's order.
#[derive(Debug, Clone, Copy)]
pub(super) struct Order {
    /// Units ordered.
    pub units: u64,
    /// Units not yet allocated.
    pub remaining: u64,
    /// Copies placed (1 = no duplicates).
    pub copies: u32,
    /// Day placed.
    pub placed_day: f64,
    /// Day it may ship from (its need date less the shipping time).
    pub release_day: f64,
    /// Destination region.
    pub region: RegionId,
    /// Rank among eligible orders: lower first.
    rank: i64,
    /// Bumped when the release day moves, so stale release events are ignored.
    pub version: u32,
    /// In its region's eligible set.
    eligible: bool,
}

impl Order {
    /// Units sellers see for this order.
    fn visible(&self) -> u64 {
        if self.remaining == 0 {
            0
        } else {
            self.remaining + u64::from(self.copies.saturating_sub(1)) * self.units
        }
    }

    fn key(&self, project: ProjectId) -> EligibleKey {
        (self.rank, self.placed_day.to_bits(), project.0)
    }
}

/// (rank, order day as ordered bits (days are never negative), project).
type EligibleKey = (i64, u64, u32);

/// Days per block of [`PrefixSums`].
const BLOCK_DAYS: usize = 64;

/// Sums of visible units by release day, with prefix sums in O(1): each day holds the
/// sum from the start of its block of [`BLOCK_DAYS`] to it, and each block the sum of
/// every block before it. A change rewrites the rest of its block and the later
/// blocks' sums. Days beyond the last count on the last day.
#[derive(Debug, Clone)]
struct PrefixSums {
    within_block: Vec<i64>,
    before_block: Vec<i64>,
}

impl PrefixSums {
    /// Sums over days `0..days` (at least one).
    fn new(days: usize) -> Self {
        let days = days.max(1);
        PrefixSums {
            within_block: vec![0; days],
            before_block: vec![0; days.div_ceil(BLOCK_DAYS)],
        }
    }

    fn add(&mut self, index: usize, delta: i64) {
        let index = index.min(self.within_block.len() - 1);
        let block = index / BLOCK_DAYS;
        let block_end = ((block + 1) * BLOCK_DAYS).min(self.within_block.len());
        for sum in &mut self.within_block[index..block_end] {
            *sum += delta;
        }
        for sum in &mut self.before_block[block + 1..] {
            *sum += delta;
        }
    }

    /// Sum over indices `0..=index`.
    fn prefix(&self, index: usize) -> i64 {
        let index = index.min(self.within_block.len() - 1);
        self.before_block[index / BLOCK_DAYS] + self.within_block[index]
    }
}

/// Every open order, indexed; see the module documentation.
#[derive(Debug)]
pub(super) struct OrderBook {
    policy: Policy,
    orders: Vec<Option<Order>>,
    by_release: PrefixSums,
    /// Eligible orders by destination region.
    eligible: Vec<BTreeSet<EligibleKey>>,
    /// Visible units of every open order.
    visible_total: u64,
    /// Units allocated since the start of the replication.
    pub allocated_total: u64,
}

impl OrderBook {
    /// An empty book for `regions` regions and release days `0..days`.
    pub fn new(policy: Policy, regions: usize, days: usize) -> Self {
        OrderBook {
            policy,
            orders: Vec::new(),
            by_release: PrefixSums::new(days),
            eligible: vec![BTreeSet::new(); regions],
            visible_total: 0,
            allocated_total: 0,
        }
    }

    /// The day `day` falls in (0 before the clock's start). The cast truncates, which
    /// is the floor for a non-negative day, without a call to `floor` on every query.
    fn day_index(day: f64) -> usize {
        day.max(0.0) as usize
    }

    /// `project`'s order, if it has one still open.
    pub fn get(&self, project: ProjectId) -> Option<&Order> {
        self.orders.get(project.0 as usize).and_then(Option::as_ref)
    }

    /// Places an order; it becomes eligible at once when `release_day <= now`
    /// (otherwise call [`release`](Self::release) on its release day).
    #[allow(clippy::too_many_arguments)]
    pub fn place(
        &mut self,
        project: ProjectId,
        units: u64,
        copies: u32,
        region: RegionId,
        priority: i64,
        now: f64,
        release_day: f64,
    ) {
        let index = project.0 as usize;
        if self.orders.len() <= index {
            self.orders.resize(index + 1, None);
        }
        let order = Order {
            units,
            remaining: units,
            copies: copies.max(1),
            placed_day: now,
            release_day,
            region,
            rank: match self.policy {
                Policy::Priority => -priority,
                Policy::FirstCome | Policy::ProRata => 0,
            },
            version: 0,
            eligible: false,
        };
        self.add_visible(&order, 1);
        self.orders[index] = Some(order);
        if release_day <= now {
            self.make_eligible(project);
        }
    }

    fn add_visible(&mut self, order: &Order, sign: i64) {
        let visible = order.visible();
        if visible > 0 {
            self.by_release
                .add(Self::day_index(order.release_day), sign * visible as i64);
            if sign > 0 {
                self.visible_total += visible;
            } else {
                self.visible_total -= visible;
            }
        }
    }

    fn make_eligible(&mut self, project: ProjectId) {
        if let Some(order) = self.orders[project.0 as usize].as_mut() {
            if !order.eligible && order.remaining > 0 {
                order.eligible = true;
                let key = order.key(project);
                self.eligible[order.region.0 as usize].insert(key);
            }
        }
    }

    fn make_pending(&mut self, project: ProjectId) {
        if let Some(order) = self.orders[project.0 as usize].as_mut() {
            if order.eligible {
                order.eligible = false;
                let key = order.key(project);
                self.eligible[order.region.0 as usize].remove(&key);
            }
        }
    }

    /// The release day of version `version` has come: the order becomes eligible
    /// (false when the event is stale or the order is closed).
    pub fn release(&mut self, project: ProjectId, version: u32) -> bool {
        match self.get(project) {
            Some(order) if order.version == version && order.remaining > 0 => {
                self.make_eligible(project);
                true
            }
            _ => false,
        }
    }

    /// Moves the order's release day; returns its new version when it must wait for a
    /// release event (the release day is after `now`), None when it is eligible now or
    /// closed.
    pub fn move_release(&mut self, project: ProjectId, release_day: f64, now: f64) -> Option<u32> {
        let order = *self.get(project)?;
        if order.remaining == 0 {
            return None;
        }
        self.add_visible(&order, -1);
        let updated = Order {
            release_day,
            version: order.version + 1,
            ..order
        };
        self.add_visible(&updated, 1);
        self.orders[project.0 as usize] = Some(updated);
        if release_day <= now {
            self.make_eligible(project);
            None
        } else {
            self.make_pending(project);
            Some(updated.version)
        }
    }

    /// Allocates `units` to the order (at most what remains); returns what was taken.
    pub fn allocate(&mut self, project: ProjectId, units: u64) -> u64 {
        let Some(order) = self.get(project).copied() else {
            return 0;
        };
        let taken = units.min(order.remaining);
        self.add_visible(&order, -1);
        let updated = Order {
            remaining: order.remaining - taken,
            ..order
        };
        self.add_visible(&updated, 1);
        self.orders[project.0 as usize] = Some(updated);
        self.allocated_total += taken;
        if updated.remaining == 0 {
            self.close(project);
        }
        taken
    }

    /// Withdraws the order: what remains unallocated is no longer wanted. Returns the
    /// units withdrawn.
    pub fn withdraw(&mut self, project: ProjectId) -> u64 {
        let Some(order) = self.get(project).copied() else {
            return 0;
        };
        self.add_visible(&order, -1);
        self.close(project);
        order.remaining
    }

    fn close(&mut self, project: ProjectId) {
        self.make_pending(project);
        self.orders[project.0 as usize] = None;
    }

    /// Visible units of open orders that may ship by `day`.
    pub fn due_by(&self, day: f64) -> u64 {
        if day < 0.0 {
            return 0;
        }
        self.by_release.prefix(Self::day_index(day)).max(0) as u64
    }

    /// Eligible orders to `regions`, in policy order (rank, order day, project),
    /// merged across the regions: each step takes the least key after the last one
    /// served from every region's set, O(regions × log n), without allocating (keys
    /// are unique: an order sits in one region's set).
    pub fn eligible_in_order<'a>(
        &'a self,
        regions: &'a [RegionId],
    ) -> impl Iterator<Item = ProjectId> + 'a {
        let mut last: Option<EligibleKey> = None;
        std::iter::from_fn(move || {
            let next = (regions.iter())
                .filter_map(|region| {
                    let set = &self.eligible[region.0 as usize];
                    match last {
                        None => set.first(),
                        Some(last) => set.range((Excluded(last), Unbounded)).next(),
                    }
                })
                .min()
                .copied()?;
            last = Some(next);
            Some(ProjectId(next.2))
        })
    }

    /// Whether any order is eligible.
    pub fn any_eligible(&self) -> bool {
        self.eligible.iter().any(|set| !set.is_empty())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefix_sums_by_day() {
        let mut sums = PrefixSums::new(10);
        sums.add(0, 5);
        sums.add(3, 2);
        sums.add(9, 1);
        sums.add(50, 4); // beyond the end: counted on the last day
        assert_eq!(sums.prefix(0), 5);
        assert_eq!(sums.prefix(2), 5);
        assert_eq!(sums.prefix(3), 7);
        assert_eq!(sums.prefix(9), 12);
        // Across blocks, and on the last day of a world longer than one block.
        let mut sums = PrefixSums::new(200);
        sums.add(70, 3);
        sums.add(130, 2);
        sums.add(5, 1);
        sums.add(1_000, 7);
        let expected = [
            (4, 0),
            (5, 1),
            (63, 1),
            (64, 1),
            (70, 4),
            (127, 4),
            (128, 4),
            (130, 6),
        ];
        for (day, sum) in expected {
            assert_eq!(sums.prefix(day), sum, "day {day}");
        }
        assert_eq!(sums.prefix(198), 6);
        assert_eq!(sums.prefix(199), 13);
        assert_eq!(sums.prefix(5_000), 13);
    }

    #[test]
    fn duplicates_are_visible_until_the_order_is_filled() {
        let mut book = OrderBook::new(Policy::FirstCome, 1, 100);
        let project = ProjectId(0);
        book.place(project, 10, 3, RegionId(0), 0, 0.0, 20.0);
        assert_eq!(book.visible_total, 30);
        assert_eq!(book.due_by(19.0), 0);
        assert_eq!(book.due_by(20.0), 30);
        assert!(!book.any_eligible());
        assert!(book.release(project, 0));
        assert_eq!(book.allocate(project, 4), 4);
        assert_eq!(book.visible_total, 26);
        assert_eq!(book.allocate(project, 100), 6);
        assert_eq!(book.visible_total, 0);
        assert!(book.get(project).is_none());
        assert_eq!(book.allocated_total, 10);
    }

    #[test]
    fn eligible_orders_merge_across_regions_in_order() {
        let mut book = OrderBook::new(Policy::FirstCome, 2, 100);
        book.place(ProjectId(0), 1, 1, RegionId(1), 0, 5.0, 0.0);
        book.place(ProjectId(1), 1, 1, RegionId(0), 0, 3.0, 0.0);
        book.place(ProjectId(2), 1, 1, RegionId(0), 0, 7.0, 0.0);
        let both = [RegionId(0), RegionId(1)];
        let order: Vec<u32> = book.eligible_in_order(&both).map(|p| p.0).collect();
        assert_eq!(order, vec![1, 0, 2]);
        let one = [RegionId(1)];
        assert_eq!(book.eligible_in_order(&one).count(), 1);
    }

    #[test]
    fn a_moved_release_waits_again_and_stale_events_are_ignored() {
        let mut book = OrderBook::new(Policy::FirstCome, 1, 100);
        let project = ProjectId(0);
        book.place(project, 10, 1, RegionId(0), 0, 0.0, 0.0);
        assert!(book.any_eligible());
        let version = book.move_release(project, 40.0, 10.0).unwrap();
        assert!(!book.any_eligible());
        assert!(!book.release(project, version - 1));
        assert_eq!(book.due_by(39.0), 0);
        assert!(book.release(project, version));
        assert!(book.any_eligible());
        assert_eq!(book.withdraw(project), 10);
        assert_eq!(book.visible_total, 0);
    }

    #[test]
    fn priority_orders_come_first_under_the_priority_policy() {
        let mut book = OrderBook::new(Policy::Priority, 1, 100);
        book.place(ProjectId(0), 1, 1, RegionId(0), 0, 1.0, 0.0);
        book.place(ProjectId(1), 1, 1, RegionId(0), 5, 9.0, 0.0);
        let regions = [RegionId(0)];
        let order: Vec<u32> = book.eligible_in_order(&regions).map(|p| p.0).collect();
        assert_eq!(order, vec![1, 0]);
    }
}
