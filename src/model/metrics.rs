//! What a replication measures: running tallies during the run, the scalar metrics
//! and time series at the end, and the stock-and-flow balances (conservation) that
//! tests check in every replication.

use crate::replication::{
    MetricDef, OutputLayout, ProjectOutcome, ReplicationResult, SeriesDef, WORLD_SCOPE,
};
use crate::stats::quantile_sorted;

use super::lane::Cargo;
use super::project::ProjectState;
use super::{FabId, RegionId, ShockKind, SiteId, SupplyChain, World};

/// Running counts kept while a replication runs; only events inside the horizon
/// (from the start, after the warm-up) count.
#[derive(Debug, Clone)]
pub(super) struct Tally {
    start_day: f64,
    period_bounds: Vec<f64>,
    /// Units ordered, allocated and withdrawn (all orders, warm-up included).
    ordered: u64,
    allocated: u64,
    withdrawn: u64,
    backlog_peak: u64,
    delivered: u64,
    lead_time_unit_days: f64,
    /// Lead times quoted to orders placed inside the horizon: sum and count.
    quoted_days: f64,
    quotes: u64,
    /// Accelerators delivered to sites that are not ready for them.
    pub waiting_for_site: u64,
    /// Wafers not started or scrapped because of outages.
    pub fab_wafers_lost: f64,
    /// Fab-days of capacity lost to outages.
    pub fab_capacity_days_lost: f64,
    /// Accelerators not started or scrapped because of outages.
    pub packaging_accelerators_lost: f64,
    /// Extra MW requested by demand surges.
    pub surge_mw: f64,
    /// Days shocks were active, by kind (index: `ShockKind::index`).
    pub shock_days: [f64; ShockKind::ALL.len()],
    /// Per period: totals over the period, or snapshots at its end.
    period_wafers: Vec<f64>,
    period_delivered: Vec<f64>,
    period_lead_time_unit_days: Vec<f64>,
    period_built: Vec<f64>,
    period_backlog: Vec<f64>,
    period_mw_live: Vec<f64>,
    period_quoted_days: Vec<f64>,
    period_quotes: Vec<f64>,
    period_waiting: Vec<f64>,
    period_in_stock: Vec<f64>,
    /// Per scope and period (scope-major): deliveries and MW live by region, wafers
    /// started and finished by fab, accelerators finished by site, and each producer's
    /// share of capacity available (fabs, then sites).
    region_delivered: Vec<f64>,
    region_mw_live: Vec<f64>,
    fab_starts: Vec<f64>,
    fab_output: Vec<f64>,
    site_output: Vec<f64>,
    capacity_available: Vec<f64>,
    /// Each producer's work at the last period end.
    work_at_period_start: Vec<f64>,
    periods: usize,
}

impl Tally {
    pub fn new(world: &World) -> Self {
        let periods = world.periods.len();
        Tally {
            start_day: world.start_day,
            period_bounds: (world.periods.iter())
                .map(|p| world.day_of(p.end) + 1.0)
                .collect(),
            ordered: 0,
            allocated: 0,
            withdrawn: 0,
            backlog_peak: 0,
            delivered: 0,
            lead_time_unit_days: 0.0,
            quoted_days: 0.0,
            quotes: 0,
            waiting_for_site: 0,
            fab_wafers_lost: 0.0,
            fab_capacity_days_lost: 0.0,
            packaging_accelerators_lost: 0.0,
            surge_mw: 0.0,
            shock_days: [0.0; ShockKind::ALL.len()],
            period_wafers: vec![0.0; periods],
            period_delivered: vec![0.0; periods],
            period_lead_time_unit_days: vec![0.0; periods],
            period_built: vec![0.0; periods],
            period_backlog: vec![0.0; periods],
            period_mw_live: vec![0.0; periods],
            period_quoted_days: vec![0.0; periods],
            period_quotes: vec![0.0; periods],
            period_waiting: vec![0.0; periods],
            period_in_stock: vec![0.0; periods],
            region_delivered: vec![0.0; world.regions.len() * periods],
            region_mw_live: vec![0.0; world.regions.len() * periods],
            fab_starts: vec![0.0; world.fabs.len() * periods],
            fab_output: vec![0.0; world.fabs.len() * periods],
            site_output: vec![0.0; world.packaging.len() * periods],
            capacity_available: vec![0.0; (world.fabs.len() + world.packaging.len()) * periods],
            work_at_period_start: vec![world.start_day; world.fabs.len() + world.packaging.len()],
            periods,
        }
    }

    /// Index of (`scope`, `period`) in a scope-major per-period array.
    fn at(&self, scope: usize, period: usize) -> usize {
        scope * self.periods + period
    }

    /// The reporting period of `day` (None in the warm-up or after the end).
    fn period_of(&self, day: f64) -> Option<usize> {
        if day < self.start_day {
            return None;
        }
        let index = self.period_bounds.partition_point(|&end| end <= day);
        (index < self.period_bounds.len()).then_some(index)
    }

    /// Units ordered and not yet allocated or withdrawn.
    fn backlog(&self) -> u64 {
        self.ordered - self.allocated - self.withdrawn
    }

    pub fn order_placed(&mut self, day: f64, units: u64, quoted_days: f64) {
        self.ordered += units;
        if day >= self.start_day {
            self.backlog_peak = self.backlog_peak.max(self.backlog());
        }
        if let Some(period) = self.period_of(day) {
            self.quoted_days += quoted_days;
            self.quotes += 1;
            self.period_quoted_days[period] += quoted_days;
            self.period_quotes[period] += 1.0;
        }
    }

