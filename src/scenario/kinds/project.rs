//! `[[projects]]`: data-centre projects listed one by one. Each stands in a grid region,
//! orders its accelerators ahead of its planned go-live and goes live once built,
//! connected and supplied. Its fields shared with demand curves (and the installed
//! base) are defined here.

use toml::value::Datetime;

use crate::distribution::DistributionSpec;
use crate::model::ProjectParams;
use crate::replication::ProjectGroup;

use super::LONG_DAYS;
use crate::scenario::check::{At, Check};
use crate::scenario::context::{Context, IdSpace};
use crate::scenario::fields::{table, Absent, Field, Valued};
use crate::scenario::limits::accelerators;

/// Projects and demand curves share one id space.
pub const IDS: IdSpace = IdSpace("project or demand curve");

/// How many years before the start a project's dates may lie.
const YEARS_BEFORE_START: i64 = 20;

/// The `id` field of projects and demand curves.
pub const ID: Field = Field::name("id", "Unique id among projects and demand curves.");
/// The `region` field of projects and demand curves.
pub const REGION: Field = Field::name("region", "Region; a grid region with this id must exist.");
/// The `kw_per_accelerator` field of projects, demand curves and the installed base.
pub const KW_PER_ACCELERATOR: Field = Field::number(
    "kw_per_accelerator",
    "kW",
    0.0,
    1000.0,
    "Power per accelerator, including its share of servers and networking.",
)
.above_min();
/// The `construction_days` field of projects and demand curves.
pub const CONSTRUCTION_DAYS: Field =
    Field::days("construction_days", LONG_DAYS, "Construction time.");
/// The `order_lead_days` field of projects and demand curves.
pub const ORDER_LEAD_DAYS: Field = Field::number(
    "order_lead_days",
    "days",
    0.0,
    3650.0,
    "Days before the planned go-live the accelerators are ordered.",
)
.or(Absent::Number(270.0));
/// The `priority` field of projects and demand curves.
pub const PRIORITY: Field = Field::integer(
    "priority",
    f64::NEG_INFINITY,
    f64::INFINITY,
    "Allocation priority under the `priority` policy; higher goes first.",
)
.or(Absent::Number(0.0));
/// The `phased` field of projects and demand curves.
pub const PHASED: Field = Field::flag(
    "phased",
    "Go live in phases: accelerators draw power as they arrive, once built and connected.",
)
.or(Absent::Flag(false));
/// The `pue` field of projects, demand curves and the installed base.
pub const PUE: Field = Field::number(
    "pue",
    "ratio",
    1.0,
    3.0,
    "Power usage effectiveness of this site.",
)
.or(Absent::Means("`[power] pue`"));

table! {
    /// A data-centre project.
    pub struct RawProject {
        id: String = ID,
        region: String = REGION,
        it_load_mw: f64 = Field::number("it_load_mw", "MW", 0.0, 1e5, "IT load.").above_min(),
        kw_per_accelerator: f64 = KW_PER_ACCELERATOR,
        construction_start: Datetime = Field::date(
            "construction_start",
            "Date construction starts; may be up to 20 years before the start.",
        ),
        construction_days: DistributionSpec = CONSTRUCTION_DAYS,
        planned_go_live: Datetime = Field::date(
            "planned_go_live",
            "Planned go-live, within the horizon and not before `construction_start`.",
        ),
        grid_request: Option<Datetime> =
            Field::date("grid_request", "Date the grid connection is requested.")
                .or(Absent::Means("`construction_start`")),
        order_lead_days: Option<f64> = ORDER_LEAD_DAYS,
        priority: Option<i64> = PRIORITY,
        phased: Option<bool> = PHASED,
        pue: Option<f64> = PUE,
    }
}

/// A site's own PUE, or the `[power]` one.
pub fn pue(at: &At, pue: Valued<'_, Option<f64>>, context: &Context) -> Check<f64> {
    match pue.value {
        Some(value) => at.number(pue.with(value)),
        None => Ok(context.pue),
    }
}

/// The projects of `[[projects]]`, in order, each with its row of `projects.csv`.
pub fn resolve(
    projects: Valued<'_, Vec<RawProject>>,
    context: &mut Context,
) -> Check<Vec<ProjectParams>> {
    let mut resolved = Vec::with_capacity(projects.value.len());
    for (index, project) in projects.value.iter().enumerate() {
        let at = context.entry(projects.field, index, project.id(), IDS)?;
        let region = project.region();
        let grid = context.grid(&at, region.field, region.value, "a data-centre project")?;
        let construction_start = at.date(project.construction_start())?;
        let planned_field = project.planned_go_live().field;
        let planned = context.within(at.of(planned_field), at.date(project.planned_go_live())?)?;
        if planned < construction_start {
            return at.invalid(
                planned_field,
                format!(
                    "must not be before construction_start ({construction_start}), got {planned}"
                ),
            );
        }
        let grid_request = match &project.grid_request {
            Some(value) => at.date(project.grid_request().with(value))?,
            None => construction_start,
        };
        let earliest = YEARS_BEFORE_START * 365;
        if (context.start - construction_start).num_days() > earliest
            || (context.start - grid_request).num_days() > earliest
        {
            return at.invalid(
                project.construction_start().field,
                format!("dates may lie at most {YEARS_BEFORE_START} years before the start"),
            );
        }
        let it_load_mw = at.number(project.it_load_mw())?;
        let kw = project.kw_per_accelerator();
        let kw_per_accelerator = at.number(kw)?;
        accelerators(it_load_mw, kw_per_accelerator, "a project")
            .or_else(|message| at.invalid(kw.field, message))?;
        resolved.push(ProjectParams {
            name: project.id.clone(),
            region: context.stands_in(region.value),
            grid,
            it_load_mw,
            kw_per_accelerator,
            construction_start_day: context.day_of(construction_start),
            construction_days: at.distribution(project.construction_days())?,
            planned_go_live_day: context.day_of(planned),
            grid_request_day: context.day_of(grid_request),
            order_lead_days: at.number_or_default(project.order_lead_days())?,
            priority: at.whole_or_default(project.priority())?,
            phased: at.flag(project.phased()),
            pue: pue(&at, project.pue(), context)?,
        });
        context.project_groups.push(ProjectGroup {
            name: project.id.clone(),
            region: project.region.clone(),
            planned_go_live: planned,
        });
    }
    Ok(resolved)
}
