//! `[[demand]]`: demand curves, the AI data-centre capacity a region adds each year,
//! split into projects of a drawn size whose planned go-live is spread over the year.
//! Each calendar year of a curve is a row of `projects.csv`. A curve's projects plan at
//! `plan_percentile` of their own construction and grid durations unless the scenario
//! fixes both leads.

use chrono::{Datelike, NaiveDate};

use crate::distribution::DistributionSpec;
use crate::model::{plan_leads, DemandParams};
use crate::replication::ProjectGroup;

use super::project::{
    buyer, pue, CANCEL_AFTER_DAYS, CONSTRUCTION_DAYS, DUPLICATE_ORDERS, ID, IDS,
    KW_PER_ACCELERATOR, ORDER_HORIZON_DAYS, ORDER_LEAD_DAYS, ORDER_MARGIN_DAYS, PHASED, PRIORITY,
    PUE, REGION,
};
use super::LONG_DAYS;
use crate::scenario::check::{At, Check};
use crate::scenario::context::Context;
use crate::scenario::fields::{table, Absent, Field, Valued};
use crate::scenario::limits::{accelerators, MAX_PROJECTS_PER_DEMAND};

table! {
    /// A demand curve: AI data-centre capacity a region adds each year, split into
    /// projects of a drawn size whose planned go-live is spread over the year.
    pub struct RawDemand {
        id: String = ID,
        region: String = REGION,
        first_year: i32 = Field::integer(
            "first_year",
            f64::NEG_INFINITY,
            f64::INFINITY,
            "First calendar year with demand, within the horizon.",
        ),
        last_year: Option<i32> = Field::integer(
            "last_year",
            f64::NEG_INFINITY,
            f64::INFINITY,
            "Last calendar year with demand, from `first_year` to the end year.",
        )
        .or(Absent::Means("the end year")),
        mw_first_year: f64 =
            Field::number("mw_first_year", "MW", 0.0, 1e6, "IT load added in the first year."),
        growth_per_year: f64 = Field::number(
            "growth_per_year",
            "fraction/yr",
            -0.9,
            5.0,
            "Growth of the yearly addition (0.3 = +30 % a year).",
        ),
        project_mw: DistributionSpec = Field::distribution(
            "project_mw",
            "MW",
            "a project size in MW",
            0.0,
            1e5,
            "IT load of one project; its mean must be above 0.",
        ),
        kw_per_accelerator: f64 = KW_PER_ACCELERATOR,
        construction_days: DistributionSpec = CONSTRUCTION_DAYS,
        plan_percentile: Option<f64> = Field::number(
            "plan_percentile",
            "percent",
            1.0,
            99.9,
            "Confidence of the plans: each project starts construction and asks for its grid \
             connection early enough that both are done by its planned go-live with this \
             probability (each at the √p percentile of its own durations; queues and chips \
             not counted).",
        )
        .or(Absent::Number(50.0)),
        planned_construction_days: Option<f64> = Field::number(
            "planned_construction_days",
            "days",
            0.0,
            LONG_DAYS,
            "Days between planned construction start and planned go-live (with \
             `grid_request_lead_days`, instead of `plan_percentile`).",
        )
        .or(Absent::Means("from `plan_percentile`")),
        grid_request_lead_days: Option<f64> = Field::number(
            "grid_request_lead_days",
            "days",
            0.0,
            LONG_DAYS,
            "Days before the planned go-live the grid connection is requested (with \
             `planned_construction_days`, instead of `plan_percentile`).",
        )
        .or(Absent::Means("from `plan_percentile`")),
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

/// The demand curves of `[[demand]]`, in order; their ids differ from the projects'.
pub fn resolve(
    curves: Valued<'_, Vec<RawDemand>>,
    context: &mut Context,
) -> Check<Vec<DemandParams>> {
    let mut resolved = Vec::with_capacity(curves.value.len());
    for (index, curve) in curves.value.iter().enumerate() {
        let at = context.entry(curves.field, index, curve.id(), IDS)?;
        let region = curve.region();
        let grid = context.grid(&at, region.field, region.value, "a demand curve")?;
        let years = years(&at, curve, context)?;
        let construction_days = at.distribution(curve.construction_days())?;
        let (planned_construction_days, grid_request_lead_days) =
            leads(&at, curve, &construction_days, grid, context)?;
        let demand = DemandParams {
            name: curve.id.clone(),
            region: context.stands_in(region.value),
            grid,
            years,
            mw_first_year: at.number(curve.mw_first_year())?,
            growth_per_year: at.number(curve.growth_per_year())?,
            project_mw: at.distribution(curve.project_mw())?,
            kw_per_accelerator: at.number(curve.kw_per_accelerator())?,
            construction_days,
            planned_construction_days,
            grid_request_lead_days,
            buyer: buyer!(&at, curve)?,
            priority: at.whole_or_default(curve.priority())?,
            phased: at.flag(curve.phased()),
            pue: pue(&at, curve.pue(), context)?,
        };
        if demand.project_mw.mean() <= 0.0 {
            return at.invalid(
                curve.project_mw().field,
                "projects must have a positive mean size",
            );
        }
        within_limits(&at, curve, &demand)?;
        resolved.push(demand);
    }
    Ok(resolved)
}

/// The curve's construction and grid-request leads: both written, or from its
/// `plan_percentile` and the durations of its construction and grid region.
fn leads(
    at: &At,
    curve: &RawDemand,
    construction_days: &crate::distribution::Distribution,
    grid: crate::model::GridId,
    context: &Context,
) -> Check<(f64, f64)> {
    match (
        curve.planned_construction_days,
        curve.grid_request_lead_days,
    ) {
        (Some(construction), Some(grid_lead)) => Ok((
            at.number(curve.planned_construction_days().with(&construction))?,
            at.number(curve.grid_request_lead_days().with(&grid_lead))?,
        )),
        (None, None) => {
            let percentile = at.number_or_default(curve.plan_percentile())?;
            let grid = &context.grid_params[grid.0 as usize];
            Ok(plan_leads(percentile, construction_days, grid, &curve.id))
        }
        _ => at.invalid(
            curve.grid_request_lead_days().field,
            "give both `planned_construction_days` and `grid_request_lead_days`, or neither \
             (then `plan_percentile` sets them)",
        ),
    }
}

/// Checks the curve's counts against [`crate::scenario::limits`]: the accelerators of
/// its largest possible project (no larger than its largest yearly IT load), and the
/// projects it makes on average over the horizon.
fn within_limits(at: &At, curve: &RawDemand, demand: &DemandParams) -> Check<()> {
    let yearly_mw: Vec<f64> = (0..demand.years.len())
        .map(|offset| demand.mw_first_year * (1.0 + demand.growth_per_year).powi(offset as i32))
        .collect();
    let largest_year = yearly_mw.iter().copied().fold(0.0, f64::max);
    let largest = demand.project_mw.support_max().min(largest_year);
    accelerators(
        largest,
        demand.kw_per_accelerator,
        "its largest possible project",
    )
    .or_else(|message| at.invalid(curve.kw_per_accelerator().field, message))?;
    let total_mw: f64 = yearly_mw.iter().sum();
    let projects = total_mw / demand.project_mw.mean();
    if projects > MAX_PROJECTS_PER_DEMAND {
        return at.invalid(
            curve.project_mw().field,
            format!(
                "the curve adds {total_mw:.3e} MW in projects of {} MW on average: \
                 {projects:.3e} projects, and a curve may make at most \
                 {MAX_PROJECTS_PER_DEMAND:e}; use larger projects or less demand",
                demand.project_mw.mean()
            ),
        );
    }
    Ok(())
}

/// The curve's years within the horizon: (year, first day, end day, row of
/// `projects.csv`), each year adding its row.
fn years(at: &At, curve: &RawDemand, context: &mut Context) -> Check<Vec<(i32, f64, f64, usize)>> {
    let (first_year, end_year) = (curve.first_year, context.end.year());
    let last_year = curve.last_year.unwrap_or(end_year);
    if first_year < context.start.year() || first_year > end_year {
        return at.invalid(
            curve.first_year().field,
            format!(
                "must be between {} and {end_year}, got {first_year}",
                context.start.year()
            ),
        );
    }
    if last_year < first_year || last_year > end_year {
        return at.invalid(
            curve.last_year().field,
            format!("must be between first_year ({first_year}) and {end_year}, got {last_year}"),
        );
    }
    let mut years = Vec::new();
    for year in first_year..=last_year {
        let first = NaiveDate::from_ymd_opt(year, 1, 1)
            .expect("a year within the horizon")
            .max(context.start);
        let next = NaiveDate::from_ymd_opt(year + 1, 1, 1).expect("a year within the horizon");
        let row = context.project_groups.len();
        years.push((
            year,
            context.day_of(first),
            context.day_of(next).min(context.horizon_days()),
            row,
        ));
        context.project_groups.push(ProjectGroup {
            name: format!("{}/{year}", curve.id),
            region: curve.region.clone(),
            planned_go_live: first,
        });
    }
    Ok(years)
}
