//! The scenario file as written: serde structs that mirror the TOML one to one, with
//! `deny_unknown_fields` so a misspelt field is an error, not a silent default.
//! Nothing here is validated beyond types; `validate` turns these into the model's
//! parameters.
//!
//! Each struct is followed by its field table (`fields!`): name, type, unit, allowed
//! range, default and meaning of every field, written once. The validator takes its
//! ranges and defaults from these tables, and `chipsim schema` prints them as a JSON
//! Schema or as `docs/scenario-reference.md`; so the fields are documented there, not
//! on the struct members.

use std::collections::BTreeMap;

use serde::Deserialize;
use toml::value::Datetime;

use super::fields::{fields, Absent, Field, Word};
use crate::distribution::DistributionSpec;

/// Longest construction-scale duration a distribution may produce (days, 20 years).
const LONG_DAYS: f64 = 7300.0;

/// A whole scenario file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs)] // described in the field table below
pub struct RawScenario {
    pub name: String,
    #[serde(default)]
    pub description: Option<String>,
    pub start: Datetime,
    pub end: Datetime,
    #[serde(default)]
    pub report_period: Option<String>,
    pub world_electricity_twh: f64,
    #[serde(default)]
    pub replications: Option<u64>,
    #[serde(default)]
    pub seed: Option<u64>,
    #[serde(default)]
    pub event_budget: Option<u64>,
    #[serde(default)]
    pub lot_interval_days: Option<f64>,
    #[serde(default)]
    pub max_inventory_weeks: Option<f64>,
    #[serde(default)]
    pub power: Option<RawPower>,
    #[serde(default)]
    pub allocator: Option<RawAllocator>,
    #[serde(default)]
    pub fabs: Vec<RawFab>,
    #[serde(default)]
    pub fab_constructions: Vec<RawFabConstruction>,
    #[serde(default)]
    pub packaging: Vec<RawPackaging>,
    #[serde(default)]
    pub lanes: Vec<RawLane>,
    #[serde(default)]
    pub grid_regions: Vec<RawGridRegion>,
    #[serde(default)]
    pub projects: Vec<RawProject>,
    #[serde(default)]
    pub demand: Vec<RawDemand>,
    #[serde(default)]
    pub installed_base: Vec<RawInstalledBase>,
    #[serde(default)]
    pub shocks: Vec<RawShock>,
    #[serde(default)]
    pub sweep: Option<toml::Value>,
}

