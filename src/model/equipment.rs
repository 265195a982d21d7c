//! Suppliers of long-lead power equipment for data centres (large transformers,
//! switchgear, gas turbines for behind-the-meter generation). A supplier serves the
//! projects of some regions; each such project orders its facility MW of equipment
//! `order_lead_days` before its planned go-live. Orders are made first come, first
//! served at the supplier's capacity (MW per year) behind the backlog it had at the
//! start, on the supplier's work clock, so an outage (a shock naming the supplier)
//! stops or slows its production like a fab's; a made order reaches the site a drawn
//! lead time later. A project goes live only once every supplier serving it has
//! delivered: equipment is a gate beside chips, grid and construction.

use crate::distribution::Distribution;
use crate::engine::{EngineError, Scheduler};
use crate::random::{stream, SimRng};

use super::outage::{Outage, WorkClock};
use super::{draw_days, schedule, Event, ProjectId, RegionId, SupplyChain};

/// Index of a power-equipment supplier.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct SupplierId(pub u32);

/// What happens at a power-equipment supplier.
#[derive(Debug, Clone, Copy)]
pub enum EquipmentEvent {
    /// A project orders its equipment.
    Order(ProjectId),
    /// A project's equipment (order slot) is made and leaves the works.
    Made(u32),
    /// A project's equipment reaches its site.
    Delivered(ProjectId),
}

/// A supplier's parameters.
#[derive(Debug, Clone)]
pub struct EquipmentParams {
    /// Id from the scenario.
    pub name: String,
    /// What it makes (free text, for reports).
    pub kind: String,
    /// Region its works stand in (for regional shocks).
    pub region: RegionId,
    /// Regions whose projects it equips.
    pub regions: Vec<RegionId>,
    /// Equipment for this many MW of facilities made per year, at full capacity.
    pub mw_per_year: f64,
    /// MW of other customers' orders ahead at the start.
    pub backlog_mw: f64,
    /// Days from the end of manufacture to the equipment energised on site.
    pub lead_time_days: Distribution,
    /// Days before its planned go-live that a project orders.
    pub order_lead_days: f64,
}

/// An order in the supplier's queue.
#[derive(Debug, Clone, Copy)]
struct Order {
    project: ProjectId,
    /// Work (full-capacity days) on the clock at which it is made.
    finish_work: f64,
    event: crate::engine::EventId,
}

/// One supplier's state in a replication.
#[derive(Debug)]
pub(super) struct SupplierState {
    rng: SimRng,
    /// Availability and work done.
    pub clock: WorkClock,
    /// Work at which the last order in the queue is made.
    queue_end_work: f64,
    /// Orders being made, by slot.
    orders: super::slots::Slots<Order>,
}

impl SupplierState {
    pub fn new(params: &EquipmentParams, start_day: f64, seed: u64) -> Self {
        let per_day = params.mw_per_year / 365.25;
        let backlog_days = if per_day > 0.0 {
            params.backlog_mw / per_day
        } else {
            0.0
        };
        SupplierState {
            rng: stream(seed, format_args!("power_equipment/{}", params.name)),
            clock: WorkClock::default(),
            queue_end_work: start_day + backlog_days,
            orders: super::slots::Slots::default(),
        }
    }
}

impl SupplyChain<'_> {
    /// The suppliers that equip a project in `region`.
    pub(super) fn suppliers_for(&self, region: RegionId) -> Vec<SupplierId> {
        (self.world.power_equipment.iter().enumerate())
            .filter(|(_, s)| s.regions.contains(&region))
            .map(|(index, _)| SupplierId(index as u32))
            .collect()
    }

    /// Schedules a project's equipment orders; returns how many suppliers it waits for.
    pub(super) fn order_equipment(
        &mut self,
        project: ProjectId,
        scheduler: &mut Scheduler<Event>,
    ) -> Result<u32, EngineError> {
        let state = &self.projects[project.0 as usize];
        let (region, planned) = (state.region, state.planned_go_live_day);
        let suppliers = self.suppliers_for(region);
        for &supplier in &suppliers {
            let lead = self.world.power_equipment[supplier.0 as usize].order_lead_days;
            let event = Event::Equipment(supplier, EquipmentEvent::Order(project));
            schedule(scheduler, planned - lead, event)?;
        }
        Ok(suppliers.len() as u32)
    }

    pub(super) fn on_equipment_event(
        &mut self,
        id: SupplierId,
        event: EquipmentEvent,
        scheduler: &mut Scheduler<Event>,
    ) -> Result<(), EngineError> {
        let now = scheduler.now().days();
        let params = &self.world.power_equipment[id.0 as usize];
        match event {
            EquipmentEvent::Order(project) => {
                let state = &self.projects[project.0 as usize];
                if state.withdrawn {
                    return Ok(());
                }
                let per_day = params.mw_per_year / 365.25;
                let work = state.grid_mw() / per_day.max(1e-9);
                let supplier = &mut self.suppliers[id.0 as usize];
                let begin = supplier.queue_end_work.max(supplier.clock.work_at(now));
                supplier.queue_end_work = begin + work;
                let finish_work = supplier.queue_end_work;
                let made = supplier.clock.day_of_work(finish_work);
                let slot = supplier.orders.next_slot();
                let event = schedule(
                    scheduler,
                    made,
                    Event::Equipment(id, EquipmentEvent::Made(slot)),
                )?;
                supplier.orders.insert(Order {
                    project,
                    finish_work,
                    event,
                });
                Ok(())
            }
            EquipmentEvent::Made(slot) => {
                let supplier = &mut self.suppliers[id.0 as usize];
                let Some(order) = supplier.orders.remove(slot) else {
                    return Ok(());
                };
                let lead = draw_days(&params.lead_time_days, &mut supplier.rng);
                let event = Event::Equipment(id, EquipmentEvent::Delivered(order.project));
                schedule(scheduler, now + lead, event).map(|_| ())
            }
            EquipmentEvent::Delivered(project) => self.equipment_delivered(project, now, scheduler),
        }
    }

    pub(super) fn describe_supplier(&self, id: SupplierId) -> String {
        format!(
            "power-equipment supplier {}",
            self.world.power_equipment[id.0 as usize].name
        )
    }

    /// An outage strikes the supplier now: every order in the queue is made later.
    pub(super) fn strike_supplier(
        &mut self,
        id: SupplierId,
        outage: Outage,
        scheduler: &mut Scheduler<Event>,
    ) -> Result<(), EngineError> {
        let supplier = &mut self.suppliers[id.0 as usize];
        supplier.clock.add(outage);
        for (slot, order) in supplier.orders.iter_mut() {
            scheduler.cancel(order.event);
            let made = supplier.clock.day_of_work(order.finish_work);
            order.event = schedule(
                scheduler,
                made,
                Event::Equipment(id, EquipmentEvent::Made(slot)),
            )?;
        }
        Ok(())
    }
}
