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
//! [`World`] holds the validated parameters of a scenario (built by `scenario`);
//! [`SupplyChain`] is one replication's state. [`ScenarioModel`] runs replications for
//! the runner.

mod allocator;
mod capacity;
mod energy;
mod fab;
mod grid;
mod lane;
mod metrics;
mod packaging;
mod producer;
mod project;
mod shock;
mod slots;
mod trace;

pub use allocator::Policy;
pub use capacity::CapacitySchedule;
pub use fab::{FabConstruction, FabParams};
pub use grid::GridParams;
pub use lane::{LaneParams, Mode};
pub use metrics::{Conservation, Instances, Metric, MetricGroup, SeriesMetric, METRICS, SERIES};
pub use packaging::PackagingParams;
pub use project::{DemandParams, InstalledBase, ProjectParams};
pub use shock::{ShockEffect, ShockKind, ShockParams};
pub use trace::TraceRow;

use chrono::NaiveDate;

use crate::engine::{EngineError, EventId, Model, Scheduler, SimTime, Simulation};
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

/// Who asked the grid for a connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
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
    /// Something happens at a grid operator.
    Grid(grid::GridEvent),
    /// A shock (index) starts or ends.
    Shock(u32, shock::ShockEvent),
    /// The end of a reporting period (index): snapshot the time series.
    PeriodEnd(u32),
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
    /// Days between lot and batch starts.
    pub lot_interval_days: f64,
    /// Weeks of inventory above which fabs and packaging sites stop starting work.
    pub max_inventory_weeks: f64,
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
    /// Days from the start to the end of the last day.
    pub fn horizon_days(&self) -> f64 {
        self.day_of(self.end) + 1.0
    }

    /// Days from the start to `date` (negative before the start).
    pub fn day_of(&self, date: NaiveDate) -> f64 {
        (date - self.start).num_days() as f64
    }

    /// The calendar date of `day`.
    pub fn date_of(&self, day: f64) -> NaiveDate {
        self.start + chrono::Duration::days(day.floor() as i64)
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
    projects: Vec<project::ProjectState>,
    allocator: allocator::Allocator,
    energy: energy::EnergyMeter,
    tally: metrics::Tally,
    shocks: Vec<shock::ShockState>,
    /// Region pairs an export control closes: (from, to), once per active control.
    blocked: Vec<(RegionId, RegionId)>,
    /// Consignments waiting for a route (a lane closed, or a flow blocked).
    parked: Vec<lane::Parked>,
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
        let projects = project::generate(world, seed);
        let mut chain = SupplyChain {
            world,
            horizon,
            fabs: world
                .fabs
                .iter()
                .map(|f| fab::FabState::new(f, seed))
                .collect(),
            sites: world
                .packaging
                .iter()
                .map(|s| packaging::SiteState::new(s, world, seed))
                .collect(),
            lanes: world
                .lanes
                .iter()
                .map(|l| lane::LaneState::new(l, seed))
                .collect(),
            routes: lane::Routes::new(world),
            shipments: lane::Shipments::default(),
            grids: world
                .grids
                .iter()
                .map(|g| grid::GridState::new(g, seed))
                .collect(),
            energy: energy::EnergyMeter::new(world),
            tally: metrics::Tally::new(world),
            projects,
            allocator: allocator::Allocator::default(),
            shocks: world
                .shocks
                .iter()
                .map(|s| shock::ShockState::new(s, seed))
                .collect(),
            blocked: Vec::new(),
            parked: Vec::new(),
            trace: trace.then(Vec::new),
        };
        chain.start(scheduler)?;
        Ok(chain)
    }

    fn start(&mut self, scheduler: &mut Scheduler<Event>) -> Result<(), EngineError> {
        self.energy.add_installed_base(self.world);
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
                day: now,
                date: self.world.date_of(now),
                event,
                agent: agent.to_string(),
                quantity,
                detail,
            });
        }
    }
}

/// The simulation time of `day`, clamped to the start (events dated before the start
/// happen at the start).
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
        let now = scheduler.now().days();
        self.energy.advance(now);
        match event {
            Event::Fab(fab, event) => self.on_fab_event(fab, event, scheduler),
            Event::Packaging(site, event) => self.on_site_event(site, event, scheduler),
            Event::Arrival(shipment) => self.on_arrival(shipment, scheduler),
            Event::Project(project, event) => self.on_project_event(project, event, scheduler),
            Event::Grid(event) => self.on_grid_event(event, scheduler),
            Event::PeriodEnd(period) => {
                self.snapshot_period(period as usize);
                Ok(())
            }
            Event::Shock(shock, event) => self.on_shock_event(shock, event, scheduler),
        }
    }

    fn describe(&self, event: &Event) -> String {
        let agent = match *event {
            Event::Fab(fab, _) => self.describe_fab(fab),
            Event::Packaging(site, _) => self.describe_site(site),
            Event::Arrival(shipment) => format!("shipment {}", shipment.0),
            Event::Project(project, _) => self.describe_project(project),
            Event::Grid(event) => self.describe_grid_event(event),
            Event::PeriodEnd(period) => format!("period {period}"),
            Event::Shock(shock, _) => self.describe_shock(shock),
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
    let mut simulation = Simulation::new(world.event_budget);
    let mut chain = SupplyChain::new(world, seed, simulation.scheduler(), trace)?;
    let horizon = SimTime::new(chain.horizon).map_err(|source| EngineError::InvalidTime {
        event: "the horizon".into(),
        source,
    })?;
    simulation.run_until(&mut chain, horizon)?;
    chain.energy.advance(chain.horizon);
    let mut result = chain.result();
    result.events = simulation.events_handled();
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
