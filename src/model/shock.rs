//! Shocks: disruptions that occur at Poisson times (a rate per year), on fixed dates,
//! or both, and degrade their targets while active. Each shock draws only from its own
//! stream, so adding one leaves every other draw as it was (common random numbers).
//!
//! | kind | scope | effect |
//! | --- | --- | --- |
//! | outage | site or region | capacity drops by a share drawn once per occurrence (spread per site if asked) and recovers linearly, in a step or along a curve; work in process stops or slows with the capacity, and a drawn share of the work hit is scrapped |
//! | lane disruption | lane or region | lanes close (cargo waits or takes a fallback lane) or gain transit days |
//! | export control | regions | no flows from `from_regions` to `to_regions` |
//! | grid moratorium | region | its grid grants no connections |
//! | transformer crunch | region | transformer lead times multiplied |
//! | demand surge | demand curve | extra projects requested at once |

use crate::distribution::Distribution;
use crate::engine::{EngineError, Scheduler};
use crate::random::{stream, SimRng};

use super::outage::{Outage, RecoveryCurve};
use super::{draw_days, schedule, Event, GridId, LaneId, ProducerRef, RegionId, SupplyChain};

/// What happens to a shock.
#[derive(Debug, Clone, Copy)]
pub enum ShockEvent {
    /// An occurrence starts.
    Start,
    /// An occurrence (index) ends.
    End(u32),
}

/// What kind of disruption.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum ShockKind {
    /// Fab or packaging outage.
    Outage,
    /// Lane closure or diversion.
    LaneDisruption,
    /// Export control.
    ExportControl,
    /// Grid moratorium.
    GridMoratorium,
    /// Transformer crunch.
    TransformerCrunch,
    /// Demand surge.
    DemandSurge,
}

impl ShockKind {
    /// Every kind, in a fixed order.
    pub const ALL: [ShockKind; 6] = [
        ShockKind::Outage,
        ShockKind::LaneDisruption,
        ShockKind::ExportControl,
        ShockKind::GridMoratorium,
        ShockKind::TransformerCrunch,
        ShockKind::DemandSurge,
    ];

    /// Position in [`ShockKind::ALL`].
    pub fn index(self) -> usize {
        self as usize
    }

    /// snake_case name, as in scenario files.
    pub fn label(self) -> &'static str {
        match self {
            ShockKind::Outage => "outage",
            ShockKind::LaneDisruption => "lane_disruption",
            ShockKind::ExportControl => "export_control",
            ShockKind::GridMoratorium => "grid_moratorium",
            ShockKind::TransformerCrunch => "transformer_crunch",
            ShockKind::DemandSurge => "demand_surge",
        }
    }
}

/// What a shock does to its targets.
#[derive(Debug, Clone)]
pub enum ShockEffect {
    /// Capacity loss and scrapped work in process at fabs and packaging sites.
    Outage {
        /// Fabs, packaging sites and suppliers hit.
        producers: Vec<ProducerRef>,
        /// Share of capacity lost at onset, drawn once per occurrence for every site hit.
        capacity_lost: Distribution,
        /// Spread of each site's loss around the occurrence's: the site loses
        /// `lost × (1 + u)`, u uniform in ±spread (0: all sites alike).
        severity_spread: f64,
        /// How capacity comes back.
        recovery: Recovery,
        /// Share of the work in process hit (the lost share of capacity) that is
        /// scrapped at onset.
        wip_scrapped: Distribution,
    },
    /// Lanes closed, or slowed by added transit days.
    LaneDisruption {
        /// Lanes hit.
        lanes: Vec<LaneId>,
        /// Days added to transit (None: the lanes close).
        added_days: Option<Distribution>,
    },
    /// Flows stopped between regions.
    ExportControl {
        /// Origins.
        from: Vec<RegionId>,
        /// Destinations.
        to: Vec<RegionId>,
    },
    /// No grid connections granted.
    GridMoratorium {
        /// Grid regions hit.
        grids: Vec<GridId>,
    },
    /// Transformer lead times multiplied.
    TransformerCrunch {
        /// Grid regions hit.
        grids: Vec<GridId>,
        /// The multiplier.
        multiplier: Distribution,
    },
    /// Extra data-centre projects.
    DemandSurge {
        /// Index of the demand curve the projects follow.
        demand: usize,
        /// Extra IT load (MW).
        extra_mw: Distribution,
        /// Row of `projects.csv` for the extra projects.
        group: usize,
    },
}

/// How an outage's capacity comes back.
#[derive(Debug, Clone, PartialEq)]
pub enum Recovery {
    /// Linearly over the occurrence's duration.
    Linear,
    /// All at once at the end of the occurrence.
    Step,
    /// Along a curve of (days since onset, share available) points, stretched to the
    /// occurrence's duration when the shock has one.
    Curve(RecoveryCurve),
}

