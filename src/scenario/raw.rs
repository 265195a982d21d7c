//! The top of a scenario file as written: the run settings, `[power]`, `[allocator]`,
//! and one list per agent kind (whose tables are declared in [`super::kinds`]). Serde
//! reads the file into these structs with unknown fields refused; every field's
//! description stands beside it (see [`table!`]), so the checks, `chipsim schema` and
//! `docs/scenario-reference.md` all read the same one.

use toml::value::Datetime;

use crate::model::Policy;

use super::choice::{choice, Choice};
use super::fields::{table, Absent, Field};
use super::kinds::demand::RawDemand;
use super::kinds::fab::RawFab;
use super::kinds::fab_construction::RawFabConstruction;
use super::kinds::grid_region::RawGridRegion;
use super::kinds::installed_base::RawInstalledBase;
use super::kinds::lane::RawLane;
use super::kinds::packaging::RawPackaging;
use super::kinds::power_equipment::RawPowerEquipment;
use super::kinds::project::RawProject;
use super::kinds::shock::RawShock;
use super::{DEFAULT_REPLICATIONS, DEFAULT_SEED};

/// How long one time-series row is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PeriodLength {
    /// Calendar months per row.
    Months(u32),
    /// Seven days per row, counted from the start.
    Week,
}

choice! {
    /// The time-series resolution.
    pub enum ReportPeriod -> PeriodLength {
        Week = "week" => PeriodLength::Week, "one time-series row per 7 days from the start";
        Month = "month" => PeriodLength::Months(1), "one time-series row per calendar month";
        Quarter = "quarter" => PeriodLength::Months(3), "one time-series row per calendar quarter";
    }
}

choice! {
    /// Which open order gets the next finished accelerators.
    pub enum AllocatorPolicy -> Policy {
        FirstCome = "first_come" => Policy::FirstCome, "by order date";
        Priority = "priority" => Policy::Priority, "higher `priority` first, then by order date";
        ProRata = "pro_rata" => Policy::ProRata,
            "in proportion to what each order still needs";
    }
}

