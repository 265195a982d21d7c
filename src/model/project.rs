//! Data-centre projects: each is built (a drawn construction time), asks its grid region
//! for a connection, orders accelerators (see `market`), and goes live when built,
//! connected and supplied (or, if phased, draws power for each accelerator as it
//! arrives once built and connected).
//!
//! **Need dates.** A project needs its chips when its halls will be ready: the planned
//! go-live, or later when it slips. The need date is re-estimated as the project learns
//! more: a late building becomes known `READINESS_NOTICE_DAYS` before it is finished; a
//! grid connection date is known when the connection is granted (the transformer's lead
//! time is quoted then); a request still not granted a notice period before the need
//! date pushes it to at least a transformer's mean lead time ahead. Orders ship to
//! arrive by the need date, so a slip moves the project's order back in the queue.
//!
//! **History.** Projects that demand curves plan to go live before the scenario's start
//! belong to the warm-up: their halls are taken as ready on their planned date and only
//! their chip orders are simulated, so the run opens with the order book, stock and
//! shipments that history left; they are not reported.
//!
//! **Plans.** A generated project plans its construction start and grid request so that
//! each of its own durations holds with probability √p, so that both together (they are
//! independent) hold with probability p = `plan_percentile` / 100 ([`plan_leads`]); a
//! scenario may fix the leads instead. Its delay cause is the constraint satisfied last.

use crate::distribution::Distribution;
use crate::engine::{EngineError, Scheduler};
use crate::random::{stream, SimRng};
use crate::replication::{DelayCause, ProjectOutcome};

use super::{
    draw_days, schedule, Event, GridId, ProjectId, RegionId, Requester, SupplyChain, World,
};

/// Days before a late building is finished that the project knows its date.
pub(super) const READINESS_NOTICE_DAYS: f64 = 90.0;

/// What happens to a data-centre project.
#[derive(Debug, Clone, Copy)]
pub enum ProjectEvent {
    /// The building is finished.
    Built,
    /// The building's finish date becomes known.
    ConstructionKnown,
    /// The connection request reaches the grid operator.
    GridRequest,
    /// The need date is re-estimated (a notice period before it, while not ready).
    Replan,
    /// The need date has come with the halls ready: undelivered chips are late from now.
    ChipsDue,
    /// The latest day the buyer orders (its need date less `order_lead_days`).
    OrderFloor,
    /// The order (version) may ship from today.
    Release(u32),
    /// The buyer withdraws what is still unfilled (`cancel_after_days`).
    Withdraw,
}

/// How a buyer orders.
#[derive(Debug, Clone)]
pub struct BuyerParams {
    /// Least days before its need date a buyer orders (the calm-market lead).
    pub order_lead_days: f64,
    /// Days added to the quoted lead time when deciding to order.
    pub order_margin_days: f64,
    /// Most days before its need date a buyer commits an order, whatever the quote.
    pub order_horizon_days: f64,
    /// Copies of each order placed with several sellers (rounded, at least 1).
    pub duplicate_orders: Distribution,
    /// Days after placing it that an unfilled order is withdrawn (None: never).
    pub cancel_after_days: Option<f64>,
}

impl BuyerParams {
    /// A buyer that orders `order_lead_days` ahead, one copy, never withdrawing.
    pub fn calm(order_lead_days: f64) -> Self {
        BuyerParams {
            order_lead_days,
            order_margin_days: 30.0,
            order_horizon_days: 365.0,
            duplicate_orders: Distribution::Fixed(1.0),
            cancel_after_days: None,
        }
    }
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
    /// Day construction starts (may be before the start).
    pub construction_start_day: f64,
    /// Construction time (days).
    pub construction_days: Distribution,
    /// Planned go-live day.
    pub planned_go_live_day: f64,
    /// Day the grid connection is requested.
    pub grid_request_day: f64,
    /// How it orders chips.
    pub buyer: BuyerParams,
    /// Priority under the priority policy.
    pub priority: i64,
    /// Phased go-live.
    pub phased: bool,
    /// Power usage effectiveness.
    pub pue: f64,
    /// Row of `projects.csv` (phases of one campus share a row).
    pub group: usize,
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
    /// Growth of the yearly addition (fraction per year); also extends the curve
    /// backwards into the warm-up.
    pub growth_per_year: f64,
    /// Size of one project (MW).
    pub project_mw: Distribution,
    /// kW per accelerator.
    pub kw_per_accelerator: f64,
    /// Construction time (days).
    pub construction_days: Distribution,
    /// Planned construction start, days before planned go-live (see [`plan_leads`]).
    pub planned_construction_days: f64,
    /// Grid request, days before planned go-live (see [`plan_leads`]).
    pub grid_request_lead_days: f64,
    /// How projects order chips.
    pub buyer: BuyerParams,
    /// Priority.
    pub priority: i64,
    /// Phased go-live.
    pub phased: bool,
    /// Power usage effectiveness.
    pub pue: f64,
}

