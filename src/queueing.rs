//! Reference queueing models that check the kernel against theory, and their closed
//! forms: M/M/c (Erlang C), M/D/1 (Pollaczek–Khinchine) and open tandem lines of
//! M/M/c stations (Jackson).
//!
//! One model covers all three: a line of `stations` stations with `servers` identical
//! servers each, Poisson arrivals at rate `lambda` to the first, and service at rate `mu`
//! (exponential or deterministic). An event is an arrival or a departure. Customers in
//! the system live in a slab that reuses slots, so memory does not grow with the number
//! of customers. Statistics discard the first `warmup` customers (by arrival order) and
//! use batch means over the rest, so the confidence interval is not built from
//! correlated observations.
//!
//! The same line also runs on a plain `std::collections::BinaryHeap` loop
//! ([`LineParameters::simulate_on_binary_heap`]): the floor a hand-written simulation
//! would reach, which `chipsim bench mmc --compare-heap` measures the kernel against.
//! Both order events by (time, insertion order), so both follow the same trajectory and
//! report the same numbers.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, VecDeque};

use rand_distr::{Distribution, Exp};

use crate::engine::{EngineError, Model, Scheduler, SimTime, Simulation};
use crate::random::{stream, SimRng};
use crate::stats::{BatchMeans, Moments};

/// Number of batches for batch-means confidence intervals.
pub const BATCHES: usize = 20;

/// Service time distribution of every station.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Service {
    /// Exponential with rate mu.
    Exponential,
    /// Always 1/mu.
    Deterministic,
}

/// Parameters of a line of identical M/M/c (or M/D/c) stations.
#[derive(Debug, Clone, Copy)]
pub struct LineParameters {
    /// Stations in series (1 for a single queue).
    pub stations: u32,
    /// Servers per station.
    pub servers: u32,
    /// Arrival rate at the first station (customers per unit time).
    pub lambda: f64,
    /// Service rate of one server.
    pub mu: f64,
    /// Customers that arrive in all.
    pub customers: u64,
    /// Customers, by arrival order, left out of the statistics.
    pub warmup: u64,
    /// Random seed.
    pub seed: u64,
    /// Service time distribution.
    pub service: Service,
}

/// What one run of the line measured.
#[derive(Debug, Clone, PartialEq)]
pub struct LineReport {
    /// Events handled (arrivals and departures).
    pub events: u64,
    /// Batch means of the total time spent waiting in queues.
    pub wait_in_queue: Moments,
    /// Batch means of the time from arrival to leaving the last station.
    pub sojourn: Moments,
    /// Customers that arrived.
    pub arrivals: u64,
    /// Customers that left the last station.
    pub departures: u64,
    /// Customers still in the system at the end (slots in use).
    pub in_system: u64,
    /// Customers queued or in service at the end, counted station by station.
    pub queued_or_in_service: u64,
}

/// Erlang B by the stable recurrence B(0) = 1, B(k) = a·B(k−1) / (k + a·B(k−1)).
fn erlang_b(servers: u32, offered_load: f64) -> f64 {
    (1..=servers).fold(1.0, |b, k| {
        offered_load * b / (f64::from(k) + offered_load * b)
    })
}

/// Mean wait in queue of an M/M/c queue (Erlang C); `None` when λ ≥ cμ.
pub fn mmc_wait_in_queue(lambda: f64, mu: f64, servers: u32) -> Option<f64> {
    let offered_load = lambda / mu;
    let c = f64::from(servers);
    if offered_load >= c {
        return None;
    }
    let b = erlang_b(servers, offered_load);
    let probability_of_waiting = c * b / (c - offered_load * (1.0 - b));
    Some(probability_of_waiting / (c * mu - lambda))
}

/// Mean wait in queue of an M/D/1 queue (Pollaczek–Khinchine); `None` when λ ≥ μ.
pub fn md1_wait_in_queue(lambda: f64, mu: f64) -> Option<f64> {
    let rho = lambda / mu;
    (rho < 1.0).then(|| lambda * (1.0 / (mu * mu)) / (2.0 * (1.0 - rho)))
}

impl LineParameters {
    /// The exact mean wait in queue at one station, where a closed form exists.
    pub fn exact_wait_in_queue(&self) -> Option<f64> {
        match (self.service, self.servers) {
            (Service::Exponential, c) => mmc_wait_in_queue(self.lambda, self.mu, c),
            (Service::Deterministic, 1) => md1_wait_in_queue(self.lambda, self.mu),
            (Service::Deterministic, _) => None,
        }
    }