    pub fn allocated(&mut self, units: u64) {
        self.allocated += units;
    }

    pub fn withdrawn(&mut self, units: u64) {
        self.withdrawn += units;
    }

    pub fn delivered(&mut self, region: RegionId, day: f64, units: u64, lead_time_days: f64) {
        if let Some(period) = self.period_of(day) {
            let cell = self.at(region.0 as usize, period);
            self.region_delivered[cell] += units as f64;
            self.delivered += units;
            self.lead_time_unit_days += units as f64 * lead_time_days;
            self.period_delivered[period] += units as f64;
            self.period_lead_time_unit_days[period] += units as f64 * lead_time_days;
        }
    }

    pub fn wafers_started(&mut self, fab: FabId, day: f64, wafers: u64) {
        if let Some(period) = self.period_of(day) {
            self.period_wafers[period] += wafers as f64;
            let cell = self.at(fab.0 as usize, period);
            self.fab_starts[cell] += wafers as f64;
        }
    }

    pub fn wafers_finished(&mut self, fab: FabId, day: f64, wafers: u64) {
        if let Some(period) = self.period_of(day) {
            let cell = self.at(fab.0 as usize, period);
            self.fab_output[cell] += wafers as f64;
        }
    }

    pub fn accelerators_built(&mut self, site: SiteId, day: f64, units: u64) {
        if let Some(period) = self.period_of(day) {
            self.period_built[period] += units as f64;
            let cell = self.at(site.0 as usize, period);
            self.site_output[cell] += units as f64;
        }
    }
}

/// Which instances of a metric a scenario has: one, one per calendar year, one per shock
/// kind the scenario uses, or one only if the scenario uses a given shock kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Instances {
    /// A single metric.
    Once,
    /// One per calendar year of the horizon: `<name>_<year>`.
    PerYear,
    /// One per shock kind the scenario uses: `shock_<kind>_<name>`.
    PerShockKind,
    /// One, present only when the scenario has a shock of this kind.
    IfShockKind(ShockKind),
    /// One per calendar year and region with data centres: `<name>_<year>.<region>`.
    PerRegionYear,
}

/// One instance of a metric.
#[derive(Debug, Clone, Copy)]
enum Instance {
    Once,
    Year(usize, i32),
    Kind(ShockKind),
    RegionYear(RegionId, usize, i32),
}

/// A scalar metric: one value per replication, defined once here with what it means
/// and how it is computed from a finished replication.
#[derive(Debug, Clone, Copy)]
pub struct Metric {
    /// snake_case name (for families, the part after the year or kind).
    pub name: &'static str,
    /// Its name in plain English, for tables and chart titles.
    pub label: &'static str,
    /// Unit.
    pub unit: &'static str,
    /// Headline metrics appear first in summaries and drive `--precision`.
    pub headline: bool,
    /// How one replication's value is made from what happened: a total, a mean over
    /// what, a snapshot. (Across replications every metric is summarised alike.)
    pub aggregation: &'static str,
    /// What it measures, in one or two sentences.
    pub definition: &'static str,
    value: fn(&Finished, Instance) -> f64,
}

/// Metrics that expand together over the same instances (metric-major within each
/// instance), in layout order.
#[derive(Debug, Clone, Copy)]
pub struct MetricGroup {
    /// Which instances the group has.
    pub instances: Instances,
    /// Its metrics.
    pub metrics: &'static [Metric],
}

/// What a time series is kept for: the whole world, each region with data centres,
/// each fab, or each packaging site.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScopeKind {
    /// One series for the world (scope `world`).
    World,
    /// One per region where projects, demand curves or the installed base stand.
    Region,
    /// One per fab (scope: its id).
    Fab,
    /// One per packaging site (scope: its id).
    Site,
}

impl ScopeKind {
    /// Every kind, in the order the layout lists their series.
    pub const ALL: [ScopeKind; 4] = [
        ScopeKind::World,
        ScopeKind::Region,
        ScopeKind::Fab,
        ScopeKind::Site,
    ];
}

/// One scope of a series.
#[derive(Debug, Clone, Copy)]
enum Scope {
    World,
    Region(RegionId),
    Fab(FabId),
    Site(SiteId),
}

/// A time-series metric: one value per reporting period per replication, per scope.
#[derive(Debug, Clone, Copy)]
pub struct SeriesMetric {
    /// snake_case name.
    pub name: &'static str,
    /// Its name in plain English, for tables and chart titles.
    pub label: &'static str,
    /// Unit.
    pub unit: &'static str,
    /// Its scopes.
    pub scope: ScopeKind,
    /// How a period's value is made: [`PERIOD_TOTAL`], [`PERIOD_END`], or a mean over
    /// the period's days or units.
    pub aggregation: &'static str,
    /// What it measures, and whether it is a total over the period, a mean over the
    /// period or a snapshot at its end.
    pub definition: &'static str,
    value: fn(&SupplyChain, Scope, usize) -> f64,
}

/// A total over the horizon (from the start, after the warm-up, to the end).
const HORIZON_TOTAL: &str = "total over the horizon";
/// A count of things over the horizon.
const HORIZON_COUNT: &str = "count over the horizon";
/// The grid waits: a mean over requests, counting only days inside the horizon.
const GRID_MEAN: &str =
    "mean over the grid requests of the horizon's projects (days inside the horizon)";
