//! What a replication measures: running tallies during the run, the scalar metrics
//! and time series at the end, and the stock-and-flow balances (conservation) that
//! tests check in every replication.

use crate::replication::{MetricDef, OutputLayout, ProjectOutcome, ReplicationResult};
use crate::stats::quantile_sorted;

use super::lane::Cargo;
use super::{ShockKind, SupplyChain, World};

/// Running counts kept while a replication runs.
#[derive(Debug, Clone)]
pub(super) struct Tally {
    period_bounds: Vec<f64>,
    ordered: u64,
    allocated: u64,
    backlog_peak: u64,
    delivered: u64,
    lead_time_unit_days: f64,
    pub grid_wait_days: Vec<f64>,
    /// Wafers not started or scrapped because of outages.
    pub fab_wafers_lost: f64,
    /// Fab-days of capacity lost to outages.
    pub fab_capacity_days_lost: f64,
    /// Accelerators not started or scrapped because of outages.
    pub packaging_accelerators_lost: f64,
    /// Extra MW requested by demand surges.
    pub surge_mw: f64,
    /// Days shocks were active, by kind (index: `ShockKind as usize`).
    pub shock_days: [f64; 6],
    period_wafers: Vec<f64>,
    /// Per period: delivered, lead-time unit-days, built, backlog at end, MW live at end.
    period_delivered: Vec<f64>,
    period_lead_time_unit_days: Vec<f64>,
    period_built: Vec<f64>,
    period_backlog: Vec<f64>,
    period_mw_live: Vec<f64>,
}

impl Tally {
    pub fn new(world: &World) -> Self {
        let periods = world.periods.len();
        Tally {
            period_bounds: world
                .periods
                .iter()
                .map(|p| world.day_of(p.end) + 1.0)
                .collect(),
            ordered: 0,
            allocated: 0,
            backlog_peak: 0,
            delivered: 0,
            lead_time_unit_days: 0.0,
            grid_wait_days: Vec::new(),
            fab_wafers_lost: 0.0,
            fab_capacity_days_lost: 0.0,
            packaging_accelerators_lost: 0.0,
            surge_mw: 0.0,
            shock_days: [0.0; 6],
            period_wafers: vec![0.0; periods],
            period_delivered: vec![0.0; periods],
            period_lead_time_unit_days: vec![0.0; periods],
            period_built: vec![0.0; periods],
            period_backlog: vec![0.0; periods],
            period_mw_live: vec![0.0; periods],
        }
    }

    fn period_of(&self, day: f64) -> Option<usize> {
        let index = self.period_bounds.partition_point(|&end| end <= day);
        (index < self.period_bounds.len()).then_some(index)
    }

    pub fn order_placed(&mut self, units: u64) {
        self.ordered += units;
        self.backlog_peak = self.backlog_peak.max(self.ordered - self.allocated);
    }

    pub fn allocated(&mut self, units: u64) {
        self.allocated += units;
    }

    pub fn delivered(&mut self, day: f64, units: u64, lead_time_days: f64) {
        self.delivered += units;
        self.lead_time_unit_days += units as f64 * lead_time_days;
        if let Some(period) = self.period_of(day) {
            self.period_delivered[period] += units as f64;
            self.period_lead_time_unit_days[period] += units as f64 * lead_time_days;
        }
    }

    pub fn wafers_started(&mut self, day: f64, wafers: u64) {
        if let Some(period) = self.period_of(day) {
            self.period_wafers[period] += wafers as f64;
        }
    }

    pub fn accelerators_built(&mut self, day: f64, units: u64) {
        if let Some(period) = self.period_of(day) {
            self.period_built[period] += units as f64;
        }
    }
}

/// Scalar metrics, in layout order: (name, unit, headline).
const SCALARS: [(&str, &str, bool); 17] = [
    ("chips_demanded", "accelerators", true),
    ("chips_delivered", "accelerators", true),
    ("chips_short", "accelerators", true),
    ("order_lead_time_mean_days", "days", true),
    ("projects_delayed", "projects", true),
    ("project_delay_mean_days", "days", true),
    ("mw_live_end", "MW", true),
    ("energy_twh_total", "TWh", true),
    ("backlog_peak", "accelerators", false),
    ("projects_total", "projects", false),
    ("project_delay_p95_days", "days", false),
    ("grid_wait_mean_days", "days", false),
    ("accelerators_built", "accelerators", false),
    ("fabs_built", "fabs", false),
    ("fab_wafers_lost", "wafers", false),
    ("fab_capacity_days_lost", "fab-days", false),
    ("packaging_accelerators_lost", "accelerators", false),
];

/// Time-series metrics, in layout order.
const SERIES: [(&str, &str); 7] = [
    ("chips_delivered", "accelerators"),
    ("accelerators_built", "accelerators"),
    ("backlog", "accelerators"),
    ("order_lead_time_days", "days"),
    ("mw_live", "MW"),
    ("energy_twh", "TWh"),
    ("wafer_starts", "wafers"),
];

