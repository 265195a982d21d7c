//! `[[lanes]]`: shipping lanes from one region to another, by sea or air. A lane must
//! join regions where something stands (a fab, packaging site, project, demand curve,
//! grid region or installed base), so a misspelt region is an error, not a lane to
//! nowhere; whether any flow can use the lane is checked with the routes.

use crate::distribution::DistributionSpec;
use crate::model::{LaneParams, Mode, RegionId};

use crate::scenario::check::{in_range, At, Check};
use crate::scenario::choice::{choice, Choice};
use crate::scenario::context::{Context, IdSpace};
use crate::scenario::fields::{table, Absent, Field, Valued};
use crate::scenario::limits::MAX_DEPARTURES_PER_LANE;
use crate::scenario::locate::FieldPath;

/// Lanes have ids of their own.
pub const IDS: IdSpace = IdSpace("lane");

choice! {
    /// How goods travel on a lane.
    pub enum LaneMode -> Mode {
        Sea = "sea" => Mode::Sea, "container ship";
        Air = "air" => Mode::Air, "air freight";
    }
}

impl LaneMode {
    /// The cost per unit of a lane that gives none (the field table says "sea 1, air 4").
    fn default_cost(self) -> f64 {
        match self {
            LaneMode::Sea => 1.0,
            LaneMode::Air => 4.0,
        }
    }
}

table! {
    /// A shipping lane.
    pub struct RawLane {
        id: String = Field::name("id", "Unique id among lanes."),
        from: String = Field::name("from", "Origin region."),
        to: String = Field::name("to", "Destination region, not the origin."),
        mode: LaneMode = Field::choice("mode", LaneMode::WORDS, "How goods travel."),
        departure_every_days: f64 = Field::number(
            "departure_every_days",
            "days",
            0.0,
            365.0,
            "Days between departures.",
        )
        .above_min(),
        capacity_per_departure: f64 = Field::number(
            "capacity_per_departure",
            "units",
            1.0,
            1e9,
            "Units (dies, stacks or accelerators) one departure can carry.",
        ),
        transit_days: DistributionSpec = Field::days("transit_days", 365.0, "Transit time."),
        cost_per_unit: Option<f64> = Field::number(
            "cost_per_unit",
            "",
            0.0,
            1e6,
            "Cost per unit, for routing: the cheapest open lane is used.",
        )
        .or(Absent::Means("sea 1, air 4")),
    }
}

/// The lanes of `[[lanes]]`, in order. Their ends are checked by [`check_ends`] once
/// every kind that stands in a region is resolved.
pub fn resolve(lanes: Valued<'_, Vec<RawLane>>, context: &mut Context) -> Check<Vec<LaneParams>> {
    let mut resolved = Vec::with_capacity(lanes.value.len());
    for (index, lane) in lanes.value.iter().enumerate() {
        let at = context.entry(lanes.field, index, lane.id(), IDS)?;
        let from = at.name(lane.from())?;
        let to = at.name(lane.to())?;
        if from == to {
            return at.invalid(
                lane.to().field,
                "a lane must join two different regions (goods within a region need no lane)",
            );
        }
        let cost = lane.cost_per_unit();
        let every = at.number(lane.departure_every_days())?;
        let departures = context.horizon_days() / every;
        if departures > MAX_DEPARTURES_PER_LANE {
            return at.invalid(
                lane.departure_every_days().field,
                format!(
                    "a departure every {every} days makes {departures:.3e} departures over the \
                     horizon; a lane may have at most {MAX_DEPARTURES_PER_LANE:e}"
                ),
            );
        }
        resolved.push(LaneParams {
            name: lane.id.clone(),
            from: RegionId(context.regions.intern(from)),
            to: RegionId(context.regions.intern(to)),
            mode: lane.mode.value(),
            departure_every_days: every,
            capacity_per_departure: at.number(lane.capacity_per_departure())?,
            transit_days: at.distribution(lane.transit_days())?,
            cost_per_unit: in_range(
                at.of(cost.field),
                cost.value.unwrap_or(lane.mode.default_cost()),
                cost.field.range,
            )?,
        });
    }
    Ok(resolved)
}

/// Checks that every lane starts and ends where something stands; a misspelt region
/// gets the nearest one that does.
pub fn check_ends(lanes: Valued<'_, Vec<RawLane>>, context: &Context) -> Check<()> {
    for (index, lane) in lanes.value.iter().enumerate() {
        let at = At::new(FieldPath::root(lanes.field.name).item(index, &lane.id));
        for end in [lane.from(), lane.to()] {
            if !context.is_stood_in(end.value) {
                let stood_in = context.stood_in();
                return at.invalid(
                    end.field,
                    format!(
                        "nothing stands in region {:?}: a lane joins regions of fabs, packaging \
                         sites, projects, demand curves, grid regions or the installed base{}",
                        end.value,
                        crate::scenario::did_you_mean(end.value, stood_in)
                    ),
                );
            }
        }
    }
    Ok(())
}