/// Accelerators live at the start, of one vintage.
#[derive(Debug, Clone)]
pub struct InstalledBase {
    /// Region.
    pub region: RegionId,
    /// Accelerators live.
    pub accelerators: f64,
    /// kW per accelerator.
    pub kw_per_accelerator: f64,
    /// Power usage effectiveness.
    pub pue: f64,
    /// Retirement and refresh, when the scenario gives a service life.
    pub refresh: Option<Refresh>,
}

/// How an installed-base vintage retires and is replaced: each of [`REFRESH_COHORTS`]
/// equal cohorts draws its service life (conditioned on having lasted to the start),
/// stops drawing power when it ends, and its halls order new accelerators of the same
/// IT load, needed on that day.
#[derive(Debug, Clone)]
pub struct Refresh {
    /// Day (on the clock) the vintage went live, on average.
    pub installed_day: f64,
    /// Service life (years).
    pub lifetime_years: Distribution,
    /// kW per replacement accelerator.
    pub new_kw_per_accelerator: f64,
    /// How the halls order their replacements.
    pub buyer: BuyerParams,
    /// Row of `projects.csv` for the replacements.
    pub group: usize,
}

/// Cohorts an installed-base vintage retires in.
pub const REFRESH_COHORTS: usize = 20;

/// One project's state in a replication.
#[derive(Debug, Clone)]
pub(super) struct ProjectState {
    /// Row of `projects.csv` (None: a warm-up project, not reported).
    pub group: Option<usize>,
    /// Index of the listed project or demand curve it comes from.
    pub source: ProjectSource,
    pub grid: GridId,
    pub region: RegionId,
    pub it_load_mw: f64,
    pub kw_per_accelerator: f64,
    pub pue: f64,
    pub accelerators: u64,
    pub built_day: f64,
    pub planned_go_live_day: f64,
    pub grid_request_day: f64,
    pub priority: i64,
    pub phased: bool,
    /// Copies of its order the buyer places (drawn at generation).
    pub copies: u32,
    pub built: bool,
    pub construction_known: bool,
    pub study_done_day: Option<f64>,
    pub granted_day: Option<f64>,
    /// The connection day, once granted (before it happens).
    pub connection_due_day: Option<f64>,
    pub connected_day: Option<f64>,
    /// Power-equipment suppliers still to deliver.
    pub equipment_pending: u32,
    /// Day the last power equipment arrived.
    pub equipment_day: f64,
    /// Current estimate of when the halls will be ready.
    pub need_day: f64,
    /// Days from shipping to arrival, planned at generation.
    pub ship_lead_days: f64,
    pub ordered: bool,
    pub order_day: f64,
    pub allocated: u64,
    pub delivered: u64,
    /// Accelerators not delivered when the chips became due.
    pub short_at_due: u64,
    pub last_allocation_day: f64,
    pub last_delivery_day: f64,
    pub live_accelerators: u64,
    pub live_day: Option<f64>,
    pub ready_day: Option<f64>,
    /// Undelivered chips count as late (the need date passed with the halls ready).
    pub chips_due: bool,
    /// For a refresh: the old accelerators (count, kW each) that retire on the need date.
    pub retires: Option<(f64, f64)>,
    /// Units withdrawn by the buyer.
    pub withdrawn_units: u64,
    /// The project was given up (its grid request withdrawn, or its order withdrawn
    /// before anything was allocated).
    pub withdrawn: bool,
}