fields!(
    RawScenario,
    NAME = Field::name(
        "name",
        "Scenario name: the default output folder `outputs/<name>/`."
    ),
    DESCRIPTION = Field::text(
        "description",
        "What question the scenario answers; shown by `chipsim check`."
    )
    .optional(),
    START = Field::date("start", "First simulated day."),
    END = Field::date(
        "end",
        "Last simulated day: after `start`, at most 50 years later."
    ),
    REPORT_PERIOD = Field::choice(
        "report_period",
        &[
            Word::new("month", "one time-series row per calendar month"),
            Word::new("quarter", "one time-series row per calendar quarter"),
        ],
        "Time-series resolution.",
    )
    .or(Absent::Word("quarter")),
    WORLD_ELECTRICITY_TWH = Field::number(
        "world_electricity_twh",
        "TWh/yr",
        0.0,
        1e7,
        "World electricity consumption per year, for the share metric.",
    )
    .above_min(),
    REPLICATIONS = Field::integer(
        "replications",
        1.0,
        1e7,
        "Replications `chipsim run` makes unless given `--reps`."
    )
    .or(Absent::Number(100.0)),
    SEED = Field::integer(
        "seed",
        0.0,
        f64::INFINITY,
        "Base seed `chipsim run` uses unless given `--seed`."
    )
    .or(Absent::Number(1.0)),
    EVENT_BUDGET = Field::integer(
        "event_budget",
        1.0,
        f64::INFINITY,
        "Most events one replication may handle before it is stopped as a runaway.",
    )
    .or(Absent::Number(5e7)),
    LOT_INTERVAL_DAYS = Field::number(
        "lot_interval_days",
        "days",
        1.0,
        91.0,
        "Days between two lot starts at a fab, or two batches at a packaging site.",
    )
    .or(Absent::Number(7.0)),
    MAX_INVENTORY_WEEKS = Field::number(
        "max_inventory_weeks",
        "weeks",
        0.1,
        520.0,
        "Fabs start no wafers while the packaging sites using their product hold more than \
         this many weeks of inputs (on hand and inbound), and packaging sites start nothing \
         while more than this many weeks of accelerators wait for orders.",
    )
    .or(Absent::Number(8.0)),
    POWER = Field::table(
        "power",
        RawPower::FIELDS,
        "Defaults for data-centre power use."
    )
    .or(Absent::Means("the defaults of its fields")),
    ALLOCATOR = Field::table(
        "allocator",
        RawAllocator::FIELDS,
        "How finished accelerators are assigned to open orders."
    )
    .or(Absent::Means("the defaults of its fields")),
    FABS = Field::tables(
        "fabs",
        RawFab::FIELDS,
        "Wafer fabs in operation at the start."
    )
    .optional(),
    FAB_CONSTRUCTIONS = Field::tables(
        "fab_constructions",
        RawFabConstruction::FIELDS,
        "Fabs being built: they produce once built, grid-connected and ramped.",
    )
    .optional(),
    PACKAGING = Field::tables(
        "packaging",
        RawPackaging::FIELDS,
        "Advanced-packaging sites that assemble accelerators."
    )
    .optional(),
    LANES = Field::tables("lanes", RawLane::FIELDS, "Shipping lanes between regions.").optional(),
    GRID_REGIONS = Field::tables(
        "grid_regions",
        RawGridRegion::FIELDS,
        "Grid regions that connect data centres and fabs."
    )
    .optional(),
    PROJECTS = Field::tables(
        "projects",
        RawProject::FIELDS,
        "Data-centre projects listed one by one."
    )
    .optional(),
    DEMAND = Field::tables(
        "demand",
        RawDemand::FIELDS,
        "Demand curves that generate data-centre projects year by year."
    )
    .optional(),
    INSTALLED_BASE = Field::tables(
        "installed_base",
        RawInstalledBase::FIELDS,
        "Accelerators already live at the start."
    )
    .optional(),
    SHOCKS = Field::tables(
        "shocks",
        RawShock::FIELDS,
        "Random and scheduled disruptions."
    )
    .optional(),
    SWEEP = Field::section(
        "sweep",
        "A sensitivity study of this scenario, read and checked by `chipsim sweep` \
         (see the `chipsim::sweep` documentation); every other command ignores it.",
    )
    .optional(),
);

/// How data-centre power is turned into energy.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs)] // described in the field table below
pub struct RawPower {
    #[serde(default)]
    pub pue: Option<f64>,
    #[serde(default)]
    pub utilisation: Option<f64>,
}

fields!(
    RawPower,
    PUE = Field::number(
        "pue",
        "ratio",
        1.0,
        3.0,
        "Power usage effectiveness: facility power ÷ IT power."
    )
    .or(Absent::Number(1.3)),
    UTILISATION = Field::number(
        "utilisation",
        "fraction",
        0.0,
        1.0,
        "Average utilisation of a live accelerator."
    )
    .or(Absent::Number(0.8)),
);

/// The allocator's policy.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs)] // described in the field table below
pub struct RawAllocator {
    #[serde(default)]
    pub policy: Option<String>,
}

fields!(
    RawAllocator,
    POLICY = Field::choice(
        "policy",
        &[
            Word::new("first_come", "by order date"),
            Word::new("priority", "higher `priority` first, then by order date"),
            Word::new("pro_rata", "in proportion to what each order still needs"),
        ],
        "Which open order gets the next finished accelerators.",
    )
    .or(Absent::Word("first_come")),
);

