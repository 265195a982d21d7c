//! The scenario file as written: serde structs that mirror the TOML one to one, with
//! `deny_unknown_fields` so a misspelt field is an error, not a silent default.
//! Nothing here is validated beyond types; `validate` turns these into the model's
//! parameters. Units are in the field names; every field says its range.

use std::collections::BTreeMap;

use serde::Deserialize;
use toml::value::Datetime;

use crate::distribution::DistributionSpec;

/// A whole scenario file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawScenario {
    /// Scenario name: the default output folder `outputs/<name>/`. Letters, digits,
    /// `-` and `_`.
    pub name: String,
    /// What question the scenario answers (free text, shown by `chipsim check`).
    #[serde(default)]
    pub description: Option<String>,
    /// First simulated day (ISO date).
    pub start: Datetime,
    /// Last simulated day (ISO date), after `start`, at most 50 years later.
    pub end: Datetime,
    /// Time-series resolution: `"month"` or `"quarter"` (default).
    #[serde(default)]
    pub report_period: Option<String>,
    /// World electricity consumption per year (TWh), for the share metric; > 0.
    pub world_electricity_twh: f64,
    /// Default replications for `chipsim run` (1 to 10,000,000; default 100).
    #[serde(default)]
    pub replications: Option<u64>,
    /// Default base seed for `chipsim run` (default 1).
    #[serde(default)]
    pub seed: Option<u64>,
    /// Most events one replication may handle before it is stopped as a runaway
    /// (default 50,000,000).
    #[serde(default)]
    pub event_budget: Option<u64>,
    /// Days between two lot starts at a fab or two batches at a packaging site
    /// (default 7; 1 to 91).
    #[serde(default)]
    pub lot_interval_days: Option<f64>,
    /// Fabs start no wafers while the packaging sites that use their product hold (on
    /// hand and inbound) more than this many weeks of inputs, and packaging sites start
    /// nothing while more than this many weeks of finished accelerators wait for orders:
    /// supply follows demand instead of piling up (default 8; 0.1 to 520).
    #[serde(default)]
    pub max_inventory_weeks: Option<f64>,
    /// Defaults for data-centre power use.
    #[serde(default)]
    pub power: Option<RawPower>,
    /// How finished accelerators are assigned to open orders.
    #[serde(default)]
    pub allocator: Option<RawAllocator>,
    /// Wafer fabs in operation at the start.
    #[serde(default)]
    pub fabs: Vec<RawFab>,
    /// Fabs being built: they produce once built, grid-connected and ramped.
    #[serde(default)]
    pub fab_constructions: Vec<RawFabConstruction>,
    /// Advanced-packaging sites that assemble accelerators.
    #[serde(default)]
    pub packaging: Vec<RawPackaging>,
    /// Shipping lanes between regions.
    #[serde(default)]
    pub lanes: Vec<RawLane>,
    /// Grid regions that connect data centres and fabs.
    #[serde(default)]
    pub grid_regions: Vec<RawGridRegion>,
    /// Data-centre projects listed one by one.
    #[serde(default)]
    pub projects: Vec<RawProject>,
    /// Demand curves that generate data-centre projects year by year.
    #[serde(default)]
    pub demand: Vec<RawDemand>,
    /// Accelerators already live at the start.
    #[serde(default)]
    pub installed_base: Vec<RawInstalledBase>,
    /// Random and scheduled disruptions.
    #[serde(default)]
    pub shocks: Vec<RawShock>,
    /// A sensitivity study of this scenario, read and checked by `chipsim sweep` (see
    /// [`crate::sweep`]); every other command ignores it.
    #[serde(default)]
    pub sweep: Option<toml::Value>,
}

/// How data-centre power is turned into energy.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawPower {
    /// Power usage effectiveness (facility ÷ IT power), 1 to 3 (default 1.3).
    #[serde(default)]
    pub pue: Option<f64>,
    /// Average utilisation of a live accelerator, 0 to 1 (default 0.8).
    #[serde(default)]
    pub utilisation: Option<f64>,
}

