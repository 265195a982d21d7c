//! Shipping lanes: scheduled departures with a capacity each and a drawn transit time
//! per departure. A consignment takes the next departures with room (splitting across
//! several if it must); routing takes the cheapest open lane between two regions, and
//! the next cheapest as a fallback. Departures are computed, not simulated: only
//! arrivals are events.

use std::collections::VecDeque;

use crate::distribution::Distribution;
use crate::engine::{EngineError, Scheduler};
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
    /// Open for new bookings.
    pub open: bool,
}

impl LaneState {
    pub fn new(params: &LaneParams, seed: u64) -> Self {
        LaneState {
            rng: stream(seed, &format!("lane/{}", params.name)),
            departures: VecDeque::new(),
            open: true,
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

    /// The cheapest open way from `from` to `to`.
    pub fn route(&self, from: RegionId, to: RegionId, lanes: &[LaneState]) -> Route {
        if from == to {
            return Route::Local;
        }
        self.by_pair[from.0 as usize * self.regions + to.0 as usize]
            .iter()
            .find(|lane| lanes[lane.0 as usize].open)
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
}

/// Shipments in transit, in slots that are reused.
#[derive(Debug, Default)]
pub(super) struct Shipments {
    slots: Vec<Option<Shipment>>,
    free: Vec<u32>,
}

impl Shipments {
    fn insert(&mut self, shipment: Shipment) -> ShipmentId {
        match self.free.pop() {
            Some(slot) => {
                self.slots[slot as usize] = Some(shipment);
                ShipmentId(slot)
            }
            None => {
                self.slots.push(Some(shipment));
                ShipmentId((self.slots.len() - 1) as u32)
            }
        }
    }

    fn remove(&mut self, id: ShipmentId) -> Option<Shipment> {
        let shipment = self.slots[id.0 as usize].take()?;
        self.free.push(id.0);
        Some(shipment)
    }

    /// Units in transit matching `filter`.
    pub fn units_in_transit(&self, filter: impl Fn(&Cargo) -> bool) -> u64 {
        self.slots
            .iter()
            .flatten()
            .filter(|s| filter(&s.cargo))
            .map(|s| s.units)
            .sum()
    }
}

impl SupplyChain<'_> {
    /// Moves `units` of `cargo` along `route`: at once if local, else booked on the
    /// lane's next departures with room.
    pub(super) fn send(
        &mut self,
        route: Route,
        cargo: Cargo,
        units: u64,
        scheduler: &mut Scheduler<Event>,
    ) -> Result<(), EngineError> {
        let now = scheduler.now().days();
        let lane_id = match route {
            Route::Local => return self.deliver(cargo, units, scheduler),
            Route::Lane(lane) => lane,
            Route::Unreachable => unreachable!("callers route only to reachable places"),
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
        let mut legs = Vec::new();
        while remaining > 0 {
            if position == lane.departures.len() || lane.departures[position].index != index {
                let transit_days = draw_days(&params.transit_days, &mut lane.rng);
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
            let room = (params.capacity_per_departure - departure.used)
                .floor()
                .max(0.0) as u64;
            let taken = room.min(remaining);
            if taken > 0 {
                departure.used += taken as f64;
                remaining -= taken;
                let leaves = index as f64 * interval;
                legs.push((taken, leaves, leaves + departure.transit_days));
            }
            position += 1;
            index += 1;
        }
        for (taken, leaves, arrives) in legs {
            let shipment = self.shipments.insert(Shipment {
                cargo,
                units: taken,
                lane: lane_id,
            });
            schedule(scheduler, arrives, Event::Arrival(shipment))?;
            let name = &self.world.lanes[lane_id.0 as usize].name;
            if self.trace.is_some() {
                self.record(
                    now,
                    "shipment_booked",
                    name,
                    taken as f64,
                    format!("leaves day {leaves:.1}, arrives day {arrives:.1}, {cargo:?}"),
                );
            }
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