/// A point of a capacity schedule: from the previous point, the capacity ramps linearly
/// to `per_week`, reached at `date`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs)] // described in the field table below
pub struct RawCapacityPoint {
    pub date: Datetime,
    pub per_week: f64,
}

fields!(
    RawCapacityPoint,
    DATE = Field::date(
        "date",
        "The date the capacity is reached; dates increase from point to point."
    ),
    PER_WEEK = Field::number(
        "per_week",
        "per week",
        0.0,
        1e7,
        "Capacity at that date, in the site's unit, within the site's own limit.",
    ),
);

/// A wafer fab.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs)] // described in the field table below
pub struct RawFab {
    pub id: String,
    pub region: String,
    pub product: String,
    pub wafer_starts_per_week: f64,
    #[serde(default)]
    pub capacity_schedule: Vec<RawCapacityPoint>,
    pub cycle_time_days: DistributionSpec,
    pub dies_per_wafer: f64,
    #[serde(rename = "yield")]
    pub yield_fraction: DistributionSpec,
}

fields!(
    RawFab,
    ID = Field::name("id", "Unique id among fabs and fab constructions."),
    REGION = Field::name(
        "region",
        "Region it stands in; a shock to the region hits it."
    ),
    PRODUCT = Field::name(
        "product",
        "What it makes: a product in some packaging site's bill of materials (`logic`, `hbm`).",
    ),
    WAFER_STARTS_PER_WEEK = Field::number(
        "wafer_starts_per_week",
        "wafers/week",
        0.0,
        1e6,
        "Wafer starts per week at the start."
    ),
    CAPACITY_SCHEDULE = Field::tables(
        "capacity_schedule",
        RawCapacityPoint::FIELDS,
        "Later capacity, as a piecewise-linear ramp (a list of inline tables).",
    )
    .or(Absent::Means("capacity stays as at the start")),
    CYCLE_TIME_DAYS = Field::days("cycle_time_days", 3650.0, "Fab cycle time of a lot."),
    DIES_PER_WAFER = Field::number(
        "dies_per_wafer",
        "dies/wafer",
        0.0,
        1e5,
        "Candidate dies (or HBM stacks) per wafer, before yield.",
    )
    .above_min(),
    YIELD = Field::fraction(
        "yield",
        "Fraction of candidate dies that are good, drawn per lot."
    ),
);

/// A fab under construction.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs)] // described in the field table below
pub struct RawFabConstruction {
    pub id: String,
    pub region: String,
    pub product: String,
    pub wafer_starts_per_week: f64,
    pub start: Datetime,
    pub construction_days: DistributionSpec,
    pub power_mw: f64,
    #[serde(default)]
    pub power_secured: Option<bool>,
    #[serde(default)]
    pub ramp_days: Option<f64>,
    pub cycle_time_days: DistributionSpec,
    pub dies_per_wafer: f64,
    #[serde(rename = "yield")]
    pub yield_fraction: DistributionSpec,
    #[serde(default)]
    pub cost_billion_usd: Option<f64>,
}

fields!(
    RawFabConstruction,
    ID = RawFab::ID,
    REGION = Field::name(
        "region",
        "Region; a grid region with this id must exist unless `power_secured`."
    ),
    PRODUCT = RawFab::PRODUCT,
    WAFER_STARTS_PER_WEEK = Field::number(
        "wafer_starts_per_week",
        "wafers/week",
        0.0,
        1e6,
        "Wafer starts per week once fully ramped."
    )
    .above_min(),
    START = Field::date("start", "Date construction starts, within the horizon."),
    CONSTRUCTION_DAYS = Field::days("construction_days", LONG_DAYS, "Construction time."),
    POWER_MW = Field::number(
        "power_mw",
        "MW",
        0.0,
        1e5,
        "Grid power the fab needs, requested when construction starts."
    ),
    POWER_SECURED = Field::flag(
        "power_secured",
        "Grid power secured before the start: no request, no wait, no grid region needed.",
    )
    .or(Absent::Flag(false)),
    RAMP_DAYS = Field::number(
        "ramp_days",
        "days",
        0.0,
        3650.0,
        "Days from first wafers to full capacity (linear)."
    )
    .or(Absent::Number(365.0)),
    CYCLE_TIME_DAYS = RawFab::CYCLE_TIME_DAYS,
    DIES_PER_WAFER = RawFab::DIES_PER_WAFER,
    YIELD = RawFab::YIELD,
    COST_BILLION_USD = Field::number(
        "cost_billion_usd",
        "billion USD",
        0.0,
        1e5,
        "Capital cost: reported by `chipsim check`, not simulated."
    )
    .or(Absent::Number(0.0)),
);

