//! The discrete-event kernel: a clock, an event queue and a loop that hands each event
//! to a model. It knows nothing of chips.
//!
//! ```text
//!   model.handle(event, scheduler) ──schedules──► EventQueue (time, insertion order)
//!          ▲                                          │
//!          └───────── Simulation::run_until pops ◄────┘   clock jumps to each event
//! ```
//!
//! One replication is single-threaded and synchronous; parallelism lives in the runner.
//! A run stops when the queue is empty, at the horizon, or with
//! [`EngineError::EventBudgetExceeded`] when a runaway model exceeds its event budget.

mod queue;
mod time;

pub use queue::{EventId, EventQueue};
pub use time::{SimTime, TimeError};

/// Errors of the kernel. All are fatal for the replication in which they occur.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum EngineError {
    /// A model asked for an event at a time that is not a valid simulation time.
    #[error("cannot schedule {event}: {source}")]
    InvalidTime {
        /// What was being scheduled.
        event: String,
        /// Why the time is invalid.
        source: TimeError,
    },
    /// A model asked for an event before the current time.
    #[error("cannot schedule {event} at day {requested:.3}: the clock is already at day {now:.3}")]
    InThePast {
        /// What was being scheduled.
        event: String,
        /// The requested time in days.
        requested: f64,
        /// The clock in days.
        now: f64,
    },
    /// More events than the budget allows: the model is probably scheduling forever.
    #[error(
        "event budget of {budget} events exhausted at day {time:.3} while handling {event}; \
         the model is probably scheduling events forever (raise the budget if it is not)"
    )]
    EventBudgetExceeded {
        /// The budget.
        budget: u64,
        /// The clock in days when it ran out.
        time: f64,
        /// The event that would have exceeded it, described by the model (names the agent).
        event: String,
    },
}

/// A model reacts to its events by changing its state and scheduling new events.
pub trait Model {
    /// The events of this model: a small enum carrying typed ids, copied in and out of
    /// the event queue.
    type Event: Copy;

    /// Handles one event at `scheduler.now()`.
    fn handle(
        &mut self,
        event: Self::Event,
        scheduler: &mut Scheduler<Self::Event>,
    ) -> Result<(), EngineError>;

    /// A short description naming the agent an event belongs to, for error messages.
    fn describe(&self, event: &Self::Event) -> String;
}

/// The clock and the event queue, as seen by a model while it handles an event.
#[derive(Debug)]
pub struct Scheduler<E> {
    now: SimTime,
    queue: EventQueue<E>,
}

impl<E: Copy> Scheduler<E> {
    /// The current time.
    #[inline]
    pub fn now(&self) -> SimTime {
        self.now
    }

    /// Schedules `event` at absolute `time` (days), which must not be in the past.
    #[inline]
    pub fn schedule_at(&mut self, time: SimTime, event: E) -> Result<EventId, EngineError>
    where
        E: std::fmt::Debug,
    {
        if time < self.now {
            return Err(EngineError::InThePast {
                event: format!("{event:?}"),
                requested: time.days(),
                now: self.now.days(),
            });
        }
        Ok(self.queue.push(time, event))
    }

    /// Schedules `event` after `delay_days` (finite, non-negative).
    #[inline]
    pub fn schedule_in(&mut self, delay_days: f64, event: E) -> Result<EventId, EngineError>
    where
        E: std::fmt::Debug,
    {
        match self.now.after(delay_days) {
            Ok(time) => Ok(self.queue.push(time, event)),
            Err(source) => Err(EngineError::InvalidTime {
                event: format!("{event:?}"),
                source,
            }),
        }
    }

    /// Cancels a pending event; false if it already fired or was cancelled.
    #[inline]
    pub fn cancel(&mut self, id: EventId) -> bool {
        self.queue.cancel(id)
    }

    /// Number of pending events.
    pub fn pending(&self) -> usize {
        self.queue.len()
    }
}

/// Why [`Simulation::run_until`] returned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StopReason {
    /// No event was left.
    QueueEmpty,
    /// The next event lies beyond the horizon; the clock stands at the horizon.
    HorizonReached,
}

/// A clock, a queue, an event counter and an event budget.
#[derive(Debug)]
pub struct Simulation<E> {
    scheduler: Scheduler<E>,
    events_handled: u64,
    event_budget: u64,
}

impl<E: Copy> Simulation<E> {
    /// A simulation at time zero that may handle at most `event_budget` events.
    pub fn new(event_budget: u64) -> Self {
        Self::with_queue(event_budget, EventQueue::new())
    }

    /// A simulation at time zero that schedules into `queue`, emptied first: a queue
    /// handed back by [`into_queue`](Self::into_queue) brings its memory along, so
    /// replications run one after another need not grow a queue each.
    pub fn with_queue(event_budget: u64, mut queue: EventQueue<E>) -> Self {
        queue.clear();
        Simulation {
            scheduler: Scheduler {
                now: SimTime::ZERO,
                queue,
            },
            events_handled: 0,
            event_budget,
        }
    }

