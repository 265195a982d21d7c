//! What one replication reports, and what the runner needs to know to run one.
//!
//! This is the seam between the model and everything above it (runner, statistics,
//! CSV writers, merge, compare, sweep): they see an [`OutputLayout`] fixed by the
//! scenario and one [`ReplicationResult`] per replication, never the model's internals.

use chrono::NaiveDate;

/// A scalar or per-period metric: a snake_case name and its unit.
#[derive(Debug, Clone, PartialEq)]
pub struct MetricDef {
    /// snake_case name, e.g. `chips_short`.
    pub name: String,
    /// Unit, e.g. `accelerators`, `days`, `TWh`.
    pub unit: String,
    /// Headline metrics drive `--precision` and appear first in summaries.
    pub headline: bool,
}

/// A time-series metric of one scope: the whole world, a region, or one producer (a
/// fab or packaging site), e.g. `energy_twh` of region `us_east`.
#[derive(Debug, Clone, PartialEq)]
pub struct SeriesDef {
    /// `world`, a region id, or a fab or packaging-site id.
    pub scope: String,
    /// The metric (never a headline).
    pub metric: MetricDef,
}

/// The scope of world-wide series.
pub const WORLD_SCOPE: &str = "world";

/// One reporting period of the time series, `[start, end]` inclusive.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Period {
    /// First day of the period.
    pub start: NaiveDate,
    /// Last day of the period.
    pub end: NaiveDate,
}

/// A row of `projects.csv`: one data-centre project, or a group of projects generated
/// by a demand curve (e.g. all of `us_east` demand planned for 2027).
#[derive(Debug, Clone, PartialEq)]
pub struct ProjectGroup {
    /// Project id, or `<demand id>/<year>` for a demand group.
    pub name: String,
    /// Region the projects are built in.
    pub region: String,
    /// Planned go-live date (the earliest of the group for a demand group).
    pub planned_go_live: NaiveDate,
}

/// Why a project went live late: the constraint satisfied last.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum DelayCause {
    /// Live on or before the planned date.
    OnTime,
    /// The building was finished last.
    Construction,
    /// The grid connection came last.
    Grid,
    /// The power equipment (transformers, switchgear, turbines) arrived last.
    PowerEquipment,
    /// The last accelerators were finished (packaged) too late.
    Chips,
    /// The last accelerators were finished in time but spent too long in transit.
    Shipping,
    /// Not live by the end of the horizon (delay counted to the horizon).
    NotLiveByEnd,
    /// Given up: its grid request or its whole order was withdrawn (delay counted 0).
    Withdrawn,
}

impl DelayCause {
    /// Every cause, in the order of the `projects.csv` share columns.
    pub const ALL: [DelayCause; 8] = [
        DelayCause::OnTime,
        DelayCause::Construction,
        DelayCause::Grid,
        DelayCause::PowerEquipment,
        DelayCause::Chips,
        DelayCause::Shipping,
        DelayCause::NotLiveByEnd,
        DelayCause::Withdrawn,
    ];

    /// The cause's position in [`DelayCause::ALL`] (and its code in `shard_data.bin`).
    pub const fn index(self) -> usize {
        // ALL lists the variants in declaration order, which a test checks.
        self as usize
    }

    /// snake_case label used in CSV headers.
    pub fn label(self) -> &'static str {
        match self {
            DelayCause::OnTime => "on_time",
            DelayCause::Construction => "construction",
            DelayCause::Grid => "grid",
            DelayCause::PowerEquipment => "power_equipment",
            DelayCause::Chips => "chips",
            DelayCause::Shipping => "shipping",
            DelayCause::NotLiveByEnd => "not_live_by_end",
            DelayCause::Withdrawn => "withdrawn",
        }
    }
}

/// The outcome of one project in one replication.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ProjectOutcome {
    /// Days after the planned go-live (0 when on time).
    pub delay_days: f64,
    /// The constraint satisfied last.
    pub cause: DelayCause,
}

/// Names, units, periods and project groups of a run: fixed by the scenario, the same
/// for every replication.
#[derive(Debug, Clone, PartialEq)]
pub struct OutputLayout {
    /// Scenario name (the output folder's default name).
    pub scenario: String,
    /// Scalar metrics, one value per replication.
    pub metrics: Vec<MetricDef>,
    /// Time-series metrics by scope, one value per period per replication.
    pub series: Vec<SeriesDef>,
    /// Reporting periods, in order.
    pub periods: Vec<Period>,
    /// Project groups, in order.
    pub projects: Vec<ProjectGroup>,
}

/// Everything one replication reports, aligned with its [`OutputLayout`].
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ReplicationResult {
    /// One value per `layout.metrics`.
    pub metrics: Vec<f64>,
    /// Period-major: `series[period * layout.series.len() + metric]`.
    pub series: Vec<f64>,
    /// One list per `layout.projects` (a demand group may hold several projects, and a
    /// different number in each replication).
    pub projects: Vec<Vec<ProjectOutcome>>,
    /// Events the replication handled (for benchmarks; not an output metric).
    pub events: u64,
}

/// A failed replication: the message names the agent and what went wrong.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("replication {replication} (seed {seed}): {message}")]
pub struct ReplicationError {
    /// Replication index.
    pub replication: u64,
    /// Its seed.
    pub seed: u64,
    /// What went wrong.
    pub message: String,
}

/// Something that runs replications: the supply-chain model, or a test double.
/// Shared across worker threads, so it must be `Sync`; each call is independent.
pub trait Replicator: Sync {
    /// The layout every result follows.
    fn layout(&self) -> &OutputLayout;

    /// Runs replication `replication` with seed `seed` (derived by the caller from the
    /// base seed with [`crate::random::replication_seed`]).
    fn run(&self, replication: u64, seed: u64) -> Result<ReplicationResult, ReplicationError>;
}

#[cfg(test)]
mod tests {
    use super::DelayCause;

    #[test]
    fn a_causes_index_is_its_position_in_all() {
        for (position, cause) in DelayCause::ALL.into_iter().enumerate() {
            assert_eq!(cause.index(), position, "{cause:?}");
        }
    }
}
