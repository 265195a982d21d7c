//! The supply-chain model: agents in plain vectors indexed by typed ids, reacting to a
//! small event enum on the engine's queue. Lot-level granularity: a fab lot, a
//! packaging batch, a shipment, a project; never one event per chip.
//!
//! ```text
//!  Fab ──lots──► good dies ──Lane (or local)──► Packaging site ──batches──► accelerators
//!   ▲ built + connected                                                    │ Allocator
//!  FabConstruction ──► GridRegion ◄── DataCentreProject ◄──Lane (or local)──┘
//!                      (study, queue, transformer)   built + connected + supplied = live
//! ```
//!
//! Demand reaches supply through the order book: projects order accelerators a quoted
//! lead time ahead of their need date (`market`), the book holds the orders (`orders`),
//! a planner starts work at every stage with a base-stock policy on the book
//! (`planning`), and the allocator ships finished accelerators to arrive by each need
//! date (`allocator`).
//!
//! **The clock.** Day 0 of the simulation clock is the scenario's start less the
//! warm-up (`World::start_day` days): the warm-up runs the same world, with the
//! start-of-horizon capacities and the demand curves extended backwards, so a run opens
//! with the work in process, stock, shipments and order book its history implies.
//! Nothing before `start_day` is reported.
//!
//! [`World`] holds the validated parameters of a scenario (built by `scenario`);
//! [`SupplyChain`] is one replication's state. [`ScenarioModel`] runs replications for
//! the runner.
//!
//! **Adding an agent kind**: a file of its own with its parameters (listed in
//! [`World`]), its state (a vector in [`SupplyChain`], built in `SupplyChain::new`), its
//! sub-enum of events (one variant of [`Event`]) and its handler and description (one
//! arm each in `handle` and `describe`); a gate on a project's go-live is a field of
//! the project checked in `project::check_ready`.

mod allocator;
mod capacity;
mod energy;
mod equipment;
mod fab;
mod grid;
mod lane;
mod market;
mod metrics;
mod orders;
mod outage;
mod packaging;
mod planning;
mod producer;
mod project;
mod shock;
mod slots;
mod trace;

pub use allocator::Policy;
pub use capacity::CapacitySchedule;
pub use equipment::{EquipmentParams, SupplierId};
pub use fab::{FabConstruction, FabParams};
pub use grid::GridParams;
pub use lane::{LaneParams, Mode};
pub use metrics::{
    Conservation, Instances, Metric, MetricGroup, ScopeKind, SeriesMetric, METRICS, PERIOD_END,
    PERIOD_TOTAL, SERIES,
};
pub use outage::RecoveryCurve;
pub use packaging::PackagingParams;
pub use planning::PlanningParams;
pub use project::{plan_leads, BuyerParams, DemandParams, InstalledBase, ProjectParams, Refresh};
pub use shock::{Recovery, ShockEffect, ShockKind, ShockParams};

/// Days simulated before the start unless the scenario says otherwise.
pub const DEFAULT_WARM_UP_DAYS: f64 = 730.0;
pub use trace::TraceRow;

use chrono::NaiveDate;

use crate::engine::{EngineError, EventId, EventQueue, Model, Scheduler, SimTime, Simulation};
use crate::random::SimRng;
use crate::replication::{
    OutputLayout, Period, ProjectGroup, ReplicationError, ReplicationResult, Replicator,
};

/// Index of a region (interned name).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RegionId(pub u32);
/// Index of a product (a fab output named in bills of materials).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ProductId(pub u32);
/// Index of a fab (operating or under construction).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct FabId(pub u32);
/// Index of a packaging site.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct SiteId(pub u32);
/// Index of a shipping lane.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct LaneId(pub u32);
/// Index of a grid region.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct GridId(pub u32);
/// Index of a data-centre project within one replication.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ProjectId(pub u32);
/// Index of an in-flight shipment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ShipmentId(pub u32);

/// Something that produces on a work clock and that an outage can strike.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProducerRef {
    /// A fab.
    Fab(FabId),
    /// A packaging site.
    Site(SiteId),
    /// A power-equipment supplier.
    Supplier(SupplierId),
}

