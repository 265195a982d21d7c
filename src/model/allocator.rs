//! The allocator: assigns finished accelerators at packaging sites to the eligible
//! orders they can reach (an order is eligible from its release day, its need date less
//! the shipping time, so chips ship to arrive when the halls are ready), by order date
//! (first come), by priority then order date, or in proportion to what each order
//! still needs (pro rata), and ships them to the project's region. First come and
//! priority walk the book's eligible orders in order and stop when the stock is gone:
//! O(regions × orders served × log n); pro rata reads every eligible order.

use crate::engine::{EngineError, Scheduler};

use super::lane::{Cargo, Route};
use super::{Event, ProjectId, RegionId, SupplyChain};

/// How finished accelerators are shared among open orders.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Policy {
    /// Oldest order first.
    FirstCome,
    /// Highest priority first, then oldest order.
    Priority,
    /// In proportion to what each order still needs.
    ProRata,
}

/// Splits `stock` among `needs` in proportion, never giving more than a need; the
/// units left by rounding go one by one to the largest remainders (earlier first).
fn pro_rata(stock: u64, needs: &[u64]) -> Vec<u64> {
    let total: u64 = needs.iter().sum();
    if total <= stock {
        return needs.to_vec();
    }
    let mut shares: Vec<u64> = needs
        .iter()
        .map(|&need| ((stock as u128 * need as u128) / total as u128) as u64)
        .collect();
    let mut left = stock - shares.iter().sum::<u64>();
    let mut order: Vec<usize> = (0..needs.len()).collect();
    let remainder = |i: usize| (stock as u128 * needs[i] as u128) % total as u128;
    order.sort_by(|&a, &b| remainder(b).cmp(&remainder(a)).then(a.cmp(&b)));
    for index in order {
        if left == 0 {
            break;
        }
        if shares[index] < needs[index] {
            shares[index] += 1;
            left -= 1;
        }
    }
    shares
}

/// Buffers one allocation pass fills and the next reuses, so allocating (which runs
/// whenever stock or an order appears) does not ask the heap for memory.
#[derive(Debug, Default)]
pub(super) struct AllocationBuffers {
    /// Site indices, most finished stock first.
    sites: Vec<usize>,
    /// Regions the current site can reach.
    reachable: Vec<RegionId>,
    /// (order, units) the current site gives.
    shares: Vec<(ProjectId, u64)>,
}

impl SupplyChain<'_> {
    /// Allocates every site's finished stock to the eligible orders it can reach.
    pub(super) fn allocate(
        &mut self,
        now: f64,
        scheduler: &mut Scheduler<Event>,
    ) -> Result<(), EngineError> {
        if !self.book.any_eligible() || self.sites.iter().all(|site| site.finished == 0) {
            return Ok(());
        }
        let mut buffers = std::mem::take(&mut self.allocation_buffers);
        let result = self.allocate_with(now, &mut buffers, scheduler);
        self.allocation_buffers = buffers;
        result
    }

    fn allocate_with(
        &mut self,
        now: f64,
        buffers: &mut AllocationBuffers,
        scheduler: &mut Scheduler<Event>,
    ) -> Result<(), EngineError> {
        // Sites with the most finished stock first, so no site's output waits behind
        // another's (ties in file order).
        buffers.sites.clear();
        buffers.sites.extend(0..self.sites.len());
        buffers
            .sites
            .sort_by_key(|&index| std::cmp::Reverse(self.sites[index].finished));
        for &site_index in &buffers.sites {
            let stock = self.sites[site_index].finished;
            if stock == 0 {
                continue;
            }
            let site_region = self.world.packaging[site_index].region;
            buffers.reachable.clear();
            buffers.reachable.extend(
                (0..self.world.regions.len() as u32)
                    .map(RegionId)
                    .filter(|&region| self.route(site_region, region) != Route::Unreachable),
            );
            let reachable = &buffers.reachable;
            buffers.shares.clear();
            match self.world.policy {
                Policy::ProRata => {
                    let candidates: Vec<ProjectId> =
                        self.book.eligible_in_order(reachable).collect();
                    let needs: Vec<u64> = (candidates.iter())
                        .map(|&p| self.book.get(p).map_or(0, |o| o.remaining))
                        .collect();
                    buffers
                        .shares
                        .extend(candidates.into_iter().zip(pro_rata(stock, &needs)));
                }
                Policy::FirstCome | Policy::Priority => {
                    let mut left = stock;
                    for project in self.book.eligible_in_order(reachable) {
                        let need = self.book.get(project).map_or(0, |o| o.remaining);
                        let share = need.min(left);
                        buffers.shares.push((project, share));
                        left -= share;
                        if left == 0 {
                            break;
                        }
                    }
                }
            }
            for &(project, share) in &buffers.shares {
                if share == 0 {
                    continue;
                }
                let share = self.book.allocate(project, share);
                self.sites[site_index].finished -= share;
                let state = &mut self.projects[project.0 as usize];
                state.allocated += share;
                state.last_allocation_day = now;
                let region = state.region;
                self.tally.allocated(share);
                if self.trace.is_some() {
                    let site_name = &self.world.packaging[site_index].name;
                    let detail = format!("to {}", self.project_name(project));
                    self.record(now, "allocated", site_name, share as f64, detail);
                }
                self.send(
                    site_region,
                    region,
                    Cargo::Accelerators { project },
                    share,
                    scheduler,
                )?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::pro_rata;
    use proptest::prelude::*;

    #[test]
    fn pro_rata_splits_in_proportion() {
        assert_eq!(pro_rata(10, &[10, 30]), vec![3, 7]);
        assert_eq!(pro_rata(100, &[10, 30]), vec![10, 30]);
        assert_eq!(pro_rata(5, &[1, 1, 1]), vec![1, 1, 1]);
        assert_eq!(pro_rata(2, &[1, 1, 1]), vec![1, 1, 0]);
    }

    proptest! {
        #[test]
        fn pro_rata_gives_out_exactly_the_stock_and_never_more_than_a_need(
            stock in 0u64..10_000,
            needs in proptest::collection::vec(0u64..5_000, 0..20),
        ) {
            let shares = pro_rata(stock, &needs);
            let total_need: u64 = needs.iter().sum();
            prop_assert_eq!(shares.iter().sum::<u64>(), stock.min(total_need));
            for (share, need) in shares.iter().zip(&needs) {
                prop_assert!(share <= need);
            }
        }
    }
}
