//! The Monte Carlo runner: runs a batch of replications of any [`Replicator`] on worker
//! threads and writes the outputs (see [`crate::output`]) into a folder, all or nothing.
//!
//! Every output byte is independent of the thread count: replication *r* has seed
//! `replication_seed(base seed, r)`, replications are handed out in index order and the
//! aggregator consumes them strictly in index order (see `schedule`). Every run also writes its
//! raw per-replication data (`shard_data.bin`; a whole run is shard 0 of 1).
//! `--shard I/N` runs replications I, I+N, I+2N, …, so [`merge_shards`] rebuilds exactly
//! the files of one unsharded run, its raw data included. [`compare_runs`] pairs two
//! runs by replication (common random numbers), metric by metric and, from the raw
//! data, period by period.
//!
//! A batch stops after the fixed count, when the `--precision` target is met (checked
//! after every [`PRECISION_BATCH`] replications, so the stopping point is deterministic),
//! at `--max-reps`, or when the cancel flag is set; then the outputs hold the contiguous
//! prefix of replications that finished, with status `interrupted`.

mod aggregate;
mod collect;
mod compare;
mod merge;
mod schedule;

use std::path::PathBuf;
use std::sync::atomic::AtomicBool;
use std::time::{Instant, SystemTime};

use crate::output::{
    config_hash, Execution, Manifest, OutputError, PrecisionSpec, ReplicationSet, ShardHeader,
    ShardSpec, Staging, Status, StopRule,
};
use crate::replication::{ReplicationError, ReplicationResult, Replicator};

pub use aggregate::Aggregator;
pub use compare::{compare_runs, compare_series, CompareError, Comparison, SeriesComparison};
pub use merge::{merge_shards, MergeError, MergeOutcome};

use collect::Collector;
use schedule::{Consumer, Goal, Plan};

/// Replications added between two checks of the `--precision` target.
pub const PRECISION_BATCH: u64 = 100;

/// `--shard I/N`: replications I, I+N, I+2N, … of the batch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    /// I, from 0 to N − 1.
    pub index: u64,
    /// N, at least 1.
    pub count: u64,
}

impl Shard {
    /// The whole batch, unsharded.
    pub const WHOLE: Shard = Shard { index: 0, count: 1 };

    /// How many of `replications` fall in this shard.
    pub fn len(&self, replications: u64) -> u64 {
        if self.index >= replications || self.count == 0 {
            0
        } else {
            (replications - self.index - 1) / self.count + 1
        }
    }

    /// The replication index of the shard's `position`-th replication.
    pub fn replication(&self, position: u64) -> u64 {
        self.index
            .saturating_add(position.saturating_mul(self.count))
    }
}

impl std::str::FromStr for Shard {
    type Err = String;

    /// Parses `I/N` with whole numbers 0 ≤ I < N; the error says what is allowed.
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let parsed = text.split_once('/').and_then(|(i, n)| {
            Some((i.trim().parse::<u64>().ok()?, n.trim().parse::<u64>().ok()?))
        });
        match parsed {
            Some((index, count)) if index < count => Ok(Shard { index, count }),
            _ => Err(format!(
                "--shard must be I/N with whole numbers 0 ≤ I < N (e.g. 0/4), got `{text}`"
            )),
        }
    }
}

/// `--precision P --max-reps M`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Precision {
    /// P: the 95 % CI half-width of every headline metric must be ≤ P × |mean|.
    pub relative_half_width: f64,
    /// M: stop here even if the target is not met.
    pub max_replications: u64,
}

/// What to run and where to write it.
#[derive(Debug, Clone, PartialEq)]
pub struct RunOptions {
    /// Replications of the batch (ignored with `precision`).
    pub replications: u64,
    /// Base seed.
    pub base_seed: u64,
    /// Worker threads, at least 1.
    pub threads: usize,
    /// Run only a shard (and write its raw data for `merge`).
    pub shard: Option<Shard>,
    /// Add replications until this target is met (not with `shard`).
    pub precision: Option<Precision>,
    /// The output folder, replaced when the run succeeds.
    pub out_dir: PathBuf,
    /// The scenario text, hashed into the manifest.
    pub config_text: String,
}