    /// The exact mean sojourn through the whole line (Jackson: sum of the stations' W).
    pub fn exact_sojourn(&self) -> Option<f64> {
        let per_station = self.exact_wait_in_queue()? + 1.0 / self.mu;
        Some(f64::from(self.stations) * per_station)
    }

    /// Simulates the line until every customer has left.
    pub fn simulate(&self) -> Result<LineReport, EngineError> {
        self.simulate_until(f64::MAX)
    }

    /// Simulates the line until every customer has left or the clock passes
    /// `horizon` (time units of 1/mu), whichever comes first.
    pub fn simulate_until(&self, horizon: f64) -> Result<LineReport, EngineError> {
        let horizon = SimTime::new(horizon).map_err(|source| EngineError::InvalidTime {
            event: "the horizon".into(),
            source,
        })?;
        let mut line = Line::new(self);
        let mut simulation = Simulation::new(u64::MAX);
        simulation
            .scheduler()
            .schedule_at(SimTime::ZERO, LineEvent::Arrival)?;
        simulation.run_until(&mut line, horizon)?;
        Ok(line.report(simulation.events_handled()))
    }

    /// Simulates the line until every customer has left, on a plain `BinaryHeap` of
    /// `(time, sequence, event)` instead of the kernel; the result equals
    /// [`simulate`](Self::simulate)'s.
    pub fn simulate_on_binary_heap(&self) -> Result<LineReport, EngineError> {
        let mut line = Line::new(self);
        let mut calendar = PlainCalendar {
            now: 0.0,
            sequence: 1,
            heap: BinaryHeap::new(),
        };
        calendar
            .heap
            .push(Reverse((0.0_f64.to_bits(), 0, LineEvent::Arrival)));
        let mut events = 0;
        while let Some(Reverse((time_key, _, event))) = calendar.heap.pop() {
            calendar.now = f64::from_bits(time_key);
            events += 1;
            line.step(event, &mut calendar)?;
        }
        Ok(line.report(events))
    }
}

/// What the line needs from whatever keeps its events: the kernel's [`Scheduler`], or
/// the plain heap it is compared with.
trait Calendar {
    /// The current time.
    fn now(&self) -> f64;
    /// Schedules `event` after `delay` (finite, non-negative).
    fn schedule_in(&mut self, delay: f64, event: LineEvent) -> Result<(), EngineError>;
}

impl Calendar for Scheduler<LineEvent> {
    #[inline]
    fn now(&self) -> f64 {
        Scheduler::now(self).days()
    }

    #[inline]
    fn schedule_in(&mut self, delay: f64, event: LineEvent) -> Result<(), EngineError> {
        Scheduler::schedule_in(self, delay, event).map(|_| ())
    }
}

/// A `BinaryHeap` min-ordered by (time bits, insertion sequence): non-negative `f64`s
/// order like their bits, and the sequence breaks ties in insertion order.
struct PlainCalendar {
    now: f64,
    sequence: u64,
    heap: BinaryHeap<Reverse<(u64, u64, LineEvent)>>,
}

impl Calendar for PlainCalendar {
    #[inline]
    fn now(&self) -> f64 {
        self.now
    }

