//! Data-centre projects: each is built (a drawn construction time), asks its grid
//! region for a connection, orders accelerators a lead time before its planned go-live,
//! and goes live when built, connected and supplied (or, if phased, draws power for
//! each accelerator as it arrives once built and connected). Projects come from the
//! scenario one by one, or from demand curves that add capacity year by year in
//! projects of a drawn size. Its delay cause is the constraint satisfied last.

use crate::distribution::Distribution;
use crate::engine::{EngineError, Scheduler};
use crate::random::{stream, SimRng};
use crate::replication::{DelayCause, ProjectOutcome};

use super::{
    draw_days, schedule, Event, GridId, ProjectId, RegionId, Requester, SupplyChain, World,
};

/// What happens to a data-centre project.
#[derive(Debug, Clone, Copy)]
pub enum ProjectEvent {
    /// The building is finished.
    Built,
    /// The project places its order for accelerators.
    OrderPlaced,
    /// The connection request reaches the grid operator.
    GridRequest,
}

/// A project listed in the scenario.
#[derive(Debug, Clone)]
pub struct ProjectParams {
    /// Id from the scenario.
    pub name: String,
    /// Region it is built in.
    pub region: RegionId,
    /// Grid region that connects it.
    pub grid: GridId,
    /// IT load (MW).
    pub it_load_mw: f64,
    /// kW per accelerator.
    pub kw_per_accelerator: f64,
    /// Day construction starts (may be negative: before the scenario start).
    pub construction_start_day: f64,
    /// Construction time (days).
    pub construction_days: Distribution,
    /// Planned go-live day.
    pub planned_go_live_day: f64,
    /// Day the grid connection is requested.
    pub grid_request_day: f64,
    /// Days before planned go-live the order is placed.
    pub order_lead_days: f64,
    /// Priority under the priority policy.
    pub priority: i64,
    /// Phased go-live.
    pub phased: bool,
    /// Power usage effectiveness.
    pub pue: f64,
}

/// A demand curve.
#[derive(Debug, Clone)]
pub struct DemandParams {
    /// Id from the scenario.
    pub name: String,
    /// Region.
    pub region: RegionId,
    /// Grid region.
    pub grid: GridId,
    /// (calendar year, first day of the year, day after its last day, row of
    /// `projects.csv`), one per year with demand.
    pub years: Vec<(i32, f64, f64, usize)>,
    /// IT load added in the first year (MW).
    pub mw_first_year: f64,
    /// Growth of the yearly addition (fraction per year).
    pub growth_per_year: f64,
    /// Size of one project (MW).
    pub project_mw: Distribution,
    /// kW per accelerator.
    pub kw_per_accelerator: f64,
    /// Construction time (days).
    pub construction_days: Distribution,
    /// Planned construction start, days before planned go-live.
    pub planned_construction_days: f64,
    /// Grid request, days before planned go-live.
    pub grid_request_lead_days: f64,
    /// Order, days before planned go-live.
    pub order_lead_days: f64,
    /// Priority.
    pub priority: i64,
    /// Phased go-live.
    pub phased: bool,
    /// Power usage effectiveness.
    pub pue: f64,
}

/// Accelerators live at the start.
#[derive(Debug, Clone)]
pub struct InstalledBase {
    /// Region.
    pub region: String,
    /// Accelerators live.
    pub accelerators: f64,
    /// kW per accelerator.
    pub kw_per_accelerator: f64,
    /// Power usage effectiveness.
    pub pue: f64,
}

/// One project's state in a replication.
#[derive(Debug, Clone)]
pub(super) struct ProjectState {
    pub name: String,
    /// Row of `projects.csv`.
    pub group: usize,
    pub grid: GridId,
    pub region: RegionId,
    pub it_load_mw: f64,
    pub kw_per_accelerator: f64,
    pub pue: f64,
    pub accelerators: u64,
    pub built_day: f64,
    pub planned_go_live_day: f64,
    pub grid_request_day: f64,
    pub order_day: f64,
    pub priority: i64,
    pub phased: bool,
    pub built: bool,
    pub connected_day: Option<f64>,
    pub allocated: u64,
    pub delivered: u64,
    pub delivered_on_time: u64,
    pub last_allocation_day: f64,
    pub last_delivery_day: f64,
    pub live_accelerators: u64,
    pub live_day: Option<f64>,
}

impl ProjectState {
    /// Grid capacity requested: IT load × PUE (MW).
    pub fn grid_mw(&self) -> f64 {
        self.it_load_mw * self.pue
    }

    /// Accelerators still to be allocated.
    pub fn unallocated(&self) -> u64 {
        self.accelerators - self.allocated
    }