table! {
    /// A whole scenario file.
    pub struct RawScenario {
        name: String = Field::name(
            "name",
            "Scenario name: the default output folder `outputs/<name>/`.",
        ),
        description: Option<String> = Field::text(
            "description",
            "What question the scenario answers; shown by `chipsim check`.",
        )
        .optional(),
        start: Datetime = Field::date("start", "First simulated day."),
        end: Datetime = Field::date(
            "end",
            "Last simulated day: after `start`, at most 50 years later.",
        ),
        report_period: Option<ReportPeriod> =
            Field::choice("report_period", ReportPeriod::WORDS, "Time-series resolution.")
                .or(Absent::Word("quarter")),
        world_electricity_twh: f64 = Field::number(
            "world_electricity_twh",
            "TWh/yr",
            0.0,
            1e7,
            "World electricity consumption per year, for the share metric.",
        )
        .above_min(),
        replications: Option<u64> = Field::integer(
            "replications",
            1.0,
            1e7,
            "Replications `chipsim run` makes unless given `--reps`.",
        )
        .or(Absent::Number(DEFAULT_REPLICATIONS as f64)),
        seed: Option<u64> = Field::integer(
            "seed",
            0.0,
            f64::INFINITY,
            "Base seed `chipsim run` uses unless given `--seed`.",
        )
        .or(Absent::Number(DEFAULT_SEED as f64)),
        event_budget: Option<u64> = Field::integer(
            "event_budget",
            1.0,
            f64::INFINITY,
            "Most events one replication may handle before it is stopped as a runaway.",
        )
        .or(Absent::Number(5e7)),
        lot_interval_days: Option<f64> = Field::number(
            "lot_interval_days",
            "days",
            1.0,
            91.0,
            "Days between two lot starts at a fab, or two batches at a packaging site.",
        )
        .or(Absent::Number(7.0)),
        warm_up_days: Option<f64> = Field::number(
            "warm_up_days",
            "days",
            0.0,
            3650.0,
            "Days simulated before `start` with the start's capacities and the demand curves \
             extended backwards, so the run opens with the work in process, stock, shipments \
             and orders its history implies; nothing in them is reported.",
        )
        .or(Absent::Number(730.0)),
        planning: Option<RawPlanning> = Field::table(
            "planning",
            RawPlanning::FIELDS,
            "How fabs and packaging sites decide what to start (a smoothed base-stock policy).",
        )
        .or(Absent::Means("the defaults of its fields")),
        power: Option<RawPower> =
            Field::table("power", RawPower::FIELDS, "Defaults for data-centre power use.")
                .or(Absent::Means("the defaults of its fields")),
        allocator: Option<RawAllocator> = Field::table(
            "allocator",
            RawAllocator::FIELDS,
            "How finished accelerators are assigned to open orders.",
        )
        .or(Absent::Means("the defaults of its fields")),
        #[serde(default)]
        fabs: Vec<RawFab> =
            Field::tables("fabs", RawFab::FIELDS, "Wafer fabs in operation at the start.")
                .optional(),
        #[serde(default)]
        fab_constructions: Vec<RawFabConstruction> = Field::tables(
            "fab_constructions",
            RawFabConstruction::FIELDS,
            "Fabs being built: they produce once built, grid-connected and ramped.",
        )
        .optional(),
        #[serde(default)]
        packaging: Vec<RawPackaging> = Field::tables(
            "packaging",
            RawPackaging::FIELDS,
            "Advanced-packaging sites that assemble accelerators.",
        )
        .optional(),
        #[serde(default)]
        lanes: Vec<RawLane> =
            Field::tables("lanes", RawLane::FIELDS, "Shipping lanes between regions.").optional(),
        #[serde(default)]
        grid_regions: Vec<RawGridRegion> = Field::tables(
            "grid_regions",
            RawGridRegion::FIELDS,
            "Grid regions that connect data centres and fabs.",
        )
        .optional(),
        #[serde(default)]
        projects: Vec<RawProject> = Field::tables(
            "projects",
            RawProject::FIELDS,
            "Data-centre projects listed one by one.",
        )
        .optional(),
        #[serde(default)]
        demand: Vec<RawDemand> = Field::tables(
            "demand",
            RawDemand::FIELDS,
            "Demand curves that generate data-centre projects year by year.",
        )
        .optional(),
        #[serde(default)]
        installed_base: Vec<RawInstalledBase> = Field::tables(
            "installed_base",
            RawInstalledBase::FIELDS,
            "Accelerators already live at the start.",
        )
        .optional(),
        #[serde(default)]
        power_equipment: Vec<RawPowerEquipment> = Field::tables(
            "power_equipment",
            RawPowerEquipment::FIELDS,
            "Suppliers of long-lead power equipment (transformers, switchgear, turbines) that \
             every project in the regions they serve needs before it goes live.",
        )
        .optional(),
        #[serde(default)]
        shocks: Vec<RawShock> =
            Field::tables("shocks", RawShock::FIELDS, "Random and scheduled disruptions.")
                .optional(),
        optimize: Option<toml::Value> = Field::section(
            "optimize",
            "A search for the best costed investments in this scenario, read and checked by \
             `chipsim optimize` (see docs/optimize.md); every other command ignores it.",
        )
        .optional(),
        sweep: Option<toml::Value> = Field::section(
            "sweep",
            "A sensitivity study of this scenario, read and checked by `chipsim sweep` \
             (see the `chipsim::sweep` documentation); every other command ignores it.",
        )
        .optional(),
    }
}

table! {
    /// The base-stock policy every stage plans its starts with.
    pub struct RawPlanning {
        cover_weeks: Option<f64> = Field::number(
            "cover_weeks",
            "weeks",
            0.0,
            104.0,
            "Weeks of forward demand each stage keeps beyond its own cycle time.",
        )
        .or(Absent::Number(4.0)),
        adjustment_weeks: Option<f64> = Field::number(
            "adjustment_weeks",
            "weeks",
            0.0,
            104.0,
            "Weeks over which a gap between what the order book requires and what is on \
             hand or in process is closed (at most one interval: the textbook base stock).",
        )
        .or(Absent::Number(4.0)),
        smoothing_weeks: Option<f64> = Field::number(
            "smoothing_weeks",
            "weeks",
            0.0,
            104.0,
            "Weeks over which the rate of demand is smoothed (the forecast multiplies it by \
             a window of months, so it must be steady).",
        )
        .or(Absent::Number(13.0)),
    }
}

table! {
    /// How data-centre power is turned into energy.
    pub struct RawPower {
        pue: Option<f64> = Field::number(
            "pue",
            "ratio",
            1.0,
            3.0,
            "Power usage effectiveness: facility power ÷ IT power.",
        )
        .or(Absent::Number(1.3)),
        utilisation: Option<f64> = Field::number(
            "utilisation",
            "fraction",
            0.0,
            1.0,
            "Average utilisation of a live accelerator.",
        )
        .or(Absent::Number(0.8)),
    }
}

table! {
    /// The allocator's policy.
    pub struct RawAllocator {
        policy: Option<AllocatorPolicy> = Field::choice(
            "policy",
            AllocatorPolicy::WORDS,
            "Which open order gets the next finished accelerators.",
        )
        .or(Absent::Word("first_come")),
    }
}
