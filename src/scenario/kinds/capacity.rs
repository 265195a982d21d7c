//! Capacity schedules, shared by fabs and packaging sites: the capacity at the start,
//! then a piecewise-linear ramp through dated points.

use chrono::NaiveDate;
use toml::value::Datetime;

use crate::model::CapacitySchedule;

use crate::scenario::check::{in_range, At, Check};
use crate::scenario::context::Context;
use crate::scenario::fields::{table, Absent, Field, Valued};

table! {
    /// A point of a capacity schedule: from the previous point, the capacity ramps
    /// linearly to `per_week`, reached at `date`.
    pub struct RawCapacityPoint {
        date: Datetime = Field::date(
            "date",
            "The date the capacity is reached; dates increase from point to point.",
        ),
        per_week: f64 = Field::number(
            "per_week",
            "per week",
            0.0,
            1e7,
            "Capacity at that date, in the site's unit, within the site's own limit.",
        ),
    }
}

/// The `capacity_schedule` field of fabs and packaging sites.
pub const CAPACITY_SCHEDULE: Field = Field::tables(
    "capacity_schedule",
    RawCapacityPoint::FIELDS,
    "Later capacity, as a piecewise-linear ramp (a list of inline tables).",
)
.or(Absent::Means("capacity stays as at the start"));

/// The schedule of a site in table `at`: `initial` (its checked capacity field) at the
/// start, then the points, each within the range of the site's capacity field.
pub fn schedule(
    at: &At,
    initial: (f64, &Field),
    points: Valued<'_, Vec<RawCapacityPoint>>,
    context: &Context,
) -> Check<CapacitySchedule> {
    let (initial, capacity) = initial;
    let list = at.inner(points.field);
    let mut resolved = Vec::with_capacity(points.value.len());
    let mut previous: Option<NaiveDate> = None;
    for (index, point) in points.value.iter().enumerate() {
        let point_at = At::new(list.path().index(index));
        let day = point_at.date(point.date())?;
        if previous.is_some_and(|p| day <= p) {
            return point_at.invalid(
                point.date().field,
                "capacity_schedule dates must increase from one point to the next",
            );
        }
        previous = Some(day);
        let value = in_range(
            point_at.of(point.per_week().field),
            point.per_week,
            capacity.range,
        )?;
        resolved.push((context.day_of(day), value));
    }
    Ok(CapacitySchedule::new(
        initial,
        context.start_day(),
        resolved,
    ))
}