    /// Delay and cause at the end of a replication ending on `horizon`.
    pub fn outcome(&self, horizon: f64) -> ProjectOutcome {
        let Some(live_day) = self.live_day else {
            return ProjectOutcome {
                delay_days: (horizon - self.planned_go_live_day).max(0.0),
                cause: DelayCause::NotLiveByEnd,
            };
        };
        let delay_days = (live_day - self.planned_go_live_day).max(0.0);
        if delay_days <= 0.0 {
            return ProjectOutcome {
                delay_days,
                cause: DelayCause::OnTime,
            };
        }
        let connected = self.connected_day.unwrap_or(live_day);
        let cause = if self.built_day >= connected.max(self.last_delivery_day) {
            DelayCause::Construction
        } else if connected >= self.last_delivery_day {
            DelayCause::Grid
        } else if self.last_allocation_day >= self.built_day.max(connected) {
            DelayCause::Chips
        } else {
            DelayCause::Shipping
        };
        ProjectOutcome { delay_days, cause }
    }
}

/// The projects of one replication: the listed ones, then those the demand curves
/// generate (sizes and dates drawn from each curve's own stream, one per year).
pub(super) fn generate(world: &World, seed: u64) -> Vec<ProjectState> {
    let mut projects = Vec::new();
    for (index, params) in world.projects.iter().enumerate() {
        let mut rng = stream(seed, &format!("project/{}", params.name));
        let construction = draw_days(&params.construction_days, &mut rng);
        projects.push(ProjectState {
            name: params.name.clone(),
            group: index,
            grid: params.grid,
            region: params.region,
            it_load_mw: params.it_load_mw,
            kw_per_accelerator: params.kw_per_accelerator,
            pue: params.pue,
            accelerators: accelerators_for(params.it_load_mw, params.kw_per_accelerator),
            built_day: params.construction_start_day + construction,
            planned_go_live_day: params.planned_go_live_day,
            grid_request_day: params.grid_request_day,
            order_day: params.planned_go_live_day - params.order_lead_days,
            priority: params.priority,
            phased: params.phased,
            ..ProjectState::empty()
        });
    }
    for demand in &world.demand {
        for (offset, &(year, year_start, year_end, group)) in demand.years.iter().enumerate() {
            let mut rng = stream(seed, &format!("demand/{}/{year}", demand.name));
            let target_mw =
                demand.mw_first_year * (1.0 + demand.growth_per_year).powi(offset as i32);
            let window = (year_start, year_end);
            let label = format!("{}/{year}", demand.name);
            split_demand(
                world,
                demand,
                group,
                &label,
                target_mw,
                window,
                f64::NEG_INFINITY,
                &mut rng,
                &mut projects,
            );
        }
    }
    projects
}

/// Splits `target_mw` of a demand curve into projects of drawn sizes, each planned to
/// go live at a uniform day of `window` (`[start, end)`); no date of a project is
/// earlier than `not_before` (a surge cannot have been planned before it happened).
#[allow(clippy::too_many_arguments)]
fn split_demand(
    world: &World,
    demand: &DemandParams,
    group: usize,
    label: &str,
    target_mw: f64,
    window: (f64, f64),
    not_before: f64,
    rng: &mut SimRng,
    projects: &mut Vec<ProjectState>,
) {
    let mut total_mw = 0.0;
    let mut number = 0;
    while total_mw < target_mw - 1e-9 {
        let size = demand
            .project_mw
            .sample(rng)
            .max(1e-3)
            .min(target_mw - total_mw);
        total_mw += size;
        number += 1;
        let planned = window.0 + (window.1 - window.0) * rand::Rng::random::<f64>(rng);
        let planned = planned.min(world.horizon_days() - 1.0).floor();
        let construction = draw_days(&demand.construction_days, rng);
        let construction_start = (planned - demand.planned_construction_days).max(not_before);
        projects.push(ProjectState {
            name: format!("{label}/{number}"),
            group,
            grid: demand.grid,
            region: demand.region,
            it_load_mw: size,
            kw_per_accelerator: demand.kw_per_accelerator,
            pue: demand.pue,
            accelerators: accelerators_for(size, demand.kw_per_accelerator),
            built_day: construction_start + construction,
            planned_go_live_day: planned,
            grid_request_day: (planned - demand.grid_request_lead_days).max(not_before),
            order_day: (planned - demand.order_lead_days).max(not_before),
            priority: demand.priority,
            phased: demand.phased,
            ..ProjectState::empty()
        });
    }
}

/// Accelerators that fill `it_load_mw` at `kw_per_accelerator` each.
fn accelerators_for(it_load_mw: f64, kw_per_accelerator: f64) -> u64 {
    (it_load_mw * 1000.0 / kw_per_accelerator).round().max(1.0) as u64
}

impl ProjectState {
    fn empty() -> Self {
        ProjectState {
            name: String::new(),
            group: 0,
            grid: GridId(0),
            region: RegionId(0),
            it_load_mw: 0.0,
            kw_per_accelerator: 1.0,
            pue: 1.0,
            accelerators: 0,
            built_day: 0.0,
            planned_go_live_day: 0.0,
            grid_request_day: 0.0,
            order_day: 0.0,
            priority: 0,
            phased: false,
            built: false,
            connected_day: None,
            allocated: 0,
            delivered: 0,
            delivered_on_time: 0,
            last_allocation_day: f64::NEG_INFINITY,
            last_delivery_day: f64::NEG_INFINITY,
            live_accelerators: 0,
            live_day: None,
        }
    }
}

