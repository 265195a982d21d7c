//! From the file as written to the model's parameters: every number checked against
//! its allowed range, every date inside the horizon, every id unique and every
//! reference resolved, with routes from fabs to packaging and from packaging to every
//! project. The first problem found is returned with the path of its field.

use std::collections::{HashMap, HashSet};

use chrono::{Datelike, NaiveDate};
use toml::value::Datetime;

use crate::distribution::{Distribution, DistributionSpec};
use crate::model::{
    CapacitySchedule, DemandParams, FabConstruction, FabParams, GridId, GridParams, InstalledBase,
    LaneId, LaneParams, Mode, PackagingParams, Policy, ProductId, ProjectParams, RegionId,
    ShockEffect, ShockKind, ShockParams, World,
};
use crate::replication::{Period, ProjectGroup};

use super::fields::{is_name, Absent, Field, Kind, Range, NAME_RULE};
use super::locate::FieldPath;
use super::raw::{
    RawAllocator, RawCapacityPoint, RawDemand, RawFab, RawFabConstruction, RawGridRegion,
    RawInstalledBase, RawLane, RawPackaging, RawPower, RawProject, RawScenario, RawShock,
};

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

/// `value` checked against `range`.
fn in_range(path: &FieldPath, value: f64, range: Range) -> Check<f64> {
    if value.is_finite() && range.contains(value) {
        return Ok(value);
    }
    let allowed = range.describe();
    let wanted = match (value.is_finite(), allowed.is_empty()) {
        (true, _) => allowed,
        (false, true) => "a finite number".to_string(),
        (false, false) => format!("a finite number {allowed}"),
    };
    invalid(path, format!("must be {wanted}, got {value}"))
}

/// The value of `field` in the table at `parent`, checked against the field's range.
fn number(parent: &FieldPath, field: &Field, value: f64) -> Check<f64> {
    in_range(&parent.key(field.name), value, field.range)
}

/// As [`number`], with the field's default when the value was left out.
fn number_or_default(parent: &FieldPath, field: &Field, written: Option<f64>) -> Check<f64> {
    match written.or(field.if_absent.number()) {
        Some(value) => number(parent, field, value),
        None => invalid(&parent.key(field.name), "is required"),
    }
}

/// A distribution whose values lie within the field's range; where the field allows an
/// open tail, an unbounded upper tail (lognormal, gamma, …) is allowed as long as its
/// mean is within range.
fn distribution(parent: &FieldPath, field: &Field, spec: &DistributionSpec) -> Check<Distribution> {
    let path = parent.key(field.name);
    let (noun, open_tail) = match field.kind {
        Kind::Distribution { noun, open_tail } => (noun, open_tail),
        _ => ("a value", false),
    };
    let Range { min, max, .. } = field.range;
    let built = spec.build().or_else(|e| invalid(&path, e.to_string()))?;
    let (low, high) = (built.support_min(), built.support_max());
    let upper_ok = high <= max || (open_tail && high.is_infinite() && built.mean() <= max);
    if low < min || !upper_ok {
        let hint = if low < min && matches!(built, Distribution::TruncatedNormal { .. }) {
            format!(" (add `min = {min}` to the normal)")
        } else {
            String::new()
        };
        return invalid(
            &path,
            format!("{noun} must stay between {min} and {max}, but this distribution ranges over [{low}, {high}]{hint}"),
        );
    }
    Ok(built)
}

/// As [`distribution`], with the field's default (a fixed value) when left out.
fn distribution_or_default(
    parent: &FieldPath,
    field: &Field,
    written: Option<&DistributionSpec>,
) -> Check<Distribution> {
    match (written, field.if_absent.number()) {
        (Some(spec), _) => distribution(parent, field, spec),
        (None, Some(value)) => Ok(Distribution::Fixed(value)),
        (None, None) => invalid(&parent.key(field.name), "is required"),
    }
}

/// A whole number written, or the field's default when left out.
fn integer_or_default(parent: &FieldPath, field: &Field, written: Option<i64>) -> Check<i64> {
    match written {
        Some(value) => number(parent, field, value as f64).map(|_| value),
        None => number_or_default(parent, field, None).map(|value| value as i64),
    }
}

/// A flag, or the field's default when left out.
fn flag(field: &Field, written: Option<bool>) -> bool {
    written.unwrap_or(field.if_absent == Absent::Flag(true))
}