/// Where a project comes from: for its buyer parameters, and its name, which is formatted
/// only when shown (trace rows, error messages), not for each of the ~900 projects of
/// every replication: a listed project's id, `curve/year/n` or `curve/surge@date/n`
/// for generated ones, `refresh/vintage/n` for an installed base's replacements.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) enum ProjectSource {
    Listed(usize),
    /// Project `number` of one batch of demand curve `curve`.
    Demand {
        curve: usize,
        batch: Batch,
        number: u32,
    },
    /// Replacements for an installed-base vintage: cohort `number` of `vintage`.
    Refresh {
        vintage: usize,
        number: u32,
    },
}

impl ProjectState {
    /// Grid capacity requested: IT load × PUE (MW).
    pub fn grid_mw(&self) -> f64 {
        self.it_load_mw * self.pue
    }

    /// Accelerators not yet delivered.
    pub fn undelivered(&self) -> u64 {
        self.accelerators.saturating_sub(self.delivered)
    }

    /// A warm-up project: not reported.
    pub fn history(&self) -> bool {
        self.group.is_none()
    }

    /// Delay and cause at the end of a replication ending on `horizon`.
    pub fn outcome(&self, horizon: f64) -> ProjectOutcome {
        if self.withdrawn {
            return ProjectOutcome {
                delay_days: 0.0,
                cause: DelayCause::Withdrawn,
            };
        }
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
        // The gate satisfied last (ties go to the first listed); chips last means the
        // accelerators were finished too late, or finished in time and slow to arrive.
        let gates = [
            (self.built_day, DelayCause::Construction),
            (self.connected_day.unwrap_or(live_day), DelayCause::Grid),
            (self.equipment_day, DelayCause::PowerEquipment),
        ];
        let (last_gate, gate_cause) = gates.into_iter().fold(
            (f64::NEG_INFINITY, DelayCause::Construction),
            |best, gate| {
                if gate.0 > best.0 {
                    gate
                } else {
                    best
                }
            },
        );
        let cause = if last_gate >= self.last_delivery_day {
            gate_cause
        } else if self.last_allocation_day >= last_gate {
            DelayCause::Chips
        } else {
            DelayCause::Shipping
        };
        ProjectOutcome { delay_days, cause }
    }

    fn new(source: ProjectSource, group: Option<usize>) -> Self {
        ProjectState {
            group,
            source,
            grid: GridId(0),
            region: RegionId(0),
            it_load_mw: 0.0,
            kw_per_accelerator: 1.0,
            pue: 1.0,
            accelerators: 0,
            built_day: 0.0,
            planned_go_live_day: 0.0,
            grid_request_day: 0.0,
            priority: 0,
            phased: false,
            copies: 1,
            built: false,
            construction_known: false,
            study_done_day: None,
            granted_day: None,
            connection_due_day: None,
            connected_day: None,
            equipment_pending: 0,
            equipment_day: f64::NEG_INFINITY,
            need_day: 0.0,
            ship_lead_days: 0.0,
            ordered: false,
            order_day: 0.0,
            allocated: 0,
            delivered: 0,
            short_at_due: 0,
            last_allocation_day: f64::NEG_INFINITY,
            last_delivery_day: f64::NEG_INFINITY,
            live_accelerators: 0,
            live_day: None,
            ready_day: None,
            chips_due: false,
            retires: None,
            withdrawn_units: 0,
            withdrawn: false,
        }
    }
}

/// Copies of one order, drawn from `duplicate_orders`.
fn draw_copies(buyer: &BuyerParams, rng: &mut SimRng) -> u32 {
    buyer
        .duplicate_orders
        .sample(rng)
        .round()
        .clamp(1.0, 1000.0) as u32
}

/// The `probability` quantile of `draw`, estimated from a fixed stream of draws (the
/// same whatever the replication, so a plan is part of the scenario).
fn quantile(draw: impl Fn(&mut SimRng) -> f64, probability: f64, key: &str) -> f64 {
    const DRAWS: usize = 4001;
    let mut rng = stream(0x504c_414e, key);
    let mut values: Vec<f64> = (0..DRAWS).map(|_| draw(&mut rng)).collect();
    values.sort_by(f64::total_cmp);
    crate::stats::quantile_sorted(&values, probability)
}

