//! The market for accelerators: when buyers order, and what sellers quote them.
//!
//! **Quotes.** A seller quotes a new order the earliest day it could ship, given the
//! orders ahead of it (available to promise): the first day `x`, in weekly steps, on
//! which what it can have finished by then covers the visible units of open orders that
//! may ship by `x` plus the new order (orders placed later never overtake it under
//! first-come allocation); then the shipping time. What it can have finished by `x`
//! ([`Promise`]): its finished stock; after a packaging cycle, what is in packaging and
//! what the inputs on hand and on their way can make; after the whole pipeline (fab,
//! transit, packaging), what the fabs' work in process adds, and from then on the
//! chain's planned capacity, day by day (the least of the packaging sites' capacity and,
//! for each input, what the fabs' capacity supplies, each on its capacity schedule and
//! at its known availability: so an outage lengthens quotes at once, and a seller
//! ramping up quotes against the capacity it is adding, as TSMC did with CoWoS). Duplicate copies inflate the visible book, so quotes lengthen in a
//! scramble and collapse when orders are filled and their copies cancelled.
//!
//! **Buyers.** A project orders when the quote (plus a margin) reaches its need date —
//! checked at a monthly market review, in need-date order — but never more than
//! `order_horizon_days` ahead of it (a year by default: budgets and supplier allocations
//! are annual, and distributors' quotes stop at 52 weeks), and at the latest
//! `order_lead_days` before its need date (the calm-market lead). Without the horizon a
//! book that outgrows capacity feeds on itself: each order lengthens the quote, which
//! brings the next buyer's need date within reach, until every buyer of the next years
//! has ordered at once. It may place
//! duplicate copies (`duplicate_orders`) and withdraw an order unfilled after
//! `cancel_after_days`. These behaviours follow the published accounts of GPU and chip
//! shortages collected in docs/sources.md (buyer behaviour): lead times that tracked
//! the order book, double ordering, and cancellations once supply caught up.
//!
//! Cost: a promise copies `RAMP_STEPS` cells of a cached capacity outlook (a cell is
//! computed, O(producers), the first time a promise needs it after an outage strikes
//! or a fab comes online, which empty the outlook); a quote walks the weeks it looks
//! ahead, O(1) each, and asks the book (O(1)) only in weeks where the promise has
//! reached what was due at its last look; a review is one quote per order placed, a
//! need-date change O(log n).

use std::collections::BTreeSet;

use crate::engine::{EngineError, Scheduler};

use super::project::ProjectEvent;
use super::{schedule, Event, GridId, ProjectId, RegionId, SupplyChain};

/// Days between two market reviews.
pub(super) const MARKET_REVIEW_DAYS: f64 = 365.25 / 12.0;
/// Longest wait before shipping a seller quotes (three years).
const MAX_QUOTE_DAYS: f64 = 3.0 * 365.0;
/// Days added to the allowed transit when planning when to ship (handling).
const SHIP_SLACK_DAYS: f64 = 2.0;
/// Days between the samples of planned capacity in a promise.
const RAMP_STEP_DAYS: f64 = 28.0;
/// Samples of planned capacity in a promise: enough to reach the longest quote.
const RAMP_STEPS: usize = (MAX_QUOTE_DAYS / RAMP_STEP_DAYS) as usize + 1;
/// Buyers still to order, and the sellers' outlook of their capacity.
#[derive(Debug, Default)]
pub(super) struct Market {
    /// Projects that have not ordered, by (need day bits, project).
    waiting: BTreeSet<(u64, u32)>,
    /// The chain's planned capacity per day in each `RAMP_STEP_DAYS` cell of the clock
    /// (cell `k` covers days `[k, k + 1) × RAMP_STEP_DAYS`, sampled at its middle), each
    /// computed when a promise first needs it (`None` until then); empty when it must
    /// be recomputed: after an outage strikes or a fab comes online, the only events
    /// that change what is planned. Promises look a few cells ahead of the clock, so
    /// most cells of a whole-horizon outlook are never needed before it is recomputed.
    outlook: Vec<Option<f64>>,
}

impl Market {
    /// The outlook must be recomputed before the next promise.
    pub(super) fn capacity_changed(&mut self) {
        self.outlook.clear();
    }
}

/// What a seller can have finished by a day, in accelerators (see the module docs).
#[derive(Debug, Clone, Copy)]
pub(super) struct Promise {
    finished: f64,
    /// Added after a packaging cycle.
    soon: f64,
    packaging_days: f64,
    /// Added after the whole pipeline.
    later: f64,
    pipeline_days: f64,
    /// Added per day after the whole pipeline: the planned capacity in each step of
    /// `RAMP_STEP_DAYS` from then on (the last holds beyond).
    per_day: [f64; RAMP_STEPS],
    /// What the planned capacity adds by the start of each step.
    added_by_step: [f64; RAMP_STEPS],
}