impl RunOptions {
    /// The checks `run_batch` applies, naming the option and its allowed range.
    pub fn validate(&self) -> Result<(), RunError> {
        let invalid = |option, message: String| Err(RunError::InvalidOption { option, message });
        if self.threads == 0 {
            return invalid("threads", "must be at least 1, got 0".into());
        }
        match self.precision {
            Some(precision) => {
                let p = precision.relative_half_width;
                if !(p.is_finite() && p > 0.0) {
                    return invalid(
                        "precision",
                        format!("must be a number greater than 0, got {p}"),
                    );
                }
                if precision.max_replications < 2 {
                    return invalid(
                        "max-reps",
                        format!("must be at least 2, got {}", precision.max_replications),
                    );
                }
                if self.shard.is_some() {
                    return invalid(
                        "shard",
                        "cannot be combined with precision: the stopping point needs every replication"
                            .into(),
                    );
                }
            }
            None if self.replications == 0 => {
                return invalid("reps", "must be at least 1, got 0".into());
            }
            None => {}
        }
        if let Some(shard) = self.shard {
            if shard.count == 0 || shard.index >= shard.count {
                return invalid(
                    "shard",
                    format!(
                        "I/N needs N ≥ 1 and 0 ≤ I < N, got {}/{}",
                        shard.index, shard.count
                    ),
                );
            }
            if shard.index >= self.replications {
                return invalid(
                    "shard",
                    format!(
                        "shard {}/{} holds no replication of {}: I must be below the replication count",
                        shard.index, shard.count, self.replications
                    ),
                );
            }
        }
        Ok(())
    }
}

/// Progress of a batch, reported after each consumed replication.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Progress {
    /// Replications consumed so far.
    pub completed: u64,
    /// Replications planned (the most that may run, with `--precision`).
    pub planned: u64,
}

/// Live controls of a batch: a cancel flag (set it to stop: replications in flight
/// finish and the completed prefix is written) and a progress callback (called on the
/// calling thread).
#[derive(Default)]
pub struct RunControl<'a> {
    /// Stops the batch when set.
    pub cancel: Option<&'a AtomicBool>,
    /// Called after each consumed replication.
    pub progress: Option<&'a dyn Fn(Progress)>,
}

impl std::fmt::Debug for RunControl<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RunControl")
            .field("cancel", &self.cancel)
            .field("progress", &self.progress.map(|_| "callback"))
            .finish()
    }
}

/// How a batch ended; its outputs are in `out_dir`.
#[derive(Debug, Clone, PartialEq)]
pub struct BatchOutcome {
    /// `complete`, or `interrupted` (a prefix was written).
    pub status: Status,
    /// The rule that stopped the batch.
    pub stop_rule: StopRule,
    /// Replications written.
    pub completed: u64,
    /// Events handled by them.
    pub events: u64,
    /// Elapsed seconds.
    pub wall_seconds: f64,
    /// The output folder.
    pub out_dir: PathBuf,
}

/// A batch that could not run or write its outputs. The previous outputs are untouched.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    /// An option out of range.
    #[error("invalid {option}: {message}")]
    InvalidOption {
        /// The option, as on the command line without `--`.
        option: &'static str,
        /// What is allowed, and what was given.
        message: String,
    },
    /// The layout cannot be written as outputs.
    #[error("invalid output layout: {0}")]
    InvalidLayout(String),
    /// A result does not match the layout.
    #[error("replication {replication}: {message}")]
    InvalidResult {
        /// Replication index.
        replication: u64,
        /// What does not match.
        message: String,
    },
    /// The model reported an error.
    #[error(transparent)]
    Replication(#[from] ReplicationError),
    /// The model panicked.
    #[error("replication {replication} (seed {seed}) panicked: {message}")]
    Panicked {
        /// Replication index.
        replication: u64,
        /// Its seed.
        seed: u64,
        /// The panic message.
        message: String,
    },
    /// Writing the outputs failed.
    #[error(transparent)]
    Output(#[from] OutputError),
    /// A worker thread could not start.
    #[error("cannot start a worker thread: {0}")]
    Thread(std::io::Error),
    /// Interrupted before any replication finished: nothing was written.
    #[error("interrupted before any replication finished; nothing was written")]
    NothingCompleted,
}

/// `count` per second of `wall_seconds` (0 when no time passed).
fn rate(count: u64, wall_seconds: f64) -> f64 {
    if wall_seconds > 0.0 {
        count as f64 / wall_seconds
    } else {
        0.0
    }
}

/// Hands results of [`run_in_order`] to the caller's callback and counts them.
struct Callback<'f> {
    consume: &'f mut dyn FnMut(u64, u64, &ReplicationResult) -> Result<(), RunError>,
    consumed: u64,
}

impl Consumer for Callback<'_> {
    type Item = (u64, u64, ReplicationResult);

    fn prepare(replication: u64, seed: u64, result: ReplicationResult) -> Self::Item {
        (replication, seed, result)
    }

    fn push(&mut self, (replication, seed, result): Self::Item) -> Result<(), RunError> {
        (self.consume)(replication, seed, &result)?;
        self.consumed += 1;
        Ok(())
    }

    fn precision_met(&mut self, _relative: f64) -> bool {
        false
    }

    fn replications(&self) -> u64 {
        self.consumed
    }
}