/// Every producer of a scenario with its id and region, for resolving a shock's
/// `site` or `region` (one list, so a new producing agent kind joins it here only).
pub fn producers<'a>(
    fabs: &'a [FabParams],
    packaging: &'a [PackagingParams],
    equipment: &'a [EquipmentParams],
) -> Vec<(ProducerRef, &'a str, RegionId)> {
    let fabs = (fabs.iter().enumerate())
        .map(|(i, f)| (ProducerRef::Fab(FabId(i as u32)), f.name.as_str(), f.region));
    let sites = (packaging.iter().enumerate()).map(|(i, s)| {
        (
            ProducerRef::Site(SiteId(i as u32)),
            s.name.as_str(),
            s.region,
        )
    });
    let suppliers = (equipment.iter().enumerate()).map(|(i, s)| {
        (
            ProducerRef::Supplier(SupplierId(i as u32)),
            s.name.as_str(),
            s.region,
        )
    });
    fabs.chain(sites).chain(suppliers).collect()
}

/// Who asked the grid for a connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Requester {
    /// A data-centre project.
    Project(ProjectId),
    /// A fab under construction.
    Fab(FabId),
}

/// The model's events: small, carrying ids only, nested by the agent kind they belong
/// to. Each agent file owns its sub-enum, its handler (`on_<kind>_event`) and its
/// description (`describe_<kind>`), so adding an agent kind adds one variant here.
#[derive(Debug, Clone, Copy)]
pub enum Event {
    /// Something happens at a fab.
    Fab(FabId, fab::FabEvent),
    /// Something happens at a packaging site.
    Packaging(SiteId, packaging::SiteEvent),
    /// A shipment reaches its destination.
    Arrival(ShipmentId),
    /// Something happens to a data-centre project.
    Project(ProjectId, project::ProjectEvent),
    /// Something happens at a power-equipment supplier.
    Equipment(SupplierId, equipment::EquipmentEvent),
    /// Something happens at a grid operator.
    Grid(grid::GridEvent),
    /// A shock (index) starts or ends.
    Shock(u32, shock::ShockEvent),
    /// The end of a reporting period (index): snapshot the time series.
    PeriodEnd(u32),
    /// The planner starts one interval's work at every stage.
    PlanTick,
    /// Buyers look at the quoted lead time and order if it reaches their need date.
    MarketReview,
}

/// The validated parameters of a scenario: everything a replication needs.
#[derive(Debug, Clone)]
pub struct World {
    /// Scenario name.
    pub name: String,
    /// First simulated day.
    pub start: NaiveDate,
    /// Last simulated day.
    pub end: NaiveDate,
    /// Reporting periods.
    pub periods: Vec<Period>,
    /// World electricity per year (TWh).
    pub world_electricity_twh: f64,
    /// Default utilisation of a live accelerator.
    pub utilisation: f64,
    /// Day of `start` on the simulation clock: the warm-up simulated before it (days).
    pub start_day: f64,
    /// Days between two planning ticks (lot and batch starts).
    pub lot_interval_days: f64,
    /// The production planning policy.
    pub planning: PlanningParams,
    /// Most events per replication.
    pub event_budget: u64,
    /// Allocation policy.
    pub policy: Policy,
    /// Region names by [`RegionId`].
    pub regions: Vec<String>,
    /// Product names by [`ProductId`].
    pub products: Vec<String>,
    /// Fabs by [`FabId`].
    pub fabs: Vec<FabParams>,
    /// Packaging sites by [`SiteId`].
    pub packaging: Vec<PackagingParams>,
    /// Lanes by [`LaneId`].
    pub lanes: Vec<LaneParams>,
    /// Grid regions by [`GridId`].
    pub grids: Vec<GridParams>,
    /// Power-equipment suppliers by [`SupplierId`].
    pub power_equipment: Vec<EquipmentParams>,
    /// Projects listed one by one.
    pub projects: Vec<ProjectParams>,
    /// Demand curves.
    pub demand: Vec<DemandParams>,
    /// Accelerators live at the start.
    pub installed_base: Vec<InstalledBase>,
    /// Disruptions.
    pub shocks: Vec<ShockParams>,
    /// Rows of `projects.csv`.
    pub project_groups: Vec<ProjectGroup>,
}