/// An advanced-packaging site (e.g. CoWoS) that assembles accelerators.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs)] // described in the field table below
pub struct RawPackaging {
    pub id: String,
    pub region: String,
    pub accelerators_per_week: f64,
    #[serde(default)]
    pub capacity_schedule: Vec<RawCapacityPoint>,
    pub bill_of_materials: BTreeMap<String, f64>,
    pub cycle_time_days: DistributionSpec,
    #[serde(default, rename = "yield")]
    pub yield_fraction: Option<DistributionSpec>,
}

fields!(
    RawPackaging,
    ID = Field::name("id", "Unique id among packaging sites."),
    REGION = Field::name("region", "Region it stands in."),
    ACCELERATORS_PER_WEEK = Field::number(
        "accelerators_per_week",
        "accelerators/week",
        0.0,
        1e7,
        "Accelerators it can start per week at the start.",
    ),
    CAPACITY_SCHEDULE = RawFab::CAPACITY_SCHEDULE,
    BILL_OF_MATERIALS = Field::counts(
        "bill_of_materials",
        "units/accelerator",
        1.0,
        1000.0,
        "Inputs per accelerator: product = count, e.g. `{ logic = 2, hbm = 8 }`; fabs make each.",
    ),
    CYCLE_TIME_DAYS = Field::days(
        "cycle_time_days",
        365.0,
        "Assembly and test time of a batch."
    ),
    YIELD = Field::fraction(
        "yield",
        "Fraction of assembled accelerators that pass test."
    )
    .or(Absent::Number(1.0)),
);

/// A shipping lane.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs)] // described in the field table below
pub struct RawLane {
    pub id: String,
    pub from: String,
    pub to: String,
    pub mode: String,
    pub departure_every_days: f64,
    pub capacity_per_departure: f64,
    pub transit_days: DistributionSpec,
    #[serde(default)]
    pub cost_per_unit: Option<f64>,
}

fields!(
    RawLane,
    ID = Field::name("id", "Unique id among lanes."),
    FROM = Field::name("from", "Origin region."),
    TO = Field::name("to", "Destination region, not the origin."),
    MODE = Field::choice(
        "mode",
        &[
            Word::new("sea", "container ship"),
            Word::new("air", "air freight"),
        ],
        "How goods travel.",
    ),
    DEPARTURE_EVERY_DAYS = Field::number(
        "departure_every_days",
        "days",
        0.0,
        365.0,
        "Days between departures."
    )
    .above_min(),
    CAPACITY_PER_DEPARTURE = Field::number(
        "capacity_per_departure",
        "units",
        1.0,
        1e9,
        "Units (dies, stacks or accelerators) one departure can carry.",
    ),
    TRANSIT_DAYS = Field::days("transit_days", 365.0, "Transit time."),
    COST_PER_UNIT = Field::number(
        "cost_per_unit",
        "",
        0.0,
        1e6,
        "Cost per unit, for routing: the cheapest open lane is used."
    )
    .or(Absent::Means("sea 1, air 4")),
);