/// The construction and grid-request leads (days before the planned go-live) of a
/// project that plans at `percentile` (0–100) of its own durations: each path at the
/// √p quantile, so that both hold together (independent) with probability p.
pub fn plan_leads(
    percentile: f64,
    construction_days: &Distribution,
    grid: &super::GridParams,
    key: &str,
) -> (f64, f64) {
    let each = (percentile / 100.0).sqrt();
    let construction = quantile(
        |rng| draw_days(construction_days, rng),
        each,
        &format!("plan/{key}/construction"),
    );
    let connection = quantile(
        |rng| draw_days(&grid.study_days, rng) + draw_days(&grid.transformer_lead_days, rng),
        each,
        &format!("plan/{key}/grid"),
    );
    (construction.ceil(), connection.ceil())
}

/// The projects of one replication: the listed ones, then those the demand curves
/// generate (sizes and dates drawn from each curve's own stream, one per year), the
/// warm-up's history among them.
pub(super) fn generate(world: &World, seed: u64) -> Vec<ProjectState> {
    let mut projects = Vec::new();
    for (index, params) in world.projects.iter().enumerate() {
        let mut rng = stream(seed, format_args!("project/{}", params.name));
        let construction = draw_days(&params.construction_days, &mut rng);
        let mut project = ProjectState::new(ProjectSource::Listed(index), Some(params.group));
        project.grid = params.grid;
        project.region = params.region;
        project.it_load_mw = params.it_load_mw;
        project.kw_per_accelerator = params.kw_per_accelerator;
        project.pue = params.pue;
        project.accelerators = accelerators_for(params.it_load_mw, params.kw_per_accelerator);
        project.built_day = params.construction_start_day + construction;
        project.planned_go_live_day = params.planned_go_live_day;
        project.need_day = params.planned_go_live_day;
        project.grid_request_day = params.grid_request_day;
        project.priority = params.priority;
        project.phased = params.phased;
        project.copies = draw_copies(&params.buyer, &mut rng);
        projects.push(project);
    }
    for (index, demand) in world.demand.iter().enumerate() {
        let leads = (
            demand.planned_construction_days,
            demand.grid_request_lead_days,
        );
        for (year, window, group) in demand_years(world, demand) {
            let mut rng = stream(seed, format_args!("demand/{}/{year}", demand.name));
            let first_year = demand.years.first().map_or(year, |y| y.0);
            let target_mw =
                demand.mw_first_year * (1.0 + demand.growth_per_year).powi(year - first_year);
            let share = year_share(world, year, window);
            let generation = Generation {
                curve: index,
                group,
                batch: Batch::Year(year),
                window,
                not_before: f64::NEG_INFINITY,
                leads,
            };
            split_demand(
                world,
                demand,
                &generation,
                target_mw * share,
                &mut rng,
                &mut projects,
            );
        }
    }
    for (index, base) in world.installed_base.iter().enumerate() {
        if let Some(refresh) = &base.refresh {
            let mut rng = stream(seed, format_args!("installed_base/{index}"));
            add_refresh(world, index, base, refresh, &mut rng, &mut projects);
        }
    }
    projects
}

/// The replacement orders of an installed-base vintage, one per cohort retiring inside
/// the horizon: ready halls needing `cohort × old kW` of new accelerators on the day the
/// cohort retires.
fn add_refresh(
    world: &World,
    index: usize,
    base: &InstalledBase,
    refresh: &Refresh,
    rng: &mut SimRng,
    projects: &mut Vec<ProjectState>,
) {
    let cohort = base.accelerators / REFRESH_COHORTS as f64;
    let age_at_start = (world.start_day - refresh.installed_day).max(0.0);
    for number in 1..=REFRESH_COHORTS {
        // A life that had already ended is redrawn: the cohort was live at the start.
        let mut life = 0.0;
        for _ in 0..100 {
            life = refresh.lifetime_years.sample(rng).max(0.0) * 365.25;
            if life > age_at_start {
                break;
            }
        }
        let retires = (refresh.installed_day + life).max(world.start_day).floor();
        if retires >= world.horizon_days() || cohort < 1.0 {
            continue;
        }
        let it_load_mw = cohort * base.kw_per_accelerator / 1000.0;
        let mut project = ProjectState::new(
            ProjectSource::Refresh {
                vintage: index,
                number: number as u32,
            },
            Some(refresh.group),
        );
        project.region = base.region;
        project.it_load_mw = it_load_mw;
        project.kw_per_accelerator = refresh.new_kw_per_accelerator;
        project.pue = base.pue;
        project.accelerators = accelerators_for(it_load_mw, refresh.new_kw_per_accelerator);
        project.planned_go_live_day = retires;
        project.need_day = retires;
        project.built_day = retires;
        project.retires = Some((cohort, base.kw_per_accelerator));
        project.copies = draw_copies(&refresh.buyer, rng);
        projects.push(project);
    }
}

