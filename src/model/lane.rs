//! Shipping lanes: scheduled departures with a capacity each and a drawn transit time
//! per departure. A consignment takes the next departures with room (splitting across
//! several if it must); routing takes the cheapest open lane between two regions, and
//! the next cheapest as a fallback. Departures are computed, not simulated: only
//! arrivals are events.

use std::collections::VecDeque;

use crate::distribution::Distribution;
use crate::engine::{EngineError, EventId, Scheduler};

use super::slots::Slots;
use crate::random::{stream, SimRng};

use super::{
    draw_days, schedule, Event, LaneId, ProductId, ProjectId, RegionId, ShipmentId, SiteId,
    SupplyChain, World,
};

/// Sea or air.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Container ship.
    Sea,
    /// Air freight.
    Air,
}

/// A lane's parameters.
#[derive(Debug, Clone)]
pub struct LaneParams {
    /// Id from the scenario.
    pub name: String,
    /// Origin region.
    pub from: RegionId,
    /// Destination region.
    pub to: RegionId,
    /// Sea or air.
    pub mode: Mode,
    /// Days between departures (the first leaves on day 0).
    pub departure_every_days: f64,
    /// Units one departure carries.
    pub capacity_per_departure: f64,
    /// Transit time (days), drawn once per departure.
    pub transit_days: Distribution,
    /// Cost per unit, for routing.
    pub cost_per_unit: f64,
}

#[derive(Debug, Clone, Copy)]
struct Departure {
    index: u64,
    used: f64,
    transit_days: f64,
}

/// One lane's state in a replication.
#[derive(Debug)]
pub(super) struct LaneState {
    rng: SimRng,
    /// Departures with cargo booked, from the earliest still to leave.
    departures: VecDeque<Departure>,
    /// Active closures (open when none).
    pub closures: u32,
    /// Transit days added by active disruptions.
    pub added_days: f64,
}

impl LaneState {
    /// Open for bookings.
    pub fn is_open(&self) -> bool {
        self.closures == 0
    }

    pub fn new(params: &LaneParams, seed: u64) -> Self {
        LaneState {
            rng: stream(seed, format_args!("lane/{}", params.name)),
            departures: VecDeque::new(),
            closures: 0,
            added_days: 0.0,
        }
    }
}

/// How goods get from one region to another.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Route {
    /// Same region: handed over at once.
    Local,
    /// By this lane.
    Lane(LaneId),
    /// No open lane.
    Unreachable,
}

/// Lanes by (from, to), cheapest first, in a dense table indexed by region pair.
#[derive(Debug)]
pub(super) struct Routes {
    regions: usize,
    by_pair: Vec<Vec<LaneId>>,
}

impl Routes {
    pub fn new(world: &World) -> Self {
        let regions = world.regions.len();
        let mut by_pair = vec![Vec::new(); regions * regions];
        for (index, lane) in world.lanes.iter().enumerate() {
            by_pair[lane.from.0 as usize * regions + lane.to.0 as usize].push(LaneId(index as u32));
        }
        for lanes in &mut by_pair {
            lanes.sort_by(|a, b| {
                let (la, lb) = (&world.lanes[a.0 as usize], &world.lanes[b.0 as usize]);
                la.cost_per_unit
                    .total_cmp(&lb.cost_per_unit)
                    .then(a.0.cmp(&b.0))
            });
        }
        Routes { regions, by_pair }
    }

    /// Days to allow from each region to each (row-major) by the cheapest lane: a long
    /// transit (its longest, or mean + 2 standard deviations if that is shorter) plus a
    /// whole departure interval; 0 within a region or with no lane.
    pub fn transit_estimates(&self, world: &World) -> Vec<f64> {
        let mut days = vec![0.0; self.regions * self.regions];
        for (pair, lanes) in self.by_pair.iter().enumerate() {
            if let Some(lane) = lanes.first() {
                let params = &world.lanes[lane.0 as usize];
                let transit = &params.transit_days;
                let long = transit
                    .support_max()
                    .min(transit.mean() + 2.0 * transit.variance().sqrt());
                days[pair] = long + params.departure_every_days;
            }
        }
        days
    }