/// A grid region.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs)] // described in the field table below
pub struct RawGridRegion {
    pub id: String,
    pub spare_mw: f64,
    pub capacity_added_mw_per_year: f64,
    pub study_days: DistributionSpec,
    pub transformer_lead_days: DistributionSpec,
}

fields!(
    RawGridRegion,
    ID = Field::name(
        "id",
        "Unique id; projects, demand curves and fab constructions name it as their region."
    ),
    SPARE_MW = Field::number(
        "spare_mw",
        "MW",
        0.0,
        1e6,
        "Capacity free for new connections at the start."
    ),
    CAPACITY_ADDED_MW_PER_YEAR = Field::number(
        "capacity_added_mw_per_year",
        "MW/yr",
        0.0,
        1e6,
        "Capacity added per year, added monthly.",
    ),
    STUDY_DAYS = Field::days("study_days", LONG_DAYS, "Connection study time."),
    TRANSFORMER_LEAD_DAYS = Field::days(
        "transformer_lead_days",
        LONG_DAYS,
        "Transformer and substation lead time after capacity is granted.",
    ),
);

/// A data-centre project.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs)] // described in the field table below
pub struct RawProject {
    pub id: String,
    pub region: String,
    pub it_load_mw: f64,
    pub kw_per_accelerator: f64,
    pub construction_start: Datetime,
    pub construction_days: DistributionSpec,
    pub planned_go_live: Datetime,
    #[serde(default)]
    pub grid_request: Option<Datetime>,
    #[serde(default)]
    pub order_lead_days: Option<f64>,
    #[serde(default)]
    pub priority: Option<i64>,
    #[serde(default)]
    pub phased: Option<bool>,
    #[serde(default)]
    pub pue: Option<f64>,
}

fields!(
    RawProject,
    ID = Field::name("id", "Unique id among projects and demand curves."),
    REGION = Field::name("region", "Region; a grid region with this id must exist."),
    IT_LOAD_MW = Field::number("it_load_mw", "MW", 0.0, 1e5, "IT load.").above_min(),
    KW_PER_ACCELERATOR = Field::number(
        "kw_per_accelerator",
        "kW",
        0.0,
        1000.0,
        "Power per accelerator, including its share of servers and networking.",
    )
    .above_min(),
    CONSTRUCTION_START = Field::date(
        "construction_start",
        "Date construction starts; may be up to 20 years before the start."
    ),
    CONSTRUCTION_DAYS = Field::days("construction_days", LONG_DAYS, "Construction time."),
    PLANNED_GO_LIVE = Field::date(
        "planned_go_live",
        "Planned go-live, within the horizon and not before `construction_start`."
    ),
    GRID_REQUEST = Field::date("grid_request", "Date the grid connection is requested.")
        .or(Absent::Means("`construction_start`")),
    ORDER_LEAD_DAYS = Field::number(
        "order_lead_days",
        "days",
        0.0,
        3650.0,
        "Days before the planned go-live the accelerators are ordered.",
    )
    .or(Absent::Number(270.0)),
    PRIORITY = Field::integer(
        "priority",
        f64::NEG_INFINITY,
        f64::INFINITY,
        "Allocation priority under the `priority` policy; higher goes first.",
    )
    .or(Absent::Number(0.0)),
    PHASED = Field::flag(
        "phased",
        "Go live in phases: accelerators draw power as they arrive, once built and connected."
    )
    .or(Absent::Flag(false)),
    PUE = Field::number(
        "pue",
        "ratio",
        1.0,
        3.0,
        "Power usage effectiveness of this site."
    )
    .or(Absent::Means("`[power] pue`")),
);