/// The allocator's policy.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawAllocator {
    /// `"first_come"` (by order date, default), `"priority"` (higher first, then by
    /// order date) or `"pro_rata"` (in proportion to what each order still needs).
    pub policy: String,
}

/// A point of a capacity schedule: from `date`, the capacity ramps linearly from the
/// previous point's value to `value`, reached at `date`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawCapacityPoint {
    /// The date the capacity is reached (ISO date).
    pub date: Datetime,
    /// The capacity at that date, in the site's unit (wafers or accelerators per week), ≥ 0.
    pub per_week: f64,
}

/// A wafer fab.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawFab {
    /// Unique id among fabs and fab constructions.
    pub id: String,
    /// Region it stands in (a shock to the region hits it).
    pub region: String,
    /// What it makes: a product named in some packaging site's bill of materials
    /// (e.g. `"logic_n4"`, `"hbm3e"`).
    pub product: String,
    /// Wafer starts per week at the start, ≥ 0, at most 1,000,000.
    pub wafer_starts_per_week: f64,
    /// Later capacity, as a piecewise-linear ramp (dates in order).
    #[serde(default)]
    pub capacity_schedule: Vec<RawCapacityPoint>,
    /// Fab cycle time of a lot (days), a distribution on [0, 3650].
    pub cycle_time_days: DistributionSpec,
    /// Candidate dies (or HBM stacks) per wafer before yield, 1 to 100,000.
    pub dies_per_wafer: f64,
    /// Fraction of candidate dies that are good, a distribution on [0, 1], drawn per lot.
    #[serde(rename = "yield")]
    pub yield_fraction: DistributionSpec,
}

/// A fab under construction.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawFabConstruction {
    /// Unique id among fabs and fab constructions.
    pub id: String,
    /// Region; a grid region with this id must exist unless `power_secured`.
    pub region: String,
    /// Product, as for a fab.
    pub product: String,
    /// Wafer starts per week once fully ramped, > 0.
    pub wafer_starts_per_week: f64,
    /// Date construction starts (ISO date, within the horizon).
    pub start: Datetime,
    /// Construction time (days), a distribution on [0, 7300].
    pub construction_days: DistributionSpec,
    /// Grid power the fab needs (MW), requested when construction starts; ≥ 0.
    pub power_mw: f64,
    /// The grid connection was secured before the scenario starts: no request, no
    /// wait (default false). The region then need not be a grid region.
    #[serde(default)]
    pub power_secured: Option<bool>,
    /// Days from first wafers to full capacity (linear), 0 to 3650 (default 365).
    #[serde(default)]
    pub ramp_days: Option<f64>,
    /// Cycle time, as for a fab.
    pub cycle_time_days: DistributionSpec,
    /// Candidate dies per wafer, as for a fab.
    pub dies_per_wafer: f64,
    /// Yield, as for a fab.
    #[serde(rename = "yield")]
    pub yield_fraction: DistributionSpec,
    /// Capital cost (billion USD), reported, not simulated; ≥ 0 (default 0).
    #[serde(default)]
    pub cost_billion_usd: Option<f64>,
}

/// An advanced-packaging site (e.g. CoWoS) that assembles accelerators.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawPackaging {
    /// Unique id.
    pub id: String,
    /// Region it stands in.
    pub region: String,
    /// Accelerators it can start per week at the start, ≥ 0, at most 10,000,000.
    pub accelerators_per_week: f64,
    /// Later capacity, as a piecewise-linear ramp.
    #[serde(default)]
    pub capacity_schedule: Vec<RawCapacityPoint>,
    /// Inputs per accelerator: product name → count (e.g. `{ logic_n4 = 2, hbm3e = 8 }`).
    pub bill_of_materials: BTreeMap<String, f64>,
    /// Assembly and test time of a batch (days), a distribution on [0, 365].
    pub cycle_time_days: DistributionSpec,
    /// Fraction of assembled accelerators that pass test, on [0, 1] (default 1).
    #[serde(default, rename = "yield")]
    pub yield_fraction: Option<DistributionSpec>,
}