    /// The cheapest open way from `from` to `to`.
    pub fn route(&self, from: RegionId, to: RegionId, lanes: &[LaneState]) -> Route {
        if from == to {
            return Route::Local;
        }
        self.by_pair[from.0 as usize * self.regions + to.0 as usize]
            .iter()
            .find(|lane| lanes[lane.0 as usize].is_open())
            .map_or(Route::Unreachable, |&lane| Route::Lane(lane))
    }
}

/// What a shipment carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Cargo {
    /// Dies or stacks for a packaging site.
    Components { site: SiteId, product: ProductId },
    /// Accelerators for a data-centre project.
    Accelerators { project: ProjectId },
}

#[derive(Debug, Clone, Copy)]
pub(super) struct Shipment {
    pub cargo: Cargo,
    pub units: u64,
    pub lane: LaneId,
    /// Departure index on the lane.
    departure: u64,
    /// Day it leaves.
    leaves: f64,
    /// Its arrival event, cancelled if the lane closes before it leaves.
    arrival: EventId,
}

/// A consignment with no open route yet: it waits where it is.
#[derive(Debug, Clone, Copy)]
pub(super) struct Parked {
    from: RegionId,
    to: RegionId,
    cargo: Cargo,
    units: u64,
}

impl Parked {
    /// The cargo and units waiting.
    pub fn load(&self) -> (Cargo, u64) {
        (self.cargo, self.units)
    }
}

/// Shipments in transit, in slots that are reused.
#[derive(Debug, Default)]
pub(super) struct Shipments(Slots<Shipment>);

impl Shipments {
    /// The id the next [`insert`](Self::insert) will use.
    fn next_id(&self) -> ShipmentId {
        ShipmentId(self.0.next_slot())
    }

    fn insert(&mut self, shipment: Shipment) -> ShipmentId {
        ShipmentId(self.0.insert(shipment))
    }

    fn remove(&mut self, id: ShipmentId) -> Option<Shipment> {
        self.0.remove(id.0)
    }

    /// Shipments on `lane` that leave after `day`.
    fn waiting_on(&self, lane: LaneId, day: f64) -> Vec<ShipmentId> {
        self.0
            .iter()
            .filter(|(_, s)| s.lane == lane && s.leaves > day)
            .map(|(slot, _)| ShipmentId(slot))
            .collect()
    }

    /// Units in transit matching `filter`.
    pub fn units_in_transit(&self, filter: impl Fn(&Cargo) -> bool) -> u64 {
        self.0
            .iter()
            .map(|(_, s)| s)
            .filter(|s| filter(&s.cargo))
            .map(|s| s.units)
            .sum()
    }
}