    #[inline]
    fn schedule_in(&mut self, delay: f64, event: LineEvent) -> Result<(), EngineError> {
        let time_key = (self.now + delay).to_bits();
        self.heap.push(Reverse((time_key, self.sequence, event)));
        self.sequence += 1;
        Ok(())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum LineEvent {
    Arrival,
    Departure { station: u32, customer: u32 },
}

#[derive(Debug, Clone, Copy, Default)]
struct Customer {
    arrival_index: u64,
    entered_line: f64,
    entered_station: f64,
    waited: f64,
}

#[derive(Debug, Default)]
struct Station {
    busy: u32,
    queue: VecDeque<u32>,
}

struct Line {
    parameters: LineParameters,
    arrival_rng: SimRng,
    service_rng: SimRng,
    interarrival: Exp<f64>,
    service: Exp<f64>,
    stations: Vec<Station>,
    customers: Vec<Customer>,
    free_customers: Vec<u32>,
    arrivals: u64,
    departures: u64,
    wait_batches: BatchMeans,
    sojourn_batches: BatchMeans,
}

impl Line {
    fn new(parameters: &LineParameters) -> Self {
        let observed = parameters.customers.saturating_sub(parameters.warmup);
        Line {
            parameters: *parameters,
            arrival_rng: stream(parameters.seed, "arrivals"),
            service_rng: stream(parameters.seed, "service"),
            interarrival: Exp::new(parameters.lambda).expect("validated rate"),
            service: Exp::new(parameters.mu).expect("validated rate"),
            stations: (0..parameters.stations)
                .map(|_| Station::default())
                .collect(),
            customers: Vec::new(),
            free_customers: Vec::new(),
            arrivals: 0,
            departures: 0,
            wait_batches: BatchMeans::new(observed, BATCHES),
            sojourn_batches: BatchMeans::new(observed, BATCHES),
        }
    }

    fn report(&self, events: u64) -> LineReport {
        LineReport {
            events,
            wait_in_queue: *self.wait_batches.batch_means(),
            sojourn: *self.sojourn_batches.batch_means(),
            arrivals: self.arrivals,
            departures: self.departures,
            in_system: (self.customers.len() - self.free_customers.len()) as u64,
            queued_or_in_service: (self.stations.iter())
                .map(|station| u64::from(station.busy) + station.queue.len() as u64)
                .sum(),
        }
    }

    fn service_time(&mut self) -> f64 {
        match self.parameters.service {
            Service::Exponential => self.service.sample(&mut self.service_rng),
            Service::Deterministic => 1.0 / self.parameters.mu,
        }
    }

    fn start_service(
        &mut self,
        station: u32,
        customer: u32,
        calendar: &mut impl Calendar,
    ) -> Result<(), EngineError> {
        let now = calendar.now();
        let record = &mut self.customers[customer as usize];
        record.waited += now - record.entered_station;
        self.stations[station as usize].busy += 1;
        let service = self.service_time();
        calendar.schedule_in(service, LineEvent::Departure { station, customer })
    }

    fn join(
        &mut self,
        station: u32,
        customer: u32,
        calendar: &mut impl Calendar,
    ) -> Result<(), EngineError> {
        self.customers[customer as usize].entered_station = calendar.now();
        if self.stations[station as usize].busy < self.parameters.servers {
            self.start_service(station, customer, calendar)
        } else {
            self.stations[station as usize].queue.push_back(customer);
            Ok(())
        }
    }

    /// Handles one event at `calendar.now()`.
    fn step(&mut self, event: LineEvent, calendar: &mut impl Calendar) -> Result<(), EngineError> {
        let now = calendar.now();
        match event {
            LineEvent::Arrival => {
                let record = Customer {
                    arrival_index: self.arrivals,
                    entered_line: now,
                    entered_station: now,
                    waited: 0.0,
                };
                let customer = match self.free_customers.pop() {
                    Some(slot) => {
                        self.customers[slot as usize] = record;
                        slot
                    }
                    None => {
                        self.customers.push(record);
                        (self.customers.len() - 1) as u32
                    }
                };
                self.arrivals += 1;
                if self.arrivals < self.parameters.customers {
                    let gap = self.interarrival.sample(&mut self.arrival_rng);
                    calendar.schedule_in(gap, LineEvent::Arrival)?;
                }
                self.join(0, customer, calendar)
            }
            LineEvent::Departure { station, customer } => {
                self.stations[station as usize].busy -= 1;
                if let Some(next) = self.stations[station as usize].queue.pop_front() {
                    self.start_service(station, next, calendar)?;
                }
                if station + 1 < self.parameters.stations {
                    return self.join(station + 1, customer, calendar);
                }
                let record = self.customers[customer as usize];
                if record.arrival_index >= self.parameters.warmup {
                    self.wait_batches.push(record.waited);
                    self.sojourn_batches.push(now - record.entered_line);
                }
                self.departures += 1;
                self.free_customers.push(customer);
                Ok(())
            }
        }
    }
}

impl Model for Line {
    type Event = LineEvent;

    #[inline]
    fn handle(
        &mut self,
        event: LineEvent,
        scheduler: &mut Scheduler<LineEvent>,
    ) -> Result<(), EngineError> {
        self.step(event, scheduler)
    }

    fn describe(&self, event: &LineEvent) -> String {
        format!("queueing line event {event:?}")
    }
}