/// A flow during the period: periods add up.
pub const PERIOD_TOTAL: &str = "total over the period";
/// A level at the period's end: periods do not add up.
pub const PERIOD_END: &str = "snapshot at the period's end";
/// A share averaged over the period's days.
const PERIOD_MEAN: &str = "mean over the period's days";

const fn scalar(
    name: &'static str,
    label: &'static str,
    unit: &'static str,
    headline: bool,
    aggregation: &'static str,
    definition: &'static str,
    value: fn(&Finished, Instance) -> f64,
) -> Metric {
    Metric {
        name,
        label,
        unit,
        headline,
        aggregation,
        definition,
        value,
    }
}

/// Every scalar metric, in layout order.
pub const METRICS: &[MetricGroup] = &[
    MetricGroup {
        instances: Instances::Once,
        metrics: &[
            scalar(
                "chips_demanded",
                "Chips demanded",
                "accelerators",
                true,
                HORIZON_TOTAL,
                "Accelerators ordered by the projects of the horizon (warm-up projects excluded).",
                |f, _| f.sum(|p| p.accelerators + p.withdrawn_units),
            ),
            scalar(
                "chips_delivered",
                "Chips delivered",
                "accelerators",
                true,
                HORIZON_TOTAL,
                "Accelerators delivered to projects inside the horizon.",
                |f, _| f.chain.tally.delivered as f64,
            ),
            scalar(
                "chips_short",
                "Chips short at their need date",
                "accelerators",
                true,
                HORIZON_TOTAL,
                "Accelerators not delivered by their need date (the later of the planned \
                 go-live and the day the halls were ready), counted once per accelerator; \
                 `chip_days_short` also weighs how late.",
                |f, _| f.sum(|p| p.short_at_due),
            ),
            scalar(
                "order_lead_time_mean_days",
                "Realised order lead time",
                "days",
                true,
                "mean over the accelerators delivered in the horizon",
                "Mean days from order to delivery, over accelerators delivered inside the horizon \
                 (realised lead time).",
                |f, _| f.lead_time_mean(),
            ),
            scalar(
                "projects_delayed",
                "Projects delayed",
                "projects",
                true,
                HORIZON_COUNT,
                "Projects live after their planned go-live, or not live by the end.",
                |f, _| f.outcomes.iter().filter(|o| o.delay_days > 0.0).count() as f64,
            ),
            scalar(
                "project_delay_mean_days",
                "Project go-live delay",
                "days",
                true,
                "mean over the projects of the horizon (on time and withdrawn count 0)",
                "Mean delay over the projects of the horizon (0 when on time; counted to the end \
                 when not live; withdrawn projects count 0).",
                |f, _| mean(&f.delays),
            ),
            scalar(
                "mw_live_end",
                "IT load live at the end",
                "MW",
                true,
                "snapshot at the end of the horizon",
                "IT load of accelerators live at the end (installed base included).",
                |f, _| f.chain.energy.it_mw(None),
            ),
            scalar(
                "energy_twh_total",
                "Electricity over the horizon",
                "TWh",
                true,
                HORIZON_TOTAL,
                "Electricity drawn by live accelerators over the horizon (IT × utilisation × PUE).",
                |f, _| f.chain.energy.twh.year_totals().iter().sum(),
            ),
            scalar(
                "backlog_peak",
                "Peak order backlog",
                "accelerators",
                false,
                "largest snapshot over the horizon",
                "Largest number of accelerators ordered and not yet allocated inside the horizon.",
                |f, _| f.chain.tally.backlog_peak as f64,
            ),
            scalar(
                "projects_total",
                "Projects",
                "projects",
                false,
                HORIZON_COUNT,
                "Projects of the horizon (listed, generated and added by surges).",
                |f, _| f.outcomes.len() as f64,
            ),
            scalar(
                "project_delay_p95_days",
                "Project go-live delay, 95th percentile",
                "days",
                false,
                "95th percentile over the projects of the horizon",
                "95th percentile of project delays within the replication.",
                |f, _| quantile_sorted(&f.delays, 0.95),
            ),
            scalar(
                "grid_wait_mean_days",
                "Grid connection wait",
                "days",
                false,
                GRID_MEAN,
                "Mean days inside the horizon from grid request to connection, over the \
                 projects' requests; a request not connected by the end counts to the end.",
                |f, _| f.grid_mean(GridWait::Total),
            ),
            scalar(
                "accelerators_built",
                "Accelerators packaged",
                "accelerators",
                false,
                HORIZON_TOTAL,
                "Accelerators that passed test at packaging sites inside the horizon.",
                |f, _| f.chain.tally.period_built.iter().sum(),
            ),
            scalar(
                "fabs_built",
                "Fabs built",
                "fabs",
                false,
                "count at the end of the horizon",
                "Fab constructions producing by the end.",
                |f, _| f.chain.fabs_online_from_construction() as f64,
            ),
            scalar(
                "fab_wafers_lost",
                "Wafers lost to outages",
                "wafers",
                false,
                HORIZON_TOTAL,
                "Wafers not started or scrapped because of outages.",
                |f, _| f.chain.tally.fab_wafers_lost,
            ),
            scalar(
                "fab_capacity_days_lost",
                "Fab capacity lost to outages",
                "fab-days",
                false,
                HORIZON_TOTAL,
                "Fab-days of capacity lost to outages.",
                |f, _| f.chain.tally.fab_capacity_days_lost,
            ),
            scalar(
                "packaging_accelerators_lost",
                "Accelerators lost to packaging outages",
                "accelerators",
                false,
                HORIZON_TOTAL,
                "Accelerators not started or scrapped at packaging sites because of outages.",
                |f, _| f.chain.tally.packaging_accelerators_lost,
            ),
            scalar(
                "chip_days_short",
                "Chip-days late",
                "accelerator-days",
                true,
                HORIZON_TOTAL,
                "For every accelerator, the days inside the horizon between its need date (the \
                 later of its project's planned go-live and the day the halls were ready) and its \
                 delivery; 0 when on time. Does not saturate: a longer outage never lowers it.",
                |f, _| f.chain.lateness.year_totals().iter().sum(),
            ),
            scalar(
                "quoted_lead_time_mean_days",
                "Quoted order lead time",
                "days",
                false,
                "mean over the orders placed in the horizon",
                "Mean lead time (order to arrival) quoted to orders placed inside the horizon.",
                |f, _| {
                    let tally = &f.chain.tally;
                    if tally.quotes > 0 {
                        tally.quoted_days / tally.quotes as f64
                    } else {
                        f64::NAN
                    }
                },
            ),
            scalar(
                "grid_study_mean_days",
                "Grid wait: connection study",
                "days",
                false,
                GRID_MEAN,
                "Part of `grid_wait_mean_days` spent in the connection study.",
                |f, _| f.grid_mean(GridWait::Study),
            ),
            scalar(
                "grid_queue_mean_days",
                "Grid wait: queue for capacity",
                "days",
                false,
                GRID_MEAN,
                "Part of `grid_wait_mean_days` spent studied and waiting for capacity.",
                |f, _| f.grid_mean(GridWait::Queue),
            ),
            scalar(
                "grid_equipment_mean_days",
                "Grid wait: transformer",
                "days",
                false,
                GRID_MEAN,
                "Part of `grid_wait_mean_days` spent granted and waiting for the transformer.",
                |f, _| f.grid_mean(GridWait::Equipment),
            ),
            scalar(
                "projects_withdrawn",
                "Projects withdrawn",
                "projects",
                false,
                HORIZON_COUNT,
                "Projects given up: their grid request or their whole order was withdrawn.",
                |f, _| f.reported().filter(|p| p.withdrawn).count() as f64,
            ),
            scalar(
                "chips_withdrawn",
                "Chips withdrawn",
                "accelerators",
                false,
                HORIZON_TOTAL,
                "Accelerators ordered and then withdrawn unfilled by their buyers.",
                |f, _| f.sum(|p| p.withdrawn_units),
            ),
        ],
    },
    MetricGroup {
        instances: Instances::PerYear,
        metrics: &[scalar(
            "energy_twh",
            "Electricity",
            "TWh",
            false,
            "total over the calendar year",
            "Electricity drawn by live accelerators in the calendar year.",
            |f, i| f.year_twh(i),
        )],
    },
    MetricGroup {
        instances: Instances::PerYear,
        metrics: &[scalar(
            "energy_share_world",
            "Share of world electricity",
            "percent",
            false,
            "the calendar year's total over world electricity",
            "That year's energy as a share of world electricity (`world_electricity_twh`).",
            |f, i| 100.0 * f.year_twh(i) / f.chain.world.world_electricity_twh,
        )],
    },
    MetricGroup {
        instances: Instances::PerShockKind,
        metrics: &[
            scalar(
                "occurrences",
                "Shock occurrences",
                "occurrences",
                false,
                HORIZON_COUNT,
                "Occurrences of shocks of this kind.",
                |f, i| f.occurrences(i),
            ),
            scalar(
                "days",
                "Shock days",
                "days",
                false,
                "total over the horizon (overlapping shocks count each)",
                "Days shocks of this kind were active inside the horizon.",
                |f, i| match i {
                    Instance::Kind(kind) => f.chain.tally.shock_days[kind.index()],
                    _ => f64::NAN,
                },
            ),
        ],
    },
    MetricGroup {
        instances: Instances::PerRegionYear,
        metrics: &[scalar(
            "energy_twh",
            "Electricity",
            "TWh",
            false,
            "total over the calendar year, the region's accelerators",
            "Electricity drawn by the region's live accelerators in the calendar year.",
            |f, i| match i {
                Instance::RegionYear(region, index, _) => {
                    f.chain.energy.twh.region_year_totals(region)[index]
                }
                _ => f64::NAN,
            },
        )],
    },
    MetricGroup {
        instances: Instances::IfShockKind(ShockKind::DemandSurge),
        metrics: &[scalar(
            "surge_mw",
            "Demand surge",
            "MW",
            false,
            HORIZON_TOTAL,
            "Extra IT load requested by demand surges.",
            |f, _| f.chain.tally.surge_mw,
        )],
    },
];

