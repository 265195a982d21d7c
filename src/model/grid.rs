//! Grid regions: connection requests are studied (a drawn time), then wait in a queue
//! kept in request order; capacity (spare at the start, plus a yearly addition credited
//! monthly) is granted strictly in that order among studied requests, so a large
//! request at the head holds back smaller ones behind it, as in a utility's queue.
//! A granted request is connected once its transformer arrives (a drawn lead time).
//! A request whose study finished before the start was granted then (`spare_mw` is the
//! capacity left free after it) and waits only for its transformer.
//!
//! Most interconnection requests are withdrawn: in a region with `withdrawal_share`
//! (drawn once per replication), each project request is withdrawn with that
//! probability when its study is done, and the project is given up. Every project
//! remembers its request, study, grant and connection days, so its grid wait splits
//! into study, queue and equipment (transformer) time.
//!
//! Cost: the queue is ordered by place (request day, then arrival), with an index from
//! requester to place and the set of studied places, so a request, a study's end and a
//! grant are O(log n) however long the queue (a world with tens of thousands of
//! requests waiting would otherwise scan it on every event).

use std::collections::{BTreeMap, BTreeSet, HashMap};

use crate::distribution::Distribution;
use crate::engine::{EngineError, Scheduler};
use crate::random::{stream, SimRng};

use super::{draw_days, schedule, Event, GridId, Requester, SupplyChain};

/// Days between two monthly capacity additions.
const MONTH_DAYS: f64 = 365.25 / 12.0;

/// What happens at a grid operator.
#[derive(Debug, Clone, Copy)]
pub enum GridEvent {
    /// A connection study is finished; the request may now be granted.
    StudyDone(Requester),
    /// The transformer is in and the requester is connected.
    Connected(Requester),
    /// A grid region's monthly capacity addition.
    CapacityAdded(GridId),
}

/// A grid region's parameters.
#[derive(Debug, Clone)]
pub struct GridParams {
    /// Id from the scenario.
    pub name: String,
    /// Spare capacity at the start (MW).
    pub spare_mw: f64,
    /// Capacity added per year (MW/yr).
    pub capacity_added_mw_per_year: f64,
    /// Study time (days).
    pub study_days: Distribution,
    /// Transformer lead time after the grant (days).
    pub transformer_lead_days: Distribution,
    /// Share of project requests withdrawn after their study (drawn per replication).
    pub withdrawal_share: Distribution,
}

#[derive(Debug, Clone, Copy)]
struct Request {
    requester: Requester,
    megawatts: f64,
}

/// A request's place in the queue: its request day (as ordered bits), then its arrival
/// number, so requests of one day keep their arrival order.
type Place = (u64, u64);

/// Bits of `day` that order like the day (−0 counts as 0, as in a comparison).
fn day_order(day: f64) -> u64 {
    let bits = (day + 0.0).to_bits();
    if bits >> 63 == 1 {
        !bits
    } else {
        bits | 1 << 63
    }
}

/// One grid region's state in a replication.
#[derive(Debug)]
pub(super) struct GridState {
    rng: SimRng,
    /// Draws whether a request is withdrawn (its own stream, so the share leaves every
    /// other draw of the region as it was).
    withdrawal_rng: SimRng,
    /// Share of project requests withdrawn in this replication.
    withdrawal_share: f64,
    /// Capacity free for new grants (MW).
    pub available_mw: f64,
    /// Requests not yet granted, in queue order.
    queue: BTreeMap<Place, Request>,
    /// The place of each queued requester.
    places: HashMap<Requester, Place>,
    /// Places of the queued requests whose study is done.
    studied: BTreeSet<Place>,
    /// Requests queued so far (the next arrival number).
    arrivals: u64,
    /// MW granted and waiting for a transformer.
    pub awaiting_transformer_mw: f64,
    /// MW connected.
    pub connected_mw: f64,
    /// MW requested in all.
    pub requested_mw: f64,
    /// Active moratoria: the region grants nothing while any is active.
    pub moratoria: u32,
    /// Multiplier of transformer lead times (a crunch raises it).
    pub transformer_multiplier: f64,
}

impl GridState {
    pub fn new(params: &GridParams, seed: u64) -> Self {
        let mut withdrawal_rng = stream(seed, format_args!("grid_withdrawal/{}", params.name));
        let withdrawal_share = params
            .withdrawal_share
            .sample(&mut withdrawal_rng)
            .clamp(0.0, 1.0);
        GridState {
            rng: stream(seed, format_args!("grid/{}", params.name)),
            withdrawal_rng,
            withdrawal_share,
            available_mw: params.spare_mw,
            queue: BTreeMap::new(),
            places: HashMap::new(),
            studied: BTreeSet::new(),
            arrivals: 0,
            awaiting_transformer_mw: 0.0,
            connected_mw: 0.0,
            requested_mw: 0.0,
            moratoria: 0,
            transformer_multiplier: 1.0,
        }
    }