/// Runs replications `0..replications` of `replicator` on `threads` workers, seeded as
/// in a batch (replication r uses `replication_seed(base_seed, r)`), and hands each
/// `(replication, seed, result)` to `consume` strictly in replication order, on the
/// calling thread. Writes nothing: for callers that keep their own statistics, such as
/// sensitivity sweeps, which run one small batch per design point.
///
/// Returns [`StopRule::FixedCount`] when every replication was consumed, or
/// [`StopRule::Interrupted`] when `control.cancel` stopped it after a prefix.
pub fn run_in_order(
    replicator: &dyn Replicator,
    replications: u64,
    base_seed: u64,
    threads: usize,
    control: &RunControl<'_>,
    consume: &mut dyn FnMut(u64, u64, &ReplicationResult) -> Result<(), RunError>,
) -> Result<StopRule, RunError> {
    let options = RunOptions {
        replications,
        base_seed,
        threads,
        shard: None,
        precision: None,
        out_dir: PathBuf::new(),
        config_text: String::new(),
    };
    options.validate()?;
    let plan = Plan {
        shard: Shard::WHOLE,
        base_seed,
        threads,
        goal: Goal::Fixed(replications),
    };
    let mut callback = Callback {
        consume,
        consumed: 0,
    };
    let executed = schedule::execute(replicator, &plan, control, &mut callback)?;
    Ok(executed.stop_rule)
}

/// Runs a batch and writes its outputs into `options.out_dir`; see the module docs.
pub fn run_batch(
    replicator: &dyn Replicator,
    options: &RunOptions,
    control: &RunControl<'_>,
) -> Result<BatchOutcome, RunError> {
    options.validate()?;
    let started = SystemTime::now();
    let clock = Instant::now();
    let layout = replicator.layout();
    let config_hash = config_hash(&options.config_text);
    let shard = options.shard.unwrap_or(Shard::WHOLE);
    let (goal, requested) = match options.precision {
        Some(p) => (
            Goal::Precision {
                relative: p.relative_half_width,
                max: p.max_replications,
            },
            p.max_replications,
        ),
        None => (
            Goal::Fixed(shard.len(options.replications)),
            options.replications,
        ),
    };
    let shard_header = ShardHeader {
        chipsim_version: env!("CARGO_PKG_VERSION").to_string(),
        config_hash: config_hash.clone(),
        seed: options.base_seed,
        replications: options.replications,
        shard_index: shard.index,
        shard_count: shard.count,
        layout: layout.clone(),
    };

    let staging = Staging::create(&options.out_dir)?;
    let mut collector = Collector::create(staging.path(), layout, &shard_header)?;
    let plan = Plan {
        shard,
        base_seed: options.base_seed,
        threads: options.threads,
        goal,
    };
    let executed = schedule::execute(replicator, &plan, control, &mut collector)?;
    let completed = collector.replications();
    let events = collector.events();
    let wall_seconds = clock.elapsed().as_secs_f64();
    let status = if executed.stop_rule == StopRule::Interrupted {
        Status::Interrupted
    } else {
        Status::Complete
    };
    let manifest = Manifest {
        chipsim_version: env!("CARGO_PKG_VERSION").to_string(),
        scenario: layout.scenario.clone(),
        config_hash,
        seed: options.base_seed,
        replications_requested: requested,
        replications: ReplicationSet {
            completed,
            first_index: shard.index,
            stride: shard.count,
        },
        shard: options.shard.map(|shard| ShardSpec {
            index: shard.index,
            count: shard.count,
        }),
        precision: options.precision.map(|p| PrecisionSpec {
            relative_half_width: p.relative_half_width,
            max_replications: p.max_replications,
            batch: PRECISION_BATCH,
        }),
        status,
        stop_rule: executed.stop_rule,
        note: (status == Status::Interrupted).then(|| {
            format!(
                "interrupted: the outputs hold the first {completed} replications of this run in \
                 index order (a contiguous prefix); replications that finished after a gap were \
                 discarded"
            )
        }),
        events_total: events,
        execution: Execution {
            threads: options.threads,
            started_utc: crate::output::utc_text(started),
            finished_utc: crate::output::utc_text(SystemTime::now()),
            wall_seconds,
            replications_per_second: rate(completed, wall_seconds),
            merged_from: Vec::new(),
        },
    };
    collector.finish(staging.path(), &manifest, options.threads)?;
    staging.commit()?;
    Ok(BatchOutcome {
        status,
        stop_rule: executed.stop_rule,
        completed,
        events,
        wall_seconds,
        out_dir: options.out_dir.clone(),
    })
}
