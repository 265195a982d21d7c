//! `[[packaging]]`: advanced-packaging sites (e.g. CoWoS) that assemble accelerators
//! from the products fabs make, as their bills of materials say.

use std::collections::BTreeMap;

use crate::distribution::DistributionSpec;
use crate::model::{PackagingParams, ProductId};

use super::capacity::{schedule, RawCapacityPoint, CAPACITY_SCHEDULE};
use crate::scenario::check::{in_range, invalid, At, Check};
use crate::scenario::context::{Context, IdSpace};
use crate::scenario::fields::{table, Absent, Field, Valued};

/// Packaging sites have ids of their own.
pub const IDS: IdSpace = IdSpace("packaging site");

/// The `bill_of_materials` field of packaging sites.
pub const BILL_OF_MATERIALS: Field = Field::counts(
    "bill_of_materials",
    "units/accelerator",
    1.0,
    1000.0,
    "Inputs per accelerator: product = count, e.g. `{ logic = 2, hbm = 8 }`; fabs make each.",
);

table! {
    /// An advanced-packaging site (e.g. CoWoS) that assembles accelerators.
    pub struct RawPackaging {
        id: String = Field::name("id", "Unique id among packaging sites."),
        region: String = Field::name("region", "Region it stands in."),
        accelerators_per_week: f64 = Field::number(
            "accelerators_per_week",
            "accelerators/week",
            0.0,
            1e7,
            "Accelerators it can start per week at the start.",
        ),
        #[serde(default)]
        capacity_schedule: Vec<RawCapacityPoint> = CAPACITY_SCHEDULE,
        bill_of_materials: BTreeMap<String, f64> = BILL_OF_MATERIALS,
        cycle_time_days: DistributionSpec =
            Field::days("cycle_time_days", 365.0, "Assembly and test time of a batch."),
        #[serde(rename = "yield")]
        yield_fraction: Option<DistributionSpec> = Field::fraction(
            "yield",
            "Fraction of assembled accelerators that pass test.",
        )
        .or(Absent::Number(1.0)),
    }
}

/// The packaging sites of `[[packaging]]`, in order; every input must be a product some
/// fab makes (so fabs are resolved first).
pub fn resolve(
    sites: Valued<'_, Vec<RawPackaging>>,
    context: &mut Context,
) -> Check<Vec<PackagingParams>> {
    let mut resolved = Vec::with_capacity(sites.value.len());
    for (index, site) in sites.value.iter().enumerate() {
        let at = context.entry(sites.field, index, site.id(), IDS)?;
        let region = at.name(site.region())?;
        let bill_of_materials = bill(&at.inner(site.bill_of_materials().field), site, context)?;
        let initial = at.number(site.accelerators_per_week())?;
        resolved.push(PackagingParams {
            name: site.id.clone(),
            region: context.stands_in(region),
            capacity: schedule(
                &at,
                (initial, site.accelerators_per_week().field),
                site.capacity_schedule(),
                context,
            )?,
            bill_of_materials,
            cycle_time_days: at.distribution(site.cycle_time_days())?,
            yield_fraction: at.distribution_or_default(site.yield_fraction())?,
        });
    }
    Ok(resolved)
}

/// The bill of materials (at `at`): whole counts of products that fabs make.
fn bill(at: &At, site: &RawPackaging, context: &Context) -> Check<Vec<(ProductId, u64)>> {
    let field = site.bill_of_materials().field;
    if site.bill_of_materials.is_empty() {
        return invalid(
            at.path().clone(),
            "needs at least one input, e.g. { logic = 2, hbm = 8 }",
        );
    }
    let mut bill = Vec::with_capacity(site.bill_of_materials.len());
    for (product, &count) in &site.bill_of_materials {
        let count_path = at.path().key(product);
        let Some(id) = context.products.get(product) else {
            let made = &context.products.names;
            return invalid(
                count_path,
                format!(
                    "no fab makes {product:?}; fabs make: {}{}",
                    made.join(", "),
                    crate::scenario::did_you_mean(product, made.iter().map(String::as_str))
                ),
            );
        };
        let count = in_range(count_path.clone(), count, field.range)?;
        if count.fract() != 0.0 {
            return invalid(
                count_path,
                format!("must be a whole number of units per accelerator, got {count}"),
            );
        }
        bill.push((ProductId(id), count as u64));
    }
    Ok(bill)
}