    /// MW requested and not yet granted.
    pub fn queued_mw(&self) -> f64 {
        self.queue.values().map(|request| request.megawatts).sum()
    }
}

impl SupplyChain<'_> {
    pub(super) fn on_grid_event(
        &mut self,
        event: GridEvent,
        scheduler: &mut Scheduler<Event>,
    ) -> Result<(), EngineError> {
        match event {
            GridEvent::StudyDone(requester) => self.on_grid_study_done(requester, scheduler),
            GridEvent::Connected(requester) => self.on_grid_connected(requester, scheduler),
            GridEvent::CapacityAdded(grid) => self.on_grid_capacity_added(grid, scheduler),
        }
    }

    pub(super) fn describe_grid_event(&self, event: GridEvent) -> String {
        let requester = match event {
            GridEvent::StudyDone(requester) | GridEvent::Connected(requester) => requester,
            GridEvent::CapacityAdded(grid) => {
                return format!("grid region {}", self.world.grids[grid.0 as usize].name)
            }
        };
        match requester {
            Requester::Project(p) => format!("grid request of project {}", self.project_name(p)),
            Requester::Fab(f) => {
                format!("grid request of fab {}", self.world.fabs[f.0 as usize].name)
            }
        }
    }

    pub(super) fn start_grid(
        &mut self,
        id: GridId,
        scheduler: &mut Scheduler<Event>,
    ) -> Result<(), EngineError> {
        if self.world.grids[id.0 as usize].capacity_added_mw_per_year > 0.0 {
            schedule(
                scheduler,
                self.world.start_day + MONTH_DAYS,
                Event::Grid(GridEvent::CapacityAdded(id)),
            )?;
        }
        Ok(())
    }

    /// Asks `grid` for `megawatts`, dated `request_day` (queue order), at that day.
    pub(super) fn request_grid(
        &mut self,
        requester: Requester,
        grid: GridId,
        megawatts: f64,
        request_day: f64,
        scheduler: &mut Scheduler<Event>,
    ) -> Result<(), EngineError> {
        let state = &mut self.grids[grid.0 as usize];
        state.requested_mw += megawatts;
        let study = draw_days(
            &self.world.grids[grid.0 as usize].study_days,
            &mut state.rng,
        );
        let study_done_day = request_day + study;
        if let Requester::Project(project) = requester {
            self.projects[project.0 as usize].study_done_day = Some(study_done_day);
        }
        let state = &mut self.grids[grid.0 as usize];
        if study_done_day < self.world.start_day {
            // Studied before the start: granted then, from capacity that `spare_mw` (free
            // at the start) no longer counts; only the transformer is still to come.
            let lead = draw_days(
                &self.world.grids[grid.0 as usize].transformer_lead_days,
                &mut state.rng,
            ) * state.transformer_multiplier;
            state.awaiting_transformer_mw += megawatts;
            if self.trace.is_some() {
                let name = &self.world.grids[grid.0 as usize].name;
                let detail =
                    format!("{requester:?}, granted before the start, transformer {lead:.0} d");
                self.record(
                    study_done_day.max(0.0),
                    "grid_granted",
                    name,
                    megawatts,
                    detail,
                );
            }
            let connection_day = study_done_day + lead;
            schedule(
                scheduler,
                connection_day,
                Event::Grid(GridEvent::Connected(requester)),
            )?;
            if let Requester::Project(project) = requester {
                self.project_granted(project, study_done_day, connection_day, scheduler)?;
            }
            return Ok(());
        }
        let place = (day_order(request_day), state.arrivals);
        state.arrivals += 1;
        state.queue.insert(
            place,
            Request {
                requester,
                megawatts,
            },
        );
        state.places.insert(requester, place);
        let name = &self.world.grids[grid.0 as usize].name;
        if self.trace.is_some() {
            self.record(
                scheduler.now().days(),
                "grid_request",
                name,
                megawatts,
                format!("{requester:?}, study {study:.0} d"),
            );
        }
        schedule(
            scheduler,
            request_day + study,
            Event::Grid(GridEvent::StudyDone(requester)),
        )
        .map(|_| ())
    }

    pub(super) fn on_grid_request(
        &mut self,
        requester: Requester,
        scheduler: &mut Scheduler<Event>,
    ) -> Result<(), EngineError> {
        let Requester::Project(project) = requester else {
            unreachable!("fabs request power when construction starts")
        };
        let state = &self.projects[project.0 as usize];
        let (grid, megawatts, day) = (state.grid, state.grid_mw(), state.grid_request_day);
        self.request_grid(requester, grid, megawatts, day, scheduler)
    }

    fn grid_of(&self, requester: Requester) -> GridId {
        match requester {
            Requester::Project(project) => self.projects[project.0 as usize].grid,
            Requester::Fab(fab) => self.world.fabs[fab.0 as usize]
                .construction
                .as_ref()
                .and_then(|construction| construction.grid)
                .expect("only constructions without secured power request it"),
        }
    }

    fn on_grid_study_done(
        &mut self,
        requester: Requester,
        scheduler: &mut Scheduler<Event>,
    ) -> Result<(), EngineError> {
        let grid = self.grid_of(requester);
        let state = &mut self.grids[grid.0 as usize];
        let Some(&place) = state.places.get(&requester) else {
            return Ok(());
        };
        if let Requester::Project(project) = requester {
            let draw: f64 = rand::Rng::random(&mut state.withdrawal_rng);
            if draw < state.withdrawal_share {
                state.places.remove(&requester);
                let request = state.queue.remove(&place).expect("a placed request");
                state.requested_mw -= request.megawatts;
                let now = scheduler.now().days();
                if self.trace.is_some() {
                    let name = &self.world.grids[grid.0 as usize].name;
                    let detail = format!("{requester:?} withdrawn after its study");
                    self.record(now, "grid_withdrawn", name, request.megawatts, detail);
                }
                self.abandon_project(project, now);
                return self.grant(grid, scheduler);
            }
        }
        state.studied.insert(place);
        self.grant(grid, scheduler)
    }

    fn on_grid_capacity_added(
        &mut self,
        grid: GridId,
        scheduler: &mut Scheduler<Event>,
    ) -> Result<(), EngineError> {
        let now = scheduler.now().days();
        let params = &self.world.grids[grid.0 as usize];
        self.grids[grid.0 as usize].available_mw += params.capacity_added_mw_per_year / 12.0;
        if now + MONTH_DAYS < self.horizon {
            schedule(
                scheduler,
                now + MONTH_DAYS,
                Event::Grid(GridEvent::CapacityAdded(grid)),
            )?;
        }
        self.grant(grid, scheduler)
    }

    /// Grants studied requests in queue order while capacity lasts.
    pub(super) fn grant(
        &mut self,
        grid: GridId,
        scheduler: &mut Scheduler<Event>,
    ) -> Result<(), EngineError> {
        let now = scheduler.now().days();
        let params = &self.world.grids[grid.0 as usize];
        loop {
            let state = &mut self.grids[grid.0 as usize];
            if state.moratoria > 0 {
                return Ok(());
            }
            let Some(&place) = state.studied.first() else {
                return Ok(());
            };
            let request = state.queue[&place];
            if request.megawatts > state.available_mw + 1e-9 {
                return Ok(());
            }
            state.studied.remove(&place);
            state.queue.remove(&place);
            state.places.remove(&request.requester);
            state.available_mw -= request.megawatts;
            state.awaiting_transformer_mw += request.megawatts;
            let lead = draw_days(&params.transformer_lead_days, &mut state.rng)
                * state.transformer_multiplier;
            if self.trace.is_some() {
                self.record(
                    now,
                    "grid_granted",
                    &params.name,
                    request.megawatts,
                    format!("{:?}, transformer {lead:.0} d", request.requester),
                );
            }
            schedule(
                scheduler,
                now + lead,
                Event::Grid(GridEvent::Connected(request.requester)),
            )?;
            if let Requester::Project(project) = request.requester {
                self.project_granted(project, now, now + lead, scheduler)?;
            }
        }
    }

    fn on_grid_connected(
        &mut self,
        requester: Requester,
        scheduler: &mut Scheduler<Event>,
    ) -> Result<(), EngineError> {
        let grid = self.grid_of(requester);
        let megawatts = match requester {
            Requester::Project(project) => self.projects[project.0 as usize].grid_mw(),
            Requester::Fab(fab) => self.world.fabs[fab.0 as usize]
                .construction
                .as_ref()
                .map_or(0.0, |c| c.power_mw),
        };
        let state = &mut self.grids[grid.0 as usize];
        state.awaiting_transformer_mw -= megawatts;
        state.connected_mw += megawatts;
        let now = scheduler.now().days();
        let name = &self.world.grids[grid.0 as usize].name;
        if self.trace.is_some() {
            self.record(
                now,
                "grid_connected",
                name,
                megawatts,
                format!("{requester:?}"),
            );
        }
        match requester {
            Requester::Project(project) => self.project_connected(project, scheduler),
            Requester::Fab(fab) => self.fab_connected(fab, scheduler),
        }
    }
}
