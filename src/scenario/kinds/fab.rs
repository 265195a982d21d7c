//! `[[fabs]]`: wafer fabs in operation at the start. Each makes one product (logic
//! dies, HBM stacks) that packaging sites name in their bills of materials.

use crate::distribution::DistributionSpec;
use crate::model::{FabParams, ProductId};

use super::capacity::{schedule, RawCapacityPoint, CAPACITY_SCHEDULE};
use crate::scenario::check::Check;
use crate::scenario::context::{Context, IdSpace};
use crate::scenario::fields::{table, Field, Valued};

/// Fabs and fab constructions share one id space.
pub const IDS: IdSpace = IdSpace("fab or fab construction");

/// The `id` field of fabs and fab constructions.
pub const ID: Field = Field::name("id", "Unique id among fabs and fab constructions.");
/// The `product` field of fabs and fab constructions.
pub const PRODUCT: Field = Field::name(
    "product",
    "What it makes: a product in some packaging site's bill of materials (`logic`, `hbm`).",
);
/// The `cycle_time_days` field of fabs and fab constructions.
pub const CYCLE_TIME_DAYS: Field =
    Field::days("cycle_time_days", 3650.0, "Fab cycle time of a lot.");
/// The `dies_per_wafer` field of fabs and fab constructions.
pub const DIES_PER_WAFER: Field = Field::number(
    "dies_per_wafer",
    "dies/wafer",
    0.0,
    1e5,
    "Candidate dies (or HBM stacks) per wafer, before yield.",
)
.above_min();
/// The `yield` field of fabs and fab constructions.
pub const YIELD: Field = Field::fraction(
    "yield",
    "Fraction of candidate dies that are good, drawn per lot.",
);

table! {
    /// A wafer fab.
    pub struct RawFab {
        id: String = ID,
        region: String = Field::name(
            "region",
            "Region it stands in; a shock to the region hits it.",
        ),
        product: String = PRODUCT,
        wafer_starts_per_week: f64 = Field::number(
            "wafer_starts_per_week",
            "wafers/week",
            0.0,
            1e6,
            "Wafer starts per week at the start.",
        ),
        #[serde(default)]
        capacity_schedule: Vec<RawCapacityPoint> = CAPACITY_SCHEDULE,
        cycle_time_days: DistributionSpec = CYCLE_TIME_DAYS,
        dies_per_wafer: f64 = DIES_PER_WAFER,
        #[serde(rename = "yield")]
        yield_fraction: DistributionSpec = YIELD,
    }
}

/// The fabs of `[[fabs]]`, in order.
pub fn resolve(fabs: Valued<'_, Vec<RawFab>>, context: &mut Context) -> Check<Vec<FabParams>> {
    let mut resolved = Vec::with_capacity(fabs.value.len());
    for (index, fab) in fabs.value.iter().enumerate() {
        let at = context.entry(fabs.field, index, fab.id(), IDS)?;
        let region = at.name(fab.region())?;
        let product = at.name(fab.product())?;
        let initial = at.number(fab.wafer_starts_per_week())?;
        resolved.push(FabParams {
            name: fab.id.clone(),
            region: context.stands_in(region),
            product: ProductId(context.products.intern(product)),
            capacity: schedule(
                &at,
                (initial, fab.wafer_starts_per_week().field),
                fab.capacity_schedule(),
                context,
            )?,
            cycle_time_days: at.distribution(fab.cycle_time_days())?,
            dies_per_wafer: at.number(fab.dies_per_wafer())?,
            yield_fraction: at.distribution(fab.yield_fraction())?,
            construction: None,
        });
    }
    Ok(resolved)
}
