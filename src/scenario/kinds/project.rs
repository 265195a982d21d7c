//! `[[projects]]`: data-centre projects listed one by one — a single build, or an
//! announced campus in `phases`, each phase a project of its own sharing the campus's
//! row of `projects.csv`. Each stands in a grid region, orders its accelerators ahead
//! of its need date and goes live once built, connected and supplied. Its fields shared
//! with demand curves (and the installed base) are defined here, the buyer's among them.

use toml::value::Datetime;

use crate::distribution::DistributionSpec;
use crate::model::{BuyerParams, ProjectParams};
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
/// The `order_lead_days` field of projects, demand curves and the installed base.
pub const ORDER_LEAD_DAYS: Field = Field::number(
    "order_lead_days",
    "days",
    0.0,
    3650.0,
    "Least days before its need date a buyer orders (the calm-market lead); it orders \
     earlier when the quoted lead time (plus `order_margin_days`) is longer.",
)
.or(Absent::Number(270.0));
/// The `order_margin_days` field of projects, demand curves and the installed base.
pub const ORDER_MARGIN_DAYS: Field = Field::number(
    "order_margin_days",
    "days",
    0.0,
    730.0,
    "Days a buyer adds to the quoted lead time when deciding to order.",
)
.or(Absent::Number(30.0));
/// The `order_horizon_days` field of projects, demand curves and the installed base.
pub const ORDER_HORIZON_DAYS: Field = Field::number(
    "order_horizon_days",
    "days",
    1.0,
    3650.0,
    "Most days before its need date a buyer commits an order, however long the quote: \
     budgets and supplier allocations are annual (src:hbm-sold-out-2026), and quoted \
     lead times stop at 52 weeks (src:chip-lead-times-2021-2022).",
)
.or(Absent::Number(365.0));
/// The `duplicate_orders` field of projects, demand curves and the installed base.
pub const DUPLICATE_ORDERS: Field = Field::distribution(
    "duplicate_orders",
    "orders",
    "a number of copies",
    1.0,
    20.0,
    "Copies of each order placed with several sellers (rounded); the others are \
     cancelled when the order is filled. Sellers see every copy.",
)
.or(Absent::Number(1.0));
/// The `cancel_after_days` field of projects, demand curves and the installed base.
pub const CANCEL_AFTER_DAYS: Field = Field::number(
    "cancel_after_days",
    "days",
    1.0,
    3650.0,
    "Days after placing it that a buyer withdraws what is still unfilled of its order.",
)
.optional();
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

/// The `it_load_mw` field of projects and their phases.
const IT_LOAD_MW: Field = Field::number("it_load_mw", "MW", 0.0, 1e5, "IT load.").above_min();
/// The `planned_go_live` field of projects and their phases.
const PLANNED_GO_LIVE: Field = Field::date(
    "planned_go_live",
    "Planned (announced) go-live, within the horizon and not before `construction_start`.",
);

table! {
    /// One phase of a campus.
    pub struct RawPhase {
        it_load_mw: f64 = IT_LOAD_MW,
        planned_go_live: Datetime = PLANNED_GO_LIVE,
        note: Option<String> =
            Field::text("note", "What the phase is, as announced (for readers).").optional(),
    }
}