/// The years a demand curve generates projects in: (year, planned go-live window,
/// row of `projects.csv` or None for history). A curve active at the start is extended
/// backwards into the warm-up with its growth rate, so history ends where it begins.
fn demand_years(world: &World, demand: &DemandParams) -> Vec<(i32, (f64, f64), Option<usize>)> {
    use chrono::{Datelike, NaiveDate};
    let jan_first =
        |year: i32| NaiveDate::from_ymd_opt(year, 1, 1).map_or(0.0, |d| world.day_of(d));
    let mut years = Vec::new();
    let start_year = world.start.year();
    if demand.years.first().is_some_and(|y| y.0 <= start_year) {
        for year in world.date_of(0.0).year()..=start_year {
            let window = (
                jan_first(year).max(0.0),
                jan_first(year + 1).min(world.start_day),
            );
            if window.1 > window.0 {
                years.push((year, window, None));
            }
        }
    }
    for &(year, first, next, group) in &demand.years {
        years.push((year, (first, next), Some(group)));
    }
    years
}

/// Which of a curve's batches: a calendar year's, or a surge requested on a day.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) enum Batch {
    Year(i32),
    Surge(f64),
}

/// How one batch of a curve's projects is generated.
struct Generation {
    /// The demand curve.
    curve: usize,
    /// Row of `projects.csv` (None: history).
    group: Option<usize>,
    batch: Batch,
    /// Planned go-live window `[start, end)`.
    window: (f64, f64),
    /// No date of a project is earlier than this (a surge cannot have been planned
    /// before it happened).
    not_before: f64,
    /// Construction and grid leads before the planned go-live.
    leads: (f64, f64),
}

/// Splits `target_mw` of a demand curve into projects of drawn sizes, each planned to
/// go live at a uniform day of the generation's window.
fn split_demand(
    world: &World,
    demand: &DemandParams,
    generation: &Generation,
    target_mw: f64,
    rng: &mut SimRng,
    projects: &mut Vec<ProjectState>,
) {
    let mut total_mw = 0.0;
    let mut number = 0;
    let (window, not_before) = (generation.window, generation.not_before);
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
        let construction_start = (planned - generation.leads.0).max(not_before);
        let history = generation.group.is_none() || planned < world.start_day;
        let source = ProjectSource::Demand {
            curve: generation.curve,
            batch: generation.batch,
            number,
        };
        let mut project = ProjectState::new(source, if history { None } else { generation.group });
        project.grid = demand.grid;
        project.region = demand.region;
        project.it_load_mw = size;
        project.kw_per_accelerator = demand.kw_per_accelerator;
        project.pue = demand.pue;
        project.accelerators = accelerators_for(size, demand.kw_per_accelerator);
        project.built_day = construction_start + construction;
        project.planned_go_live_day = planned;
        project.need_day = planned;
        project.grid_request_day = (planned - generation.leads.1).max(not_before);
        project.priority = demand.priority;
        project.phased = demand.phased;
        project.copies = draw_copies(&demand.buyer, rng);
        if history {
            project.built_day = planned;
        }
        projects.push(project);
    }
}

/// The share of calendar year `year` that `window` covers.
fn year_share(world: &World, year: i32, window: (f64, f64)) -> f64 {
    use chrono::NaiveDate;
    let day = |y: i32| NaiveDate::from_ymd_opt(y, 1, 1).map_or(0.0, |d| world.day_of(d));
    let year_days = day(year + 1) - day(year);
    ((window.1 - window.0) / year_days.max(1.0)).clamp(0.0, 1.0)
}