impl World {
    /// The clock's day at the end of the last day.
    pub fn horizon_days(&self) -> f64 {
        self.day_of(self.end) + 1.0
    }

    /// The clock's day of `date` (the start is `start_day`; negative before the warm-up).
    pub fn day_of(&self, date: NaiveDate) -> f64 {
        (date - self.start).num_days() as f64 + self.start_day
    }

    /// The calendar date of the clock's `day`.
    pub fn date_of(&self, day: f64) -> NaiveDate {
        self.start + chrono::Duration::days((day - self.start_day).floor() as i64)
    }

    /// Calendar years covered, in order.
    pub fn years(&self) -> Vec<i32> {
        use chrono::Datelike;
        (self.start.year()..=self.end.year()).collect()
    }

    /// The output layout every replication of this world follows.
    pub fn layout(&self) -> OutputLayout {
        metrics::layout(self)
    }
}

/// One replication's state.
#[derive(Debug)]
pub struct SupplyChain<'w> {
    world: &'w World,
    horizon: f64,
    fabs: Vec<fab::FabState>,
    sites: Vec<packaging::SiteState>,
    lanes: Vec<lane::LaneState>,
    routes: lane::Routes,
    shipments: lane::Shipments,
    grids: Vec<grid::GridState>,
    suppliers: Vec<equipment::SupplierState>,
    projects: Vec<project::ProjectState>,
    book: orders::OrderBook,
    market: market::Market,
    planner: planning::Planner,
    /// Expected days from region to region by the cheapest lane (row-major).
    transit: Vec<f64>,
    energy: energy::EnergyMeter,
    /// Accelerators late against their need dates, integrated: accelerator-days.
    lateness: energy::Integrator,
    tally: metrics::Tally,
    shocks: Vec<shock::ShockState>,
    /// Region pairs an export control closes: (from, to), once per active control.
    blocked: Vec<(RegionId, RegionId)>,
    /// Consignments waiting for a route (a lane closed, or a flow blocked).
    parked: Vec<lane::Parked>,
    allocation_buffers: allocator::AllocationBuffers,
    trace: Option<Vec<TraceRow>>,
}

impl<'w> SupplyChain<'w> {
    /// Builds replication state from `world` with seed `seed`, and schedules the first
    /// events.
    fn new(
        world: &'w World,
        seed: u64,
        scheduler: &mut Scheduler<Event>,
        trace: bool,
    ) -> Result<Self, EngineError> {
        let horizon = world.horizon_days();
        let routes = lane::Routes::new(world);
        let transit = routes.transit_estimates(world);
        let mut chain = SupplyChain {
            world,
            horizon,
            fabs: (world.fabs.iter())
                .map(|f| fab::FabState::new(f, seed))
                .collect(),
            sites: (world.packaging.iter())
                .map(|s| packaging::SiteState::new(s, world, seed))
                .collect(),
            lanes: (world.lanes.iter())
                .map(|l| lane::LaneState::new(l, seed))
                .collect(),
            routes,
            transit,
            shipments: lane::Shipments::default(),
            grids: (world.grids.iter())
                .map(|g| grid::GridState::new(g, seed))
                .collect(),
            suppliers: (world.power_equipment.iter())
                .map(|s| equipment::SupplierState::new(s, world.start_day, seed))
                .collect(),
            energy: energy::EnergyMeter::new(world),
            lateness: energy::Integrator::new(world, 1.0),
            tally: metrics::Tally::new(world),
            projects: project::generate(world, seed),
            book: orders::OrderBook::new(
                world.policy,
                world.regions.len(),
                horizon.ceil() as usize,
            ),
            market: market::Market::default(),
            planner: planning::Planner::default(),
            shocks: (world.shocks.iter())
                .map(|s| shock::ShockState::new(s, seed))
                .collect(),
            blocked: Vec::new(),
            parked: Vec::new(),
            allocation_buffers: allocator::AllocationBuffers::default(),
            trace: trace.then(Vec::new),
        };
        chain.planner = chain.new_planner();
        chain.start(scheduler)?;
        Ok(chain)
    }

