//! Wafer fabs: start lots of wafers as the planner decides (see `planning`), up to
//! their available capacity; a lot finishes when the fab's work clock has done its
//! drawn cycle time (so an outage stops or slows every lot in process), as good dies
//! (yield drawn per lot), which go to the packaging site that needs them most. A fab
//! under construction starts only when it is built and grid-connected, then ramps
//! linearly to full capacity.

use crate::distribution::Distribution;
use crate::engine::{EngineError, Scheduler};
use crate::random::{stream, SimRng};

use super::capacity::CapacitySchedule;
use super::producer::{InProcess, Producer, Scrapped};
use super::{
    draw_days, schedule, Event, FabId, GridId, ProductId, RegionId, Requester, SupplyChain,
};

/// What happens at a fab.
#[derive(Debug, Clone, Copy)]
pub enum FabEvent {
    /// A lot finishes (slot in the fab's work in process).
    LotDone(u32),
    /// Construction breaks ground.
    ConstructionStart,
    /// The building is finished.
    Built,
}

/// A fab being built.
#[derive(Debug, Clone)]
pub struct FabConstruction {
    /// Day construction starts.
    pub start_day: f64,
    /// Construction time (days).
    pub construction_days: Distribution,
    /// Grid power needed (MW).
    pub power_mw: f64,
    /// Grid region that connects it (None when power was secured before the start).
    pub grid: Option<GridId>,
    /// Days from first wafers to full capacity.
    pub ramp_days: f64,
    /// Capital cost (billion USD), reported only.
    pub cost_billion_usd: f64,
}

/// A fab's parameters.
#[derive(Debug, Clone)]
pub struct FabParams {
    /// Id from the scenario.
    pub name: String,
    /// Region it stands in.
    pub region: RegionId,
    /// What it makes.
    pub product: ProductId,
    /// Wafer starts per week over time (for a construction: at full ramp).
    pub capacity: CapacitySchedule,
    /// Cycle time of a lot (days).
    pub cycle_time_days: Distribution,
    /// Candidate dies per wafer.
    pub dies_per_wafer: f64,
    /// Good fraction of candidate dies, drawn per lot.
    pub yield_fraction: Distribution,
    /// Present when the fab is still to be built.
    pub construction: Option<FabConstruction>,
}

/// A lot in process.
#[derive(Debug, Clone, Copy)]
pub(super) struct Lot {
    pub wafers: u64,
    pub gross_dies: u64,
    pub good_dies: u64,
}

/// One fab's state in a replication.
#[derive(Debug)]
pub(super) struct FabState {
    rng: SimRng,
    construction_rng: SimRng,
    /// Day the fab began producing (None while under construction).
    pub online_day: Option<f64>,
    built: bool,
    connected: bool,
    /// Lots in process, capacity and outages.
    pub producer: Producer<Lot>,
    pub gross_dies_started: u64,
    pub dies_yield_loss: u64,
    /// Dies scrapped by shocks.
    pub dies_shock_scrapped: u64,
}

impl FabState {
    pub fn new(params: &FabParams, seed: u64) -> Self {
        FabState {
            rng: stream(seed, format_args!("fab/{}", params.name)),
            construction_rng: stream(seed, format_args!("fab_construction/{}", params.name)),
            online_day: params.construction.is_none().then_some(0.0),
            built: false,
            connected: false,
            producer: Producer::default(),
            gross_dies_started: 0,
            dies_yield_loss: 0,
            dies_shock_scrapped: 0,
        }
    }

    /// Good dies the lots in process will yield.
    pub fn good_dies_in_process(&self) -> u64 {
        self.producer.good_in_process()
    }
}

impl InProcess for Lot {
    fn units(&self) -> u64 {
        self.gross_dies
    }

    fn good(&self) -> u64 {
        self.good_dies
    }