/// One of the field's words (its default when left out), turned into the model's value
/// by `parse`; an unknown word names the allowed ones and the nearest of them.
fn choice<T>(
    parent: &FieldPath,
    field: &Field,
    written: Option<&str>,
    parse: fn(&str) -> Option<T>,
) -> Check<T> {
    let path = parent.key(field.name);
    let Some(word) = written.or(field.if_absent.word()) else {
        return invalid(&path, "is required");
    };
    if let Some(value) = parse(word) {
        return Ok(value);
    }
    let words: Vec<&str> = field.words().iter().map(|w| w.word).collect();
    let quoted: Vec<String> = words.iter().map(|w| format!("{w:?}")).collect();
    let allowed = match quoted.split_last() {
        Some((last, [])) => last.clone(),
        Some((last, rest)) => format!("{} or {last}", rest.join(", ")),
        None => String::new(),
    };
    let hint = super::nearest(word, words)
        .map(|nearest| format!(" (did you mean `{nearest}`?)"))
        .unwrap_or_default();
    invalid(&path, format!("must be {allowed}, got {word:?}{hint}"))
}

fn report_period_months(word: &str) -> Option<u32> {
    match word {
        "month" => Some(1),
        "quarter" => Some(3),
        _ => None,
    }
}

fn policy(word: &str) -> Option<Policy> {
    match word {
        "first_come" => Some(Policy::FirstCome),
        "priority" => Some(Policy::Priority),
        "pro_rata" => Some(Policy::ProRata),
        _ => None,
    }
}

fn mode(word: &str) -> Option<Mode> {
    match word {
        "sea" => Some(Mode::Sea),
        "air" => Some(Mode::Air),
        _ => None,
    }
}

fn shock_kind(word: &str) -> Option<ShockKind> {
    match word {
        "outage" => Some(ShockKind::Outage),
        "lane_disruption" => Some(ShockKind::LaneDisruption),
        "export_control" => Some(ShockKind::ExportControl),
        "grid_moratorium" => Some(ShockKind::GridMoratorium),
        "transformer_crunch" => Some(ShockKind::TransformerCrunch),
        "demand_surge" => Some(ShockKind::DemandSurge),
        _ => None,
    }
}

