//! `[[shocks]]`: disruptions, at Poisson times (`rate_per_year`), on fixed `dates`, or
//! both. The fields every shock has are checked first; then [`kind_fields`] says which
//! kinds take which of the others (a field that does not apply is a mistake, not a
//! silent no-op), and one function per kind resolves what it hits. Shocks refer to
//! everything else, so they are resolved last, against the resolved world.

use toml::value::Datetime;

use crate::distribution::{Distribution, DistributionSpec};
use crate::model::{
    producers, DemandParams, GridId, LaneId, ProducerRef, Recovery, RecoveryCurve, RegionId,
    ShockEffect, ShockKind, ShockParams, World,
};
use crate::replication::ProjectGroup;

use crate::scenario::check::{date, invalid, At, Check};
use crate::scenario::choice::{choice, unknown_word, Choice};
use crate::scenario::context::{Context, IdSpace};
use crate::scenario::did_you_mean;
use crate::scenario::fields::{table, Absent, Field, Valued};
use crate::scenario::limits::{accelerators, MAX_PROJECTS_PER_DEMAND};

/// Shocks have ids of their own (each names its random stream).
pub const IDS: IdSpace = IdSpace("shock");

choice! {
    /// What a shock does.
    pub enum Disruption -> ShockKind {
        Outage = "outage" => ShockKind::Outage,
            "fabs and packaging sites lose capacity and work in progress";
        LaneDisruption = "lane_disruption" => ShockKind::LaneDisruption,
            "a lane closes, or its transit takes longer";
        ExportControl = "export_control" => ShockKind::ExportControl,
            "no flows from `from_regions` to `to_regions`";
        GridMoratorium = "grid_moratorium" => ShockKind::GridMoratorium,
            "a grid region grants no new connections";
        TransformerCrunch = "transformer_crunch" => ShockKind::TransformerCrunch,
            "transformer lead times are multiplied";
        DemandSurge = "demand_surge" => ShockKind::DemandSurge, "extra data-centre projects";
    }
}

choice! {
    /// How an outage's capacity comes back, in words.
    pub enum RecoveryWord -> Recovery {
        Linear = "linear" => Recovery::Linear, "capacity climbs back over the duration";
        Step = "step" => Recovery::Step, "all capacity comes back at the end";
    }
}

/// An outage's recovery as written: a word, or a curve of `[days since onset, share of
/// capacity available]` points (linear between them, whole after the last).
#[derive(Debug, Clone, PartialEq)]
pub enum RawRecovery {
    /// `"linear"` or `"step"`.
    Word(RecoveryWord),
    /// `[[0, 0.0], [5, 0.2], [8, 0.9], [30, 1.0]]`.
    Curve(Vec<(f64, f64)>),
}

impl<'de> serde::Deserialize<'de> for RawRecovery {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl<'de> serde::de::Visitor<'de> for Visitor {
            type Value = RawRecovery;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("\"linear\", \"step\", or a list of [day, share] points")
            }
            fn visit_str<E: serde::de::Error>(self, word: &str) -> Result<RawRecovery, E> {
                RecoveryWord::from_word(word)
                    .map(RawRecovery::Word)
                    .ok_or_else(|| E::custom(unknown_word(word, RecoveryWord::WORDS)))
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                mut points: A,
            ) -> Result<RawRecovery, A::Error> {
                let mut curve = Vec::new();
                while let Some(point) = points.next_element::<(f64, f64)>()? {
                    curve.push(point);
                }
                Ok(RawRecovery::Curve(curve))
            }
        }
        deserializer.deserialize_any(Visitor)
    }
}