/// Accelerators that fill `it_load_mw` at `kw_per_accelerator` each.
fn accelerators_for(it_load_mw: f64, kw_per_accelerator: f64) -> u64 {
    (it_load_mw * 1000.0 / kw_per_accelerator).round().max(1.0) as u64
}

impl SupplyChain<'_> {
    /// The buyer parameters of `project`.
    pub(super) fn buyer_of(&self, project: ProjectId) -> &BuyerParams {
        match self.projects[project.0 as usize].source {
            ProjectSource::Listed(index) => &self.world.projects[index].buyer,
            ProjectSource::Demand { curve, .. } => &self.world.demand[curve].buyer,
            ProjectSource::Refresh { vintage, .. } => {
                match &self.world.installed_base[vintage].refresh {
                    Some(refresh) => &refresh.buyer,
                    None => unreachable!("refresh projects come from vintages with a refresh"),
                }
            }
        }
    }

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
        let leads = (
            params.planned_construction_days,
            params.grid_request_lead_days,
        );
        let planned = now + leads.0;
        let first = self.projects.len();
        let generation = Generation {
            curve: demand,
            group: Some(group),
            batch: Batch::Surge(now),
            window: (planned, planned),
            not_before: now,
            leads,
        };
        split_demand(
            self.world,
            params,
            &generation,
            megawatts,
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
        let now = scheduler.now().days();
        match event {
            ProjectEvent::Built => self.on_project_built(id, now, scheduler),
            ProjectEvent::ConstructionKnown => {
                self.projects[id.0 as usize].construction_known = true;
                self.replan(id, now, scheduler)
            }
            ProjectEvent::GridRequest => self.on_grid_request(Requester::Project(id), scheduler),
            ProjectEvent::Replan => self.replan(id, now, scheduler),
            ProjectEvent::ChipsDue => {
                self.chips_due(id, now);
                self.check_live(id, now)
            }
            ProjectEvent::OrderFloor => self.on_order_floor(id, now, scheduler),
            ProjectEvent::Release(version) => {
                if self.book.release(id, version) {
                    self.allocate(now, scheduler)?;
                }
                Ok(())
            }
            ProjectEvent::Withdraw => {
                self.withdraw_order(id, now);
                Ok(())
            }
        }
    }

    pub(super) fn describe_project(&self, id: ProjectId) -> String {
        format!("project {}", self.project_name(id))
    }

    /// A project's name, as trace rows and messages show it.
    pub(super) fn project_name(&self, id: ProjectId) -> String {
        let world = self.world;
        match self.projects[id.0 as usize].source {
            ProjectSource::Listed(index) => world.projects[index].name.clone(),
            ProjectSource::Demand {
                curve,
                batch: Batch::Year(year),
                number,
            } => format!("{}/{year}/{number}", world.demand[curve].name),
            ProjectSource::Demand {
                curve,
                batch: Batch::Surge(day),
                number,
            } => {
                let date = world.date_of(day);
                format!("{}/surge@{date}/{number}", world.demand[curve].name)
            }
            ProjectSource::Refresh { vintage, number } => format!("refresh/{vintage}/{number}"),
        }
    }

    /// Schedules a project's first events.
    pub(super) fn start_project(
        &mut self,
        id: ProjectId,
        scheduler: &mut Scheduler<Event>,
    ) -> Result<(), EngineError> {
        let routes_lead = self.ship_lead(self.projects[id.0 as usize].region);
        let project = &mut self.projects[id.0 as usize];
        project.ship_lead_days = routes_lead;
        let (built, request, planned) = (
            project.built_day,
            project.grid_request_day,
            project.planned_go_live_day,
        );
        if project.history() || project.retires.is_some() {
            // Halls that exist already: ready on the planned day, only chips to order.
            project.built = true;
            project.construction_known = true;
            project.connected_day = Some(planned);
            project.ready_day = Some(planned);
            schedule(
                scheduler,
                planned,
                Event::Project(id, ProjectEvent::ChipsDue),
            )?;
        } else {
            schedule(scheduler, built, Event::Project(id, ProjectEvent::Built))?;
            let known = built - READINESS_NOTICE_DAYS;
            schedule(
                scheduler,
                known,
                Event::Project(id, ProjectEvent::ConstructionKnown),
            )?;
            schedule(
                scheduler,
                request,
                Event::Project(id, ProjectEvent::GridRequest),
            )?;
            let replan = planned - READINESS_NOTICE_DAYS;
            schedule(scheduler, replan, Event::Project(id, ProjectEvent::Replan))?;
            let pending = self.order_equipment(id, scheduler)?;
            self.projects[id.0 as usize].equipment_pending = pending;
        }
        self.enter_market(id, scheduler)
    }

    fn on_project_built(
        &mut self,
        id: ProjectId,
        now: f64,
        scheduler: &mut Scheduler<Event>,
    ) -> Result<(), EngineError> {
        let project = &mut self.projects[id.0 as usize];
        project.built = true;
        project.construction_known = true;
        if self.trace.is_some() {
            let name = self.project_name(id);
            self.record(now, "project_built", &name, 0.0, String::new());
        }
        self.check_ready(id, now, scheduler)
    }

    /// The grid granted the request on `granted_day`: the connection day is known.
    pub(super) fn project_granted(
        &mut self,
        id: ProjectId,
        granted_day: f64,
        connection_day: f64,
        scheduler: &mut Scheduler<Event>,
    ) -> Result<(), EngineError> {
        let project = &mut self.projects[id.0 as usize];
        project.granted_day = Some(granted_day);
        project.connection_due_day = Some(connection_day);
        self.replan(id, scheduler.now().days(), scheduler)
    }

    pub(super) fn project_connected(
        &mut self,
        id: ProjectId,
        scheduler: &mut Scheduler<Event>,
    ) -> Result<(), EngineError> {
        let now = scheduler.now().days();
        let project = &mut self.projects[id.0 as usize];
        project.connected_day = Some(now);
        self.check_ready(id, now, scheduler)
    }

    /// Re-estimates the need date from what is known now, and moves the order.
    fn replan(
        &mut self,
        id: ProjectId,
        now: f64,
        scheduler: &mut Scheduler<Event>,
    ) -> Result<(), EngineError> {
        let project = &self.projects[id.0 as usize];
        if project.ready_day.is_some() || project.withdrawn {
            return Ok(());
        }
        // Each part's best estimate now; the need date is the latest of them, and may
        // move earlier when news is better than feared.
        let construction = if project.construction_known {
            project.built_day
        } else {
            project.planned_go_live_day
        };
        let grid = match (project.connected_day, project.connection_due_day) {
            (Some(day), _) | (None, Some(day)) => day,
            // Not granted yet: no earlier than a transformer's lead from now.
            (None, None) => now + self.expected_connection_lead(project.grid),
        };
        let need = project.planned_go_live_day.max(construction).max(grid);
        self.set_need(id, need, now, scheduler)?;
        let project = &self.projects[id.0 as usize];
        if project.connection_due_day.is_none() && project.connected_day.is_none() {
            let next = (need - READINESS_NOTICE_DAYS).max(now + 1.0);
            schedule(scheduler, next, Event::Project(id, ProjectEvent::Replan))?;
        }
        Ok(())
    }

    /// Brings the project's halls into the ready state once built and connected.
    fn check_ready(
        &mut self,
        id: ProjectId,
        now: f64,
        scheduler: &mut Scheduler<Event>,
    ) -> Result<(), EngineError> {
        let project = &mut self.projects[id.0 as usize];
        let gates_open =
            project.built && project.connected_day.is_some() && project.equipment_pending == 0;
        if !gates_open || project.ready_day.is_some() {
            return self.check_live(id, now);
        }
        project.ready_day = Some(now);
        let planned = project.planned_go_live_day;
        if now >= planned {
            self.set_need(id, now, now, scheduler)?;
            self.chips_due(id, now);
        } else {
            schedule(
                scheduler,
                planned,
                Event::Project(id, ProjectEvent::ChipsDue),
            )?;
        }
        self.check_live(id, now)
    }

    /// A supplier's power equipment reached the project's site.
    pub(super) fn equipment_delivered(
        &mut self,
        id: ProjectId,
        now: f64,
        scheduler: &mut Scheduler<Event>,
    ) -> Result<(), EngineError> {
        let project = &mut self.projects[id.0 as usize];
        project.equipment_pending = project.equipment_pending.saturating_sub(1);
        project.equipment_day = now;
        self.check_ready(id, now, scheduler)
    }

    /// From now on, undelivered chips of `id` are late; a refresh's old accelerators
    /// retire now.
    fn chips_due(&mut self, id: ProjectId, now: f64) {
        let project = &mut self.projects[id.0 as usize];
        if project.chips_due || project.withdrawn {
            return;
        }
        if let Some((count, kw)) = project.retires {
            let (region, pue) = (project.region, project.pue);
            self.energy.add_live(now, region, -count, kw, pue);
        }
        let project = &mut self.projects[id.0 as usize];
        project.chips_due = true;
        let late = project.undelivered();
        project.short_at_due = late;
        let region = project.region;
        self.lateness.change(now, region, late as f64);
    }

    pub(super) fn receive_accelerators(
        &mut self,
        id: ProjectId,
        units: u64,
        scheduler: &mut Scheduler<Event>,
    ) -> Result<(), EngineError> {
        let now = scheduler.now().days();
        let project = &mut self.projects[id.0 as usize];
        let late_before = if project.chips_due {
            project.undelivered()
        } else {
            0
        };
        project.delivered += units;
        project.last_delivery_day = now;
        let late_after = if project.chips_due {
            project.undelivered()
        } else {
            0
        };
        let (region, lead_time) = (project.region, now - project.order_day);
        self.tally.waiting_for_site += units;
        self.lateness
            .change(now, region, late_after as f64 - late_before as f64);
        self.tally.delivered(region, now, units, lead_time);
        self.check_live(id, now)
    }

    /// Brings accelerators into service once the project is built and connected.
    fn check_live(&mut self, id: ProjectId, now: f64) -> Result<(), EngineError> {
        let project = &mut self.projects[id.0 as usize];
        if project.ready_day.is_none_or(|ready| now < ready) || project.withdrawn {
            return Ok(());
        }
        let complete = project.delivered >= project.accelerators;
        let newly_live = if project.phased || complete {
            project.delivered - project.live_accelerators
        } else {
            0
        };
        if newly_live > 0 {
            project.live_accelerators += newly_live;
            self.tally.waiting_for_site -= newly_live;
            // Warm-up projects live before the start belong to the installed base.
            if now >= self.world.start_day {
                let (kw, pue, region) = (project.kw_per_accelerator, project.pue, project.region);
                self.energy
                    .add_live(now, region, newly_live as f64, kw, pue);
            }
        }
        let project = &mut self.projects[id.0 as usize];
        if complete && project.live_day.is_none() {
            project.live_day = Some(now);
            if self.trace.is_some() {
                let name = self.project_name(id);
                self.record(now, "project_live", &name, newly_live as f64, String::new());
            }
        }
        Ok(())
    }

    /// The project gives up (its grid request was withdrawn): its order is withdrawn.
    pub(super) fn abandon_project(&mut self, id: ProjectId, now: f64) {
        self.withdraw_order(id, now);
        let project = &mut self.projects[id.0 as usize];
        project.withdrawn = true;
        self.leave_market(id);
    }

    /// The buyer withdraws what is still unfilled; with nothing allocated, the project
    /// is given up.
    fn withdraw_order(&mut self, id: ProjectId, now: f64) {
        let units = self.book.withdraw(id);
        if units == 0 {
            return;
        }
        let project = &mut self.projects[id.0 as usize];
        let late_before = if project.chips_due {
            project.undelivered()
        } else {
            0
        };
        project.accelerators -= units;
        project.withdrawn_units += units;
        if project.allocated == 0 {
            project.withdrawn = true;
        }
        let late_after = if project.chips_due && !project.withdrawn {
            project.undelivered()
        } else {
            0
        };
        let region = project.region;
        self.lateness
            .change(now, region, late_after as f64 - late_before as f64);
        self.tally.withdrawn(units);
        let _ = self.check_live(id, now);
    }
}