/// `numerator / denominator` for a period, NaN when nothing was counted.
fn ratio(numerator: f64, denominator: f64) -> f64 {
    if denominator > 0.0 {
        numerator / denominator
    } else {
        f64::NAN
    }
}

const fn world(
    name: &'static str,
    label: &'static str,
    unit: &'static str,
    aggregation: &'static str,
    definition: &'static str,
    value: fn(&SupplyChain, Scope, usize) -> f64,
) -> SeriesMetric {
    scoped(
        ScopeKind::World,
        name,
        label,
        unit,
        aggregation,
        definition,
        value,
    )
}

const fn scoped(
    scope: ScopeKind,
    name: &'static str,
    label: &'static str,
    unit: &'static str,
    aggregation: &'static str,
    definition: &'static str,
    value: fn(&SupplyChain, Scope, usize) -> f64,
) -> SeriesMetric {
    SeriesMetric {
        name,
        label,
        unit,
        scope,
        aggregation,
        definition,
        value,
    }
}

/// The region of a region scope (None for the world).
fn region_of(scope: Scope) -> Option<RegionId> {
    match scope {
        Scope::Region(region) => Some(region),
        _ => None,
    }
}

/// Every time-series metric, in layout order within its scope kind.
pub const SERIES: &[SeriesMetric] = &[
    world("chips_delivered", "Chips delivered", "accelerators", PERIOD_TOTAL, "Accelerators delivered to projects in the period (total).", |c, _, p| c.tally.period_delivered[p]),
    world("accelerators_built", "Accelerators packaged", "accelerators", PERIOD_TOTAL, "Accelerators that passed test in the period (total).", |c, _, p| c.tally.period_built[p]),
    world("backlog", "Order backlog", "accelerators", PERIOD_END, "Accelerators ordered and not yet allocated at the period's end (snapshot; duplicate copies not counted).", |c, _, p| c.tally.period_backlog[p]),
    world("order_lead_time_days", "Realised order lead time", "days", "mean over the accelerators delivered in the period", "Realised lead time: mean days from order to delivery over accelerators delivered in the period.", |c, _, p| ratio(c.tally.period_lead_time_unit_days[p], c.tally.period_delivered[p])),
    world("mw_live", "IT load live", "MW", PERIOD_END, "IT load live at the period's end (snapshot).", |c, _, p| c.tally.period_mw_live[p]),
    world("energy_twh", "Electricity", "TWh", PERIOD_TOTAL, "Electricity drawn by live accelerators in the period (total).", |c, _, p| c.energy.twh.period_total(None, p)),
    world("wafer_starts", "Wafer starts", "wafers", PERIOD_TOTAL, "Wafers started at fabs in the period (total).", |c, _, p| c.tally.period_wafers[p]),
    world("chip_days_short", "Chip-days late", "accelerator-days", PERIOD_TOTAL, "Accelerator-days late against need dates accrued in the period (total).", |c, _, p| c.lateness.period_total(None, p)),
    world("quoted_lead_time_days", "Quoted order lead time", "days", "mean over the orders placed in the period", "Mean lead time (order to arrival) quoted to orders placed in the period.", |c, _, p| ratio(c.tally.period_quoted_days[p], c.tally.period_quotes[p])),
    world("accelerators_waiting_for_site", "Accelerators waiting for their site", "accelerators", PERIOD_END, "Accelerators delivered to sites whose halls are not ready (not live) at the period's end (snapshot).", |c, _, p| c.tally.period_waiting[p]),
    world("accelerators_in_stock", "Accelerators in stock at packaging sites", "accelerators", PERIOD_END, "Finished accelerators at packaging sites, not yet shipped, at the period's end (snapshot).", |c, _, p| c.tally.period_in_stock[p]),
    scoped(ScopeKind::Region, "chips_delivered", "Chips delivered", "accelerators", PERIOD_TOTAL, "Accelerators delivered to the region's projects in the period (total).", |c, s, p| region_of(s).map_or(f64::NAN, |r| c.tally.region_delivered[c.tally.at(r.0 as usize, p)])),
    scoped(ScopeKind::Region, "mw_live", "IT load live", "MW", PERIOD_END, "IT load live in the region at the period's end (snapshot).", |c, s, p| region_of(s).map_or(f64::NAN, |r| c.tally.region_mw_live[c.tally.at(r.0 as usize, p)])),
    scoped(ScopeKind::Region, "energy_twh", "Electricity", "TWh", PERIOD_TOTAL, "Electricity drawn by the region's live accelerators in the period (total).", |c, s, p| c.energy.twh.period_total(region_of(s), p)),
    scoped(ScopeKind::Region, "chip_days_short", "Chip-days late", "accelerator-days", PERIOD_TOTAL, "Accelerator-days late accrued in the period by the region's projects (total).", |c, s, p| c.lateness.period_total(region_of(s), p)),
    scoped(ScopeKind::Fab, "wafer_starts", "Wafer starts", "wafers", PERIOD_TOTAL, "Wafers the fab started in the period (total).", |c, s, p| match s { Scope::Fab(f) => c.tally.fab_starts[c.tally.at(f.0 as usize, p)], _ => f64::NAN }),
    scoped(ScopeKind::Fab, "output", "Wafers completed", "wafers", PERIOD_TOTAL, "Wafers the fab completed in the period (total).", |c, s, p| match s { Scope::Fab(f) => c.tally.fab_output[c.tally.at(f.0 as usize, p)], _ => f64::NAN }),
    scoped(ScopeKind::Fab, "capacity_available", "Capacity available", "share", PERIOD_MEAN, "Share of the fab's capacity available over the period (mean; 1 without outages).", |c, s, p| match s { Scope::Fab(f) => c.tally.capacity_available[c.tally.at(f.0 as usize, p)], _ => f64::NAN }),
    scoped(ScopeKind::Site, "output", "Accelerators packaged", "accelerators", PERIOD_TOTAL, "Accelerators the site finished (passed test) in the period (total).", |c, s, p| match s { Scope::Site(x) => c.tally.site_output[c.tally.at(x.0 as usize, p)], _ => f64::NAN }),
    scoped(ScopeKind::Site, "capacity_available", "Capacity available", "share", PERIOD_MEAN, "Share of the site's capacity available over the period (mean; 1 without outages).", |c, s, p| match s { Scope::Site(x) => c.tally.capacity_available[c.tally.at(c.world.fabs.len() + x.0 as usize, p)], _ => f64::NAN }),
];

