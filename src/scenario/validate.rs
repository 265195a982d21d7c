//! From the file as written to the model's parameters: every number checked against
//! its allowed range, every date inside the horizon, every id unique and every
//! reference resolved, with routes from fabs to packaging and from packaging to every
//! project. The first problem found is returned with the path of its field.

use std::collections::{HashMap, HashSet};

use chrono::{Datelike, NaiveDate};
use toml::value::Datetime;

use crate::distribution::{Distribution, DistributionSpec};
use crate::model::{
    CapacitySchedule, DemandParams, FabConstruction, FabId, FabParams, GridId, GridParams,
    InstalledBase, LaneId, LaneParams, Mode, PackagingParams, Policy, ProductId, ProjectParams,
    RegionId, ShockEffect, ShockKind, ShockParams, SiteId, World,
};
use crate::replication::{Period, ProjectGroup};

use super::locate::FieldPath;
use super::raw::{RawCapacityPoint, RawScenario};

/// A value that is not allowed, and where it is.
#[derive(Debug, Clone, PartialEq)]
pub struct Invalid {
    /// The field.
    pub path: FieldPath,
    /// What is wrong and what is allowed.
    pub message: String,
}

type Check<T> = Result<T, Invalid>;

fn invalid<T>(path: &FieldPath, message: impl Into<String>) -> Check<T> {
    Err(Invalid {
        path: path.clone(),
        message: message.into(),
    })
}

/// Longest horizon accepted, in years.
const MAX_HORIZON_YEARS: i32 = 50;
/// Longest duration a distribution may produce for construction-scale times (days).
const MAX_LONG_DAYS: f64 = 7300.0;

fn number(path: &FieldPath, value: f64, min: f64, max: f64) -> Check<f64> {
    if !value.is_finite() {
        return invalid(
            path,
            format!("must be a finite number between {min} and {max}, got {value}"),
        );
    }
    if value < min || value > max {
        return invalid(
            path,
            format!("must be between {min} and {max}, got {value}"),
        );
    }
    Ok(value)
}

fn positive(path: &FieldPath, value: f64, max: f64) -> Check<f64> {
    number(path, value, 0.0, max)?;
    if value <= 0.0 {
        return invalid(
            path,
            format!("must be greater than 0 (and at most {max}), got {value}"),
        );
    }
    Ok(value)
}

/// A distribution whose values lie within `[min, max]`; with `open_tail`, an unbounded
/// upper tail (lognormal, gamma, …) is allowed as long as its mean is at most `max`.
fn distribution(
    path: &FieldPath,
    spec: &DistributionSpec,
    min: f64,
    max: f64,
    open_tail: bool,
    what: &str,
) -> Check<Distribution> {
    let built = spec.build().or_else(|e| invalid(path, e.to_string()))?;
    let (low, high) = (built.support_min(), built.support_max());
    let upper_ok = high <= max || (open_tail && high.is_infinite() && built.mean() <= max);
    if low < min || !upper_ok {
        let hint = if low < min && matches!(built, Distribution::TruncatedNormal { .. }) {
            format!(" (add `min = {min}` to the normal)")
        } else {
            String::new()
        };
        return invalid(
            path,
            format!("{what} must stay between {min} and {max}, but this distribution ranges over [{low}, {high}]{hint}"),
        );
    }
    Ok(built)
}

fn days(path: &FieldPath, spec: &DistributionSpec, max: f64) -> Check<Distribution> {
    distribution(path, spec, 0.0, max, true, "a duration in days")
}

fn fraction(path: &FieldPath, spec: &DistributionSpec) -> Check<Distribution> {
    distribution(path, spec, 0.0, 1.0, false, "a fraction")
}

fn date(path: &FieldPath, value: &Datetime) -> Check<NaiveDate> {
    match (value.date, value.time, value.offset) {
        (Some(d), None, None) => {
            NaiveDate::from_ymd_opt(i32::from(d.year), u32::from(d.month), u32::from(d.day))
                .map_or_else(
                    || invalid(path, format!("{value} is not a calendar date")),
                    Ok,
                )
        }
        _ => invalid(
            path,
            format!("must be a date such as 2026-06-30 (no time or offset), got {value}"),
        ),
    }
}

fn identifier(path: &FieldPath, id: &str) -> Check<()> {
    let ok = !id.is_empty()
        && id.len() <= 64
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        && id.chars().next().is_some_and(|c| c.is_ascii_alphanumeric());
    if ok {
        Ok(())
    } else {
        invalid(path, format!("must be 1 to 64 letters, digits, `_` or `-`, starting with a letter or digit; got {id:?}"))
    }
}

/// Interns names to dense ids.
#[derive(Default)]
struct Names {
    names: Vec<String>,
    index: HashMap<String, u32>,
}

impl Names {
    fn intern(&mut self, name: &str) -> u32 {
        if let Some(&id) = self.index.get(name) {
            return id;
        }
        let id = self.names.len() as u32;
        self.names.push(name.to_string());
        self.index.insert(name.to_string(), id);
        id
    }
}