/// A demand curve: AI data-centre capacity a region adds each year, split into
/// projects of a drawn size whose planned go-live is spread over the year.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs)] // described in the field table below
pub struct RawDemand {
    pub id: String,
    pub region: String,
    pub first_year: i32,
    #[serde(default)]
    pub last_year: Option<i32>,
    pub mw_first_year: f64,
    pub growth_per_year: f64,
    pub project_mw: DistributionSpec,
    pub kw_per_accelerator: f64,
    pub construction_days: DistributionSpec,
    pub planned_construction_days: f64,
    pub grid_request_lead_days: f64,
    #[serde(default)]
    pub order_lead_days: Option<f64>,
    #[serde(default)]
    pub priority: Option<i64>,
    #[serde(default)]
    pub phased: Option<bool>,
    #[serde(default)]
    pub pue: Option<f64>,
}

fields!(
    RawDemand,
    ID = RawProject::ID,
    REGION = RawProject::REGION,
    FIRST_YEAR = Field::integer(
        "first_year",
        f64::NEG_INFINITY,
        f64::INFINITY,
        "First calendar year with demand, within the horizon."
    ),
    LAST_YEAR = Field::integer(
        "last_year",
        f64::NEG_INFINITY,
        f64::INFINITY,
        "Last calendar year with demand, from `first_year` to the end year.",
    )
    .or(Absent::Means("the end year")),
    MW_FIRST_YEAR = Field::number(
        "mw_first_year",
        "MW",
        0.0,
        1e6,
        "IT load added in the first year."
    ),
    GROWTH_PER_YEAR = Field::number(
        "growth_per_year",
        "fraction/yr",
        -0.9,
        5.0,
        "Growth of the yearly addition (0.3 = +30 % a year).",
    ),
    PROJECT_MW = Field::distribution(
        "project_mw",
        "MW",
        "a project size in MW",
        0.0,
        1e5,
        "IT load of one project; its mean must be above 0.",
    ),
    KW_PER_ACCELERATOR = RawProject::KW_PER_ACCELERATOR,
    CONSTRUCTION_DAYS = RawProject::CONSTRUCTION_DAYS,
    PLANNED_CONSTRUCTION_DAYS = Field::number(
        "planned_construction_days",
        "days",
        0.0,
        LONG_DAYS,
        "Days between planned construction start and planned go-live.",
    ),
    GRID_REQUEST_LEAD_DAYS = Field::number(
        "grid_request_lead_days",
        "days",
        0.0,
        LONG_DAYS,
        "Days before the planned go-live the grid connection is requested.",
    ),
    ORDER_LEAD_DAYS = RawProject::ORDER_LEAD_DAYS,
    PRIORITY = RawProject::PRIORITY,
    PHASED = RawProject::PHASED,
    PUE = RawProject::PUE,
);

/// Accelerators already live at the start in one region.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs)] // described in the field table below
pub struct RawInstalledBase {
    pub region: String,
    pub accelerators: f64,
    pub kw_per_accelerator: f64,
    #[serde(default)]
    pub pue: Option<f64>,
}

fields!(
    RawInstalledBase,
    REGION = Field::text("region", "Region, free text: it need not be a grid region."),
    ACCELERATORS = Field::number(
        "accelerators",
        "accelerators",
        0.0,
        1e9,
        "Accelerators live at the start."
    ),
    KW_PER_ACCELERATOR = RawProject::KW_PER_ACCELERATOR,
    PUE = RawProject::PUE,
);

/// A disruption: Poisson occurrences at `rate_per_year`, fixed `dates`, or both.
/// Scope is one of `site` (a fab or packaging id), `lane` (a lane id) or `region`
/// (every fab and packaging site there, every lane from or to it, its grid region).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs)] // described in the field table below
pub struct RawShock {
    pub id: String,
    pub kind: String,
    #[serde(default)]
    pub region: Option<String>,
    #[serde(default)]
    pub site: Option<String>,
    #[serde(default)]
    pub lane: Option<String>,
    #[serde(default)]
    pub rate_per_year: Option<f64>,
    #[serde(default)]
    pub dates: Vec<Datetime>,
    #[serde(default)]
    pub duration_days: Option<DistributionSpec>,
    #[serde(default)]
    pub capacity_lost: Option<DistributionSpec>,
    #[serde(default)]
    pub recovery: Option<String>,
    #[serde(default)]
    pub wip_scrapped: Option<DistributionSpec>,
    #[serde(default)]
    pub added_days: Option<DistributionSpec>,
    #[serde(default)]
    pub from_regions: Vec<String>,
    #[serde(default)]
    pub to_regions: Vec<String>,
    #[serde(default)]
    pub multiplier: Option<DistributionSpec>,
    #[serde(default)]
    pub extra_mw: Option<DistributionSpec>,
    #[serde(default)]
    pub demand: Option<String>,
}