table! {
    /// A disruption: Poisson occurrences at `rate_per_year`, fixed `dates`, or both.
    /// Scope is one of `site` (a fab or packaging id), `lane` (a lane id) or `region`
    /// (every fab and packaging site there, every lane from or to it, its grid region).
    pub struct RawShock {
        id: String = Field::name("id", "Unique id among shocks; names its random stream."),
        kind: Disruption = Field::choice("kind", Disruption::WORDS, "What happens."),
        region: Option<String> = Field::name(
            "region",
            "Scope: every site, lane and grid region of this region.",
        )
        .optional(),
        site: Option<String> =
            Field::name("site", "Scope of an outage: one fab or packaging site.").optional(),
        lane: Option<String> =
            Field::name("lane", "Scope of a lane disruption: one lane.").optional(),
        rate_per_year: Option<f64> = Field::number(
            "rate_per_year",
            "per year",
            0.0,
            365.0,
            "Poisson occurrences per year; a shock needs this above 0, or `dates`, or both.",
        )
        .or(Absent::Number(0.0)),
        #[serde(default)]
        dates: Vec<Datetime> =
            Field::dates("dates", "Fixed occurrence dates, within the horizon.").optional(),
        duration_days: Option<DistributionSpec> = Field::days(
            "duration_days",
            36_500.0,
            "How long each occurrence lasts (an outage: until full recovery).",
        )
        .or(Absent::Means(
            "required, except that export controls last to the end and demand surges need none",
        )),
        capacity_lost: Option<DistributionSpec> =
            Field::fraction("capacity_lost", "Outage: fraction of capacity lost at onset.")
                .or(Absent::Number(1.0)),
        recovery: Option<RawRecovery> = Field::choice_or_curve(
            "recovery",
            RecoveryWord::WORDS,
            "Outage: how capacity comes back; a curve gives [days since onset, share of \
             capacity available] points from day 0 (days increasing, shares 0 to 1), linear \
             between them and whole after the last, scaled by `capacity_lost` and stretched \
             to `duration_days` when that is given.",
        )
        .or(Absent::Word("linear")),
        severity_spread: Option<f64> = Field::number(
            "severity_spread",
            "fraction",
            0.0,
            1.0,
            "Outage on a region: each site loses `capacity_lost × (1 + u)`, u uniform within \
             ±this; 0: the region's sites are hit alike (one severity per occurrence).",
        )
        .or(Absent::Number(0.0)),
        wip_scrapped: Option<DistributionSpec> = Field::fraction(
            "wip_scrapped",
            "Outage: fraction of work in progress scrapped at onset.",
        )
        .or(Absent::Number(0.0)),
        added_days: Option<DistributionSpec> = Field::days(
            "added_days",
            365.0,
            "Lane disruption: transit days added to departures while it lasts.",
        )
        .or(Absent::Means("the lane closes instead")),
        #[serde(default)]
        from_regions: Vec<String> = Field::names(
            "from_regions",
            "Export control: origin regions whose flows stop.",
        )
        .optional(),
        #[serde(default)]
        to_regions: Vec<String> = Field::names(
            "to_regions",
            "Export control: destination regions those flows may not reach.",
        )
        .optional(),
        multiplier: Option<DistributionSpec> = Field::distribution(
            "multiplier",
            "×",
            "a multiplier",
            1.0,
            20.0,
            "Transformer crunch: factor on transformer lead times.",
        )
        .or(Absent::Means("required for a transformer crunch")),
        extra_mw: Option<DistributionSpec> = Field::distribution(
            "extra_mw",
            "MW",
            "extra MW",
            0.0,
            1e5,
            "Demand surge: extra IT load requested at onset.",
        )
        .or(Absent::Means("required for a demand surge")),
        demand: Option<String> = Field::name(
            "demand",
            "Demand surge: the demand curve whose project sizes, timing and region it follows.",
        )
        .or(Absent::Means("required for a demand surge")),
    }
}

/// One shock being resolved: its place, what it is, and what it may hit.
struct Resolving<'a> {
    at: At,
    shock: &'a RawShock,
    kind: ShockKind,
    world: &'a World,
}

/// The fields only some kinds of shock take: each with whether this shock writes it and
/// the kinds that take it. Every other field applies to every kind.
fn kind_fields(shock: &RawShock) -> [(&'static Field, bool, &'static [ShockKind]); 13] {
    use ShockKind::*;
    [
        (
            shock.region().field,
            shock.region.is_some(),
            &[Outage, LaneDisruption, GridMoratorium, TransformerCrunch],
        ),
        (shock.site().field, shock.site.is_some(), &[Outage]),
        (shock.lane().field, shock.lane.is_some(), &[LaneDisruption]),
        (
            shock.capacity_lost().field,
            shock.capacity_lost.is_some(),
            &[Outage],
        ),
        (shock.recovery().field, shock.recovery.is_some(), &[Outage]),
        (
            shock.severity_spread().field,
            shock.severity_spread.is_some(),
            &[Outage],
        ),
        (
            shock.wip_scrapped().field,
            shock.wip_scrapped.is_some(),
            &[Outage],
        ),
        (
            shock.added_days().field,
            shock.added_days.is_some(),
            &[LaneDisruption],
        ),
        (
            shock.from_regions().field,
            !shock.from_regions.is_empty(),
            &[ExportControl],
        ),
        (
            shock.to_regions().field,
            !shock.to_regions.is_empty(),
            &[ExportControl],
        ),
        (
            shock.multiplier().field,
            shock.multiplier.is_some(),
            &[TransformerCrunch],
        ),
        (
            shock.extra_mw().field,
            shock.extra_mw.is_some(),
            &[DemandSurge],
        ),
        (shock.demand().field, shock.demand.is_some(), &[DemandSurge]),
    ]
}

