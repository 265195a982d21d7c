//! `[[fab_constructions]]`: fabs being built. Each produces once built, connected to its
//! grid region (unless its power is secured) and ramped up.

use toml::value::Datetime;

use crate::distribution::DistributionSpec;
use crate::model::{CapacitySchedule, FabConstruction, FabParams, ProductId};

use super::fab::{CYCLE_TIME_DAYS, DIES_PER_WAFER, ID, IDS, PRODUCT, YIELD};
use super::LONG_DAYS;
use crate::scenario::check::Check;
use crate::scenario::context::Context;
use crate::scenario::fields::{table, Absent, Field, Valued};

table! {
    /// A fab under construction.
    pub struct RawFabConstruction {
        id: String = ID,
        region: String = Field::name(
            "region",
            "Region; a grid region with this id must exist unless `power_secured`.",
        ),
        product: String = PRODUCT,
        wafer_starts_per_week: f64 = Field::number(
            "wafer_starts_per_week",
            "wafers/week",
            0.0,
            1e6,
            "Wafer starts per week once fully ramped.",
        )
        .above_min(),
        start: Datetime = Field::date("start", "Date construction starts, within the horizon."),
        construction_days: DistributionSpec =
            Field::days("construction_days", LONG_DAYS, "Construction time."),
        power_mw: f64 = Field::number(
            "power_mw",
            "MW",
            0.0,
            1e5,
            "Grid power the fab needs, requested when construction starts.",
        ),
        power_secured: Option<bool> = Field::flag(
            "power_secured",
            "Grid power secured before the start: no request, no wait, no grid region needed.",
        )
        .or(Absent::Flag(false)),
        ramp_days: Option<f64> = Field::number(
            "ramp_days",
            "days",
            0.0,
            3650.0,
            "Days from first wafers to full capacity (linear).",
        )
        .or(Absent::Number(365.0)),
        cycle_time_days: DistributionSpec = CYCLE_TIME_DAYS,
        dies_per_wafer: f64 = DIES_PER_WAFER,
        #[serde(rename = "yield")]
        yield_fraction: DistributionSpec = YIELD,
        cost_billion_usd: Option<f64> = Field::number(
            "cost_billion_usd",
            "billion USD",
            0.0,
            1e5,
            "Capital cost: reported by `chipsim check`, not simulated.",
        )
        .or(Absent::Number(0.0)),
    }
}

/// The fabs of `[[fab_constructions]]`, in order, each with its construction.
pub fn resolve(
    builds: Valued<'_, Vec<RawFabConstruction>>,
    context: &mut Context,
) -> Check<Vec<FabParams>> {
    let mut resolved = Vec::with_capacity(builds.value.len());
    for (index, build) in builds.value.iter().enumerate() {
        let at = context.entry(builds.field, index, build.id(), IDS)?;
        let product = at.name(build.product())?;
        let region = at.name(build.region())?;
        let grid = if at.flag(build.power_secured()) {
            None
        } else {
            let what = "a fab construction without power_secured";
            Some(context.grid(&at, build.region().field, region, what)?)
        };
        let full = at.number(build.wafer_starts_per_week())?;
        let start = context.within(at.of(build.start().field), at.date(build.start())?)?;
        resolved.push(FabParams {
            name: build.id.clone(),
            region: context.stands_in(region),
            product: ProductId(context.products.intern(product)),
            capacity: CapacitySchedule::new(full, context.start_day(), Vec::new()),
            cycle_time_days: at.distribution(build.cycle_time_days())?,
            dies_per_wafer: at.number(build.dies_per_wafer())?,
            yield_fraction: at.distribution(build.yield_fraction())?,
            construction: Some(FabConstruction {
                start_day: context.day_of(start),
                construction_days: at.distribution(build.construction_days())?,
                power_mw: at.number(build.power_mw())?,
                grid,
                ramp_days: at.number_or_default(build.ramp_days())?,
                cost_billion_usd: at.number_or_default(build.cost_billion_usd())?,
            }),
        });
    }
    Ok(resolved)
}