impl SupplyChain<'_> {
    /// The cheapest open way from `from` to `to`, unless an export control blocks it.
    pub(super) fn route(&self, from: RegionId, to: RegionId) -> Route {
        if from != to && self.blocked.contains(&(from, to)) {
            return Route::Unreachable;
        }
        self.routes.route(from, to, &self.lanes)
    }

    /// Moves `units` of `cargo` from region `from` to region `to`: at once if local,
    /// booked on the cheapest open lane's next departures with room, or parked until
    /// a route opens.
    pub(super) fn send(
        &mut self,
        from: RegionId,
        to: RegionId,
        cargo: Cargo,
        units: u64,
        scheduler: &mut Scheduler<Event>,
    ) -> Result<(), EngineError> {
        let now = scheduler.now().days();
        let lane_id = match self.route(from, to) {
            Route::Local => return self.deliver(cargo, units, scheduler),
            Route::Lane(lane) => lane,
            Route::Unreachable => {
                self.parked.push(Parked {
                    from,
                    to,
                    cargo,
                    units,
                });
                return Ok(());
            }
        };
        let params = &self.world.lanes[lane_id.0 as usize];
        let lane = &mut self.lanes[lane_id.0 as usize];
        let interval = params.departure_every_days;
        let first_index = (now / interval).ceil() as u64;
        while lane
            .departures
            .front()
            .is_some_and(|d| d.index < first_index)
        {
            lane.departures.pop_front();
        }
        let mut remaining = units;
        let mut position = 0;
        let mut index = first_index;
        while remaining > 0 {
            // Each leg is booked as it is found (no list of legs to allocate): the
            // lane's draws and the arrivals' scheduling keep their order.
            let lane = &mut self.lanes[lane_id.0 as usize];
            if position == lane.departures.len() || lane.departures[position].index != index {
                let transit_days = draw_days(&params.transit_days, &mut lane.rng) + lane.added_days;
                lane.departures.insert(
                    position,
                    Departure {
                        index,
                        used: 0.0,
                        transit_days,
                    },
                );
            }
            let departure = &mut lane.departures[position];
            // Whole units of room: the cast truncates (a floor, as room is not negative).
            let room = (params.capacity_per_departure - departure.used).max(0.0) as u64;
            let taken = room.min(remaining);
            let (departure_index, transit_days) = (index, departure.transit_days);
            position += 1;
            index += 1;
            if taken == 0 {
                continue;
            }
            departure.used += taken as f64;
            remaining -= taken;
            let leaves = departure_index as f64 * interval;
            let arrives = leaves + transit_days;
            let shipment = self.shipments.next_id();
            let arrival = schedule(scheduler, arrives, Event::Arrival(shipment))?;
            self.shipments.insert(Shipment {
                cargo,
                units: taken,
                lane: lane_id,
                departure: departure_index,
                leaves,
                arrival,
            });
            if self.trace.is_some() {
                self.record(
                    now,
                    "shipment_booked",
                    &params.name,
                    taken as f64,
                    format!("leaves day {leaves:.1}, arrives day {arrives:.1}, {cargo:?}"),
                );
            }
        }
        Ok(())
    }

    /// Closes `lane` (one more active closure); consignments booked on departures not
    /// yet gone are taken off and sent again by another route, or parked.
    pub(super) fn close_lane(
        &mut self,
        lane: LaneId,
        scheduler: &mut Scheduler<Event>,
    ) -> Result<(), EngineError> {
        let now = scheduler.now().days();
        self.lanes[lane.0 as usize].closures += 1;
        let params = &self.world.lanes[lane.0 as usize];
        for id in self.shipments.waiting_on(lane, now) {
            let Some(shipment) = self.shipments.remove(id) else {
                continue;
            };
            scheduler.cancel(shipment.arrival);
            let state = &mut self.lanes[lane.0 as usize];
            if let Some(departure) = state
                .departures
                .iter_mut()
                .find(|d| d.index == shipment.departure)
            {
                departure.used -= shipment.units as f64;
            }
            self.send(
                params.from,
                params.to,
                shipment.cargo,
                shipment.units,
                scheduler,
            )?;
        }
        Ok(())
    }

    /// Sends every parked consignment again (after a lane reopens or a control ends).
    pub(super) fn retry_parked(
        &mut self,
        scheduler: &mut Scheduler<Event>,
    ) -> Result<(), EngineError> {
        for parked in std::mem::take(&mut self.parked) {
            self.send(
                parked.from,
                parked.to,
                parked.cargo,
                parked.units,
                scheduler,
            )?;
        }
        Ok(())
    }

    pub(super) fn on_arrival(
        &mut self,
        id: ShipmentId,
        scheduler: &mut Scheduler<Event>,
    ) -> Result<(), EngineError> {
        let Some(shipment) = self.shipments.remove(id) else {
            return Ok(());
        };
        let now = scheduler.now().days();
        let name = &self.world.lanes[shipment.lane.0 as usize].name;
        if self.trace.is_some() {
            self.record(
                now,
                "shipment_arrived",
                name,
                shipment.units as f64,
                format!("{:?}", shipment.cargo),
            );
        }
        self.deliver(shipment.cargo, shipment.units, scheduler)
    }

    fn deliver(
        &mut self,
        cargo: Cargo,
        units: u64,
        scheduler: &mut Scheduler<Event>,
    ) -> Result<(), EngineError> {
        match cargo {
            Cargo::Components { site, product } => {
                self.receive_components(site, product, units);
                Ok(())
            }
            Cargo::Accelerators { project } => self.receive_accelerators(project, units, scheduler),
        }
    }
}
