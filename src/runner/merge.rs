//! `chipsim merge`: combines shard folders into exactly the outputs one unsharded run
//! would have written (the manifest's `execution` aside).
//!
//! Every shard folder holds `shard_data.bin` (see [`crate::output`]). The merge checks
//! that all shards ran the same scenario (config hash), chipsim version, seed,
//! replication count and layout, and that together they hold every replication exactly
//! once; otherwise it fails, listing what is missing, and writes nothing. It then feeds
//! the records, in replication order, to the same collector a run uses, which writes
//! them again as the raw data of a whole run (shard 0 of 1). The output
//! folder may not hold a shard folder (`merge A B --out A` would replace a shard).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::{Instant, SystemTime};

use crate::output::{
    check_output_folder, Execution, FolderKind, Manifest, OutputError, ReplicationSet,
    ShardDataReader, ShardHeader, Staging, Status, StopRule,
};

use super::collect::Collector;
use super::schedule::Consumer as _;
use super::{rate, RunError};

/// How many missing replication indices an error lists.
const MISSING_LISTED: usize = 10;

/// A merge that could not be done; nothing was written.
#[derive(Debug, thiserror::Error)]
pub enum MergeError {
    /// No folder given.
    #[error("no shard folders to merge")]
    NoInputs,
    /// A shard folder could not be read, or the outputs could not be written.
    #[error(transparent)]
    Output(#[from] OutputError),
    /// Two shards come from different runs.
    #[error(
        "{} and {} are shards of different runs: their {field} differs ({first_value} vs {other_value})",
        first.display(), other.display()
    )]
    Mismatch {
        /// The first folder.
        first: PathBuf,
        /// The folder that differs.
        other: PathBuf,
        /// What differs.
        field: &'static str,
        /// Its value in the first folder.
        first_value: String,
        /// Its value in the other.
        other_value: String,
    },
    /// A replication is in two folders.
    #[error("replication {replication} is in both {} and {}", first.display(), second.display())]
    Duplicate {
        /// Replication index.
        replication: u64,
        /// One folder.
        first: PathBuf,
        /// The other.
        second: PathBuf,
    },
    /// Some replications are in no folder.
    #[error(
        "the shards do not cover every replication: {missing} of {total} missing \
         (replications {listed}){hint}; nothing was written"
    )]
    Missing {
        /// How many are missing.
        missing: u64,
        /// Replications of the batch.
        total: u64,
        /// The first missing indices.
        listed: String,
        /// Which shards to add, when that can be told.
        hint: String,
    },
    /// A shard file's records are not what its header promises.
    #[error("{}: {message}", path.display())]
    Corrupt {
        /// The folder.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// A record does not fit the layout.
    #[error(transparent)]
    Run(#[from] RunError),
}

/// A merge's result.
#[derive(Debug, Clone, PartialEq)]
pub struct MergeOutcome {
    /// Replications written.
    pub replications: u64,
    /// Shard folders read.
    pub shards: usize,
    /// The output folder.
    pub out_dir: PathBuf,
}

/// The first field in which `other` differs from `first`, as (name, first, other).
fn difference(first: &ShardHeader, other: &ShardHeader) -> Option<(&'static str, String, String)> {
    let fields = [
        (
            "config hash",
            first.config_hash.clone(),
            other.config_hash.clone(),
        ),
        (
            "chipsim version",
            first.chipsim_version.clone(),
            other.chipsim_version.clone(),
        ),
        ("seed", first.seed.to_string(), other.seed.to_string()),
        (
            "replication count",
            first.replications.to_string(),
            other.replications.to_string(),
        ),
    ];
    fields.into_iter().find(|(_, a, b)| a != b).or_else(|| {
        (first.layout != other.layout).then(|| {
            let name = |h: &ShardHeader| format!("scenario `{}`", h.layout.scenario);
            ("output layout", name(first), name(other))
        })
    })
}

/// Merges the shard folders `dirs` into `out_dir`; see the module documentation.
/// `out_dir` may not hold a shard folder.
pub fn merge_shards(dirs: &[PathBuf], out_dir: &Path) -> Result<MergeOutcome, MergeError> {
    let started = SystemTime::now();
    let clock = Instant::now();
    check_output_folder(out_dir, FolderKind::Run, dirs)?;
    let readers = dirs
        .iter()
        .map(|dir| ShardDataReader::open(dir))
        .collect::<Result<Vec<_>, _>>()?;
    let first = readers
        .first()
        .ok_or(MergeError::NoInputs)?
        .header()
        .clone();
    for (reader, dir) in readers.iter().zip(dirs).skip(1) {
        if let Some((field, first_value, other_value)) = difference(&first, reader.header()) {
            return Err(MergeError::Mismatch {
                first: dirs[0].clone(),
                other: dir.clone(),
                field,
                first_value,
                other_value,
            });
        }
    }
    let total = first.replications;
    let shards: Vec<(u64, u64)> = (readers.iter())
        .map(|reader| (reader.header().shard_index, reader.header().shard_count))
        .collect();

    // Pass 1: which folder holds each replication.
    let mut owner: BTreeMap<u64, usize> = BTreeMap::new();
    for (index, mut reader) in readers.into_iter().enumerate() {
        while let Some((replication, _, _)) = reader.next_record()? {
            if replication >= total {
                return Err(MergeError::Corrupt {
                    path: dirs[index].clone(),
                    message: format!("replication {replication} is beyond the batch of {total}"),
                });
            }
            if let Some(previous) = owner.insert(replication, index) {
                return Err(MergeError::Duplicate {
                    replication,
                    first: dirs[previous].clone(),
                    second: dirs[index].clone(),
                });
            }
        }
    }
    let missing = total - owner.len() as u64;
    if missing > 0 {
        return Err(missing_error(&first, &shards, &owner, missing));
    }

    // Pass 2: feed the records in replication order.
    let staging = Staging::create(out_dir)?;
    let whole = ShardHeader {
        shard_index: 0,
        shard_count: 1,
        ..first.clone()
    };
    let mut collector = Collector::create(staging.path(), &first.layout, &whole)?;
    let mut readers = dirs
        .iter()
        .map(|dir| ShardDataReader::open(dir))
        .collect::<Result<Vec<_>, _>>()?;
    for (&expected, &index) in &owner {
        let corrupt = |message: String| MergeError::Corrupt {
            path: dirs[index].clone(),
            message,
        };
        let (replication, seed, result) = readers[index]
            .next_record()?
            .ok_or_else(|| corrupt("the file changed while merging".into()))?;
        if replication != expected {
            return Err(corrupt(format!(
                "records out of order: expected replication {expected}, found {replication}"
            )));
        }
        collector.push(Collector::prepare(replication, seed, result))?;
    }
    let wall_seconds = clock.elapsed().as_secs_f64();
    let manifest = Manifest {
        chipsim_version: first.chipsim_version.clone(),
        scenario: first.layout.scenario.clone(),
        config_hash: first.config_hash.clone(),
        seed: first.seed,
        replications_requested: total,
        replications: ReplicationSet {
            completed: total,
            first_index: 0,
            stride: 1,
        },
        shard: None,
        precision: None,
        status: Status::Complete,
        stop_rule: StopRule::FixedCount,
        note: None,
        events_total: collector.events(),
        execution: Execution {
            threads: 1,
            started_utc: crate::output::utc_text(started),
            finished_utc: crate::output::utc_text(SystemTime::now()),
            wall_seconds,
            replications_per_second: rate(total, wall_seconds),
            merged_from: dirs.iter().map(|dir| dir.display().to_string()).collect(),
        },
    };
    collector.finish(staging.path(), &manifest, 1)?;
    staging.commit()?;
    Ok(MergeOutcome {
        replications: total,
        shards: dirs.len(),
        out_dir: out_dir.to_path_buf(),
    })
}

/// The error for replications no folder holds: the first few indices, and the shards
/// to add when every folder is a shard of the same count.
fn missing_error(
    first: &ShardHeader,
    shards: &[(u64, u64)],
    owner: &BTreeMap<u64, usize>,
    missing: u64,
) -> MergeError {
    let mut listed: Vec<String> = (0..first.replications)
        .filter(|replication| !owner.contains_key(replication))
        .take(MISSING_LISTED)
        .map(|replication| replication.to_string())
        .collect();
    if missing > MISSING_LISTED as u64 {
        listed.push("…".into());
    }
    let count = first.shard_count;
    let hint = if shards.iter().all(|&(_, c)| c == count) {
        let absent: Vec<String> = (0..count)
            .filter(|index| !shards.iter().any(|&(i, _)| i == *index))
            .map(|index| format!("{index}/{count}"))
            .collect();
        if absent.is_empty() {
            "; a shard was interrupted before it finished: rerun it".to_string()
        } else {
            format!("; add shard {}", absent.join(", "))
        }
    } else {
        String::new()
    };
    MergeError::Missing {
        missing,
        total: first.replications,
        listed: listed.join(", "),
        hint,
    }
}
