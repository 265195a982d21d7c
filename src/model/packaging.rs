//! Advanced-packaging sites: start batches of accelerators as the planner decides (see
//! `planning`), only from inputs on hand (every product of the bill of materials); a
//! batch finishes when the site's work clock has done its drawn cycle time, then its
//! accelerators are tested (yield drawn per batch) and join the site's finished stock
//! for the allocator. Also the dispatch of fab output: good dies go to the site whose
//! inputs cover the fewest weeks.

use crate::distribution::Distribution;
use crate::engine::{EngineError, Scheduler};
use crate::random::{stream, SimRng};

use super::capacity::CapacitySchedule;
use super::lane::{Cargo, Route};
use super::producer::{InProcess, Producer, Scrapped};
use super::{draw_days, Event, ProductId, RegionId, SiteId, SupplyChain, World};

/// What happens at a packaging site.
#[derive(Debug, Clone, Copy)]
pub enum SiteEvent {
    /// A batch finishes (slot in the site's work in process).
    BatchDone(u32),
}

/// A packaging site's parameters.
#[derive(Debug, Clone)]
pub struct PackagingParams {
    /// Id from the scenario.
    pub name: String,
    /// Region it stands in.
    pub region: RegionId,
    /// Accelerators it can start per week over time.
    pub capacity: CapacitySchedule,
    /// Inputs per accelerator: (product, whole units).
    pub bill_of_materials: Vec<(ProductId, u64)>,
    /// Assembly and test time of a batch (days).
    pub cycle_time_days: Distribution,
    /// Fraction of assembled accelerators that pass test.
    pub yield_fraction: Distribution,
}

/// A batch in assembly.
#[derive(Debug, Clone, Copy)]
pub(super) struct Batch {
    pub started: u64,
    pub good: u64,
}

/// One site's state in a replication.
#[derive(Debug)]
pub(super) struct SiteState {
    rng: SimRng,
    /// Batches in process, capacity and outages.
    pub producer: Producer<Batch>,
    /// Inputs on hand, by product index.
    pub stock: Vec<u64>,
    /// Inputs on their way here, by product index.
    pub inbound: Vec<u64>,
    /// Finished accelerators not yet allocated.
    pub finished: u64,
    pub dies_consumed: u64,
    pub accelerators_started: u64,
    pub accelerators_scrapped: u64,
    pub accelerators_built: u64,
}

impl SiteState {
    pub fn new(params: &PackagingParams, world: &World, seed: u64) -> Self {
        SiteState {
            rng: stream(seed, format_args!("packaging/{}", params.name)),
            producer: Producer::default(),
            stock: vec![0; world.products.len()],
            inbound: vec![0; world.products.len()],
            finished: 0,
            dies_consumed: 0,
            accelerators_started: 0,
            accelerators_scrapped: 0,
            accelerators_built: 0,
        }
    }
}

impl InProcess for Batch {
    fn units(&self) -> u64 {
        self.started
    }

    fn good(&self) -> u64 {
        self.good
    }

    fn scrap(&mut self, fraction: f64) -> Scrapped {
        let scrapped = (self.started as f64 * fraction).round() as u64;
        self.started -= scrapped;
        self.good = self.good.min(self.started);
        Scrapped {
            capacity_units: scrapped as f64,
            units: scrapped,
        }
    }
}

