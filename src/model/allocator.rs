//! The allocator: assigns finished accelerators at packaging sites to open orders,
//! by order date (first come), by priority then order date, or in proportion to what
//! each order still needs (pro rata), and ships them to the project's region.

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

/// Orders not yet fully allocated, in the order they were placed.
#[derive(Debug, Default)]
pub(super) struct Allocator {
    open: Vec<ProjectId>,
}

impl Allocator {
    pub fn open(&mut self, project: ProjectId) {
        self.open.push(project);
    }
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

impl SupplyChain<'_> {
    /// Allocates every site's finished stock to the open orders it can reach.
    pub(super) fn allocate(
        &mut self,
        now: f64,
        scheduler: &mut Scheduler<Event>,
    ) -> Result<(), EngineError> {
        if self.allocator.open.is_empty() {
            return Ok(());
        }
        // Sites with the most finished stock first, so no site's output waits behind
        // another's (ties in file order).
        let mut site_order: Vec<usize> = (0..self.sites.len()).collect();
        site_order.sort_by_key(|&index| std::cmp::Reverse(self.sites[index].finished));
        for site_index in site_order {
            let stock = self.sites[site_index].finished;
            if stock == 0 {
                continue;
            }
            let site_region = self.world.packaging[site_index].region;
            let mut candidates: Vec<(ProjectId, RegionId)> = Vec::new();
            for &project in &self.allocator.open {
                let region = self.projects[project.0 as usize].region;
                if self.route(site_region, region) != Route::Unreachable {
                    candidates.push((project, region));
                }
            }
            let projects = &self.projects;
            match self.world.policy {
                super::Policy::FirstCome | super::Policy::ProRata => {
                    candidates.sort_by(|a, b| {
                        let (pa, pb) = (&projects[a.0 .0 as usize], &projects[b.0 .0 as usize]);
                        pa.order_day
                            .total_cmp(&pb.order_day)
                            .then(a.0 .0.cmp(&b.0 .0))
                    });
                }
                super::Policy::Priority => {
                    candidates.sort_by(|a, b| {
                        let (pa, pb) = (&projects[a.0 .0 as usize], &projects[b.0 .0 as usize]);
                        pb.priority
                            .cmp(&pa.priority)
                            .then(pa.order_day.total_cmp(&pb.order_day))
                            .then(a.0 .0.cmp(&b.0 .0))
                    });
                }
            }
            let needs: Vec<u64> = candidates
                .iter()
                .map(|(p, _)| projects[p.0 as usize].unallocated())
                .collect();
            let shares = match self.world.policy {
                super::Policy::ProRata => pro_rata(stock, &needs),
                _ => {
                    let mut left = stock;
                    needs
                        .iter()
                        .map(|&need| {
                            let share = need.min(left);
                            left -= share;
                            share
                        })
                        .collect()
                }
            };
            for ((project, region), share) in candidates.into_iter().zip(shares) {
                if share == 0 {
                    continue;
                }
                self.sites[site_index].finished -= share;
                let state = &mut self.projects[project.0 as usize];
                state.allocated += share;
                state.last_allocation_day = now;
                self.tally.allocated(share);
                let site_name = &self.world.packaging[site_index].name;
                let detail = format!("to {}", self.projects[project.0 as usize].name);
                if self.trace.is_some() {
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
        let projects = &self.projects;
        self.allocator
            .open
            .retain(|p| projects[p.0 as usize].unallocated() > 0);
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