/// A shipping lane.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawLane {
    /// Unique id.
    pub id: String,
    /// Origin region.
    pub from: String,
    /// Destination region.
    pub to: String,
    /// `"sea"` or `"air"`.
    pub mode: String,
    /// Days between departures, > 0, at most 365.
    pub departure_every_days: f64,
    /// Units (dies, stacks or accelerators) one departure can carry, > 0.
    pub capacity_per_departure: f64,
    /// Transit time (days), a distribution on [0, 365].
    pub transit_days: DistributionSpec,
    /// Cost per unit, for routing: the cheapest open lane is used (default: sea 1,
    /// air 4); ≥ 0.
    #[serde(default)]
    pub cost_per_unit: Option<f64>,
}

/// A grid region.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawGridRegion {
    /// Unique id; data-centre projects and fab constructions name it as their region.
    pub id: String,
    /// Capacity free for new connections at the start (MW), ≥ 0.
    pub spare_mw: f64,
    /// Capacity added per year (MW/yr), added monthly, ≥ 0.
    pub capacity_added_mw_per_year: f64,
    /// Connection study time (days), a distribution on [0, 7300].
    pub study_days: DistributionSpec,
    /// Transformer and substation lead time after capacity is granted (days), a
    /// distribution on [0, 7300].
    pub transformer_lead_days: DistributionSpec,
}

/// A data-centre project.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawProject {
    /// Unique id among projects and demand curves.
    pub id: String,
    /// Region; a grid region with this id must exist.
    pub region: String,
    /// IT load (MW), > 0, at most 100,000.
    pub it_load_mw: f64,
    /// kW per accelerator, including its share of servers and networking, > 0.
    pub kw_per_accelerator: f64,
    /// Date construction starts (ISO date; may be before the scenario start).
    pub construction_start: Datetime,
    /// Construction time (days), a distribution on [0, 7300].
    pub construction_days: DistributionSpec,
    /// Planned go-live (ISO date, within the horizon).
    pub planned_go_live: Datetime,
    /// Date the grid connection is requested (default: construction start).
    #[serde(default)]
    pub grid_request: Option<Datetime>,
    /// Days before the planned go-live the accelerators are ordered, 0 to 3650
    /// (default 270).
    #[serde(default)]
    pub order_lead_days: Option<f64>,
    /// Allocation priority under the `priority` policy (higher first; default 0).
    #[serde(default)]
    pub priority: Option<i64>,
    /// Accelerators draw power as they arrive once built and connected (default false).
    #[serde(default)]
    pub phased: Option<bool>,
    /// PUE of this project (default: `[power] pue`).
    #[serde(default)]
    pub pue: Option<f64>,
}

/// A demand curve: AI data-centre capacity a region adds each year, split into
/// projects of a drawn size whose planned go-live is spread over the year.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawDemand {
    /// Unique id among projects and demand curves.
    pub id: String,
    /// Region; a grid region with this id must exist.
    pub region: String,
    /// First calendar year with demand (within the horizon).
    pub first_year: i32,
    /// Last calendar year with demand (default: the end year).
    #[serde(default)]
    pub last_year: Option<i32>,
    /// IT load added in the first year (MW), ≥ 0.
    pub mw_first_year: f64,
    /// Growth of the yearly addition, as a fraction per year (0.3 = +30 %), −0.9 to 5.
    pub growth_per_year: f64,
    /// Size of one project (MW IT load), a distribution on (0, 100,000].
    pub project_mw: DistributionSpec,
    /// kW per accelerator, > 0.
    pub kw_per_accelerator: f64,
    /// Construction time (days), a distribution on [0, 7300].
    pub construction_days: DistributionSpec,
    /// Days between planned construction start and planned go-live, 0 to 7300.
    pub planned_construction_days: f64,
    /// Days before planned go-live the grid connection is requested, 0 to 7300.
    pub grid_request_lead_days: f64,
    /// Days before planned go-live the accelerators are ordered, 0 to 3650 (default 270).
    #[serde(default)]
    pub order_lead_days: Option<f64>,
    /// Priority under the `priority` policy (default 0).
    #[serde(default)]
    pub priority: Option<i64>,
    /// Phased go-live (default false).
    #[serde(default)]
    pub phased: Option<bool>,
    /// PUE (default: `[power] pue`).
    #[serde(default)]
    pub pue: Option<f64>,
}