fields!(
    RawShock,
    ID = Field::name("id", "Unique id among shocks; names its random stream."),
    KIND = Field::choice(
        "kind",
        &[
            Word::new(
                "outage",
                "fabs and packaging sites lose capacity and work in progress"
            ),
            Word::new(
                "lane_disruption",
                "a lane closes, or its transit takes longer"
            ),
            Word::new(
                "export_control",
                "no flows from `from_regions` to `to_regions`"
            ),
            Word::new("grid_moratorium", "a grid region grants no new connections"),
            Word::new(
                "transformer_crunch",
                "transformer lead times are multiplied"
            ),
            Word::new("demand_surge", "extra data-centre projects"),
        ],
        "What happens.",
    ),
    REGION = Field::name(
        "region",
        "Scope: every site, lane and grid region of this region."
    )
    .optional(),
    SITE = Field::name("site", "Scope of an outage: one fab or packaging site.").optional(),
    LANE = Field::name("lane", "Scope of a lane disruption: one lane.").optional(),
    RATE_PER_YEAR = Field::number(
        "rate_per_year",
        "per year",
        0.0,
        365.0,
        "Poisson occurrences per year; a shock needs this above 0, or `dates`, or both.",
    )
    .or(Absent::Number(0.0)),
    DATES = Field::dates("dates", "Fixed occurrence dates, within the horizon.").optional(),
    DURATION_DAYS = Field::days(
        "duration_days",
        36_500.0,
        "How long each occurrence lasts (an outage: until full recovery).",
    )
    .or(Absent::Means(
        "required, except that export controls last to the end and demand surges need none"
    )),
    CAPACITY_LOST = Field::fraction(
        "capacity_lost",
        "Outage: fraction of capacity lost at onset."
    )
    .or(Absent::Number(1.0)),
    RECOVERY = Field::choice(
        "recovery",
        &[
            Word::new("linear", "capacity climbs back over the duration"),
            Word::new("step", "all capacity comes back at the end"),
        ],
        "Outage: how capacity comes back.",
    )
    .or(Absent::Word("linear")),
    WIP_SCRAPPED = Field::fraction(
        "wip_scrapped",
        "Outage: fraction of work in progress scrapped at onset."
    )
    .or(Absent::Number(0.0)),
    ADDED_DAYS = Field::days(
        "added_days",
        365.0,
        "Lane disruption: transit days added to departures while it lasts."
    )
    .or(Absent::Means("the lane closes instead")),
    FROM_REGIONS = Field::names(
        "from_regions",
        "Export control: origin regions whose flows stop."
    )
    .optional(),
    TO_REGIONS = Field::names(
        "to_regions",
        "Export control: destination regions those flows may not reach."
    )
    .optional(),
    MULTIPLIER = Field::distribution(
        "multiplier",
        "×",
        "a multiplier",
        1.0,
        20.0,
        "Transformer crunch: factor on transformer lead times.",
    )
    .or(Absent::Means("required for a transformer crunch")),
    EXTRA_MW = Field::distribution(
        "extra_mw",
        "MW",
        "extra MW",
        0.0,
        1e5,
        "Demand surge: extra IT load requested at onset."
    )
    .or(Absent::Means("required for a demand surge")),
    DEMAND = Field::name(
        "demand",
        "Demand surge: the demand curve whose project sizes, timing and region it follows."
    )
    .or(Absent::Means("required for a demand surge")),
);
