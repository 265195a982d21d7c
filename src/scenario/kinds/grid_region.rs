//! `[[grid_regions]]`: grid regions that connect data centres and fabs under
//! construction. Projects, demand curves and fab constructions name one as their region.

use crate::distribution::DistributionSpec;
use crate::model::GridParams;

use super::LONG_DAYS;
use crate::scenario::check::Check;
use crate::scenario::context::{Context, IdSpace};
use crate::scenario::fields::{table, Absent, Field, Valued};

/// Grid regions have ids of their own.
pub const IDS: IdSpace = IdSpace("grid region");

table! {
    /// A grid region.
    pub struct RawGridRegion {
        id: String = Field::name(
            "id",
            "Unique id; projects, demand curves and fab constructions name it as their region.",
        ),
        spare_mw: f64 = Field::number(
            "spare_mw",
            "MW",
            0.0,
            1e6,
            "Capacity free for new connections at the start.",
        ),
        capacity_added_mw_per_year: f64 = Field::number(
            "capacity_added_mw_per_year",
            "MW/yr",
            0.0,
            1e6,
            "Capacity added per year, added monthly.",
        ),
        study_days: DistributionSpec =
            Field::days("study_days", LONG_DAYS, "Connection study time."),
        transformer_lead_days: DistributionSpec = Field::days(
            "transformer_lead_days",
            LONG_DAYS,
            "Transformer and substation lead time after capacity is granted.",
        ),
        withdrawal_share: Option<DistributionSpec> = Field::fraction(
            "withdrawal_share",
            "Share of project connection requests withdrawn after their study (drawn once \
             per replication); a withdrawn project is given up.",
        )
        .or(Absent::Number(0.0)),
    }
}

/// The grid regions of `[[grid_regions]]`, in order: [`crate::model::GridId`] is the
/// position. Resolved first, as other kinds refer to them.
pub fn resolve(
    grids: Valued<'_, Vec<RawGridRegion>>,
    context: &mut Context,
) -> Check<Vec<GridParams>> {
    let mut resolved = Vec::with_capacity(grids.value.len());
    for (index, grid) in grids.value.iter().enumerate() {
        let at = context.entry(grids.field, index, grid.id(), IDS)?;
        context.stands_in(&grid.id);
        context.grids.push(grid.id.clone());
        let params = GridParams {
            name: grid.id.clone(),
            spare_mw: at.number(grid.spare_mw())?,
            capacity_added_mw_per_year: at.number(grid.capacity_added_mw_per_year())?,
            study_days: at.distribution(grid.study_days())?,
            transformer_lead_days: at.distribution(grid.transformer_lead_days())?,
            withdrawal_share: at.distribution_or_default(grid.withdrawal_share())?,
        };
        context.grid_params.push(params.clone());
        resolved.push(params);
    }
    Ok(resolved)
}