table! {
    /// A data-centre project, or an announced campus in phases.
    pub struct RawProject {
        id: String = ID,
        region: String = REGION,
        operator: Option<String> =
            Field::text("operator", "Who builds or runs it (for reports).").optional(),
        site: Option<String> =
            Field::text("site", "Where it stands (for reports).").optional(),
        sources: Option<Vec<String>> = Field::names(
            "sources",
            "Keys of the docs/sources.md entries its figures come from.",
        )
        .optional(),
        it_load_mw: Option<f64> = IT_LOAD_MW.or(Absent::Means("required unless `phases` is given")),
        phases: Option<Vec<RawPhase>> = Field::tables(
            "phases",
            RawPhase::FIELDS,
            "An announced campus, phase by phase (instead of `it_load_mw` and \
             `planned_go_live`); later phases keep the first one's construction and grid \
             leads before their go-live.",
        )
        .optional(),
        kw_per_accelerator: f64 = KW_PER_ACCELERATOR,
        construction_start: Datetime = Field::date(
            "construction_start",
            "Date construction starts; may be up to 20 years before the start.",
        ),
        construction_days: DistributionSpec = CONSTRUCTION_DAYS,
        planned_go_live: Option<Datetime> =
            PLANNED_GO_LIVE.or(Absent::Means("required unless `phases` is given")),
        grid_request: Option<Datetime> =
            Field::date("grid_request", "Date the grid connection is requested.")
                .or(Absent::Means("`construction_start`")),
        order_lead_days: Option<f64> = ORDER_LEAD_DAYS,
        order_margin_days: Option<f64> = ORDER_MARGIN_DAYS,
        order_horizon_days: Option<f64> = ORDER_HORIZON_DAYS,
        duplicate_orders: Option<DistributionSpec> = DUPLICATE_ORDERS,
        cancel_after_days: Option<f64> = CANCEL_AFTER_DAYS,
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

/// How a buyer orders, from the five buyer fields of `$raw` (a project, a demand curve
/// or an installed-base vintage: they share [`ORDER_LEAD_DAYS`] and the rest).
macro_rules! buyer {
    ($at:expr, $raw:expr) => {
        $crate::scenario::kinds::project::buyer_from(
            $at,
            $raw.order_lead_days(),
            $raw.order_margin_days(),
            $raw.order_horizon_days(),
            $raw.duplicate_orders(),
            $raw.cancel_after_days(),
        )
    };
}
pub(crate) use buyer;

/// How a buyer orders, from its five fields (call it through [`buyer!`]).
pub fn buyer_from(
    at: &At,
    order_lead_days: Valued<'_, Option<f64>>,
    order_margin_days: Valued<'_, Option<f64>>,
    order_horizon_days: Valued<'_, Option<f64>>,
    duplicate_orders: Valued<'_, Option<DistributionSpec>>,
    cancel_after_days: Valued<'_, Option<f64>>,
) -> Check<BuyerParams> {
    Ok(BuyerParams {
        order_lead_days: at.number_or_default(order_lead_days)?,
        order_margin_days: at.number_or_default(order_margin_days)?,
        order_horizon_days: at.number_or_default(order_horizon_days)?,
        duplicate_orders: at.distribution_or_default(duplicate_orders)?,
        cancel_after_days: match cancel_after_days.value {
            Some(days) => Some(at.number(cancel_after_days.with(days))?),
            None => None,
        },
    })
}

/// A project's phases as (IT load, planned go-live): its `phases`, or its own
/// `it_load_mw` and `planned_go_live` as one phase.
fn phases(at: &At, project: &RawProject) -> Check<Vec<(f64, chrono::NaiveDate)>> {
    match (
        &project.phases,
        project.it_load_mw,
        &project.planned_go_live,
    ) {
        (Some(phases), None, None) if !phases.is_empty() => {
            let list = at.inner(project.phases().field);
            let mut resolved = Vec::with_capacity(phases.len());
            for (index, phase) in phases.iter().enumerate() {
                let phase_at = At::new(list.path().index(index));
                let load = phase_at.number(phase.it_load_mw())?;
                resolved.push((load, phase_at.date(phase.planned_go_live())?));
            }
            Ok(resolved)
        }
        (None, Some(load), Some(planned)) => Ok(vec![(
            at.number(project.it_load_mw().with(&load))?,
            at.date(project.planned_go_live().with(planned))?,
        )]),
        _ => at.invalid(
            project.phases().field,
            "a project needs either `it_load_mw` and `planned_go_live`, or a non-empty `phases` \
             list (and not both)",
        ),
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
        let phases = phases(&at, project)?;
        let first_planned = phases[0].1;
        let planned_field = if project.phases.is_some() {
            project.phases().field
        } else {
            project.planned_go_live().field
        };
        for &(_, planned) in &phases {
            context.within(at.of(planned_field), planned)?;
            if planned < construction_start {
                return at.invalid(
                    planned_field,
                    format!(
                        "must not be before construction_start ({construction_start}), got {planned}"
                    ),
                );
            }
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
        let kw = project.kw_per_accelerator();
        let kw_per_accelerator = at.number(kw)?;
        let buyer = buyer!(&at, project)?;
        let construction_days = at.distribution(project.construction_days())?;
        let (priority, phased) = (
            at.whole_or_default(project.priority())?,
            at.flag(project.phased()),
        );
        let pue = pue(&at, project.pue(), context)?;
        let region = context.stands_in(region.value);
        let group = context.project_groups.len();
        // Later phases keep the first phase's construction and grid leads.
        let construction_lead = context.day_of(first_planned) - context.day_of(construction_start);
        let grid_lead = context.day_of(first_planned) - context.day_of(grid_request);
        for (number, &(it_load_mw, planned)) in phases.iter().enumerate() {
            accelerators(it_load_mw, kw_per_accelerator, "a project")
                .or_else(|message| at.invalid(kw.field, message))?;
            let planned_day = context.day_of(planned);
            resolved.push(ProjectParams {
                name: if phases.len() == 1 {
                    project.id.clone()
                } else {
                    format!("{}/{}", project.id, number + 1)
                },
                region,
                grid,
                it_load_mw,
                kw_per_accelerator,
                construction_start_day: planned_day - construction_lead,
                construction_days: construction_days.clone(),
                planned_go_live_day: planned_day,
                grid_request_day: planned_day - grid_lead,
                buyer: buyer.clone(),
                priority,
                phased,
                pue,
                group,
            });
        }
        context.project_groups.push(ProjectGroup {
            name: project.id.clone(),
            region: project.region.clone(),
            planned_go_live: first_planned,
        });
    }
    Ok(resolved)
}