impl Promise {
    /// Accelerators it can have finished `days` from now.
    fn by(&self, days: f64) -> f64 {
        let mut total = self.finished;
        if days >= self.packaging_days {
            total += self.soon;
        }
        if days >= self.pipeline_days {
            let into = days - self.pipeline_days;
            let step = ((into / RAMP_STEP_DAYS) as usize).min(RAMP_STEPS - 1);
            total += self.later
                + self.added_by_step[step]
                + self.per_day[step] * (into - step as f64 * RAMP_STEP_DAYS);
        }
        total
    }
}

impl SupplyChain<'_> {
    /// What the sellers can promise now.
    pub(super) fn promise(&mut self, now: f64) -> Promise {
        let (packaging_days, pipeline_days) = self.pipeline_days();
        if self.market.outlook.is_empty() {
            let cells = ((self.horizon + pipeline_days) / RAMP_STEP_DAYS) as usize + RAMP_STEPS + 1;
            self.market.outlook.resize(cells, None);
        }
        let first = ((now + pipeline_days) / RAMP_STEP_DAYS).max(0.0) as usize;
        let last_cell = self.market.outlook.len() - 1;
        let mut per_day = [0.0; RAMP_STEPS];
        let mut added_by_step = [0.0; RAMP_STEPS];
        let mut added = 0.0;
        for step in 0..RAMP_STEPS {
            let cell = (first + step).min(last_cell);
            per_day[step] = match self.market.outlook[cell] {
                Some(per_day) => per_day,
                None => {
                    let middle = (cell as f64 + 0.5) * RAMP_STEP_DAYS;
                    let per_day = self.planned_capacity_per_day(middle);
                    self.market.outlook[cell] = Some(per_day);
                    per_day
                }
            };
            added_by_step[step] = added;
            added += per_day[step] * RAMP_STEP_DAYS;
        }
        let mut near = f64::INFINITY;
        let mut far = f64::INFINITY;
        for product in 0..self.world.products.len() {
            let per_unit = self.units_per_accelerator(super::ProductId(product as u32));
            if per_unit <= 0.0 {
                continue;
            }
            let on_hand: u64 = (self.sites.iter())
                .map(|s| s.stock[product] + s.inbound[product])
                .sum();
            let in_fabs: u64 = (self.world.fabs.iter().zip(&self.fabs))
                .filter(|(params, _)| params.product.0 as usize == product)
                .map(|(_, fab)| fab.good_dies_in_process())
                .sum();
            near = near.min(on_hand as f64 / per_unit);
            far = far.min((on_hand + in_fabs) as f64 / per_unit);
        }
        let (near, far) = if near.is_finite() {
            (near, far)
        } else {
            (0.0, 0.0)
        };
        let in_packaging: u64 = self.sites.iter().map(|s| s.producer.in_process()).sum();
        Promise {
            finished: self.sites.iter().map(|s| s.finished).sum::<u64>() as f64,
            soon: in_packaging as f64 + near,
            packaging_days,
            later: (far - near).max(0.0),
            pipeline_days,
            per_day,
            added_by_step,
        }
    }

    /// Days from shipping to arrival planned for a project in `region`: the longest
    /// transit allowed from any packaging site, plus two days of handling.
    pub(super) fn ship_lead(&self, region: RegionId) -> f64 {
        (self.world.packaging.iter())
            .map(|site| self.transit_estimate(site.region, region))
            .fold(0.0, f64::max)
            + SHIP_SLACK_DAYS
    }

    /// Mean days from a grant to a connection in `grid` now.
    pub(super) fn expected_connection_lead(&self, grid: GridId) -> f64 {
        let params = &self.world.grids[grid.0 as usize];
        params.transformer_lead_days.mean() * self.grids[grid.0 as usize].transformer_multiplier
    }

    /// The lead time (days from order to arrival) a seller with `promise` quotes today
    /// for `units` accelerators to `region`.
    pub(super) fn quote(&self, promise: &Promise, units: u64, region: RegionId, now: f64) -> f64 {
        let step = self.world.lot_interval_days;
        let mut wait = 0.0;
        // What is due never shrinks as `wait` grows, so while the seller can finish less
        // than was due at the last look, the book need not be asked again.
        let mut due_at_last_look = 0.0;
        while wait < MAX_QUOTE_DAYS {
            let finished = promise.by(wait);
            if finished >= due_at_last_look {
                let ahead = (self.book.due_by(now + wait) + units) as f64;
                if finished >= ahead {
                    break;
                }
                due_at_last_look = ahead;
            }
            wait += step;
        }
        wait + self.ship_lead(region)
    }

    /// A project joins the buyers still to order.
    pub(super) fn enter_market(
        &mut self,
        id: ProjectId,
        scheduler: &mut Scheduler<Event>,
    ) -> Result<(), EngineError> {
        let project = &self.projects[id.0 as usize];
        let floor = project.need_day - self.buyer_of(id).order_lead_days;
        self.market
            .waiting
            .insert((project.need_day.max(0.0).to_bits(), id.0));
        schedule(
            scheduler,
            floor,
            Event::Project(id, ProjectEvent::OrderFloor),
        )
        .map(|_| ())
    }

    /// A project leaves the buyers still to order.
    pub(super) fn leave_market(&mut self, id: ProjectId) {
        let need = self.projects[id.0 as usize].need_day;
        self.market.waiting.remove(&(need.max(0.0).to_bits(), id.0));
    }

    /// Moves a project's need date; its order (if placed) now ships to arrive by it.
    pub(super) fn set_need(
        &mut self,
        id: ProjectId,
        need: f64,
        now: f64,
        scheduler: &mut Scheduler<Event>,
    ) -> Result<(), EngineError> {
        let project = &self.projects[id.0 as usize];
        if need == project.need_day {
            return Ok(());
        }
        let ordered = project.ordered;
        if !ordered {
            self.leave_market(id);
        }
        let project = &mut self.projects[id.0 as usize];
        project.need_day = need;
        let release = need - project.ship_lead_days;
        if !ordered {
            self.market.waiting.insert((need.max(0.0).to_bits(), id.0));
            return Ok(());
        }
        match self.book.move_release(id, release, now) {
            Some(version) => {
                let event = Event::Project(id, ProjectEvent::Release(version));
                schedule(scheduler, release, event).map(|_| ())
            }
            None => self.allocate(now, scheduler),
        }
    }

    /// The latest day to order has come (or the need date moved and it must wait).
    pub(super) fn on_order_floor(
        &mut self,
        id: ProjectId,
        now: f64,
        scheduler: &mut Scheduler<Event>,
    ) -> Result<(), EngineError> {
        let project = &self.projects[id.0 as usize];
        if project.ordered || project.withdrawn {
            return Ok(());
        }
        let floor = project.need_day - self.buyer_of(id).order_lead_days;
        if now + 1e-9 < floor {
            return schedule(
                scheduler,
                floor,
                Event::Project(id, ProjectEvent::OrderFloor),
            )
            .map(|_| ());
        }
        let (units, region) = (project.accelerators, project.region);
        let promise = self.promise(now);
        let quote = self.quote(&promise, units, region, now);
        self.place_order(id, quote, now, scheduler)
    }

    /// The monthly review: every buyer whose need date is within the quoted lead time
    /// (plus its margin) orders now, in need-date order.
    pub(super) fn on_market_review(
        &mut self,
        scheduler: &mut Scheduler<Event>,
    ) -> Result<(), EngineError> {
        let now = scheduler.now().days();
        let promise = self.promise(now);
        while let Some(&(need_bits, project)) = self.market.waiting.first() {
            let id = ProjectId(project);
            let state = &self.projects[id.0 as usize];
            let quote = self.quote(&promise, state.accelerators, state.region, now);
            let buyer = self.buyer_of(id);
            let reach = (quote + buyer.order_margin_days).min(buyer.order_horizon_days);
            if f64::from_bits(need_bits) - now > reach {
                break;
            }
            self.place_order(id, quote, now, scheduler)?;
        }
        if now + MARKET_REVIEW_DAYS < self.horizon {
            schedule(scheduler, now + MARKET_REVIEW_DAYS, Event::MarketReview)?;
        }
        Ok(())
    }

    /// Places `id`'s order now, quoted `quoted` days.
    fn place_order(
        &mut self,
        id: ProjectId,
        quoted: f64,
        now: f64,
        scheduler: &mut Scheduler<Event>,
    ) -> Result<(), EngineError> {
        self.leave_market(id);
        let project = &self.projects[id.0 as usize];
        let (units, region) = (project.accelerators, project.region);
        let cancel_after = self.buyer_of(id).cancel_after_days;
        let project = &mut self.projects[id.0 as usize];
        project.ordered = true;
        project.order_day = now;
        let release = project.need_day - project.ship_lead_days;
        let (copies, priority) = (project.copies, project.priority);
        if self.trace.is_some() {
            let name = self.project_name(id);
            let detail = format!("quoted {quoted:.0} d, {copies} copies");
            self.record(now, "order_placed", &name, units as f64, detail);
        }
        self.tally.order_placed(now, units, quoted);
        self.book
            .place(id, units, copies, region, priority, now, release);
        if release > now {
            let event = Event::Project(id, ProjectEvent::Release(0));
            schedule(scheduler, release, event)?;
        }
        if let Some(days) = cancel_after {
            schedule(
                scheduler,
                now + days,
                Event::Project(id, ProjectEvent::Withdraw),
            )?;
        }
        self.allocate(now, scheduler)
    }
}