impl SupplyChain<'_> {
    /// A demand surge: `megawatts` more of demand curve `demand`, requested on day
    /// `now` and planned to go live a planned construction time later.
    pub(super) fn add_surge_projects(
        &mut self,
        demand: usize,
        group: usize,
        megawatts: f64,
        now: f64,
        rng: &mut SimRng,
        scheduler: &mut Scheduler<Event>,
    ) -> Result<(), EngineError> {
        let params = &self.world.demand[demand];
        let planned = now + params.planned_construction_days;
        let first = self.projects.len();
        let label = format!("{}/surge@{}", params.name, self.world.date_of(now));
        split_demand(
            self.world,
            params,
            group,
            &label,
            megawatts,
            (planned, planned),
            now,
            rng,
            &mut self.projects,
        );
        for index in first..self.projects.len() {
            self.start_project(ProjectId(index as u32), scheduler)?;
        }
        Ok(())
    }

    pub(super) fn on_project_event(
        &mut self,
        id: ProjectId,
        event: ProjectEvent,
        scheduler: &mut Scheduler<Event>,
    ) -> Result<(), EngineError> {
        match event {
            ProjectEvent::Built => self.on_project_built(id, scheduler),
            ProjectEvent::OrderPlaced => self.on_order_placed(id, scheduler),
            ProjectEvent::GridRequest => self.on_grid_request(Requester::Project(id), scheduler),
        }
    }

    pub(super) fn describe_project(&self, id: ProjectId) -> String {
        format!("project {}", self.projects[id.0 as usize].name)
    }

    pub(super) fn start_project(
        &mut self,
        id: ProjectId,
        scheduler: &mut Scheduler<Event>,
    ) -> Result<(), EngineError> {
        let project = &self.projects[id.0 as usize];
        let (built, request, order) = (
            project.built_day,
            project.grid_request_day,
            project.order_day,
        );
        schedule(scheduler, built, Event::Project(id, ProjectEvent::Built))?;
        schedule(
            scheduler,
            request,
            Event::Project(id, ProjectEvent::GridRequest),
        )?;
        schedule(
            scheduler,
            order,
            Event::Project(id, ProjectEvent::OrderPlaced),
        )?;
        Ok(())
    }

    fn on_project_built(
        &mut self,
        id: ProjectId,
        scheduler: &mut Scheduler<Event>,
    ) -> Result<(), EngineError> {
        let now = scheduler.now().days();
        self.projects[id.0 as usize].built = true;
        if self.trace.is_some() {
            let name = self.projects[id.0 as usize].name.clone();
            self.record(now, "project_built", &name, 0.0, String::new());
        }
        self.check_live(id, now);
        Ok(())
    }

    pub(super) fn project_connected(
        &mut self,
        id: ProjectId,
        scheduler: &mut Scheduler<Event>,
    ) -> Result<(), EngineError> {
        let now = scheduler.now().days();
        let project = &mut self.projects[id.0 as usize];
        project.connected_day = Some(now);
        let wait = now - project.grid_request_day;
        self.tally.grid_wait_days.push(wait);
        self.check_live(id, now);
        Ok(())
    }

    fn on_order_placed(
        &mut self,
        id: ProjectId,
        scheduler: &mut Scheduler<Event>,
    ) -> Result<(), EngineError> {
        let now = scheduler.now().days();
        let project = &self.projects[id.0 as usize];
        let units = project.accelerators;
        if self.trace.is_some() {
            let name = self.projects[id.0 as usize].name.clone();
            self.record(now, "order_placed", &name, units as f64, String::new());
        }
        self.tally.order_placed(units);
        self.allocator.open(id);
        self.allocate(now, scheduler)
    }

    pub(super) fn receive_accelerators(
        &mut self,
        id: ProjectId,
        units: u64,
        scheduler: &mut Scheduler<Event>,
    ) -> Result<(), EngineError> {
        let now = scheduler.now().days();
        let project = &mut self.projects[id.0 as usize];
        project.delivered += units;
        project.last_delivery_day = now;
        if now <= project.planned_go_live_day {
            project.delivered_on_time += units;
        }
        let lead_time = now - project.order_day;
        self.tally.delivered(now, units, lead_time);
        self.check_live(id, now);
        Ok(())
    }

    /// Brings accelerators into service once the project is built and connected.
    fn check_live(&mut self, id: ProjectId, now: f64) {
        let project = &mut self.projects[id.0 as usize];
        if !project.built || project.connected_day.is_none() {
            return;
        }
        let complete = project.delivered >= project.accelerators;
        let newly_live = if project.phased || complete {
            project.delivered - project.live_accelerators
        } else {
            0
        };
        if newly_live > 0 {
            project.live_accelerators += newly_live;
            self.energy
                .add_live(newly_live as f64, project.kw_per_accelerator, project.pue);
        }
        if complete && project.live_day.is_none() {
            project.live_day = Some(now);
            if self.trace.is_some() {
                let name = self.projects[id.0 as usize].name.clone();
                self.record(now, "project_live", &name, newly_live as f64, String::new());
            }
        }
    }
}
