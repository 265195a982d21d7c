//! What fabs and packaging sites share: a producer starts whole units of work each
//! planning interval (carrying fractions of a unit over to the next), keeps its lots in
//! process in reusable slots, and runs them on its [`WorkClock`]: an outage stops or
//! slows every lot in process (their completions move later by the work lost) and
//! scraps a share of them. The lot itself (wafers and dies at a fab, accelerators at a
//! packaging site) is the agent's own type. The units and good units in process are
//! running sums, kept as lots start, finish and are scrapped: reading them is O(1),
//! not a walk over the lots (the planner and every quote read them).

use crate::engine::{EngineError, EventId, Scheduler};

use super::outage::{Outage, WorkClock};
use super::slots::Slots;
use super::{schedule, Event};

/// A lot in process, as the producer sees it.
pub(super) trait InProcess {
    /// Units it holds in the producer's unit of account (gross dies, accelerators).
    fn units(&self) -> u64;
    /// Good units it will yield (good dies, good accelerators).
    fn good(&self) -> u64;
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

/// A lot with the work it needs and its completion event.
#[derive(Debug, Clone, Copy)]
pub(super) struct Timed<L> {
    pub lot: L,
    /// Work (full-capacity days) on the producer's clock at which the lot is done.
    finish_work: f64,
    /// Its completion event (moved when an outage strikes).
    event: EventId,
}

/// The state a fab and a packaging site share.
#[derive(Debug)]
pub(super) struct Producer<L> {
    /// Fraction of a unit planned but not yet started.
    carry: f64,
    /// Lots in process.
    lots: Slots<Timed<L>>,
    /// The sums of [`InProcess::units`] and [`InProcess::good`] over the lots in
    /// process, kept as lots start, finish and are scrapped, so that planners and
    /// quotes read them without walking the lots.
    units: u64,
    good: u64,
    /// Availability over time, and the work done.
    pub clock: WorkClock,
}

impl<L> Default for Producer<L> {
    fn default() -> Self {
        Producer {
            carry: 0.0,
            lots: Slots::default(),
            units: 0,
            good: 0,
            clock: WorkClock::default(),
        }
    }
}

impl<L: InProcess + std::fmt::Debug> Producer<L> {
    /// Whole units to start now out of `units` (fractional), adding what earlier
    /// intervals carried over; the fraction left is carried to the next start.
    pub fn whole_units(&mut self, units: f64) -> u64 {
        let planned = units.max(0.0) + self.carry;
        let whole = planned.floor();
        self.carry = planned - whole;
        whole as u64
    }

    /// Starts `lot` on `day` with `cycle_days` of work; `done` makes the completion
    /// event from the lot's slot.
    pub fn start(
        &mut self,
        lot: L,
        day: f64,
        cycle_days: f64,
        scheduler: &mut Scheduler<Event>,
        done: impl Fn(u32) -> Event,
    ) -> Result<u32, EngineError> {
        let finish_work = self.clock.work_at(day) + cycle_days;
        let finish_day = self.clock.day_of_work(finish_work);
        let slot = self.lots.next_slot();
        let event = schedule(scheduler, finish_day, done(slot))?;
        self.units += lot.units();
        self.good += lot.good();
        Ok(self.lots.insert(Timed {
            lot,
            finish_work,
            event,
        }))
    }

    /// Takes the finished lot out of `slot`.
    pub fn finish(&mut self, slot: u32) -> Option<L> {
        let lot = self.lots.remove(slot)?.lot;
        self.units -= lot.units();
        self.good -= lot.good();
        Some(lot)
    }

    /// Units held in lots still in process.
    pub fn in_process(&self) -> u64 {
        self.units
    }

    /// Good units the lots still in process will yield.
    pub fn good_in_process(&self) -> u64 {
        self.good
    }

    /// An outage strikes now: `scrap_fraction` of every lot is scrapped, and every lot
    /// left finishes when the slowed clock has done its work.
    pub fn strike(
        &mut self,
        outage: Outage,
        scrap_fraction: f64,
        scheduler: &mut Scheduler<Event>,
        done: impl Fn(u32) -> Event,
    ) -> Result<Scrapped, EngineError> {
        self.clock.add(outage);
        let mut total = Scrapped::default();
        for (slot, timed) in self.lots.iter_mut() {
            let good_before = timed.lot.good();
            let lost = timed.lot.scrap(scrap_fraction);
            self.units -= lost.units;
            self.good -= good_before - timed.lot.good();
            total.capacity_units += lost.capacity_units;
            total.units += lost.units;
            scheduler.cancel(timed.event);
            let finish_day = self.clock.day_of_work(timed.finish_work);
            timed.event = schedule(scheduler, finish_day, done(slot))?;
        }
        Ok(total)
    }
}