/// The regions with series of their own: where projects, demand curves or the
/// installed base stand, in region order.
fn demand_regions(world: &World) -> Vec<RegionId> {
    let mut regions: Vec<RegionId> = (world.projects.iter().map(|p| p.region))
        .chain(world.demand.iter().map(|d| d.region))
        .chain(world.installed_base.iter().map(|b| b.region))
        .collect();
    regions.sort();
    regions.dedup();
    regions
}

/// Every (series, scope, scope name) of `world`, in layout order: all world series,
/// then each region's, each fab's and each site's. A scope is named `world`,
/// `region:<name>`, `fab:<id>` or `site:<id>`, so that no two collide (a region may be
/// called "world", and a fab and a site may share an id).
fn expanded_series(world: &World) -> Vec<(&'static SeriesMetric, Scope, String)> {
    let mut all = Vec::new();
    for kind in ScopeKind::ALL {
        let scopes: Vec<(Scope, String)> = match kind {
            ScopeKind::World => vec![(Scope::World, WORLD_SCOPE.to_string())],
            ScopeKind::Region => (demand_regions(world).into_iter())
                .map(|r| {
                    let name = &world.regions[r.0 as usize];
                    (Scope::Region(r), format!("region:{name}"))
                })
                .collect(),
            ScopeKind::Fab => (world.fabs.iter().enumerate())
                .map(|(i, f)| (Scope::Fab(FabId(i as u32)), format!("fab:{}", f.name)))
                .collect(),
            ScopeKind::Site => (world.packaging.iter().enumerate())
                .map(|(i, s)| (Scope::Site(SiteId(i as u32)), format!("site:{}", s.name)))
                .collect(),
        };
        for (scope, name) in scopes {
            for series in SERIES.iter().filter(|s| s.scope == kind) {
                all.push((series, scope, name.clone()));
            }
        }
    }
    all
}

