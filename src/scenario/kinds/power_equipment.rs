//! `[[power_equipment]]`: suppliers of long-lead power equipment for data centres
//! (large transformers, switchgear, gas turbines). Each makes equipment for so many MW
//! of facilities a year behind a backlog, for the projects of the regions it serves;
//! a project goes live only once every supplier serving its region has delivered. A
//! supplier stands in its own region, so an outage may strike it by `site` or `region`.

use crate::distribution::DistributionSpec;
use crate::model::EquipmentParams;

use super::LONG_DAYS;
use crate::scenario::check::Check;
use crate::scenario::context::{Context, IdSpace};
use crate::scenario::did_you_mean;
use crate::scenario::fields::{table, Absent, Field, Valued};

/// Suppliers have ids of their own.
pub const IDS: IdSpace = IdSpace("power-equipment supplier");

table! {
    /// A supplier of long-lead power equipment.
    pub struct RawPowerEquipment {
        id: String = Field::name("id", "Unique id; an outage may name it as its `site`."),
        kind: String = Field::text(
            "kind",
            "What it makes, e.g. \"large power transformers\" (for reports).",
        ),
        region: String = Field::name("region", "Region its works stand in."),
        serves: Vec<String> = Field::names(
            "serves",
            "Regions whose data-centre projects need its equipment before they go live.",
        ),
        mw_per_year: f64 = Field::number(
            "mw_per_year",
            "MW/yr",
            0.0,
            1e7,
            "Facility MW it equips per year at full capacity.",
        )
        .above_min(),
        backlog_mw: Option<f64> = Field::number(
            "backlog_mw",
            "MW",
            0.0,
            1e7,
            "Other customers' orders ahead of the scenario's projects at the start.",
        )
        .or(Absent::Number(0.0)),
        lead_time_days: DistributionSpec = Field::days(
            "lead_time_days",
            LONG_DAYS,
            "Days from the end of manufacture to the equipment energised on site.",
        ),
        order_lead_days: Option<f64> = Field::number(
            "order_lead_days",
            "days",
            0.0,
            LONG_DAYS,
            "Days before its planned go-live that a project orders.",
        )
        .or(Absent::Number(1095.0)),
    }
}

/// The suppliers of `[[power_equipment]]`, in order; the regions they serve must be
/// regions where projects, demand curves or the installed base stand.
pub fn resolve(
    suppliers: Valued<'_, Vec<RawPowerEquipment>>,
    context: &mut Context,
) -> Check<Vec<EquipmentParams>> {
    let mut resolved = Vec::with_capacity(suppliers.value.len());
    for (index, supplier) in suppliers.value.iter().enumerate() {
        let at = context.entry(suppliers.field, index, supplier.id(), IDS)?;
        let mut regions = Vec::with_capacity(supplier.serves.len());
        for region in &supplier.serves {
            let Some(id) = context.regions.get(region) else {
                let known = context.stood_in();
                return at.invalid(
                    supplier.serves().field,
                    format!(
                        "no project, demand curve or site stands in region {region:?}{}",
                        did_you_mean(region, known)
                    ),
                );
            };
            regions.push(crate::model::RegionId(id));
        }
        let region = at.name(supplier.region())?;
        resolved.push(EquipmentParams {
            name: supplier.id.clone(),
            kind: supplier.kind.clone(),
            region: context.stands_in(region),
            regions,
            mw_per_year: at.number(supplier.mw_per_year())?,
            backlog_mw: at.number_or_default(supplier.backlog_mw())?,
            lead_time_days: at.distribution(supplier.lead_time_days())?,
            order_lead_days: at.number_or_default(supplier.order_lead_days())?,
        });
    }
    Ok(resolved)
}