/// The shocks of `[[shocks]]`, in order, resolved against `world` (everything else
/// resolved already); a demand surge adds its row of `projects.csv`.
pub fn resolve(
    shocks: Valued<'_, Vec<RawShock>>,
    world: &World,
    context: &mut Context,
) -> Check<Vec<ShockParams>> {
    let mut resolved = Vec::with_capacity(shocks.value.len());
    for (index, shock) in shocks.value.iter().enumerate() {
        let at = context.entry(shocks.field, index, shock.id(), IDS)?;
        let kind = shock.kind.value();
        let fields = kind_fields(shock);
        let takes = |kinds: &[ShockKind]| kinds.contains(&kind);
        if let Some((field, ..)) = fields
            .iter()
            .find(|(_, written, kinds)| *written && !takes(kinds))
        {
            let taken: Vec<&str> = (fields.iter())
                .filter(|(.., kinds)| takes(kinds))
                .map(|(field, ..)| field.name)
                .collect();
            return at.invalid(
                field,
                format!(
                    "does not apply to a {} shock (it takes: {})",
                    kind.label(),
                    taken.join(", ")
                ),
            );
        }
        let (rate_per_year, days) = occurrences(&at, shock, context)?;
        let curve = matches!(shock.recovery, Some(RawRecovery::Curve(_)));
        let duration_days = match kind {
            ShockKind::ExportControl | ShockKind::DemandSurge => {
                at.distribution_if_written(shock.duration_days())?
            }
            ShockKind::Outage if curve => at.distribution_if_written(shock.duration_days())?,
            _ => Some(required(
                &at,
                shock.duration_days(),
                "is required for this kind of shock (a distribution of days)",
            )?),
        };
        let resolving = Resolving {
            at,
            shock,
            kind,
            world,
        };
        let effect = match kind {
            ShockKind::Outage => resolving.outage(context)?,
            ShockKind::LaneDisruption => resolving.lane_disruption(context)?,
            ShockKind::ExportControl => resolving.export_control(context)?,
            ShockKind::GridMoratorium => ShockEffect::GridMoratorium {
                grids: resolving.grids(context)?,
            },
            ShockKind::TransformerCrunch => ShockEffect::TransformerCrunch {
                grids: resolving.grids(context)?,
                multiplier: required(
                    &resolving.at,
                    shock.multiplier(),
                    "a transformer crunch needs a multiplier (e.g. 2)",
                )?,
            },
            ShockKind::DemandSurge => resolving.demand_surge(context)?,
        };
        resolved.push(ShockParams {
            name: shock.id.clone(),
            kind,
            rate_per_year,
            days,
            duration_days,
            effect,
        });
    }
    Ok(resolved)
}

/// A distribution field that this kind of shock needs.
fn required(
    at: &At,
    valued: Valued<'_, Option<DistributionSpec>>,
    missing: &str,
) -> Check<Distribution> {
    match at.distribution_if_written(valued)? {
        Some(distribution) => Ok(distribution),
        None => at.invalid(valued.field, missing),
    }
}

/// The shock's rate per year and fixed days; it needs one or the other.
fn occurrences(at: &At, shock: &RawShock, context: &Context) -> Check<(f64, Vec<f64>)> {
    let rate_per_year = at.number_or_default(shock.rate_per_year())?;
    let list = at.of(shock.dates().field);
    let mut days = Vec::with_capacity(shock.dates.len());
    for (position, value) in shock.dates.iter().enumerate() {
        let path = list.index(position);
        let day = context.within(path.clone(), date(path, value)?)?;
        days.push(context.day_of(day));
    }
    if rate_per_year == 0.0 && days.is_empty() {
        return at.invalid(
            shock.rate_per_year().field,
            "a shock needs rate_per_year > 0, or dates, or both",
        );
    }
    Ok((rate_per_year, days))
}

/// " (did you mean `x`?)" for a region name nothing is in.
fn regions_like(name: &str, context: &Context) -> String {
    did_you_mean(name, context.regions.names.iter().map(String::as_str))
}

