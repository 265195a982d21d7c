//! From the file as written to the model's parameters: the run settings and horizon
//! first, then each agent kind through its resolver (see [`super::kinds`]) in the
//! order they refer to each other, then the routes, then the shocks, which may refer to
//! anything. The first problem found is returned with the path of its field; what is
//! allowed but probably a mistake comes back as a warning.

use chrono::{Datelike, NaiveDate};

use crate::model::{PlanningParams, World};
use crate::replication::Period;

use super::check::{Check, Invalid};
use super::context::Context;
use super::kinds::{
    demand, fab, fab_construction, grid_region, installed_base, lane, packaging, power_equipment,
    project, shock,
};
use super::raw::{PeriodLength, RawAllocator, RawPlanning, RawPower, RawScenario};
use super::{check::At, routes};

/// Longest horizon accepted, in years.
pub const MAX_HORIZON_YEARS: i32 = 50;

/// A resolved scenario: the model's parameters, and the warnings found on the way.
#[derive(Debug)]
pub struct Validated {
    /// The model's parameters.
    pub world: World,
    /// What is allowed but probably not meant, with where it is.
    pub warnings: Vec<Invalid>,
}

/// Validates `raw` and resolves it into a [`World`].
pub fn validate(raw: &RawScenario) -> Check<Validated> {
    let top = At::default();
    top.name(raw.name())?;
    let (start, end) = horizon(&top, raw)?;
    let period_length = top.choice(raw.report_period())?.value();
    let world_electricity_twh = top.number(raw.world_electricity_twh())?;
    top.count(raw.replications())?;
    let budget = raw.event_budget();
    let event_budget = match top.count(budget)? {
        Some(written) => written,
        None => top.number_or_default(budget.with(&None))? as u64,
    };
    let lot_interval_days = top.number_or_default(raw.lot_interval_days())?;
    let warm_up_days = top.number_or_default(raw.warm_up_days())?.round();
    let planning = planning(&top, raw)?;
    let power = top.inner(raw.power().field);
    let no_power = RawPower {
        pue: None,
        utilisation: None,
    };
    let power_written = raw.power.as_ref().unwrap_or(&no_power);
    let pue = power.number_or_default(power_written.pue())?;
    let utilisation = power.number_or_default(power_written.utilisation())?;
    let no_allocator = RawAllocator { policy: None };
    let allocator = raw.allocator.as_ref().unwrap_or(&no_allocator);
    let policy = top
        .inner(raw.allocator().field)
        .choice(allocator.policy())?
        .value();

    let mut context = Context::new(start, end, pue, warm_up_days);
    // Grid regions first: constructions, projects and demand curves refer to them.
    let grids = grid_region::resolve(raw.grid_regions(), &mut context)?;
    let mut fabs = fab::resolve(raw.fabs(), &mut context)?;
    fabs.extend(fab_construction::resolve(
        raw.fab_constructions(),
        &mut context,
    )?);
    let packaging = packaging::resolve(raw.packaging(), &mut context)?;
    let lanes = lane::resolve(raw.lanes(), &mut context)?;
    let projects = project::resolve(raw.projects(), &mut context)?;
    let demand = demand::resolve(raw.demand(), &mut context)?;
    let installed_base = installed_base::resolve(raw.installed_base(), &mut context)?;
    let power_equipment = power_equipment::resolve(raw.power_equipment(), &mut context)?;
    lane::check_ends(raw.lanes(), &context)?;

    let mut world = World {
        name: raw.name.clone(),
        start,
        end,
        periods: periods(start, end, period_length),
        world_electricity_twh,
        utilisation,
        start_day: warm_up_days,
        lot_interval_days,
        planning,
        event_budget,
        policy,
        regions: Vec::new(),
        products: Vec::new(),
        fabs,
        packaging,
        lanes,
        grids,
        power_equipment,
        projects,
        demand,
        installed_base,
        shocks: Vec::new(),
        project_groups: Vec::new(),
    };
    routes::check(raw, &world, &mut context)?;
    world.shocks = shock::resolve(raw.shocks(), &world, &mut context)?;
    world.regions = std::mem::take(&mut context.regions.names);
    world.products = std::mem::take(&mut context.products.names);
    world.project_groups = std::mem::take(&mut context.project_groups);
    Ok(Validated {
        world,
        warnings: context.warnings,
    })
}

/// The first and last simulated day: `end` after `start`, at most
/// [`MAX_HORIZON_YEARS`] later.
fn horizon(top: &At, raw: &RawScenario) -> Check<(NaiveDate, NaiveDate)> {
    let start = top.date(raw.start())?;
    let end = top.date(raw.end())?;
    let end_field = raw.end().field;
    if end <= start {
        return top.invalid(
            end_field,
            format!("must be after start ({start}), got {end}"),
        );
    }
    if end.year() - start.year() > MAX_HORIZON_YEARS {
        return top.invalid(
            end_field,
            format!("the horizon may span at most {MAX_HORIZON_YEARS} years, got {start} to {end}"),
        );
    }
    Ok((start, end))
}

/// The `[planning]` policy, or its defaults.
fn planning(top: &At, raw: &RawScenario) -> Check<PlanningParams> {
    let at = top.inner(raw.planning().field);
    let none = RawPlanning {
        cover_weeks: None,
        adjustment_weeks: None,
        smoothing_weeks: None,
    };
    let written = raw.planning.as_ref().unwrap_or(&none);
    Ok(PlanningParams {
        cover_weeks: at.number_or_default(written.cover_weeks())?,
        adjustment_weeks: at.number_or_default(written.adjustment_weeks())?,
        smoothing_weeks: at.number_or_default(written.smoothing_weeks())?,
    })
}

/// The reporting periods of `length`, clipped to the horizon: calendar months (or
/// quarters), or weeks of 7 days counted from the start.
fn periods(start: NaiveDate, end: NaiveDate, length: PeriodLength) -> Vec<Period> {
    let months = match length {
        PeriodLength::Months(months) => months,
        PeriodLength::Week => {
            let mut result = Vec::new();
            let mut cursor = start;
            while cursor <= end {
                let next = cursor + chrono::Duration::days(7);
                let last = next.pred_opt().expect("date in range").min(end);
                result.push(Period {
                    start: cursor,
                    end: last,
                });
                cursor = next;
            }
            return result;
        }
    };
    let mut result = Vec::new();
    let first_month = (start.month0() / months) * months;
    let mut cursor =
        NaiveDate::from_ymd_opt(start.year(), first_month + 1, 1).expect("valid month");
    while cursor <= end {
        let next = cursor
            .checked_add_months(chrono::Months::new(months))
            .expect("date in range");
        let period_end = next.pred_opt().expect("date in range");
        result.push(Period {
            start: cursor.max(start),
            end: period_end.min(end),
        });
        cursor = next;
    }
    result
}