/// Mean of `values` (NaN when empty).
fn mean(values: &[f64]) -> f64 {
    if values.is_empty() {
        f64::NAN
    } else {
        values.iter().sum::<f64>() / values.len() as f64
    }
}

/// A part of a project's grid wait.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum GridWait {
    Total,
    Study,
    Queue,
    Equipment,
}

/// A finished replication, with what several metrics share computed once.
struct Finished<'a, 'w> {
    chain: &'a SupplyChain<'w>,
    outcomes: Vec<ProjectOutcome>,
    /// Project delays, sorted.
    delays: Vec<f64>,
}

impl Finished<'_, '_> {
    /// The projects of the horizon (not the warm-up's).
    fn reported(&self) -> impl Iterator<Item = &ProjectState> {
        self.chain.projects.iter().filter(|p| !p.history())
    }

    fn sum(&self, value: impl Fn(&ProjectState) -> u64) -> f64 {
        self.reported().map(value).sum::<u64>() as f64
    }

    fn lead_time_mean(&self) -> f64 {
        let tally = &self.chain.tally;
        ratio(tally.lead_time_unit_days, tally.delivered as f64)
    }

    /// Mean days inside the horizon of one part of the grid wait, over the reported
    /// projects' requests made before the end (a part not over by the end counts to it).
    fn grid_mean(&self, part: GridWait) -> f64 {
        let (start, end) = (self.chain.world.start_day, self.chain.horizon);
        let inside =
            |from: f64, to: Option<f64>| (to.unwrap_or(end).min(end) - from.max(start)).max(0.0);
        let waits: Vec<f64> = self
            .reported()
            .filter(|p| p.grid_request_day < end && !p.withdrawn)
            .map(|p| {
                let request = p.grid_request_day;
                let studied = p.study_done_day.unwrap_or(end);
                let granted = p.granted_day;
                let connected = p.connected_day;
                match part {
                    GridWait::Total => inside(request, connected),
                    GridWait::Study => inside(request, Some(studied)),
                    GridWait::Queue => inside(studied, granted),
                    GridWait::Equipment => granted.map_or(0.0, |g| inside(g, connected)),
                }
            })
            .collect();
        mean(&waits)
    }

    fn year_twh(&self, instance: Instance) -> f64 {
        match instance {
            Instance::Year(index, _) => self.chain.energy.twh.year_totals()[index],
            _ => f64::NAN,
        }
    }

    fn occurrences(&self, instance: Instance) -> f64 {
        let Instance::Kind(kind) = instance else {
            return f64::NAN;
        };
        let world = self.chain.world;
        (world.shocks.iter().zip(&self.chain.shocks))
            .filter(|(params, _)| params.kind == kind)
            .map(|(_, state)| state.occurrences)
            .sum::<u64>() as f64
    }
}

/// The shock kinds a scenario uses, in a fixed order.
fn shock_kinds(world: &World) -> Vec<ShockKind> {
    let mut kinds: Vec<ShockKind> = world.shocks.iter().map(|s| s.kind).collect();
    kinds.sort();
    kinds.dedup();
    kinds
}