    /// Ends the simulation, returning its queue (and the queue's memory).
    pub fn into_queue(self) -> EventQueue<E> {
        self.scheduler.queue
    }

    /// The scheduler, to seed the first events before running.
    pub fn scheduler(&mut self) -> &mut Scheduler<E> {
        &mut self.scheduler
    }

    /// The current time.
    pub fn now(&self) -> SimTime {
        self.scheduler.now
    }

    /// Events handled so far.
    pub fn events_handled(&self) -> u64 {
        self.events_handled
    }

    /// Hands events to `model` in time order until the queue is empty or the next event
    /// lies after `horizon` (events exactly at the horizon are handled).
    pub fn run_until<M: Model<Event = E>>(
        &mut self,
        model: &mut M,
        horizon: SimTime,
    ) -> Result<StopReason, EngineError> {
        loop {
            let Some((time, event)) = self.scheduler.queue.pop_not_after_time(horizon) else {
                if !self.scheduler.queue.is_empty() {
                    self.scheduler.now = self.scheduler.now.max(horizon);
                    return Ok(StopReason::HorizonReached);
                }
                return Ok(StopReason::QueueEmpty);
            };
            if self.events_handled >= self.event_budget {
                return Err(EngineError::EventBudgetExceeded {
                    budget: self.event_budget,
                    time: time.days(),
                    event: model.describe(&event),
                });
            }
            self.scheduler.now = time;
            self.events_handled += 1;
            model.handle(event, &mut self.scheduler)?;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Re-schedules itself every day forever, and records what fired.
    struct Ticker {
        fired: Vec<(f64, u32)>,
        cancel_next: Option<EventId>,
    }

    #[derive(Debug, Clone, Copy)]
    enum Tick {
        Tick(u32),
        Cut,
    }

    impl Model for Ticker {
        type Event = Tick;
        fn handle(&mut self, event: Tick, s: &mut Scheduler<Tick>) -> Result<(), EngineError> {
            match event {
                Tick::Tick(n) => {
                    self.fired.push((s.now().days(), n));
                    self.cancel_next = Some(s.schedule_in(1.0, Tick::Tick(n + 1))?);
                }
                Tick::Cut => {
                    if let Some(id) = self.cancel_next.take() {
                        assert!(s.cancel(id));
                    }
                }
            }
            Ok(())
        }
        fn describe(&self, event: &Tick) -> String {
            format!("ticker event {event:?}")
        }
    }

    #[test]
    fn horizon_stops_and_clock_stands_at_horizon() {
        let mut sim = Simulation::new(1_000);
        sim.scheduler()
            .schedule_at(SimTime::ZERO, Tick::Tick(0))
            .unwrap();
        let mut model = Ticker {
            fired: vec![],
            cancel_next: None,
        };
        let reason = sim
            .run_until(&mut model, SimTime::new(3.5).unwrap())
            .unwrap();
        assert_eq!(reason, StopReason::HorizonReached);
        assert_eq!(model.fired.len(), 4);
        assert_eq!(sim.now().days(), 3.5);
        assert_eq!(sim.events_handled(), 4);
    }

    #[test]
    fn cancelling_cuts_a_pending_event_short() {
        let mut sim = Simulation::new(1_000);
        sim.scheduler()
            .schedule_at(SimTime::ZERO, Tick::Tick(0))
            .unwrap();
        sim.scheduler()
            .schedule_at(SimTime::new(2.5).unwrap(), Tick::Cut)
            .unwrap();
        let mut model = Ticker {
            fired: vec![],
            cancel_next: None,
        };
        let reason = sim
            .run_until(&mut model, SimTime::new(100.0).unwrap())
            .unwrap();
        assert_eq!(reason, StopReason::QueueEmpty);
        assert_eq!(model.fired, vec![(0.0, 0), (1.0, 1), (2.0, 2)]);
    }

    #[test]
    fn runaway_model_stops_at_budget_naming_the_event() {
        let mut sim = Simulation::new(50);
        sim.scheduler()
            .schedule_at(SimTime::ZERO, Tick::Tick(0))
            .unwrap();
        let mut model = Ticker {
            fired: vec![],
            cancel_next: None,
        };
        let horizon = SimTime::new(1e9).unwrap();
        let error = sim.run_until(&mut model, horizon).unwrap_err();
        let message = error.to_string();
        assert!(message.contains("event budget of 50"), "{message}");
        assert!(message.contains("ticker event Tick(50)"), "{message}");
        assert_eq!(model.fired.len(), 50);
    }

    #[test]
    fn scheduling_in_the_past_or_at_nan_is_an_error() {
        let mut sim: Simulation<Tick> = Simulation::new(10);
        let s = sim.scheduler();
        s.now = SimTime::new(5.0).unwrap();
        assert!(matches!(
            s.schedule_at(SimTime::new(1.0).unwrap(), Tick::Cut),
            Err(EngineError::InThePast { .. })
        ));
        assert!(matches!(
            s.schedule_in(f64::NAN, Tick::Cut),
            Err(EngineError::InvalidTime { .. })
        ));
    }
}