impl Resolving<'_> {
    /// The region in `region`, where some `what` must stand.
    fn region(&self, context: &Context, what: &str) -> Check<RegionId> {
        let field = self.shock.region().field;
        match &self.shock.region {
            Some(name) => match context.regions.get(name) {
                Some(id) => Ok(RegionId(id)),
                None => self.at.invalid(
                    field,
                    format!(
                        "no {what} is in region {name:?}{}",
                        regions_like(name, context)
                    ),
                ),
            },
            None => self.at.invalid(
                field,
                format!("a {} shock needs a region", self.kind.label()),
            ),
        }
    }

    /// The producers an outage hits: one `site` (a fab, packaging site or supplier),
    /// or every one in `region`.
    fn outage(&self, context: &Context) -> Check<ShockEffect> {
        let (shock, world) = (self.shock, self.world);
        let all = producers(&world.fabs, &world.packaging, &world.power_equipment);
        let hit: Vec<ProducerRef> = match (&shock.site, &shock.region) {
            (Some(site), None) => match all.iter().find(|(_, name, _)| name == site) {
                Some(&(producer, ..)) => vec![producer],
                None => {
                    return self.at.invalid(
                        shock.site().field,
                        format!(
                            "no fab, packaging site or power-equipment supplier has id {site:?}{}",
                            did_you_mean(site, all.iter().map(|p| p.1))
                        ),
                    );
                }
            },
            (None, Some(_)) => {
                let region = self.region(context, "fab, packaging site or supplier")?;
                let hit: Vec<ProducerRef> = (all.iter())
                    .filter(|p| p.2 == region)
                    .map(|p| p.0)
                    .collect();
                if hit.is_empty() {
                    return self.at.invalid(
                        shock.region().field,
                        "no fab, packaging site or power-equipment supplier stands in this region",
                    );
                }
                hit
            }
            _ => {
                return self.at.invalid(
                    shock.site().field,
                    "an outage needs exactly one of `site` or `region`",
                )
            }
        };
        Ok(ShockEffect::Outage {
            producers: hit,
            capacity_lost: self.at.distribution_or_default(shock.capacity_lost())?,
            severity_spread: self.at.number_or_default(shock.severity_spread())?,
            recovery: self.recovery()?,
            wip_scrapped: self.at.distribution_or_default(shock.wip_scrapped())?,
        })
    }

    /// The outage's recovery: a word, or a curve checked point by point.
    fn recovery(&self) -> Check<Recovery> {
        let field = self.shock.recovery().field;
        let points = match &self.shock.recovery {
            None => {
                return Ok(self
                    .at
                    .choice(self.shock.recovery().with(&None::<RecoveryWord>))?
                    .value())
            }
            Some(RawRecovery::Word(word)) => return Ok(word.value()),
            Some(RawRecovery::Curve(points)) => points,
        };
        let path = self.at.of(field);
        let Some(&(first, _)) = points.first() else {
            return invalid(
                path,
                "a recovery curve needs at least one [day, share] point",
            );
        };
        if first != 0.0 {
            return invalid(
                path.index(0),
                format!("the first point must be at day 0, got {first}"),
            );
        }
        for (index, pair) in points.windows(2).enumerate() {
            // NaN days fail too: they are not greater than anything.
            if pair[1].0.partial_cmp(&pair[0].0) != Some(std::cmp::Ordering::Greater) {
                return invalid(
                    path.index(index + 1),
                    format!(
                        "days must increase from one point to the next, got {} after {}",
                        pair[1].0, pair[0].0
                    ),
                );
            }
        }
        for (index, &(day, share)) in points.iter().enumerate() {
            if !day.is_finite() || day > 36_500.0 {
                return invalid(
                    path.index(index),
                    format!("day must be between 0 and 36500, got {day}"),
                );
            }
            if !(0.0..=1.0).contains(&share) {
                return invalid(
                    path.index(index),
                    format!("share must be between 0 and 1, got {share}"),
                );
            }
        }
        Ok(Recovery::Curve(RecoveryCurve::new(points.clone())))
    }

    /// The lanes a lane disruption hits: one `lane`, or all from or to `region`.
    fn lane_disruption(&self, context: &Context) -> Check<ShockEffect> {
        let (shock, lanes) = (self.shock, &self.world.lanes);
        let hit: Vec<LaneId> = match (&shock.lane, &shock.region) {
            (Some(lane), None) => match lanes.iter().position(|l| &l.name == lane) {
                Some(i) => vec![LaneId(i as u32)],
                None => {
                    let names = lanes.iter().map(|l| l.name.as_str());
                    return self.at.invalid(
                        shock.lane().field,
                        format!("no lane has id {lane:?}{}", did_you_mean(lane, names)),
                    );
                }
            },
            (None, Some(_)) => {
                let region = self.region(context, "lane")?;
                let hit: Vec<LaneId> = (0..lanes.len())
                    .filter(|&i| lanes[i].from == region || lanes[i].to == region)
                    .map(|i| LaneId(i as u32))
                    .collect();
                if hit.is_empty() {
                    return self.at.invalid(
                        shock.region().field,
                        "no lane starts or ends in this region",
                    );
                }
                hit
            }
            _ => {
                return self.at.invalid(
                    shock.lane().field,
                    "a lane disruption needs exactly one of `lane` or `region`",
                )
            }
        };
        Ok(ShockEffect::LaneDisruption {
            lanes: hit,
            added_days: self.at.distribution_if_written(shock.added_days())?,
        })
    }

    /// The regions an export control stops flows from and to.
    fn export_control(&self, context: &Context) -> Check<ShockEffect> {
        let regions = |names: Valued<'_, Vec<String>>| -> Check<Vec<RegionId>> {
            if names.value.is_empty() {
                return self.at.invalid(
                    names.field,
                    "an export control needs at least one region here",
                );
            }
            let list = self.at.of(names.field);
            (names.value.iter().enumerate())
                .map(|(i, name)| match context.regions.get(name) {
                    Some(id) => Ok(RegionId(id)),
                    None => crate::scenario::check::invalid(
                        list.index(i),
                        format!(
                            "no site, lane or grid region is in region {name:?}{}",
                            regions_like(name, context)
                        ),
                    ),
                })
                .collect()
        };
        Ok(ShockEffect::ExportControl {
            from: regions(self.shock.from_regions())?,
            to: regions(self.shock.to_regions())?,
        })
    }

    /// The grid region in `region`.
    fn grids(&self, context: &Context) -> Check<Vec<GridId>> {
        let field = self.shock.region().field;
        let name = self.shock.region.as_deref().unwrap_or_default();
        match context.grids.iter().position(|grid| grid == name) {
            Some(index) => Ok(vec![GridId(index as u32)]),
            None => self.at.invalid(
                field,
                format!(
                    "{name:?} is not a grid region{}",
                    did_you_mean(name, context.grids.iter().map(String::as_str))
                ),
            ),
        }
    }

    /// Checks a surge's counts against [`crate::scenario::limits`]: its largest possible
    /// project (no larger than the largest extra MW), and its projects per onset.
    fn surge_within_limits(&self, curve: &DemandParams, extra_mw: &Distribution) -> Check<()> {
        let field = self.shock.extra_mw().field;
        let largest = curve.project_mw.support_max().min(extra_mw.support_max());
        if largest.is_infinite() {
            return self.at.invalid(
                field,
                "a surge's projects could be of any size: extra_mw and the demand curve's \
                 project_mw both have unbounded tails; bound one of them (e.g. a triangular, \
                 or a normal with `max`)",
            );
        }
        accelerators(
            largest,
            curve.kw_per_accelerator,
            "its largest possible project",
        )
        .or_else(|message| self.at.invalid(field, message))?;
        let projects = extra_mw.mean() / curve.project_mw.mean();
        if projects > MAX_PROJECTS_PER_DEMAND {
            return self.at.invalid(
                field,
                format!(
                    "a surge makes {projects:.3e} projects on average (its mean extra MW ÷ the \
                     curve's mean project size); at most {MAX_PROJECTS_PER_DEMAND:e}"
                ),
            );
        }
        Ok(())
    }

    /// The demand curve a surge follows and its extra MW; adds the surge's row of
    /// `projects.csv`.
    fn demand_surge(&self, context: &mut Context) -> Check<ShockEffect> {
        let shock = self.shock;
        let field = shock.demand().field;
        let Some(name) = &shock.demand else {
            return self.at.invalid(
                field,
                "a demand surge names the demand curve its projects follow",
            );
        };
        let Some(demand) = self.world.demand.iter().position(|d| &d.name == name) else {
            let curves = self.world.demand.iter().map(|d| d.name.as_str());
            return self.at.invalid(
                field,
                format!(
                    "no demand curve has id {name:?}{}",
                    did_you_mean(name, curves)
                ),
            );
        };
        let extra_mw = required(&self.at, shock.extra_mw(), "a demand surge needs extra_mw")?;
        self.surge_within_limits(&self.world.demand[demand], &extra_mw)?;
        let region = self.world.demand[demand].region;
        context.project_groups.push(ProjectGroup {
            name: format!("surge/{}", shock.id),
            region: context.regions.name(region.0).to_string(),
            planned_go_live: context.start,
        });
        Ok(ShockEffect::DemandSurge {
            demand,
            extra_mw,
            group: context.project_groups.len() - 1,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_scenario_words_of_shock_kinds_are_the_model_labels() {
        for word in Disruption::WORDS {
            let kind = Disruption::from_word(word.word).map(Disruption::value);
            assert_eq!(kind.map(ShockKind::label), Some(word.word));
        }
    }
}