fn metric(name: impl Into<String>, unit: &str, headline: bool) -> MetricDef {
    MetricDef {
        name: name.into(),
        unit: unit.into(),
        headline,
    }
}

/// The shock kinds a scenario uses, in a fixed order.
fn shock_kinds(world: &World) -> Vec<ShockKind> {
    let mut kinds: Vec<ShockKind> = world.shocks.iter().map(|s| s.kind).collect();
    kinds.sort();
    kinds.dedup();
    kinds
}

/// The layout of every replication of `world`.
pub(super) fn layout(world: &World) -> OutputLayout {
    let mut metrics: Vec<MetricDef> = SCALARS.iter().map(|&(n, u, h)| metric(n, u, h)).collect();
    for year in world.years() {
        metrics.push(metric(format!("energy_twh_{year}"), "TWh", false));
    }
    for year in world.years() {
        metrics.push(metric(
            format!("energy_share_world_{year}"),
            "percent",
            false,
        ));
    }
    for kind in shock_kinds(world) {
        metrics.push(metric(
            format!("shock_{}_occurrences", kind.label()),
            "occurrences",
            false,
        ));
        metrics.push(metric(
            format!("shock_{}_days", kind.label()),
            "days",
            false,
        ));
    }
    if shock_kinds(world).contains(&ShockKind::DemandSurge) {
        metrics.push(metric("surge_mw", "MW", false));
    }
    OutputLayout {
        scenario: world.name.clone(),
        metrics,
        series: SERIES.iter().map(|&(n, u)| metric(n, u, false)).collect(),
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
    pub(super) fn snapshot_period(&mut self, period: usize) {
        if period < self.tally.period_backlog.len() {
            self.tally.period_backlog[period] = (self.tally.ordered - self.tally.allocated) as f64;
            self.tally.period_mw_live[period] = self.energy.it_mw();
        }
    }

    /// The replication's metrics, series and project outcomes.
    pub(super) fn result(&self) -> ReplicationResult {
        let world = self.world;
        let horizon = self.horizon;
        let outcomes: Vec<ProjectOutcome> =
            self.projects.iter().map(|p| p.outcome(horizon)).collect();
        let mut delays: Vec<f64> = outcomes.iter().map(|o| o.delay_days).collect();
        delays.sort_by(f64::total_cmp);
        let demanded: u64 = self.projects.iter().map(|p| p.accelerators).sum();
        let short: u64 = self
            .projects
            .iter()
            .map(|p| p.accelerators - p.delivered_on_time.min(p.accelerators))
            .sum();
        let mean = |values: &[f64]| {
            if values.is_empty() {
                f64::NAN
            } else {
                values.iter().sum::<f64>() / values.len() as f64
            }
        };
        let tally = &self.tally;
        let built: u64 = self.sites.iter().map(|s| s.accelerators_built).sum();
        let by_year = self.energy.twh_by_year();
        let mut metrics = vec![
            demanded as f64,
            tally.delivered as f64,
            short as f64,
            if tally.delivered > 0 {
                tally.lead_time_unit_days / tally.delivered as f64
            } else {
                f64::NAN
            },
            outcomes.iter().filter(|o| o.delay_days > 0.0).count() as f64,
            mean(&delays),
            self.energy.it_mw(),
            by_year.iter().sum(),
            tally.backlog_peak as f64,
            self.projects.len() as f64,
            quantile_sorted(&delays, 0.95),
            mean(&tally.grid_wait_days),
            built as f64,
            self.fabs_online_from_construction() as f64,
            tally.fab_wafers_lost,
            tally.fab_capacity_days_lost,
            tally.packaging_accelerators_lost,
        ];
        metrics.extend_from_slice(by_year);
        metrics.extend(
            by_year
                .iter()
                .map(|twh| 100.0 * twh / world.world_electricity_twh),
        );
        let kinds = shock_kinds(world);
        for &kind in &kinds {
            let occurrences: u64 = world
                .shocks
                .iter()
                .zip(&self.shocks)
                .filter(|(params, _)| params.kind == kind)
                .map(|(_, state)| state.occurrences)
                .sum();
            metrics.extend([occurrences as f64, tally.shock_days[kind as usize]]);
        }
        if kinds.contains(&ShockKind::DemandSurge) {
            metrics.push(tally.surge_mw);
        }
        let by_period = self.energy.twh_by_period();
        let mut series = Vec::with_capacity(world.periods.len() * SERIES.len());
        for (period, &energy_twh) in by_period.iter().enumerate() {
            let delivered = tally.period_delivered[period];
            series.extend_from_slice(&[
                delivered,
                tally.period_built[period],
                tally.period_backlog[period],
                if delivered > 0.0 {
                    tally.period_lead_time_unit_days[period] / delivered
                } else {
                    f64::NAN
                },
                tally.period_mw_live[period],
                energy_twh,
                tally.period_wafers[period],
            ]);
        }
        let mut projects = vec![Vec::new(); world.project_groups.len()];
        for (project, outcome) in self.projects.iter().zip(outcomes) {
            projects[project.group].push(outcome);
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