/// The instances of `group` in `world`, in layout order.
fn instances(world: &World, group: &MetricGroup) -> Vec<Instance> {
    match group.instances {
        Instances::Once => vec![Instance::Once],
        Instances::PerYear => (world.years().into_iter().enumerate())
            .map(|(index, year)| Instance::Year(index, year))
            .collect(),
        Instances::PerShockKind => shock_kinds(world).into_iter().map(Instance::Kind).collect(),
        Instances::PerRegionYear => {
            let mut all = Vec::new();
            for region in demand_regions(world) {
                for (index, year) in world.years().into_iter().enumerate() {
                    all.push(Instance::RegionYear(region, index, year));
                }
            }
            all
        }
        Instances::IfShockKind(kind) => {
            if shock_kinds(world).contains(&kind) {
                vec![Instance::Once]
            } else {
                Vec::new()
            }
        }
    }
}

/// The name of `metric`'s `instance`.
fn instance_name(world: &World, metric: &Metric, instance: Instance) -> String {
    match instance {
        Instance::Once => metric.name.to_string(),
        Instance::Year(_, year) => format!("{}_{year}", metric.name),
        Instance::Kind(kind) => format!("shock_{}_{}", kind.label(), metric.name),
        Instance::RegionYear(region, _, year) => {
            format!(
                "{}_{year}.{}",
                metric.name, world.regions[region.0 as usize]
            )
        }
    }
}

/// Every (metric, instance) of `world`, in layout order.
fn expanded(world: &World) -> Vec<(&'static Metric, Instance)> {
    let mut all = Vec::new();
    for group in METRICS {
        for instance in instances(world, group) {
            for metric in group.metrics {
                all.push((metric, instance));
            }
        }
    }
    all
}

/// The layout of every replication of `world`.
pub(super) fn layout(world: &World) -> OutputLayout {
    let metric_def = |name: String, unit: &str, headline| MetricDef {
        name,
        unit: unit.into(),
        headline,
    };
    OutputLayout {
        scenario: world.name.clone(),
        metrics: (expanded(world).into_iter())
            .map(|(metric, instance)| {
                metric_def(
                    instance_name(world, metric, instance),
                    metric.unit,
                    metric.headline,
                )
            })
            .collect(),
        series: (expanded_series(world).into_iter())
            .map(|(series, _, scope)| SeriesDef {
                scope,
                metric: metric_def(series.name.to_string(), series.unit, false),
            })
            .collect(),
        periods: world.periods.clone(),
        projects: world.project_groups.clone(),
    }
}

/// Stock-and-flow balances of one replication at its end.
#[derive(Debug, Clone, PartialEq)]
pub struct Conservation {
    /// Candidate dies started (including lots pre-filled before day 0).
    pub dies_started: u64,
    /// Lost to yield.
    pub dies_scrapped: u64,
    /// In lots still in process.
    pub dies_in_process: u64,
    /// On lanes.
    pub dies_in_transit: u64,
    /// At packaging sites, not yet used.
    pub dies_in_stock: u64,
    /// Used in accelerators.
    pub dies_consumed: u64,
    /// Scrapped by shocks.
    pub dies_shock_scrapped: u64,
    /// Accelerators started in assembly.
    pub accelerators_started: u64,
    /// Failed test.
    pub accelerators_scrapped: u64,
    /// In assembly.
    pub accelerators_in_process: u64,
    /// Finished, not yet allocated.
    pub accelerators_in_stock: u64,
    /// On lanes.
    pub accelerators_in_transit: u64,
    /// Delivered to projects.
    pub accelerators_delivered: u64,
    /// Passed test (finished).
    pub accelerators_built: u64,
    /// Allocated to projects.
    pub accelerators_allocated: u64,
    /// Grid MW requested.
    pub grid_requested_mw: f64,
    /// Grid MW connected.
    pub grid_connected_mw: f64,
    /// Grid MW granted, waiting for transformers.
    pub grid_awaiting_transformer_mw: f64,
    /// Grid MW in queues.
    pub grid_queued_mw: f64,
}

impl Conservation {
    /// Every balance that does not hold, described; empty when all hold.
    pub fn violations(&self) -> Vec<String> {
        let mut problems = Vec::new();
        let dies = self.dies_scrapped
            + self.dies_in_process
            + self.dies_in_transit
            + self.dies_in_stock
            + self.dies_consumed
            + self.dies_shock_scrapped;
        if dies != self.dies_started {
            problems.push(format!(
                "dies: started {} != accounted {dies} ({self:?})",
                self.dies_started
            ));
        }
        let accelerators = self.accelerators_scrapped
            + self.accelerators_in_process
            + self.accelerators_in_stock
            + self.accelerators_in_transit
            + self.accelerators_delivered;
        if accelerators != self.accelerators_started {
            problems.push(format!(
                "accelerators: started {} != accounted {accelerators}",
                self.accelerators_started
            ));
        }
        if self.accelerators_built != self.accelerators_allocated + self.accelerators_in_stock {
            problems.push(format!(
                "accelerators: built {} != allocated {} + in stock {}",
                self.accelerators_built, self.accelerators_allocated, self.accelerators_in_stock
            ));
        }
        let grid = self.grid_connected_mw + self.grid_awaiting_transformer_mw + self.grid_queued_mw;
        if (grid - self.grid_requested_mw).abs() > 1e-6 * self.grid_requested_mw.max(1.0) {
            problems.push(format!(
                "grid: requested {} MW != accounted {grid} MW",
                self.grid_requested_mw
            ));
        }
        problems
    }
}