/// Accelerators already live at the start in one region.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawInstalledBase {
    /// Region (free text; need not be a grid region).
    pub region: String,
    /// Accelerators live at the start, ≥ 0.
    pub accelerators: f64,
    /// kW per accelerator, > 0.
    pub kw_per_accelerator: f64,
    /// PUE (default: `[power] pue`).
    #[serde(default)]
    pub pue: Option<f64>,
}

/// A disruption: Poisson occurrences at `rate_per_year`, fixed `dates`, or both.
/// Scope is one of `site` (a fab or packaging id), `lane` (a lane id) or `region`
/// (every fab and packaging site there, every lane from or to it, its grid region).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawShock {
    /// Unique id among shocks (names its random stream).
    pub id: String,
    /// `"outage"` (fabs and packaging sites lose capacity and work in progress),
    /// `"lane_disruption"` (closure or added transit days), `"export_control"`
    /// (no flows from `from_regions` to `to_regions`), `"grid_moratorium"` (no new
    /// connections), `"transformer_crunch"` (transformer lead times multiplied) or
    /// `"demand_surge"` (extra data-centre projects).
    pub kind: String,
    /// Scope: every site, lane and grid region of this region.
    #[serde(default)]
    pub region: Option<String>,
    /// Scope: one fab or packaging site (outage).
    #[serde(default)]
    pub site: Option<String>,
    /// Scope: one lane (lane disruption).
    #[serde(default)]
    pub lane: Option<String>,
    /// Poisson occurrences per year, 0 to 365 (default 0).
    #[serde(default)]
    pub rate_per_year: Option<f64>,
    /// Fixed occurrence dates (ISO dates within the horizon).
    #[serde(default)]
    pub dates: Vec<Datetime>,
    /// How long each occurrence lasts (days; for an outage, until full recovery), a
    /// distribution on [0, 36500]. Export controls default to the end of the horizon.
    #[serde(default)]
    pub duration_days: Option<DistributionSpec>,
    /// Outage: fraction of capacity lost at onset, on [0, 1] (default 1).
    #[serde(default)]
    pub capacity_lost: Option<DistributionSpec>,
    /// Outage: `"linear"` (capacity climbs back over the duration, default) or `"step"`
    /// (all back at the end).
    #[serde(default)]
    pub recovery: Option<String>,
    /// Outage: fraction of work in progress scrapped at onset, on [0, 1] (default 0).
    #[serde(default)]
    pub wip_scrapped: Option<DistributionSpec>,
    /// Lane disruption: transit days added to departures while it lasts (omit to
    /// close the lane instead), a distribution on [0, 365].
    #[serde(default)]
    pub added_days: Option<DistributionSpec>,
    /// Export control: origin regions whose flows stop.
    #[serde(default)]
    pub from_regions: Vec<String>,
    /// Export control: destination regions those flows may not reach.
    #[serde(default)]
    pub to_regions: Vec<String>,
    /// Transformer crunch: multiplier of transformer lead times, a distribution on [1, 20].
    #[serde(default)]
    pub multiplier: Option<DistributionSpec>,
    /// Demand surge: extra IT load (MW) requested at onset, a distribution on [0, 100,000].
    #[serde(default)]
    pub extra_mw: Option<DistributionSpec>,
    /// Demand surge: the demand curve whose project sizes, timings and region the
    /// extra projects follow.
    #[serde(default)]
    pub demand: Option<String>,
}
