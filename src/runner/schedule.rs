//! Parallel execution with results independent of the thread count.
//!
//! Worker threads (scoped `std` threads, so they can borrow the replicator; the
//! simulation is synchronous and never sees an async runtime) take the next *position*
//! from a shared counter, in order, run that replication, let the consumer prepare its
//! result there ([`Consumer::prepare`]: whatever does not depend on the order, such as
//! encoding its rows) and send it over a channel to the aggregator on the calling
//! thread. The aggregator buffers results that arrive early and consumes them strictly
//! in position order. A gate lets workers run at most a small window ahead of the
//! aggregator (bounded memory even when one replication is slow) and never past the
//! current target (the fixed count, or the end of the current precision batch), so
//! which replications run, and in what order they are consumed, depends on nothing but
//! the options.
//!
//! Stopping: after an error, a panic or cancellation the gate closes, replications in
//! flight finish, and the aggregator keeps the contiguous prefix it could consume.

use std::collections::BTreeMap;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::sync::{Condvar, Mutex, PoisonError};
use std::time::Duration;

use crate::output::StopRule;
use crate::random::replication_seed;
use crate::replication::{ReplicationError, ReplicationResult, Replicator};

use super::{Progress, RunControl, RunError, Shard, PRECISION_BATCH};

/// How often the aggregator looks at the cancel flag while no result arrives.
const CANCEL_POLL: Duration = Duration::from_millis(50);
/// How many positions each worker may run ahead of the aggregator.
const WINDOW_PER_THREAD: u64 = 4;

/// How many replications to run.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Goal {
    /// Exactly this many positions.
    Fixed(u64),
    /// Batches of [`PRECISION_BATCH`] until the target is met or `max` positions ran.
    Precision { relative: f64, max: u64 },
}

/// Takes results strictly in replication order: a batch's collector, or the caller's
/// callback of [`super::run_in_order`].
pub(crate) trait Consumer {
    /// A result as [`Consumer::prepare`] leaves it.
    type Item: Send;

    /// Runs on the worker thread that ran the replication, so in parallel and in any
    /// order: the calling thread, which consumes every result in turn, keeps only the
    /// work that needs the order.
    fn prepare(replication: u64, seed: u64, result: ReplicationResult) -> Self::Item;

    /// Adds the next replication in order.
    fn push(&mut self, item: Self::Item) -> Result<(), RunError>;

    /// Whether the `--precision` target is met (asked only with a precision goal).
    fn precision_met(&mut self, relative: f64) -> bool;

    /// Replications consumed so far.
    fn replications(&self) -> u64;
}

/// What the workers need to know.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Plan {
    pub(crate) shard: Shard,
    pub(crate) base_seed: u64,
    pub(crate) threads: usize,
    pub(crate) goal: Goal,
}

/// How execution ended.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Executed {
    pub(crate) stop_rule: StopRule,
}

#[derive(Debug)]
struct GateState {
    next: u64,
    allowed: u64,
    closed: bool,
}

/// Hands out positions in order, up to `allowed`, until closed.
#[derive(Debug)]
struct Gate {
    state: Mutex<GateState>,
    changed: Condvar,
}

impl Gate {
    fn take(&self, cancel: Option<&AtomicBool>) -> Option<u64> {
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        loop {
            if state.closed || cancel.is_some_and(|flag| flag.load(Ordering::Relaxed)) {
                return None;
            }
            if state.next < state.allowed {
                state.next += 1;
                return Some(state.next - 1);
            }
            state = self
                .changed
                .wait(state)
                .unwrap_or_else(PoisonError::into_inner);
        }
    }

    fn allow(&self, allowed: u64) {
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        if allowed > state.allowed {
            state.allowed = allowed;
            self.changed.notify_all();
        }
    }

    fn close(&self) {
        self.state
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .closed = true;
        self.changed.notify_all();
    }
}

/// Why a replication produced no result.
enum Failure {
    Model(ReplicationError),
    Panic(String),
}

struct Message<T> {
    position: u64,
    replication: u64,
    seed: u64,
    outcome: Result<T, Failure>,
}

fn worker<C: Consumer>(
    replicator: &dyn Replicator,
    plan: &Plan,
    gate: &Gate,
    cancel: Option<&AtomicBool>,
    sender: mpsc::Sender<Message<C::Item>>,
) {
    while let Some(position) = gate.take(cancel) {
        let replication = plan.shard.replication(position);
        let seed = replication_seed(plan.base_seed, replication);
        let run = || {
            (replicator.run(replication, seed)).map(|result| C::prepare(replication, seed, result))
        };
        let outcome = match catch_unwind(AssertUnwindSafe(run)) {
            Ok(result) => result.map_err(Failure::Model),
            Err(payload) => Err(Failure::Panic(panic_message(payload.as_ref()))),
        };
        let message = Message {
            position,
            replication,
            seed,
            outcome,
        };
        if sender.send(message).is_err() {
            return;
        }
    }
}

fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    if let Some(text) = payload.downcast_ref::<&str>() {
        (*text).to_string()
    } else if let Some(text) = payload.downcast_ref::<String>() {
        text.clone()
    } else {
        "panicked".to_string()
    }
}

/// Runs the plan, feeding `collector` in position order.
pub(crate) fn execute<C: Consumer>(
    replicator: &dyn Replicator,
    plan: &Plan,
    control: &RunControl<'_>,
    collector: &mut C,
) -> Result<Executed, RunError> {
    let gate = Gate {
        state: Mutex::new(GateState {
            next: 0,
            allowed: 0,
            closed: false,
        }),
        changed: Condvar::new(),
    };
    let (sender, receiver) = mpsc::channel();
    // More workers than replications would only idle.
    let most = match plan.goal {
        Goal::Fixed(count) => count,
        Goal::Precision { max, .. } => max,
    };
    let workers = u64::try_from(plan.threads).map_or(most, |threads| threads.min(most));
    std::thread::scope(|scope| {
        for index in 0..workers {
            let sender = sender.clone();
            let (gate, cancel) = (&gate, control.cancel);
            let spawned = std::thread::Builder::new()
                .name(format!("chipsim-worker-{index}"))
                .spawn_scoped(scope, move || {
                    worker::<C>(replicator, plan, gate, cancel, sender)
                });
            if let Err(error) = spawned {
                gate.close();
                return Err(RunError::Thread(error));
            }
        }
        drop(sender);
        let result = aggregate(plan, control, &gate, receiver, collector);
        // Whatever happened, let waiting workers go so the scope can join them.
        gate.close();
        result
    })
}

fn aggregate<C: Consumer>(
    plan: &Plan,
    control: &RunControl<'_>,
    gate: &Gate,
    receiver: mpsc::Receiver<Message<C::Item>>,
    collector: &mut C,
) -> Result<Executed, RunError> {
    let window = (plan.threads as u64)
        .saturating_mul(WINDOW_PER_THREAD)
        .max(1);
    let (mut target, planned) = match plan.goal {
        Goal::Fixed(count) => (count, count),
        Goal::Precision { max, .. } => (PRECISION_BATCH.min(max), max),
    };
    let mut consumed = 0_u64;
    let mut pending = BTreeMap::new();
    let mut stop: Option<StopRule> = None;
    let mut failure: Option<(u64, RunError)> = None;
    gate.allow(target.min(window));
    loop {
        let message = match receiver.recv_timeout(CANCEL_POLL) {
            Ok(message) => Some(message),
            Err(mpsc::RecvTimeoutError::Timeout) => None,
            Err(mpsc::RecvTimeoutError::Disconnected) => break,
        };
        let cancelled = control
            .cancel
            .is_some_and(|flag| flag.load(Ordering::Relaxed));
        if cancelled && stop.is_none() {
            stop = Some(StopRule::Interrupted);
            gate.close();
        }
        let Some(Message {
            position,
            replication,
            seed,
            outcome,
        }) = message
        else {
            continue;
        };
        match outcome {
            Ok(item) => {
                pending.insert(position, item);
            }
            Err(error) => {
                gate.close();
                if failure.as_ref().is_none_or(|(first, _)| position < *first) {
                    let error = match error {
                        Failure::Model(error) => RunError::Replication(error),
                        Failure::Panic(message) => RunError::Panicked {
                            replication,
                            seed,
                            message,
                        },
                    };
                    failure = Some((position, error));
                }
            }
        }
        if failure.is_some() {
            // The run fails; only drain the workers.
            continue;
        }
        while let Some(item) = pending.remove(&consumed) {
            if let Err(error) = collector.push(item) {
                gate.close();
                return Err(error);
            }
            consumed += 1;
            if let Some(progress) = control.progress {
                progress(Progress {
                    completed: consumed,
                    planned,
                });
            }
            if consumed < target {
                continue;
            }
            match plan.goal {
                // All planned replications ran: complete, even if a signal came late.
                Goal::Fixed(_) => stop = Some(StopRule::FixedCount),
                Goal::Precision { .. } if stop.is_some() => {}
                Goal::Precision { relative, max } => {
                    if collector.precision_met(relative) {
                        stop = Some(StopRule::PrecisionReached);
                    } else if target >= max {
                        stop = Some(StopRule::MaxReps);
                    } else {
                        target = target.saturating_add(PRECISION_BATCH).min(max);
                    }
                }
            }
            if stop.is_some() {
                gate.close();
            }
        }
        if stop.is_none() {
            gate.allow(target.min(consumed.saturating_add(window)));
        }
    }
    if let Some((_, error)) = failure {
        return Err(error);
    }
    // Workers that saw the cancel flag first may have left before the aggregator did.
    let stop_rule = stop.unwrap_or(StopRule::Interrupted);
    if collector.replications() == 0 {
        return Err(RunError::NothingCompleted);
    }
    Ok(Executed { stop_rule })
}
