//! Shocks: disruptions that occur at Poisson times (a rate per year), on fixed dates,
//! or both, and degrade their targets while active. Each shock draws only from its own
//! stream, so adding one leaves every other draw as it was (common random numbers).
//!
//! | kind | scope | effect |
//! | --- | --- | --- |
//! | outage | site or region | capacity drops by a drawn fraction and recovers (linear or step) over a drawn duration; a drawn fraction of work in progress is scrapped |
//! | lane disruption | lane or region | lanes close (cargo waits or takes a fallback lane) or gain transit days |
//! | export control | regions | no flows from `from_regions` to `to_regions` |
//! | grid moratorium | region | its grid grants no connections |
//! | transformer crunch | region | transformer lead times multiplied |
//! | demand surge | demand curve | extra projects requested at once |

use crate::distribution::Distribution;
use crate::engine::{EngineError, Scheduler};
use crate::random::{stream, SimRng};

use super::{draw_days, schedule, Event, FabId, GridId, LaneId, RegionId, SiteId, SupplyChain};

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
    /// Capacity loss and scrapped work in progress at fabs and packaging sites.
    Outage {
        /// Fabs hit.
        fabs: Vec<FabId>,
        /// Packaging sites hit.
        sites: Vec<SiteId>,
        /// Fraction of capacity lost at onset.
        capacity_lost: Distribution,
        /// Linear recovery (else a step back at the end).
        linear: bool,
        /// Fraction of work in progress scrapped at onset.
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

/// One outage acting on a site: capacity multiplier `1 - lost × remaining share`.
#[derive(Debug, Clone, Copy)]
struct Outage {
    start: f64,
    lost: f64,
    duration: f64,
    linear: bool,
}

/// The outages acting on one fab or packaging site.
#[derive(Debug, Clone, Default)]
pub(super) struct Outages(Vec<Outage>);

impl Outages {
    fn push(&mut self, outage: Outage) {
        self.0.push(outage);
    }

    /// Share of capacity available on `day` (1 with no outage); forgets outages
    /// that are over.
    pub fn availability(&mut self, day: f64) -> f64 {
        self.0.retain(|o| day < o.start + o.duration);
        self.0
            .iter()
            .map(|o| {
                let remaining = if o.linear {
                    1.0 - (day - o.start) / o.duration
                } else {
                    1.0
                };
                1.0 - o.lost * remaining.clamp(0.0, 1.0)
            })
            .product()
    }
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

impl ShockState {
    pub fn new(params: &ShockParams, seed: u64) -> Self {
        ShockState {
            rng: stream(seed, &format!("shock/{}", params.name)),
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
            let mut day = 0.0;
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
        let duration = match &params.duration_days {
            Some(distribution) => draw_days(distribution, &mut state.rng),
            None => self.horizon - now,
        };
        let undo = match &params.effect {
            ShockEffect::Outage {
                fabs,
                sites,
                capacity_lost,
                linear,
                wip_scrapped,
            } => {
                for &fab in fabs {
                    let lost = capacity_lost.sample(&mut state.rng).clamp(0.0, 1.0);
                    let scrapped = wip_scrapped.sample(&mut state.rng).clamp(0.0, 1.0);
                    let outage = Outage {
                        start: now,
                        lost,
                        duration,
                        linear: *linear,
                    };
                    let state = &mut self.fabs[fab.0 as usize];
                    state.producer.outages.push(outage);
                    let lost = state.producer.scrap_work_in_process(scrapped);
                    state.dies_shock_scrapped += lost.units;
                    self.tally.fab_wafers_lost += lost.capacity_units;
                }
                for &site in sites {
                    let lost = capacity_lost.sample(&mut state.rng).clamp(0.0, 1.0);
                    let scrapped = wip_scrapped.sample(&mut state.rng).clamp(0.0, 1.0);
                    let outage = Outage {
                        start: now,
                        lost,
                        duration,
                        linear: *linear,
                    };
                    let state = &mut self.sites[site.0 as usize];
                    state.producer.outages.push(outage);
                    let lost = state.producer.scrap_work_in_process(scrapped);
                    state.accelerators_scrapped += lost.units;
                    self.tally.packaging_accelerators_lost += lost.capacity_units;
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
