//! `[[installed_base]]`: accelerators already live at the start, by region. They draw
//! power from the first day; nothing is shipped to them.

use crate::model::InstalledBase;

use super::project::{pue, KW_PER_ACCELERATOR, PUE};
use crate::scenario::check::{At, Check};
use crate::scenario::context::Context;
use crate::scenario::fields::{table, Field, Valued};
use crate::scenario::locate::FieldPath;

table! {
    /// Accelerators already live at the start in one region.
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
    }
}

/// The installed base of `[[installed_base]]`, in order (its entries have no ids).
pub fn resolve(
    bases: Valued<'_, Vec<RawInstalledBase>>,
    context: &mut Context,
) -> Check<Vec<InstalledBase>> {
    let mut resolved = Vec::with_capacity(bases.value.len());
    for (index, base) in bases.value.iter().enumerate() {
        let at = At::new(FieldPath::root(bases.field.name).index(index));
        context.stands_in_unnamed(&base.region);
        resolved.push(InstalledBase {
            region: base.region.clone(),
            accelerators: at.number(base.accelerators())?,
            kw_per_accelerator: at.number(base.kw_per_accelerator())?,
            pue: pue(&at, base.pue(), context)?,
        });
    }
    Ok(resolved)
}