/// Checks that no two entries share an id.
fn unique<'a>(seen: &mut HashSet<&'a str>, path: &FieldPath, id: &'a str, what: &str) -> Check<()> {
    if !seen.insert(id) {
        return invalid(
            path,
            format!("duplicate id {id:?}: every {what} needs its own id"),
        );
    }
    Ok(())
}

fn schedule(
    path: &FieldPath,
    initial: f64,
    points: &[RawCapacityPoint],
    start: NaiveDate,
    max: f64,
) -> Check<CapacitySchedule> {
    let mut resolved = Vec::with_capacity(points.len());
    let mut previous: Option<NaiveDate> = None;
    for (index, point) in points.iter().enumerate() {
        let point_path = path.index(index);
        let day = date(&point_path.key("date"), &point.date)?;
        if previous.is_some_and(|p| day <= p) {
            return invalid(
                &point_path.key("date"),
                "capacity_schedule dates must increase from one point to the next",
            );
        }
        previous = Some(day);
        let value = number(&point_path.key("per_week"), point.per_week, 0.0, max)?;
        resolved.push(((day - start).num_days() as f64, value));
    }
    Ok(CapacitySchedule::new(initial, resolved))
}

fn periods(start: NaiveDate, end: NaiveDate, months: u32) -> Vec<Period> {
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

/// Validates `raw` and resolves it into a [`World`].
pub fn validate(raw: &RawScenario) -> Check<World> {
    identifier(&FieldPath::root("name"), &raw.name)?;
    let start = date(&FieldPath::root("start"), &raw.start)?;
    let end = date(&FieldPath::root("end"), &raw.end)?;
    if end <= start {
        return invalid(
            &FieldPath::root("end"),
            format!("must be after start ({start}), got {end}"),
        );
    }
    if end.year() - start.year() > MAX_HORIZON_YEARS {
        return invalid(
            &FieldPath::root("end"),
            format!("the horizon may span at most {MAX_HORIZON_YEARS} years, got {start} to {end}"),
        );
    }
    let horizon_days = (end - start).num_days() as f64 + 1.0;
    let day_of = |d: NaiveDate| (d - start).num_days() as f64;
    let within = |path: &FieldPath, d: NaiveDate| -> Check<NaiveDate> {
        if d < start || d > end {
            return invalid(
                path,
                format!("must be within the horizon {start} to {end}, got {d}"),
            );
        }
        Ok(d)
    };
    let months = match raw.report_period.as_deref() {
        None | Some("quarter") => 3,
        Some("month") => 1,
        Some(other) => {
            return invalid(
                &FieldPath::root("report_period"),
                format!("must be \"month\" or \"quarter\", got {other:?}"),
            )
        }
    };
    let world_electricity_twh = positive(
        &FieldPath::root("world_electricity_twh"),
        raw.world_electricity_twh,
        1e7,
    )?;
    if let Some(replications) = raw.replications {
        number(
            &FieldPath::root("replications"),
            replications as f64,
            1.0,
            1e7,
        )?;
    }
    let event_budget = raw.event_budget.unwrap_or(50_000_000);
    if event_budget == 0 {
        return invalid(&FieldPath::root("event_budget"), "must be at least 1");
    }
    let lot_interval_days = number(
        &FieldPath::root("lot_interval_days"),
        raw.lot_interval_days.unwrap_or(7.0),
        1.0,
        91.0,
    )?;
    let max_inventory_weeks = number(
        &FieldPath::root("max_inventory_weeks"),
        raw.max_inventory_weeks.unwrap_or(8.0),
        0.1,
        520.0,
    )?;
    let power = raw.power.as_ref();
    let pue_default = number(
        &FieldPath::root("power").key("pue"),
        power.and_then(|p| p.pue).unwrap_or(1.3),
        1.0,
        3.0,
    )?;
    let utilisation = number(
        &FieldPath::root("power").key("utilisation"),
        power.and_then(|p| p.utilisation).unwrap_or(0.8),
        0.0,
        1.0,
    )?;
    let policy = match raw.allocator.as_ref().map(|a| a.policy.as_str()) {
        None | Some("first_come") => Policy::FirstCome,
        Some("priority") => Policy::Priority,
        Some("pro_rata") => Policy::ProRata,
        Some(other) => {
            return invalid(
                &FieldPath::root("allocator").key("policy"),
                format!("must be \"first_come\", \"priority\" or \"pro_rata\", got {other:?}"),
            )
        }
    };
    let pue = |path: &FieldPath, value: Option<f64>| {
        value.map_or(Ok(pue_default), |v| number(path, v, 1.0, 3.0))
    };

    let mut regions = Names::default();
    let mut products = Names::default();

    // Grid regions first: projects and constructions refer to them.
    let mut grid_ids = HashMap::new();
    let mut grids = Vec::new();
    let mut seen = HashSet::new();
    for (index, grid) in raw.grid_regions.iter().enumerate() {
        let path = FieldPath::root("grid_regions").item(index, &grid.id);
        identifier(&path.key("id"), &grid.id)?;
        unique(&mut seen, &path.key("id"), &grid.id, "grid region")?;
        regions.intern(&grid.id);
        grid_ids.insert(grid.id.as_str(), GridId(index as u32));
        grids.push(GridParams {
            name: grid.id.clone(),
            spare_mw: number(&path.key("spare_mw"), grid.spare_mw, 0.0, 1e6)?,
            capacity_added_mw_per_year: number(
                &path.key("capacity_added_mw_per_year"),
                grid.capacity_added_mw_per_year,
                0.0,
                1e6,
            )?,
            study_days: days(&path.key("study_days"), &grid.study_days, MAX_LONG_DAYS)?,
            transformer_lead_days: days(
                &path.key("transformer_lead_days"),
                &grid.transformer_lead_days,
                MAX_LONG_DAYS,
            )?,
        });
    }
    let grid_of = |path: &FieldPath, region: &str, what: &str| -> Check<GridId> {
        grid_ids.get(region).copied().map_or_else(
            || {
                let known: Vec<&str> = raw.grid_regions.iter().map(|g| g.id.as_str()).collect();
                invalid(
                    path,
                    format!(
                        "{what} needs a grid region with id {region:?}; grid regions are: {}",
                        known.join(", ")
                    ),
                )
            },
            Ok,
        )
    };

    let mut fabs = Vec::new();
    let mut seen = HashSet::new();
    for (index, fab) in raw.fabs.iter().enumerate() {
        let path = FieldPath::root("fabs").item(index, &fab.id);
        identifier(&path.key("id"), &fab.id)?;
        unique(
            &mut seen,
            &path.key("id"),
            &fab.id,
            "fab or fab construction",
        )?;
        identifier(&path.key("region"), &fab.region)?;
        identifier(&path.key("product"), &fab.product)?;
        let initial = number(
            &path.key("wafer_starts_per_week"),
            fab.wafer_starts_per_week,
            0.0,
            1e6,
        )?;
        fabs.push(FabParams {
            name: fab.id.clone(),
            region: RegionId(regions.intern(&fab.region)),
            product: ProductId(products.intern(&fab.product)),
            capacity: schedule(
                &path.key("capacity_schedule"),
                initial,
                &fab.capacity_schedule,
                start,
                1e6,
            )?,
            cycle_time_days: days(&path.key("cycle_time_days"), &fab.cycle_time_days, 3650.0)?,
            dies_per_wafer: positive(&path.key("dies_per_wafer"), fab.dies_per_wafer, 1e5)?,
            yield_fraction: fraction(&path.key("yield"), &fab.yield_fraction)?,
            construction: None,
        });
    }
    for (index, build) in raw.fab_constructions.iter().enumerate() {
        let path = FieldPath::root("fab_constructions").item(index, &build.id);
        identifier(&path.key("id"), &build.id)?;
        unique(
            &mut seen,
            &path.key("id"),
            &build.id,
            "fab or fab construction",
        )?;
        identifier(&path.key("product"), &build.product)?;
        let power_secured = build.power_secured.unwrap_or(false);
        let grid = if power_secured {
            None
        } else {
            Some(grid_of(
                &path.key("region"),
                &build.region,
                "a fab construction without power_secured",
            )?)
        };
        let full = positive(
            &path.key("wafer_starts_per_week"),
            build.wafer_starts_per_week,
            1e6,
        )?;
        let start_date = within(&path.key("start"), date(&path.key("start"), &build.start)?)?;
        fabs.push(FabParams {
            name: build.id.clone(),
            region: RegionId(regions.intern(&build.region)),
            product: ProductId(products.intern(&build.product)),
            capacity: CapacitySchedule::new(full, Vec::new()),
            cycle_time_days: days(&path.key("cycle_time_days"), &build.cycle_time_days, 3650.0)?,
            dies_per_wafer: positive(&path.key("dies_per_wafer"), build.dies_per_wafer, 1e5)?,
            yield_fraction: fraction(&path.key("yield"), &build.yield_fraction)?,
            construction: Some(FabConstruction {
                start_day: day_of(start_date),
                construction_days: days(
                    &path.key("construction_days"),
                    &build.construction_days,
                    MAX_LONG_DAYS,
                )?,
                power_mw: number(&path.key("power_mw"), build.power_mw, 0.0, 1e5)?,
                grid,
                ramp_days: number(
                    &path.key("ramp_days"),
                    build.ramp_days.unwrap_or(365.0),
                    0.0,
                    3650.0,
                )?,
                cost_billion_usd: number(
                    &path.key("cost_billion_usd"),
                    build.cost_billion_usd.unwrap_or(0.0),
                    0.0,
                    1e5,
                )?,
            }),
        });
    }

    let mut packaging = Vec::new();
    let mut seen = HashSet::new();
    for (index, site) in raw.packaging.iter().enumerate() {
        let path = FieldPath::root("packaging").item(index, &site.id);
        identifier(&path.key("id"), &site.id)?;
        unique(&mut seen, &path.key("id"), &site.id, "packaging site")?;
        identifier(&path.key("region"), &site.region)?;
        if site.bill_of_materials.is_empty() {
            return invalid(
                &path.key("bill_of_materials"),
                "needs at least one input, e.g. { logic = 2, hbm = 8 }",
            );
        }
        let mut bill = Vec::new();
        for (product, &count) in &site.bill_of_materials {
            let count_path = path.key("bill_of_materials").key(product);
            if !products.index.contains_key(product.as_str()) {
                let made: Vec<&str> = products.names.iter().map(String::as_str).collect();
                return invalid(
                    &count_path,
                    format!("no fab makes {product:?}; fabs make: {}", made.join(", ")),
                );
            }
            let count = number(&count_path, count, 1.0, 1000.0)?;
            if count.fract() != 0.0 {
                return invalid(
                    &count_path,
                    format!("must be a whole number of units per accelerator, got {count}"),
                );
            }
            bill.push((ProductId(products.intern(product)), count as u64));
        }
        let initial = number(
            &path.key("accelerators_per_week"),
            site.accelerators_per_week,
            0.0,
            1e7,
        )?;
        packaging.push(PackagingParams {
            name: site.id.clone(),
            region: RegionId(regions.intern(&site.region)),
            capacity: schedule(
                &path.key("capacity_schedule"),
                initial,
                &site.capacity_schedule,
                start,
                1e7,
            )?,
            bill_of_materials: bill,
            cycle_time_days: days(&path.key("cycle_time_days"), &site.cycle_time_days, 365.0)?,
            yield_fraction: match &site.yield_fraction {
                Some(spec) => fraction(&path.key("yield"), spec)?,
                None => Distribution::Fixed(1.0),
            },
        });
    }

    let mut lanes = Vec::new();
    let mut seen = HashSet::new();
    for (index, lane) in raw.lanes.iter().enumerate() {
        let path = FieldPath::root("lanes").item(index, &lane.id);
        identifier(&path.key("id"), &lane.id)?;
        unique(&mut seen, &path.key("id"), &lane.id, "lane")?;
        identifier(&path.key("from"), &lane.from)?;
        identifier(&path.key("to"), &lane.to)?;
        if lane.from == lane.to {
            return invalid(
                &path.key("to"),
                "a lane must join two different regions (goods within a region need no lane)",
            );
        }
        let mode = match lane.mode.as_str() {
            "sea" => Mode::Sea,
            "air" => Mode::Air,
            other => {
                return invalid(
                    &path.key("mode"),
                    format!("must be \"sea\" or \"air\", got {other:?}"),
                )
            }
        };
        let default_cost = if mode == Mode::Sea { 1.0 } else { 4.0 };
        lanes.push(LaneParams {
            name: lane.id.clone(),
            from: RegionId(regions.intern(&lane.from)),
            to: RegionId(regions.intern(&lane.to)),
            mode,
            departure_every_days: positive(
                &path.key("departure_every_days"),
                lane.departure_every_days,
                365.0,
            )?,
            capacity_per_departure: number(
                &path.key("capacity_per_departure"),
                lane.capacity_per_departure,
                1.0,
                1e9,
            )?,
            transit_days: days(&path.key("transit_days"), &lane.transit_days, 365.0)?,
            cost_per_unit: number(
                &path.key("cost_per_unit"),
                lane.cost_per_unit.unwrap_or(default_cost),
                0.0,
                1e6,
            )?,
        });
    }
    let connected = |from: RegionId, to: RegionId| {
        from == to || lanes.iter().any(|l| l.from == from && l.to == to)
    };

    let mut project_groups = Vec::new();
    let mut projects = Vec::new();
    let mut seen = HashSet::new();
    for (index, project) in raw.projects.iter().enumerate() {
        let path = FieldPath::root("projects").item(index, &project.id);
        identifier(&path.key("id"), &project.id)?;
        unique(
            &mut seen,
            &path.key("id"),
            &project.id,
            "project or demand curve",
        )?;
        let grid = grid_of(
            &path.key("region"),
            &project.region,
            "a data-centre project",
        )?;
        let construction_start =
            date(&path.key("construction_start"), &project.construction_start)?;
        let planned = within(
            &path.key("planned_go_live"),
            date(&path.key("planned_go_live"), &project.planned_go_live)?,
        )?;
        if planned < construction_start {
            return invalid(
                &path.key("planned_go_live"),
                format!(
                    "must not be before construction_start ({construction_start}), got {planned}"
                ),
            );
        }
        let grid_request = match &project.grid_request {
            Some(value) => date(&path.key("grid_request"), value)?,
            None => construction_start,
        };
        if (start - construction_start).num_days() > 20 * 365
            || (start - grid_request).num_days() > 20 * 365
        {
            return invalid(
                &path.key("construction_start"),
                "dates may lie at most 20 years before the start",
            );
        }
        projects.push(ProjectParams {
            name: project.id.clone(),
            region: RegionId(regions.intern(&project.region)),
            grid,
            it_load_mw: positive(&path.key("it_load_mw"), project.it_load_mw, 1e5)?,
            kw_per_accelerator: positive(
                &path.key("kw_per_accelerator"),
                project.kw_per_accelerator,
                1000.0,
            )?,
            construction_start_day: day_of(construction_start),
            construction_days: days(
                &path.key("construction_days"),
                &project.construction_days,
                MAX_LONG_DAYS,
            )?,
            planned_go_live_day: day_of(planned),
            grid_request_day: day_of(grid_request),
            order_lead_days: number(
                &path.key("order_lead_days"),
                project.order_lead_days.unwrap_or(270.0),
                0.0,
                3650.0,
            )?,
            priority: project.priority.unwrap_or(0),
            phased: project.phased.unwrap_or(false),
            pue: pue(&path.key("pue"), project.pue)?,
        });
        project_groups.push(ProjectGroup {
            name: project.id.clone(),
            region: project.region.clone(),
            planned_go_live: planned,
        });
    }
    let mut demand = Vec::new();
    for (index, curve) in raw.demand.iter().enumerate() {
        let path = FieldPath::root("demand").item(index, &curve.id);
        identifier(&path.key("id"), &curve.id)?;
        unique(
            &mut seen,
            &path.key("id"),
            &curve.id,
            "project or demand curve",
        )?;
        let grid = grid_of(&path.key("region"), &curve.region, "a demand curve")?;
        let last_year = curve.last_year.unwrap_or(end.year());
        if curve.first_year < start.year() || curve.first_year > end.year() {
            return invalid(
                &path.key("first_year"),
                format!(
                    "must be between {} and {}, got {}",
                    start.year(),
                    end.year(),
                    curve.first_year
                ),
            );
        }
        if last_year < curve.first_year || last_year > end.year() {
            return invalid(
                &path.key("last_year"),
                format!(
                    "must be between first_year ({}) and {}, got {last_year}",
                    curve.first_year,
                    end.year()
                ),
            );
        }
        let mut years = Vec::new();
        for year in curve.first_year..=last_year {
            let first = NaiveDate::from_ymd_opt(year, 1, 1)
                .expect("valid year")
                .max(start);
            let next = NaiveDate::from_ymd_opt(year + 1, 1, 1).expect("valid year");
            years.push((
                year,
                day_of(first),
                day_of(next).min(horizon_days),
                project_groups.len(),
            ));
            project_groups.push(ProjectGroup {
                name: format!("{}/{year}", curve.id),
                region: curve.region.clone(),
                planned_go_live: first,
            });
        }
        demand.push(DemandParams {
            name: curve.id.clone(),
            region: RegionId(regions.intern(&curve.region)),
            grid,
            years,
            mw_first_year: number(&path.key("mw_first_year"), curve.mw_first_year, 0.0, 1e6)?,
            growth_per_year: number(
                &path.key("growth_per_year"),
                curve.growth_per_year,
                -0.9,
                5.0,
            )?,
            project_mw: distribution(
                &path.key("project_mw"),
                &curve.project_mw,
                0.0,
                1e5,
                true,
                "a project size in MW",
            )?,
            kw_per_accelerator: positive(
                &path.key("kw_per_accelerator"),
                curve.kw_per_accelerator,
                1000.0,
            )?,
            construction_days: days(
                &path.key("construction_days"),
                &curve.construction_days,
                MAX_LONG_DAYS,
            )?,
            planned_construction_days: number(
                &path.key("planned_construction_days"),
                curve.planned_construction_days,
                0.0,
                MAX_LONG_DAYS,
            )?,
            grid_request_lead_days: number(
                &path.key("grid_request_lead_days"),
                curve.grid_request_lead_days,
                0.0,
                MAX_LONG_DAYS,
            )?,
            order_lead_days: number(
                &path.key("order_lead_days"),
                curve.order_lead_days.unwrap_or(270.0),
                0.0,
                3650.0,
            )?,
            priority: curve.priority.unwrap_or(0),
            phased: curve.phased.unwrap_or(false),
            pue: pue(&path.key("pue"), curve.pue)?,
        });
        if demand.last().is_some_and(|d| d.project_mw.mean() <= 0.0) {
            return invalid(
                &path.key("project_mw"),
                "projects must have a positive mean size",
            );
        }
    }
    let mut installed_base = Vec::new();
    for (index, base) in raw.installed_base.iter().enumerate() {
        let path = FieldPath::root("installed_base").index(index);
        installed_base.push(InstalledBase {
            region: base.region.clone(),
            accelerators: number(&path.key("accelerators"), base.accelerators, 0.0, 1e9)?,
            kw_per_accelerator: positive(
                &path.key("kw_per_accelerator"),
                base.kw_per_accelerator,
                1000.0,
            )?,
            pue: pue(&path.key("pue"), base.pue)?,
        });
    }

    // Routes: every fab's output must reach a packaging site that uses it, every
    // packaging input must be made by a fab that reaches it, and every project's
    // region must be reachable from some packaging site.
    for (index, fab) in fabs.iter().enumerate() {
        let reaches = packaging.iter().any(|s| {
            s.bill_of_materials.iter().any(|(p, _)| *p == fab.product)
                && connected(fab.region, s.region)
        });
        if !reaches {
            let section = if fab.construction.is_some() {
                "fab_constructions"
            } else {
                "fabs"
            };
            let position = if fab.construction.is_some() {
                index - raw.fabs.len()
            } else {
                index
            };
            return invalid(
                &FieldPath::root(section).item(position, &fab.name).key("product"),
                format!(
                    "no packaging site that uses {:?} can be reached from region {:?}: add a lane or a packaging site",
                    products.names[fab.product.0 as usize], regions.names[fab.region.0 as usize]
                ),
            );
        }
    }
    for (index, site) in packaging.iter().enumerate() {
        for (product, _) in &site.bill_of_materials {
            if !fabs
                .iter()
                .any(|f| f.product == *product && connected(f.region, site.region))
            {
                return invalid(
                    &FieldPath::root("packaging")
                        .item(index, &site.name)
                        .key("bill_of_materials")
                        .key(&products.names[product.0 as usize]),
                    format!(
                        "no fab making this input can ship to region {:?}: add a lane",
                        regions.names[site.region.0 as usize]
                    ),
                );
            }
        }
    }
    let reachable = |region: RegionId| packaging.iter().any(|s| connected(s.region, region));
    for (index, project) in projects.iter().enumerate() {
        if !reachable(project.region) {
            return invalid(
                &FieldPath::root("projects")
                    .item(index, &project.name)
                    .key("region"),
                format!(
                    "no lane brings accelerators from any packaging site to {:?}: add a lane",
                    regions.names[project.region.0 as usize]
                ),
            );
        }
    }
    for (index, curve) in demand.iter().enumerate() {
        if !reachable(curve.region) {
            return invalid(
                &FieldPath::root("demand")
                    .item(index, &curve.name)
                    .key("region"),
                format!(
                    "no lane brings accelerators from any packaging site to {:?}: add a lane",
                    regions.names[curve.region.0 as usize]
                ),
            );
        }
    }

    let shocks = shocks(
        raw,
        &Resolved {
            fabs: &fabs,
            packaging: &packaging,
            lanes: &lanes,
            grid_ids: &grid_ids,
            regions: &regions,
            start,
            end,
        },
        &mut project_groups,
    )?;

    Ok(World {
        name: raw.name.clone(),
        start,
        end,
        periods: periods(start, end, months),
        world_electricity_twh,
        utilisation,
        lot_interval_days,
        max_inventory_weeks,
        event_budget,
        policy,
        regions: regions.names,
        products: products.names,
        fabs,
        packaging,
        lanes,
        grids,
        projects,
        demand,
        installed_base,
        shocks,
        project_groups,
    })
}

/// What shocks may refer to, resolved already.
struct Resolved<'a> {
    fabs: &'a [FabParams],
    packaging: &'a [PackagingParams],
    lanes: &'a [LaneParams],
    grid_ids: &'a HashMap<&'a str, GridId>,
    regions: &'a Names,
    start: NaiveDate,
    end: NaiveDate,
}

