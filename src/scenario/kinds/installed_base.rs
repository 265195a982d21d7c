//! `[[installed_base]]`: accelerators already live at the start, by region and vintage.
//! They draw power from the first day; nothing is shipped to them. A vintage with a
//! `lifetime_years` retires over the horizon, and its halls order replacements (at
//! `refresh_kw_per_accelerator` each) needed on the day each cohort retires: chip
//! demand then counts refresh as well as new capacity.

use chrono::{Datelike, NaiveDate};

use crate::distribution::DistributionSpec;
use crate::model::{InstalledBase, Refresh};
use crate::replication::ProjectGroup;

use super::project::{
    buyer, pue, CANCEL_AFTER_DAYS, DUPLICATE_ORDERS, KW_PER_ACCELERATOR, ORDER_HORIZON_DAYS,
    ORDER_LEAD_DAYS, ORDER_MARGIN_DAYS, PUE,
};
use crate::scenario::check::{At, Check};
use crate::scenario::context::Context;
use crate::scenario::fields::{table, Absent, Field, Valued};
use crate::scenario::locate::FieldPath;

table! {
    /// Accelerators already live at the start in one region, of one vintage.
    pub struct RawInstalledBase {
        region: String =
            Field::text("region", "Region, free text: it need not be a grid region."),
        accelerators: f64 = Field::number(
            "accelerators",
            "accelerators",
            0.0,
            1e9,
            "Accelerators live at the start.",
        ),
        kw_per_accelerator: f64 = KW_PER_ACCELERATOR,
        pue: Option<f64> = PUE,
        vintage: Option<i32> = Field::integer(
            "vintage",
            1990.0,
            2100.0,
            "Year the accelerators went live (mid-year, on average); needed with `lifetime_years`.",
        )
        .optional(),
        lifetime_years: Option<DistributionSpec> = Field::distribution(
            "lifetime_years",
            "years",
            "a service life in years",
            0.0,
            30.0,
            "Service life: drawn per twentieth of the vintage, which then stops drawing power \
             and is replaced. Left out: the vintage stays live to the end.",
        )
        .optional(),
        refresh_kw_per_accelerator: Option<f64> = KW_PER_ACCELERATOR
            .renamed(
                "refresh_kw_per_accelerator",
                "Power per accelerator of the replacements, servers and networking included.",
            )
            .or(Absent::Means("required with `lifetime_years`")),
        order_lead_days: Option<f64> = ORDER_LEAD_DAYS,
        order_margin_days: Option<f64> = ORDER_MARGIN_DAYS,
        order_horizon_days: Option<f64> = ORDER_HORIZON_DAYS,
        duplicate_orders: Option<DistributionSpec> = DUPLICATE_ORDERS,
        cancel_after_days: Option<f64> = CANCEL_AFTER_DAYS,
    }
}

/// The installed base of `[[installed_base]]`, in order (its entries have no ids); a
/// vintage that retires adds its replacements' row of `projects.csv`.
pub fn resolve(
    bases: Valued<'_, Vec<RawInstalledBase>>,
    context: &mut Context,
) -> Check<Vec<InstalledBase>> {
    let mut resolved = Vec::with_capacity(bases.value.len());
    for (index, base) in bases.value.iter().enumerate() {
        let at = At::new(FieldPath::root(bases.field.name).index(index));
        let refresh = refresh(&at, base, context)?;
        resolved.push(InstalledBase {
            region: context.stands_in(&base.region),
            accelerators: at.number(base.accelerators())?,
            kw_per_accelerator: at.number(base.kw_per_accelerator())?,
            pue: pue(&at, base.pue(), context)?,
            refresh,
        });
    }
    Ok(resolved)
}

/// How the vintage retires and is replaced, when it has a service life.
fn refresh(at: &At, base: &RawInstalledBase, context: &mut Context) -> Check<Option<Refresh>> {
    let Some(lifetime) = &base.lifetime_years else {
        return Ok(None);
    };
    let lifetime_years = at.distribution(base.lifetime_years().with(lifetime))?;
    let (Some(vintage), Some(kw)) = (base.vintage, base.refresh_kw_per_accelerator) else {
        return at.invalid(
            base.lifetime_years().field,
            "a vintage that retires needs `vintage` and `refresh_kw_per_accelerator`",
        );
    };
    at.whole_or_default(base.vintage().with(&Some(vintage)))?;
    if vintage > context.start.year() {
        return at.invalid(
            base.vintage().field,
            format!(
                "must not be after the start year ({}), got {vintage}",
                context.start.year()
            ),
        );
    }
    let mid_year = NaiveDate::from_ymd_opt(vintage, 7, 1).expect("a year in range");
    let group = context.project_groups.len();
    context.project_groups.push(ProjectGroup {
        name: format!("refresh/{}/{vintage}", base.region),
        region: base.region.clone(),
        planned_go_live: context.start,
    });
    Ok(Some(Refresh {
        installed_day: context.day_of(mid_year),
        lifetime_years,
        new_kw_per_accelerator: at.number(base.refresh_kw_per_accelerator().with(&kw))?,
        buyer: buyer!(at, base)?,
        group,
    }))
}