    fn start(&mut self, scheduler: &mut Scheduler<Event>) -> Result<(), EngineError> {
        // The planner and the market act first on every day they share with others, so
        // buyers at the clock's start already see the sellers' capacity.
        schedule(scheduler, 0.0, Event::PlanTick)?;
        schedule(scheduler, 0.0, Event::MarketReview)?;
        self.add_installed_base();
        for index in 0..self.fabs.len() {
            self.start_fab(FabId(index as u32), scheduler)?;
        }
        for index in 0..self.sites.len() {
            self.start_site(SiteId(index as u32), scheduler)?;
        }
        for index in 0..self.grids.len() {
            self.start_grid(GridId(index as u32), scheduler)?;
        }
        for index in 0..self.projects.len() {
            self.start_project(ProjectId(index as u32), scheduler)?;
        }
        for index in 0..self.shocks.len() {
            self.start_shock(index, scheduler)?;
        }
        for (index, period) in self.world.periods.iter().enumerate() {
            let boundary = self.world.day_of(period.end) + 1.0;
            scheduler.schedule_at(at(boundary), Event::PeriodEnd(index as u32))?;
        }
        Ok(())
    }

    /// The installed base goes live at the start.
    fn add_installed_base(&mut self) {
        for base in &self.world.installed_base {
            let day = self.world.start_day;
            self.energy.add_live(
                day,
                base.region,
                base.accelerators,
                base.kw_per_accelerator,
                base.pue,
            );
        }
    }

    /// An outage strikes `producer` now; `scrap` is the share of its work in process
    /// scrapped.
    fn strike(
        &mut self,
        producer: ProducerRef,
        outage: outage::Outage,
        scrap: f64,
        scheduler: &mut Scheduler<Event>,
    ) -> Result<(), EngineError> {
        match producer {
            ProducerRef::Fab(id) => {
                let done = |slot| Event::Fab(id, fab::FabEvent::LotDone(slot));
                let fab = &mut self.fabs[id.0 as usize];
                let lost = fab.producer.strike(outage, scrap, scheduler, done)?;
                fab.dies_shock_scrapped += lost.units;
                self.tally.fab_wafers_lost += lost.capacity_units;
            }
            ProducerRef::Site(id) => {
                let done = |slot| Event::Packaging(id, packaging::SiteEvent::BatchDone(slot));
                let site = &mut self.sites[id.0 as usize];
                let lost = site.producer.strike(outage, scrap, scheduler, done)?;
                site.accelerators_scrapped += lost.units;
                self.tally.packaging_accelerators_lost += lost.capacity_units;
            }
            ProducerRef::Supplier(id) => self.strike_supplier(id, outage, scheduler)?,
        }
        self.market.capacity_changed();
        Ok(())
    }

    /// Expected days from `from` to `to` by the cheapest lane (0 within a region).
    fn transit_estimate(&self, from: RegionId, to: RegionId) -> f64 {
        self.transit[from.0 as usize * self.world.regions.len() + to.0 as usize]
    }

    fn record(
        &mut self,
        now: f64,
        event: &'static str,
        agent: &str,
        quantity: f64,
        detail: String,
    ) {
        if let Some(trace) = &mut self.trace {
            trace.push(TraceRow {
                day: now - self.world.start_day,
                date: self.world.date_of(now),
                event,
                agent: agent.to_string(),
                quantity,
                detail,
            });
        }
    }
}

/// The simulation time of `day`, clamped to the clock's day 0 (events dated before the
/// warm-up happen as it begins).
fn at(day: f64) -> SimTime {
    SimTime::new(day.max(0.0)).unwrap_or(SimTime::ZERO)
}

/// Draws from `distribution`, never below zero (scenario validation already rejects
/// distributions that can go negative where that makes no sense).
fn draw_days(distribution: &crate::distribution::Distribution, rng: &mut SimRng) -> f64 {
    distribution.sample(rng).max(0.0)
}

/// Schedules `event` at `day` (clamped to now), returning its id.
fn schedule(
    scheduler: &mut Scheduler<Event>,
    day: f64,
    event: Event,
) -> Result<EventId, EngineError> {
    let time = at(day).max(scheduler.now());
    scheduler.schedule_at(time, event)
}