impl SupplyChain<'_> {
    pub(super) fn on_site_event(
        &mut self,
        id: SiteId,
        event: SiteEvent,
        scheduler: &mut Scheduler<Event>,
    ) -> Result<(), EngineError> {
        match event {
            SiteEvent::BatchDone(slot) => self.on_batch_done(id, slot, scheduler),
        }
    }

    pub(super) fn describe_site(&self, id: SiteId) -> String {
        format!(
            "packaging site {}",
            self.world.packaging[id.0 as usize].name
        )
    }

    /// Pre-fills the site's pipeline with batches started at capacity before the
    /// clock's day 0 (their inputs were consumed then); the planner starts the rest.
    pub(super) fn start_site(
        &mut self,
        id: SiteId,
        scheduler: &mut Scheduler<Event>,
    ) -> Result<(), EngineError> {
        let params = &self.world.packaging[id.0 as usize];
        let interval = self.world.lot_interval_days;
        let look_back = (3.0 * params.cycle_time_days.mean() / interval)
            .ceil()
            .max(1.0) as u32;
        let per_interval = params.capacity.per_week(0.0) * interval / 7.0;
        for k in (1..=look_back).rev() {
            let day = -(f64::from(k)) * interval;
            let count = self.sites[id.0 as usize].producer.whole_units(per_interval);
            self.start_batch(id, day, count, scheduler)?;
        }
        Ok(())
    }

    /// Takes the inputs of `count` accelerators out of the site's stock (the caller has
    /// checked they are there).
    pub(super) fn consume_inputs(&mut self, id: SiteId, count: u64) {
        let params = &self.world.packaging[id.0 as usize];
        let site = &mut self.sites[id.0 as usize];
        for &(product, per_unit) in &params.bill_of_materials {
            site.stock[product.0 as usize] -= count * per_unit;
            site.dies_consumed += count * per_unit;
        }
    }

    /// Starts a batch of `count` accelerators on `day` (negative while pre-filling);
    /// batches that would already have finished before day 0 are not kept.
    pub(super) fn start_batch(
        &mut self,
        id: SiteId,
        day: f64,
        count: u64,
        scheduler: &mut Scheduler<Event>,
    ) -> Result<(), EngineError> {
        let params = &self.world.packaging[id.0 as usize];
        let site = &mut self.sites[id.0 as usize];
        let cycle = draw_days(&params.cycle_time_days, &mut site.rng);
        let yield_fraction = params.yield_fraction.sample(&mut site.rng).clamp(0.0, 1.0);
        if count == 0 || day + cycle <= 0.0 {
            return Ok(());
        }
        let good = ((count as f64) * yield_fraction).round() as u64;
        site.accelerators_started += count;
        let batch = Batch {
            started: count,
            good,
        };
        site.producer.start(batch, day, cycle, scheduler, |slot| {
            Event::Packaging(id, SiteEvent::BatchDone(slot))
        })?;
        if self.trace.is_some() {
            let name = &self.world.packaging[id.0 as usize].name;
            let what = if day < 0.0 {
                "batch_prefilled"
            } else {
                "batch_start"
            };
            self.record(
                day.max(0.0),
                what,
                name,
                count as f64,
                format!("cycle {cycle:.1} d"),
            );
        }
        Ok(())
    }

    fn on_batch_done(
        &mut self,
        id: SiteId,
        slot: u32,
        scheduler: &mut Scheduler<Event>,
    ) -> Result<(), EngineError> {
        let now = scheduler.now().days();
        let site = &mut self.sites[id.0 as usize];
        let Some(batch) = site.producer.finish(slot) else {
            return Ok(());
        };
        site.accelerators_scrapped += batch.started - batch.good;
        site.accelerators_built += batch.good;
        site.finished += batch.good;
        self.tally.accelerators_built(id, now, batch.good);
        let name = &self.world.packaging[id.0 as usize].name;
        if self.trace.is_some() {
            self.record(
                now,
                "batch_done",
                name,
                batch.good as f64,
                format!("{} started", batch.started),
            );
        }
        self.allocate(now, scheduler)
    }

    /// Sends `dies` good dies of `product` made in `region` to the consuming site whose
    /// stock and inbound inputs cover the fewest weeks of its current capacity.
    pub(super) fn dispatch_dies(
        &mut self,
        region: RegionId,
        product: ProductId,
        dies: u64,
        scheduler: &mut Scheduler<Event>,
    ) -> Result<(), EngineError> {
        if dies == 0 {
            return Ok(());
        }
        let now = scheduler.now().days();
        // Reachable sites first, then sites with capacity now (a site still being built
        // waits for its dies), then the fewest weeks of cover.
        let mut best: Option<((bool, bool, f64), SiteId)> = None;
        for (index, params) in self.world.packaging.iter().enumerate() {
            let Some(&(_, per_unit)) = params.bill_of_materials.iter().find(|(p, _)| *p == product)
            else {
                continue;
            };
            let unreachable = self.route(region, params.region) == Route::Unreachable;
            let site = &self.sites[index];
            let on_hand =
                (site.stock[product.0 as usize] + site.inbound[product.0 as usize]) as f64;
            let weekly_need = params.capacity.per_week(now) * per_unit as f64;
            let idle = weekly_need <= 0.0;
            let rank = (unreachable, idle, on_hand / weekly_need.max(1.0));
            if best.is_none_or(|(best_rank, _)| rank < best_rank) {
                best = Some((rank, SiteId(index as u32)));
            }
        }
        let (_, site) = best.expect("validation: every product has a consuming site");
        self.sites[site.0 as usize].inbound[product.0 as usize] += dies;
        let destination = self.world.packaging[site.0 as usize].region;
        self.send(
            region,
            destination,
            Cargo::Components { site, product },
            dies,
            scheduler,
        )
    }

    /// Inputs arrive at a site.
    pub(super) fn receive_components(&mut self, site: SiteId, product: ProductId, units: u64) {
        let state = &mut self.sites[site.0 as usize];
        state.inbound[product.0 as usize] -= units;
        state.stock[product.0 as usize] += units;
    }
}
