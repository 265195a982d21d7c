//! What fabs and packaging sites share: a producer starts work once per lot interval up
//! to its available capacity (carrying fractions of a unit over to the next start),
//! keeps its lots in process in reusable slots, is degraded by outages, and loses a
//! share of its work in process when a shock scraps it. The lot itself (wafers and dies
//! at a fab, accelerators at a packaging site) is the agent's own type.

use super::shock::Outages;
use super::slots::Slots;

/// A lot in process, as the producer sees it.
pub(super) trait InProcess {
    /// Units it holds in the producer's unit of account (gross dies, accelerators).
    fn units(&self) -> u64;
    /// Scraps `fraction` of the lot; returns what was lost.
    fn scrap(&mut self, fraction: f64) -> Scrapped;
}

/// What scrapping work in process lost.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub(super) struct Scrapped {
    /// Capacity units lost (wafers at a fab, accelerators at a packaging site).
    pub capacity_units: f64,
    /// Units of account lost (gross dies, accelerators).
    pub units: u64,
}

/// The state a fab and a packaging site share.
#[derive(Debug)]
pub(super) struct Producer<L> {
    /// Fraction of a unit planned but not yet started.
    carry: f64,
    /// Lots in process.
    pub lots: Slots<L>,
    /// Outages acting on the producer.
    pub outages: Outages,
}

impl<L> Default for Producer<L> {
    fn default() -> Self {
        Producer {
            carry: 0.0,
            lots: Slots::default(),
            outages: Outages::default(),
        }
    }
}

impl<L: InProcess> Producer<L> {
    /// Whole units to start now: `units` of capacity this interval at `availability`,
    /// plus what earlier intervals carried over; nothing when `hold` is set (which also
    /// drops the carry).
    pub fn plan_start(&mut self, units: f64, availability: f64, hold: bool) -> u64 {
        let planned = if hold {
            0.0
        } else {
            units * availability + self.carry
        };
        let whole = planned.floor();
        self.carry = planned - whole;
        whole as u64
    }

    /// Units held in lots still in process.
    pub fn in_process(&self) -> u64 {
        self.lots.iter().map(|(_, lot)| lot.units()).sum()
    }

    /// Scraps `fraction` of every lot in process.
    pub fn scrap_work_in_process(&mut self, fraction: f64) -> Scrapped {
        let mut total = Scrapped::default();
        for lot in self.lots.values_mut() {
            let lost = lot.scrap(fraction);
            total.capacity_units += lost.capacity_units;
            total.units += lost.units;
        }
        total
    }
}