impl SupplyChain<'_> {
    /// Records the end-of-period snapshots.
    pub(super) fn snapshot_period(&mut self, period: usize, now: f64) {
        self.energy.twh.advance_all(now);
        self.lateness.advance_all(now);
        let in_stock: u64 = self.sites.iter().map(|s| s.finished).sum();
        if period >= self.tally.period_backlog.len() {
            return;
        }
        let tally = &mut self.tally;
        tally.period_backlog[period] = tally.backlog() as f64;
        tally.period_mw_live[period] = self.energy.it_mw(None);
        tally.period_waiting[period] = tally.waiting_for_site as f64;
        tally.period_in_stock[period] = in_stock as f64;
        for region in 0..self.world.regions.len() {
            let cell = tally.at(region, period);
            tally.region_mw_live[cell] = self.energy.it_mw(Some(RegionId(region as u32)));
        }
        let period_days = {
            let p = &self.world.periods[period];
            self.world.day_of(p.end) + 1.0 - self.world.day_of(p.start)
        };
        let clocks = (self.fabs.iter().map(|f| &f.producer.clock))
            .chain(self.sites.iter().map(|s| &s.producer.clock));
        for (index, clock) in clocks.enumerate() {
            let work = clock.work_at(now);
            let cell = tally.at(index, period);
            tally.capacity_available[cell] =
                (work - tally.work_at_period_start[index]) / period_days.max(1e-9);
            tally.work_at_period_start[index] = work;
        }
    }

    /// The replication's metrics, series and project outcomes.
    pub(super) fn result(&self) -> ReplicationResult {
        let world = self.world;
        let outcomes: Vec<(usize, ProjectOutcome)> = (self.projects.iter())
            .filter_map(|p| Some((p.group?, p.outcome(self.horizon))))
            .collect();
        let mut delays: Vec<f64> = outcomes.iter().map(|(_, o)| o.delay_days).collect();
        delays.sort_by(f64::total_cmp);
        let finished = Finished {
            chain: self,
            outcomes: outcomes.iter().map(|&(_, o)| o).collect(),
            delays,
        };
        let metrics = (expanded(world).into_iter())
            .map(|(metric, instance)| (metric.value)(&finished, instance))
            .collect();
        let scoped = expanded_series(world);
        let mut series = Vec::with_capacity(world.periods.len() * scoped.len());
        for period in 0..world.periods.len() {
            series.extend(
                scoped
                    .iter()
                    .map(|(s, scope, _)| (s.value)(self, *scope, period)),
            );
        }
        let mut projects = vec![Vec::new(); world.project_groups.len()];
        for (group, outcome) in outcomes {
            projects[group].push(outcome);
        }
        ReplicationResult {
            metrics,
            series,
            projects,
            events: 0,
        }
    }

    /// Units waiting for a route, matching `filter`.
    fn parked_units(&self, filter: impl Fn(&Cargo) -> bool) -> u64 {
        self.parked
            .iter()
            .map(|p| p.load())
            .filter(|(cargo, _)| filter(cargo))
            .map(|(_, units)| units)
            .sum()
    }

    /// The stock-and-flow balances now.
    pub(super) fn conservation(&self) -> Conservation {
        let components = |c: &Cargo| matches!(c, Cargo::Components { .. });
        let accelerators = |c: &Cargo| matches!(c, Cargo::Accelerators { .. });
        Conservation {
            dies_started: self.fabs.iter().map(|f| f.gross_dies_started).sum(),
            dies_scrapped: self.fabs.iter().map(|f| f.dies_yield_loss).sum(),
            dies_in_process: self.fabs.iter().map(|f| f.producer.in_process()).sum(),
            dies_in_transit: self.shipments.units_in_transit(components)
                + self.parked_units(components),
            dies_in_stock: self.sites.iter().map(|s| s.stock.iter().sum::<u64>()).sum(),
            dies_consumed: self.sites.iter().map(|s| s.dies_consumed).sum(),
            dies_shock_scrapped: self.fabs.iter().map(|f| f.dies_shock_scrapped).sum(),
            accelerators_started: self.sites.iter().map(|s| s.accelerators_started).sum(),
            accelerators_scrapped: self.sites.iter().map(|s| s.accelerators_scrapped).sum(),
            accelerators_in_process: self.sites.iter().map(|s| s.producer.in_process()).sum(),
            accelerators_in_stock: self.sites.iter().map(|s| s.finished).sum(),
            accelerators_in_transit: self.shipments.units_in_transit(accelerators)
                + self.parked_units(accelerators),
            accelerators_delivered: self.projects.iter().map(|p| p.delivered).sum(),
            accelerators_built: self.sites.iter().map(|s| s.accelerators_built).sum(),
            accelerators_allocated: self.projects.iter().map(|p| p.allocated).sum(),
            grid_requested_mw: self.grids.iter().map(|g| g.requested_mw).sum(),
            grid_connected_mw: self.grids.iter().map(|g| g.connected_mw).sum(),
            grid_awaiting_transformer_mw: self
                .grids
                .iter()
                .map(|g| g.awaiting_transformer_mw)
                .sum(),
            grid_queued_mw: self.grids.iter().map(|g| g.queued_mw()).sum(),
        }
    }
}