impl Recovery {
    /// The curve of an occurrence lasting `duration` days; a curve keeps its own days
    /// unless the shock draws durations (`stretch`).
    fn curve(&self, duration: f64, stretch: bool) -> RecoveryCurve {
        match self {
            Recovery::Linear => RecoveryCurve::linear(duration),
            Recovery::Step => RecoveryCurve::step(duration),
            Recovery::Curve(curve) if stretch => curve.stretched_to(duration),
            Recovery::Curve(curve) => curve.clone(),
        }
    }
}

/// A shock's parameters.
#[derive(Debug, Clone)]
pub struct ShockParams {
    /// Id from the scenario.
    pub name: String,
    /// Its kind.
    pub kind: ShockKind,
    /// Poisson occurrences per year.
    pub rate_per_year: f64,
    /// Fixed occurrence days.
    pub days: Vec<f64>,
    /// Duration of each occurrence (None: to the end of the horizon).
    pub duration_days: Option<Distribution>,
    /// What it does.
    pub effect: ShockEffect,
}

/// A shock's state in a replication.
#[derive(Debug)]
pub(super) struct ShockState {
    rng: SimRng,
    /// Occurrences so far.
    pub occurrences: u64,
    /// What each active occurrence must undo at its end (by occurrence index).
    undo: Vec<Undo>,
}

/// What to reverse when an occurrence ends.
#[derive(Debug, Clone, Copy)]
enum Undo {
    Nothing,
    AddedDays(f64),
    Multiplier(f64),
}

/// One site's share of capacity lost: the occurrence's `lost`, spread by ±`spread`.
fn spread_severity(lost: f64, spread: f64, rng: &mut SimRng) -> f64 {
    if spread <= 0.0 {
        return lost;
    }
    let u: f64 = rand::Rng::random(rng);
    (lost * (1.0 + spread * (2.0 * u - 1.0))).clamp(0.0, 1.0)
}

impl ShockState {
    pub fn new(params: &ShockParams, seed: u64) -> Self {
        ShockState {
            rng: stream(seed, format_args!("shock/{}", params.name)),
            occurrences: 0,
            undo: Vec::new(),
        }
    }
}