fn shocks(
    raw: &RawScenario,
    resolved: &Resolved,
    project_groups: &mut Vec<ProjectGroup>,
) -> Check<Vec<ShockParams>> {
    let mut result = Vec::new();
    let mut seen = HashSet::new();
    for (index, shock) in raw.shocks.iter().enumerate() {
        let path = FieldPath::root("shocks").item(index, &shock.id);
        identifier(&path.key("id"), &shock.id)?;
        unique(&mut seen, &path.key("id"), &shock.id, "shock")?;
        let kind = match shock.kind.as_str() {
            "outage" => ShockKind::Outage,
            "lane_disruption" => ShockKind::LaneDisruption,
            "export_control" => ShockKind::ExportControl,
            "grid_moratorium" => ShockKind::GridMoratorium,
            "transformer_crunch" => ShockKind::TransformerCrunch,
            "demand_surge" => ShockKind::DemandSurge,
            other => {
                return invalid(
                    &path.key("kind"),
                    format!(
                        "must be one of \"outage\", \"lane_disruption\", \"export_control\", \"grid_moratorium\", \
                         \"transformer_crunch\", \"demand_surge\"; got {other:?}"
                    ),
                )
            }
        };
        // Fields that do not apply to this kind are mistakes, not silent no-ops.
        let present = [
            ("region", shock.region.is_some()),
            ("site", shock.site.is_some()),
            ("lane", shock.lane.is_some()),
            ("capacity_lost", shock.capacity_lost.is_some()),
            ("recovery", shock.recovery.is_some()),
            ("wip_scrapped", shock.wip_scrapped.is_some()),
            ("added_days", shock.added_days.is_some()),
            ("from_regions", !shock.from_regions.is_empty()),
            ("to_regions", !shock.to_regions.is_empty()),
            ("multiplier", shock.multiplier.is_some()),
            ("extra_mw", shock.extra_mw.is_some()),
            ("demand", shock.demand.is_some()),
        ];
        let allowed: &[&str] = match kind {
            ShockKind::Outage => &[
                "region",
                "site",
                "capacity_lost",
                "recovery",
                "wip_scrapped",
            ],
            ShockKind::LaneDisruption => &["region", "lane", "added_days"],
            ShockKind::ExportControl => &["from_regions", "to_regions"],
            ShockKind::GridMoratorium => &["region"],
            ShockKind::TransformerCrunch => &["region", "multiplier"],
            ShockKind::DemandSurge => &["extra_mw", "demand"],
        };
        for (field, is_present) in present {
            if is_present && !allowed.contains(&field) {
                return invalid(
                    &path.key(field),
                    format!(
                        "does not apply to a {} shock (it takes: {})",
                        kind.label(),
                        allowed.join(", ")
                    ),
                );
            }
        }
        let rate_per_year = number(
            &path.key("rate_per_year"),
            shock.rate_per_year.unwrap_or(0.0),
            0.0,
            365.0,
        )?;
        let mut days = Vec::new();
        for (position, value) in shock.dates.iter().enumerate() {
            let date_path = path.key("dates").index(position);
            let day = date(&date_path, value)?;
            if day < resolved.start || day > resolved.end {
                return invalid(
                    &date_path,
                    format!(
                        "must be within the horizon {} to {}, got {day}",
                        resolved.start, resolved.end
                    ),
                );
            }
            days.push((day - resolved.start).num_days() as f64);
        }
        if rate_per_year == 0.0 && days.is_empty() {
            return invalid(
                &path.key("rate_per_year"),
                "a shock needs rate_per_year > 0, or dates, or both",
            );
        }
        let duration_days = match &shock.duration_days {
            Some(spec) => Some(self::days(&path.key("duration_days"), spec, 36_500.0)?),
            None if kind == ShockKind::ExportControl || kind == ShockKind::DemandSurge => None,
            None => {
                return invalid(
                    &path.key("duration_days"),
                    "is required for this kind of shock (a distribution of days)",
                )
            }
        };
        let region = |what: &str| -> Check<RegionId> {
            match &shock.region {
                Some(name) => resolved
                    .regions
                    .index
                    .get(name.as_str())
                    .map(|&id| RegionId(id))
                    .map_or_else(
                        || {
                            invalid(
                                &path.key("region"),
                                format!("no {what} is in region {name:?}"),
                            )
                        },
                        Ok,
                    ),
                None => invalid(
                    &path.key("region"),
                    format!("a {} shock needs a region", kind.label()),
                ),
            }
        };
        let grids_of_region = || -> Check<Vec<GridId>> {
            let name = shock.region.as_deref().unwrap_or_default();
            match resolved.grid_ids.get(name) {
                Some(&grid) => Ok(vec![grid]),
                None => invalid(
                    &path.key("region"),
                    format!("{name:?} is not a grid region"),
                ),
            }
        };
        let effect = match kind {
            ShockKind::Outage => {
                let (fabs, sites) = match (&shock.site, &shock.region) {
                    (Some(site), None) => {
                        let fab = resolved.fabs.iter().position(|f| &f.name == site);
                        let pack = resolved.packaging.iter().position(|p| &p.name == site);
                        match (fab, pack) {
                            (Some(i), _) => (vec![FabId(i as u32)], vec![]),
                            (None, Some(i)) => (vec![], vec![SiteId(i as u32)]),
                            (None, None) => {
                                return invalid(
                                    &path.key("site"),
                                    format!("no fab or packaging site has id {site:?}"),
                                )
                            }
                        }
                    }
                    (None, Some(_)) => {
                        let region = region("fab or packaging site")?;
                        let fabs: Vec<FabId> = (0..resolved.fabs.len())
                            .filter(|&i| resolved.fabs[i].region == region)
                            .map(|i| FabId(i as u32))
                            .collect();
                        let sites: Vec<SiteId> = (0..resolved.packaging.len())
                            .filter(|&i| resolved.packaging[i].region == region)
                            .map(|i| SiteId(i as u32))
                            .collect();
                        if fabs.is_empty() && sites.is_empty() {
                            return invalid(
                                &path.key("region"),
                                "no fab or packaging site stands in this region",
                            );
                        }
                        (fabs, sites)
                    }
                    _ => {
                        return invalid(
                            &path.key("site"),
                            "an outage needs exactly one of `site` or `region`",
                        )
                    }
                };
                let linear = match shock.recovery.as_deref() {
                    None | Some("linear") => true,
                    Some("step") => false,
                    Some(other) => {
                        return invalid(
                            &path.key("recovery"),
                            format!("must be \"linear\" or \"step\", got {other:?}"),
                        )
                    }
                };
                ShockEffect::Outage {
                    fabs,
                    sites,
                    capacity_lost: match &shock.capacity_lost {
                        Some(spec) => fraction(&path.key("capacity_lost"), spec)?,
                        None => Distribution::Fixed(1.0),
                    },
                    linear,
                    wip_scrapped: match &shock.wip_scrapped {
                        Some(spec) => fraction(&path.key("wip_scrapped"), spec)?,
                        None => Distribution::Fixed(0.0),
                    },
                }
            }
            ShockKind::LaneDisruption => {
                let lanes: Vec<LaneId> = match (&shock.lane, &shock.region) {
                    (Some(lane), None) => match resolved.lanes.iter().position(|l| &l.name == lane)
                    {
                        Some(i) => vec![LaneId(i as u32)],
                        None => {
                            return invalid(&path.key("lane"), format!("no lane has id {lane:?}"))
                        }
                    },
                    (None, Some(_)) => {
                        let region = region("lane")?;
                        let lanes: Vec<LaneId> = (0..resolved.lanes.len())
                            .filter(|&i| {
                                resolved.lanes[i].from == region || resolved.lanes[i].to == region
                            })
                            .map(|i| LaneId(i as u32))
                            .collect();
                        if lanes.is_empty() {
                            return invalid(
                                &path.key("region"),
                                "no lane starts or ends in this region",
                            );
                        }
                        lanes
                    }
                    _ => {
                        return invalid(
                            &path.key("lane"),
                            "a lane disruption needs exactly one of `lane` or `region`",
                        )
                    }
                };
                let added_days = match &shock.added_days {
                    Some(spec) => Some(self::days(&path.key("added_days"), spec, 365.0)?),
                    None => None,
                };
                ShockEffect::LaneDisruption { lanes, added_days }
            }
            ShockKind::ExportControl => {
                let resolve = |key: &str, names: &[String]| -> Check<Vec<RegionId>> {
                    if names.is_empty() {
                        return invalid(
                            &path.key(key),
                            "an export control needs at least one region here",
                        );
                    }
                    names
                        .iter()
                        .enumerate()
                        .map(|(i, name)| {
                            resolved.regions.index.get(name.as_str()).map(|&id| RegionId(id)).map_or_else(
                                || invalid(&path.key(key).index(i), format!("no site, lane or grid region is in region {name:?}")),
                                Ok,
                            )
                        })
                        .collect()
                };
                ShockEffect::ExportControl {
                    from: resolve("from_regions", &shock.from_regions)?,
                    to: resolve("to_regions", &shock.to_regions)?,
                }
            }
            ShockKind::GridMoratorium => ShockEffect::GridMoratorium {
                grids: grids_of_region()?,
            },
            ShockKind::TransformerCrunch => ShockEffect::TransformerCrunch {
                grids: grids_of_region()?,
                multiplier: match &shock.multiplier {
                    Some(spec) => distribution(
                        &path.key("multiplier"),
                        spec,
                        1.0,
                        20.0,
                        true,
                        "a multiplier",
                    )?,
                    None => {
                        return invalid(
                            &path.key("multiplier"),
                            "a transformer crunch needs a multiplier (e.g. 2)",
                        )
                    }
                },
            },
            ShockKind::DemandSurge => {
                let Some(name) = &shock.demand else {
                    return invalid(
                        &path.key("demand"),
                        "a demand surge names the demand curve its projects follow",
                    );
                };
                let Some(demand) = raw.demand.iter().position(|d| &d.id == name) else {
                    return invalid(
                        &path.key("demand"),
                        format!("no demand curve has id {name:?}"),
                    );
                };
                let extra_mw = match &shock.extra_mw {
                    Some(spec) => {
                        distribution(&path.key("extra_mw"), spec, 0.0, 1e5, true, "extra MW")?
                    }
                    None => return invalid(&path.key("extra_mw"), "a demand surge needs extra_mw"),
                };
                project_groups.push(ProjectGroup {
                    name: format!("surge/{}", shock.id),
                    region: raw.demand[demand].region.clone(),
                    planned_go_live: resolved.start,
                });
                ShockEffect::DemandSurge {
                    demand,
                    extra_mw,
                    group: project_groups.len() - 1,
                }
            }
        };
        result.push(ShockParams {
            name: shock.id.clone(),
            kind,
            rate_per_year,
            days,
            duration_days,
            effect,
        });
    }
    Ok(result)
}
