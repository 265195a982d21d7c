//! Production planning: once per lot interval, each stage (packaging, and the fabs of
//! each product) decides how much to start with a smoothed base-stock (order-up-to)
//! policy on its echelon inventory position.
//!
//! - *Required* is what must be on hand or in process: the visible units of orders
//!   already due to ship, plus, for the stage's window (its own cycle time and
//!   everything downstream, plus `cover_weeks` of cover), the larger of the orders
//!   booked to ship in it and the forecast (the smoothed demand rate × the window), so
//!   a stage whose lead time is longer than buyers order ahead builds to forecast.
//! - *Position* is the stage's echelon inventory: everything it and the stages below it
//!   hold (work in process, inputs in transit and in stock, finished accelerators not
//!   yet allocated), in the stage's units.
//! - *Demand* is the smoothed rate at which units enter the window (exponential
//!   smoothing over `smoothing_weeks`).
//! - Starts = demand + (required − position − demand) / adjustment intervals, clipped
//!   to the stage's available capacity and shared among its producers in proportion to
//!   their capacity (packaging sites also only start what their inputs allow).
//!
//! - *Look-ahead*: an order larger than what the stage can make in its window (a
//!   gigawatt campus) is started early enough to be made at capacity: required is the
//!   largest, over horizons up to half a year beyond the window, of what is due by then
//!   less what the stage can make in the extra time.
//!
//! With an adjustment of one interval this is the textbook base-stock policy; longer
//! adjustments smooth it, so starts never jump from full to nothing. In a world short of
//! supply every stage runs at capacity; in a world with spare capacity, production
//! follows orders with a few weeks of cover, and a disruption that destroys work in
//! process raises the gap and so the starts of the producers that can still start.
//! Cost per tick: O(fabs + sites) (work in process is a running sum) plus O(log days)
//! per book query.

use crate::engine::{EngineError, Scheduler};

use super::{schedule, Event, ProductId, SupplyChain};

/// Horizons beyond the window a stage looks at for orders it must start early: this
/// many steps of two planning intervals (half a year with weekly intervals).
const LOOK_AHEAD_STEPS: u32 = 13;

/// The planning policy's parameters (from the scenario).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PlanningParams {
    /// Weeks of forward demand each stage keeps on hand beyond its cycle time.
    pub cover_weeks: f64,
    /// Weeks over which a gap between required and position is closed.
    pub adjustment_weeks: f64,
    /// Weeks over which the demand rate is smoothed.
    pub smoothing_weeks: f64,
}

impl Default for PlanningParams {
    fn default() -> Self {
        PlanningParams {
            cover_weeks: 4.0,
            adjustment_weeks: 4.0,
            smoothing_weeks: 13.0,
        }
    }
}

/// What a stage remembers between ticks to estimate its demand.
#[derive(Debug, Clone, Copy, Default)]
struct Signal {
    /// Required units (accelerators) at the last tick, None before the first.
    required: Option<f64>,
    /// The book's allocated total at the last tick.
    allocated: u64,
    /// Smoothed accelerators entering the window per interval.
    demand: f64,
}

impl Signal {
    /// Updates the demand estimate with `required` now; `smoothing` in (0, 1].
    fn observe(&mut self, required: f64, allocated: u64, smoothing: f64) -> f64 {
        let arrivals = match self.required {
            Some(previous) => required - previous + (allocated - self.allocated) as f64,
            None => 0.0,
        };
        if self.required.is_some() {
            self.demand += smoothing * (arrivals.max(0.0) - self.demand);
        }
        self.required = Some(required);
        self.allocated = allocated;
        self.demand
    }
}

/// The planner's state: one signal for packaging and one per product.
#[derive(Debug, Clone, Default)]
pub(super) struct Planner {
    packaging: Signal,
    products: Vec<Signal>,
    /// Window (days) of the packaging stage and of each product's fabs.
    packaging_window: f64,
    product_windows: Vec<f64>,
    /// Accelerators' worth of each product: units per accelerator.
    units_per_accelerator: Vec<f64>,
    /// Mean yield of each packaging site.
    packaging_yields: Vec<f64>,
    /// Mean good dies per wafer of each fab.
    good_dies_per_wafer: Vec<f64>,
    /// Each tick's capacities of the producers of one stage, kept to reuse its memory.
    caps: Vec<f64>,
    /// Each tick's online fabs of one product, kept to reuse its memory.
    fabs_online: Vec<usize>,
}