impl Model for SupplyChain<'_> {
    type Event = Event;

    fn handle(
        &mut self,
        event: Event,
        scheduler: &mut Scheduler<Event>,
    ) -> Result<(), EngineError> {
        match event {
            Event::Fab(fab, event) => self.on_fab_event(fab, event, scheduler),
            Event::Packaging(site, event) => self.on_site_event(site, event, scheduler),
            Event::Arrival(shipment) => self.on_arrival(shipment, scheduler),
            Event::Project(project, event) => self.on_project_event(project, event, scheduler),
            Event::Equipment(supplier, event) => {
                self.on_equipment_event(supplier, event, scheduler)
            }
            Event::Grid(event) => self.on_grid_event(event, scheduler),
            Event::PeriodEnd(period) => {
                self.snapshot_period(period as usize, scheduler.now().days());
                Ok(())
            }
            Event::Shock(shock, event) => self.on_shock_event(shock, event, scheduler),
            Event::PlanTick => self.on_plan_tick(scheduler),
            Event::MarketReview => self.on_market_review(scheduler),
        }
    }

    fn describe(&self, event: &Event) -> String {
        let agent = match *event {
            Event::Fab(fab, _) => self.describe_fab(fab),
            Event::Packaging(site, _) => self.describe_site(site),
            Event::Arrival(shipment) => format!("shipment {}", shipment.0),
            Event::Project(project, _) => self.describe_project(project),
            Event::Equipment(supplier, _) => self.describe_supplier(supplier),
            Event::Grid(event) => self.describe_grid_event(event),
            Event::PeriodEnd(period) => format!("period {period}"),
            Event::Shock(shock, _) => self.describe_shock(shock),
            Event::PlanTick => "the production planner".to_string(),
            Event::MarketReview => "the market review".to_string(),
        };
        format!("{agent} ({event:?})")
    }
}

/// What one replication produced, with the model's own checks for tests.
#[derive(Debug)]
pub struct ReplicationRun {
    /// The runner's view.
    pub result: ReplicationResult,
    /// Stock-and-flow balances at the end.
    pub conservation: Conservation,
    /// The event log, when asked for.
    pub trace: Option<Vec<TraceRow>>,
}

/// Runs one replication of `world` with `seed`.
pub fn simulate(world: &World, seed: u64, trace: bool) -> Result<ReplicationRun, EngineError> {
    thread_local! {
        /// The event queue of this thread's last replication, for its memory.
        static SPARE_QUEUE: std::cell::RefCell<EventQueue<Event>> = Default::default();
    }
    let mut simulation = Simulation::with_queue(world.event_budget, SPARE_QUEUE.take());
    let mut chain = SupplyChain::new(world, seed, simulation.scheduler(), trace)?;
    let horizon = SimTime::new(chain.horizon).map_err(|source| EngineError::InvalidTime {
        event: "the horizon".into(),
        source,
    })?;
    simulation.run_until(&mut chain, horizon)?;
    chain.energy.twh.advance_all(chain.horizon);
    chain.lateness.advance_all(chain.horizon);
    let mut result = chain.result();
    result.events = simulation.events_handled();
    SPARE_QUEUE.set(simulation.into_queue());
    Ok(ReplicationRun {
        conservation: chain.conservation(),
        result,
        trace: chain.trace.take(),
    })
}

/// A scenario ready to run: the world and its output layout.
#[derive(Debug, Clone)]
pub struct ScenarioModel {
    world: World,
    layout: OutputLayout,
}

impl ScenarioModel {
    /// Wraps a validated world.
    pub fn new(world: World) -> Self {
        let layout = world.layout();
        ScenarioModel { world, layout }
    }

    /// The world.
    pub fn world(&self) -> &World {
        &self.world
    }
}

impl Replicator for ScenarioModel {
    fn layout(&self) -> &OutputLayout {
        &self.layout
    }

    fn run(&self, replication: u64, seed: u64) -> Result<ReplicationResult, ReplicationError> {
        simulate(&self.world, seed, false)
            .map(|run| run.result)
            .map_err(|error| ReplicationError {
                replication,
                seed,
                message: error.to_string(),
            })
    }
}