    fn scrap(&mut self, fraction: f64) -> Scrapped {
        let scrapped = (self.gross_dies as f64 * fraction).round() as u64;
        let kept = self.gross_dies - scrapped;
        self.good_dies = ((self.good_dies as f64 * (1.0 - fraction)).round() as u64).min(kept);
        self.gross_dies = kept;
        Scrapped {
            capacity_units: self.wafers as f64 * fraction,
            units: scrapped,
        }
    }
}

impl FabParams {
    /// Wafer starts per week on `day` for a fab online since `online_day`.
    pub(super) fn wafer_starts_per_week(&self, day: f64, online_day: f64) -> f64 {
        let full = self.capacity.per_week(day);
        match &self.construction {
            Some(construction) if construction.ramp_days > 0.0 => {
                full * ((day - online_day) / construction.ramp_days).clamp(0.0, 1.0)
            }
            _ => full,
        }
    }
}

impl SupplyChain<'_> {
    pub(super) fn on_fab_event(
        &mut self,
        id: FabId,
        event: FabEvent,
        scheduler: &mut Scheduler<Event>,
    ) -> Result<(), EngineError> {
        match event {
            FabEvent::LotDone(slot) => self.on_lot_done(id, slot, scheduler),
            FabEvent::ConstructionStart => self.on_fab_construction_start(id, scheduler),
            FabEvent::Built => self.on_fab_built(id, scheduler),
        }
    }

    pub(super) fn describe_fab(&self, id: FabId) -> String {
        format!("fab {}", self.world.fabs[id.0 as usize].name)
    }

    /// Seeds a fab's first events: an operating fab's pipeline is pre-filled with the
    /// lots it started at capacity before the clock's day 0 that are still in process
    /// (so output does not start empty); the planner starts the rest.
    pub(super) fn start_fab(
        &mut self,
        id: FabId,
        scheduler: &mut Scheduler<Event>,
    ) -> Result<(), EngineError> {
        let params = &self.world.fabs[id.0 as usize];
        if let Some(construction) = &params.construction {
            return schedule(
                scheduler,
                construction.start_day,
                Event::Fab(id, FabEvent::ConstructionStart),
            )
            .map(|_| ());
        }
        let interval = self.world.lot_interval_days;
        let look_back = (3.0 * params.cycle_time_days.mean() / interval)
            .ceil()
            .max(1.0) as u32;
        let per_interval = params.capacity.per_week(0.0) * interval / 7.0;
        for k in (1..=look_back).rev() {
            let started = -(f64::from(k)) * interval;
            let wafers = self.fabs[id.0 as usize].producer.whole_units(per_interval);
            self.start_lot(id, started, wafers, scheduler)?;
        }
        Ok(())
    }

    /// Starts a lot of `wafers` on `day` (negative while pre-filling); lots that would
    /// already have finished before day 0 are not kept.
    pub(super) fn start_lot(
        &mut self,
        id: FabId,
        day: f64,
        wafers: u64,
        scheduler: &mut Scheduler<Event>,
    ) -> Result<(), EngineError> {
        let params = &self.world.fabs[id.0 as usize];
        let fab = &mut self.fabs[id.0 as usize];
        let cycle = draw_days(&params.cycle_time_days, &mut fab.rng);
        let yield_fraction = params.yield_fraction.sample(&mut fab.rng).clamp(0.0, 1.0);
        if wafers == 0 || day + cycle <= 0.0 {
            return Ok(());
        }
        let gross_dies = (wafers as f64 * params.dies_per_wafer).round() as u64;
        let good_dies = ((gross_dies as f64) * yield_fraction).round() as u64;
        self.tally.wafers_started(id, day, wafers);
        fab.gross_dies_started += gross_dies;
        let lot = Lot {
            wafers,
            gross_dies,
            good_dies,
        };
        fab.producer.start(lot, day, cycle, scheduler, |slot| {
            Event::Fab(id, FabEvent::LotDone(slot))
        })?;
        if self.trace.is_some() {
            let name = &self.world.fabs[id.0 as usize].name;
            let what = if day < 0.0 {
                "lot_prefilled"
            } else {
                "lot_start"
            };
            let detail = format!("{gross_dies} gross dies, cycle {cycle:.1} d");
            self.record(day.max(0.0), what, name, wafers as f64, detail);
        }
        Ok(())
    }

    fn on_lot_done(
        &mut self,
        id: FabId,
        slot: u32,
        scheduler: &mut Scheduler<Event>,
    ) -> Result<(), EngineError> {
        let now = scheduler.now().days();
        let fab = &mut self.fabs[id.0 as usize];
        let Some(lot) = fab.producer.finish(slot) else {
            return Ok(());
        };
        fab.dies_yield_loss += lot.gross_dies - lot.good_dies;
        self.tally.wafers_finished(id, now, lot.wafers);
        let params = &self.world.fabs[id.0 as usize];
        if self.trace.is_some() {
            self.record(
                now,
                "lot_done",
                &params.name,
                lot.good_dies as f64,
                format!("{} wafers", lot.wafers),
            );
        }
        self.dispatch_dies(params.region, params.product, lot.good_dies, scheduler)
    }

    fn on_fab_construction_start(
        &mut self,
        id: FabId,
        scheduler: &mut Scheduler<Event>,
    ) -> Result<(), EngineError> {
        let params = &self.world.fabs[id.0 as usize];
        let construction = params
            .construction
            .as_ref()
            .expect("only constructions get this event");
        let fab = &mut self.fabs[id.0 as usize];
        let days = draw_days(&construction.construction_days, &mut fab.construction_rng);
        let now = scheduler.now().days();
        if self.trace.is_some() {
            self.record(
                now,
                "fab_construction_start",
                &params.name,
                days,
                "construction days".into(),
            );
        }
        schedule(
            scheduler,
            construction.start_day + days,
            Event::Fab(id, FabEvent::Built),
        )?;
        match construction.grid {
            Some(grid) => self.request_grid(
                Requester::Fab(id),
                grid,
                construction.power_mw,
                construction.start_day,
                scheduler,
            ),
            None => self.fab_connected(id, scheduler),
        }
    }

    fn on_fab_built(
        &mut self,
        id: FabId,
        scheduler: &mut Scheduler<Event>,
    ) -> Result<(), EngineError> {
        self.fabs[id.0 as usize].built = true;
        let now = scheduler.now().days();
        let name = &self.world.fabs[id.0 as usize].name;
        if self.trace.is_some() {
            self.record(now, "fab_built", name, 0.0, String::new());
        }
        self.bring_fab_online(id, now);
        Ok(())
    }

    /// A fab's grid connection is in.
    pub(super) fn fab_connected(
        &mut self,
        id: FabId,
        scheduler: &mut Scheduler<Event>,
    ) -> Result<(), EngineError> {
        self.fabs[id.0 as usize].connected = true;
        self.bring_fab_online(id, scheduler.now().days());
        Ok(())
    }

    /// Marks a built and connected fab online: the planner starts its lots from the
    /// next tick, ramping up over `ramp_days`.
    fn bring_fab_online(&mut self, id: FabId, now: f64) {
        let fab = &mut self.fabs[id.0 as usize];
        if fab.built && fab.connected && fab.online_day.is_none() {
            fab.online_day = Some(now);
            self.market.capacity_changed();
            let name = &self.world.fabs[id.0 as usize].name;
            if self.trace.is_some() {
                self.record(
                    now,
                    "fab_online",
                    name,
                    0.0,
                    "built and connected; ramping".into(),
                );
            }
        }
    }

    /// Fabs under construction that were producing by the end.
    pub(super) fn fabs_online_from_construction(&self) -> usize {
        self.world
            .fabs
            .iter()
            .zip(&self.fabs)
            .filter(|(params, state)| params.construction.is_some() && state.online_day.is_some())
            .count()
    }
}