/// The fraction of capacity at which every producer runs to share `total` among
/// producers with capacities `caps` in proportion to capacity (none above it): each
/// producer's share is `cap.max(0.0) * load`.
pub(super) fn capacity_load(total: f64, caps: &[f64]) -> f64 {
    let capacity: f64 = caps.iter().map(|cap| cap.max(0.0)).sum();
    if capacity <= 0.0 {
        return 0.0;
    }
    (total.max(0.0) / capacity).min(1.0)
}

impl SupplyChain<'_> {
    /// Units of `product` per accelerator (capacity-weighted over the sites using it).
    pub(super) fn units_per_accelerator(&self, product: ProductId) -> f64 {
        self.planner.units_per_accelerator[product.0 as usize]
    }

    /// Days a packaging cycle takes, and days the whole pipeline (fab, transit,
    /// packaging) takes for the slowest input.
    pub(super) fn pipeline_days(&self) -> (f64, f64) {
        let cover = self.world.planning.cover_weeks * 7.0;
        let packaging = self.planner.packaging_window - cover;
        let slowest =
            (self.planner.product_windows.iter()).fold(packaging + cover, |a, &b| a.max(b));
        (packaging, slowest - cover)
    }

    /// The planner's windows and unit conversions for this world.
    pub(super) fn new_planner(&self) -> Planner {
        let world = self.world;
        let cover_days = world.planning.cover_weeks * 7.0;
        let weighted = |pairs: Vec<(f64, f64)>| {
            let weight: f64 = pairs.iter().map(|p| p.1).sum();
            if weight > 0.0 {
                pairs.iter().map(|p| p.0 * p.1).sum::<f64>() / weight
            } else {
                0.0
            }
        };
        let start = world.start_day;
        let packaging_cycle = weighted(
            (world.packaging.iter())
                .map(|s| {
                    (
                        s.cycle_time_days.mean(),
                        s.capacity.per_week(start).max(1.0),
                    )
                })
                .collect(),
        );
        let packaging_window = packaging_cycle + cover_days;
        let mut product_windows = Vec::new();
        let mut units_per_accelerator = Vec::new();
        for product in 0..world.products.len() {
            let product = ProductId(product as u32);
            let fabs: Vec<(f64, f64)> = (world.fabs.iter())
                .filter(|f| f.product == product)
                .map(|f| {
                    (
                        f.cycle_time_days.mean(),
                        f.capacity.per_week(start).max(1.0),
                    )
                })
                .collect();
            let transit = (world.fabs.iter())
                .filter(|f| f.product == product)
                .flat_map(|f| {
                    (world.packaging.iter()).map(move |s| self.transit_estimate(f.region, s.region))
                })
                .fold(0.0, f64::max);
            product_windows.push(weighted(fabs) + transit + packaging_window);
            units_per_accelerator.push(weighted(
                (world.packaging.iter())
                    .filter_map(|s| {
                        let per_unit = s.bill_of_materials.iter().find(|(p, _)| *p == product)?;
                        Some((per_unit.1 as f64, s.capacity.per_week(start).max(1.0)))
                    })
                    .collect(),
            ));
        }
        Planner {
            packaging: Signal::default(),
            products: vec![Signal::default(); world.products.len()],
            packaging_window,
            product_windows,
            units_per_accelerator,
            packaging_yields: (world.packaging.iter())
                .map(|site| site.yield_fraction.mean())
                .collect(),
            good_dies_per_wafer: (world.fabs.iter())
                .map(|fab| fab.dies_per_wafer * fab.yield_fraction.mean())
                .collect(),
            caps: Vec::new(),
            fabs_online: Vec::new(),
        }
    }

    /// Plans and starts one interval's work at every stage, then schedules the next tick.
    pub(super) fn on_plan_tick(
        &mut self,
        scheduler: &mut Scheduler<Event>,
    ) -> Result<(), EngineError> {
        let now = scheduler.now().days();
        let interval = self.world.lot_interval_days;
        self.plan_packaging(now, scheduler)?;
        for product in 0..self.world.products.len() {
            self.plan_fabs(ProductId(product as u32), now, scheduler)?;
        }
        if now + interval < self.horizon {
            schedule(scheduler, now + interval, Event::PlanTick)?;
        }
        Ok(())
    }

    /// Starts, per interval, for a stage whose window is `window` days, whose echelon
    /// position is `position` and that can make `capacity` per interval (all in
    /// accelerators).
    fn desired_starts(
        &mut self,
        stage: Option<ProductId>,
        now: f64,
        (window, position, capacity): (f64, f64, f64),
    ) -> f64 {
        let planning = self.world.planning;
        let interval = self.world.lot_interval_days;
        let smoothing = (interval / (planning.smoothing_weeks * 7.0).max(interval)).clamp(0.0, 1.0);
        let adjustment = (planning.adjustment_weeks * 7.0 / interval).max(1.0);
        let allocated = self.book.allocated_total;
        let due_now = self.book.due_by(now) as f64;
        let booked = self.book.due_by(now + window) as f64;
        let signal = match stage {
            None => &mut self.planner.packaging,
            Some(product) => &mut self.planner.products[product.0 as usize],
        };
        let demand = signal.observe(booked, allocated, smoothing);
        let required_by = |horizon: f64, booked: f64| {
            due_now + (booked - due_now).max(demand / interval * horizon)
                - capacity / interval * (horizon - window)
        };
        let mut required = required_by(window, booked);
        for step in 1..=LOOK_AHEAD_STEPS {
            let horizon = window + f64::from(2 * step) * interval;
            let booked = self.book.due_by(now + horizon) as f64;
            required = required.max(required_by(horizon, booked));
        }
        let gap = required - position;
        (demand + (gap - demand) / adjustment).max(0.0)
    }

    /// Good accelerators per day the chain's planned capacity can finish on `day`: the
    /// least of the packaging sites' capacity and, for each input, what its fabs'
    /// capacity supplies (started one input lead earlier), each on its capacity schedule
    /// at its known availability (a recovery curve is known once an outage has struck).
    /// Fabs not yet built are left out.
    pub(super) fn planned_capacity_per_day(&self, day: f64) -> f64 {
        let world = self.world;
        let planner = &self.planner;
        let mut chain: f64 = (world.packaging.iter().zip(&self.sites))
            .zip(&planner.packaging_yields)
            .map(|((params, site), mean_yield)| {
                params.capacity.per_week(day) / 7.0
                    * site.producer.clock.availability(day)
                    * mean_yield
            })
            .sum();
        for product in 0..world.products.len() {
            let per_unit = planner.units_per_accelerator[product];
            if per_unit <= 0.0 {
                continue;
            }
            let started =
                day - (self.planner.product_windows[product] - self.planner.packaging_window);
            let good_dies: f64 = (world.fabs.iter().zip(&self.fabs))
                .zip(&planner.good_dies_per_wafer)
                .filter(|((params, _), _)| params.product.0 as usize == product)
                .filter_map(|((params, fab), good_per_wafer)| {
                    Some(
                        params.wafer_starts_per_week(started, fab.online_day?) / 7.0
                            * fab.producer.clock.availability(started)
                            * good_per_wafer,
                    )
                })
                .sum();
            chain = chain.min(good_dies / per_unit);
        }
        chain
    }

    /// Starts packaging batches.
    fn plan_packaging(
        &mut self,
        now: f64,
        scheduler: &mut Scheduler<Event>,
    ) -> Result<(), EngineError> {
        let world = self.world;
        let interval = world.lot_interval_days;
        let mut caps = std::mem::take(&mut self.planner.caps);
        caps.clear();
        let mut yields = 0.0;
        let mut capacity_total = 0.0;
        let mut good_capacity = 0.0;
        for (index, (params, site)) in world.packaging.iter().zip(&self.sites).enumerate() {
            let full = params.capacity.per_week(now) * interval / 7.0;
            let availability = site.producer.clock.availability(now);
            if now >= world.start_day {
                self.tally.packaging_accelerators_lost += full * (1.0 - availability);
            }
            let feasible = (params.bill_of_materials.iter())
                .map(|&(product, per_unit)| site.stock[product.0 as usize] / per_unit)
                .min()
                .unwrap_or(0) as f64;
            caps.push((full * availability).min(feasible));
            let mean_yield = self.planner.packaging_yields[index];
            good_capacity += full * availability * mean_yield;
            yields += mean_yield * full;
            capacity_total += full;
        }
        let mean_yield = if capacity_total > 0.0 {
            yields / capacity_total
        } else {
            1.0
        };
        let position: f64 = (self.sites.iter())
            .map(|s| (s.finished + s.producer.in_process()) as f64)
            .sum();
        let window = self.planner.packaging_window;
        let good = self.desired_starts(None, now, (window, position, good_capacity));
        let load = capacity_load(good / mean_yield.max(0.01), &caps);
        for (index, &cap) in caps.iter().enumerate() {
            let site = &mut self.sites[index];
            let count = site
                .producer
                .whole_units(cap.max(0.0) * load)
                .min(cap as u64);
            let id = super::SiteId(index as u32);
            self.consume_inputs(id, count);
            self.start_batch(id, now, count, scheduler)?;
        }
        self.planner.caps = caps;
        Ok(())
    }

    /// Starts the lots of `product`'s fabs.
    fn plan_fabs(
        &mut self,
        product: ProductId,
        now: f64,
        scheduler: &mut Scheduler<Event>,
    ) -> Result<(), EngineError> {
        let world = self.world;
        let interval = world.lot_interval_days;
        let per_unit = self.planner.units_per_accelerator[product.0 as usize];
        if per_unit <= 0.0 {
            return Ok(());
        }
        let window = self.planner.product_windows[product.0 as usize];
        let mut dies = 0.0;
        for (params, fab) in world.fabs.iter().zip(&self.fabs) {
            if params.product == product {
                dies += fab.good_dies_in_process() as f64;
            }
        }
        for site in &self.sites {
            let p = product.0 as usize;
            dies += (site.inbound[p] + site.stock[p]) as f64;
            dies += per_unit * (site.finished + site.producer.in_process()) as f64;
        }
        let mut caps = std::mem::take(&mut self.planner.caps);
        let mut members = std::mem::take(&mut self.planner.fabs_online);
        caps.clear();
        members.clear();
        for (index, params) in world.fabs.iter().enumerate() {
            if params.product != product {
                continue;
            }
            let fab = &self.fabs[index];
            let Some(online_day) = fab.online_day else {
                continue;
            };
            let full = params.wafer_starts_per_week(now, online_day) * interval / 7.0;
            let availability = fab.producer.clock.availability(now);
            if now >= world.start_day && availability < 1.0 {
                self.tally.fab_wafers_lost += full * (1.0 - availability);
                self.tally.fab_capacity_days_lost += interval * (1.0 - availability);
            }
            let per_wafer = self.planner.good_dies_per_wafer[index];
            caps.push(full * availability * per_wafer);
            members.push(index);
        }
        let capacity = caps.iter().sum::<f64>() / per_unit;
        let stage = (window, dies / per_unit, capacity);
        let accelerators = self.desired_starts(Some(product), now, stage);
        let load = capacity_load(accelerators * per_unit, &caps);
        for (&index, &cap) in members.iter().zip(&caps) {
            let per_wafer = self.planner.good_dies_per_wafer[index];
            let wafers = self.fabs[index]
                .producer
                .whole_units(cap.max(0.0) * load / per_wafer.max(1e-9));
            self.start_lot(super::FabId(index as u32), now, wafers, scheduler)?;
        }
        self.planner.caps = caps;
        self.planner.fabs_online = members;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shares_follow_capacity_and_never_exceed_it() {
        let shares = |total: f64, caps: &[f64]| -> Vec<f64> {
            let load = capacity_load(total, caps);
            caps.iter().map(|cap| cap.max(0.0) * load).collect()
        };
        assert_eq!(shares(30.0, &[10.0, 20.0]), vec![10.0, 20.0]);
        assert_eq!(shares(100.0, &[10.0, 20.0]), vec![10.0, 20.0]);
        let split = shares(15.0, &[10.0, 20.0]);
        assert!((split[0] - 5.0).abs() < 1e-9 && (split[1] - 10.0).abs() < 1e-9);
        // Every producer is loaded to the same fraction of its capacity.
        let split = shares(51.0, &[2.0, 100.0]);
        assert!((split[0] - 1.0).abs() < 1e-9 && (split[1] - 50.0).abs() < 1e-9);
        assert_eq!(shares(5.0, &[0.0, 0.0]), vec![0.0, 0.0]);
        assert_eq!(shares(5.0, &[-1.0, 2.0]), vec![0.0, 2.0]);
    }

    #[test]
    fn a_steady_stream_is_matched_and_a_gap_is_closed_gradually() {
        let mut signal = Signal::default();
        // Required stays 100 while 10 a tick are allocated: 10 enter the window a tick.
        let mut allocated = 0;
        signal.observe(100.0, allocated, 0.5);
        for _ in 0..30 {
            allocated += 10;
            signal.observe(100.0, allocated, 0.5);
        }
        assert!((signal.demand - 10.0).abs() < 1e-6);
    }
}