impl SupplyChain<'_> {
    pub(super) fn on_shock_event(
        &mut self,
        index: u32,
        event: ShockEvent,
        scheduler: &mut Scheduler<Event>,
    ) -> Result<(), EngineError> {
        match event {
            ShockEvent::Start => self.on_shock_start(index, scheduler),
            ShockEvent::End(occurrence) => self.on_shock_end(index, occurrence, scheduler),
        }
    }

    pub(super) fn describe_shock(&self, index: u32) -> String {
        format!("shock {}", self.world.shocks[index as usize].name)
    }

    /// Schedules every occurrence of shock `index`: fixed dates and Poisson times.
    pub(super) fn start_shock(
        &mut self,
        index: usize,
        scheduler: &mut Scheduler<Event>,
    ) -> Result<(), EngineError> {
        let params = &self.world.shocks[index];
        let mut days = params.days.clone();
        if params.rate_per_year > 0.0 {
            let state = &mut self.shocks[index];
            let mean_gap = 365.25 / params.rate_per_year;
            let mut day = self.world.start_day;
            loop {
                let uniform: f64 = rand::Rng::random(&mut state.rng);
                day += -mean_gap * (1.0 - uniform).ln();
                if day >= self.horizon {
                    break;
                }
                days.push(day);
            }
        }
        days.sort_by(f64::total_cmp);
        for day in days {
            schedule(
                scheduler,
                day,
                Event::Shock(index as u32, ShockEvent::Start),
            )?;
        }
        Ok(())
    }

    fn on_shock_start(
        &mut self,
        index: u32,
        scheduler: &mut Scheduler<Event>,
    ) -> Result<(), EngineError> {
        let now = scheduler.now().days();
        let params = &self.world.shocks[index as usize];
        let state = &mut self.shocks[index as usize];
        state.occurrences += 1;
        let occurrence = state.undo.len() as u32;
        let duration = match (&params.duration_days, &params.effect) {
            (Some(distribution), _) => draw_days(distribution, &mut state.rng),
            (
                None,
                ShockEffect::Outage {
                    recovery: Recovery::Curve(curve),
                    ..
                },
            ) => curve.length(),
            (None, _) => self.horizon - now,
        };
        let undo = match &params.effect {
            ShockEffect::Outage {
                producers,
                capacity_lost,
                severity_spread,
                recovery,
                wip_scrapped,
            } => {
                let lost = capacity_lost.sample(&mut state.rng).clamp(0.0, 1.0);
                let scrapped = wip_scrapped.sample(&mut state.rng).clamp(0.0, 1.0);
                let curve = recovery.curve(duration, params.duration_days.is_some());
                let losses: Vec<f64> = (producers.iter())
                    .map(|_| spread_severity(lost, *severity_spread, &mut state.rng))
                    .collect();
                for (&producer, site_lost) in producers.iter().zip(losses) {
                    let outage = Outage {
                        start: now,
                        lost: site_lost,
                        curve: curve.clone(),
                    };
                    self.strike(producer, outage, scrapped * site_lost, scheduler)?;
                }
                Undo::Nothing
            }
            ShockEffect::LaneDisruption { lanes, added_days } => match added_days {
                Some(distribution) => {
                    let days = draw_days(distribution, &mut state.rng);
                    for &lane in lanes {
                        self.lanes[lane.0 as usize].added_days += days;
                    }
                    Undo::AddedDays(days)
                }
                None => {
                    for &lane in lanes {
                        self.close_lane(lane, scheduler)?;
                    }
                    Undo::Nothing
                }
            },
            ShockEffect::ExportControl { from, to } => {
                for &origin in from {
                    for &destination in to {
                        self.blocked.push((origin, destination));
                    }
                }
                Undo::Nothing
            }
            ShockEffect::GridMoratorium { grids } => {
                for &grid in grids {
                    self.grids[grid.0 as usize].moratoria += 1;
                }
                Undo::Nothing
            }
            ShockEffect::TransformerCrunch { grids, multiplier } => {
                let factor = multiplier.sample(&mut state.rng).max(1.0);
                for &grid in grids {
                    self.grids[grid.0 as usize].transformer_multiplier *= factor;
                }
                Undo::Multiplier(factor)
            }
            ShockEffect::DemandSurge {
                demand,
                extra_mw,
                group,
            } => {
                let megawatts = extra_mw.sample(&mut state.rng).max(0.0);
                self.tally.surge_mw += megawatts;
                let (demand, group) = (*demand, *group);
                let mut rng = state.rng.clone();
                self.add_surge_projects(demand, group, megawatts, now, &mut rng, scheduler)?;
                self.shocks[index as usize].rng = rng;
                Undo::Nothing
            }
        };
        self.shocks[index as usize].undo.push(undo);
        self.tally.shock_days[params.kind.index()] += duration.min(self.horizon - now);
        if self.trace.is_some() {
            let detail = format!("{} for {duration:.1} days", params.kind.label());
            self.record(now, "shock_start", &params.name, duration, detail);
        }
        schedule(
            scheduler,
            now + duration,
            Event::Shock(index, ShockEvent::End(occurrence)),
        )
        .map(|_| ())
    }

    fn on_shock_end(
        &mut self,
        index: u32,
        occurrence: u32,
        scheduler: &mut Scheduler<Event>,
    ) -> Result<(), EngineError> {
        let params = &self.world.shocks[index as usize];
        let undo = self.shocks[index as usize].undo[occurrence as usize];
        match (&params.effect, undo) {
            (ShockEffect::LaneDisruption { lanes, .. }, Undo::AddedDays(days)) => {
                for &lane in lanes {
                    self.lanes[lane.0 as usize].added_days -= days;
                }
            }
            (ShockEffect::LaneDisruption { lanes, .. }, _) => {
                for &lane in lanes {
                    self.lanes[lane.0 as usize].closures -= 1;
                }
                self.retry_parked(scheduler)?;
                // Stock held back for regions the closure cut off may ship now.
                let now = scheduler.now().days();
                self.allocate(now, scheduler)?;
            }
            (ShockEffect::ExportControl { from, to }, _) => {
                for &origin in from {
                    for &destination in to {
                        if let Some(position) = self
                            .blocked
                            .iter()
                            .position(|&pair| pair == (origin, destination))
                        {
                            self.blocked.swap_remove(position);
                        }
                    }
                }
                self.retry_parked(scheduler)?;
                let now = scheduler.now().days();
                self.allocate(now, scheduler)?;
            }
            (ShockEffect::GridMoratorium { grids }, _) => {
                for &grid in grids {
                    self.grids[grid.0 as usize].moratoria -= 1;
                    self.grant(grid, scheduler)?;
                }
            }
            (ShockEffect::TransformerCrunch { grids, .. }, Undo::Multiplier(factor)) => {
                for &grid in grids {
                    self.grids[grid.0 as usize].transformer_multiplier /= factor;
                }
            }
            _ => {}
        }
        if self.trace.is_some() {
            let now = scheduler.now().days();
            self.record(
                now,
                "shock_end",
                &params.name,
                0.0,
                params.kind.label().to_string(),
            );
        }
        Ok(())
    }
}