/// Whether an outage recovers linearly (else in one step at the end).
fn linear_recovery(word: &str) -> Option<bool> {
    match word {
        "linear" => Some(true),
        "step" => Some(false),
        _ => None,
    }
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
    if is_name(id) {
        Ok(())
    } else {
        invalid(path, format!("must be {NAME_RULE}; got {id:?}"))
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

/// A site's capacity schedule: `initial` at the start, then `points`, each within the
/// range of the site's capacity field.
fn schedule(
    path: &FieldPath,
    initial: f64,
    points: &[RawCapacityPoint],
    start: NaiveDate,
    capacity: &Field,
) -> Check<CapacitySchedule> {
    let mut resolved = Vec::with_capacity(points.len());
    let mut previous: Option<NaiveDate> = None;
    for (index, point) in points.iter().enumerate() {
        let point_path = path.index(index);
        let date_path = point_path.key(RawCapacityPoint::DATE.name);
        let day = date(&date_path, &point.date)?;
        if previous.is_some_and(|p| day <= p) {
            return invalid(
                &date_path,
                "capacity_schedule dates must increase from one point to the next",
            );
        }
        previous = Some(day);
        let value = in_range(
            &point_path.key(RawCapacityPoint::PER_WEEK.name),
            point.per_week,
            capacity.range,
        )?;
        resolved.push((
            (day - start).num_days() as f64 + crate::model::DEFAULT_WARM_UP_DAYS,
            value,
        ));
    }
    Ok(CapacitySchedule::new(
        initial,
        crate::model::DEFAULT_WARM_UP_DAYS,
        resolved,
    ))
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
    let top = FieldPath::default();
    identifier(&top.key(RawScenario::NAME.name), &raw.name)?;
    let start = date(&top.key(RawScenario::START.name), &raw.start)?;
    let end_path = top.key(RawScenario::END.name);
    let end = date(&end_path, &raw.end)?;
    if end <= start {
        return invalid(
            &end_path,
            format!("must be after start ({start}), got {end}"),
        );
    }
    if end.year() - start.year() > MAX_HORIZON_YEARS {
        return invalid(
            &end_path,
            format!("the horizon may span at most {MAX_HORIZON_YEARS} years, got {start} to {end}"),
        );
    }
    let horizon_days = (end - start).num_days() as f64 + 1.0 + crate::model::DEFAULT_WARM_UP_DAYS;
    let warm_up_days = crate::model::DEFAULT_WARM_UP_DAYS;
    let day_of = |d: NaiveDate| (d - start).num_days() as f64 + warm_up_days;
    let within = |path: &FieldPath, d: NaiveDate| -> Check<NaiveDate> {
        if d < start || d > end {
            return invalid(
                path,
                format!("must be within the horizon {start} to {end}, got {d}"),
            );
        }
        Ok(d)
    };
    let months = choice(
        &top,
        &RawScenario::REPORT_PERIOD,
        raw.report_period.as_deref(),
        report_period_months,
    )?;
    let world_electricity_twh = number(
        &top,
        &RawScenario::WORLD_ELECTRICITY_TWH,
        raw.world_electricity_twh,
    )?;
    if let Some(replications) = raw.replications {
        number(&top, &RawScenario::REPLICATIONS, replications as f64)?;
    }
    let event_budget = match raw.event_budget {
        Some(budget) => {
            number(&top, &RawScenario::EVENT_BUDGET, budget as f64)?;
            budget
        }
        None => number_or_default(&top, &RawScenario::EVENT_BUDGET, None)? as u64,
    };
    let lot_interval_days =
        number_or_default(&top, &RawScenario::LOT_INTERVAL_DAYS, raw.lot_interval_days)?;

    let power_path = top.key(RawScenario::POWER.name);
    let power = raw.power.as_ref();
    let pue_default = number_or_default(&power_path, &RawPower::PUE, power.and_then(|p| p.pue))?;
    let utilisation = number_or_default(
        &power_path,
        &RawPower::UTILISATION,
        power.and_then(|p| p.utilisation),
    )?;
    let policy = choice(
        &top.key(RawScenario::ALLOCATOR.name),
        &RawAllocator::POLICY,
        raw.allocator.as_ref().and_then(|a| a.policy.as_deref()),
        policy,
    )?;
    // A site's own PUE, or the `[power]` one.
    let pue = |parent: &FieldPath, field: &Field, value: Option<f64>| {
        value.map_or(Ok(pue_default), |v| number(parent, field, v))
    };

    let mut regions = Names::default();
    let mut products = Names::default();

    // Grid regions first: projects and constructions refer to them.
    let mut grid_ids = HashMap::new();
    let mut grids = Vec::new();
    let mut seen = HashSet::new();
    for (index, grid) in raw.grid_regions.iter().enumerate() {
        let path = top
            .key(RawScenario::GRID_REGIONS.name)
            .item(index, &grid.id);
        let id_path = path.key(RawGridRegion::ID.name);
        identifier(&id_path, &grid.id)?;
        unique(&mut seen, &id_path, &grid.id, "grid region")?;
        regions.intern(&grid.id);
        grid_ids.insert(grid.id.as_str(), GridId(index as u32));
        grids.push(GridParams {
            name: grid.id.clone(),
            spare_mw: number(&path, &RawGridRegion::SPARE_MW, grid.spare_mw)?,
            capacity_added_mw_per_year: number(
                &path,
                &RawGridRegion::CAPACITY_ADDED_MW_PER_YEAR,
                grid.capacity_added_mw_per_year,
            )?,
            study_days: distribution(&path, &RawGridRegion::STUDY_DAYS, &grid.study_days)?,
            transformer_lead_days: distribution(
                &path,
                &RawGridRegion::TRANSFORMER_LEAD_DAYS,
                &grid.transformer_lead_days,
            )?,
            withdrawal_share: Distribution::Fixed(0.0),
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
        let path = top.key(RawScenario::FABS.name).item(index, &fab.id);
        let id_path = path.key(RawFab::ID.name);
        identifier(&id_path, &fab.id)?;
        unique(&mut seen, &id_path, &fab.id, "fab or fab construction")?;
        identifier(&path.key(RawFab::REGION.name), &fab.region)?;
        identifier(&path.key(RawFab::PRODUCT.name), &fab.product)?;
        let initial = number(
            &path,
            &RawFab::WAFER_STARTS_PER_WEEK,
            fab.wafer_starts_per_week,
        )?;
        fabs.push(FabParams {
            name: fab.id.clone(),
            region: RegionId(regions.intern(&fab.region)),
            product: ProductId(products.intern(&fab.product)),
            capacity: schedule(
                &path.key(RawFab::CAPACITY_SCHEDULE.name),
                initial,
                &fab.capacity_schedule,
                start,
                &RawFab::WAFER_STARTS_PER_WEEK,
            )?,
            cycle_time_days: distribution(&path, &RawFab::CYCLE_TIME_DAYS, &fab.cycle_time_days)?,
            dies_per_wafer: number(&path, &RawFab::DIES_PER_WAFER, fab.dies_per_wafer)?,
            yield_fraction: distribution(&path, &RawFab::YIELD, &fab.yield_fraction)?,
            construction: None,
        });
    }
    for (index, build) in raw.fab_constructions.iter().enumerate() {
        let path = top
            .key(RawScenario::FAB_CONSTRUCTIONS.name)
            .item(index, &build.id);
        let id_path = path.key(RawFabConstruction::ID.name);
        identifier(&id_path, &build.id)?;
        unique(&mut seen, &id_path, &build.id, "fab or fab construction")?;
        identifier(&path.key(RawFabConstruction::PRODUCT.name), &build.product)?;
        let grid = if flag(&RawFabConstruction::POWER_SECURED, build.power_secured) {
            None
        } else {
            Some(grid_of(
                &path.key(RawFabConstruction::REGION.name),
                &build.region,
                "a fab construction without power_secured",
            )?)
        };
        let full = number(
            &path,
            &RawFabConstruction::WAFER_STARTS_PER_WEEK,
            build.wafer_starts_per_week,
        )?;
        let start_path = path.key(RawFabConstruction::START.name);
        let start_date = within(&start_path, date(&start_path, &build.start)?)?;
        fabs.push(FabParams {
            name: build.id.clone(),
            region: RegionId(regions.intern(&build.region)),
            product: ProductId(products.intern(&build.product)),
            capacity: CapacitySchedule::new(full, crate::model::DEFAULT_WARM_UP_DAYS, Vec::new()),
            cycle_time_days: distribution(
                &path,
                &RawFabConstruction::CYCLE_TIME_DAYS,
                &build.cycle_time_days,
            )?,
            dies_per_wafer: number(
                &path,
                &RawFabConstruction::DIES_PER_WAFER,
                build.dies_per_wafer,
            )?,
            yield_fraction: distribution(&path, &RawFabConstruction::YIELD, &build.yield_fraction)?,
            construction: Some(FabConstruction {
                start_day: day_of(start_date),
                construction_days: distribution(
                    &path,
                    &RawFabConstruction::CONSTRUCTION_DAYS,
                    &build.construction_days,
                )?,
                power_mw: number(&path, &RawFabConstruction::POWER_MW, build.power_mw)?,
                grid,
                ramp_days: number_or_default(
                    &path,
                    &RawFabConstruction::RAMP_DAYS,
                    build.ramp_days,
                )?,
                cost_billion_usd: number_or_default(
                    &path,
                    &RawFabConstruction::COST_BILLION_USD,
                    build.cost_billion_usd,
                )?,
            }),
        });
    }

    let mut packaging = Vec::new();
    let mut seen = HashSet::new();
    for (index, site) in raw.packaging.iter().enumerate() {
        let path = top.key(RawScenario::PACKAGING.name).item(index, &site.id);
        let id_path = path.key(RawPackaging::ID.name);
        identifier(&id_path, &site.id)?;
        unique(&mut seen, &id_path, &site.id, "packaging site")?;
        identifier(&path.key(RawPackaging::REGION.name), &site.region)?;
        let bill_path = path.key(RawPackaging::BILL_OF_MATERIALS.name);
        if site.bill_of_materials.is_empty() {
            return invalid(
                &bill_path,
                "needs at least one input, e.g. { logic = 2, hbm = 8 }",
            );
        }
        let mut bill = Vec::new();
        for (product, &count) in &site.bill_of_materials {
            let count_path = bill_path.key(product);
            if !products.index.contains_key(product.as_str()) {
                let made: Vec<&str> = products.names.iter().map(String::as_str).collect();
                return invalid(
                    &count_path,
                    format!("no fab makes {product:?}; fabs make: {}", made.join(", ")),
                );
            }
            let count = in_range(&count_path, count, RawPackaging::BILL_OF_MATERIALS.range)?;
            if count.fract() != 0.0 {
                return invalid(
                    &count_path,
                    format!("must be a whole number of units per accelerator, got {count}"),
                );
            }
            bill.push((ProductId(products.intern(product)), count as u64));
        }
        let initial = number(
            &path,
            &RawPackaging::ACCELERATORS_PER_WEEK,
            site.accelerators_per_week,
        )?;
        packaging.push(PackagingParams {
            name: site.id.clone(),
            region: RegionId(regions.intern(&site.region)),
            capacity: schedule(
                &path.key(RawPackaging::CAPACITY_SCHEDULE.name),
                initial,
                &site.capacity_schedule,
                start,
                &RawPackaging::ACCELERATORS_PER_WEEK,
            )?,
            bill_of_materials: bill,
            cycle_time_days: distribution(
                &path,
                &RawPackaging::CYCLE_TIME_DAYS,
                &site.cycle_time_days,
            )?,
            yield_fraction: distribution_or_default(
                &path,
                &RawPackaging::YIELD,
                site.yield_fraction.as_ref(),
            )?,
        });
    }

    let mut lanes = Vec::new();
    let mut seen = HashSet::new();
    for (index, lane) in raw.lanes.iter().enumerate() {
        let path = top.key(RawScenario::LANES.name).item(index, &lane.id);
        let id_path = path.key(RawLane::ID.name);
        identifier(&id_path, &lane.id)?;
        unique(&mut seen, &id_path, &lane.id, "lane")?;
        identifier(&path.key(RawLane::FROM.name), &lane.from)?;
        let to_path = path.key(RawLane::TO.name);
        identifier(&to_path, &lane.to)?;
        if lane.from == lane.to {
            return invalid(
                &to_path,
                "a lane must join two different regions (goods within a region need no lane)",
            );
        }
        let mode = choice(&path, &RawLane::MODE, Some(&lane.mode), mode)?;
        // The field table describes this default as "sea 1, air 4".
        let default_cost = if mode == Mode::Sea { 1.0 } else { 4.0 };
        lanes.push(LaneParams {
            name: lane.id.clone(),
            from: RegionId(regions.intern(&lane.from)),
            to: RegionId(regions.intern(&lane.to)),
            mode,
            departure_every_days: number(
                &path,
                &RawLane::DEPARTURE_EVERY_DAYS,
                lane.departure_every_days,
            )?,
            capacity_per_departure: number(
                &path,
                &RawLane::CAPACITY_PER_DEPARTURE,
                lane.capacity_per_departure,
            )?,
            transit_days: distribution(&path, &RawLane::TRANSIT_DAYS, &lane.transit_days)?,
            cost_per_unit: number(
                &path,
                &RawLane::COST_PER_UNIT,
                lane.cost_per_unit.unwrap_or(default_cost),
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
        let path = top.key(RawScenario::PROJECTS.name).item(index, &project.id);
        let id_path = path.key(RawProject::ID.name);
        identifier(&id_path, &project.id)?;
        unique(&mut seen, &id_path, &project.id, "project or demand curve")?;
        let grid = grid_of(
            &path.key(RawProject::REGION.name),
            &project.region,
            "a data-centre project",
        )?;
        let construction_start_path = path.key(RawProject::CONSTRUCTION_START.name);
        let construction_start = date(&construction_start_path, &project.construction_start)?;
        let planned_path = path.key(RawProject::PLANNED_GO_LIVE.name);
        let planned = within(
            &planned_path,
            date(&planned_path, &project.planned_go_live)?,
        )?;
        if planned < construction_start {
            return invalid(
                &planned_path,
                format!(
                    "must not be before construction_start ({construction_start}), got {planned}"
                ),
            );
        }
        let grid_request = match &project.grid_request {
            Some(value) => date(&path.key(RawProject::GRID_REQUEST.name), value)?,
            None => construction_start,
        };
        if (start - construction_start).num_days() > 20 * 365
            || (start - grid_request).num_days() > 20 * 365
        {
            return invalid(
                &construction_start_path,
                "dates may lie at most 20 years before the start",
            );
        }
        projects.push(ProjectParams {
            name: project.id.clone(),
            region: RegionId(regions.intern(&project.region)),
            grid,
            it_load_mw: number(&path, &RawProject::IT_LOAD_MW, project.it_load_mw)?,
            kw_per_accelerator: number(
                &path,
                &RawProject::KW_PER_ACCELERATOR,
                project.kw_per_accelerator,
            )?,
            construction_start_day: day_of(construction_start),
            construction_days: distribution(
                &path,
                &RawProject::CONSTRUCTION_DAYS,
                &project.construction_days,
            )?,
            planned_go_live_day: day_of(planned),
            grid_request_day: day_of(grid_request),
            buyer: crate::model::BuyerParams::calm(number_or_default(
                &path,
                &RawProject::ORDER_LEAD_DAYS,
                project.order_lead_days,
            )?),
            priority: integer_or_default(&path, &RawProject::PRIORITY, project.priority)?,
            phased: flag(&RawProject::PHASED, project.phased),
            pue: pue(&path, &RawProject::PUE, project.pue)?,
            group: index,
        });
        project_groups.push(ProjectGroup {
            name: project.id.clone(),
            region: project.region.clone(),
            planned_go_live: planned,
        });
    }
    let mut demand = Vec::new();
    for (index, curve) in raw.demand.iter().enumerate() {
        let path = top.key(RawScenario::DEMAND.name).item(index, &curve.id);
        let id_path = path.key(RawDemand::ID.name);
        identifier(&id_path, &curve.id)?;
        unique(&mut seen, &id_path, &curve.id, "project or demand curve")?;
        let grid = grid_of(
            &path.key(RawDemand::REGION.name),
            &curve.region,
            "a demand curve",
        )?;
        let last_year = curve.last_year.unwrap_or(end.year());
        if curve.first_year < start.year() || curve.first_year > end.year() {
            return invalid(
                &path.key(RawDemand::FIRST_YEAR.name),
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
                &path.key(RawDemand::LAST_YEAR.name),
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
            mw_first_year: number(&path, &RawDemand::MW_FIRST_YEAR, curve.mw_first_year)?,
            growth_per_year: number(&path, &RawDemand::GROWTH_PER_YEAR, curve.growth_per_year)?,
            project_mw: distribution(&path, &RawDemand::PROJECT_MW, &curve.project_mw)?,
            kw_per_accelerator: number(
                &path,
                &RawDemand::KW_PER_ACCELERATOR,
                curve.kw_per_accelerator,
            )?,
            construction_days: distribution(
                &path,
                &RawDemand::CONSTRUCTION_DAYS,
                &curve.construction_days,
            )?,
            plan: crate::model::PlanRule::Fixed {
                construction_days: number(
                    &path,
                    &RawDemand::PLANNED_CONSTRUCTION_DAYS,
                    curve.planned_construction_days,
                )?,
                grid_request_days: number(
                    &path,
                    &RawDemand::GRID_REQUEST_LEAD_DAYS,
                    curve.grid_request_lead_days,
                )?,
            },
            buyer: crate::model::BuyerParams::calm(number_or_default(
                &path,
                &RawDemand::ORDER_LEAD_DAYS,
                curve.order_lead_days,
            )?),
            priority: integer_or_default(&path, &RawDemand::PRIORITY, curve.priority)?,
            phased: flag(&RawDemand::PHASED, curve.phased),
            pue: pue(&path, &RawDemand::PUE, curve.pue)?,
        });
        if demand.last().is_some_and(|d| d.project_mw.mean() <= 0.0) {
            return invalid(
                &path.key(RawDemand::PROJECT_MW.name),
                "projects must have a positive mean size",
            );
        }
    }
    let mut installed_base = Vec::new();
    for (index, base) in raw.installed_base.iter().enumerate() {
        let path = top.key(RawScenario::INSTALLED_BASE.name).index(index);
        installed_base.push(InstalledBase {
            region: RegionId(regions.intern(&base.region)),
            accelerators: number(&path, &RawInstalledBase::ACCELERATORS, base.accelerators)?,
            kw_per_accelerator: number(
                &path,
                &RawInstalledBase::KW_PER_ACCELERATOR,
                base.kw_per_accelerator,
            )?,
            pue: pue(&path, &RawInstalledBase::PUE, base.pue)?,
            refresh: None,
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
                RawScenario::FAB_CONSTRUCTIONS.name
            } else {
                RawScenario::FABS.name
            };
            let position = if fab.construction.is_some() {
                index - raw.fabs.len()
            } else {
                index
            };
            return invalid(
                &top.key(section)
                    .item(position, &fab.name)
                    .key(RawFab::PRODUCT.name),
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
                    &top.key(RawScenario::PACKAGING.name)
                        .item(index, &site.name)
                        .key(RawPackaging::BILL_OF_MATERIALS.name)
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
                &top.key(RawScenario::PROJECTS.name)
                    .item(index, &project.name)
                    .key(RawProject::REGION.name),
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
                &top.key(RawScenario::DEMAND.name)
                    .item(index, &curve.name)
                    .key(RawDemand::REGION.name),
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
        start_day: warm_up_days,
        power_equipment: Vec::new(),
        planning: crate::model::PlanningParams::default(),
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
        let path = FieldPath::root(RawScenario::SHOCKS.name).item(index, &shock.id);
        let id_path = path.key(RawShock::ID.name);
        identifier(&id_path, &shock.id)?;
        unique(&mut seen, &id_path, &shock.id, "shock")?;
        let kind = choice(&path, &RawShock::KIND, Some(&shock.kind), shock_kind)?;
        // Fields that do not apply to this kind are mistakes, not silent no-ops.
        let present = [
            (RawShock::REGION, shock.region.is_some()),
            (RawShock::SITE, shock.site.is_some()),
            (RawShock::LANE, shock.lane.is_some()),
            (RawShock::CAPACITY_LOST, shock.capacity_lost.is_some()),
            (RawShock::RECOVERY, shock.recovery.is_some()),
            (RawShock::WIP_SCRAPPED, shock.wip_scrapped.is_some()),
            (RawShock::ADDED_DAYS, shock.added_days.is_some()),
            (RawShock::FROM_REGIONS, !shock.from_regions.is_empty()),
            (RawShock::TO_REGIONS, !shock.to_regions.is_empty()),
            (RawShock::MULTIPLIER, shock.multiplier.is_some()),
            (RawShock::EXTRA_MW, shock.extra_mw.is_some()),
            (RawShock::DEMAND, shock.demand.is_some()),
        ];
        let allowed: &[Field] = match kind {
            ShockKind::Outage => &[
                RawShock::REGION,
                RawShock::SITE,
                RawShock::CAPACITY_LOST,
                RawShock::RECOVERY,
                RawShock::WIP_SCRAPPED,
            ],
            ShockKind::LaneDisruption => &[RawShock::REGION, RawShock::LANE, RawShock::ADDED_DAYS],
            ShockKind::ExportControl => &[RawShock::FROM_REGIONS, RawShock::TO_REGIONS],
            ShockKind::GridMoratorium => &[RawShock::REGION],
            ShockKind::TransformerCrunch => &[RawShock::REGION, RawShock::MULTIPLIER],
            ShockKind::DemandSurge => &[RawShock::EXTRA_MW, RawShock::DEMAND],
        };
        let allowed: Vec<&str> = allowed.iter().map(|field| field.name).collect();
        for (field, is_present) in present {
            if is_present && !allowed.contains(&field.name) {
                return invalid(
                    &path.key(field.name),
                    format!(
                        "does not apply to a {} shock (it takes: {})",
                        kind.label(),
                        allowed.join(", ")
                    ),
                );
            }
        }
        let rate_per_year =
            number_or_default(&path, &RawShock::RATE_PER_YEAR, shock.rate_per_year)?;
        let mut days = Vec::new();
        for (position, value) in shock.dates.iter().enumerate() {
            let date_path = path.key(RawShock::DATES.name).index(position);
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
            days.push(
                (day - resolved.start).num_days() as f64 + crate::model::DEFAULT_WARM_UP_DAYS,
            );
        }
        if rate_per_year == 0.0 && days.is_empty() {
            return invalid(
                &path.key(RawShock::RATE_PER_YEAR.name),
                "a shock needs rate_per_year > 0, or dates, or both",
            );
        }
        let duration_days = match &shock.duration_days {
            Some(spec) => Some(distribution(&path, &RawShock::DURATION_DAYS, spec)?),
            None if kind == ShockKind::ExportControl || kind == ShockKind::DemandSurge => None,
            None => {
                return invalid(
                    &path.key(RawShock::DURATION_DAYS.name),
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
                                &path.key(RawShock::REGION.name),
                                format!("no {what} is in region {name:?}"),
                            )
                        },
                        Ok,
                    ),
                None => invalid(
                    &path.key(RawShock::REGION.name),
                    format!("a {} shock needs a region", kind.label()),
                ),
            }
        };
        let grids_of_region = || -> Check<Vec<GridId>> {
            let name = shock.region.as_deref().unwrap_or_default();
            match resolved.grid_ids.get(name) {
                Some(&grid) => Ok(vec![grid]),
                None => invalid(
                    &path.key(RawShock::REGION.name),
                    format!("{name:?} is not a grid region"),
                ),
            }
        };
        let effect = match kind {
            ShockKind::Outage => {
                let all = crate::model::producers(resolved.fabs, resolved.packaging, &[]);
                let producers = match (&shock.site, &shock.region) {
                    (Some(site), None) => match all.iter().find(|p| p.1 == site) {
                        Some(p) => vec![p.0],
                        None => {
                            return invalid(
                                &path.key(RawShock::SITE.name),
                                format!("no fab or packaging site has id {site:?}"),
                            )
                        }
                    },
                    (None, Some(_)) => {
                        let region = region("fab or packaging site")?;
                        let hit: Vec<_> =
                            all.iter().filter(|p| p.2 == region).map(|p| p.0).collect();
                        if hit.is_empty() {
                            return invalid(
                                &path.key(RawShock::REGION.name),
                                "no fab or packaging site stands in this region",
                            );
                        }
                        hit
                    }
                    _ => {
                        return invalid(
                            &path.key(RawShock::SITE.name),
                            "an outage needs exactly one of `site` or `region`",
                        )
                    }
                };
                ShockEffect::Outage {
                    producers,
                    capacity_lost: distribution_or_default(
                        &path,
                        &RawShock::CAPACITY_LOST,
                        shock.capacity_lost.as_ref(),
                    )?,
                    severity_spread: 0.0,
                    recovery: if choice(
                        &path,
                        &RawShock::RECOVERY,
                        shock.recovery.as_deref(),
                        linear_recovery,
                    )? {
                        crate::model::Recovery::Linear
                    } else {
                        crate::model::Recovery::Step
                    },
                    wip_scrapped: distribution_or_default(
                        &path,
                        &RawShock::WIP_SCRAPPED,
                        shock.wip_scrapped.as_ref(),
                    )?,
                }
            }
            ShockKind::LaneDisruption => {
                let lanes: Vec<LaneId> = match (&shock.lane, &shock.region) {
                    (Some(lane), None) => match resolved.lanes.iter().position(|l| &l.name == lane)
                    {
                        Some(i) => vec![LaneId(i as u32)],
                        None => {
                            return invalid(
                                &path.key(RawShock::LANE.name),
                                format!("no lane has id {lane:?}"),
                            )
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
                                &path.key(RawShock::REGION.name),
                                "no lane starts or ends in this region",
                            );
                        }
                        lanes
                    }
                    _ => {
                        return invalid(
                            &path.key(RawShock::LANE.name),
                            "a lane disruption needs exactly one of `lane` or `region`",
                        )
                    }
                };
                let added_days = match &shock.added_days {
                    Some(spec) => Some(distribution(&path, &RawShock::ADDED_DAYS, spec)?),
                    None => None,
                };
                ShockEffect::LaneDisruption { lanes, added_days }
            }
            ShockKind::ExportControl => {
                let resolve = |field: &Field, names: &[String]| -> Check<Vec<RegionId>> {
                    let key = field.name;
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
                    from: resolve(&RawShock::FROM_REGIONS, &shock.from_regions)?,
                    to: resolve(&RawShock::TO_REGIONS, &shock.to_regions)?,
                }
            }
            ShockKind::GridMoratorium => ShockEffect::GridMoratorium {
                grids: grids_of_region()?,
            },
            ShockKind::TransformerCrunch => ShockEffect::TransformerCrunch {
                grids: grids_of_region()?,
                multiplier: match &shock.multiplier {
                    Some(spec) => distribution(&path, &RawShock::MULTIPLIER, spec)?,
                    None => {
                        return invalid(
                            &path.key(RawShock::MULTIPLIER.name),
                            "a transformer crunch needs a multiplier (e.g. 2)",
                        )
                    }
                },
            },
            ShockKind::DemandSurge => {
                let Some(name) = &shock.demand else {
                    return invalid(
                        &path.key(RawShock::DEMAND.name),
                        "a demand surge names the demand curve its projects follow",
                    );
                };
                let Some(demand) = raw.demand.iter().position(|d| &d.id == name) else {
                    return invalid(
                        &path.key(RawShock::DEMAND.name),
                        format!("no demand curve has id {name:?}"),
                    );
                };
                let extra_mw = match &shock.extra_mw {
                    Some(spec) => distribution(&path, &RawShock::EXTRA_MW, spec)?,
                    None => {
                        return invalid(
                            &path.key(RawShock::EXTRA_MW.name),
                            "a demand surge needs extra_mw",
                        )
                    }
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::fields::Kind;

    /// Counts the choice fields of every table.
    fn choices(fields: &[Field]) -> usize {
        fields
            .iter()
            .map(|field| match field.kind {
                Kind::Choice(_) => 1,
                Kind::Table(inner) | Kind::Tables(inner) => choices(inner),
                _ => 0,
            })
            .sum()
    }

    /// Whether a word parses.
    type Understood = fn(&str) -> bool;

    #[test]
    fn every_word_of_every_choice_is_understood() {
        let parsers: [(&Field, Understood); 5] = [
            (&RawScenario::REPORT_PERIOD, |w| {
                report_period_months(w).is_some()
            }),
            (&RawAllocator::POLICY, |w| policy(w).is_some()),
            (&RawLane::MODE, |w| mode(w).is_some()),
            (&RawShock::KIND, |w| shock_kind(w).is_some()),
            (&RawShock::RECOVERY, |w| linear_recovery(w).is_some()),
        ];
        assert_eq!(
            choices(RawScenario::FIELDS),
            parsers.len(),
            "a choice field has no parser here"
        );
        for (field, parses) in parsers {
            for word in field.words() {
                assert!(
                    parses(word.word),
                    "{}: {:?} is not understood",
                    field.name,
                    word.word
                );
            }
        }
    }

    #[test]
    fn an_unknown_word_names_the_nearest_allowed_one() {
        let top = FieldPath::default();
        let error = choice(&top, &RawLane::MODE, Some("ari"), mode).unwrap_err();
        assert_eq!(
            error.message,
            "must be \"sea\" or \"air\", got \"ari\" (did you mean `air`?)"
        );
        let error = choice(&top, &RawLane::MODE, Some("train"), mode).unwrap_err();
        assert_eq!(error.message, "must be \"sea\" or \"air\", got \"train\"");
        let months = choice(
            &top,
            &RawScenario::REPORT_PERIOD,
            None,
            report_period_months,
        );
        assert_eq!(
            months,
            Ok(3),
            "the default word applies when the field is left out"
        );
    }
}
